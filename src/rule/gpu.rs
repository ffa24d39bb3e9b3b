//! The rule on wgpu: our WGSL kernels on burn's stream (`kernels::fused` for simulations and
//! training batches, `world::gpu` for the world), and the device's limits and faults.

use burn::backend::Wgpu;
use burn::backend::wgpu::WgpuDevice;
use burn::tensor::{Int, Tensor};

use super::{RuleBackend, SimRule};
use crate::kernels::fused;
use crate::kernels::launch::float;
use crate::train::rollout::{Outcome, Rollout};
use crate::world::frame::{Frame, FrameBuffer};
use crate::world::gpu;
use crate::world::params::Params;

impl RuleBackend for Wgpu {
    const HOST: bool = false;

    fn sim_step(x: Tensor<Self, 4>, rule: &SimRule<'_, Self>, step: u64) -> Tensor<Self, 4> {
        let [n, h, w, _] = x.dims();
        let batch = fused::Batch {
            spec: rule.weights.spec,
            creatures: 1,
            per_creature: n,
            height: h,
            width: w,
            rule: *rule.cfg,
            fire: rule.fire,
            steps: 1,
            each: None,
        };
        fused::forward_step(x, rule.flat.clone(), &batch, step as usize)
    }

    fn rollout(ro: &Rollout<'_, Self>, x0: &Tensor<Self, 4>) -> Result<Outcome<Self>, String> {
        ro.fused(x0)
    }

    fn max_buffer_bytes(device: &WgpuDevice) -> Option<u64> {
        Some(float(Tensor::<Wgpu, 1>::zeros([1], device)).client.properties().memory.max_page_size)
    }

    fn fault(device: &WgpuDevice) -> Option<String> {
        crate::gpu_device::fault(device)
    }

    fn world_step(
        state: Tensor<Self, 1>,
        aux: &Tensor<Self, 1>,
        weights: &Tensor<Self, 1>,
        p: &Params,
    ) -> Tensor<Self, 1> {
        gpu::step(state, aux, weights, p)
    }

    fn world_edit(
        state: Tensor<Self, 1>,
        aux: Tensor<Self, 1>,
        edits: &[u32],
        p: &Params,
    ) -> (Tensor<Self, 1>, Tensor<Self, 1>) {
        gpu::edit(state, aux, edits, p)
    }

    fn world_pack(state: Tensor<Self, 1>, aux: Tensor<Self, 1>, p: &Params) -> (Tensor<Self, 1>, Frame<Self>) {
        gpu::pack(state, aux, p)
    }

    fn frame_buffer(frame: &Tensor<Self, 1, Int>) -> Option<FrameBuffer> {
        gpu::frame_buffer(frame)
    }
}
