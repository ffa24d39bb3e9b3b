//! The report card of a creature: growth, persistence and regeneration, each from seeded runs.

use burn::tensor::{Tensor, TensorData};

use crate::rule::RuleBackend;
use rand::{SeedableRng, rngs::StdRng};
use serde::Serialize;

use crate::creature::Creature;
use crate::nca::Wound;
use crate::nca::sim::rgba_mse;
use crate::nca::wound::CardWound;
use crate::simulation::Simulation;

/// A wound has healed when the state 200 steps later is this close (RGBA MSE) to the state
/// before it.
pub const REGROWN_MSE: f32 = 0.002;
pub const GROWTH_STEP: usize = 96;
pub const SETTLE_STEP: usize = 200;
pub const REGROW_STEPS: usize = 200;

#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// Square grid side; default: the creature's training grid.
    pub grid: Option<usize>,
    pub trials: usize,
    pub seed: u64,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self { grid: None, trials: 8, seed: 0 }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Drift {
    #[serde(rename = "500")]
    pub at_500: f32,
    #[serde(rename = "2000")]
    pub at_2000: f32,
}

/// [trials regrown, trials run] per wound type.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Regrowth {
    pub disc: [usize; 2],
    pub left: [usize; 2],
    pub right: [usize; 2],
    pub top: [usize; 2],
    pub bottom: [usize; 2],
    pub square: [usize; 2],
}

impl Regrowth {
    /// The wounds of the report card, in its order.
    pub fn entries(&self) -> [(CardWound, [usize; 2]); 6] {
        let r = [self.disc, self.left, self.right, self.top, self.bottom, self.square];
        std::array::from_fn(|k| (CardWound::ALL[k], r[k]))
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    pub growth_mse: Option<f32>,
    pub alive_cells_at_200: usize,
    pub drift: Drift,
    pub regrowth: Regrowth,
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len().max(1) as f32
}

/// A creature's report card. Errors: the GPU failed while it ran (its figures would mean nothing).
pub fn evaluate<B: RuleBackend>(c: &Creature, opts: &EvalOptions, device: &B::Device) -> Result<Report, String> {
    let [gh, gw] = c.meta.grid;
    let (h, w) = opts.grid.map(|g| (g, g)).unwrap_or((gh, gw));
    let n = opts.trials.max(1);
    let mut sim = Simulation::<B>::from_seed(&c.weights, c.meta.rule, [n, h, w], opts.seed, device);

    sim.run(GROWTH_STEP);
    let growth_mse = c.target.as_ref().map(|t| {
        let target = Tensor::<B, 4>::from_data(TensorData::new(t.fit(h, w), [1, h, w, 4]), device);
        let d = sim.state().narrow(3, 0, 4) - target;
        let per: Vec<f32> = crate::nca::sim::to_host(&(d.clone() * d).reshape([n as i32, -1]).mean_dim(1));
        mean(&per)
    });
    sim.run(SETTLE_STEP - GROWTH_STEP);
    let settled = sim.state();
    let alive = sim.alive_counts();
    let alive_cells_at_200 = (alive.iter().sum::<usize>() as f32 / n as f32).round() as usize;
    sim.run(500 - SETTLE_STEP);
    let at_500 = mean(&rgba_mse(&sim.state(), &settled));
    sim.run(2000 - 500);
    let at_2000 = mean(&rgba_mse(&sim.state(), &settled));

    let mut rng = StdRng::seed_from_u64(opts.seed ^ 0x005E_ED0F_D15C);
    let trial = |k: u64, wounds: Vec<Wound>| -> [usize; 2] {
        let keep: Vec<f32> = wounds.iter().flat_map(|wd| wd.keep_mask(h, w)).collect();
        let mut s = Simulation::from_state(&c.weights, c.meta.rule, settled.clone(), opts.seed.wrapping_add(1000 + k));
        s.apply_keep_mask(keep);
        s.run(REGROW_STEPS);
        let err = rgba_mse(&s.state(), &settled);
        [err.iter().filter(|&&e| e < REGROWN_MSE).count(), n]
    };
    let r: Vec<[usize; 2]> = (CardWound::ALL.iter().enumerate())
        .map(|(k, card)| {
            let wounds = (0..n).map(|_| card.deal(&mut rng)).collect();
            trial(k as u64 + 1, wounds)
        })
        .collect();
    let regrowth = Regrowth { disc: r[0], left: r[1], right: r[2], top: r[3], bottom: r[4], square: r[5] };
    device_ok::<B>(device)?;
    Ok(Report { growth_mse, alive_cells_at_200, drift: Drift { at_500, at_2000 }, regrowth })
}

/// Whether the device ran everything asked of it (always, but on a GPU that reported an error).
fn device_ok<B: RuleBackend>(device: &B::Device) -> Result<(), String> {
    B::fault(device).map_or(Ok(()), |e| Err(format!("the evaluation failed on the GPU: {e}")))
}

/// The report card of a texture: how close it comes to its example, whether it holds there, and
/// how fast it heals. Losses are the texture loss (`train::swd`) with fixed directions, averaged
/// over the trials.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TextureReport {
    /// After growing from zeros for `TEXTURE_GROW` steps.
    pub loss_grown: f32,
    /// `TEXTURE_HOLD` steps later, with no training: a texture that holds stays near `loss_grown`.
    pub loss_held: f32,
    /// Steps after a wound (a disc of a quarter of the world's side, cleared) until every trial's
    /// loss is back within 1.5x of its unwounded loss; None if not within `TEXTURE_HEAL_MAX`.
    pub heal_steps: Option<usize>,
}

pub const TEXTURE_GROW: usize = 200;
pub const TEXTURE_HOLD: usize = 500;
pub const TEXTURE_HEAL_MAX: usize = 500;

/// The loss of each grid of a texture simulation against the example.
pub fn texture_losses<B: RuleBackend>(
    sim: &Simulation<B>,
    example: &crate::train::swd::Example,
    seed: u64,
) -> Vec<f32> {
    use crate::train::swd::{Image, SwdOptions, loss};
    let [n, h, w, c] = sim.dims();
    let x = sim.host_state();
    let opts = SwdOptions { levels: 4, patch: 5, projections: 64 };
    (0..n)
        .map(|b| {
            let rgb = x[b * h * w * c..(b + 1) * h * w * c]
                .chunks_exact(c)
                .flat_map(|v| [v[0] + 0.5, v[1] + 0.5, v[2] + 0.5]);
            loss(&Image::new(w, h, rgb.collect(), true), example, &opts, seed).0
        })
        .collect()
}

pub fn evaluate_texture<B: RuleBackend>(
    c: &Creature,
    opts: &EvalOptions,
    device: &B::Device,
) -> Result<TextureReport, String> {
    use crate::train::swd::{Example, Image};
    let t = c.target.as_ref().ok_or("a texture creature needs its example image to be evaluated")?;
    let example = Example::new(Image::new(t.width, t.height, t.rgb(), false), 4);
    let [gh, gw] = c.meta.grid;
    let (h, w) = opts.grid.map(|g| (g, g)).unwrap_or((gh, gw));
    let n = opts.trials.max(1);
    let mut sim = Simulation::<B>::from_seed(&c.weights, c.meta.rule, [n, h, w], opts.seed, device);
    let seed = opts.seed ^ 0x7E87;
    sim.run(TEXTURE_GROW);
    let grown = texture_losses(&sim, &example, seed);
    sim.run(TEXTURE_HOLD);
    let held = texture_losses(&sim, &example, seed);
    let wound = Wound::Disc { cx: 0.0, cy: 0.0, r: 0.25 };
    sim.apply_keep_mask((0..n).flat_map(|_| wound.keep_mask(h, w)).collect());
    let mut heal_steps = None;
    for k in (10..=TEXTURE_HEAL_MAX).step_by(10) {
        sim.run(10);
        let now = texture_losses(&sim, &example, seed);
        if now.iter().zip(&held).all(|(a, b)| *a <= 1.5 * b) {
            heal_steps = Some(k);
            break;
        }
    }
    device_ok::<B>(device)?;
    Ok(TextureReport { loss_grown: mean(&grown), loss_held: mean(&held), heal_steps })
}
