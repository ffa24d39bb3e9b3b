//! Regressions for each class of hostile input: sizes checked before allocation, bounded work,
//! strings cut at characters, values validated, writes that replace only regular files, and
//! checkpoints kept unless the user says otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use morphogen::backend::CpuBackend;
use morphogen::creature::{Creature, Problem};
use morphogen::level::{Action, Level, LevelRun};
use morphogen::target::{Background, TargetOptions};
use morphogen::train::checkpoint::{Checkpoint, CheckpointProblem};
use morphogen::train::{Mode, TrainConfig};
use morphogen::world::{Shape, WorldSize};

use crate::common::tmpdir;

fn project(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn morphogen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_morphogen")).args(args).output().expect("run morphogen")
}

fn all(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Runs `f` on a thread and fails the test if it takes longer than `secs` (a hang, not a slow run).
fn within_secs<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs)).expect("did not finish in time: a hang")
}

fn lizard() -> Creature {
    Creature::load(&project("assets/creatures/lizard.creature")).unwrap()
}

/// A checkpoint's header edited as text, with its length and checksum made right again.
fn edit_header(b: &[u8], from: &str, to: &str) -> Vec<u8> {
    let hlen = u32::from_le_bytes(b[12..16].try_into().unwrap()) as usize;
    let h = std::str::from_utf8(&b[16..16 + hlen]).unwrap();
    assert!(h.contains(from), "{from} not in {h}");
    let h = h.replace(from, to);
    let mut v = b[..12].to_vec();
    v.extend_from_slice(&(h.len() as u32).to_le_bytes());
    v.extend_from_slice(h.as_bytes());
    v.extend_from_slice(&b[16 + hlen..]);
    let n = v.len() - 4;
    let crc = crc32fast::hash(&v[..n]);
    v[n..].copy_from_slice(&crc.to_le_bytes());
    v
}

fn tiny_config() -> TrainConfig {
    let mut cfg = TrainConfig::defaults(Mode::Regenerate);
    cfg.pool_size = 4;
    cfg.batch = 2;
    cfg.damage_n = 1;
    cfg.min_steps = 4;
    cfg.max_steps = 6;
    cfg.target = TargetOptions { size: 8, padding: 4, ..cfg.target };
    cfg
}

fn tiny_checkpoint() -> Checkpoint {
    let img = image::open(project("assets/targets/lizard.png")).unwrap();
    let cfg = tiny_config();
    let target = morphogen::target::Target::for_training(&img, &cfg).unwrap();
    let mut ck = Checkpoint::fresh("tiny", cfg, target);
    ck.pool = Some(morphogen::train::checkpoint::Pool { dims: [4, 16, 16], data: vec![0.0; 4 * 16 * 16 * 16] });
    ck
}

#[test]
fn sizes_from_files_and_arguments_are_checked_before_anything_is_allocated() {
    for grid in [[0, 0], [100_000, 100_000]] {
        let mut c = lizard();
        c.meta.grid = grid;
        match Creature::from_bytes(&c.to_bytes()) {
            Err(Problem::Meta(m)) => assert!(m.contains("grid") && m.contains("1024"), "{m}"),
            other => panic!("grid {grid:?}: {other:?}"),
        }
    }
    let b = tiny_checkpoint().to_bytes();
    assert!(Checkpoint::from_bytes(&b).is_ok());
    for (from, to, field) in [
        ("\"target_dims\":[16,16]", "\"target_dims\":[100000,100000]", "target_dims"),
        ("\"pool_dims\":[4,16,16]", "\"pool_dims\":[4,100000,100000]", "pool_dims"),
        ("\"pool_dims\":[4,16,16]", "\"pool_dims\":[100000000,16,16]", "pool_dims"),
        ("\"pool_size\":4", "\"pool_size\":100000000", "pool_size"),
        ("\"max_steps\":6", "\"max_steps\":1000000000000", "max_steps"),
    ] {
        let e = Checkpoint::from_bytes(&edit_header(&b, from, to)).unwrap_err().to_string();
        assert!(e.contains(field) && (e.contains("limit") || e.contains("outside")), "{to}: {e}");
    }
    let mut cfg = tiny_config();
    cfg.pool_size = 100_000_000;
    assert!(cfg.validate().unwrap_err().contains("pool_size"));
    let mut cfg = tiny_config();
    cfg.max_steps = 1_000_000_000_000;
    assert!(cfg.validate().unwrap_err().contains("max_steps"));
    // Each size within its own limit, but together too much memory.
    let mut cfg = TrainConfig::defaults(Mode::Regenerate);
    (cfg.target.size, cfg.target.padding, cfg.max_steps, cfg.pool_size) = (512, 256, 4000, 8);
    assert!(cfg.validate().unwrap_err().contains("rollout memory"));

    let dir = tmpdir("bounds-args");
    let out = dir.join("x.creature");
    let img = project("assets/targets/lizard.png");
    for (flag, value, field) in [("--size", "100000", "target.size"), ("--padding", "2147483647", "target.padding")] {
        let o = morphogen(&[
            "train",
            img.to_str().unwrap(),
            "--mode",
            "grow",
            flag,
            value,
            "--out",
            out.to_str().unwrap(),
            "--backend",
            "cpu",
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", all(&o));
        assert!(all(&o).contains(field) && all(&o).contains(value), "{}", all(&o));
    }
    let o = morphogen(&["eval", project("assets/creatures/lizard.creature").to_str().unwrap(), "--grid", "100000"]);
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    assert!(all(&o).contains("--grid"), "{}", all(&o));
}

#[test]
fn images_are_refused_by_the_memory_they_would_take_before_decoding() {
    // A PNG whose header says 16,000 x 16,000 (inside the side limit): refused from the header.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&16_000u32.to_be_bytes());
    ihdr.extend_from_slice(&16_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32fast::hash(&ihdr).to_be_bytes());
    // The decoder reads the header up to the first data chunk: one that holds almost nothing.
    let idat = b"IDAT\x78\x9c";
    png.extend_from_slice(&2u32.to_be_bytes());
    png.extend_from_slice(idat);
    png.extend_from_slice(&crc32fast::hash(idat).to_be_bytes());
    png.extend_from_slice(&[0, 0, 0, 0]);
    png.extend_from_slice(b"IEND");
    png.extend_from_slice(&crc32fast::hash(b"IEND").to_be_bytes());
    let e = within_secs(10, move || morphogen::target::decode_bytes(&png).unwrap_err().to_string());
    assert!(e.contains("16000x16000") && e.contains("limit"), "{e}");
}

fn level_text(file: &str) -> String {
    std::fs::read_to_string(project(&format!("levels/{file}"))).unwrap()
}

fn parse_level(text: &str) -> Result<Level, String> {
    Ok(Level::parse(text, &project("levels/edited.ron"))?)
}

#[test]
fn levels_and_scripts_bound_every_time_count_and_shape() {
    let first = level_text("01-first-wound.ron");
    let shield = level_text("04-shield.ron");
    assert!(parse_level(&first).is_ok() && parse_level(&shield).is_ok());
    for (text, from, to, says) in [
        (&first, "grown: 300", "grown: 100000000", "grown"),
        (&first, "within: 30.0", "within: 1e30", "within"),
        (&first, "(at: 0.8,", "(at: 1e30,", "at"),
        (&first, "r: 5.0)))", "r: 5e18)))", "5000000000000000000"),
        (&first, "x: 48, y: 48", "x: 480, y: 48", "outside"),
        (&first, "eraser: 3", "eraser: 4000000000", "tools.eraser"),
        (&shield, "seconds: 14.0", "seconds: 1e9", "seconds"),
        (&shield, "period: 12.0", "period: 0.0", "period"),
        (&shield, "shield_seconds: 4.0", "shield_seconds: 1e9", "shield_seconds"),
        // A solution keeps to the player's tools: a bigger shield or eraser than they have, or a
        // wider wall, proves nothing about the level.
        (&shield, "r: 10.0)))", "r: 17.0)))", "solution: move 1: the shield makes discs of radius 10"),
        (&first, "r: 5.0)))", "r: 6.0)))", "the eraser makes discs of radius 5"),
    ] {
        assert!(text.contains(from), "{from}");
        let e = parse_level(&text.replace(from, to)).unwrap_err();
        assert!(e.contains("edited.ron") && e.contains(says), "{to}: {e}");
    }

    // Brush geometry far beyond the world ends at once: the whole world, or nothing for NaN.
    let covered = within_secs(20, || {
        let mut out = Vec::new();
        for wrap in [true, false] {
            let size = WorldSize::new(64, 48, wrap).unwrap();
            for s in [
                Shape::Disc { x: 0.0, y: 0.0, r: 5e18 },
                Shape::Square { x: -3e38, y: 3e38, half: f32::MAX },
                Shape::Ring { x: 10.0, y: 10.0, r_in: 0.0, r_out: f32::INFINITY },
                Shape::Disc { x: f32::NAN, y: 3.0, r: 4.0 },
            ] {
                out.push(s.cells(size).len());
            }
        }
        out
    });
    assert_eq!(covered[0], 64 * 48);
    assert_eq!(covered[3], 0);
    assert_eq!(covered[4], 64 * 48);
    assert!(Shape::Disc { x: 0.0, y: 0.0, r: 5e18 }.validate().is_err());

    // Script values: each refused with the action named.
    for (action, says) in [
        ("FireRate(NaN)", "fire rate"),
        ("FireRate(5.0)", "fire rate"),
        ("Rotation(1e30)", "degrees"),
        ("WaitSteps(18446744073709551615)", "steps"),
        ("WaitLevelTime(1e30)", "seconds"),
        ("Wound(Disc(x: 1.0, y: 1.0, r: 5e18))", "shape"),
    ] {
        let text = format!("Script(actions: [Clear, {action}])");
        let e = morphogen::app::script::Script::parse(&text, Path::new(".")).unwrap_err();
        assert!(e.contains("action 2") && e.contains(says), "{action}: {e}");
    }
}

#[test]
fn a_level_that_nothing_decides_runs_out_of_time_and_growth_is_spread_over_calls() {
    // A Regrow level whose wound never comes (the player's eraser, no solution): it must end.
    let text = r#"Level(title: "Wait", brief: "", world: (width: 32, height: 32), steps_per_second: 1.0,
        creatures: [(creature: "../assets/creatures/lizard.creature", x: 16, y: 16, grown: 60)],
        tools: (eraser: 1, seeds: 1), goal: Regrow(shape: 0.9, within: 10.0), stars: (two: 5.0, three: 2.0))"#;
    let level = parse_level(text).unwrap();
    let o = within_secs(300, {
        let level = level.clone();
        move || {
            let mut run = LevelRun::<CpuBackend>::new(level, &Default::default()).unwrap();
            for _ in 0..2000 {
                run.tick();
            }
            run.outcome().cloned()
        }
    });
    let o = o.expect("the level must end");
    assert!(!o.won && o.why.contains("time ran out"), "{o:?}");
    assert_eq!(o.time, morphogen::limits::MAX_LEVEL_SECONDS);

    let mut run = LevelRun::<CpuBackend>::prepare(level, &Default::default()).unwrap();
    assert!(!run.grow(10).unwrap());
    let f = run.growing().unwrap();
    assert!(f > 0.1 && f < 0.3, "{f}");
    let seed = Action::Seed { x: 3, y: 3, creature: 0 };
    assert!(run.apply(&seed).unwrap_err().contains("growing"));
    assert!(run.grow(u64::MAX).unwrap());
    assert!(run.growing().is_none());
    // A seed outside the world is refused and costs nothing.
    let e = run.apply(&Action::Seed { x: -50, y: 3, creature: 0 }).unwrap_err();
    assert!(e.contains("outside"), "{e}");
    assert_eq!(run.budget.seeds, 1);
    run.apply(&seed).unwrap();
    assert_eq!(run.budget.seeds, 0);
}

#[test]
fn colours_are_parsed_as_characters_and_values_are_validated() {
    for bad in ["a€bc", "#a€bcd", "€€", "#12345", "#1234567", "#gggggg"] {
        assert!(bad.parse::<Background>().is_err(), "{bad}");
    }
    assert_eq!("#FF8000".parse::<Background>(), Ok(Background::Key([255, 128, 0])));
    let o = morphogen(&["train", "x.png", "--mode", "grow", "--out", "x.creature", "--background", "a€bc"]);
    assert_eq!(o.status.code(), Some(2), "a usage error, not a panic: {}", all(&o));
    assert!(all(&o).contains("background"), "{}", all(&o));

    // Distill scales: zero, negative, huge.
    let model = std::fs::read_to_string(project("assets/distill/ex3_lizard.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&model).unwrap();
    for scale in [0.0, -1.0, 3e38] {
        let mut v = v.clone();
        v[0]["weight_scale"] = scale.into();
        let e = morphogen::distill::parse(&v.to_string()).unwrap_err();
        assert!(e.contains("weight_scale"), "{scale}: {e}");
    }
    // A byte-order mark is not an error.
    assert!(morphogen::distill::parse(&format!("\u{feff}{model}")).is_ok());

    // A name with control characters is refused, not printed raw.
    let mut c = lizard();
    c.meta.name = "liz\u{1b}[2Jard".into();
    match Creature::from_bytes(&c.to_bytes()) {
        Err(Problem::Meta(m)) => assert!(m.contains("name") && m.contains("control"), "{m}"),
        other => panic!("{other:?}"),
    }
    use morphogen::limits::{self, OverLimit};
    let e = limits::name("name", "liz\u{1b}ard").unwrap_err();
    assert!(e.field == "name" && matches!(e.problem, OverLimit::ControlCharacters { .. }), "{e}");
    let e = limits::within("--grid", 2000, 8, limits::MAX_GRID).unwrap_err();
    assert_eq!(e.to_string(), "--grid: 2000 is outside 8..=1024");
    assert!(matches!(limits::finite("scale", f32::NAN, 1.0).unwrap_err().problem, OverLimit::NotFinite { .. }));
    let e = limits::product("pool", &[usize::MAX, 2], "bytes", 1 << 30).unwrap_err();
    assert!(matches!(e.problem, OverLimit::Overflows { .. }), "{e}");
    let mut c = lizard();
    c.meta.rule.fire_rate = 5.0;
    assert!(matches!(Creature::from_bytes(&c.to_bytes()), Err(Problem::Meta(m)) if m.contains("fire_rate")));

    // A NaN in Adam's state is a corrupt checkpoint, not a diverged training.
    let mut ck = tiny_checkpoint();
    ck.adam_v[17] = f32::NAN;
    let e = Checkpoint::from_bytes(&ck.to_bytes()).unwrap_err();
    assert!(matches!(&e, CheckpointProblem::NotFinite { what, at: 17, .. } if what.contains("adam_v")), "{e}");
    let e = e.to_string();
    assert!(e.contains("corrupt") && e.contains("adam_v") && !e.contains("diverged"), "{e}");
}

#[test]
fn writes_replace_regular_files_only_and_follow_links() {
    use std::os::unix::fs::{FileTypeExt, symlink};
    let dir = tmpdir("bounds-writes");
    let sock = dir.join("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let e = morphogen::fsio::write_atomic(&sock, b"x").unwrap_err();
    assert!(matches!(e.problem, morphogen::fsio::FileProblem::NotRegular { what: "a socket" }), "{e}");
    assert!(e.to_string().contains("socket") && e.to_string().contains("refusing"), "{e}");
    assert!(std::fs::symlink_metadata(&sock).unwrap().file_type().is_socket());
    let e = morphogen::fsio::write_atomic(&dir, b"x").unwrap_err();
    assert!(e.to_string().contains("folder") && e.path == dir, "{e}");
    // A link to a socket: refused; a link to a file: the file is replaced, the link stays.
    let to_sock = dir.join("to-socket");
    symlink(&sock, &to_sock).unwrap();
    assert!(morphogen::fsio::write_atomic(&to_sock, b"x").is_err());
    let real = dir.join("real.txt");
    std::fs::write(&real, "old").unwrap();
    let link = dir.join("link.txt");
    symlink(&real, &link).unwrap();
    morphogen::fsio::write_atomic(&link, b"new").unwrap();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    // Through the binary: the socket stays a socket.
    let model = crate::common::distill("ex3_lizard");
    let o = morphogen(&["import-distill", model.to_str().unwrap(), "--out", sock.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    assert!(std::fs::symlink_metadata(&sock).unwrap().file_type().is_socket());
}

#[test]
fn train_keeps_an_existing_checkpoint_and_fails_before_training_when_it_cannot_write() {
    let dir = tmpdir("bounds-train");
    let img = project("assets/targets/lizard.png");
    let cfg = dir.join("tiny.json");
    std::fs::write(&cfg, format!("\u{feff}{}", serde_json::to_string(&tiny_config()).unwrap())).unwrap();
    let out = dir.join("liz.creature");
    let ckpt = dir.join("liz.creature.ckpt");
    let mut held = tiny_checkpoint();
    held.iteration = 135;
    held.save(&ckpt).unwrap();
    let before = std::fs::read(&ckpt).unwrap();
    let train = |extra: &[&str], out: &Path| {
        let mut a = vec!["train", img.to_str().unwrap(), "--config", cfg.to_str().unwrap(), "--backend", "cpu"];
        a.extend_from_slice(&["--out", out.to_str().unwrap(), "--iterations", "2"]);
        a.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_morphogen")).args(&a).output().unwrap()
    };
    let o = train(&[], &out);
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    assert!(all(&o).contains("iteration 135") && all(&o).contains("--fresh"), "{}", all(&o));
    assert_eq!(std::fs::read(&ckpt).unwrap(), before, "the checkpoint must be untouched");
    // A folder that does not exist: refused before any training.
    let o = train(&[], &dir.join("missing/liz.creature"));
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    assert!(all(&o).contains("does not exist") && !all(&o).contains("training '"), "{}", all(&o));
    // --fresh starts over (and the config's byte-order mark is no error).
    let o = train(&["--fresh"], &out);
    assert!(o.status.success(), "{}", all(&o));
    assert_eq!(Creature::load(&out).unwrap().meta.iterations, 2);
}

#[test]
fn level_check_of_a_folder_without_levels_fails() {
    let dir = tmpdir("bounds-empty-levels");
    let o = morphogen(&["level", "check", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    assert!(all(&o).contains("no level files"), "{}", all(&o));
}
