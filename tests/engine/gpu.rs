//! The wgpu path (a software Vulkan driver in CI). Few and small: shader compilation is slow there.

use burn::backend::{Autodiff, Wgpu};
use burn::tensor::{Tensor, TensorData};
use morphogen::nca::{CHANNELS, FireMasks, NcaConfig, nca_step};
use morphogen::train::{Mode, TrainConfig, Trainer};

use crate::common::*;

#[test]
fn the_wgpu_backend_steps_like_the_cpu_and_trains() {
    if !gpu_or_skip() {
        return;
    }
    let gdev = morphogen::gpu_device::shared();
    let (n, h, w) = (2, 20, 20);
    let weights = random_weights(4);
    let x = blob_state(n, h, w, 6);
    let cfg = NcaConfig { angle: 0.4, ..Default::default() };
    let mut cpu = tensor4(x.clone(), [n, h, w, CHANNELS]);
    let mut gpu = Tensor::<Wgpu, 4>::from_data(TensorData::new(x, [n, h, w, CHANNELS]), &gdev);
    let (pc, pg) = (weights.to_device::<Cpu>(&dev()), weights.to_device::<Wgpu>(&gdev));
    let fire = FireMasks::new(2, 0.5);
    for t in 0..4 {
        let f = fire.mask(t, n, h * w);
        cpu = nca_step(cpu, &pc, &cfg, &f);
        gpu = nca_step(gpu, &pg, &cfg, &f);
    }
    let g: Vec<f32> = gpu.into_data().convert::<f32>().into_vec().unwrap();
    let d = max_abs_diff(&host(&cpu), &g);
    assert!(d < 1e-4, "GPU and CPU differ by {d}");

    let target = morphogen::target::Target { width: 16, height: 16, rgba: vec![0.5; 16 * 16 * 4] };
    let tc = TrainConfig {
        mode: Mode::Regenerate,
        batch: 2,
        pool_size: 4,
        damage_n: 1,
        min_steps: 4,
        max_steps: 6,
        ..Default::default()
    };
    // The GPU trains through the fused kernels, the CPU through the host gradient: the same
    // batches and fire masks, so the same losses, iteration after iteration.
    let mut t = Trainer::<Autodiff<Wgpu>>::new("gpu", tc.clone(), target.clone(), gdev).unwrap();
    let mut c = Trainer::<CpuAd>::new("cpu", tc, target, dev()).unwrap();
    for i in 0..3 {
        let r = t.iterate().unwrap();
        let rc = c.iterate().unwrap();
        assert!(r.loss.is_finite() && r.rolled_back.is_none());
        assert!((r.loss - rc.loss).abs() <= 1e-3 * rc.loss, "iteration {i}: GPU loss {} vs CPU {}", r.loss, rc.loss);
    }
    assert_ne!(t.weights(), morphogen::nca::Weights::init(morphogen::nca::ModelSpec::GROWING, 0), "the weights moved");
}

/// A lane count the kernels are not built for is refused before any work, naming the variable.
#[test]
fn a_bad_lane_count_is_refused() {
    if !gpu_or_skip() {
        return;
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_morphogen"))
        .args(["bench", "--backend", "gpu", "--sizes", "72", "--world-species", "--level-sides", "--train-iters", "0"])
        .env("MORPHOGEN_LANES", "3")
        .output()
        .expect("run morphogen");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exit {:?}", out.status);
    assert!(err.contains("MORPHOGEN_LANES=3") && err.contains("[1, 2, 4]"), "stderr: {err}");
}
