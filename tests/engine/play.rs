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

#[test]
fn the_game_grows_cuts_and_regrows_the_lizard_in_a_real_window() {
    let required = std::env::var_os("MORPHOGEN_REQUIRE_GPU").is_some();
    if let Err(e) = morphogen::backend::probe_gpu() {
        assert!(!required, "a GPU adapter is required here: {e}");
        eprintln!("skipping: {e}");
        return;
    }
    if Command::new("xvfb-run").arg("--help").output().is_err() {
        assert!(!required, "xvfb-run is required here");
        eprintln!("skipping: no xvfb-run");
        return;
    }
    let dir = tmpdir("play");
    let script = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/lizard_regrowth.ron")).unwrap();
    let script = script.replace("../../../shared", shared("").to_str().unwrap().trim_end_matches('/'));
    std::fs::write(dir.join("script.ron"), script).unwrap();
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_morphogen"))
        .args(["play", "--size", "128", "--script"])
        .arg(dir.join("script.ron"))
        .env("XDG_PICTURES_DIR", &dir)
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
    assert!((total(regrown) - total(grown)).abs() < 0.3 * total(grown), "the regrown lizard should be the size of the grown one");
    // The window screenshots: the whole window, the world and the panel in it.
    for name in ["1-grown-window.png", "2-cut-window.png", "3-regrown-window.png"] {
        let img = image::open(o.join(name)).unwrap().to_rgba8();
        assert_eq!((img.width(), img.height()), (1280, 800), "{name}");
        let distinct: std::collections::HashSet<[u8; 4]> = img.pixels().map(|p| p.0).collect();
        assert!(distinct.len() > 50, "{name} looks blank ({} colours)", distinct.len());
    }
}
