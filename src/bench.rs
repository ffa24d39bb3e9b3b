//! Throughput measures, comparable with the PyTorch anchor (`shared/bench/anchor_torch.py`):
//! the same model, the same whole-grid-alive inference state, the same training configuration.

use web_time::Instant;

use crate::nca::NcaParams;
use crate::rule::{RuleBackend, TrainBackend};
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::kernels::profile::measured;
use crate::nca::sim::state_tensor;
use crate::nca::{CHANNELS, ModelSpec, NcaConfig, Weights};
use crate::simulation::Simulation;
use crate::target::Target;
use crate::train::{Mode, TrainConfig, Trainer};

/// Weights like the anchor's: the default first layer and a small random last layer, so that the
/// update is not zero and every op does real work.
pub fn bench_weights() -> Weights {
    let mut w = Weights::init(ModelSpec::GROWING, 7);
    let mut rng = StdRng::seed_from_u64(8);
    // Uniform with the standard deviation of the anchor's N(0, 0.01).
    let a = 0.01 * 3f32.sqrt();
    w.w2.iter_mut().for_each(|v| *v = rng.random_range(-a..a));
    w
}

/// Cell updates per second on a `grid` x `grid` world where every cell is alive (channels 3.. =
/// 0.5, as in the anchor), for at least `seconds`.
pub fn sim_cell_updates_per_s<B: RuleBackend>(device: &B::Device, grid: usize, seconds: f64) -> f64 {
    let mut host = vec![0.0f32; grid * grid * CHANNELS];
    host.chunks_exact_mut(CHANNELS).for_each(|c| c[3..].iter_mut().for_each(|v| *v = 0.5));
    let state = state_tensor::<B>(host, [1, grid, grid, CHANNELS], device);
    let mut sim = Simulation::from_state(&bench_weights(), NcaConfig::default(), state, 1);
    sim.run(3);
    sim.sync();
    measured(|| {
        let t0 = Instant::now();
        let mut steps = 0u64;
        while t0.elapsed().as_secs_f64() < seconds {
            sim.run(5);
            sim.sync();
            steps += 5;
        }
        steps as f64 * (grid * grid) as f64 / t0.elapsed().as_secs_f64()
    })
}

/// Training iterations per second for the paper's configuration: batch 8, 72x72, 80 steps, from
/// the seed, against a random target.
pub fn train_iters_per_s<B: TrainBackend>(device: &B::Device, iters: usize) -> f64 {
    let mut rng = StdRng::seed_from_u64(3);
    let rgba: Vec<f32> = (0..72 * 72 * 4).map(|_| rng.random::<f32>()).collect();
    let target = Target { width: 72, height: 72, rgba };
    let cfg = TrainConfig {
        mode: Mode::Grow,
        min_steps: 80,
        max_steps: 80,
        iterations: iters as u64 + 1,
        ..Default::default()
    };
    let mut t = Trainer::<B>::new("bench", cfg, target, device.clone()).expect("bench config");
    t.set_weights(&bench_weights());
    t.iterate().expect("warm-up iteration");
    measured(|| {
        let t0 = Instant::now();
        for _ in 0..iters {
            t.iterate().expect("bench iteration");
        }
        iters as f64 / t0.elapsed().as_secs_f64()
    })
}

/// Training iterations per second in real conditions: the paper's regenerate settings on the
/// creature's own target, its own weights, and a pool of states grown from the seed by its own
/// rule (`grown` steps; 8 grown grids copied over the pool), so that every rollout works on a
/// grown creature as a training does once its pool has filled.
pub fn train_real_iters_per_s<B: TrainBackend>(
    device: &B::Device,
    creature: &crate::creature::Creature,
    iters: usize,
) -> Result<f64, String> {
    let target = creature.target.clone().ok_or("the creature has no target image")?;
    let [h, w] = [target.height, target.width];
    let cfg = TrainConfig { mode: Mode::Regenerate, iterations: iters as u64 + 1, ..Default::default() };
    let mut t = Trainer::<B>::new("bench", cfg, target, device.clone()).map_err(|e| e.to_string())?;
    t.set_weights(&creature.weights);
    let mut sim = Simulation::<B::InnerBackend>::from_seed(&creature.weights, creature.meta.rule, [8, h, w], 5, device);
    sim.run(200);
    t.fill_pool(&sim.host_state(), 8)?;
    t.iterate().map_err(|e| e.to_string())?;
    measured(|| {
        let t0 = Instant::now();
        for _ in 0..iters {
            t.iterate().map_err(|e| e.to_string())?;
        }
        Ok(iters as f64 / t0.elapsed().as_secs_f64())
    })
}

/// Real-training iterations per second summed over `k` trainings side by side on the CPU, each
/// on its share of the cores (`lanes`, as `zoo train --group k` runs them), each as
/// [`train_real_iters_per_s`].
pub fn cpu_side_by_side_iters_per_s(
    creature: &crate::creature::Creature,
    k: usize,
    iters: usize,
) -> Result<f64, String> {
    use crate::backend::CpuBackend;
    // Each holds a pool of its own (340 MB at the paper's settings): more trainings than threads
    // would only share them, and a large count would exhaust memory before measuring anything.
    let threads = rayon::current_num_threads();
    if k == 0 || k > threads {
        return Err(format!(
            "{k} trainings side by side: on the CPU at least one and at most one per thread ({threads} here)"
        ));
    }
    let rates = crate::lanes::side_by_side(k, |_| {
        train_real_iters_per_s::<burn::backend::Autodiff<CpuBackend>>(&Default::default(), creature, iters)
    });
    rates.into_iter().sum()
}

/// Cell updates per second of the sandbox's world kernels (`shaders/world_*.wgsl` on the GPU) on a
/// `grid` x `grid` world, every cell alive as in [`sim_cell_updates_per_s`], for at least
/// `seconds`; also the fraction of cells alive at the end (a world that died would time idle
/// kernels). With several species each owns a band of rows (living cells of one species are
/// closed to the others, so overlapping layers would die at once): one update per cell per step.
pub fn world_cell_updates_per_s<B: crate::rule::RuleBackend>(
    device: &B::Device,
    grid: usize,
    species: usize,
    seconds: f64,
) -> Result<(f64, f64), String> {
    use crate::world::{SpeciesRule, World, WorldSize};
    let size = WorldSize::new(grid, grid, false)?;
    let mut world = World::<B>::new(size, 1, device);
    for s in 0..species {
        world.add_species(SpeciesRule {
            name: format!("bench{s}"),
            weights: bench_weights(),
            angle: 0.0,
            fire_rate: 0.5,
        })?;
    }
    let cells = grid * grid;
    let mut host = vec![0.0f32; species * cells * CHANNELS];
    for (i, c) in host.chunks_exact_mut(CHANNELS).enumerate() {
        let (s, row) = (i / cells, i % cells / grid);
        if row * species / grid == s {
            c[3..].iter_mut().for_each(|v| *v = 0.5);
        }
    }
    world.set_state(host)?;
    for _ in 0..3 {
        world.step();
    }
    world.sync();
    let cups = measured(|| {
        let t0 = Instant::now();
        let mut steps = 0u64;
        while t0.elapsed().as_secs_f64() < seconds {
            for _ in 0..10 {
                world.step();
            }
            world.sync();
            steps += 10;
        }
        steps as f64 * cells as f64 / t0.elapsed().as_secs_f64()
    });
    let alive = world.alive_cells().iter().sum::<usize>() as f64 / cells as f64;
    Ok((cups, alive))
}

/// Training iterations per second summed over `k` creatures trained at once by the fused GPU
/// kernels (`kernels::fused`): each creature its own rule, target and batch of 8 on 72x72, 80
/// steps from the seed, in one rollout; the optimiser's update (burn tensor ops, a few per
/// tensor) is left out.
pub fn fused_creatures_iters_per_s(
    device: &burn::backend::wgpu::WgpuDevice,
    k: usize,
    iters: usize,
) -> Result<f64, String> {
    use crate::kernels::fused::{Batch, Loss, rollout_grad};
    use crate::nca::{FireMasks, sim::seed_state};
    use burn::backend::Wgpu;
    use burn::tensor::{Tensor, TensorData};
    let (per, side, steps) = (8, 72, 80);
    let spec = ModelSpec::GROWING;
    let params: Vec<_> = (0..k).map(|_| bench_weights().to_device::<Wgpu>(device)).collect();
    let mut rng = StdRng::seed_from_u64(9);
    let rgba: Vec<f32> = (0..k * side * side * 4).map(|_| rng.random::<f32>()).collect();
    let targets = Tensor::<Wgpu, 1>::from_data(TensorData::new(rgba.clone(), [rgba.len()]), device);
    let x0 = state_tensor::<Wgpu>(seed_state(&spec, k * per, side, side), [k * per, side, side, spec.channels], device);
    let one = |i: u64| {
        let batch = Batch {
            spec,
            creatures: k,
            per_creature: per,
            height: side,
            width: side,
            rule: NcaConfig::default(),
            fire: FireMasks::new(i, 0.5),
            steps,
            each: None,
        };
        rollout_grad(x0.clone(), NcaParams::flat(&params), &batch, Loss::Rgba(Box::new(targets.clone())))
            .map(|o| o.loss)
    };
    one(0)?;
    measured(|| {
        let t0 = Instant::now();
        for i in 0..iters {
            one(i as u64 + 1)?;
        }
        Ok((k * iters) as f64 / t0.elapsed().as_secs_f64())
    })
}

/// How long the paper's regenerate training of `target` takes to meet the zoo's bar (drift and
/// regrowth, 8 trials per wound), graded every `every` iterations from the first drop of the
/// learning rate on, or to give up at the config's last iteration: (wall seconds, iterations,
/// whether it passed). Gradings count in the time: they are part of getting there.
pub fn time_to_grade<B: TrainBackend>(
    device: &B::Device,
    target: Target,
    every: u64,
) -> Result<(f64, u64, bool), String> {
    use crate::train::session::{Control, run};
    let d = TrainConfig { mode: Mode::Regenerate, ..Default::default() };
    let cfg = TrainConfig { grade_every: every, checkpoint_every: d.iterations, ..d };
    let mut t = Trainer::<B>::new("grade", cfg, target, device.clone()).map_err(|e| e.to_string())?;
    let ckpt = std::env::temp_dir().join(format!("morphogen-time-to-grade-{}.ckpt", std::process::id()));
    let t0 = Instant::now();
    let outcome = run(&mut t, &ckpt, &Control::default(), |_, _| {});
    let _ = crate::fsio::remove(&ckpt);
    outcome?;
    Ok((t0.elapsed().as_secs_f64(), t.iteration, t.graded_at.is_some()))
}

/// Level play: `level` in a `side` x `side` world (its walls, creatures and zones where the level
/// puts them), grown, then ticked for `seconds` with no moves. Returns the level's ticks/s (a tick
/// is a world step plus the level's figures: shape and zone cover) and, in the same sitting, the
/// same world's bare steps/s: what the figures cost is the gap between the two.
pub fn level_ticks_per_s<B: RuleBackend>(
    device: &B::Device,
    mut level: crate::level::Level,
    side: usize,
    seconds: f64,
) -> Result<(f64, f64), String> {
    use crate::level::LevelRun;
    level.world.width = side;
    level.world.height = side;
    let mut run = LevelRun::<B>::new(level, device)?;
    run.world.sync();
    let t0 = Instant::now();
    let mut ticks = 0u64;
    while t0.elapsed().as_secs_f64() < seconds && run.outcome().is_none() {
        run.tick();
        ticks += 1;
    }
    run.world.sync();
    let level_rate = ticks as f64 / t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let mut steps = 0u64;
    while t0.elapsed().as_secs_f64() < seconds {
        for _ in 0..10 {
            run.world.step();
        }
        run.world.sync();
        steps += 10;
    }
    Ok((level_rate, steps as f64 / t0.elapsed().as_secs_f64()))
}
