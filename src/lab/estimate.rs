//! How long a training will take on the CPU, said before the user commits to it: a few steps of
//! the real rollout and gradient on a grown-looking state of the target's shape, timed here.

use std::time::Instant;

use crate::nca::{FireMasks, NcaConfig};
use crate::target::Target;
use crate::train::{TrainConfig, host_grad};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub secs_per_iteration: f64,
    pub total_secs: f64,
}

/// Steps of the probe rollout (the cost per step is what is measured).
const PROBE_STEPS: usize = 4;

/// What an iteration costs beyond its rollout and gradient (drawing the batch from the pool and
/// writing it back, the fire masks, per-sample losses, Adam) and the grown pool's wider living
/// region: the probe said 0.27 s per iteration for the paper's lizard where a whole 8,000-iteration
/// CLI run averaged 0.42 (2-vCPU EPYC, 2026-11-22).
const OVERHEAD: f64 = 1.55;

/// Times the CPU training path on a whole batch (it spreads over the cores) for a few steps and
/// scales it to the mean step count. Pool states are grown creatures, so the probe starts from the
/// target's own silhouette.
pub fn cpu(target: &Target, cfg: &TrainConfig) -> Estimate {
    let (h, w) = (target.height, target.width);
    let spec = cfg.spec();
    let c = spec.channels;
    let n = cfg.batch;
    let mut one = vec![0.0f32; h * w * c];
    for i in 0..h * w {
        let a = target.rgba[i * 4 + 3];
        if a > crate::nca::spec::ALIVE_THRESHOLD {
            one[i * c..i * c + 4].copy_from_slice(&target.rgba[i * 4..i * 4 + 4]);
            one[i * c + 4..(i + 1) * c].fill(0.5);
        }
    }
    let x0 = one.repeat(n);
    let weights = cfg.initial_weights();
    let rule = NcaConfig { fire_rate: cfg.fire_rate, angle: cfg.angle, border: cfg.border };
    let fire = FireMasks::new(cfg.seed, cfg.fire_rate);
    let fires: Vec<Vec<bool>> = (0..PROBE_STEPS).map(|t| fire.mask(t as u32, n, h * w)).collect();
    let mut best = f64::INFINITY;
    for _ in 0..2 {
        let t0 = Instant::now();
        let r = host_grad::rollout_grad(&x0, [n, h, w], &weights, &rule, &fires, &target.rgba);
        std::hint::black_box(r.loss);
        best = best.min(t0.elapsed().as_secs_f64());
    }
    let mean_steps = (cfg.min_steps + cfg.max_steps) as f64 / 2.0;
    let per_iter = best / PROBE_STEPS as f64 * mean_steps * OVERHEAD;
    Estimate { secs_per_iteration: per_iter, total_secs: per_iter * cfg.iterations as f64 }
}

/// "1h05m", "3m20s", "12s".
pub fn hms(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "--".into();
    }
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s / 60 % 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}
