//! Hostile input. A seeded mutation loop over valid files for every loader (creature, checkpoint,
//! Distill model, level, script, image, training config): each input must give an error or a
//! valid value, within a time limit and a memory cap, and never panic; a sample of the rejected
//! ones goes through the real binary, which must exit 1 with an error naming the file.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use morphogen::creature::Creature;
use morphogen::target::{Target, TargetOptions, decode_bytes};
use morphogen::train::checkpoint::{Checkpoint, Pool};
use morphogen::train::{Mode, TrainConfig};
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::common::tmpdir;
use crate::memcap::capped;
use crate::mutate::{mutate_checkpoint, mutate_creature, mutate_image, mutate_text};

/// Inputs per loader and run.
const PER_LOADER: usize = 300;
/// What one input may take. The slowest valid input (a 72x72 creature's target PNG, a 100 kB
/// JSON model) takes milliseconds; a hang is caught here, not by CI's clock.
const TIME_LIMIT: Duration = Duration::from_secs(30);
/// What one input may make its thread hold: above the largest allocation a small seed file can
/// legitimately ask for, far below the gigabytes the unchecked sizes asked for.
const MEMORY_CAP: usize = 1 << 30;

fn project(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

#[derive(Default, Debug)]
struct Tally {
    tried: usize,
    accepted: usize,
    errors: usize,
    panics: Vec<String>,
    peak: usize,
    slowest: Duration,
}

/// Runs `load` on `n` mutants of the seeds on a worker thread (so that a hang is seen as one),
/// each under the memory cap and `catch_unwind`. Returns the tally and the rejected inputs.
fn fuzz(
    what: &'static str,
    seeds: Vec<Vec<u8>>,
    mutate: fn(&mut StdRng, &[u8]) -> Vec<u8>,
    load: fn(&[u8]) -> Result<(), String>,
) -> (Tally, Vec<Vec<u8>>) {
    let mut rng = StdRng::seed_from_u64(0x5eed ^ what.len() as u64);
    let inputs: Vec<Vec<u8>> = (0..PER_LOADER).map(|i| mutate(&mut rng, &seeds[i % seeds.len()])).collect();
    let (to_worker, work) = std::sync::mpsc::channel::<Vec<u8>>();
    let (done, results) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for input in work {
            let t0 = Instant::now();
            let (r, peak) = capped(MEMORY_CAP, || catch_unwind(AssertUnwindSafe(|| load(&input))));
            let r = match r {
                Ok(Ok(())) => Ok(true),
                Ok(Err(e)) => {
                    assert!(!e.trim().is_empty(), "{what}: an empty error message");
                    Ok(false)
                }
                Err(p) => Err(p.downcast_ref::<String>().cloned().or(p.downcast_ref::<&str>().map(|s| s.to_string()))),
            };
            if done.send((r, peak, t0.elapsed())).is_err() {
                return;
            }
        }
    });
    let dir = tmpdir(&format!("hostile-{what}"));
    let mut tally = Tally::default();
    let mut rejected = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        to_worker.send(input.clone()).unwrap();
        let (r, peak, took) = match results.recv_timeout(TIME_LIMIT) {
            Ok(r) => r,
            Err(_) => {
                let p = dir.join(format!("hang-{i}"));
                std::fs::write(&p, &input).unwrap();
                panic!("{what}: input {i} ran over {TIME_LIMIT:?} (saved as {})", p.display());
            }
        };
        tally.tried += 1;
        tally.peak = tally.peak.max(peak);
        tally.slowest = tally.slowest.max(took);
        match r {
            Ok(true) => tally.accepted += 1,
            Ok(false) => {
                tally.errors += 1;
                rejected.push(input);
            }
            Err(msg) => {
                let p = dir.join(format!("panic-{i}"));
                std::fs::write(&p, &input).unwrap();
                tally.panics.push(format!("{} ({:?})", p.display(), msg));
            }
        }
    }
    eprintln!(
        "hostile {what}: {} inputs, {} accepted, {} clear errors, {} panics, 0 hangs, peak {:.1} MB, slowest {:.0} ms",
        tally.tried,
        tally.accepted,
        tally.errors,
        tally.panics.len(),
        tally.peak as f64 / 1e6,
        tally.slowest.as_secs_f64() * 1e3
    );
    (tally, rejected)
}

fn text_of(b: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(b).map_err(|e| format!("not UTF-8: {e}"))
}

fn small_checkpoints() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for mode in [Mode::Regenerate, Mode::Texture] {
        let mut cfg = TrainConfig::defaults(mode);
        cfg.pool_size = 4;
        cfg.batch = 2;
        cfg.damage_n = 1;
        cfg.target = TargetOptions { size: 8, padding: 4, ..cfg.target };
        cfg.grid = 16;
        let img = image::DynamicImage::ImageRgba8(image::RgbaImage::from_fn(12, 12, |x, y| {
            image::Rgba([(x * 20) as u8, (y * 20) as u8, 90, if (x + y) % 5 == 0 { 0 } else { 255 }])
        }));
        let target = Target::for_training(&img, &cfg).unwrap();
        let mut ck = Checkpoint::fresh("hostile", cfg.clone(), target);
        ck.iteration = 3;
        ck.history = vec![0.1, 0.05, 0.02];
        let c = cfg.spec().channels;
        let mut rng = StdRng::seed_from_u64(1);
        let mut data = vec![0.0f32; 4 * 16 * 16 * c];
        for (i, v) in data.iter_mut().enumerate() {
            if mode == Mode::Texture || (i / c).is_multiple_of(7) {
                *v = rng.random_range(-0.5..0.9);
            }
        }
        ck.pool = Some(Pool { dims: [4, 16, 16], data });
        out.push(ck.to_bytes());
    }
    out
}

fn image_seeds() -> Vec<Vec<u8>> {
    let mut out = vec![std::fs::read(project("assets/targets/lizard.png")).unwrap()];
    let img = image::DynamicImage::ImageRgba8(image::RgbaImage::from_fn(20, 14, |x, y| {
        image::Rgba([(x * 12) as u8, (y * 18) as u8, 200, if x < 3 { 0 } else { 255 }])
    }));
    for f in [image::ImageFormat::Bmp, image::ImageFormat::Gif, image::ImageFormat::Jpeg] {
        let mut b = Vec::new();
        let img =
            if f == image::ImageFormat::Jpeg { image::DynamicImage::ImageRgb8(img.to_rgb8()) } else { img.clone() };
        img.write_to(&mut std::io::Cursor::new(&mut b), f).unwrap();
        out.push(b);
    }
    out
}

const SCRIPT_SEED: &str = r#"Script(actions: [
    Import("../../assets/distill/ex3_lizard.json"), Select("ex3_lizard"), Seed(x: 64, y: 64),
    Speed(PerFrame(16.0)), Speed(Max), Pause(false), View(Channel(5)), WaitSteps(300), WaitFrames(2),
    Wound(Half(x: 64.0, y: 64.0, side: 0.0, reach: 64.0)), Wall(Line(x0: 1.0, y0: 2.0, x1: 30.0, y1: 40.0, width: 2.0)),
    RemoveWall(Ring(x: 10.0, y: 10.0, r_in: 2.0, r_out: 5.0)), Wound(Square(x: 5.0, y: 5.0, half: 3.0)),
    Rotation(45.0), FireRate(0.5), Snapshot("out/a.png"), Report("out/r.json"), Clear,
    Scene(Lab), Drop("x.png"), LabSettings((name: Some("x"), size: Some(40), padding: Some(16), iterations: Some(10),
    batch: Some(8), pool_size: Some(64), min_steps: Some(8), max_steps: Some(12), lr: Some(0.002), seed: Some(3))),
    Train, WaitIteration(5), LabPause(true), LabStop, LabFinish, WaitTrained, Resume("x"),
    PlayLevel("01-first-wound"), LevelAct(Erase(Disc(x: 48.0, y: 48.0, r: 5.0))),
    LevelAct(Cut(x0: 1.0, y0: 1.0, x1: 9.0, y1: 9.0)), LevelAct(Seed(x: 3, y: 4, creature: 0)), WaitLevelTime(3.5),
    WaitLevelEnd, WaitLevelReload("01-first-wound"), Quit,
])"#;

fn config_seeds() -> Vec<Vec<u8>> {
    Mode::ALL.iter().map(|&m| serde_json::to_vec_pretty(&TrainConfig::defaults(m)).unwrap()).collect()
}

fn load_config(b: &[u8]) -> Result<(), String> {
    let cfg: TrainConfig = serde_json::from_str(text_of(b)?).map_err(|e| e.to_string())?;
    cfg.validate()?;
    // A config that passes is one whose target can be made, at every size it allows.
    let img = image::DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(30, 20, image::Rgba([200, 10, 10, 255])));
    Ok(Target::for_training(&img, &cfg).map(|_| ())?)
}

fn load_image(b: &[u8]) -> Result<(), String> {
    let img = decode_bytes(b)?;
    // The texture example too, for panics; only what `train --mode grow` refuses counts as refused.
    let _ = Target::example(&img, 64);
    Ok(Target::from_image(&img, &TargetOptions::default()).map(|_| ())?)
}

/// Runs the binary on up to `n` rejected inputs written as files: it must exit 1 (not a panic's
/// 101, not a signal) and name the file.
fn through_binary(what: &str, ext: &str, rejected: &[Vec<u8>], n: usize, args: impl Fn(&Path, &Path) -> Vec<String>) {
    let dir = tmpdir(&format!("hostile-bin-{what}"));
    let step = (rejected.len() / n).max(1);
    for (k, input) in rejected.iter().step_by(step).take(n).enumerate() {
        let file = dir.join(format!("input-{k}.{ext}"));
        std::fs::write(&file, input).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_morphogen"))
            .args(args(&file, &dir))
            .current_dir(&dir)
            .output()
            .expect("run morphogen");
        let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert_eq!(o.status.code(), Some(1), "{what}: {} exited with {}:\n{all}", file.display(), o.status);
        assert!(
            all.contains(&file.display().to_string()),
            "{what}: the error does not name {}:\n{all}",
            file.display()
        );
        assert!(!all.contains("panicked"), "{all}");
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_loader_survives_hundreds_of_mutated_files() {
    let text_seeds =
        |paths: Vec<PathBuf>| -> Vec<Vec<u8>> { paths.iter().map(|p| std::fs::read(p).unwrap()).collect() };
    let mut levels: Vec<PathBuf> = std::fs::read_dir(project("levels")).unwrap().map(|e| e.unwrap().path()).collect();
    levels.sort();
    let mut scripts =
        text_seeds(vec![project("tests/scripts/lizard_regrowth.ron"), project("tests/scripts/lab_ladybug.ron")]);
    scripts.push(SCRIPT_SEED.as_bytes().to_vec());

    let runs: Vec<(Tally, Vec<Vec<u8>>, &str)> = vec![
        {
            let seed = std::fs::read(project("assets/creatures/lizard.creature")).unwrap();
            let (t, r) = fuzz("creature", vec![seed], mutate_creature, |b| {
                Creature::from_bytes(b).map(|_| ()).map_err(|p| format!("{p:?}"))
            });
            (t, r, "creature")
        },
        {
            let (t, r) = fuzz("checkpoint", small_checkpoints(), mutate_checkpoint, |b| {
                Checkpoint::from_bytes(b).map(|_| ()).map_err(|e| e.to_string())
            });
            (t, r, "checkpoint")
        },
        {
            let seeds =
                text_seeds(vec![project("assets/distill/ex3_lizard.json"), project("assets/distill/ex1_eye.json")]);
            let (t, r) = fuzz(
                "distill",
                seeds,
                |r, b| mutate_text(r, text_of(b).unwrap()).into_bytes(),
                |b| morphogen::distill::parse(text_of(b)?).map(|_| ()),
            );
            (t, r, "distill")
        },
        {
            let (t, r) = fuzz(
                "level",
                text_seeds(levels),
                |r, b| mutate_text(r, text_of(b).unwrap()).into_bytes(),
                |b| Ok(morphogen::level::Level::parse(text_of(b)?, Path::new("fuzz.ron")).map(|_| ())?),
            );
            (t, r, "level")
        },
        {
            let (t, r) = fuzz(
                "script",
                scripts,
                |r, b| mutate_text(r, text_of(b).unwrap()).into_bytes(),
                |b| morphogen::app::script::Script::parse(text_of(b)?, Path::new(".")).map(|_| ()),
            );
            (t, r, "script")
        },
        {
            let (t, r) = fuzz("image", image_seeds(), mutate_image, load_image);
            (t, r, "image")
        },
        {
            let (t, r) =
                fuzz("config", config_seeds(), |r, b| mutate_text(r, text_of(b).unwrap()).into_bytes(), load_config);
            (t, r, "config")
        },
    ];
    let total: usize = runs.iter().map(|(t, ..)| t.tried).sum();
    let panics: Vec<&String> = runs.iter().flat_map(|(t, ..)| &t.panics).collect();
    eprintln!("hostile: {total} inputs in all, {} panics", panics.len());
    assert!(panics.is_empty(), "inputs that panicked (saved for a rerun):\n{panics:#?}");
    for (t, _, what) in &runs {
        // A mutation loop that finds nothing to reject, or nothing valid, is not exploring.
        assert!(t.errors >= PER_LOADER / 10, "{what}: only {} of {} inputs rejected", t.errors, t.tried);
    }

    // The real binary on a sample of what was rejected.
    let get = |what: &str| &runs.iter().find(|(.., w)| *w == what).unwrap().1;
    let img = project("assets/targets/lizard.png");
    let img = img.to_str().unwrap().to_string();
    through_binary("creature", "creature", get("creature"), 8, |f, _| s(&["info", f.to_str().unwrap()]));
    through_binary("checkpoint", "ckpt", get("checkpoint"), 6, |f, d| {
        let out = d.join("x.creature");
        s(&[
            "train",
            "--resume",
            "--checkpoint",
            f.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--backend",
            "cpu",
        ])
    });
    through_binary("distill", "json", get("distill"), 6, |f, d| {
        s(&["import-distill", f.to_str().unwrap(), "--out", d.join("x.creature").to_str().unwrap()])
    });
    through_binary("level", "ron", get("level"), 8, |f, _| s(&["level", "check", f.to_str().unwrap()]));
    through_binary("image", "png", get("image"), 6, |f, d| {
        let out = d.join("x.creature");
        s(&["train", f.to_str().unwrap(), "--mode", "grow", "--out", out.to_str().unwrap(), "--backend", "cpu"])
    });
    through_binary("config", "json", get("config"), 6, |f, d| {
        let out = d.join("x.creature");
        s(&["train", &img, "--config", f.to_str().unwrap(), "--out", out.to_str().unwrap(), "--backend", "cpu"])
    });
}
