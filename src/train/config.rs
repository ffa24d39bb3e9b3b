//! Every hyper-parameter of training. The defaults depend on the mode: the growing paper's
//! values for grow, persist and regenerate, the texture notebooks' for texture. A config file (or
//! the zoo manifest) names only what it changes; what it leaves out comes from its mode's
//! defaults.

use serde::{Deserialize, Serialize};

use super::focus::Focus;
use crate::nca::{Border, Damage, ModelSpec, Weights};
use crate::target::{Background, TargetOptions};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Experiment 1: every batch starts from the seed.
    Grow,
    /// Experiment 2: a pool of states; batches are drawn from it and written back.
    Persist,
    /// Experiment 3: as persist, and the best samples of each batch are wounded.
    #[default]
    Regenerate,
    /// A self-organising texture (Niklasson et al. 2021): a pool of wrap-around worlds matched
    /// to an example image by a multi-scale patch sliced-Wasserstein loss.
    Texture,
}

/// The mode a trained creature's file records.
impl From<Mode> for crate::creature::CreatureMode {
    fn from(m: Mode) -> Self {
        use crate::creature::CreatureMode as C;
        match m {
            Mode::Grow => C::Grow,
            Mode::Persist => C::Persist,
            Mode::Regenerate => C::Regenerate,
            Mode::Texture => C::Texture,
        }
    }
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Grow, Mode::Persist, Mode::Regenerate, Mode::Texture];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Grow => "grow",
            Mode::Persist => "persist",
            Mode::Regenerate => "regenerate",
            Mode::Texture => "texture",
        }
    }

    /// The model a mode trains unless the config names another.
    pub fn spec(self) -> ModelSpec {
        if self == Mode::Texture { ModelSpec::TEXTURE } else { ModelSpec::GROWING }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown mode '{s}' (expected grow, persist, regenerate or texture)"))
    }
}

/// A change of learning rate from an iteration on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LrStep {
    pub at: u64,
    pub lr: f32,
}

/// Read as a file says it: `config_file` (what it leaves out from its mode's defaults).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrainConfig {
    pub mode: Mode,
    /// The model's shape; None: the mode's (the paper's creature, or the texture model).
    pub model: Option<ModelSpec>,
    pub iterations: u64,
    pub batch: usize,
    pub pool_size: usize,
    /// Each iteration runs a number of steps drawn uniformly from `min_steps..=max_steps`.
    pub min_steps: usize,
    pub max_steps: usize,
    /// The learning rate at the start...
    pub lr: f32,
    /// ...and from each of these iterations on (ascending).
    pub lr_schedule: Vec<LrStep>,
    pub beta1: f32,
    pub beta2: f32,
    /// Adam's epsilon: 1e-7, the default of the Keras optimiser the paper used.
    pub adam_eps: f32,
    /// Each parameter's gradient becomes g / (||g|| + grad_norm_eps).
    pub grad_norm_eps: f32,
    /// Regenerate: how many of the lowest-loss samples of each batch are wounded.
    pub damage_n: usize,
    /// Regenerate: which wounds (the paper's discs, or the mix of wounds the game deals).
    pub damage: Damage,
    pub fire_rate: f32,
    pub angle: f32,
    pub border: Border,
    /// How the image becomes a target: for a creature, fitted into `size` pixels and padded (the
    /// grid is their sum); for a texture, the example, fitted into `size` pixels.
    pub target: TargetOptions,
    /// Texture: the side of the square wrap-around worlds of the pool.
    pub grid: usize,
    /// Texture: one sample of the batch goes back to the seed (zeros) every this many iterations.
    pub reset_every: u64,
    /// Texture: weight of the penalty on state values outside [-1, 1] (summed over the batch).
    pub overflow_weight: f32,
    /// Texture loss: levels of the image pyramid (the sliced-Wasserstein loss on patches at each).
    pub swd_levels: usize,
    /// Texture loss: the side of the patches compared at every level.
    pub swd_patch: usize,
    /// Texture loss: random directions the patches are projected onto, drawn anew each iteration.
    pub swd_projections: usize,
    pub seed: u64,
    pub checkpoint_every: u64,
    /// Creatures: when above 0, from the first drop of the learning rate on, the creature is
    /// graded against the zoo's bar (`zoo::misses`, 8 trials) every this many iterations and at
    /// its last, and the training finishes as soon as it passes. 0: train every iteration.
    pub grade_every: u64,
    /// Creatures graded against the bar: after a grading that misses wounds, train more on those
    /// (`train::focus`). None: the mix `damage` says, always.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<Focus>,
    /// Pool trainings: after these iterations (ascending) the pool starts again from seeds. A
    /// training carried to another machine without its pool (`zoo carry`: the pool is a hundred
    /// megabytes, the rest a few hundred kilobytes) resumes with seeds there; the reset in its
    /// config makes that exact, so that the manifest still reproduces the creature.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pool_resets: Vec<u64>,
}

impl TrainConfig {
    /// The defaults of a mode: the paper's for the creatures (Mordvintsev et al. 2020), the
    /// texture notebooks' for textures (Niklasson et al. 2021; the fast.ai course's version).
    pub fn defaults(mode: Mode) -> Self {
        let growing = TrainConfig {
            mode,
            model: None,
            iterations: 8000,
            batch: 8,
            pool_size: 1024,
            min_steps: 64,
            max_steps: 96,
            lr: 2e-3,
            lr_schedule: vec![LrStep { at: 2000, lr: 2e-4 }],
            beta1: 0.9,
            beta2: 0.999,
            adam_eps: 1e-7,
            grad_norm_eps: 1e-8,
            damage_n: 3,
            damage: Damage::Disc,
            fire_rate: 0.5,
            angle: 0.0,
            border: Border::Zero,
            target: TargetOptions::default(),
            grid: 128,
            reset_every: 8,
            overflow_weight: 1.0,
            swd_levels: 4,
            swd_patch: 5,
            swd_projections: 32,
            seed: 0,
            checkpoint_every: 100,
            grade_every: 0,
            focus: None,
            pool_resets: Vec::new(),
        };
        match mode {
            Mode::Texture => TrainConfig {
                iterations: 3000,
                batch: 4,
                // The notebooks keep 1,024; 256 is a quarter of the memory and of the checkpoint.
                pool_size: 256,
                min_steps: 32,
                max_steps: 95,
                lr: 1e-3,
                lr_schedule: vec![LrStep { at: 1000, lr: 3e-4 }, LrStep { at: 2000, lr: 9e-5 }],
                adam_eps: 1e-8,
                damage_n: 0,
                border: Border::Wrap,
                target: TargetOptions { size: 128, padding: 0, background: Background::Keep },
                ..growing
            },
            _ => growing,
        }
    }

    /// The model this config trains.
    pub fn spec(&self) -> ModelSpec {
        self.model.unwrap_or(self.mode.spec())
    }

    /// Whether the creature is graded after `iteration` iterations (see `grade_every`). The last
    /// iteration is graded too, so that a creature that meets the bar there says so.
    pub fn grades_at(&self, iteration: u64) -> bool {
        let from = self.lr_schedule.first().map_or(0, |s| s.at);
        self.grade_every > 0
            && iteration >= from
            && (iteration.is_multiple_of(self.grade_every) || iteration == self.iterations)
    }

    pub fn lr_at(&self, iteration: u64) -> f32 {
        self.lr_schedule.iter().rfind(|s| iteration >= s.at).map_or(self.lr, |s| s.lr)
    }

    /// The weights a training with this config starts from.
    pub fn initial_weights(&self) -> Weights {
        Weights::init(self.spec(), mix(self.seed, u64::MAX, 0))
    }

    pub fn validate(&self) -> Result<(), String> {
        let bad = |m: &str| Err(format!("training config: {m}"));
        self.spec().validate().map_err(|e| format!("training config: model: {e}"))?;
        if (self.mode == Mode::Texture) != (self.spec().colour == crate::nca::Colour::RgbOffset) {
            return bad("texture mode trains an RGB (texture) model, the other modes an RGBA creature");
        }
        if self.batch == 0 {
            return bad("batch must be at least 1");
        }
        if self.mode != Mode::Grow && self.pool_size < self.batch {
            return bad("pool_size must be at least the batch size");
        }
        if self.min_steps == 0 || self.min_steps > self.max_steps {
            return bad("need 1 <= min_steps <= max_steps");
        }
        let lrs = std::iter::once(self.lr).chain(self.lr_schedule.iter().map(|s| s.lr));
        if lrs.into_iter().any(|lr| !(lr > 0.0 && lr.is_finite())) {
            return bad("learning rates must be positive");
        }
        if self.lr_schedule.windows(2).any(|w| w[0].at >= w[1].at) {
            return bad("lr_schedule must be in ascending order of iterations");
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
        self.validate_sizes().map_err(|e| format!("training config: {e}"))?;
        if self.grade_every > 0 && self.mode == Mode::Texture {
            return bad("grade_every grades creatures (regrowth after wounds); a texture has no bar");
        }
        if let Some(f) = self.focus {
            if self.mode != Mode::Regenerate || self.grade_every == 0 {
                return bad("focus trains on the wounds a grading missed: regenerate mode with grade_every");
            }
            f.validate().map_err(|e| format!("training config: focus: {e}"))?;
        }
        if !self.pool_resets.is_empty() {
            if self.mode == Mode::Grow {
                return bad("pool_resets: a grow training has no pool");
            }
            let ascending = self.pool_resets.windows(2).all(|p| p[0] < p[1]);
            let last = *self.pool_resets.last().unwrap_or(&0);
            if !ascending || self.pool_resets[0] == 0 || last > crate::limits::MAX_ITERATIONS {
                return bad("pool_resets must be ascending iterations from 1 up to the iteration limit");
            }
        }
        if self.mode == Mode::Texture {
            if self.grid < 8 {
                return bad("grid must be at least 8");
            }
            if self.reset_every == 0 {
                return bad("reset_every must be at least 1");
            }
            if self.swd_levels == 0
                || self.swd_patch == 0
                || self.swd_patch.is_multiple_of(2)
                || self.swd_projections == 0
            {
                return bad("swd_levels and swd_projections must be at least 1, swd_patch odd");
            }
            if !(self.overflow_weight >= 0.0 && self.overflow_weight.is_finite()) {
                return bad("overflow_weight must be a non-negative number");
            }
        }
        Ok(())
    }
}

impl TrainConfig {
    /// The side of the square grids this config trains on: the padded target of a creature, the
    /// pool's worlds of a texture.
    pub fn grid_side(&self) -> usize {
        if self.mode == Mode::Texture { self.grid } else { self.target.side() }
    }

    /// Upper limits (`crate::limits`) on every size and on the memory they imply together, so
    /// that a config file never makes a training abort on an allocation or run for ever.
    fn validate_sizes(&self) -> Result<(), String> {
        use crate::limits::{self as l, within};
        within("iterations", self.iterations, 0, l::MAX_ITERATIONS)?;
        within("batch", self.batch, 1, l::MAX_BATCH)?;
        within("pool_size", self.pool_size, 0, l::MAX_POOL)?;
        within("max_steps", self.max_steps, 1, l::MAX_STEPS)?;
        self.target.validate()?;
        within(
            if self.mode == Mode::Texture { "grid" } else { "target.size + 2 x target.padding" },
            self.grid_side(),
            8,
            l::MAX_GRID,
        )?;
        if self.lr_schedule.len() > 1000 {
            return Err(format!("lr_schedule: {} steps, over the limit of 1000", self.lr_schedule.len()));
        }
        let (side, c) = (self.grid_side(), self.spec().channels);
        if self.mode != Mode::Grow {
            l::product(
                "pool memory (pool_size x grid x grid x channels x 4 bytes)",
                &[self.pool_size, side, side, c, 4],
                "bytes",
                l::MAX_POOL_BYTES,
            )?;
        }
        l::product(
            "rollout memory (batch x max_steps x grid x grid x channels x 4 bytes)",
            &[self.batch, self.max_steps, side, side, c, 4],
            "bytes",
            l::MAX_ROLLOUT_BYTES,
        )?;
        if !(self.angle.is_finite() && self.angle.abs() <= std::f32::consts::TAU) {
            return Err(format!("angle: {} rad is not in [-2 pi, 2 pi]", self.angle));
        }
        if !((0.0..1.0).contains(&self.beta1) && (0.0..1.0).contains(&self.beta2)) {
            return Err("beta1 and beta2 must be in [0, 1)".into());
        }
        if !(self.adam_eps > 0.0
            && self.adam_eps.is_finite()
            && self.grad_norm_eps >= 0.0
            && self.grad_norm_eps.is_finite())
        {
            return Err("adam_eps must be positive and grad_norm_eps non-negative (finite)".into());
        }
        if self.mode == Mode::Texture {
            within("target.size (a texture's example)", self.target.size, 8, l::MAX_TARGET_SIZE)?;
            within("swd_levels", self.swd_levels, 1, 8)?;
            within("swd_patch", self.swd_patch, 1, 15)?;
            within("swd_projections", self.swd_projections, 1, 1024)?;
        }
        Ok(())
    }
}

/// Seeds of the training's random streams: unrelated for nearby (seed, iteration, attempt).
pub(crate) fn mix(seed: u64, iteration: u64, attempt: u64) -> u64 {
    // SplitMix64 finaliser: unrelated streams for nearby (seed, iteration, attempt).
    let mut z = seed ^ iteration.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ attempt.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig::defaults(Mode::Regenerate)
    }
}
