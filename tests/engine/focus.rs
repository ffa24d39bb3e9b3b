//! A focus (`train::focus`): after a grading that misses wounds, a training deals those wounds
//! more often; before, it trains exactly as without one, and a checkpoint keeps what it missed.

use morphogen::nca::Wound;
use morphogen::nca::wound::CardWound::{self, Disc, Left, Right, Square};
use morphogen::train::checkpoint::{Checkpoint, CheckpointProblem};
use morphogen::train::config::LrStep;
use morphogen::train::focus::Focus;
use morphogen::train::{Mode, TrainConfig, Trainer};
use rand::{RngCore, SeedableRng, rngs::StdRng};

use crate::common::*;
use crate::training::{disc_target, small};

#[test]
fn a_focus_draws_the_missed_wounds_in_its_share_and_nothing_before_it_applies() {
    let f = Focus { from: 10, share: 0.5 };
    let missed = vec![Left, Square];
    // Before `from`, or with nothing missed: no draw at all, so the training's randomness is as
    // without a focus.
    for (it, m) in [(9, missed.clone()), (10, vec![])] {
        let (mut a, mut b) = (StdRng::seed_from_u64(3), StdRng::seed_from_u64(3));
        assert_eq!(f.draw(it, &m, &mut a), None);
        assert_eq!(a.next_u64(), b.next_u64());
    }
    let mut rng = StdRng::seed_from_u64(4);
    let drawn: Vec<Option<Wound>> = (0..2000).map(|_| f.draw(10, &missed, &mut rng)).collect();
    let left = drawn.iter().filter(|w| **w == Some(Wound::Left)).count();
    let square = drawn.iter().filter(|w| **w == Some(Wound::Square { size: 16 })).count();
    assert_eq!(left + square, drawn.iter().filter(|w| w.is_some()).count(), "only the missed wounds");
    assert!((400..600).contains(&left) && (400..600).contains(&square), "{left} left, {square} square of 2000");
    // A disc is drawn as the report card draws its discs.
    let all = Focus { from: 0, share: 1.0 };
    assert!(matches!(all.draw(0, &[Disc], &mut rng), Some(Wound::Disc { .. })));
    for bad in [0.0, 1.5, f32::NAN] {
        assert!(Focus { from: 0, share: bad }.validate().unwrap_err().contains("share"));
    }
}

fn focused(share: f32) -> TrainConfig {
    TrainConfig {
        iterations: 6,
        grade_every: 4,
        lr_schedule: vec![LrStep { at: 2, lr: 2e-4 }],
        focus: Some(Focus { from: 0, share }),
        ..small(Mode::Regenerate)
    }
}

/// A training with a focus and nothing missed yet is the training without one, iteration for
/// iteration; once a grading has missed the left half, the wounded sample loses its left half.
#[test]
fn a_focus_changes_nothing_until_a_grading_misses_and_then_deals_that_wound() {
    let plain = TrainConfig { focus: None, ..focused(1.0) };
    let run = |cfg: TrainConfig, missed: Option<Vec<CardWound>>| {
        let mut t = Trainer::<CpuAd>::new("f", cfg, disc_target(8, 4), dev()).unwrap();
        t.missed = missed;
        t.keep_batch_view = true;
        for _ in 0..2 {
            t.iterate().unwrap();
        }
        t
    };
    let (a, b) = (run(plain.clone(), None), run(focused(1.0), None));
    assert_eq!((a.history.clone(), a.weights()), (b.history.clone(), b.weights()));
    let c = run(focused(1.0), Some(vec![Left]));
    assert_ne!(c.history, a.history);
    let v = c.last_batch.as_ref().unwrap();
    let [_, h, w] = v.dims;
    let b = v.wounded.iter().position(|&x| x).expect("a wounded sample");
    let alpha = |y: usize, x: usize| v.before[((b * h + y) * w + x) * 4 + 3];
    assert!((0..h).all(|y| (0..w / 2).all(|x| alpha(y, x) == 0.0)), "the left half is cut");
    assert!((0..h).any(|y| (w / 2..w).any(|x| alpha(y, x) > 0.0)), "the right half is not");
}

/// Gradings record what they missed; a checkpoint keeps it by the report card's names (and
/// refuses a wound listed twice), and a focused training resumed from a checkpoint that did not keep
/// it grades again where its last grading was.
#[test]
fn what_a_grading_missed_survives_a_checkpoint_and_is_recalled_on_resume() {
    let mut t = Trainer::<CpuAd>::new("f", focused(0.5), disc_target(8, 4), dev()).unwrap();
    for _ in 0..4 {
        t.iterate().unwrap();
    }
    assert_eq!(t.missed, None);
    let (report, _) = t.grade().unwrap();
    let missed = t.missed.clone().expect("graded");
    assert_eq!(missed, morphogen::zoo::missed_wounds(&report));
    let ck = t.checkpoint();
    let back = Checkpoint::from_bytes(&ck.to_bytes()).unwrap();
    assert_eq!(back.missed.as_ref(), Some(&missed));
    let resumed = Trainer::<CpuAd>::resume(back.clone(), dev()).unwrap();
    assert_eq!(resumed.missed.as_ref(), Some(&missed));

    let mut old = back.clone();
    old.missed = None;
    let mut r = Trainer::<CpuAd>::resume(old, dev()).unwrap();
    r.recall_grading().unwrap();
    assert_eq!(r.missed.as_ref(), Some(&missed), "graded again at iteration 4");

    let bytes = Checkpoint { missed: Some(vec![Left, Left]), ..back.clone() }.to_bytes();
    let err = Checkpoint::from_bytes(&bytes).unwrap_err();
    assert!(matches!(err, CheckpointProblem::Header(_)), "{err}");
    let err = err.to_string();
    assert!(err.contains("missed wounds") && err.contains("left"), "{err}");
    // A name that is not a wound of the report card (written in place of one, the checksum made
    // to match): refused, with the name.
    let mut bytes = Checkpoint { missed: Some(vec![Left, Right]), ..back }.to_bytes();
    let at = bytes.windows(7).position(|w| w == b"\"right\"").expect("the name in the header");
    bytes[at + 1..at + 6].copy_from_slice(b"elbow");
    let n = bytes.len() - 4;
    let crc = crc32fast::hash(&bytes[..n]).to_le_bytes();
    bytes[n..].copy_from_slice(&crc);
    let err = Checkpoint::from_bytes(&bytes).unwrap_err().to_string();
    assert!(err.contains("checkpoint header") && err.contains("elbow"), "{err}");
    // The names are the ones checkpoints have always kept.
    let names: Vec<String> = CardWound::ALL.iter().map(|w| serde_json::to_string(w).unwrap()).collect();
    assert_eq!(names, ["\"disc\"", "\"left\"", "\"right\"", "\"top\"", "\"bottom\"", "\"square\""]);
}

#[test]
fn a_focus_needs_a_graded_regenerating_training() {
    let target = disc_target(8, 4);
    for cfg in [TrainConfig { grade_every: 0, ..focused(0.5) }, TrainConfig { mode: Mode::Persist, ..focused(0.5) }] {
        let err = Trainer::<CpuAd>::new("f", cfg, target.clone(), dev()).err().expect("refused").to_string();
        assert!(err.contains("focus"), "{err}");
    }
    let json = r#"{"mode": "regenerate", "grade_every": 500, "focus": {"from": 8000, "share": 0.25}}"#;
    let c: TrainConfig = serde_json::from_str(json).unwrap();
    assert_eq!(c.focus, Some(Focus { from: 8000, share: 0.25 }));
}

/// A checkpoint written by an earlier build (`tests/data/README.md`), which kept the missed wounds
/// as names, loads with them as wounds and trains on.
#[test]
fn a_checkpoint_written_before_the_wounds_were_an_enum_loads_and_resumes() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cactus-636ee18.ckpt");
    let ck = Checkpoint::load(&path).unwrap();
    assert_eq!(ck.iteration, 40);
    assert_eq!(ck.missed.as_deref(), Some(&CardWound::ALL[..]), "its last grading missed every wound");
    let mut t = Trainer::<CpuAd>::resume(ck, dev()).unwrap();
    let r = t.iterate().unwrap();
    assert!(r.loss.is_finite() && t.iteration == 41);
}
