//! A training carried to another machine without its pool (`zoo carry`,
//! `Checkpoint::without_pool`): it resumes exactly as its config, which starts the pool again from
//! seeds where it was carried, trains from scratch; so the manifest still reproduces the creature.

use morphogen::creature::Creature;
use morphogen::train::checkpoint::Checkpoint;
use morphogen::train::{Mode, TrainConfig, Trainer};

use crate::cli::{morphogen, text, write_target};
use crate::common::*;
use crate::training::{disc_target, small};

fn trained(cfg: TrainConfig, iterations: usize) -> Trainer<CpuAd> {
    let mut t = Trainer::<CpuAd>::new("r", cfg, disc_target(8, 4), dev()).unwrap();
    for _ in 0..iterations {
        t.iterate().unwrap();
    }
    t
}

#[test]
fn a_checkpoint_without_its_pool_resumes_as_its_config_with_a_pool_reset_trains() {
    let cfg = small(Mode::Regenerate);
    let full = trained(cfg.clone(), 3).checkpoint();
    let light = full.clone().without_pool();
    assert!(light.pool.is_none() && light.config.pool_resets == vec![3]);
    let light = Checkpoint::from_bytes(&light.to_bytes()).unwrap();
    let mut resumed = Trainer::<CpuAd>::resume(light, dev()).unwrap();
    for _ in 0..3 {
        resumed.iterate().unwrap();
    }
    let straight = trained(TrainConfig { pool_resets: vec![3], ..cfg }, 6);
    assert_eq!(resumed.history, straight.history);
    assert_eq!(resumed.weights(), straight.weights());
    // The reset is a change of training: the checkpoint with its pool carries on otherwise.
    let mut kept = Trainer::<CpuAd>::resume(full.clone(), dev()).unwrap();
    for _ in 0..3 {
        kept.iterate().unwrap();
    }
    assert_ne!(kept.weights(), straight.weights());
    // A checkpoint with no pool whose config does not start one there is not that training.
    let bare = Checkpoint { pool: None, ..full };
    let err = Trainer::<CpuAd>::resume(bare, dev()).err().unwrap().to_string();
    assert!(err.contains("no pool"), "{err}");
    let bad = TrainConfig { pool_resets: vec![4, 2], ..small(Mode::Regenerate) };
    assert!(bad.validate().unwrap_err().contains("pool_resets"));
}

/// `zoo carry` writes the checkpoint without its pool; a fresh machine (no checkpoint beside the
/// creature) resumes from it once the manifest says where the pool starts again, and the creature
/// is the one `--force` trains from scratch with that manifest.
#[test]
fn the_zoo_carries_a_training_to_a_fresh_machine_and_the_manifest_reproduces_it() {
    let dir = tmpdir("cli-carry");
    write_target(&dir);
    let entry = r#"(name: "dot", target: "dot.png", config: (mode: regenerate, iterations: ITERS, seed: 1, grade_every: 500, lr_schedule: [(at: 4, lr: 1e-3)], batch: 2, pool_size: 8, min_steps: 8, max_steps: 10, damage_n: 1, checkpoint_every: 5, target: (size: 8, padding: 4)RESETS))"#;
    let write = |iters: &str, resets: &str| {
        let e = entry.replace("ITERS", iters).replace("RESETS", resets);
        std::fs::write(dir.join("zoo.ron"), format!(r#"Manifest(creatures: "out", entries: [{e}])"#)).unwrap()
    };
    let m = dir.join("zoo.ron");
    let m = m.to_str().unwrap();
    let zoo = |args: &[&str]| morphogen(&[&["zoo"], args, &["--manifest", m]].concat());
    write("8", "");
    let o = zoo(&["carry"]);
    assert!(!o.status.success() && text(&o).contains("no creature of it has a checkpoint"), "{}", text(&o));
    // Graded at its last iteration and short of the bar: its checkpoint stays, to be carried.
    let o = zoo(&["train", "--backend", "cpu"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = zoo(&["carry"]);
    assert!(o.status.success() && text(&o).contains("pool_resets: [8]"), "{}", text(&o));
    let carried = dir.join("out/carry/dot.ckpt");
    let full = std::fs::metadata(dir.join("out/dot.creature.ckpt")).unwrap().len();
    assert!(std::fs::metadata(&carried).unwrap().len() < full, "the carried checkpoint is the smaller");
    std::fs::remove_file(dir.join("out/dot.creature.ckpt")).unwrap();
    // Not resumed while the manifest does not say so: that would not be the manifest's training.
    write("12", "");
    let o = zoo(&["train", "--backend", "cpu"]);
    assert!(o.status.success() && text(&o).contains("is not the manifest's training"), "{}", text(&o));
    std::fs::remove_file(dir.join("out/dot.creature.ckpt")).ok();
    write("12", ", pool_resets: [8]");
    let o = zoo(&["train", "--backend", "cpu"]);
    let said = text(&o);
    assert!(o.status.success() && said.contains("resuming from") && said.contains("carry"), "{said}");
    let carried_on = Creature::load(&dir.join("out/dot.creature")).unwrap();
    assert_eq!(carried_on.meta.iterations, 12);
    let o = zoo(&["train", "--backend", "cpu", "--force"]);
    assert!(o.status.success() && !text(&o).contains("resuming"), "{}", text(&o));
    let scratch = Creature::load(&dir.join("out/dot.creature")).unwrap();
    assert_eq!(scratch.weights.flatten(), carried_on.weights.flatten());
    assert_eq!(scratch.meta.train_config.unwrap().pool_resets, vec![8]);
    // A carried checkpoint cut short in its copy is named with its fault, and left as it is.
    let bytes = std::fs::read(&carried).unwrap();
    std::fs::write(&carried, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::remove_file(dir.join("out/dot.creature")).unwrap();
    std::fs::remove_file(dir.join("out/dot.creature.ckpt")).ok();
    let o = zoo(&["train", "--backend", "cpu"]);
    let said = text(&o);
    assert!(
        o.status.success()
            && said.contains(&format!("cannot resume from {}: checkpoint is truncated", carried.display())),
        "{said}"
    );
    assert!(said.contains("training from the start") && !said.contains("not the manifest's training"), "{said}");
    assert_eq!(std::fs::read(&carried).unwrap().len(), bytes.len() / 2);
}
