//! The sandbox world: one grid shared by several species, each with its own layer of state and
//! its own rule. No Bevy here; generic over the burn backend through [`RuleBackend`], whose wgpu
//! implementation runs the WGSL kernels in `shaders/` and whose CPU one runs on host memory.
//!
//! Semantics (both implementations): per species, the paper's step (perceive, rule, fire mask,
//! alive before and after); a cell alive for one species (3x3 alpha maximum over 0.1) is closed to
//! the others, and walls are closed to all. Edits (wounds, seeds, walls) are lists of cells.

pub mod brush;
pub mod census;
pub mod error;
pub mod frame;
pub mod gpu;
pub mod host;
pub mod params;

use burn::tensor::{Tensor, TensorData};

pub use brush::Shape;
pub use census::{Census, Figures};
pub use error::{RuleProblem, WorldError};
pub use frame::{Frame, FrameBuffer};
pub use params::{MAX_SIDE, MAX_SPECIES, Params, SpeciesRule, ViewMode, WorldSize};

use crate::kernels::layout::STRIDE;
use crate::nca::Weights;
use crate::rule::RuleBackend;

/// Floats per cell and species in the world's state (`host_state` is `[species, H, W, STATE_STRIDE]`).
pub const STATE_STRIDE: usize = STRIDE as usize;
const S: usize = STATE_STRIDE;

/// What an edit does to a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditOp {
    /// Wound: every species' state there is cleared (and the cell flashes).
    Erase,
    WallOn,
    WallOff,
    /// A seed of this species (a creature's hidden channels and alpha at 1, a texture's
    /// territory), the other species cleared.
    Seed(usize),
    /// The living cell takes this species' rule and keeps its state: it moves from the layer of
    /// the species that lives there to this one's.
    Graft(usize),
}

impl EditOp {
    pub fn code(self) -> u32 {
        use host::op;
        match self {
            EditOp::Erase => op::ERASE,
            EditOp::WallOn => op::WALL_ON,
            EditOp::WallOff => op::WALL_OFF,
            EditOp::Seed(s) => op::SEED + s as u32,
            EditOp::Graft(s) => op::GRAFT + s as u32,
        }
    }
    fn species(self) -> Option<usize> {
        match self {
            EditOp::Seed(s) | EditOp::Graft(s) => Some(s),
            _ => None,
        }
    }
}

pub struct World<B: RuleBackend> {
    size: WorldSize,
    species: Vec<SpeciesRule>,
    /// `[S, H, W, 16]`, flat: each species' channels first (a texture's territory in the last).
    state: Tensor<B, 1>,
    /// `[H, W, 2]`, flat: wall flag, wound flash.
    aux: Tensor<B, 1>,
    /// Every species' rule, one after the other, each in the creature file's order (w1, b1, w2,
    /// b2 of its spec).
    weights: Tensor<B, 1>,
    steps: u64,
    seed: u32,
    device: B::Device,
    /// No wound flash on screen (photosensitive players).
    pub calm: bool,
    /// The device's largest storage buffer binding, when known: every species' layers share one
    /// binding, and a dispatch over a larger one fails without a word on some drivers.
    buffer_limit: Option<u64>,
}

impl<B: RuleBackend> World<B> {
    pub fn new(size: WorldSize, seed: u32, device: &B::Device) -> Self {
        Self {
            size,
            species: Vec::new(),
            state: Tensor::zeros([0], device),
            aux: Tensor::zeros([size.cells() * 2], device),
            weights: Tensor::zeros([0], device),
            steps: 0,
            seed,
            device: device.clone(),
            calm: false,
            buffer_limit: None,
        }
    }

    pub fn size(&self) -> WorldSize {
        self.size
    }
    pub fn steps(&self) -> u64 {
        self.steps
    }
    pub fn species(&self) -> &[SpeciesRule] {
        &self.species
    }
    pub fn device(&self) -> &B::Device {
        &self.device
    }

    /// Adds a species with an empty layer; returns its index.
    pub fn add_species(&mut self, rule: SpeciesRule) -> Result<usize, WorldError> {
        if self.species.len() >= MAX_SPECIES {
            return Err(WorldError::Full { max: MAX_SPECIES });
        }
        let refused = |problem| WorldError::Rule { name: rule.name.clone(), problem };
        rule.weights.validate().map_err(|e| refused(RuleProblem::Weights(e.to_string())))?;
        if !(0.0..=1.0).contains(&rule.fire_rate) || !rule.angle.is_finite() {
            return Err(refused(RuleProblem::FireOrAngle { fire_rate: rule.fire_rate, angle: rule.angle }));
        }
        check_texture(&rule.name, &rule.weights)?;
        let layer_bytes = (self.size.cells() * S * 4) as u64;
        if let Some(limit) = self.buffer_limit {
            let need = layer_bytes * (self.species.len() as u64 + 1);
            if need > limit {
                let (width, height) = (self.size.width, self.size.height);
                let species = self.species.len() + 1;
                return Err(WorldError::OverBuffer { name: rule.name.clone(), species, width, height, need, limit });
            }
        }
        let layer = Tensor::zeros([self.size.cells() * S], &self.device);
        self.state = Tensor::cat(vec![self.state.clone(), layer], 0);
        self.species.push(rule);
        self.upload_rules();
        Ok(self.species.len() - 1)
    }

    fn upload_rules(&mut self) {
        let flat: Vec<f32> = self.species.iter().flat_map(|r| r.weights.flatten()).collect();
        let n = flat.len();
        self.weights = Tensor::from_data(TensorData::new(flat, [n]), &self.device);
    }

    /// Gives species `s` another rule ("swap rule"): its cells keep their state and obey `weights`
    /// from the next step on.
    pub fn set_rule(&mut self, s: usize, name: &str, weights: &Weights) -> Result<(), WorldError> {
        let problem = RuleProblem::Weights;
        weights.validate().map_err(|e| WorldError::Rule { name: name.into(), problem: problem(e.to_string()) })?;
        check_texture(name, weights)?;
        let r = self.species.get_mut(s).ok_or(WorldError::NoSuchSpecies(s))?;
        r.weights = weights.clone();
        r.name = name.to_string();
        self.upload_rules();
        Ok(())
    }

    /// Tells the world the device's largest storage buffer binding (see `add_species`).
    pub fn set_buffer_limit(&mut self, bytes: u64) {
        self.buffer_limit = Some(bytes);
    }

    /// Index of the species with this name, if any.
    pub fn find_species(&self, name: &str) -> Option<usize> {
        self.species.iter().position(|s| s.name == name)
    }

    pub fn set_angle(&mut self, s: usize, angle: f32) {
        // Kept within one turn: the kernels take the sine and cosine of an f32, which lose all
        // precision far from zero. A non-finite angle leaves the rule as it was.
        if let Some(r) = self.species.get_mut(s)
            && angle.is_finite()
        {
            use std::f32::consts::{PI, TAU};
            r.angle = if angle.abs() <= PI { angle } else { (angle + PI).rem_euclid(TAU) - PI };
        }
    }
    pub fn set_fire_rate(&mut self, s: usize, rate: f32) {
        if let Some(r) = self.species.get_mut(s)
            && !rate.is_nan()
        {
            r.fire_rate = rate.clamp(0.0, 1.0);
        }
    }

    pub fn params(&self, view: ViewMode) -> Params {
        let mut p = Params::new(self.size, &self.species, self.seed, self.steps, view);
        p.head.calm = self.calm as u32;
        p
    }

    /// One step of every species.
    pub fn step(&mut self) {
        if !self.species.is_empty() {
            let p = self.params(ViewMode::Rgba);
            self.state = B::world_step(taken(&mut self.state), &self.aux, &self.weights, &p);
        }
        self.steps += 1;
    }

    /// Applies edits; later edits of a cell win.
    pub fn edit(&mut self, edits: &[(u32, EditOp)]) {
        let cells = self.size.cells() as u32;
        let mut list = Vec::with_capacity(edits.len() * 2);
        for &(cell, op) in edits {
            if cell < cells && op.species().is_none_or(|s| s < self.species.len()) {
                list.extend([cell, op.code()]);
            }
        }
        if list.is_empty() {
            return;
        }
        let p = self.params(ViewMode::Rgba);
        let (state, aux) = B::world_edit(taken(&mut self.state), taken(&mut self.aux), &list, &p);
        self.state = state;
        self.aux = aux;
    }

    /// Clears every species and wall.
    pub fn clear(&mut self) {
        self.state = Tensor::zeros([self.size.cells() * S * self.species.len()], &self.device);
        self.aux = Tensor::zeros([self.size.cells() * 2], &self.device);
    }

    /// The display image; fades the wound flash by one frame.
    pub fn pack(&mut self, view: ViewMode) -> Frame<B> {
        let p = self.params(view);
        let (aux, frame) = B::world_pack(self.state.clone(), taken(&mut self.aux), &p);
        self.aux = aux;
        frame
    }

    /// RGBA8 rows of the display image on the host (captures and tests; not the display path).
    /// The wound flash is left out and left as it is.
    pub fn snapshot(&mut self, view: ViewMode) -> Vec<u8> {
        let mut p = self.params(view);
        p.head.snapshot = 1;
        let (aux, frame) = B::world_pack(self.state.clone(), taken(&mut self.aux), &p);
        self.aux = aux;
        frame.to_host(self.size)
    }

    /// Waits for the queued steps by reading back one value (benchmarks; reading the whole state
    /// would time the copy instead of the kernels).
    pub fn sync(&self) {
        if self.state.dims()[0] > 0 {
            let _ = crate::nca::sim::to_host(&self.state.clone().narrow(0, 0, 1));
        }
    }

    /// Host copy of the state, `[S, H, W, 16]`.
    pub fn host_state(&self) -> Vec<f32> {
        crate::rule::host_copy(&self.state)
    }
    /// Host copy of `[H, W, 2]` (wall, flash).
    pub fn host_aux(&self) -> Vec<f32> {
        crate::rule::host_copy(&self.aux)
    }

    /// Cells alive per species: a creature's own alpha over 0.1, a texture's territory.
    pub fn alive_cells(&self) -> Vec<usize> {
        let x = self.host_state();
        (0..self.species.len()).map(|s| self.alive_mask(&x, s).iter().filter(|&&a| a).count()).collect()
    }

    /// Where species `s` lives in a host state (`[S, H, W, 16]`): a creature's cells whose own
    /// alpha exceeds 0.1, a texture's territory.
    pub fn alive_mask(&self, x: &[f32], s: usize) -> Vec<bool> {
        let cells = self.size.cells();
        let ch = if self.species[s].weights.spec.alive_masking { crate::nca::spec::ALPHA } else { params::TERRITORY };
        (0..cells).map(|i| x[(s * cells + i) * S + ch] > crate::nca::spec::ALIVE_THRESHOLD).collect()
    }

    /// Replaces the whole state (tests, levels); `host` is `[S, H, W, 16]`.
    pub fn set_state(&mut self, host: Vec<f32>) -> Result<(), WorldError> {
        let want = self.species.len() * self.size.cells() * S;
        if host.len() != want {
            return Err(WorldError::StateLength { got: host.len(), want });
        }
        self.state = Tensor::from_data(TensorData::new(host, [want]), &self.device);
        Ok(())
    }
}

/// A texture needs a channel of the world's for its territory.
fn check_texture(name: &str, weights: &Weights) -> Result<(), WorldError> {
    if !weights.spec.alive_masking && weights.spec.channels >= S {
        let problem = RuleProblem::TextureChannels { max: S - 1 };
        return Err(WorldError::Rule { name: name.into(), problem });
    }
    Ok(())
}

/// The tensor, handed over to a kernel. On the host (an empty one left in its place) the kernel
/// then updates the array in place instead of copying it; on the GPU a clone is a handle, and an
/// empty placeholder would be one more allocation every step.
fn taken<B: RuleBackend>(t: &mut Tensor<B, 1>) -> Tensor<B, 1> {
    if !B::HOST {
        return t.clone();
    }
    let device = t.device();
    std::mem::replace(t, Tensor::zeros([0], &device))
}
