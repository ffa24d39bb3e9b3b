//! The parameter words every world kernel reads (layout documented in `shaders/world_common.wgsl`).

use super::{SpeciesRule, WorldSize};

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

/// Row stride of the packed image in words: rows of a buffer-to-texture copy must be 256-byte
/// aligned.
pub fn row_stride(width: usize) -> usize {
    width.div_ceil(64) * 64
}

#[derive(Clone, Debug, PartialEq)]
pub struct Params(pub Vec<u32>);

impl Params {
    pub fn new(size: WorldSize, species: &[SpeciesRule], seed: u32, steps: u64, view: ViewMode) -> Self {
        let (mode, channel) = match view {
            ViewMode::Rgba => (0, 0),
            ViewMode::Alpha => (1, 3),
            ViewMode::Channel(c) => (2, c.min(15) as u32),
        };
        let mut p = vec![0u32; 16 + 4 * species.len().max(1)];
        p[0] = size.width as u32;
        p[1] = size.height as u32;
        p[2] = species.len() as u32;
        p[3] = size.wrap as u32;
        p[4] = seed;
        p[5] = steps as u32;
        p[6] = mode;
        p[7] = channel;
        p[8] = row_stride(size.width) as u32;
        for (s, r) in species.iter().enumerate() {
            let (sin, cos) = r.angle.sin_cos();
            p[16 + 4 * s] = r.fire_rate.to_bits();
            p[17 + 4 * s] = cos.to_bits();
            p[18 + 4 * s] = sin.to_bits();
        }
        Self(p)
    }
    pub fn width(&self) -> usize {
        self.0[0] as usize
    }
    pub fn height(&self) -> usize {
        self.0[1] as usize
    }
    pub fn species(&self) -> usize {
        self.0[2] as usize
    }
    pub fn wrap(&self) -> bool {
        self.0[3] != 0
    }
    pub fn fire_rate(&self, s: usize) -> f32 {
        f32::from_bits(self.0[16 + 4 * s])
    }
    pub fn cos_sin(&self, s: usize) -> (f32, f32) {
        (f32::from_bits(self.0[17 + 4 * s]), f32::from_bits(self.0[18 + 4 * s]))
    }
}
