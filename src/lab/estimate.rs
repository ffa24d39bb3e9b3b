//! How long a training will take on the CPU, said before the user commits to it: a few steps of
//! the real rollout and gradient on a grown-looking state of the target's shape, timed here.

use std::time::Instant;

use crate::nca::{CHANNELS, FireMasks, NcaConfig};
use crate::target::Target;
use crate::train::{TrainConfig, host_grad, trainer::initial_weights};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub secs_per_iteration: f64,
    pub total_secs: f64,
}

/// Steps of the probe rollout (the cost per step is what is measured).
const PROBE_STEPS: usize = 6;

/// What an iteration costs beyond its rollout and gradient (drawing the batch from the pool and
/// writing it back, the fire masks, per-sample losses, Adam) and the grown pool's wider living
/// region: the probe said 0.27 s per iteration for the paper's lizard where a whole 8,000-iteration
/// CLI run averaged 0.42 (2-vCPU EPYC, 2026-11-22).
const OVERHEAD: f64 = 1.55;

/// Times the CPU training path on one sample and scales it to the batch and mean step count.
/// Pool states are grown creatures, so the probe starts from the target's own silhouette.
pub fn cpu(target: &Target, cfg: &TrainConfig) -> Estimate {
    let (h, w) = (target.height, target.width);
    let mut x0 = vec![0.0f32; h * w * CHANNELS];
    for i in 0..h * w {
        let a = target.rgba[i * 4 + 3];
        if a > 0.1 {
            x0[i * CHANNELS..i * CHANNELS + 4].copy_from_slice(&target.rgba[i * 4..i * 4 + 4]);
            for c in 4..CHANNELS {
                x0[i * CHANNELS + c] = 0.5;
            }
        }
    }
    let weights = initial_weights(cfg);
    let rule = NcaConfig { fire_rate: cfg.fire_rate, angle: cfg.angle, border: cfg.border };
    let mut fire = FireMasks::new(cfg.seed);
    let fires: Vec<Vec<bool>> = (0..PROBE_STEPS).map(|_| fire.draw(h * w, cfg.fire_rate)).collect();
    let mut best = f64::INFINITY;
    for _ in 0..2 {
        let t0 = Instant::now();
        let r = host_grad::rollout_grad(&x0, [1, h, w], &weights, &rule, &fires, &target.rgba);
        std::hint::black_box(r.loss);
        best = best.min(t0.elapsed().as_secs_f64());
    }
    let mean_steps = (cfg.min_steps + cfg.max_steps) as f64 / 2.0;
    let per_iter = best / PROBE_STEPS as f64 * mean_steps * cfg.batch as f64 * OVERHEAD;
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
