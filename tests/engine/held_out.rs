//! Held-out trials: `zoo eval --seed` measures a shipped creature on the trials `eval --seed`
//! runs, not on the gradings' (seed 0), which a training that stops at its first passing grading
//! was chosen on.

use crate::cli::{morphogen, text};

/// The row's cells after the creature's name, iterations and training: growth, alive, drift and
/// the six wounds, as printed.
fn cells(table: &str, name: &str) -> Vec<String> {
    let row = table.lines().find(|l| l.starts_with(&format!("| {name} |"))).unwrap_or_else(|| panic!("{table}"));
    row.split('|').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).skip(3).take(9).collect()
}

#[test]
fn zoo_eval_measures_the_trials_of_the_seed_it_is_given() {
    let zoo = |seed: &str| {
        let o = morphogen(&["zoo", "eval", "--only", "snail", "--backend", "cpu", "--trials", "4", "--seed", seed]);
        assert!(o.status.success(), "{}", text(&o));
        cells(&String::from_utf8_lossy(&o.stdout), "snail")
    };
    let (graded, held_out) = (zoo("0"), zoo("1"));
    let o = morphogen(&[
        "eval",
        "assets/creatures/snail.creature",
        "--json",
        "--trials",
        "4",
        "--seed",
        "1",
        "--backend",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    let drift = format!("{:.1e}", r["drift"]["2000"].as_f64().unwrap());
    let wounds: Vec<String> = ["disc", "left", "right", "top", "bottom", "square"]
        .iter()
        .map(|k| format!("{}/{}", r["regrowth"][k][0], r["regrowth"][k][1]))
        .collect();
    assert_eq!(held_out[2], drift, "{held_out:?}");
    assert_eq!(&held_out[3..], &wounds[..], "{held_out:?}");
    // Seed 1's trials are other runs than the gradings': the drift differs in its printed digits.
    assert_ne!(graded[2], held_out[2], "{graded:?} {held_out:?}");
}
