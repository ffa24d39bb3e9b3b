//! The real binary, end to end.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::*;

pub(crate) fn morphogen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_morphogen")).args(args).output().expect("run morphogen")
}

pub(crate) fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn import_info_and_eval_the_distill_lizard() {
    let dir = tmpdir("cli-eval");
    let out = dir.join("lizard.creature");
    let model = distill("ex3_lizard");
    let o = morphogen(&["import-distill", model.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let o = morphogen(&["info", out.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(info["meta"]["name"], "ex3_lizard");
    assert_eq!(info["parameters"], 8336);
    // The commands that read a creature take the demo's JSON too, imported on the fly.
    let o = morphogen(&["info", model.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let direct: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(direct["meta"]["name"], info["meta"]["name"]);
    assert_eq!(direct["meta"]["tensors"], info["meta"]["tensors"]);

    let o = morphogen(&["eval", out.to_str().unwrap(), "--json", "--trials", "1", "--seed", "3", "--backend", "cpu"]);
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    for k in ["growth_mse", "alive_cells_at_200", "drift", "regrowth"] {
        assert!(r.get(k).is_some(), "missing {k}");
    }
    assert!(r["growth_mse"].is_null(), "no target in an imported model");
    let alive = r["alive_cells_at_200"].as_u64().unwrap();
    assert!((600..=760).contains(&alive), "{alive}");
    assert!(r["drift"]["500"].as_f64().unwrap() < 1e-3 && r["drift"]["2000"].as_f64().unwrap() < 1e-3);
    for k in ["disc", "left", "right", "top", "bottom", "square"] {
        let v = &r["regrowth"][k];
        assert_eq!(v[1], 1, "{k}: one trial run");
        assert!(v[0].as_u64().unwrap() <= 1);
    }
    let regrown: u64 =
        ["left", "right", "top", "bottom", "square"].iter().map(|k| r["regrowth"][k][0].as_u64().unwrap()).sum();
    assert!(regrown >= 4, "the ex3 lizard regrows: {r}");
}

/// `bench --creatures K` on the CPU trains K creatures side by side, each with a pool of its own:
/// more than one per thread is refused before anything is allocated.
#[test]
fn bench_refuses_more_creatures_side_by_side_than_threads() {
    let o = morphogen(&[
        "bench",
        "--backend",
        "cpu",
        "--sizes",
        "8",
        "--seconds",
        "0.01",
        "--world-species",
        "1",
        "--level-sides",
        "--train-iters",
        "1",
        "--creatures",
        "100000",
    ]);
    assert!(
        text(&o).contains("100000 trainings side by side: on the CPU at least one and at most one per thread"),
        "{}",
        text(&o)
    );
}

#[test]
fn bad_files_fail_with_the_file_named() {
    let dir = tmpdir("cli-bad");
    let bad = dir.join("junk.creature");
    std::fs::write(&bad, b"definitely not a creature").unwrap();
    for cmd in ["info", "eval"] {
        let o = morphogen(&[cmd, bad.to_str().unwrap()]);
        assert!(!o.status.success());
        let t = text(&o);
        assert!(t.contains("junk.creature") && t.contains("not a morphogen creature"), "{t}");
    }
    let png = dir.join("broken.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\nbroken").unwrap();
    let o = morphogen(&[
        "train",
        png.to_str().unwrap(),
        "--mode",
        "grow",
        "--out",
        dir.join("x.creature").to_str().unwrap(),
        "--backend",
        "cpu",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("broken.png"), "{}", text(&o));
    let json = dir.join("model.json");
    std::fs::write(&json, "[1, 2]").unwrap();
    let o = morphogen(&["import-distill", json.to_str().unwrap(), "--out", dir.join("y.creature").to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("model.json"), "{}", text(&o));
}

pub(crate) fn write_target(dir: &Path) -> std::path::PathBuf {
    let img = image::RgbaImage::from_fn(16, 16, |x, y| {
        if (x as i32 - 8).pow(2) + (y as i32 - 8).pow(2) < 40 {
            image::Rgba([200, 30, 30, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let p = dir.join("dot.png");
    img.save(&p).unwrap();
    p
}

#[test]
fn train_checkpoints_survive_ctrl_c_and_resume() {
    let dir = tmpdir("cli-train");
    let png = write_target(&dir);
    let cfg = dir.join("small.json");
    std::fs::write(
        &cfg,
        r#"{"batch": 2, "pool_size": 4, "damage_n": 1, "min_steps": 4, "max_steps": 6, "checkpoint_every": 2,
        "target": {"size": 8, "padding": 4}}"#,
    )
    .unwrap();
    let out = dir.join("dot.creature");
    let ckpt = dir.join("dot.creature.ckpt");
    let args = |iters: &str| {
        vec![
            "train".to_string(),
            png.to_str().unwrap().into(),
            "--mode".into(),
            "regenerate".into(),
            "--config".into(),
            cfg.to_str().unwrap().into(),
            "--out".into(),
            out.to_str().unwrap().into(),
            "--iterations".into(),
            iters.into(),
            "--backend".into(),
            "cpu".into(),
        ]
    };
    // A long run, interrupted once it has written a checkpoint.
    let child = Command::new(env!("CARGO_BIN_EXE_morphogen"))
        .args(args("1000000"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !ckpt.exists() {
        assert!(t0.elapsed().as_secs() < 120, "no checkpoint written");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The shell builtin, so that no procps package is needed.
    Command::new("sh").args(["-c", &format!("kill -INT {}", child.id())]).status().unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    assert!(text(&o).contains("checkpoint saved"), "{}", text(&o));
    let ck = morphogen::train::checkpoint::Checkpoint::load(&ckpt).unwrap();
    assert!(ck.iteration >= 2);
    assert!(!out.exists());

    let target_iters = (ck.iteration + 2).to_string();
    let mut resume = args(&target_iters);
    resume.push("--resume".into());
    let o = Command::new(env!("CARGO_BIN_EXE_morphogen")).args(&resume).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains(&format!("at iteration {}", ck.iteration)), "{}", text(&o));
    let c = morphogen::creature::Creature::load(&out).unwrap();
    assert_eq!(c.meta.iterations, ck.iteration + 2);
    assert_eq!(c.meta.mode, morphogen::creature::CreatureMode::Regenerate);
    assert!(c.target.is_some());
    assert!(!ckpt.exists(), "the checkpoint is removed once the creature is saved");
}

#[test]
fn the_zoo_trains_from_its_manifest_skips_what_is_done_and_evaluates_against_the_bar() {
    let dir = tmpdir("cli-zoo");
    write_target(&dir);
    let tiny = "batch: 2, pool_size: 8, min_steps: 8, max_steps: 10, damage_n: 1, checkpoint_every: 5, target: (size: 8, padding: 4)";
    let manifest = format!(
        r#"Manifest(creatures: "out", entries: [
            (name: "dot one", target: "dot.png", config: (mode: regenerate, iterations: ITERS, seed: 1, grade_every: 500, lr_schedule: [(at: 4, lr: 1e-3)LATER], {tiny})),
            (name: "dot two", target: "dot.png", paper: "{paper}", config: (mode: grow, iterations: 6, seed: 2, {tiny})),
        ])"#,
        paper = std::env::current_dir().unwrap().join("assets/distill/ex1_lizard.json").display()
    );
    let write = |iters: &str, later: &str| {
        std::fs::write(dir.join("zoo.ron"), manifest.replace("ITERS", iters).replace("LATER", later)).unwrap()
    };
    write("12", "");
    let m = dir.join("zoo.ron");
    let m = m.to_str().unwrap();

    let o = morphogen(&["zoo", "train", "--manifest", m, "--backend", "cpu", "--only", "dot two"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(dir.join("out/dot_two.creature").exists() && !dir.join("out/dot_one.creature").exists());
    let o = morphogen(&["zoo", "train", "--manifest", m, "--backend", "cpu"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("dot two: up to date (6 iterations)"), "{}", text(&o));
    let one = morphogen::creature::Creature::load(&dir.join("out/dot_one.creature")).unwrap();
    assert_eq!((one.meta.name.as_str(), one.meta.mode.name(), one.meta.iterations), ("dot one", "regenerate", 12));
    // A graded creature that used its iterations without meeting the bar keeps its checkpoint;
    // one that is not graded (or met the bar) has nothing left to resume.
    assert!(dir.join("out/dot_one.creature.ckpt").exists() && !dir.join("out/dot_two.creature.ckpt").exists());
    assert!(text(&o).contains("did not meet the zoo's bar in 12 iterations"), "{}", text(&o));

    // A 12-iteration creature cannot meet the bar: the table says why, and --check fails.
    let o = morphogen(&["zoo", "eval", "--manifest", m, "--backend", "cpu", "--trials", "2", "--check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.lines().any(|l| l.starts_with("| dot one | 12 |") && l.contains("| no: ")), "{out}");
    // A grow creature is there to be compared, not to heal: reported, not held to the bar.
    assert!(
        out.lines().any(|l| l.starts_with("| dot two | 6 |") && l.contains("grow mode: not held to the bar")),
        "{out}"
    );
    let o = morphogen(&[
        "zoo",
        "eval",
        "--manifest",
        m,
        "--backend",
        "cpu",
        "--trials",
        "2",
        "--check",
        "--only",
        "dot two",
        "--paper",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // Each row says how long the creature trained, and on what; the paper's model of the same
    // emoji is measured under it, and not held to the bar.
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let rows: Vec<&str> = out.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(rows[0].starts_with("| dot two | 6 | ") && rows[0].contains(" on CPU"), "{out}");
    assert!(rows[1].starts_with("| ex1_lizard (the paper's) | - | - |") && rows[1].contains("grow mode"), "{out}");
    // A paper's model that is not there is named before anything is measured.
    let lost = dir.join("lost.ron");
    std::fs::write(
        &lost,
        std::fs::read_to_string(dir.join("zoo.ron")).unwrap().replace("ex1_lizard.json", "gone.json"),
    )
    .unwrap();
    let o = morphogen(&["zoo", "eval", "--manifest", lost.to_str().unwrap(), "--backend", "cpu", "--paper"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("gone.json") && text(&o).contains("missing") && o.stdout.is_empty(), "{}", text(&o));

    // Given more iterations and a lower learning rate from where it stopped, it carries on from
    // its checkpoint, at that rate.
    let lower = ", (at: 13, lr: 1e-4)";
    write("16", lower);
    let o = morphogen(&["zoo", "train", "--manifest", m, "--backend", "cpu", "--only", "dot one"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("dot one: resuming from") && text(&o).contains("at iteration 12"), "{}", text(&o));
    let one = morphogen::creature::Creature::load(&dir.join("out/dot_one.creature")).unwrap();
    assert_eq!(one.meta.iterations, 16);
    let cfg = one.meta.train_config.clone().unwrap();
    assert_eq!((cfg.lr_at(12), cfg.lr_at(13)), (1e-3, 1e-4));

    // Side by side on the CPU (each on its own share of the cores), a creature comes out as it
    // does alone, and every line says whose it is.
    let alone = morphogen::creature::Creature::load(&dir.join("out/dot_two.creature")).unwrap();
    let o = morphogen(&["zoo", "train", "--manifest", m, "--backend", "cpu", "--force", "--group", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    let beside = morphogen::creature::Creature::load(&dir.join("out/dot_two.creature")).unwrap();
    assert_eq!(beside.weights.flatten(), alone.weights.flatten());
    let on = beside.meta.trained_on.clone().unwrap_or_default();
    assert!(on.contains("2 creatures at once"), "{on}");
    let one = morphogen::creature::Creature::load(&dir.join("out/dot_one.creature")).unwrap();
    assert_eq!(one.meta.iterations, 16);
    assert!(text(&o).lines().filter(|l| !l.trim().is_empty()).all(|l| l.starts_with("dot ")), "{}", text(&o));

    // A creature that met the bar is done, whatever more iterations the manifest gives it.
    let path = dir.join("out/dot_one.creature");
    let mut one = morphogen::creature::Creature::load(&path).unwrap();
    one.meta.graded_at = Some(16);
    one.save(&path).unwrap();
    write("20", lower);
    let o = morphogen(&["zoo", "train", "--manifest", m, "--backend", "cpu", "--only", "dot one"]);
    assert!(o.status.success() && text(&o).contains("dot one: up to date (16 iterations)"), "{}", text(&o));
    // A rate changed before where it stopped is another training: it starts again.
    write("20", ", (at: 10, lr: 1e-4)");
    let o = morphogen(&["zoo", "train", "--manifest", m, "--backend", "cpu", "--only", "dot one"]);
    assert!(o.status.success() && !text(&o).contains("up to date"), "{}", text(&o));
    let one = morphogen::creature::Creature::load(&path).unwrap();
    assert_eq!((one.meta.iterations, one.meta.train_config.unwrap().lr_at(10)), (20, 1e-4));
    // A focus (`train::focus`) added from where it stopped carries on from its checkpoint; one
    // from before is another training.
    let focus = |from: u64| {
        let with = format!("seed: 1, focus: (from: {from}, share: 1.0),");
        let text = manifest.replace("ITERS", "22").replace("LATER", ", (at: 10, lr: 1e-4)").replace("seed: 1,", &with);
        std::fs::write(dir.join("zoo.ron"), text).unwrap()
    };
    focus(20);
    let o = morphogen(&["zoo", "train", "--manifest", m, "--backend", "cpu", "--only", "dot one"]);
    assert!(
        o.status.success() && text(&o).contains("resuming from") && text(&o).contains("at iteration 20"),
        "{}",
        text(&o)
    );
    let cfg = morphogen::creature::Creature::load(&path).unwrap().meta.train_config.unwrap();
    assert_eq!(cfg.focus, Some(morphogen::train::focus::Focus { from: 20, share: 1.0 }));
    focus(5);
    let o = morphogen(&["zoo", "train", "--manifest", m, "--backend", "cpu", "--only", "dot one"]);
    assert!(o.status.success() && !text(&o).contains("resuming from"), "{}", text(&o));

    // Bad manifests name the file and the place.
    std::fs::write(
        dir.join("bad.ron"),
        "Manifest(creatures: \"out\", entries: [(name: \"x\", target: \"dot.png\", colour: 3)])",
    )
    .unwrap();
    let o = morphogen(&["zoo", "train", "--manifest", dir.join("bad.ron").to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o).contains("bad.ron: line 1") && text(&o).contains("colour"), "{}", text(&o));
    let o = morphogen(&["zoo", "train", "--manifest", m, "--only", "nobody"]);
    assert!(text(&o).contains("no creature named nobody"), "{}", text(&o));
}

/// The shipped zoo, as `docs/ZOO.md` shows it: its regenerating creatures meet the bar on the
/// table's 8 trials (fewer would hold a creature that regrows 7 of 8 to all of them, or none), and
/// each draws its strip of pictures.
#[test]
fn the_shipped_zoo_meets_the_bar_and_draws_its_strips() {
    let shipped = [
        "lizard",
        "ladybug",
        "butterfly",
        "crab",
        "eye",
        "collision",
        "pretzel",
        "christmas tree",
        "mushroom",
        "tropical fish",
        "spider web",
        "octopus",
        "cactus",
        "snail",
        "smiley",
    ];
    let mut args = vec!["zoo", "eval", "--backend", "cpu", "--trials", "8", "--check"];
    for n in shipped {
        args.extend(["--only", n]);
    }
    let o = morphogen(&args);
    assert!(o.status.success(), "{}", text(&o));
    let table = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(table.lines().filter(|l| l.ends_with("| yes |")).count(), shipped.len(), "{table}");

    let dir = tmpdir("cli-strips");
    let o =
        morphogen(&["zoo", "strips", "--only", "lizard", "--only", "lizard (grow)", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    use morphogen::strip::{GAP, SCALE, TILES};
    for file in ["lizard.png", "lizard__grow.png"] {
        let img = image::open(dir.join(file)).expect(file).to_rgba8();
        assert_eq!(img.dimensions(), ((TILES * 72 * SCALE + (TILES - 1) * GAP) as u32, (72 * SCALE) as u32), "{file}");
    }

    // The library's strip: the right half is cut away in the fourth tile (white), the grown
    // creature has a body there, and the regenerating lizard heals what the grow one does not.
    let load =
        |n: &str| morphogen::creature::Creature::load(Path::new(&format!("assets/creatures/{n}.creature"))).unwrap();
    let s = morphogen::strip::render(&load("lizard"), 1).unwrap();
    let inked = |t: usize| {
        (0..72)
            .flat_map(|y| (36..72).map(move |x| (y, x)))
            .filter(|&(y, x)| morphogen::strip::cell_colour(&s.picture, t, y, x, 72) != [255; 3])
            .count()
    };
    assert!(inked(0) > 50, "the grown lizard reaches the right half: {} cells", inked(0));
    assert_eq!(inked(3), 0, "the right half is cut away");
    assert!(inked(4) > inked(0) / 2, "and grows back: {} of {} cells", inked(4), inked(0));
    assert!(s.regrown_mse[1] < morphogen::eval::REGROWN_MSE, "{:?}", s.regrown_mse);
    let grow = morphogen::strip::render(&load("lizard__grow"), 1).unwrap();
    assert!(grow.regrown_mse.iter().all(|&e| e > morphogen::eval::REGROWN_MSE), "{:?}", grow.regrown_mse);
    // A texture has no body to wound: a clear error, not a picture.
    let e = morphogen::strip::render(&load("labyrinth"), 1).err().unwrap();
    assert!(e.contains("texture"), "{e}");
}

/// A world override the game does not know is refused before any window opens, naming the
/// variable and the values it takes (it was once ignored without a word).
#[test]
fn a_bad_world_override_is_refused() {
    let data = tmpdir("bad-world");
    let out = Command::new(env!("CARGO_BIN_EXE_morphogen"))
        .args(["play", "--data"])
        .arg(&data)
        .env("MORPHOGEN_WORLD", "gpus")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run morphogen");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exit {:?}", out.status);
    assert!(err.contains("MORPHOGEN_WORLD=gpus: expected cpu or gpu"), "stderr: {err}");
}
