//! Each GPU kernel timed on its own (`kernels::profile`, `bench --kernel-times`): a recorded
//! rollout counts every dispatch under its kernel, the same rollout gives the same results
//! recorded or not, and nothing is timed outside a recording.

use burn::backend::Wgpu;
use burn::tensor::{Tensor, TensorData};
use morphogen::gpu_device::shared;
use morphogen::kernels::fused::{self, Batch, Loss};
use morphogen::kernels::profile::{measure_parts, measured, record};
use morphogen::nca::{FireMasks, ModelSpec, NcaConfig};

use crate::common::*;

#[test]
fn a_recorded_rollout_times_every_dispatch_under_its_kernel() {
    if !gpu_or_skip() {
        return;
    }
    let gdev = shared();
    let spec = ModelSpec::GROWING;
    let (n, h, w, steps) = (2, 20, 20, 5);
    let x0 = blob_state(n, h, w, 4);
    let batch = Batch {
        spec,
        creatures: 1,
        per_creature: n,
        height: h,
        width: w,
        rule: NcaConfig::default(),
        fire: FireMasks::new(2, 0.5),
        steps,
        each: None,
    };
    let params = [random_weights(5).to_device::<Wgpu>(&gdev)];
    let target: Vec<f32> = (0..h * w * 4).map(|i| (i % 7) as f32 / 7.0).collect();
    let rollout = || {
        let xt = Tensor::<Wgpu, 4>::from_data(TensorData::new(x0.clone(), [n, h, w, 16]), &gdev);
        let tg = Tensor::<Wgpu, 1>::from_data(TensorData::new(target.clone(), [target.len()]), &gdev);
        let out = fused::rollout_grad(xt, morphogen::nca::NcaParams::flat(&params), &batch, Loss::Rgba(Box::new(tg)))
            .unwrap();
        (out.loss, out.grads.into_data().convert::<f32>().into_vec::<f32>().unwrap())
    };

    let plain = rollout();
    let (recorded, rows) = record(rollout);
    assert_eq!(plain, recorded, "timing each dispatch alone changes nothing it computes");
    let count = |k: &str| rows.iter().find(|r| r.kernel == k).map(|r| r.dispatches);
    // Forward two dispatches a step; back one through the network, two weight-gradient products,
    // (both one kernel's) and one through perception to the step before (none before the first); then the loss and
    // the one reduction.
    let want = [("Step", 5), ("Keep", 5), ("Loss", 1), ("Back", 5), ("Wgrad", 10), ("Gather", 4), ("Reduce", 1)];
    for (k, d) in want {
        assert_eq!(count(k), Some(d), "{k}: {rows:?}");
    }
    assert_eq!(rows.len(), want.len(), "no other kernel: {rows:?}");
    assert!(rows.iter().all(|r| r.seconds > 0.0 && r.seconds.is_finite()), "{rows:?}");
    let first: Vec<&str> = rows.iter().map(|r| r.kernel.as_str()).collect();
    assert_eq!(first[..3], ["Step", "Keep", "Loss"], "rows in the order first launched");

    // A benchmark's timed part alone is recorded, and only when asked for.
    let ((), parts) = measure_parts(true, || {
        rollout();
        measured(rollout);
    });
    assert_eq!(parts.iter().find(|r| r.kernel == "Back").map(|r| r.dispatches), Some(5), "{parts:?}");
    let ((), off) = measure_parts(false, || {
        measured(rollout);
    });
    assert!(off.is_empty(), "{off:?}");
    // Outside a recording nothing is kept: a recording opened afterwards starts empty.
    rollout();
    let ((), none) = record(|| ());
    assert!(none.is_empty(), "{none:?}");
}
