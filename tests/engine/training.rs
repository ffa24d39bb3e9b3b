//! The trainer on the CPU backend, with small settings.

use image::{DynamicImage, Rgba, RgbaImage};
use morphogen::creature::CreatureMode;
use morphogen::target::{Target, TargetOptions};
use morphogen::train::checkpoint::{Checkpoint, CheckpointProblem};
use morphogen::train::config::LrStep;
use morphogen::train::{Mode, TrainConfig, Trainer};

use crate::common::*;

pub(crate) fn disc_target(size: u32, padding: u32) -> Target {
    let img = RgbaImage::from_fn(32, 32, |x, y| {
        let d = ((x as f32 - 15.5).powi(2) + (y as f32 - 15.5).powi(2)).sqrt();
        if d < 14.0 { Rgba([230, 60 + (y * 5) as u8, 20, 255]) } else { Rgba([0, 0, 0, 0]) }
    });
    Target::from_image(&DynamicImage::ImageRgba8(img), &TargetOptions { size, padding, ..Default::default() }).unwrap()
}

pub(crate) fn small(mode: Mode) -> TrainConfig {
    TrainConfig {
        mode,
        batch: 4,
        pool_size: 16,
        min_steps: 8,
        max_steps: 12,
        damage_n: 1,
        checkpoint_every: 2,
        seed: 5,
        ..Default::default()
    }
}

#[test]
fn a_short_training_run_lowers_the_loss() {
    let cfg = TrainConfig {
        mode: Mode::Grow,
        batch: 4,
        min_steps: 20,
        max_steps: 28,
        iterations: 150,
        seed: 1,
        ..Default::default()
    };
    let mut t = Trainer::<CpuAd>::new("disc", cfg, disc_target(12, 6), dev()).unwrap();
    let mut first = None;
    while !t.done() {
        let r = t.iterate().unwrap();
        assert!(r.rolled_back.is_none());
        first.get_or_insert(r.loss);
    }
    let first = first.unwrap();
    let last = t.recent_loss().unwrap();
    eprintln!("loss {first} -> {last}");
    assert!(last < first / 4.0, "loss went from {first} to {last}");
    let c = t.creature();
    assert_eq!(c.meta.iterations, 150);
    assert_eq!(c.meta.mode, CreatureMode::Grow);
}

#[test]
fn every_mode_runs_and_the_lr_drops_on_schedule() {
    for mode in [Mode::Grow, Mode::Persist, Mode::Regenerate] {
        let cfg = TrainConfig { lr_schedule: vec![LrStep { at: 2, lr: 2e-4 }], iterations: 3, ..small(mode) };
        let mut t = Trainer::<CpuAd>::new("m", cfg, disc_target(8, 4), dev()).unwrap();
        t.keep_batch_view = true;
        let lrs: Vec<f32> = (0..3).map(|_| t.iterate().unwrap().lr).collect();
        assert_eq!(lrs, vec![2e-3, 2e-3, 2e-4]);
        let view = t.last_batch.as_ref().unwrap();
        assert_eq!(view.dims, [4, 16, 16]);
        let wounded = view.wounded.iter().filter(|&&w| w).count();
        assert_eq!(wounded, if mode == Mode::Regenerate { 1 } else { 0 }, "{mode:?}");
        assert!(t.history.iter().all(|l| l.is_finite()));
    }
}

#[test]
fn resuming_from_a_checkpoint_continues_exactly() {
    let cfg = small(Mode::Regenerate);
    let mut straight = Trainer::<CpuAd>::new("r", cfg.clone(), disc_target(8, 4), dev()).unwrap();
    for _ in 0..6 {
        straight.iterate().unwrap();
    }
    let mut first = Trainer::<CpuAd>::new("r", cfg, disc_target(8, 4), dev()).unwrap();
    for _ in 0..3 {
        first.iterate().unwrap();
    }
    let dir = tmpdir("ckpt");
    let path = dir.join("r.ckpt");
    first.checkpoint().save(&path).unwrap();
    drop(first); // as if killed
    let ck = Checkpoint::load(&path).unwrap();
    assert_eq!(ck.iteration, 3);
    let mut resumed = Trainer::<CpuAd>::resume(ck, dev()).unwrap();
    for _ in 0..3 {
        resumed.iterate().unwrap();
    }
    assert_eq!(resumed.iteration, 6);
    assert_eq!(resumed.history, straight.history);
    assert_eq!(resumed.weights(), straight.weights());
}

#[test]
fn damaged_checkpoints_are_refused() {
    let mut t = Trainer::<CpuAd>::new("r", small(Mode::Persist), disc_target(8, 4), dev()).unwrap();
    t.iterate().unwrap();
    let b = t.checkpoint().to_bytes();
    let torn = Checkpoint::from_bytes(&b[..b.len() - 10]).unwrap_err();
    assert!(torn == CheckpointProblem::Checksum && torn.to_string().contains("corrupt"), "{torn}");
    let other = Checkpoint::from_bytes(b"nonsense").unwrap_err();
    assert!(other == CheckpointProblem::NotACheckpoint && other.to_string().contains("not a morphogen"), "{other}");
    // Read from a file, the error names it and keeps what is wrong.
    let path = tmpdir("damaged-checkpoint").join("torn.ckpt");
    std::fs::write(&path, &b[..b.len() - 10]).unwrap();
    let e = Checkpoint::load(&path).unwrap_err();
    assert_eq!(e.problem(), Some(&CheckpointProblem::Checksum));
    assert!(e.to_string().starts_with(&format!("{}: ", path.display())), "{e}");
    let missing = Checkpoint::load(&path.with_extension("gone")).unwrap_err();
    assert!(matches!(&missing, morphogen::train::checkpoint::CheckpointError::File(f) if f.is_missing()), "{missing}");
    assert_eq!(Checkpoint::from_bytes(&b).unwrap().iteration, 1);
}

#[test]
fn a_non_finite_step_rolls_back_to_the_last_good_checkpoint() {
    let mut t = Trainer::<CpuAd>::new("nan", small(Mode::Persist), disc_target(8, 4), dev()).unwrap();
    for _ in 0..3 {
        t.iterate().unwrap();
    }
    // Snapshots are taken every 2 iterations: the last good one is iteration 2.
    let mut w = t.weights();
    w.b2[3] = f32::NAN;
    t.set_weights(&w);
    let r = t.iterate().unwrap();
    assert_eq!(r.rolled_back, Some((3, 2)));
    assert_eq!(t.iteration, 2);
    assert_eq!(t.history.len(), 2);
    assert!(t.weights().validate().is_ok());
    let r = t.iterate().unwrap();
    assert!(r.rolled_back.is_none() && r.loss.is_finite());
}

#[test]
fn bad_configs_are_refused() {
    let target = disc_target(8, 4);
    for cfg in [
        TrainConfig { batch: 0, ..Default::default() },
        TrainConfig { min_steps: 10, max_steps: 5, ..Default::default() },
        TrainConfig { damage_n: 8, ..Default::default() },
        TrainConfig { lr: f32::NAN, ..Default::default() },
        TrainConfig { pool_size: 4, ..Default::default() },
    ] {
        assert!(Trainer::<CpuAd>::new("bad", cfg, target.clone(), dev()).is_err());
    }
    let json = r#"{"mode": "persist", "iterations": 10, "bogus": 1}"#;
    assert!(serde_json::from_str::<TrainConfig>(json).unwrap_err().to_string().contains("bogus"));
    let json = r#"{"mode": "persist", "iterations": 10}"#;
    let c: TrainConfig = serde_json::from_str(json).unwrap();
    assert_eq!((c.mode, c.iterations, c.batch, c.pool_size, c.lr), (Mode::Persist, 10, 8, 1024, 2e-3));
}

#[test]
fn the_host_gradient_equals_burns_autodiff() {
    use burn::tensor::{Tensor, TensorData};
    use morphogen::nca::{Border, CHANNELS, FireMasks, NcaConfig, NcaParams, nca_step};
    use morphogen::train::host_grad::rollout_grad;

    let (n, h, w) = (2, 14, 13);
    let weights = random_weights(17);
    let mut rng_target = 0.0f32;
    let target: Vec<f32> = (0..h * w * 4)
        .map(|_| {
            rng_target = (rng_target + 0.37) % 1.0;
            rng_target
        })
        .collect();
    for border in [Border::Zero, Border::Wrap] {
        let cfg = NcaConfig { border, angle: 0.6, fire_rate: 0.5 };
        let x0 = blob_state(n, h, w, 23);
        let fm = FireMasks::new(3, 0.5);
        let fires: Vec<Vec<bool>> = (0..7).map(|t| fm.mask(t, n, h * w)).collect();
        let host = rollout_grad(&x0, [n, h, w], &weights, &cfg, &fires, &target);

        let p0 = weights.to_device::<Cpu>(&dev());
        let lift = |t: &Tensor<Cpu, 2>| Tensor::<CpuAd, 2>::from_inner(t.clone()).require_grad();
        let p = NcaParams { spec: p0.spec, w1: lift(&p0.w1), b1: lift(&p0.b1), w2: lift(&p0.w2), b2: lift(&p0.b2) };
        let mut x = Tensor::<CpuAd, 4>::from_data(TensorData::new(x0.clone(), [n, h, w, CHANNELS]), &dev());
        for f in &fires {
            x = nca_step(x, &p, &cfg, f);
        }
        let t = Tensor::<CpuAd, 4>::from_data(TensorData::new(target.clone(), [1, h, w, 4]), &dev());
        let d = x.clone().narrow(3, 0, 4) - t;
        let loss = (d.clone() * d).mean();
        let loss_v = loss.clone().into_scalar();
        let grads = loss.backward();
        let g = |t: &Tensor<CpuAd, 2>| t.grad(&grads).unwrap().into_data().into_vec::<f32>().unwrap();

        assert!((host.loss - loss_v).abs() <= 1e-5 * loss_v.abs(), "{border:?}: loss {} vs {loss_v}", host.loss);
        let final_auto: Vec<f32> = x.inner().into_data().into_vec().unwrap();
        assert!(max_abs_diff(&host.final_state, &final_auto) < 1e-5);
        for (name, hg, ag) in [
            ("w1", &host.grads.w1, g(&p.w1)),
            ("b1", &host.grads.b1, g(&p.b1)),
            ("w2", &host.grads.w2, g(&p.w2)),
            ("b2", &host.grads.b2, g(&p.b2)),
        ] {
            let scale = ag.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(scale > 0.0, "{border:?} {name}: a gradient to compare");
            let diff = max_abs_diff(hg, &ag);
            assert!(diff <= 1e-4 * scale, "{border:?} {name}: max diff {diff}, scale {scale}");
        }
    }
}

/// One training, as the zoo runs it on any machine: the same losses and weights on one thread,
/// on a share of the cores beside another training (`lanes`, `zoo train --group`), and on more
/// threads than cores. The pool holds grown-looking creatures (the target's silhouette, hidden
/// channels at 0.5), so that a grid's working cells fill several blocks of rows.
#[test]
fn training_gives_the_same_creature_on_any_number_of_threads() {
    let target = disc_target(40, 16);
    let train = || {
        let mut t = Trainer::<CpuAd>::new("t", small(Mode::Regenerate), target.clone(), dev()).unwrap();
        let c = t.cfg.spec().channels;
        let mut grown = vec![0.0f32; target.width * target.height * c];
        for (cell, px) in grown.chunks_exact_mut(c).zip(target.rgba.chunks_exact(4)) {
            if px[3] > 0.1 {
                cell[..4].copy_from_slice(px);
                cell[4..].fill(0.5);
            }
        }
        t.fill_pool(&grown, 1).unwrap();
        for _ in 0..3 {
            t.iterate().unwrap();
        }
        (t.history.clone(), t.weights())
    };
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(train);
    let beside: Vec<_> = morphogen::lanes::side_by_side(2, |_| Ok((rayon::current_num_threads(), train())))
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let three = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap().install(train);
    assert!(one.0.iter().all(|l| l.is_finite()) && one.0.len() == 3);
    for (threads, r) in &beside {
        assert_eq!(*threads, (rayon::current_num_threads() / 2).max(1), "each lane on its share of the cores");
        assert_eq!(*r, one);
    }
    assert_eq!(three, one);
}

/// A graded training is graded against the zoo's bar every `grade_every` iterations from the
/// first drop of the learning rate, and at its last iteration, so that its end says where it
/// stands; one that never meets the bar runs to its end and says it missed.
#[test]
fn a_graded_training_is_graded_on_schedule_and_at_its_end() {
    use morphogen::train::session::{self, Control, Event, Outcome};
    let cfg = TrainConfig {
        iterations: 6,
        grade_every: 4,
        lr_schedule: vec![LrStep { at: 2, lr: 2e-4 }],
        ..small(Mode::Regenerate)
    };
    let mut t = Trainer::<CpuAd>::new("g", cfg, disc_target(8, 4), dev()).unwrap();
    let ckpt = tmpdir("graded").join("g.ckpt");
    let mut graded = Vec::new();
    let out = session::run(&mut t, &ckpt, &Control::default(), |_, e| {
        if let Event::Graded { iteration, misses } = e {
            graded.push((iteration, misses.is_empty()));
        }
    })
    .unwrap();
    assert_eq!(out, Outcome::Finished);
    assert_eq!(graded, vec![(4, false), (6, false)]);
    assert!(session::missed_the_bar(&t) && t.graded_at.is_none());
}

/// The zoo's regime (which the lab's drafts start from) is what the manifest trains every
/// regenerating creature with: for its seed, and with more iterations, a later drop of the
/// learning rate where a creature missed the bar and carried on (and further drops where it
/// stopped again), the regime's focus on the wounds a grading missed (or, for a creature done
/// before the regime had one, none), and pool resets where a training was carried to another
/// machine (`zoo carry`).
#[test]
fn every_regenerating_creature_of_the_manifest_trains_in_the_zoos_regime() {
    let regime = morphogen::zoo::regime();
    assert_eq!((regime.damage, regime.grade_every), (morphogen::nca::wound::Damage::Mixed, 500));
    let m = morphogen::zoo::Manifest::load(std::path::Path::new("assets/zoo.ron")).unwrap();
    let healing: Vec<_> = m.entries.iter().filter(|e| e.config.mode == Mode::Regenerate).collect();
    assert!(healing.len() >= 12, "{} regenerating creatures", healing.len());
    for e in healing {
        let c = &e.config;
        let same = TrainConfig {
            seed: 0,
            iterations: regime.iterations,
            lr_schedule: regime.lr_schedule.clone(),
            focus: regime.focus,
            pool_resets: vec![],
            ..c.clone()
        };
        // A creature done before the regime had a focus keeps its entry; one that carried on
        // took it up from where it stopped.
        let focus = regime.focus.unwrap();
        assert!(
            c.focus.is_none_or(|f| f.from >= focus.from && f.share == focus.share),
            "{}: not the regime's focus",
            e.name
        );
        assert_eq!(same, regime, "{}", e.name);
        let [first, last] = [&regime.lr_schedule[0], &regime.lr_schedule[1]];
        assert!(c.iterations >= regime.iterations && c.lr_schedule.len() >= 2, "{}", e.name);
        assert!(
            c.lr_schedule[0] == *first && c.lr_schedule[1].lr == last.lr && c.lr_schedule[1].at >= last.at,
            "{}",
            e.name
        );
        // Any rate after the regime's is a further drop, from where a training stopped.
        for w in c.lr_schedule[1..].windows(2) {
            assert!(w[1].at > w[0].at && w[1].lr < w[0].lr, "{}: {:?}", e.name, c.lr_schedule);
        }
    }
}
