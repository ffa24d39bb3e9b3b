//! A batch of grids running one rule: the object the CLI, the evaluator and the game step.

use burn::tensor::{Tensor, TensorData, TensorPrimitive, backend::Backend};

use super::config::{ALIVE_THRESHOLD, ALPHA, NcaConfig};
use super::fire::FireMasks;
use super::host_kernel::step_host;
use super::params::{NcaParams, Weights};
use super::spec::ModelSpec;
use super::step::{StepMode, nca_step};

/// Host state of `n` grids of `h` x `w` where a model starts: for a masked (growing) model one
/// seed cell each at (h/2, w/2), channels 3.. = 1; for a texture, zeros everywhere (its rule
/// grows the pattern out of nothing).
pub fn seed_state(spec: &ModelSpec, n: usize, h: usize, w: usize) -> Vec<f32> {
    let c = spec.channels;
    let mut v = vec![0.0; n * h * w * c];
    if spec.alive_masking {
        for b in 0..n {
            let base = ((b * h + h / 2) * w + w / 2) * c;
            v[base + ALPHA..base + c].iter_mut().for_each(|c| *c = 1.0);
        }
    }
    v
}

pub fn state_tensor<B: Backend>(host: Vec<f32>, dims: [usize; 4], device: &B::Device) -> Tensor<B, 4> {
    Tensor::from_data(TensorData::new(host, dims), device)
}

/// A host copy of a float tensor.
pub fn to_host<B: Backend, const D: usize>(t: &Tensor<B, D>) -> Vec<f32> {
    with_host(t, <[f32]>::to_vec)
}

/// Runs `f` on the tensor's values in host memory: on the CPU backend the array itself, with no
/// copy; elsewhere a copy read back from the device. (burn's `to_data` of a tensor also held
/// elsewhere, which any `&Tensor` may be, walks the CPU backend's array element by element
/// through a dynamic-rank iterator: about 10 ms per million floats, which was most of a host
/// world step at 256x256.)
pub fn with_host<B: Backend, const D: usize, R>(t: &Tensor<B, D>, f: impl FnOnce(&[f32]) -> R) -> R {
    if let Some(cpu) = crate::kernels::launch::same_type::<_, Tensor<burn::backend::NdArray, D>>(t.clone())
        && let TensorPrimitive::Float(burn_ndarray::NdArrayTensor::F32(s)) = cpu.into_primitive()
        && let Some(slice) = s.view().as_slice()
    {
        return f(slice);
    }
    f(&t.to_data().convert::<f32>().into_vec::<f32>().expect("f32 tensor"))
}

/// The tensor's values as a host vector, taking the CPU backend's array without a copy where no
/// one else holds it.
pub fn into_host<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    let Some(cpu) = crate::kernels::launch::same_type::<_, Tensor<burn::backend::NdArray, D>>(t.clone()) else {
        return to_host(&t);
    };
    drop(t);
    match cpu.into_primitive() {
        TensorPrimitive::Float(burn_ndarray::NdArrayTensor::F32(s)) => {
            let array = s.into_owned().into_owned();
            if !array.is_standard_layout() {
                return array.iter().copied().collect();
            }
            let n = array.len();
            let (mut v, offset) = array.into_raw_vec_and_offset();
            v.drain(..offset.unwrap_or(0));
            v.truncate(n);
            v
        }
        other => to_host(&Tensor::<burn::backend::NdArray, D>::from_primitive(other)),
    }
}

/// The premultiplied RGBA a spec shows for each cell of a host state (`channels` floats per cell):
/// a creature's first four channels; a texture's first three plus 0.5, opaque.
pub fn rgba_view(spec: &ModelSpec, state: &[f32]) -> Vec<f32> {
    state
        .chunks_exact(spec.channels)
        .flat_map(|c| match spec.colour {
            super::spec::Colour::Rgba => [c[0], c[1], c[2], c[3]],
            super::spec::Colour::RgbOffset => {
                let v = |k: usize| (c[k] + 0.5).clamp(0.0, 1.0);
                [v(0), v(1), v(2), 1.0]
            }
        })
        .collect()
}

/// Mean squared error over the RGBA channels, per sample of two `[n, h, w, 16]` states.
pub fn rgba_mse<B: Backend>(a: &Tensor<B, 4>, b: &Tensor<B, 4>) -> Vec<f32> {
    let n = a.dims()[0];
    let d = a.clone().narrow(3, 0, 4) - b.clone().narrow(3, 0, 4);
    to_host(&(d.clone() * d).reshape([n as i32, -1]).mean_dim(1))
}

/// Per-sample count of cells (of `channels` floats) whose own alpha exceeds the alive threshold.
pub fn alive_counts(host: &[f32], channels: usize, n: usize) -> Vec<usize> {
    let per = host.len() / n.max(1);
    (0..n)
        .map(|b| host[b * per..(b + 1) * per].chunks_exact(channels).filter(|c| c[ALPHA] > ALIVE_THRESHOLD).count())
        .collect()
}

/// Where a simulation's state lives: on the device, or (for the fused host kernel) in host
/// memory, so that a CPU run never converts between the two inside its loop.
enum Store<B: Backend> {
    Device(Tensor<B, 4>),
    Host(Vec<f32>),
}

pub struct Simulation<B: Backend> {
    store: Store<B>,
    dims: [usize; 4],
    device: B::Device,
    /// The rule on the host (the fused kernel reads it) and on the device.
    weights: Weights,
    params: NcaParams<B>,
    /// The same, flat, as our kernels read it (`StepMode::Fused`).
    flat: Tensor<B, 1>,
    pub cfg: NcaConfig,
    mode: StepMode,
    pub steps: u64,
    /// Seeds the fire masks: step t of grid b fires where `FireMasks { seed, rate }` says.
    seed: u64,
}

impl<B: Backend> Simulation<B> {
    /// `n` grids of `h` x `w`, each starting from a seed; `seed` fixes every random draw.
    pub fn from_seed(weights: &Weights, cfg: NcaConfig, [n, h, w]: [usize; 3], seed: u64, device: &B::Device) -> Self {
        let c = weights.spec.channels;
        let state = state_tensor(seed_state(&weights.spec, n, h, w), [n, h, w, c], device);
        Self::from_state(weights, cfg, state, seed)
    }

    pub fn from_state(weights: &Weights, cfg: NcaConfig, state: Tensor<B, 4>, seed: u64) -> Self {
        let device = state.device();
        let params = weights.to_device(&device);
        Self {
            dims: state.dims(),
            flat: crate::kernels::fused::flat_weights(std::slice::from_ref(&params)),
            params,
            device,
            store: Store::Device(state),
            weights: weights.clone(),
            cfg,
            mode: StepMode::Dense,
            steps: 0,
            seed,
        }
    }

    pub fn with_mode(mut self, mode: StepMode) -> Self {
        let state = self.state();
        self.mode = mode;
        self.set_state(state);
        self
    }

    pub fn mode(&self) -> StepMode {
        self.mode
    }

    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    pub fn set_weights(&mut self, w: &Weights) {
        self.params = w.to_device(&self.device);
        self.flat = crate::kernels::fused::flat_weights(std::slice::from_ref(&self.params));
        self.weights = w.clone();
    }

    pub fn dims(&self) -> [usize; 4] {
        self.dims
    }

    /// The state as a tensor `[n, h, w, 16]` on the simulation's device.
    pub fn state(&self) -> Tensor<B, 4> {
        match &self.store {
            Store::Device(t) => t.clone(),
            Store::Host(v) => state_tensor(v.clone(), self.dims, &self.device),
        }
    }

    pub fn set_state(&mut self, t: Tensor<B, 4>) {
        self.dims = t.dims();
        self.store = if self.mode == StepMode::Host { Store::Host(to_host(&t)) } else { Store::Device(t) };
    }

    pub fn step(&mut self) {
        let [n, h, w, _] = self.dims;
        // The host's copy of the fire mask, for the paths that take one (our kernels draw it
        // themselves: a million hashes a step on the host would cost more than the step).
        let fire = || FireMasks::new(self.seed, self.cfg.fire_rate).mask(self.steps as u32, n, h * w);
        self.store = match std::mem::replace(&mut self.store, Store::Host(Vec::new())) {
            Store::Host(v) => Store::Host(step_host(&v, [n, h, w], &self.weights, &self.cfg, &fire())),
            Store::Device(t) => Store::Device(match self.fused_step(&t) {
                Some(next) => next,
                None => nca_step(t, &self.params, &self.cfg, &fire(), self.mode),
            }),
        };
        self.steps += 1;
    }

    /// The step by our forward kernel, when the mode asks for it and the backend is wgpu.
    fn fused_step(&self, t: &Tensor<B, 4>) -> Option<Tensor<B, 4>> {
        use crate::kernels::fused;
        use crate::kernels::launch::same_type;
        if self.mode != StepMode::Fused {
            return None;
        }
        let x: Tensor<burn::backend::Wgpu, 4> = same_type(t.clone())?;
        let flat: Tensor<burn::backend::Wgpu, 1> = same_type(self.flat.clone())?;
        let [n, h, w, _] = self.dims;
        let batch = fused::Batch {
            spec: self.weights.spec,
            creatures: 1,
            per_creature: n,
            height: h,
            width: w,
            rule: self.cfg,
            fire: FireMasks::new(self.seed, self.cfg.fire_rate),
            steps: 1,
            each: None,
        };
        let out = fused::forward_step(x, flat, &batch, self.steps as usize);
        same_type(out)
    }

    pub fn run(&mut self, steps: usize) {
        for _ in 0..steps {
            self.step();
        }
    }

    /// Waits for queued device work (a one-value read-back); nothing to wait for on the host.
    pub fn sync(&self) {
        if let Store::Device(t) = &self.store {
            let _ = to_host(&t.clone().narrow(1, 0, 1).narrow(2, 0, 1).narrow(3, 0, 1));
        }
    }

    /// Row-major `[n, h, w, 16]` copy of the state.
    pub fn host_state(&self) -> Vec<f32> {
        match &self.store {
            Store::Device(t) => to_host(t),
            Store::Host(v) => v.clone(),
        }
    }

    /// Multiplies every channel by a per-cell keep mask of `n * h * w` values (0 = wounded).
    pub fn apply_keep_mask(&mut self, keep: Vec<f32>) {
        let [n, h, w, _] = self.dims;
        match &mut self.store {
            Store::Host(v) => {
                for (cell, k) in v.chunks_exact_mut(self.weights.spec.channels).zip(&keep) {
                    cell.iter_mut().for_each(|c| *c *= k);
                }
            }
            Store::Device(t) => {
                let keep = Tensor::<B, 4>::from_data(TensorData::new(keep, [n, h, w, 1]), &self.device);
                *t = t.clone() * keep;
            }
        }
    }

    pub fn alive_counts(&self) -> Vec<usize> {
        alive_counts(&self.host_state(), self.weights.spec.channels, self.dims[0])
    }
}
