//! The challenges end to end: the real binary in a real window (Xvfb) on the software Vulkan
//! driver, playing, scoring, saving and hot-reloading levels as a player would.

use std::path::Path;

use crate::common::*;
use crate::play::{can_play, game, pixels_like};

/// A shipped level copied into `dir` as it is: its creature path (`../assets/creatures/...`) names
/// no file there, so the shipped creature of that name is played.
fn copy_level(dir: &Path, name: &str) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = dir.join(format!("{name}.ron"));
    std::fs::copy(root.join("levels").join(format!("{name}.ron")), &p).unwrap();
    p
}

/// Waits for a JSON report while the game runs; a game that ended first fails with its log.
fn wait_for(path: &Path, secs: u64, child: &mut std::process::Child) -> serde_json::Value {
    let t0 = std::time::Instant::now();
    while t0.elapsed().as_secs() < secs {
        if let Ok(Some(status)) = child.try_wait() {
            let mut log = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut log);
            }
            if let Ok(b) = std::fs::read(path)
                && let Ok(v) = serde_json::from_slice(&b)
            {
                return v;
            }
            panic!("the game ended ({status}) before {} was written:\n{log}", path.display());
        }
        if let Ok(b) = std::fs::read(path)
            && let Ok(v) = serde_json::from_slice(&b)
        {
            return v;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{} never appeared", path.display());
}

#[test]
fn challenges_are_played_scored_saved_and_reloaded_in_a_real_window() {
    if !can_play() {
        return;
    }
    let dir = tmpdir("challenges-e2e");
    let levels = dir.join("levels");
    std::fs::create_dir_all(&levels).unwrap();
    let first = copy_level(&levels, "01-first-wound");
    copy_level(&levels, "02-start-again");
    copy_level(&levels, "03-green-thumb");
    // A corrupt save file is set aside, not fatal.
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("challenges.json"), "{ not json").unwrap();
    let o = dir.join("out");
    std::fs::create_dir_all(&o).unwrap();
    let script = format!(
        r#"Script(actions: [
            Scene(Challenges), WaitFrames(5),
            WatchLevel("01-first-wound"), WaitLevelEnd, Report("{o}/watched.json"),
            PlayLevel("02-start-again"), WaitLevelTime(1.05), LevelAct(Seed(x: 48, y: 48, creature: 0)),
            WaitLevelEnd, WaitFrames(3), Screenshot("{o}/won.png"), Report("{o}/won.json"),
            WaitLevelReload("01-first-wound"), Report("{o}/broken.json"),
            WaitLevelReload("01-first-wound"), Report("{o}/fixed.json"),
            Quit,
        ])"#,
        o = o.display()
    );
    std::fs::write(dir.join("script.ron"), script).unwrap();
    let mut child = game(&dir, &["play", "--size", "64", "--levels"])
        .arg(&levels)
        .arg("--data")
        .arg(&data)
        .arg("--script")
        .arg(dir.join("script.ron"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the game");
    // Edit the first level while the game runs: first a syntax error, then a new title.
    let won = wait_for(&o.join("won.json"), 240, &mut child);
    let good = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, good.replace("goal: Regrow(", "goal: Regrow(shape: 0.9, shape: ")).unwrap();
    let broken = wait_for(&o.join("broken.json"), 60, &mut child);
    std::fs::write(&first, good.replace("\"First wound\"", "\"First wound, edited\"")).unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the game failed ({}):\n{log}", out.status);
    let fixed: serde_json::Value = serde_json::from_slice(&std::fs::read(o.join("fixed.json")).unwrap()).unwrap();
    let watched: serde_json::Value = serde_json::from_slice(&std::fs::read(o.join("watched.json")).unwrap()).unwrap();
    eprintln!("watched: {watched}\nwon: {won}\nbroken: {broken}\nfixed: {fixed}");

    // Watching the solution wins the level but records nothing.
    assert_eq!(watched["level"]["won"], true);
    assert!(watched["level"]["best"].is_null());
    // Played: the seed planted after the wound regrows the lizard.
    assert_eq!(won["level"]["name"], "02-start-again");
    assert_eq!(won["level"]["won"], true, "{}", won["level"]["why"]);
    let stars = won["level"]["stars"].as_u64().unwrap();
    assert!((1..=3).contains(&stars));
    // The folder's three files replace the shipped levels of their names; the other shipped ones
    // are listed after them.
    let listed = won["levels"].as_array().unwrap();
    assert!(listed.len() >= 23, "{listed:?}");
    assert!(listed[..3].iter().all(|l| l["path"].as_str().unwrap().starts_with(levels.to_str().unwrap())));
    assert!(listed[3..].iter().all(|l| l["path"].as_str().unwrap().starts_with("<shipped>/levels/")));
    // Locks: 01 open (first), 02 locked until 01 is won, 03 open because 02 was won, 04 locked.
    let unlocked: Vec<bool> = listed[..4].iter().map(|l| l["unlocked"].as_bool().unwrap()).collect();
    assert_eq!(unlocked, [true, false, true, false]);
    // The save file: written atomically with the result; the corrupt one kept aside.
    let save: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("challenges.json")).unwrap()).unwrap();
    assert_eq!(save["best"]["02-start-again"]["stars"].as_u64(), Some(stars));
    assert!(save["best"].get("01-first-wound").is_none());
    let aside = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains("corrupt"));
    assert!(aside, "the corrupt save file is kept aside");
    assert!(log.contains("unreadable"), "the player is told about the corrupt save file");
    // Hot reload: the broken file is reported with its line; the fixed one is back with its new title.
    let err = broken["levels"][0]["error"].as_str().expect("the broken level reports an error");
    assert!(err.contains("01-first-wound.ron") && err.contains("line"), "{err}");
    assert_eq!(broken["levels"][1]["title"], "Start again", "the other levels carry on");
    assert_eq!(fixed["levels"][0]["title"], "First wound, edited");
    // The won level on screen: the lizard's green and the gold stars.
    let shot = image::open(o.join("won.png")).unwrap().to_rgba8();
    assert!(pixels_like(&shot, (320, 0, 1280, 800), [30, 160, 70], 70) > 300, "the lizard is drawn");
    assert!(pixels_like(&shot, (320, 0, 1280, 800), [230, 170, 20], 40) > 100, "the stars are drawn");
}
