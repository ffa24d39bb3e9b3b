//! The rule on a backend: the one extension trait through which the world, a simulation and a
//! training run their steps, as burn's custom-kernel backends extend `Backend`. Two
//! implementations: host memory (`host`: the CPU backend, and the browser without WebGPU) and
//! wgpu (`gpu`: our WGSL kernels on burn's stream). burn's tensor ops and autodiff
//! (`nca::step::nca_step`, `train::rollout::Rollout::autodiff`) stay as the reference the tests
//! hold both to; no path is chosen at run time by looking at a type.
//!
//! A world, a simulation and a training batch are each a batch of layers with rules: the world's
//! species share one grid and close cells to one another; a simulation's grids and a batch's
//! samples are independent layers of one rule (or, in a group, of several).

mod gpu;
mod host;

use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Int, Tensor};

use crate::nca::sim::to_host;
use crate::nca::{FireMasks, NcaConfig, Weights};
use crate::train::rollout::{Outcome, Rollout};
use crate::world::frame::{Frame, FrameBuffer};
use crate::world::params::Params;

/// A simulation's rule for one step: `n` grids of one rule, fire masks by `fire`.
pub struct SimRule<'a, B: Backend> {
    pub weights: &'a Weights,
    /// The same rule, flat in the file order, on the device (what our kernels read).
    pub flat: &'a Tensor<B, 1>,
    pub cfg: &'a NcaConfig,
    pub fire: FireMasks,
}

/// What a backend runs the rule with.
pub trait RuleBackend: Backend {
    /// The state lives in host memory: a kernel takes it over and updates it in place (on a GPU
    /// a tensor is a handle, and the state is bound as one storage buffer, so that the device's
    /// binding limit caps a world's species).
    const HOST: bool;

    /// Runs `f` on the tensor's values in host memory: on the host the array itself, no copy.
    fn with_host<const D: usize, R>(t: &Tensor<Self, D>, f: impl FnOnce(&[f32]) -> R) -> R {
        f(&to_host(t))
    }

    /// The tensor's values as a host vector (on the host, its array where no one else holds it).
    fn into_host<const D: usize>(t: Tensor<Self, D>) -> Vec<f32> {
        to_host(&t)
    }

    /// One step of a simulation's `[n, h, w, channels]` state: step number `step` of its rule.
    fn sim_step(x: Tensor<Self, 4>, rule: &SimRule<'_, Self>, step: u64) -> Tensor<Self, 4>;

    /// One training iteration's rollout from `x0` and its exact gradient.
    fn rollout(ro: &Rollout<'_, Self>, x0: &Tensor<Self, 4>) -> Result<Outcome<Self>, String>;

    /// The most bytes one buffer may hold on `device` (what a kernel can bind); None: no limit.
    fn max_buffer_bytes(_device: &Self::Device) -> Option<u64> {
        None
    }

    /// The error the device reported since it was last asked (out of memory, a refused command).
    fn fault(_device: &Self::Device) -> Option<String> {
        None
    }

    /// One step of every species of a world (`[S, H, W, 16]` state, `[H, W, 2]` walls and flash).
    fn world_step(
        state: Tensor<Self, 1>,
        aux: &Tensor<Self, 1>,
        weights: &Tensor<Self, 1>,
        p: &Params,
    ) -> Tensor<Self, 1>;

    /// Seeds, wounds, walls and grafts at listed cells (`edits`: pairs of cell and op code).
    fn world_edit(
        state: Tensor<Self, 1>,
        aux: Tensor<Self, 1>,
        edits: &[u32],
        p: &Params,
    ) -> (Tensor<Self, 1>, Tensor<Self, 1>);

    /// The display image; the wound flash faded by one frame.
    fn world_pack(state: Tensor<Self, 1>, aux: Tensor<Self, 1>, p: &Params) -> (Tensor<Self, 1>, Frame<Self>);

    /// The device buffer behind a packed frame, for a copy into a texture on the same device.
    fn frame_buffer(_frame: &Tensor<Self, 1, Int>) -> Option<FrameBuffer> {
        None
    }
}

/// A backend a training runs on: burn's autodiff (the reference path, and Adam's tensors) over a
/// backend with the rule.
pub trait TrainBackend: AutodiffBackend<InnerBackend: RuleBackend> {}

impl<B: AutodiffBackend<InnerBackend: RuleBackend>> TrainBackend for B {}

/// A host copy of a float tensor, through the backend's own read ([`RuleBackend::with_host`]:
/// on the CPU a copy of the array itself, where burn's `to_data` of a tensor also held elsewhere
/// walks it element by element).
pub fn host_copy<B: RuleBackend, const D: usize>(t: &Tensor<B, D>) -> Vec<f32> {
    B::with_host(t, <[f32]>::to_vec)
}
