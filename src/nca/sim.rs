//! A batch of grids running one rule: the object the CLI, the evaluator and the game step.

use burn::tensor::{Tensor, TensorData, backend::Backend};

use super::config::{ALIVE_THRESHOLD, ALPHA, CHANNELS, NcaConfig};
use super::masks::FireMasks;
use super::params::{NcaParams, Weights};
use super::step::{StepMode, nca_step};

/// Host state of `n` grids of `h` x `w` holding one seed cell each at (h/2, w/2), channels 3.. = 1.
pub fn seed_state(n: usize, h: usize, w: usize) -> Vec<f32> {
    let mut v = vec![0.0; n * h * w * CHANNELS];
    for b in 0..n {
        let base = ((b * h + h / 2) * w + w / 2) * CHANNELS;
        v[base + ALPHA..base + CHANNELS].iter_mut().for_each(|c| *c = 1.0);
    }
    v
}

pub fn state_tensor<B: Backend>(host: Vec<f32>, dims: [usize; 4], device: &B::Device) -> Tensor<B, 4> {
    Tensor::from_data(TensorData::new(host, dims), device)
}

pub fn to_host<B: Backend, const D: usize>(t: &Tensor<B, D>) -> Vec<f32> {
    t.to_data().convert::<f32>().into_vec::<f32>().expect("f32 tensor")
}

/// Mean squared error over the RGBA channels, per sample of two `[n, h, w, 16]` states.
pub fn rgba_mse<B: Backend>(a: &Tensor<B, 4>, b: &Tensor<B, 4>) -> Vec<f32> {
    let n = a.dims()[0];
    let d = a.clone().narrow(3, 0, 4) - b.clone().narrow(3, 0, 4);
    to_host(&(d.clone() * d).reshape([n as i32, -1]).mean_dim(1))
}

/// Per-sample count of cells whose own alpha exceeds the alive threshold.
pub fn alive_counts(host: &[f32], n: usize) -> Vec<usize> {
    let per = host.len() / n.max(1);
    (0..n)
        .map(|b| host[b * per..(b + 1) * per].chunks_exact(CHANNELS).filter(|c| c[ALPHA] > ALIVE_THRESHOLD).count())
        .collect()
}

pub struct Simulation<B: Backend> {
    pub state: Tensor<B, 4>,
    pub params: NcaParams<B>,
    pub cfg: NcaConfig,
    pub mode: StepMode,
    pub steps: u64,
    fire: FireMasks,
}

impl<B: Backend> Simulation<B> {
    /// `n` grids of `h` x `w`, each starting from a seed; `seed` fixes every random draw.
    pub fn from_seed(weights: &Weights, cfg: NcaConfig, [n, h, w]: [usize; 3], seed: u64, device: &B::Device) -> Self {
        let state = state_tensor(seed_state(n, h, w), [n, h, w, CHANNELS], device);
        Self::from_state(weights.to_device(device), cfg, state, seed)
    }

    pub fn from_state(params: NcaParams<B>, cfg: NcaConfig, state: Tensor<B, 4>, seed: u64) -> Self {
        Self { state, params, cfg, mode: StepMode::Dense, steps: 0, fire: FireMasks::new(seed) }
    }

    pub fn with_mode(mut self, mode: StepMode) -> Self {
        self.mode = mode;
        self
    }

    pub fn dims(&self) -> [usize; 4] {
        self.state.dims()
    }

    pub fn step(&mut self) {
        let [n, h, w, _] = self.dims();
        let fire = self.fire.draw(n * h * w, self.cfg.fire_rate);
        self.state = nca_step(self.state.clone(), &self.params, &self.cfg, &fire, self.mode);
        self.steps += 1;
    }

    pub fn run(&mut self, steps: usize) {
        for _ in 0..steps {
            self.step();
        }
    }

    pub fn host_state(&self) -> Vec<f32> {
        to_host(&self.state)
    }

    /// Multiplies every channel by a per-cell keep mask of `n * h * w` values (0 = wounded).
    pub fn apply_keep_mask(&mut self, keep: Vec<f32>) {
        let [n, h, w, _] = self.dims();
        let device = self.state.device();
        let keep = Tensor::<B, 4>::from_data(TensorData::new(keep, [n, h, w, 1]), &device);
        self.state = self.state.clone() * keep;
    }

    pub fn alive_counts(&self) -> Vec<usize> {
        alive_counts(&self.host_state(), self.dims()[0])
    }
}
