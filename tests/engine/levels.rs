//! Challenge levels: every shipped level is won by its own solution; goals, stars, budgets and
//! the save file behave; malformed files say where they are wrong.

use std::path::{Path, PathBuf};

use morphogen::level::run::{LevelRun, check};
use morphogen::level::score::{Best, SaveFile, shape_similarity, stars};
use morphogen::level::{Action, Level, LevelError, Stars};

use crate::common::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The level files the game ships, in play order.
fn shipped_levels() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("levels"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    files
}

/// A level around the shipped lizard, written into `dir` with `body` after the common part.
fn level(dir: &Path, name: &str, body: &str) -> Result<Level, LevelError> {
    let lizard = root().join("assets/creatures/lizard.creature");
    let text = format!(
        r#"Level(title: "{name}", brief: "test", world: (width: 80, height: 80),
            creatures: [(creature: "{}", x: 40, y: 40, grown: 250)], {body})"#,
        lizard.display()
    );
    let p = dir.join(format!("{name}.ron"));
    std::fs::write(&p, text).unwrap();
    Level::load(&p)
}

#[test]
fn every_shipped_level_is_won_by_its_own_solution() {
    let files = shipped_levels();
    assert!(!files.is_empty());
    for f in files {
        let l = Level::load(&f).unwrap();
        let o = check::<Cpu>(l, &dev()).unwrap();
        eprintln!("{}: {o:?}", f.display());
        assert!(o.won && o.stars >= 1, "{}: {}", f.display(), o.why);
    }
}

#[test]
fn goals_are_judged_by_the_shape_and_the_clock() {
    let dir = tmpdir("levels-goals");
    // Acid over the whole creature: Survive is lost at once, with the shape it fell to.
    let l = level(&dir, "acid", "hazards: [Acid(Square(x: 40.0, y: 40.0, half: 30.0))], goal: Survive(shape: 0.5, seconds: 5.0), stars: (two: 0.7, three: 0.9)").unwrap();
    let o = check::<Cpu>(l, &dev()).unwrap();
    assert!(!o.won && o.time < 0.2 && o.stars == 0, "{o:?}");
    // Without hazards it is held for the whole time, with the lowest shape as its score.
    let l = level(&dir, "calm", "goal: Survive(shape: 0.5, seconds: 3.0), stars: (two: 0.7, three: 0.9)").unwrap();
    let o = check::<Cpu>(l, &dev()).unwrap();
    assert!(o.won && (o.time - 3.0).abs() < 0.1 && o.score > 0.7, "{o:?}");
    // Garden: a seed planted in the zone covers it.
    let l = level(
        &dir,
        "garden",
        r#"tools: (seeds: 1), goal: Garden(zones: [Disc(x: 15.0, y: 15.0, r: 3.0)], cover: 0.8, within: 20.0), stars: (two: 15.0, three: 8.0),
           solution: [(at: 0.5, do: Seed(x: 15, y: 15, creature: 0))]"#,
    )
    .unwrap();
    let o = check::<Cpu>(l, &dev()).unwrap();
    assert!(o.won && o.time > 0.5, "{o:?}");
    // Nothing planted: the zone stays bare and the level is lost after its time.
    let l = level(
        &dir,
        "bare",
        "goal: Garden(zones: [Disc(x: 15.0, y: 15.0, r: 3.0)], cover: 0.8, within: 2.0), stars: (two: 1.5, three: 1.0)",
    )
    .unwrap();
    let o = check::<Cpu>(l, &dev()).unwrap();
    assert!(!o.won && o.time > 2.0, "{o:?}");
}

#[test]
fn hold_is_judged_by_the_lowest_cover_and_bad_creatures_name_their_file() {
    let dir = tmpdir("levels-hold");
    let hold = "goal: Hold(zones: [Square(x: 40.0, y: 40.0, half: 3.0)], cover: 0.5, seconds: 2.0), stars: (two: 0.7, three: 0.9)";
    // The grown body covers its own middle for the whole time.
    let o = check::<Cpu>(level(&dir, "held", hold).unwrap(), &dev()).unwrap();
    assert!(o.won && (o.time - 2.0).abs() < 0.1 && o.score >= 0.5, "{o:?}");
    // A wound over the zone at 1 s loses it then, scored by the cover it fell to.
    let wounded = format!("events: [(at: Time(1.0), wound: Disc(x: 40.0, y: 40.0, r: 8.0))], {hold}");
    let o = check::<Cpu>(level(&dir, "wounded", &wounded).unwrap(), &dev()).unwrap();
    assert!(!o.won && (o.time - 1.0).abs() < 0.2 && o.score < 0.5, "{o:?}");
    // Counting a species the level does not have is an error, not a level never won.
    let e = level(&dir, "by", &hold.replace("seconds: 2.0", "seconds: 2.0, by: Some(1)")).unwrap_err().to_string();
    assert!(e.contains("by.ron") && e.contains("no creature 1"), "{e}");
    // A corrupt Distill model as a level's creature: the error names that file.
    std::fs::write(dir.join("broken.json"), "{\"layers\": [").unwrap();
    std::fs::write(
        dir.join("distill.ron"),
        format!(
            r#"Level(title: "d", brief: "t", world: (width: 40, height: 40),
               creatures: [(creature: "broken.json", x: 20, y: 20, grown: 10)], {hold})"#
        ),
    )
    .unwrap();
    let e = match Level::load(&dir.join("distill.ron")).map_err(String::from).and_then(|l| check::<Cpu>(l, &dev())) {
        Ok(o) => panic!("a broken creature played: {o:?}"),
        Err(e) => e,
    };
    assert!(e.contains("broken.json"), "{e}");
}

#[test]
fn sever_is_judged_after_the_last_cut() {
    let dir = tmpdir("levels-sever");
    let cut = "solution: [(at: 0.5, do: Cut(x0: 40.0, y0: 20.0, x1: 40.0, y1: 60.0))]";
    // One thin cut heals: lost, judged 3 s after the cut.
    let l = level(
        &dir,
        "heals",
        &format!(
            "tools: (scalpel: 1), goal: Sever(cuts: 1, below: 0.5, within: 3.0), stars: (two: 1.0, three: 1.0), {cut}"
        ),
    )
    .unwrap();
    let o = check::<Cpu>(l, &dev()).unwrap();
    assert!(!o.won && (o.time - 3.5).abs() < 0.1 && o.why.contains("regrew"), "{o:?}");
    // Judged a moment after the cut, before anything regrows: won with one cut, three stars.
    let l = level(
        &dir,
        "bar",
        &format!(
            "tools: (scalpel: 2), goal: Sever(cuts: 2, below: 1.0, within: 0.1), stars: (two: 2.0, three: 1.0), {cut}"
        ),
    )
    .unwrap();
    let o = check::<Cpu>(l, &dev()).unwrap();
    assert!(o.won && o.score == 1.0 && o.stars == 3, "{o:?}");
    // A spinning field and a sweeping eraser strike over time.
    let l = level(
        &dir,
        "storm",
        "hazards: [Spin(90.0), Sweep(from: (20.0, 40.0), to: (60.0, 40.0), radius: 4.0, period: 2.0)], goal: Survive(shape: 0.0, seconds: 2.0), stars: (two: 0.5, three: 0.9)",
    )
    .unwrap();
    let o = check::<Cpu>(l, &dev()).unwrap();
    assert!(o.won && o.score < 0.95, "the storm hurt it: {o:?}");
}

#[test]
fn budgets_are_enforced() {
    let dir = tmpdir("levels-budget");
    let l = level(
        &dir,
        "budget",
        "tools: (eraser: 1), goal: Survive(shape: 0.0, seconds: 1.0), stars: (two: 0.5, three: 0.9)",
    )
    .unwrap();
    let mut run = LevelRun::<Cpu>::new(l, &dev()).unwrap();
    let stroke = Action::Erase(morphogen::world::Shape::Disc { x: 40.0, y: 40.0, r: 3.0 });
    run.apply(&stroke).unwrap();
    assert!(run.apply(&stroke).unwrap_err().contains("no eraser strokes left"));
    assert!(run.apply(&Action::Seed { x: 1, y: 1, creature: 0 }).unwrap_err().contains("no seeds left"));
    run.tick();
    assert!(run.shape < 1.0, "the stroke wounded it");
}

#[test]
fn stars_shape_and_the_save_file() {
    let t = Stars { two: 10.0, three: 5.0 };
    assert_eq!((stars(4.0, &t, true), stars(7.0, &t, true), stars(12.0, &t, true)), (3, 2, 1));
    let t = Stars { two: 0.7, three: 0.9 };
    assert_eq!((stars(0.95, &t, false), stars(0.8, &t, false), stars(0.5, &t, false)), (3, 2, 1));
    assert_eq!(shape_similarity(&[true, true, false, false], &[true, false, true, false]), 1.0 / 3.0);
    assert_eq!(shape_similarity(&[false; 3], &[false; 3]), 1.0);

    let data = tmpdir("levels-save");
    let (mut s, msg) = SaveFile::load(&data);
    assert!(msg.is_none() && s.best.is_empty());
    assert!(s.record("01.ron", Best { stars: 2, score: 8.0, time: 9.0 }, true));
    assert!(!s.record("01.ron", Best { stars: 2, score: 9.0, time: 9.5 }, true), "a worse score is not a best");
    assert!(s.record("01.ron", Best { stars: 3, score: 4.0, time: 5.0 }, true));
    s.save(&data).unwrap();
    assert_eq!(SaveFile::load(&data).0, s);
    // A corrupt save file is set aside with a message, never trusted, never lost.
    std::fs::write(SaveFile::path(&data), "{ not json").unwrap();
    let (fresh, msg) = SaveFile::load(&data);
    assert!(fresh.best.is_empty());
    assert!(msg.unwrap().contains("kept as"));
    let aside: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("corrupt"))
        .collect();
    assert_eq!(aside.len(), 1);
}

#[test]
fn malformed_levels_name_the_file_the_line_and_the_field() {
    let dir = tmpdir("levels-bad");
    let e = level(&dir, "missing", "stars: (two: 1.0, three: 0.5)").unwrap_err().to_string();
    assert!(e.contains("missing.ron") && e.contains("line") && e.contains("goal"), "{e}");
    let e = level(&dir, "unknown", "goal: Survive(shape: 0.5, seconds: 1.0), stars: (two: 0.6, three: 0.8), colour: 3")
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown.ron: line 2") && e.contains("colour"), "{e}");
    let e = level(
        &dir,
        "sever",
        "tools: (scalpel: 1), goal: Sever(cuts: 2, below: 0.5, within: 5.0), stars: (two: 2.0, three: 1.0)",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("cuts <= tools.scalpel"), "{e}");
    let e = level(&dir, "stars", "goal: Survive(shape: 0.5, seconds: 1.0), stars: (two: 0.9, three: 0.6)")
        .unwrap_err()
        .to_string();
    assert!(e.contains("three stars must be harder"), "{e}");
    let e = level(&dir, "regrow", "goal: Regrow(shape: 0.9, within: 5.0), stars: (two: 4.0, three: 2.0)")
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs an event"), "{e}");
    std::fs::write(dir.join("cut.ron"), "Level(title: \"x\", brief: ").unwrap();
    assert!(Level::load(&dir.join("cut.ron")).unwrap_err().to_string().contains("cut.ron: line 1"));
    // The kinds apart: a file not there, a file not RON of a level, a level that cannot be played.
    assert!(matches!(Level::load(&dir.join("gone.ron")), Err(LevelError::File(e)) if e.is_missing()));
    assert!(matches!(Level::load(&dir.join("cut.ron")), Err(LevelError::Syntax { line: 1, .. })));
    let e = level(&dir, "stars", "goal: Survive(shape: 0.5, seconds: 1.0), stars: (two: 0.9, three: 0.6)");
    assert!(matches!(e, Err(LevelError::Invalid { file, .. }) if file.ends_with("stars.ron")));
}

#[test]
fn the_shipped_levels_form_a_progression_over_every_goal_and_tool() {
    let files = shipped_levels();
    assert!(files.len() >= 12, "{} levels", files.len());
    let levels: Vec<Level> = files.iter().map(|f| Level::load(f).unwrap()).collect();
    let goal = |k: &str| levels.iter().filter(|l| format!("{:?}", l.goal).starts_with(k)).count();
    for k in ["Regrow", "Survive", "Sever", "Garden", "Hold"] {
        assert!(goal(k) >= 2, "{k} is used by {} level(s)", goal(k));
    }
    let tools = |f: fn(&morphogen::level::Tools) -> u32| levels.iter().filter(|l| f(&l.tools) > 0).count();
    assert!(
        tools(|t| t.seeds) > 0
            && tools(|t| t.eraser) > 0
            && tools(|t| t.scalpel) > 0
            && tools(|t| t.walls) > 0
            && tools(|t| t.shields) > 0
            && tools(|t| t.turns) > 0
    );
    // The paper's creatures (other species, other experiments) and the zoo's own (trained to heal
    // every wound the game deals) each carry a good part of the campaign.
    let uses = |ext: &str| levels.iter().filter(|l| l.creatures.iter().any(|c| c.creature.ends_with(ext))).count();
    let (paper, ours) = (uses(".json"), uses(".creature"));
    assert!(paper * 3 >= levels.len(), "{paper} of {} levels use the paper's creatures", levels.len());
    assert!(ours * 3 >= levels.len(), "{ours} of {} levels use the zoo's creatures", levels.len());
    // The first level teaches the tools: it gives some, and its solution uses them.
    assert_ne!(levels[0].tools, morphogen::level::Tools::default());
    assert!(!levels[0].solution.is_empty());
    let titles: std::collections::HashSet<&str> = levels.iter().map(|l| l.title.as_str()).collect();
    assert_eq!(titles.len(), levels.len(), "titles are unique");
}
