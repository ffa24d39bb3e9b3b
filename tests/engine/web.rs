//! The browser build end to end: the site `tests/scripts/web_build.sh` makes, served from
//! 127.0.0.1, played in Debian's Chromium (headless, software rendering) by
//! `tests/web/drive.mjs` (playwright-core): real mouse and key events, the page's own storage.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use crate::common::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether this machine can build and drive the site; false (test skipped) only where
/// `MORPHOGEN_REQUIRE_GPU` (CI: nothing may skip) is unset.
fn can_browse() -> bool {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing = [
        (Path::new(&chromium).exists(), "Debian's chromium"),
        (Command::new("node").arg("--version").output().is_ok(), "node"),
        (root().join("tests/web/node_modules/playwright-core").exists(), "tests/web's npm packages (npm ci)"),
        (Command::new("python3").arg("--version").output().is_ok(), "python3 (to serve the site)"),
    ];
    for (ok, what) in missing {
        if !ok {
            assert!(std::env::var_os("MORPHOGEN_REQUIRE_GPU").is_none(), "{what} is required here");
            eprintln!("skipping: no {what}");
            return false;
        }
    }
    true
}

/// The site, built once for every test of this run.
fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let out = root().join("target/web-site");
        let mut c = Command::new("bash");
        c.arg(root().join("tests/scripts/web_build.sh")).arg(&out).current_dir(root());
        let o = c.output().expect("run web_build.sh");
        assert!(o.status.success(), "web_build.sh failed:\n{}", String::from_utf8_lossy(&o.stderr));
        eprintln!("{}", String::from_utf8_lossy(&o.stdout));
        out
    })
}

/// A static file server on 127.0.0.1 for `dir` (the site under /site/, the scripts under
/// /scripts/); ends with the guard.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string(), "-d"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start python3's http.server");
    let t0 = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed().as_secs() < 20, "the file server did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Server { child, port }
}

/// A folder to serve: the site and the browser's test scripts side by side.
fn served(name: &str) -> (PathBuf, Server) {
    let dir = tmpdir(name);
    std::os::unix::fs::symlink(site(), dir.join("site")).unwrap();
    std::os::unix::fs::symlink(root().join("tests/scripts/web"), dir.join("scripts")).unwrap();
    let server = serve(&dir);
    (dir, server)
}

/// Runs the driver: `node drive.mjs MODE URL OUT REST...`.
fn drive(mode: &str, url: &str, rest: &[&str], out: &Path) -> String {
    let o = Command::new("node")
        .arg(root().join("tests/web/drive.mjs"))
        .args([mode, url])
        .arg(out)
        .args(rest)
        .output()
        .expect("run node");
    let console = std::fs::read_to_string(out.join("console.txt")).unwrap_or_default();
    assert!(o.status.success(), "the driver failed ({}):\n{}\n{console}", o.status, String::from_utf8_lossy(&o.stderr));
    console
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// Green pixels of a canvas picture inside `rect` (x0, y0, x1, y1): the lizard.
fn green(path: &Path, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
    let img = image::open(path).unwrap().to_rgba8();
    (y0..y1.min(img.height()))
        .flat_map(|y| (x0..x1.min(img.width())).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = img.get_pixel(x, y);
            p[1] as i32 > p[0] as i32 + 40 && p[1] as i32 > p[2] as i32 + 40
        })
        .count()
}

/// The page served for a test: where the driver leaves its files, the page's address and the
/// server (kept while the test runs); None (skipped) where this machine cannot browse.
fn page(name: &str) -> Option<(PathBuf, String, Server)> {
    if !can_browse() {
        return None;
    }
    let (dir, server) = served(name);
    let url = format!("http://127.0.0.1:{}/site/index.html", server.port);
    Some((dir.join("out"), url, server))
}

#[test]
fn the_browser_build_opens_on_a_grown_lizard_that_regrows_from_a_drag_saves_captures_and_takes_dropped_files() {
    let Some((out, url, _server)) = page("web-first") else { return };
    // Dropped on the page once it has regrown: a Distill model, a creature file, an image.
    // And a creature file cut short, as a failed download leaves one.
    let broken = out.with_file_name("broken.creature");
    let whole = std::fs::read(root().join("assets/creatures/cactus.creature")).unwrap();
    std::fs::write(&broken, &whole[..whole.len() / 2]).unwrap();
    let mut drops: Vec<String> =
        ["assets/distill/ex2_eye.json", "assets/creatures/cactus.creature", "assets/targets/ladybug.png"]
            .map(|f| root().join(f).to_string_lossy().into_owned())
            .into();
    drops.insert(2, broken.to_string_lossy().into_owned());
    let console = drive("first", &url, &drops.iter().map(String::as_str).collect::<Vec<_>>(), &out);
    let first = json(&out.join("first.json"));
    eprintln!("first screen: {first}\n{console}");
    assert!(first["path"].as_str().unwrap().contains("steps on"), "the page says which path it took: {first}");
    assert!(!console.contains("panicked"), "{console}");
    // The world's centre is at (790, 389): the panel takes the left 300 pixels of 1280 x 778.
    let lizard = (630, 230, 950, 550);
    // The drag: from x 700 to 880 at y 389, the eraser's radius either side.
    let stroke = (700, 350, 880, 430);
    let shot = |n: &str| out.join(n);
    let grown = green(&shot("1-grown.png"), lizard);
    let (before, wounded) = (green(&shot("1-grown.png"), stroke), green(&shot("2-wounded.png"), stroke));
    let regrown = green(&shot("3-regrown.png"), stroke);
    eprintln!("lizard pixels {grown}; in the stroke {before}, wounded {wounded}, regrown {regrown}");
    assert!(grown > 15_000, "a grown lizard fills the middle of the first screen: {grown}");
    assert!((wounded as f32) < 0.1 * before as f32, "the drag wounds it: {wounded} of {before}");
    assert!(regrown as f32 > 0.6 * before as f32, "it regrows: {regrown} of {before}");

    // P and G, G: a screenshot and a GIF, each handed to the browser as a download.
    let downloads: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("download-"))
        .collect();
    let named = |ext: &str| downloads.iter().find(|p| p.extension().is_some_and(|x| x == ext)).cloned();
    let png = named("png").unwrap_or_else(|| panic!("a screenshot was downloaded: {downloads:?}\n{console}"));
    let shot = image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert!(shot.width() >= 256 && shot.height() >= 256, "{}x{}", shot.width(), shot.height());
    let gif = named("gif").unwrap_or_else(|| panic!("a GIF was downloaded: {downloads:?}\n{console}"));
    let frames = image::codecs::gif::GifDecoder::new(std::io::BufReader::new(std::fs::File::open(&gif).unwrap()))
        .map(|d| image::AnimationDecoder::into_frames(d).count())
        .unwrap_or_else(|e| panic!("{}: {e}", gif.display()));
    // Three seconds of a living world: several frames (as many as the page drew, a few a second
    // on a loaded machine).
    assert!(frames >= 2, "the GIF moves: {frames} frame(s)");
    // The drops: the model and the creature join the library, the image opens the lab.
    for said in ["added ex2_eye to the library", "added cactus to the library", "ladybug: ready to train"] {
        assert!(console.contains(said), "the game said {said:?} of a file dropped on the page:\n{console}");
    }
    // The broken file: refused with its name, and the page goes on (the image after it opened).
    assert!(console.contains("not added: /dropped/broken.creature"), "{console}");
}

#[test]
fn the_browser_build_plays_the_levels_and_keeps_the_results_and_a_training_over_a_reload() {
    let Some((out, url, _server)) = page("web-scripts") else { return };
    let s = |n: &str| format!("/scripts/{n}.ron");
    let console = drive("scripts", &url, &[&s("levels"), &s("reload"), &s("lab"), &s("lab_resume")], &out);
    assert!(!console.contains("panicked"), "{console}");

    // The library and the challenges: every shipped creature and level listed with its picture,
    // the first level's solution wins.
    crate::anywhere::shows_everything_shipped(&json(&out.join("levels.json")));
    assert_eq!(json(&out.join("watched.json"))["level"]["won"], true);
    let won = json(&out.join("won.json"));
    assert_eq!(won["level"]["won"], true, "{}", won["level"]);
    // A reload of the page: the win is kept in its storage, and opens the next level.
    let reloaded = json(&out.join("reloaded.json"));
    assert_eq!(reloaded["levels"][1]["won"], true, "{}", reloaded["levels"][1]);
    assert_eq!(reloaded["levels"][2]["unlocked"], true);

    // The lab: trained in the page's worker, the page closed while it trained, resumed after the
    // reload from the checkpoint in the page's storage, finished, in the library.
    let training = json(&out.join("lab-training.json"));
    let at_close = training["training"]["iteration"].as_u64().unwrap();
    assert!(at_close >= 25, "{training}");
    let resumed = json(&out.join("lab-resumed.json"));
    assert_eq!(resumed["training"]["name"], "web ladybug");
    assert!(resumed["training"]["history"].as_u64().unwrap() >= 32, "{resumed}");
    let done = json(&out.join("lab-done.json"));
    let entry = done["library"].as_array().unwrap().iter().find(|e| e["name"] == "web ladybug").cloned();
    let entry = entry.unwrap_or_else(|| panic!("the trained creature is in the library: {}", done["library"]));
    assert!(entry["source"].as_str().unwrap().starts_with("/morphogen/creatures/"), "{entry}");
    eprintln!(
        "lab in the page: {} it/s before the reload, {} after",
        training["training"]["it_per_s"], resumed["training"]["it_per_s"]
    );
}
