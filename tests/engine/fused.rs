//! The fused GPU training path (`train::fused`, our WGSL kernels) against the host reference
//! (`train::host_grad`): the same fire masks, so the same rollout and the same gradient.

use burn::backend::Wgpu;
use burn::tensor::{Tensor, TensorData};
use morphogen::gpu_device::shared;
use morphogen::kernels::fused::{self, Batch, Loss};
use morphogen::kernels::lanes;
use morphogen::kernels::tune::{self, Family, Tuner, Variant};
use morphogen::nca::{Border, FireMasks, ModelSpec, NcaConfig, Weights};
use morphogen::train::host_grad::{self, rgba_mse};
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::common::*;

fn weights_of(spec: ModelSpec, seed: u64) -> Weights {
    let mut w = Weights::init(spec, seed);
    let mut rng = StdRng::seed_from_u64(seed + 1);
    w.w2.iter_mut().for_each(|v| *v = rng.random_range(-0.05..0.05));
    w.b2.iter_mut().for_each(|v| *v = rng.random_range(-0.01..0.01));
    w
}

/// `blob_state`'s layout for `channels` channels.
fn state(n: usize, h: usize, w: usize, channels: usize, seed: u64) -> Vec<f32> {
    let full = blob_state(n, h, w, seed);
    full.chunks_exact(16).flat_map(|c| c[..channels].to_vec()).collect()
}

fn target(h: usize, w: usize, phase: f32) -> Vec<f32> {
    (0..h * w * 4).map(|i| (i as f32 * 0.37 + phase) % 1.0).collect()
}

fn close(what: &str, got: &[f32], want: &[f32], rel: f32) {
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "{what}: a value to compare");
    let d = max_abs_diff(got, want);
    assert!(d <= rel * scale, "{what}: max diff {d}, scale {scale}");
}

/// K creatures of one spec, each with its own weights, target and samples, in one fused
/// rollout; each is held to the host gradient of its own batch.
fn check(spec: ModelSpec, creatures: usize, border: Border, gpu_loss: bool) {
    let gdev = shared();
    // 5 x 5 tiles a grid, 50 a creature: two slices of the weight-gradient products (32 tiles
    // each), the second partly filled, and tiles cut by the grid's right edge.
    let (per, h, w, steps) = (2, 40, 33, 7);
    let c = spec.channels;
    let cfg = NcaConfig { border, angle: 0.6, fire_rate: 0.5 };
    let fire = FireMasks::new(3, 0.5);
    let rules: Vec<Weights> = (0..creatures).map(|k| weights_of(spec, 17 + k as u64)).collect();
    let targets: Vec<Vec<f32>> = (0..creatures).map(|k| target(h, w, 0.1 * k as f32)).collect();
    let x0: Vec<f32> = (0..creatures).flat_map(|k| state(per, h, w, c, 23 + k as u64)).collect();

    let n = creatures * per;
    let xt = Tensor::<Wgpu, 4>::from_data(TensorData::new(x0.clone(), [n, h, w, c]), &gdev);
    let params: Vec<_> = rules.iter().map(|r| r.to_device::<Wgpu>(&gdev)).collect();
    let batch = Batch { spec, creatures, per_creature: per, height: h, width: w, rule: cfg, fire, steps, each: None };
    let loss = if gpu_loss {
        let flat: Vec<f32> = targets.concat();
        Loss::Rgba(Box::new(Tensor::from_data(TensorData::new(flat.clone(), [flat.len()]), &gdev)))
    } else {
        let targets = targets.clone();
        Loss::Host(Box::new(move |fin: &[f32]| {
            let chunk = per * h * w * c;
            let (mut ls, mut gs) = (Vec::new(), Vec::new());
            for (k, part) in fin.chunks(chunk).enumerate() {
                let (l, g) = rgba_mse(part, c, &targets[k]);
                ls.push(l);
                gs.extend(g);
            }
            (ls, gs)
        }))
    };
    let out = fused::rollout_grad(xt, morphogen::nca::NcaParams::flat(&params), &batch, loss).unwrap();
    let fin = host(&Tensor::<Cpu, 4>::from_data(out.final_state.into_data(), &dev()));
    let grads = out.grads.into_data().convert::<f32>().into_vec::<f32>().unwrap();

    let p = spec.param_count();
    let chunk = per * h * w * c;
    for k in 0..creatures {
        let fires: Vec<Vec<bool>> = (0..steps as u32).map(|t| fire.mask(t, per, h * w)).collect();
        let x = &x0[k * chunk..(k + 1) * chunk];
        let r = host_grad::rollout_grad(x, [per, h, w], &rules[k], &cfg, &fires, &targets[k]);
        let what = format!("{spec:?} {border:?} creature {k} of {creatures}, {} lanes a cell", lanes::of(&gdev));
        assert!((out.loss[k] - r.loss).abs() <= 1e-5 * r.loss, "{what}: loss {} vs {}", out.loss[k], r.loss);
        close(&format!("{what}: final state"), &fin[k * chunk..(k + 1) * chunk], &r.final_state, 1e-5);
        let got = &grads[k * p..(k + 1) * p];
        let want = r.grads.flatten();
        let [s1, sb1, s2, sb2] = spec.sizes();
        let mut at = 0;
        for (name, len) in [("w1", s1), ("b1", sb1), ("w2", s2), ("b2", sb2)] {
            if len > 0 {
                close(&format!("{what}: {name}"), &got[at..at + len], &want[at..at + len], 1e-4);
            }
            at += len;
        }
    }
}

#[test]
fn the_fused_gpu_gradient_equals_the_host_gradient() {
    if !gpu_or_skip() {
        return;
    }
    // Each cell's network on one invocation (a software adapter's choice) and spread over
    // several (a hardware GPU's): the parts' sums add in another order, within the tolerance.
    for n in lanes::ALLOWED {
        lanes::scoped(n, || {
            for border in [Border::Zero, Border::Wrap] {
                check(ModelSpec::GROWING, 1, border, true);
            }
            // Several creatures in one dispatch, each with its own rule, target and samples.
            check(ModelSpec::GROWING, 3, Border::Zero, true);
            // The texture spec (Laplacian, no bias, no masking, twelve channels), its loss on the host.
            check(ModelSpec::TEXTURE, 1, Border::Wrap, false);
        });
    }
    // Every block the weight-gradient products can be tuned to (`kernels::tune`), for both, and
    // every workgroup of the gather (a block and a size at a time).
    for (k, block) in fused::GemmBlock::ALL.into_iter().enumerate() {
        let b = Variant::Block(block);
        let group = Variant::Group(fused::GROUPS[k % fused::GROUPS.len()]);
        let fixed = Tuner::fixed(vec![(Family::WgradIn, b), (Family::WgradOut, b), (Family::Gather, group)]);
        tune::scoped(fixed, || {
            check(ModelSpec::GROWING, 3, Border::Zero, true);
            check(ModelSpec::TEXTURE, 1, Border::Wrap, false);
        });
    }
}

/// A small regenerating training on the GPU's fused path.
fn small_trainer(name: &str, seed: u64, phase: f32) -> morphogen::train::group::GpuTrainer {
    small_trainer_on(name, seed, phase, shared())
}

fn small_trainer_on(
    name: &str,
    seed: u64,
    phase: f32,
    device: burn::backend::wgpu::WgpuDevice,
) -> morphogen::train::group::GpuTrainer {
    use morphogen::train::{Mode, TrainConfig};
    let cfg = TrainConfig {
        mode: Mode::Regenerate,
        batch: 2,
        pool_size: 4,
        damage_n: 1,
        min_steps: 3,
        max_steps: 7,
        iterations: 3,
        checkpoint_every: 2,
        seed,
        ..Default::default()
    };
    let rgba = target(16, 16, phase);
    let target = morphogen::target::Target { width: 16, height: 16, rgba };
    morphogen::train::group::GpuTrainer::new(name, cfg, target, device).unwrap()
}

#[test]
fn creatures_trained_side_by_side_follow_their_solo_paths() {
    use morphogen::train::group::{self, Member};
    use morphogen::train::session::{Control, Outcome};
    if !gpu_or_skip() {
        return;
    }
    let seeds = [(5, 0.1), (6, 0.4), (7, 0.7)];
    let solo: Vec<Vec<f32>> = seeds
        .iter()
        .map(|&(seed, phase)| {
            let mut t = small_trainer("solo", seed, phase);
            (0..2).map(|_| t.iterate().unwrap().loss).collect()
        })
        .collect();
    let mut ts: Vec<_> = seeds.iter().map(|&(seed, phase)| small_trainer("together", seed, phase)).collect();
    let mut steps = std::collections::BTreeSet::new();
    for i in [0, 1] {
        let mut refs: Vec<_> = ts.iter_mut().collect();
        assert!(group::compatible(&refs));
        for (k, r) in group::iterate(&mut refs).into_iter().enumerate() {
            let r = r.unwrap();
            steps.insert(r.steps);
            let want = solo[k][i];
            assert!(
                (r.loss - want).abs() <= 1e-5 * want,
                "creature {k}, iteration {i}: {} alone, {} together",
                want,
                r.loss
            );
        }
    }
    assert!(steps.len() > 1, "rollouts of different lengths in one batch: {steps:?}");

    // The queue, two at a time: every creature trained to its end, saved, its checkpoint gone.
    let dir = tmpdir("group");
    let mut queue = seeds.iter().enumerate().map(|(k, &(seed, phase))| Member {
        trainer: small_trainer(&format!("c{k}"), seed, phase),
        out: dir.join(format!("c{k}.creature")),
        ckpt: dir.join(format!("c{k}.ckpt")),
    });
    let mut said = Vec::new();
    let outcome =
        group::run(2, || queue.next().map(Ok), &Control::default(), |n, m| said.push(format!("{n}: {m}"))).unwrap();
    assert_eq!(outcome, Outcome::Finished);
    for k in 0..3 {
        let c = morphogen::creature::Creature::load(&dir.join(format!("c{k}.creature"))).unwrap();
        assert_eq!(c.meta.iterations, 3, "c{k}");
        assert!(!dir.join(format!("c{k}.ckpt")).exists(), "c{k}: checkpoint removed once saved");
    }
    assert!(said.iter().any(|s| s.contains("checkpoint saved")), "{said:?}");
}

#[test]
fn a_rollout_too_big_for_the_gpu_is_refused_as_such() {
    if !gpu_or_skip() {
        return;
    }
    let gdev = shared();
    let x = Tensor::<Wgpu, 4>::zeros([1, 8, 8, 16], &gdev);
    let ct: burn_cubecl::tensor::CubeTensor<burn_wgpu::WgpuRuntime> = x.into_primitive().tensor();
    let limit = ct.client.properties().memory.max_page_size;
    // Rows of 328 floats a cell: enough samples of 128x128 to pass the limit (when it is small
    // enough to pass without allocating much, as on lavapipe's 128 MiB).
    let per_sample = 128 * 128 * 328 * 4;
    if limit > 1 << 30 {
        eprintln!("skipping: this GPU binds {limit} bytes in one buffer");
        return;
    }
    let n = (limit / per_sample + 1) as usize;
    let spec = ModelSpec::GROWING;
    let cfg = NcaConfig::default();
    let batch = Batch {
        spec,
        creatures: 1,
        per_creature: n,
        height: 128,
        width: 128,
        rule: cfg,
        fire: FireMasks::new(1, 0.5),
        steps: 2,
        each: None,
    };
    let x0 = Tensor::<Wgpu, 4>::zeros([n, 128, 128, 16], &gdev);
    let p = [weights_of(spec, 1).to_device::<Wgpu>(&gdev)];
    let loss = Loss::Host(Box::new(|fin: &[f32]| (vec![0.0], vec![0.0; fin.len()])));
    let e = fused::rollout_grad(x0, morphogen::nca::NcaParams::flat(&p), &batch, loss).err().expect("refused");
    assert!(e.contains("out of GPU memory") && e.contains("MiB"), "{e}");
}

/// An error on the device a training runs on stops the training with that error, neither counted
/// as an iteration nor rolled back as a divergence. wgpu hands an out-of-memory in a buffer cubecl
/// allocates to the device's handler, as it does the command the device refuses here.
#[test]
fn an_error_on_the_gpu_stops_training_as_such() {
    use morphogen::train::outcome::TrainError;
    if !gpu_or_skip() {
        return;
    }
    // A device of its own: the jobs beside this test on the shared one are not told of its error.
    let own = morphogen::gpu_device::open().unwrap();
    let mut t = small_trainer_on("fault", 5, 0.2, own.burn.clone());
    t.iterate().unwrap();
    // A storage buffer the host can map: refused (the device was not asked for that feature).
    let usage = wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::STORAGE;
    let _ =
        own.wgpu.create_buffer(&wgpu::BufferDescriptor { label: None, size: 256, usage, mapped_at_creation: false });
    match t.iterate() {
        Err(TrainError::Device(m)) => assert!(m.contains("the GPU refused a command"), "{m}"),
        other => panic!("expected the device's error, got {other:?}"),
    }
    assert_eq!(t.iteration, 1, "the failed iteration is not counted");
    // Said once: the error was the test's, and the next iteration runs.
    assert_eq!(t.iterate().unwrap().iteration, 2);
    let oom = wgpu::Error::OutOfMemory { source: Box::new(std::io::Error::other("no room")) };
    let said = morphogen::gpu_device::describe(&oom);
    assert!(said.starts_with("the GPU ran out of memory (no room)"), "{said}");
}

#[test]
fn a_simulation_on_the_forward_kernel_steps_like_the_host() {
    use morphogen::simulation::Simulation;
    if !gpu_or_skip() {
        return;
    }
    let cases = [(ModelSpec::GROWING, Border::Zero), (ModelSpec::TEXTURE, Border::Wrap)];
    for ((spec, border), ln) in cases.into_iter().flat_map(|c| lanes::ALLOWED.map(|n| (c, n))) {
        let wt = weights_of(spec, 31);
        let cfg = NcaConfig { border, angle: 0.3, fire_rate: 0.5 };
        let (n, h, w) = (2, 19, 21);
        let x0 = state(n, h, w, spec.channels, 9);
        let dims = [n, h, w, spec.channels];
        let gpu_state = Tensor::<Wgpu, 4>::from_data(TensorData::new(x0.clone(), dims), &shared());
        let mut g = Simulation::from_state(&wt, cfg, gpu_state, 4);
        let mut c = Simulation::from_state(&wt, cfg, tensor4_of(x0, dims), 4);
        lanes::scoped(ln, || g.run(6));
        c.run(6);
        let d = max_abs_diff(&g.host_state(), &c.host_state());
        assert!(d < 1e-5, "{spec:?}, {ln} lanes a cell: the forward kernel and the host kernel differ by {d}");
    }
}

fn tensor4_of(v: Vec<f32>, dims: [usize; 4]) -> Tensor<Cpu, 4> {
    Tensor::from_data(TensorData::new(v, dims), &dev())
}

/// The training pool in chunks (what a GPU needs when the pool is over one buffer binding, as the
/// paper's 324 MiB pool is on lavapipe) gathers and writes back the same states as in one.
#[test]
fn a_pool_in_chunks_draws_and_keeps_what_one_buffer_would() {
    use morphogen::train::pool::StatePool;
    if !gpu_or_skip() {
        return;
    }
    let gdev = shared();
    let dims = [10, 5, 4, 3];
    let per = 5 * 4 * 3;
    let host: Vec<f32> = (0..10 * per).map(|i| i as f32).collect();
    // The device's own limit: far above this pool, so one chunk.
    let one = StatePool::<Wgpu>::new(host.clone(), dims, &gdev);
    assert_eq!(one.chunks(), 1);
    // Three states a chunk: four chunks, the last holding one.
    let mut chunked = StatePool::<Wgpu>::in_chunks_of(host.clone(), dims, &gdev, Some(3 * per as u64 * 4));
    assert_eq!(chunked.chunks(), 4);
    let mut one = one;
    let idx = [9, 0, 4, 3, 7];
    let got = to_vec(chunked.select(&idx));
    assert_eq!(got, to_vec(one.select(&idx)));
    assert_eq!(got[..per], host[9 * per..10 * per], "the first drawn is state 9");
    // New states for the drawn ones, written back: the same pool either way, the rest untouched.
    let new: Vec<f32> = (0..idx.len() * per).map(|i| -(i as f32)).collect();
    let t = || Tensor::<Wgpu, 4>::from_data(TensorData::new(new.clone(), [idx.len(), 5, 4, 3]), &gdev);
    chunked.write(&idx, t());
    one.write(&idx, t());
    let after = chunked.to_host();
    assert_eq!(after, one.to_host());
    assert_eq!(after[3 * per..4 * per], new[3 * per..4 * per], "state 3 was the fourth drawn");
    assert_eq!(after[per..2 * per], host[per..2 * per], "state 1 was not drawn");
}

fn to_vec(t: Tensor<Wgpu, 4>) -> Vec<f32> {
    t.into_data().convert::<f32>().into_vec::<f32>().unwrap()
}
