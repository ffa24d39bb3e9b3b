//! A training batch as the GPU kernels see it: its grids, creatures and rollout, the parameter
//! block of each step, the columns of the backward pass's row buffer, and whether its buffers fit
//! the device. `kernels::fused` runs it.

use crate::kernels::layout::{Layer, STRIDE};
use crate::kernels::step::StepHeader;
use crate::kernels::train_kernels::{TILE, TrainHeader};
use crate::nca::{FireMasks, ModelSpec, NcaConfig};

/// Features per cell in the feature-gradient buffer: four filters of `STRIDE` channels (`MAX_F`
/// in `shaders/common.wgsl`).
pub(crate) const MAX_F: usize = crate::kernels::layout::MAX_F as usize;
/// Tiles of one slot of the weight-gradient products (at most `MAX_SLICE_TILES` in
/// `shaders/train_wgrad.wgsl`): only the cells that ran have rows, a few dozen per tile of 64 on a
/// grown creature and fewer from the seed, so a slice of this many tiles gives each workgroup a
/// few hundred rows or more. Each slot is added to at every step, so fewer of them is less memory
/// traffic: 32 tiles trained 1.33x faster from the seed than 8 on lavapipe (still 21 slices, 84
/// workgroups per product, for a batch of 8 at 72x72).
pub(crate) const SLICE_TILES: usize = 32;
/// Rows of a tile's block in the backward pass's row buffer: one per cell.
pub(crate) const TILE_ROWS: usize = (TILE * TILE) as usize;

/// A batch of samples of one or more creatures of one spec, all on grids of one size.
#[derive(Clone, Debug)]
pub struct Batch {
    pub spec: ModelSpec,
    /// Creatures, and samples of each (sample s belongs to creature s / per_creature).
    pub creatures: usize,
    pub per_creature: usize,
    pub height: usize,
    pub width: usize,
    pub rule: NcaConfig,
    pub fire: FireMasks,
    /// Steps of the rollout.
    pub steps: usize,
    /// Per creature, when they differ from the batch's: its fire masks (seed and rate) and its
    /// steps (at most `steps`; it holds still after them). Creature k alone would draw the same.
    pub each: Option<Vec<(FireMasks, usize)>>,
}

impl Batch {
    pub(crate) fn samples(&self) -> usize {
        self.creatures * self.per_creature
    }
    pub(crate) fn cells(&self) -> usize {
        self.height * self.width
    }
    /// Columns of the backward pass's row buffer: [features, 1, pad | hidden, 1, pad | gradient
    /// of hidden | gradient of update].
    pub(crate) fn columns(&self) -> (usize, usize, usize, usize) {
        let s = self.spec;
        let h_col = s.features() + 4;
        let gh_col = h_col + s.hidden + 4;
        let gd_col = gh_col + s.hidden;
        (h_col, gh_col, gd_col, gd_col + s.channels)
    }

    pub(crate) fn header(&self, step: usize) -> TrainHeader {
        let (h_col, gh_col, gd_col, row_width) = self.columns();
        // The grid and the step as the forward kernels see them.
        let s = self.step_header(step);
        TrainHeader {
            width: s.width,
            height: s.height,
            wrap: s.wrap,
            step: s.step,
            samples: s.layers,
            row_width: row_width as u32,
            h_col: h_col as u32,
            gh_col: gh_col as u32,
            gd_col: gd_col as u32,
            per_creature: self.per_creature as u32,
            tiles_x: self.tiles()[1] as u32,
            tiles_y: self.tiles()[0] as u32,
            ..Default::default()
        }
    }

    /// Tiles down and across a grid.
    pub(crate) fn tiles(&self) -> [usize; 2] {
        let t = TILE as usize;
        [self.height.div_ceil(t), self.width.div_ceil(t)]
    }

    /// Tiles of each creature's samples.
    pub(crate) fn tiles_per_creature(&self) -> usize {
        let [ty, tx] = self.tiles();
        self.per_creature * ty * tx
    }

    /// Slices of each creature's tiles in the weight-gradient products.
    pub(crate) fn slices(&self) -> usize {
        self.tiles_per_creature().div_ceil(SLICE_TILES)
    }

    /// Rows of the backward pass's row buffer: a block per tile.
    pub(crate) fn rows(&self) -> usize {
        self.creatures * self.tiles_per_creature() * TILE_ROWS
    }

    /// A layer per sample: its cells, its creature's rule, fire mask and rollout.
    pub(crate) fn layers(&self) -> Vec<Layer> {
        let p = self.spec.param_count();
        (0..self.samples())
            .map(|s| {
                let k = s / self.per_creature;
                let (fire, steps) = self.each.as_ref().map_or((self.fire, self.steps), |e| e[k]);
                let l = Layer::new(
                    &self.spec,
                    (s * self.cells()) as u32,
                    (k * p) as u32,
                    fire.rate,
                    self.rule.angle,
                    (s % self.per_creature) as u32,
                );
                Layer { seed: fire.seed, steps: steps as u32, ..l }
            })
            .collect()
    }

    /// The parameter block of step `step` of the backward kernels: the header, then the layers.
    pub(crate) fn params(&self, step: usize) -> Vec<u8> {
        let mut bytes = bytemuck::bytes_of(&self.header(step)).to_vec();
        bytes.extend_from_slice(bytemuck::cast_slice(&self.layers()));
        bytes
    }

    /// The step kernels' header of step `step` (`kernels::step`; their layers are [`Self::layers`]).
    pub(crate) fn step_header(&self, step: usize) -> StepHeader {
        StepHeader {
            width: self.width as u32,
            height: self.height as u32,
            wrap: (self.rule.border == crate::nca::Border::Wrap) as u32,
            step: step as u32,
            layers: self.samples() as u32,
            world: 0,
            ..Default::default()
        }
    }

    /// Refuses what the kernels cannot run.
    pub fn check(&self) -> Result<(), String> {
        self.spec.validate()?;
        if self.samples() == 0 || self.cells() == 0 || self.steps == 0 {
            return Err("fused rollout: empty batch, grid or rollout".into());
        }
        if let Some(e) = &self.each
            && (e.len() != self.creatures || e.iter().any(|&(_, t)| t > self.steps))
        {
            return Err("fused rollout: per-creature fire masks and steps do not match the batch".into());
        }
        if self.samples() > 65_535 {
            return Err(format!("fused rollout: {} samples, at most 65,535 per dispatch", self.samples()));
        }
        Ok(())
    }
}

/// Refuses, before anything is allocated, a batch whose largest buffer (the backward pass's rows,
/// or one step's states) is over what the device binds in one buffer: wgpu would fail on its own
/// thread, and the training would see garbage.
pub(crate) fn fits(b: &Batch, max_buffer: u64) -> Result<(), String> {
    let cells = (b.samples() * b.cells()) as u64;
    let (.., row_width) = b.columns();
    let rows = (b.rows() * row_width * 4) as u64;
    let states = cells * STRIDE as u64 * 4;
    let total = states * (b.steps as u64 + 3) + rows + cells * (4 * b.steps as u64 + MAX_F as u64 * 4 + 8);
    let mib = |v: u64| v as f64 / (1 << 20) as f64;
    if rows.max(states) > max_buffer {
        return Err(format!(
            "out of GPU memory: the rollout of {} samples of {}x{} needs a buffer of {:.0} MiB ({:.0} MiB in all) and this GPU binds at most {:.0} MiB in one; train fewer creatures at once, a smaller batch or a smaller grid",
            b.samples(),
            b.height,
            b.width,
            mib(rows.max(states)),
            mib(total),
            mib(max_buffer)
        ));
    }
    Ok(())
}
