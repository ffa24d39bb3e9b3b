//! One training run: the pool, the rollout, the loss, the update, and the rollback when a step
//! goes non-finite.

use burn::tensor::{ElementConversion, Tensor, TensorData, backend::AutodiffBackend};

use crate::rule::{RuleBackend, TrainBackend};
use rand::{Rng, RngCore, SeedableRng, rngs::StdRng};

use super::adam::{self, AdamHyper, AdamState};
use super::checkpoint::{Checkpoint, Pool};
use super::config::{Mode, TrainConfig, mix};
use super::objective::Objective;
use super::outcome::MAX_ROLLBACKS;
pub use super::outcome::{BatchView, IterReport, TrainError};
use super::pool::StatePool;
use super::rollout::{Outcome, Rollout};
use crate::creature::{Creature, CreatureMeta};
use crate::nca::sim::{seed_state, state_tensor};
use crate::nca::{FireMasks, NcaConfig, NcaParams, Weights};
use crate::target::Target;

type Inner<B> = <B as AutodiffBackend>::InnerBackend;

/// One iteration's draw before its rollout: batch (states, pool indices, wounded), steps, fire
/// masks, the texture loss's seed.
pub struct Drawn<B: TrainBackend> {
    pub x0: Tensor<Inner<B>, 4>,
    idx: Vec<usize>,
    wounded: Vec<bool>,
    pub steps: usize,
    pub fire: FireMasks,
    loss_seed: u64,
}

/// What is needed to go back after a non-finite step: small, kept in memory.
#[derive(Clone)]
struct GoodState {
    iteration: u64,
    weights: Vec<f32>,
    m: Vec<f32>,
    v: Vec<f32>,
    t: u64,
}

pub struct Trainer<B: TrainBackend> {
    pub cfg: TrainConfig,
    pub name: String,
    pub target: Target,
    pub iteration: u64,
    /// Loss of every completed iteration.
    pub history: Vec<f32>,
    /// Seconds spent in iterations so far (every session of this training).
    pub train_secs: f64,
    /// Where it trains, as the creature file will say ("CPU (16 threads)", a GPU's name).
    pub trained_on: String,
    /// Set when it met the zoo's bar at a grading and its training finished there.
    pub graded_at: Option<u64>,
    /// The report card's wounds the last grading missed: with a focus (`train::focus`), the
    /// wounds dealt more often until the next grading. None: not graded yet.
    pub missed: Option<Vec<crate::nca::wound::CardWound>>,
    /// Keep a host copy of each batch before/after (costs a read-back per iteration).
    pub keep_batch_view: bool,
    pub last_batch: Option<BatchView>,
    device: B::Device,
    /// The target as a tensor `[1, h, w, 4]` (creatures: the pool's samples are ranked by it).
    pub(super) target_t: Tensor<Inner<B>, 4>,
    pub(super) objective: Objective,
    pub(super) params: NcaParams<Inner<B>>,
    adam: AdamState<Inner<B>>,
    pool: Option<StatePool<Inner<B>>>,
    good: GoodState,
    /// Rollbacks since the last good snapshot.
    rollbacks_in_a_row: u32,
    attempt: u64,
}

impl<B: TrainBackend> Trainer<B> {
    pub fn new(name: &str, cfg: TrainConfig, target: Target, device: B::Device) -> Result<Self, TrainError> {
        cfg.validate().map_err(TrainError::Config)?;
        let weights = cfg.initial_weights();
        let params = weights.to_device::<Inner<B>>(&device);
        let adam = AdamState::new(&params);
        let [h, w] = Objective::grid(&cfg, &target);
        let pool = (cfg.mode != Mode::Grow).then(|| StatePool::seeds(&cfg.spec(), [cfg.pool_size, h, w], &device));
        let target_t =
            Tensor::from_data(TensorData::new(target.rgba.clone(), [1, target.height, target.width, 4]), &device);
        let objective = Objective::new(&cfg, &target);
        let flat = weights.flatten();
        let zeros = vec![0.0; flat.len()];
        Ok(Self {
            good: GoodState { iteration: 0, weights: flat, m: zeros.clone(), v: zeros, t: 0 },
            cfg,
            name: name.to_string(),
            target,
            iteration: 0,
            history: Vec::new(),
            train_secs: 0.0,
            trained_on: String::new(),
            graded_at: None,
            missed: None,
            keep_batch_view: false,
            last_batch: None,
            device,
            target_t,
            objective,
            params,
            adam,
            pool,
            rollbacks_in_a_row: 0,
            attempt: 0,
        })
    }

    /// Fills the pool with copies of the given host states (`k` grids of the target's size), in
    /// turn: a pool of grown creatures without growing a thousand of them (benchmarks, tests).
    pub fn fill_pool(&mut self, states: &[f32], k: usize) -> Result<(), String> {
        let [h, w] = self.dims();
        let c = self.cfg.spec().channels;
        let per = h * w * c;
        if self.pool.is_none() || k == 0 || states.len() != k * per {
            return Err(format!("fill_pool: {} values for {k} states of {h}x{w}x{c}, or no pool", states.len()));
        }
        let n = self.cfg.pool_size;
        let data: Vec<f32> = (0..n).flat_map(|i| states[(i % k) * per..(i % k + 1) * per].iter().copied()).collect();
        self.pool = Some(StatePool::new(data, [n, h, w, c], &self.device));
        Ok(())
    }

    pub fn device(&self) -> B::Device {
        self.device.clone()
    }

    pub fn rule(&self) -> NcaConfig {
        NcaConfig { fire_rate: self.cfg.fire_rate, angle: self.cfg.angle, border: self.cfg.border }
    }

    pub fn weights(&self) -> Weights {
        self.params.to_weights()
    }

    /// Replaces the weights (the lab's tests and tools poke them; resuming uses it too).
    pub fn set_weights(&mut self, w: &Weights) {
        self.params = w.to_device(&self.device);
    }

    pub fn done(&self) -> bool {
        self.iteration >= self.cfg.iterations
    }

    /// The side of the training's grids: the target's, or a texture's world.
    pub fn dims(&self) -> [usize; 2] {
        Objective::grid(&self.cfg, &self.target)
    }

    fn per_sample_loss(&self, x: &Tensor<Inner<B>, 4>) -> Vec<f32> {
        crate::nca::sim::rgba_mse(x, &self.target_t)
    }

    /// Draws the batch for this iteration: (states, pool indices, wounded flags).
    fn draw_batch(&self, rng: &mut StdRng) -> (Tensor<Inner<B>, 4>, Vec<usize>, Vec<bool>) {
        let [h, w] = self.dims();
        let n = self.cfg.batch;
        let spec = self.cfg.spec();
        let c = spec.channels;
        let seeds = |k: usize| state_tensor::<Inner<B>>(seed_state(&spec, k, h, w), [k, h, w, c], &self.device);
        let Some(pool) = &self.pool else {
            return (seeds(n), vec![], vec![false; n]);
        };
        let mut idx: Vec<usize> = rand::seq::index::sample(rng, self.cfg.pool_size, n).into_vec();
        if self.cfg.mode == Mode::Texture {
            // The notebooks' regime: random samples, one of them back to the seed now and then.
            let mut x = pool.select(&idx);
            if self.iteration.is_multiple_of(self.cfg.reset_every) {
                x = x.slice_assign([0..1, 0..h, 0..w, 0..c], seeds(1));
            }
            return (x, idx, vec![false; n]);
        }
        // Worst first: the worst is reseeded, the best are wounded (the paper's order).
        let losses = self.per_sample_loss(&pool.select(&idx));
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| losses[b].total_cmp(&losses[a]));
        idx = order.iter().map(|&i| idx[i]).collect();
        let mut x = pool.select(&idx);
        x = x.slice_assign([0..1, 0..h, 0..w, 0..c], seeds(1));
        let mut wounded = vec![false; n];
        if self.cfg.mode == Mode::Regenerate && self.cfg.damage_n > 0 {
            let mut keep = vec![1.0f32; n * h * w];
            let missed = self.missed.as_deref().unwrap_or_default();
            for b in n - self.cfg.damage_n..n {
                let focused = self.cfg.focus.and_then(|f| f.draw(self.iteration, missed, rng));
                let mask = focused.unwrap_or_else(|| self.cfg.damage.draw(rng)).keep_mask(h, w);
                keep[b * h * w..(b + 1) * h * w].copy_from_slice(&mask);
                wounded[b] = true;
            }
            x = x * Tensor::<Inner<B>, 4>::from_data(TensorData::new(keep, [n, h, w, 1]), &self.device);
        }
        (x, idx, wounded)
    }

    /// Runs one training iteration. On a non-finite loss, gradient or state, goes back to the last
    /// good snapshot and says so in the report; gives up after several failures in a row.
    pub fn iterate(&mut self) -> Result<IterReport, TrainError> {
        let d = self.draw();
        let out = Inner::<B>::rollout(&self.rollout(&d), &d.x0).map_err(TrainError::Device)?;
        self.finish(d, out)
    }

    /// This iteration's batch and randomness, from the seed, iteration and attempt alone: the same
    /// alone or beside other creatures (`train::group`).
    pub fn draw(&self) -> Drawn<B> {
        let mut rng = StdRng::seed_from_u64(mix(self.cfg.seed, self.iteration, self.attempt));
        let (x0, idx, wounded) = self.draw_batch(&mut rng);
        let steps = rng.random_range(self.cfg.min_steps..=self.cfg.max_steps);
        let fire = FireMasks::new(rng.next_u64(), self.cfg.fire_rate);
        Drawn { x0, idx, wounded, steps, fire, loss_seed: rng.next_u64() }
    }

    /// The rollout of a drawn iteration.
    pub fn rollout<'a>(&'a self, d: &Drawn<B>) -> Rollout<'a, Inner<B>> {
        Rollout {
            params: &self.params,
            rule: self.rule(),
            fire: d.fire,
            steps: d.steps,
            objective: &self.objective,
            target: &self.target,
            target_t: &self.target_t,
            loss_seed: d.loss_seed,
        }
    }

    /// Completes a drawn iteration with its rollout's outcome: the update, the pool, the checks.
    pub fn finish(&mut self, d: Drawn<B>, (loss_v, grads, xf): Outcome<Inner<B>>) -> Result<IterReport, TrainError> {
        let (i, steps) = (self.iteration, d.steps);
        let [h, w] = self.dims();
        let n = self.cfg.batch;
        let Drawn { x0, idx, wounded, .. } = d;
        let eps = self.cfg.grad_norm_eps;
        let gn = grads.map(|t| adam::normalise(t, eps));
        let lr = self.cfg.lr_at(i);
        let hyper = AdamHyper { lr, beta1: self.cfg.beta1, beta2: self.cfg.beta2, eps: self.cfg.adam_eps };
        let mut adam_next = self.adam.clone();
        let next = adam::step(self.params.clone(), gn, &mut adam_next, &hyper);

        let state_max: f32 = xf.clone().abs().max().into_scalar().elem();
        let next_weights = next.to_weights();
        // After the read-backs above, every command of this iteration has reached the device: an
        // error on it (out of memory) makes the figures meaningless, and is no divergence.
        if let Some(e) = Inner::<B>::fault(&self.device) {
            return Err(TrainError::Device(e));
        }
        if !loss_v.is_finite() || !state_max.is_finite() || next_weights.validate().is_err() {
            return self.roll_back(i);
        }
        if self.keep_batch_view {
            let spec = self.cfg.spec();
            let rgba = |t: &Tensor<Inner<B>, 4>| crate::nca::sim::rgba_view(&spec, &crate::rule::host_copy(t));
            self.last_batch = Some(BatchView { dims: [n, h, w], before: rgba(&x0), after: rgba(&xf), wounded });
        }
        if let Some(pool) = &mut self.pool {
            pool.write(&idx, xf);
            if self.cfg.pool_resets.contains(&(i + 1)) {
                *pool = StatePool::seeds(&self.cfg.spec(), [self.cfg.pool_size, h, w], &self.device);
            }
        }
        self.params = next;
        self.adam = adam_next;
        self.iteration += 1;
        self.history.push(loss_v);
        if self.iteration.is_multiple_of(self.cfg.checkpoint_every) {
            self.remember_good(next_weights.flatten());
        }
        Ok(IterReport { iteration: self.iteration, loss: loss_v, lr, steps, rolled_back: None })
    }

    fn remember_good(&mut self, weights: Vec<f32>) {
        // Failures count from the last good snapshot: a run that keeps blowing up a few
        // iterations after it is rolled back must end, not loop.
        self.rollbacks_in_a_row = 0;
        self.good = GoodState {
            iteration: self.iteration,
            weights,
            m: self.adam.m.to_weights().flatten(),
            v: self.adam.v.to_weights().flatten(),
            t: self.adam.t,
        };
    }

    fn roll_back(&mut self, failed: u64) -> Result<IterReport, TrainError> {
        self.rollbacks_in_a_row += 1;
        if self.rollbacks_in_a_row >= MAX_ROLLBACKS {
            return Err(TrainError::Diverged { iteration: failed });
        }
        // A fresh draw of randomness for the redone iterations, so the same failure is not replayed.
        self.attempt += 1;
        let g = self.good.clone();
        let spec = self.cfg.spec();
        let load =
            |v: &[f32]| Weights::unflatten(spec, v).expect("snapshot has the right size").to_device(&self.device);
        self.params = load(&g.weights);
        self.adam = AdamState { m: load(&g.m), v: load(&g.v), t: g.t };
        self.iteration = g.iteration;
        self.history.truncate(g.iteration as usize);
        Ok(IterReport {
            iteration: self.iteration,
            loss: f32::NAN,
            lr: self.cfg.lr_at(failed),
            steps: 0,
            rolled_back: Some((failed, g.iteration)),
        })
    }

    /// Mean loss of the last few iterations: the figure a creature file reports.
    pub fn recent_loss(&self) -> Option<f32> {
        let k = self.history.len().min(20);
        (k > 0).then(|| self.history[self.history.len() - k..].iter().sum::<f32>() / k as f32)
    }

    pub fn checkpoint(&mut self) -> Checkpoint {
        let weights = self.params.to_weights().flatten();
        self.remember_good(weights.clone());
        Checkpoint {
            name: self.name.clone(),
            config: self.cfg.clone(),
            iteration: self.iteration,
            history: self.history.clone(),
            train_secs: self.train_secs,
            target: self.target.clone(),
            weights,
            adam_m: self.good.m.clone(),
            adam_v: self.good.v.clone(),
            adam_t: self.adam.t,
            pool: self.pool.as_ref().map(|p| {
                let [n, h, w, _] = p.dims();
                Pool { dims: [n, h, w], data: p.to_host() }
            }),
            missed: self.missed.clone(),
        }
    }

    pub fn resume(ck: Checkpoint, device: B::Device) -> Result<Self, TrainError> {
        let mut t = Self::new(&ck.name, ck.config.clone(), ck.target.clone(), device)?;
        let bad = |m: &str| TrainError::Config(format!("checkpoint: {m}"));
        let spec = t.cfg.spec();
        let load = |v: &[f32]| Weights::unflatten(spec, v).map_err(|e| bad(&e.to_string()));
        let weights = load(&ck.weights)?;
        weights.validate().map_err(|e| bad(&e.to_string()))?;
        t.params = weights.to_device(&t.device);
        t.adam = AdamState {
            m: load(&ck.adam_m)?.to_device(&t.device),
            v: load(&ck.adam_v)?.to_device(&t.device),
            t: ck.adam_t,
        };
        t.iteration = ck.iteration;
        t.history = ck.history;
        t.train_secs = ck.train_secs;
        t.missed = ck.missed;
        t.pool = StatePool::resume(ck.pool, &t.cfg, t.iteration, t.dims(), &t.device).map_err(|e| bad(&e))?;
        t.good = GoodState { iteration: t.iteration, weights: ck.weights, m: ck.adam_m, v: ck.adam_v, t: ck.adam_t };
        Ok(t)
    }

    /// The trained creature, with its target and training record.
    pub fn creature(&self) -> Creature {
        let mut meta = CreatureMeta::new(
            &self.name,
            self.cfg.spec(),
            self.cfg.mode.into(),
            "trained by morphogen",
            self.rule(),
            self.dims(),
        );
        meta.iterations = self.iteration;
        meta.final_loss = self.recent_loss();
        meta.train_secs = Some(self.train_secs);
        meta.trained_on = (!self.trained_on.is_empty()).then(|| self.trained_on.clone());
        meta.train_config = Some(self.cfg.clone());
        meta.graded_at = self.graded_at;
        meta.target_options = Some(self.cfg.target);
        Creature { meta, weights: self.weights(), target: Some(self.target.clone()) }
    }
}
