//! A training config as a file says it: any field, the rest from its mode's defaults.

use serde::Deserialize;

use super::config::{LrStep, Mode, TrainConfig};
use super::focus::Focus;
use crate::nca::{Border, Damage, ModelSpec};
use crate::target::TargetOptions;

/// What a file says: any field, the rest from its mode's defaults. `lr_after` and `lr_drop_at`
/// are the one-drop schedule of earlier versions, still read from old checkpoints.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Partial {
    mode: Option<Mode>,
    model: Option<ModelSpec>,
    iterations: Option<u64>,
    batch: Option<usize>,
    pool_size: Option<usize>,
    min_steps: Option<usize>,
    max_steps: Option<usize>,
    lr: Option<f32>,
    lr_schedule: Option<Vec<LrStep>>,
    lr_after: Option<f32>,
    lr_drop_at: Option<u64>,
    beta1: Option<f32>,
    beta2: Option<f32>,
    adam_eps: Option<f32>,
    grad_norm_eps: Option<f32>,
    damage_n: Option<usize>,
    damage: Option<Damage>,
    fire_rate: Option<f32>,
    angle: Option<f32>,
    border: Option<Border>,
    target: Option<TargetOptions>,
    grid: Option<usize>,
    reset_every: Option<u64>,
    overflow_weight: Option<f32>,
    swd_levels: Option<usize>,
    swd_patch: Option<usize>,
    swd_projections: Option<usize>,
    seed: Option<u64>,
    checkpoint_every: Option<u64>,
    grade_every: Option<u64>,
    focus: Option<Focus>,
    pool_resets: Option<Vec<u64>>,
}

impl<'de> Deserialize<'de> for TrainConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Partial::deserialize(d).map(Self::from)
    }
}

impl From<Partial> for TrainConfig {
    fn from(p: Partial) -> Self {
        let d = TrainConfig::defaults(p.mode.unwrap_or_default());
        let legacy = (p.lr_after.is_some() || p.lr_drop_at.is_some()).then(|| {
            let first = d.lr_schedule.first().copied().unwrap_or(LrStep { at: 2000, lr: 2e-4 });
            vec![LrStep { at: p.lr_drop_at.unwrap_or(first.at), lr: p.lr_after.unwrap_or(first.lr) }]
        });
        TrainConfig {
            mode: d.mode,
            model: p.model.or(d.model),
            iterations: p.iterations.unwrap_or(d.iterations),
            batch: p.batch.unwrap_or(d.batch),
            pool_size: p.pool_size.unwrap_or(d.pool_size),
            min_steps: p.min_steps.unwrap_or(d.min_steps),
            max_steps: p.max_steps.unwrap_or(d.max_steps),
            lr: p.lr.unwrap_or(d.lr),
            lr_schedule: p.lr_schedule.or(legacy).unwrap_or(d.lr_schedule),
            beta1: p.beta1.unwrap_or(d.beta1),
            beta2: p.beta2.unwrap_or(d.beta2),
            adam_eps: p.adam_eps.unwrap_or(d.adam_eps),
            grad_norm_eps: p.grad_norm_eps.unwrap_or(d.grad_norm_eps),
            damage_n: p.damage_n.unwrap_or(d.damage_n),
            damage: p.damage.unwrap_or(d.damage),
            fire_rate: p.fire_rate.unwrap_or(d.fire_rate),
            angle: p.angle.unwrap_or(d.angle),
            border: p.border.unwrap_or(d.border),
            target: p.target.unwrap_or(d.target),
            grid: p.grid.unwrap_or(d.grid),
            reset_every: p.reset_every.unwrap_or(d.reset_every),
            overflow_weight: p.overflow_weight.unwrap_or(d.overflow_weight),
            swd_levels: p.swd_levels.unwrap_or(d.swd_levels),
            swd_patch: p.swd_patch.unwrap_or(d.swd_patch),
            swd_projections: p.swd_projections.unwrap_or(d.swd_projections),
            seed: p.seed.unwrap_or(d.seed),
            checkpoint_every: p.checkpoint_every.unwrap_or(d.checkpoint_every),
            grade_every: p.grade_every.unwrap_or(d.grade_every),
            focus: p.focus.or(d.focus),
            pool_resets: p.pool_resets.unwrap_or(d.pool_resets),
        }
    }
}
