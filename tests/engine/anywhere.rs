//! The binary on its own, as `cargo install` leaves it, started from an empty folder with a fresh
//! home: the shipped creatures, the paper's models and the levels are built into it.

use std::path::Path;
use std::process::Command;

use crate::common::*;
use crate::play::{can_play, installed};

/// The names the checkout ships (what `build.rs` builds in): the creatures' own names, the
/// Distill models' file stems, the levels' file stems; and which creatures grow from a seed.
fn checkout() -> (Vec<(String, bool)>, Vec<String>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = |dir: &str, ext: &str| {
        let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .collect();
        v.sort();
        v
    };
    let stem = |p: &std::path::PathBuf| p.file_stem().unwrap().to_string_lossy().into_owned();
    let creatures = files("assets/creatures", "creature")
        .iter()
        .map(|p| {
            let c = morphogen::creature::Creature::load(p).unwrap();
            (c.meta.name.clone(), c.weights.spec.alive_masking)
        })
        .collect();
    (
        creatures,
        files("assets/distill", "json").iter().map(stem).collect(),
        files("levels", "ron").iter().map(stem).collect(),
    )
}

/// A report (`Report` after `WaitThumbnails`) of a game with nothing but the shipped files: every
/// shipped creature, model and level listed from the binary, each with its picture. The browser's
/// test holds the page to it too.
pub fn shows_everything_shipped(report: &serde_json::Value) {
    let (creatures, models, levels) = checkout();
    assert!(creatures.len() >= 20 && models.len() == 31 && levels.len() >= 23, "the checkout's assets");

    // The library: every shipped creature and model, read from the binary, each with its picture
    // (a texture shows its example; every other grows from a seed).
    let lib = report["library"].as_array().unwrap();
    let entry = |name: &str| lib.iter().find(|e| e["name"] == name);
    for (name, grows) in &creatures {
        let e = entry(name).unwrap_or_else(|| panic!("{name} is not in the library: {lib:?}"));
        assert_eq!(e["group"], "Ours", "{e}");
        assert!(e["source"].as_str().unwrap().starts_with("<shipped>/assets/creatures/"), "{e}");
        assert_eq!(e["picture"], if *grows { "grown" } else { "target" }, "{e}");
    }
    for name in &models {
        let e = entry(name).unwrap_or_else(|| panic!("{name} is not in the library"));
        assert!(e["source"].as_str().unwrap().starts_with("<shipped>/assets/distill/"), "{e}");
        assert_eq!(e["picture"], "grown", "{e}");
    }
    assert_eq!(lib.len(), creatures.len() + models.len(), "nothing else: {lib:?}");

    // Every shipped level, read, with its picture; the first one open, and its solution wins.
    let listed: Vec<&str> = report["levels"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(listed, levels);
    for l in report["levels"].as_array().unwrap() {
        assert!(l["error"].is_null() && l["title"].is_string(), "{l}");
        assert!(l["path"].as_str().unwrap().starts_with("<shipped>/levels/"), "{l}");
        assert_eq!(l["picture"], true, "{l}");
    }
}

#[test]
fn an_installed_binary_opens_with_the_whole_library_and_every_level_from_an_empty_folder() {
    if !can_play() {
        return;
    }
    let dir = tmpdir("anywhere");
    let (game, cwd, home) = installed(&dir);
    let o = dir.join("out");
    std::fs::create_dir_all(&o).unwrap();
    let script = format!(
        r#"Script(actions: [
            WaitThumbnails, Report("{o}/library.json"),
            WatchLevel("01-first-wound"), WaitLevelEnd, Report("{o}/watched.json"),
            Quit,
        ])"#,
        o = o.display()
    );
    std::fs::write(dir.join("script.ron"), script).unwrap();
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(&game)
        .args(["play", "--size", "64", "--script"])
        .arg(dir.join("script.ron"))
        .env("HOME", &home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("XDG_PICTURES_DIR")
        .current_dir(&cwd)
        .output()
        .expect("run the game");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the game failed ({}):\n{log}", out.status);
    let read = |n: &str| -> serde_json::Value { serde_json::from_slice(&std::fs::read(o.join(n)).unwrap()).unwrap() };
    let (report, watched) = (read("library.json"), read("watched.json"));
    shows_everything_shipped(&report);
    assert_eq!(report["levels"][0]["unlocked"], true);
    assert_eq!(watched["level"]["won"], true, "{}", watched["level"]);

    // Its data went to the fresh home, nothing to the folder it was started from.
    assert!(home.join(".local/share/morphogen/thumbnails").is_dir());
    assert_eq!(std::fs::read_dir(&cwd).unwrap().count(), 0, "the working folder stays empty");
}

#[test]
fn level_check_and_zoo_eval_use_the_shipped_files_from_an_empty_folder() {
    let dir = tmpdir("anywhere-cli");
    let (game, cwd, home) = installed(&dir);
    let run = |args: &[&str]| {
        let o = Command::new(&game).args(args).env("HOME", &home).current_dir(&cwd).output().unwrap();
        (o.status.success(), crate::cli::text(&o))
    };
    // A shipped file named on the command line, as the messages name it.
    let (ok, text) = run(&["level", "check", "<shipped>/levels/01-first-wound.ron"]);
    assert!(ok && text.contains("won"), "{text}");
    // The zoo's manifest and creatures by default.
    let (ok, text) = run(&["zoo", "eval", "--only", "lizard", "--trials", "1", "--backend", "cpu"]);
    assert!(ok && text.contains("| lizard"), "{text}");
    // Shipped files cannot be written over; the message says so.
    let (ok, text) =
        run(&["import-distill", "<shipped>/assets/distill/ex3_lizard.json", "--out", "<shipped>/x.creature"]);
    assert!(!ok && text.contains("built into morphogen"), "{text}");
    assert_eq!(std::fs::read_dir(&cwd).unwrap().count(), 0, "nothing was written where it ran");
}
