//! A batch of grids running one rule: the object the CLI, the evaluator and the game step, on
//! whichever backend it is made for (`rule::RuleBackend`: the host kernels on the CPU, our forward
//! kernel on wgpu).

use burn::tensor::{Tensor, TensorData};

use crate::nca::sim::{alive_counts, seed_state, state_tensor};
use crate::nca::{FireMasks, NcaConfig, NcaParams, Weights};
use crate::rule::{RuleBackend, SimRule};

pub struct Simulation<B: RuleBackend> {
    /// `[n, h, w, channels]`; None only while a step has it.
    state: Option<Tensor<B, 4>>,
    dims: [usize; 4],
    device: B::Device,
    /// The rule on the host (the host kernel reads it) and flat on the device (our kernels).
    weights: Weights,
    flat: Tensor<B, 1>,
    pub cfg: NcaConfig,
    pub steps: u64,
    /// Seeds the fire masks: step t of grid b fires where `FireMasks { seed, rate }` says.
    seed: u64,
}

impl<B: RuleBackend> Simulation<B> {
    /// `n` grids of `h` x `w`, each starting from a seed; `seed` fixes every random draw.
    pub fn from_seed(weights: &Weights, cfg: NcaConfig, [n, h, w]: [usize; 3], seed: u64, device: &B::Device) -> Self {
        let c = weights.spec.channels;
        let state = state_tensor(seed_state(&weights.spec, n, h, w), [n, h, w, c], device);
        Self::from_state(weights, cfg, state, seed)
    }

    pub fn from_state(weights: &Weights, cfg: NcaConfig, state: Tensor<B, 4>, seed: u64) -> Self {
        let device = state.device();
        Self {
            dims: state.dims(),
            flat: NcaParams::flat(std::slice::from_ref(&weights.to_device(&device))),
            device,
            state: Some(state),
            weights: weights.clone(),
            cfg,
            steps: 0,
            seed,
        }
    }

    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    pub fn set_weights(&mut self, w: &Weights) {
        self.flat = NcaParams::flat(std::slice::from_ref(&w.to_device(&self.device)));
        self.weights = w.clone();
    }

    pub fn dims(&self) -> [usize; 4] {
        self.dims
    }

    fn held(&self) -> &Tensor<B, 4> {
        self.state.as_ref().expect("a simulation holds its state between steps")
    }

    /// The state as a tensor `[n, h, w, channels]` on the simulation's device.
    pub fn state(&self) -> Tensor<B, 4> {
        self.held().clone()
    }

    pub fn set_state(&mut self, t: Tensor<B, 4>) {
        self.dims = t.dims();
        self.state = Some(t);
    }

    pub fn step(&mut self) {
        let rule = SimRule {
            weights: &self.weights,
            flat: &self.flat,
            cfg: &self.cfg,
            fire: FireMasks::new(self.seed, self.cfg.fire_rate),
        };
        // Taken, so that on the host the kernel steps the array itself rather than a copy.
        let x = self.state.take().expect("a simulation holds its state between steps");
        self.state = Some(B::sim_step(x, &rule, self.steps));
        self.steps += 1;
    }

    pub fn run(&mut self, steps: usize) {
        for _ in 0..steps {
            self.step();
        }
    }

    /// Waits for queued device work (a one-value read-back; on the host there is nothing queued).
    pub fn sync(&self) {
        if !B::HOST {
            let _ = B::into_host(self.state().narrow(1, 0, 1).narrow(2, 0, 1).narrow(3, 0, 1));
        }
    }

    /// Row-major `[n, h, w, channels]` copy of the state.
    pub fn host_state(&self) -> Vec<f32> {
        B::with_host(self.held(), <[f32]>::to_vec)
    }

    /// Multiplies every channel by a per-cell keep mask of `n * h * w` values (0 = wounded).
    pub fn apply_keep_mask(&mut self, keep: Vec<f32>) {
        let [n, h, w, _] = self.dims;
        let keep = Tensor::<B, 4>::from_data(TensorData::new(keep, [n, h, w, 1]), &self.device);
        self.state = Some(self.state() * keep);
    }

    pub fn alive_counts(&self) -> Vec<usize> {
        B::with_host(self.held(), |x| alive_counts(x, self.weights.spec.channels, self.dims[0]))
    }
}
