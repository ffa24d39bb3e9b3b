//! How long a training will take, said before the user commits to it: a few steps of the real
//! rollout and gradient on a grown-looking state of the target's shape, timed here, on the CPU
//! (`host_grad`) or on the GPU (our fused kernels).

use web_time::Instant;

use crate::nca::NcaParams;
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

/// The probe's cost per step against a whole iteration's per step, measured: the iteration adds
/// drawing the batch from the pool and writing it back, the fire masks, per-sample losses and Adam,
/// but a grown creature's living region is smaller than the probe's silhouette with every hidden
/// channel set, and 4 steps carry a rollout's fixed costs. Calibrated against `bench`'s real
/// training (the creature's own grown pool) on a 2-vCPU machine: the probe said 3.45 it/s for the
/// lizard and 2.87 for the ladybug where the training ran 6.29 and 4.60, and 0.9 puts both within
/// 7% (docs/BENCHMARKS.md keeps the dated figures).
const OVERHEAD: f64 = 0.9;

/// Times the CPU training path on a whole batch (it spreads over the cores) for a few steps and
/// scales it to the mean step count. Pool states are grown creatures, so the probe starts from the
/// target's own silhouette.
pub fn cpu(target: &Target, cfg: &TrainConfig) -> Estimate {
    let (h, w) = (target.height, target.width);
    let (x0, weights, rule, fire) = probe(target, cfg);
    let n = cfg.batch;
    let fires: Vec<Vec<bool>> = (0..PROBE_STEPS).map(|t| fire.mask(t as u32, n, h * w)).collect();
    let mut best = f64::INFINITY;
    for _ in 0..2 {
        let t0 = Instant::now();
        let r = host_grad::rollout_grad(&x0, [n, h, w], &weights, &rule, &fires, &target.rgba);
        std::hint::black_box(r.loss);
        best = best.min(t0.elapsed().as_secs_f64());
    }
    scale(best / PROBE_STEPS as f64, cfg, OVERHEAD)
}

/// Steps of the GPU probe: enough that the fixed cost of a rollout (the loss, the sum of the
/// weight gradients, the read-back) is counted in proportion.
const GPU_PROBE_STEPS: usize = 16;

/// What a GPU iteration costs beyond its rollout: the batch drawn from the pool, per-sample losses,
/// Adam and the read-backs between them, each a few small dispatches and a wait.
const GPU_OVERHEAD: f64 = 1.15;

/// Times the fused GPU path (`kernels::fused`) on the shared wgpu device, as the lab's training
/// thread runs it, for a short rollout (after one untimed run that compiles the kernels).
pub fn gpu(target: &Target, cfg: &TrainConfig) -> Result<Estimate, String> {
    gpu_on(&crate::gpu_device::gpu()?, target, cfg)
}

/// [`gpu`] on `device`. A texture's loss is the host's on both paths, so its probe times the
/// rollout with a loss of nothing there, as [`cpu`] times the rollout with the paper's.
pub fn gpu_on(
    device: &burn::backend::wgpu::WgpuDevice,
    target: &Target,
    cfg: &TrainConfig,
) -> Result<Estimate, String> {
    use crate::kernels::fused::{Batch, Loss, rollout_grad};
    use burn::backend::Wgpu;
    use burn::tensor::{Tensor, TensorData};
    let (h, w) = (target.height, target.width);
    let (x0, weights, rule, fire) = probe(target, cfg);
    let device = device.clone();
    let spec = weights.spec;
    let x = Tensor::<Wgpu, 4>::from_data(TensorData::new(x0, [cfg.batch, h, w, spec.channels]), &device);
    let tg = Tensor::<Wgpu, 1>::from_data(TensorData::new(target.rgba.clone(), [target.rgba.len()]), &device);
    let params = [weights.to_device::<Wgpu>(&device)];
    let batch = Batch {
        spec,
        creatures: 1,
        per_creature: cfg.batch,
        height: h,
        width: w,
        rule,
        fire,
        steps: GPU_PROBE_STEPS,
        each: None,
    };
    let texture = cfg.mode == crate::train::Mode::Texture;
    let loss = || match texture {
        true => Loss::Host(Box::new(|x: &[f32]| (vec![0.0], vec![0.0; x.len()]))),
        false => Loss::Rgba(Box::new(tg.clone())),
    };
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t0 = Instant::now();
        // The loss comes back to the host, so the timing waits for the whole rollout.
        rollout_grad(x.clone(), NcaParams::flat(&params), &batch, loss())?;
        best = best.min(t0.elapsed().as_secs_f64());
    }
    Ok(scale(best / GPU_PROBE_STEPS as f64, cfg, GPU_OVERHEAD))
}

/// What an iteration's cost depends on, as a key (`auto` keeps what it measured by it).
pub fn job_key(target: &Target, cfg: &TrainConfig) -> String {
    format!(
        "{} {}x{}, batch {}, {}-{} steps, {:?}",
        cfg.mode.name(),
        target.width,
        target.height,
        cfg.batch,
        cfg.min_steps,
        cfg.max_steps,
        cfg.spec()
    )
}

/// Seconds an iteration of this training on `on`, measured now: what `auto` weighs
/// (`backend::resolve_measured`) and the lab shows for each path.
pub fn per_iteration(on: &crate::backend::Resolved, target: &Target, cfg: &TrainConfig) -> Result<f64, String> {
    use crate::backend::Resolved;
    match on {
        Resolved::Cpu => Ok(cpu(target, cfg).secs_per_iteration),
        Resolved::Gpu(g) => Ok(gpu_on(&crate::gpu_device::on_adapter(g.index)?, target, cfg)?.secs_per_iteration),
    }
}

fn scale(per_step: f64, cfg: &TrainConfig, overhead: f64) -> Estimate {
    let mean_steps = (cfg.min_steps + cfg.max_steps) as f64 / 2.0;
    let per_iter = per_step * mean_steps * overhead;
    Estimate { secs_per_iteration: per_iter, total_secs: per_iter * cfg.iterations as f64 }
}

/// The probe's batch (copies of the target's silhouette, hidden channels at 0.5), the initial
/// weights, the rule and a fire mask.
fn probe(target: &Target, cfg: &TrainConfig) -> (Vec<f32>, crate::nca::Weights, NcaConfig, FireMasks) {
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
    let rule = NcaConfig { fire_rate: cfg.fire_rate, angle: cfg.angle, border: cfg.border };
    (one.repeat(n), cfg.initial_weights(), rule, FireMasks::new(cfg.seed, cfg.fire_rate))
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
