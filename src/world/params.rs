//! The parameter block every world kernel reads (host and WGSL alike): the world's header and one
//! [`Layer`] per species, typed once in Rust (`kernels::layout`); the world's size and its species'
//! rules, which the block is made from.

use crate::gpu_struct;
use crate::kernels::layout::Layer;
use crate::nca::Weights;

/// Most species one world holds (the parameter block has room for them, and the per-cell
/// closure test reads every layer).
use super::error::WorldError;

pub const MAX_SPECIES: usize = 8;
/// Largest side of a world.
pub const MAX_SIDE: usize = crate::limits::MAX_WORLD_SIDE;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorldSize {
    pub width: usize,
    pub height: usize,
    /// Toroidal world (the sandbox default) or zeros beyond the edge.
    pub wrap: bool,
}

impl WorldSize {
    pub fn new(width: usize, height: usize, wrap: bool) -> Result<Self, WorldError> {
        if !(8..=MAX_SIDE).contains(&width) || !(8..=MAX_SIDE).contains(&height) {
            return Err(WorldError::Size { width, height, max: MAX_SIDE });
        }
        Ok(Self { width, height, wrap })
    }
    pub fn cells(&self) -> usize {
        self.width * self.height
    }
    /// Flat index of (x, y), wrapping or clipping by the border mode.
    pub fn cell(&self, x: i64, y: i64) -> Option<u32> {
        let (w, h) = (self.width as i64, self.height as i64);
        if self.wrap {
            Some((y.rem_euclid(h) * w + x.rem_euclid(w)) as u32)
        } else if x >= 0 && y >= 0 && x < w && y < h {
            Some((y * w + x) as u32)
        } else {
            None
        }
    }
}

/// What a species does in the world besides its weights.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeciesRule {
    pub name: String,
    pub weights: Weights,
    /// Perception rotation, radians.
    pub angle: f32,
    pub fire_rate: f32,
}

/// What the display image shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ViewMode {
    /// Colour over the light background, as in the Distill demo.
    #[default]
    Rgba,
    Alpha,
    /// One state channel (0..16) as a heat map.
    Channel(usize),
}

impl ViewMode {
    fn code(self) -> (u32, u32) {
        match self {
            ViewMode::Rgba => (0, 0),
            ViewMode::Alpha => (1, 3),
            ViewMode::Channel(c) => (2, c.min(15) as u32),
        }
    }
}

/// Row stride of the packed image in words: rows of a buffer-to-texture copy must be 256-byte
/// aligned.
pub fn row_stride(width: usize) -> usize {
    width.div_ceil(64) * 64
}

gpu_struct!(
    /// The world as the kernels see it.
    WorldHeader {
        width: u32,
        height: u32,
        species: u32,
        /// 1: the edges join.
        wrap: u32,
        seed: u32,
        step: u32,
        /// 0 colour, 1 alpha, 2 one channel as a heat map.
        view: u32,
        view_channel: u32,
        /// Of the packed image, in words.
        row_stride: u32,
        /// 1: a plain picture (no wound flash, nothing faded).
        snapshot: u32,
        /// 1: no wound flash on screen (photosensitive players); a flash is cleared, not drawn.
        calm: u32,
        _pad1: u32,
    }
);

/// The channel where a species without alive masking (a texture) keeps its territory: 1 where it
/// lives. Its own channels come first; the world has room for this one more.
pub const TERRITORY: usize = crate::kernels::layout::STRIDE as usize - 1;

#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub head: WorldHeader,
    pub layers: Vec<Layer>,
}

impl Params {
    pub fn new(size: WorldSize, species: &[SpeciesRule], seed: u32, steps: u64, view: ViewMode) -> Self {
        let (view, view_channel) = view.code();
        let head = WorldHeader {
            width: size.width as u32,
            height: size.height as u32,
            species: species.len() as u32,
            wrap: size.wrap as u32,
            seed,
            step: steps as u32,
            view,
            view_channel,
            row_stride: row_stride(size.width) as u32,
            ..Default::default()
        };
        let cells = size.cells() as u32;
        let mut offset = 0u32;
        let layers = species
            .iter()
            .enumerate()
            .map(|(s, r)| {
                let l = Layer::new(&r.weights.spec, s as u32 * cells, offset, r.fire_rate, r.angle, s as u32);
                offset += r.weights.spec.param_count() as u32;
                l
            })
            .collect();
        Self { head, layers }
    }

    pub fn width(&self) -> usize {
        self.head.width as usize
    }
    pub fn height(&self) -> usize {
        self.head.height as usize
    }
    pub fn species(&self) -> usize {
        self.head.species as usize
    }
    pub fn wrap(&self) -> bool {
        self.head.wrap != 0
    }

    /// The block as the kernels read it: the header, then the layers.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = bytemuck::bytes_of(&self.head).to_vec();
        b.extend_from_slice(bytemuck::cast_slice(&self.layers));
        // A storage binding may not be empty: a world without species still binds one layer.
        if self.layers.is_empty() {
            b.extend_from_slice(bytemuck::bytes_of(&Layer::default()));
        }
        b
    }
}
