//! Every hyper-parameter of training, with the paper's values as defaults.

use serde::{Deserialize, Serialize};

use crate::nca::Border;
use crate::target::TargetOptions;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Experiment 1: every batch starts from the seed.
    Grow,
    /// Experiment 2: a pool of states; batches are drawn from it and written back.
    Persist,
    /// Experiment 3: as persist, and the best samples of each batch are wounded.
    Regenerate,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Grow => "grow",
            Mode::Persist => "persist",
            Mode::Regenerate => "regenerate",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "grow" => Ok(Mode::Grow),
            "persist" => Ok(Mode::Persist),
            "regenerate" => Ok(Mode::Regenerate),
            _ => Err(format!("unknown mode '{s}' (expected grow, persist or regenerate)")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    pub mode: Mode,
    pub iterations: u64,
    pub batch: usize,
    pub pool_size: usize,
    /// Each iteration runs a number of steps drawn uniformly from `min_steps..=max_steps`.
    pub min_steps: usize,
    pub max_steps: usize,
    pub lr: f32,
    /// Learning rate from `lr_drop_at` iterations on.
    pub lr_after: f32,
    pub lr_drop_at: u64,
    pub beta1: f32,
    pub beta2: f32,
    /// Adam's epsilon: 1e-7, the default of the Keras optimiser the paper used.
    pub adam_eps: f32,
    /// Each parameter's gradient becomes g / (||g|| + grad_norm_eps).
    pub grad_norm_eps: f32,
    /// Regenerate: how many of the lowest-loss samples of each batch are wounded.
    pub damage_n: usize,
    pub fire_rate: f32,
    pub angle: f32,
    pub border: Border,
    pub target: TargetOptions,
    pub seed: u64,
    pub checkpoint_every: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            mode: Mode::Regenerate,
            iterations: 8000,
            batch: 8,
            pool_size: 1024,
            min_steps: 64,
            max_steps: 96,
            lr: 2e-3,
            lr_after: 2e-4,
            lr_drop_at: 2000,
            beta1: 0.9,
            beta2: 0.999,
            adam_eps: 1e-7,
            grad_norm_eps: 1e-8,
            damage_n: 3,
            fire_rate: 0.5,
            angle: 0.0,
            border: Border::Zero,
            target: TargetOptions::default(),
            seed: 0,
            checkpoint_every: 100,
        }
    }
}

impl TrainConfig {
    pub fn lr_at(&self, iteration: u64) -> f32 {
        if iteration < self.lr_drop_at { self.lr } else { self.lr_after }
    }

    pub fn validate(&self) -> Result<(), String> {
        let bad = |m: &str| Err(format!("training config: {m}"));
        if self.batch == 0 {
            return bad("batch must be at least 1");
        }
        if self.mode != Mode::Grow && self.pool_size < self.batch {
            return bad("pool_size must be at least the batch size");
        }
        if self.min_steps == 0 || self.min_steps > self.max_steps {
            return bad("need 1 <= min_steps <= max_steps");
        }
        if !(self.lr > 0.0 && self.lr_after > 0.0 && self.lr.is_finite() && self.lr_after.is_finite()) {
            return bad("learning rates must be positive");
        }
        if !(0.0..=1.0).contains(&self.fire_rate) {
            return bad("fire_rate must be in [0, 1]");
        }
        if self.mode == Mode::Regenerate && self.damage_n >= self.batch {
            return bad("damage_n must be smaller than the batch (the worst sample is reseeded)");
        }
        if self.checkpoint_every == 0 {
            return bad("checkpoint_every must be at least 1");
        }
        Ok(())
    }
}
