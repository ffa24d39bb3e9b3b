//! The game end to end: the real binary in a real window (Xvfb) on the software Vulkan driver,
//! driven by `tests/scripts/lizard_regrowth.ron`: the Distill ex3 lizard grows, is cut in half
//! and regrows, and the pictures show it.

use std::path::Path;
use std::process::Command;

use crate::common::*;

/// Cells of a world snapshot that are not background: (left half, right half).
fn creature_pixels(path: &Path, split: u32) -> (usize, usize) {
    let img = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgba8();
    let mut out = (0, 0);
    for (x, _, p) in img.enumerate_pixels() {
        // The background is (247, 247, 242); the creature is darker or more saturated.
        let d = (247 - p[0] as i32).abs() + (247 - p[1] as i32).abs() + (242 - p[2] as i32).abs();
        if d > 40 {
            if x < split { out.0 += 1 } else { out.1 += 1 }
        }
    }
    out
}

/// Whether this machine can open the game's window; false (test skipped) only where
/// `MORPHOGEN_REQUIRE_GPU` is unset.
pub(crate) fn can_play() -> bool {
    if !gpu_or_skip() {
        return false;
    }
    let required = std::env::var_os("MORPHOGEN_REQUIRE_GPU").is_some();
    if Command::new("xvfb-run").arg("--help").output().is_err() {
        assert!(!required, "xvfb-run is required here");
        eprintln!("skipping: no xvfb-run");
        return false;
    }
    true
}

/// The binary as `cargo install` leaves it: copied alone into `dir/bin`, with an empty working
/// folder and a fresh home beside it. Returns (binary, working folder, home).
pub(crate) fn installed(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let (bin, cwd, home) = (dir.join("bin"), dir.join("empty"), dir.join("home"));
    for d in [&bin, &cwd, &home] {
        std::fs::create_dir_all(d).unwrap();
    }
    let game = bin.join("morphogen");
    std::fs::copy(env!("CARGO_BIN_EXE_morphogen"), &game).expect("copy the binary");
    (game, cwd, home)
}

/// The game in a virtual screen, in the project folder, with its data under `dir`.
pub(crate) fn game(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("xvfb-run");
    c.args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_morphogen"))
        .args(args)
        .env("XDG_PICTURES_DIR", dir)
        .env("XDG_DATA_HOME", dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn the_game_grows_cuts_and_regrows_the_lizard_in_a_real_window() {
    if !can_play() {
        return;
    }
    let dir = tmpdir("play");
    let script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/lizard_regrowth.ron"))
            .unwrap();
    // The copy lives elsewhere: point its relative path at the project's assets.
    let script = script.replace("../../assets", &format!("{}/assets", env!("CARGO_MANIFEST_DIR")));
    std::fs::write(dir.join("script.ron"), script).unwrap();
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_morphogen"))
        .args(["play", "--size", "128", "--script"])
        .arg(dir.join("script.ron"))
        // The WGSL kernels and the device-to-texture copy in the window (the default).
        .env("MORPHOGEN_WORLD", "gpu")
        .env("XDG_PICTURES_DIR", &dir)
        .env("XDG_DATA_HOME", &dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run the game");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the game failed ({}):\n{log}", out.status);
    let o = dir.join("out");
    let grown = creature_pixels(&o.join("1-grown.png"), 64);
    let cut = creature_pixels(&o.join("2-cut.png"), 64);
    let regrown = creature_pixels(&o.join("3-regrown.png"), 64);
    eprintln!("creature pixels (left, right): grown {grown:?}, cut {cut:?}, regrown {regrown:?}");
    assert!(grown.0 > 150 && grown.1 > 150, "the lizard should have grown on both sides of its seed: {grown:?}");
    assert_eq!(cut.1, 0, "the right half should be gone");
    assert!(cut.0 as f32 > 0.8 * grown.0 as f32, "the left half should be untouched: {cut:?} vs {grown:?}");
    assert!(regrown.1 as f32 > 0.7 * grown.1 as f32, "the right half should be back: {regrown:?} vs {grown:?}");
    let total = |p: (usize, usize)| (p.0 + p.1) as f32;
    assert!(
        (total(regrown) - total(grown)).abs() < 0.3 * total(grown),
        "the regrown lizard should be the size of the grown one"
    );
    // The window screenshots: the whole window, the world and the panel in it.
    for name in ["1-grown-window.png", "2-cut-window.png", "3-regrown-window.png"] {
        let img = image::open(o.join(name)).unwrap().to_rgba8();
        assert_eq!((img.width(), img.height()), (1280, 800), "{name}");
        let distinct: std::collections::HashSet<[u8; 4]> = img.pixels().map(|p| p.0).collect();
        assert!(distinct.len() > 50, "{name} looks blank ({} colours)", distinct.len());
    }
}

/// Pixels of the window screenshot inside `rect` (x0, y0, x1, y1) close to `colour`.
pub(crate) fn pixels_like(
    img: &image::RgbaImage,
    (x0, y0, x1, y1): (u32, u32, u32, u32),
    colour: [u8; 3],
    tol: i32,
) -> usize {
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = img.get_pixel(x, y);
            (0..3).all(|c| (p[c] as i32 - colour[c] as i32).abs() <= tol)
        })
        .count()
}

#[test]
fn the_lab_trains_a_dropped_image_in_a_real_window_and_the_sandbox_plants_it() {
    if !can_play() {
        return;
    }
    let dir = tmpdir("lab-e2e");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = std::fs::read_to_string(root.join("tests/scripts/lab_ladybug.ron")).unwrap();
    std::fs::write(dir.join("script.ron"), script.replace("../../assets", root.join("assets").to_str().unwrap()))
        .unwrap();
    let out = game(&dir, &["play", "--size", "128", "--data"])
        .arg(dir.join("data"))
        .arg("--script")
        .arg(dir.join("script.ron"))
        .output()
        .expect("run the game");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the game failed ({}):\n{log}", out.status);
    let c = morphogen::creature::Creature::load(&dir.join("data/creatures/e2e_ladybug.creature")).unwrap();
    assert_eq!((c.meta.name.as_str(), c.meta.iterations), ("e2e ladybug", 80));
    let o = dir.join("out");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(o.join("lab-report.json")).unwrap()).unwrap();
    eprintln!("lab report: {report}");
    assert!(report["training"]["iteration"].as_u64().unwrap() >= 40);
    let shot = |n: &str| image::open(o.join(n)).unwrap().to_rgba8();
    // Ready: the prepared ladybug (its red) on the left.
    let ready = shot("lab-1-ready.png");
    assert!(pixels_like(&ready, (0, 100, 320, 320), [230, 30, 30], 60) > 200, "the target is shown");
    // Training: the loss curve (its blue) in the plot, the batch beside the preview.
    let training = shot("lab-2-training.png");
    assert!(pixels_like(&training, (330, 60, 1270, 270), [40, 90, 180], 40) > 100, "the loss curve is drawn");
    assert!(pixels_like(&training, (630, 285, 1270, 540), [247, 247, 242], 6) > 2000, "the batch is drawn");
    // Trained: the preview has grown something red.
    let trained = shot("lab-3-trained.png");
    assert!(pixels_like(&trained, (328, 285, 620, 580), [230, 40, 40], 90) > 30, "the preview grows the result");
    // Planted in the sandbox: red cells in the world.
    let planted = shot("lab-4-planted.png");
    assert!(pixels_like(&planted, (300, 0, 1280, 800), [230, 40, 40], 90) > 30, "the result grows in the sandbox");
}

/// The process ids whose command line mentions `needle` (the test's own folder).
fn pids_with(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            (cmd.contains(needle) && cmd.contains("morphogen") && !cmd.contains("xvfb-run")).then_some(pid)
        })
        .collect()
}

#[test]
fn a_training_survives_the_game_being_killed() {
    if !can_play() {
        return;
    }
    let dir = tmpdir("lab-kill-e2e");
    let data = dir.join("data");
    let png = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/targets/smiley.png");
    let first = format!(
        r#"Script(actions: [Scene(Lab), Drop("{}"),
            LabSettings((name: Some("survivor"), size: Some(12), padding: Some(4), iterations: Some(100000), batch: Some(2),
                         pool_size: Some(16), min_steps: Some(16), max_steps: Some(20), damage_n: Some(1), checkpoint_every: Some(10))),
            Train, WaitTrained, Quit])"#,
        png.display()
    );
    std::fs::write(dir.join("first.ron"), first).unwrap();
    let mut child = game(&dir, &["play", "--size", "64", "--data"])
        .arg(&data)
        .arg("--script")
        .arg(dir.join("first.ron"))
        .spawn()
        .unwrap();
    // Wait for a checkpoint past iteration 30, then kill the game outright.
    let t0 = std::time::Instant::now();
    let ckpt = loop {
        let found = std::fs::read_dir(data.join("lab"))
            .ok()
            .and_then(|r| r.flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|e| e == "ckpt")));
        if let Some(p) = found
            && morphogen::train::checkpoint::Checkpoint::peek(&p).is_ok_and(|s| s.iteration >= 30)
        {
            break p;
        }
        assert!(t0.elapsed().as_secs() < 180, "no checkpoint past iteration 30");
        assert!(child.try_wait().unwrap().is_none(), "the game ended early");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let pids = pids_with(data.to_str().unwrap());
    assert!(!pids.is_empty());
    for pid in pids {
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    child.wait().unwrap();
    let at_kill = morphogen::train::checkpoint::Checkpoint::load(&ckpt).expect("the checkpoint is whole after a kill");
    assert!(at_kill.iteration >= 30 && at_kill.iteration.is_multiple_of(10));

    // The next start lists it; the script resumes it, trains a little further and finishes.
    let second = format!(
        r#"Script(actions: [Scene(Lab), Resume("survivor"), WaitIteration({}), Report("report.json"), LabFinish, WaitTrained, Quit])"#,
        at_kill.iteration + 5
    );
    std::fs::write(dir.join("second.ron"), second).unwrap();
    let out = game(&dir, &["play", "--size", "64", "--data"])
        .arg(&data)
        .arg("--script")
        .arg(dir.join("second.ron"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    // The loss history runs unbroken from iteration 1 through the kill.
    assert_eq!(report["training"]["history"].as_u64(), report["training"]["iteration"].as_u64());
    let c = morphogen::creature::Creature::load(&data.join("creatures/survivor.creature")).unwrap();
    assert!(
        c.meta.iterations >= at_kill.iteration + 5,
        "{} after resuming from {}",
        c.meta.iterations,
        at_kill.iteration
    );
    assert!(!ckpt.exists(), "the finished training's checkpoint is gone");
}

#[test]
fn a_failing_script_exits_with_code_2_and_an_unknown_level_fails_instead_of_waiting() {
    if !can_play() {
        return;
    }
    let dir = tmpdir("play-bad-script");
    let script = dir.join("script.ron");
    std::fs::write(&script, r#"Script(actions: [PlayLevel("99-none"), Quit])"#).unwrap();
    let mut child = game(&dir, &["play", "--size", "64", "--script", script.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the game");
    let t0 = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed().as_secs() > 180 {
            let _ = child.kill();
            panic!("the game still waits for a level that does not exist");
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(log.contains("no level named 99-none"), "{log}");
}

/// Pixels of `img` inside `rect` (x0, y0, x1, y1) of the lizard's greens: neither the world's
/// white background nor the wound's red flash.
fn green(img: &image::RgbaImage, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let [r, g, b, _] = img.get_pixel(x, y).0.map(i32::from);
            if g < 200 && g > r + 20 && g > b + 20 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn the_installed_game_opens_from_an_empty_folder_on_a_grown_lizard_that_a_drag_wounds_and_a_click_plants_beside() {
    if !can_play() {
        return;
    }
    if Command::new("xdotool").arg("version").output().is_err() {
        assert!(std::env::var_os("MORPHOGEN_REQUIRE_GPU").is_none(), "xdotool is required here");
        eprintln!("skipping: no xdotool");
        return;
    }
    let dir = tmpdir("play-first-minutes");
    // As a player gets it: the binary copied (installed) on its own, started from an empty folder
    // with a fresh home, nothing of the checkout in reach.
    let (game, cwd, home) = installed(&dir);
    // A player's hands: the game with no arguments, then real X input events and F12.
    let hands = r#"
        "$GAME" & pid=$!
        wid=""
        for i in $(seq 1 240); do
            wid=$(xdotool search --name '^morphogen$' 2>/dev/null | head -n 1)
            [ -n "$wid" ] && break
            sleep 0.5
        done
        [ -n "$wid" ] || { echo "no window"; kill $pid; exit 3; }
        sleep 8
        # No window manager: give the window the keyboard, then every event goes through XTEST
        # as a real device's would (the window is at 0,0).
        xdotool windowfocus "$wid"; xdotool windowraise "$wid"
        shot() { xdotool key F12; sleep 4; }
        shot
        # Space pauses the world for the drag and its shot, so that what the stroke took is not
        # regrown by however many steps a loaded machine happened to run in between.
        xdotool key space; sleep 0.5
        xdotool mousemove 700 400; sleep 0.3; xdotool mousedown 1
        for x in 720 740 760 780 800 820 840 860 880; do sleep 0.15; xdotool mousemove $x 400; done
        sleep 0.1; xdotool mouseup 1; sleep 0.2
        shot
        xdotool key space; sleep 0.5
        xdotool mousemove 440 190; sleep 0.3; xdotool click --repeat 2 --delay 80 1
        sleep 25
        shot
        kill $pid; wait $pid
        exit 0
    "#;
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24", "sh", "-c", hands])
        .env("GAME", &game)
        // The world on the host kernels, its picture uploaded each frame: this test holds that
        // display path; the others step it with the WGSL kernels.
        .env("MORPHOGEN_WORLD", "cpu")
        .env("HOME", &home)
        .env_remove("XDG_PICTURES_DIR")
        .env_remove("XDG_DATA_HOME")
        .current_dir(&cwd)
        .output()
        .expect("run the game");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{}:\n{log}", out.status);
    // With no Pictures folder in the fresh home, captures go to the data folder.
    let mut shots: Vec<_> = std::fs::read_dir(home.join(".local/share/morphogen/captures"))
        .unwrap_or_else(|e| panic!("no screenshots ({e}):\n{log}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    shots.sort();
    assert_eq!(shots.len(), 3, "{shots:?}\n{log}");
    let img: Vec<image::RgbaImage> = shots.iter().map(|p| image::open(p).unwrap().to_rgba8()).collect();
    // The world's centre is at (790, 400): the panel takes the left 300 pixels.
    let lizard = (630, 240, 950, 560);
    // The eraser's stroke: from x 700 to 880 at y 400, 6 cells (48 pixels) either side.
    let stroke = (700, 360, 880, 440);
    let beside = (380, 130, 500, 250);
    let grown = green(&img[0], lizard);
    let (before, wounded) = (green(&img[0], stroke), green(&img[1], stroke));
    let planted = (green(&img[0], beside), green(&img[2], beside));
    eprintln!("creature pixels: grown {grown}; in the stroke {before}, after the drag {wounded}; beside: {planted:?}");
    assert!(grown > 15_000, "a grown lizard fills the middle of the first screenshot: {grown}");
    // Paused, nothing regrows: the stroke's band is wiped but for a brush's rounded ends.
    assert!((wounded as f32) < 0.1 * before as f32, "the drag wounds it: {wounded} vs {before}");
    assert!(planted.0 < 50 && planted.1 > 200, "the double click plants a second one: {planted:?}");
}
