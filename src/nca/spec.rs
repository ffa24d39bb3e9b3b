//! The shape of a model: how many channels a cell has, what it perceives of its neighbourhood,
//! how wide the network is, and what the alive mask does. One spec travels in every creature
//! file and every checkpoint, and every implementation of the step reads it: the host kernel,
//! the host gradient, burn's tensor path and the WGSL kernels. The paper's growing creature is
//! [`ModelSpec::GROWING`]; the self-organising texture of Niklasson et al. (Distill 2021) is
//! [`ModelSpec::TEXTURE`].

use serde::{Deserialize, Serialize};

/// Most state channels a cell may have: the world stores this many floats per cell and species,
/// and the WGSL kernels size their per-cell arrays by it.
pub const MAX_CHANNELS: usize = 16;
/// Widest hidden layer the kernels accept.
pub const MAX_HIDDEN: usize = 128;
/// The alpha channel of a masked (growing) model.
pub const ALPHA: usize = 3;
/// A cell is alive when the 3x3 maximum of its alpha exceeds this.
pub const ALIVE_THRESHOLD: f32 = 0.1;

/// A 3x3 perception filter, applied to every channel (cross-correlation, x to the right, y = row
/// index downward).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// The cell's own value.
    Identity,
    /// Sobel in x, divided by 8.
    SobelX,
    /// Sobel in y, divided by 8.
    SobelY,
    /// The 9-point Laplacian `[[1, 2, 1], [2, -12, 2], [1, 2, 1]]`, divided by 16 (as the texture
    /// notebooks do, so that its responses are on the Sobel filters' scale).
    Laplacian,
}

impl Filter {
    /// Every filter, in the one order perception bands are laid out in.
    pub const ALL: [Filter; 4] = [Filter::Identity, Filter::SobelX, Filter::SobelY, Filter::Laplacian];

    /// The kernel, `k[dy + 1][dx + 1]` weighting the neighbour at (dy, dx).
    pub fn kernel(self) -> [[f32; 3]; 3] {
        match self {
            Filter::Identity => [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]],
            Filter::SobelX => [[-0.125, 0.0, 0.125], [-0.25, 0.0, 0.25], [-0.125, 0.0, 0.125]],
            Filter::SobelY => [[-0.125, -0.25, -0.125], [0.0, 0.0, 0.0], [0.125, 0.25, 0.125]],
            Filter::Laplacian => [[0.0625, 0.125, 0.0625], [0.125, -0.75, 0.125], [0.0625, 0.125, 0.0625]],
        }
    }

    pub fn bit(self) -> u32 {
        1 << Filter::ALL.iter().position(|&f| f == self).expect("listed")
    }
}

/// A set of filters; perception lays out one band of `channels` features per filter, in the
/// order of [`Filter::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Filters(u32);

impl Filters {
    pub fn of(list: &[Filter]) -> Self {
        Filters(list.iter().fold(0, |m, f| m | f.bit()))
    }
    pub fn contains(self, f: Filter) -> bool {
        self.0 & f.bit() != 0
    }
    pub fn count(self) -> usize {
        self.0.count_ones() as usize
    }
    /// The filters, in band order.
    pub fn list(self) -> Vec<Filter> {
        Filter::ALL.into_iter().filter(|&f| self.contains(f)).collect()
    }
    /// The band of a filter (its features start at `band * channels`).
    pub fn band(self, f: Filter) -> Option<usize> {
        self.contains(f).then(|| (self.0 & (f.bit() - 1)).count_ones() as usize)
    }
    /// The bit set, as the WGSL kernels read it (bit i: `Filter::ALL[i]`).
    pub fn bits(self) -> u32 {
        self.0
    }
    pub fn from_bits(bits: u32) -> Self {
        Filters(bits & 0b1111)
    }
}

impl Serialize for Filters {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.list().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Filters {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<Filter>::deserialize(d)?;
        let set = Filters::of(&list);
        if set.list() != list {
            return Err(serde::de::Error::custom(
                "filters must be listed once each, in the order identity, sobel_x, sobel_y, laplacian",
            ));
        }
        Ok(set)
    }
}

/// How a cell's state is shown as a colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// Channels 0..4 are premultiplied RGBA (the growing creature).
    #[default]
    Rgba,
    /// Channels 0..3 plus 0.5 are RGB, fully opaque (the texture creature).
    RgbOffset,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// State channels per cell.
    pub channels: usize,
    pub filters: Filters,
    /// Width of the hidden layer (ReLU).
    pub hidden: usize,
    /// Whether the last layer has a bias.
    pub out_bias: bool,
    /// The paper's alive masking: a cell lives only while the 3x3 maximum of its alpha exceeds
    /// 0.1, before and after the update. Without it every cell updates (textures).
    pub alive_masking: bool,
    pub colour: Colour,
}

impl ModelSpec {
    /// The paper's creature: 16 channels (premultiplied RGBA + 12 hidden), identity and Sobel
    /// perception (48 features), 128 hidden, 16 outputs with bias, alive masking.
    pub const GROWING: ModelSpec = ModelSpec {
        channels: 16,
        filters: Filters(0b0111),
        hidden: 128,
        out_bias: true,
        alive_masking: true,
        colour: Colour::Rgba,
    };

    /// The texture creature (Niklasson et al. 2021): 12 channels, identity, Sobel and Laplacian
    /// perception (48 features), 96 hidden, 12 outputs without bias, no masking, colour = the
    /// first three channels + 0.5.
    pub const TEXTURE: ModelSpec = ModelSpec {
        channels: 12,
        filters: Filters(0b1111),
        hidden: 96,
        out_bias: false,
        alive_masking: false,
        colour: Colour::RgbOffset,
    };

    pub fn features(&self) -> usize {
        self.channels * self.filters.count()
    }

    /// Sizes of w1, b1, w2, b2 in the flat (file) order.
    pub fn sizes(&self) -> [usize; 4] {
        let (f, h, c) = (self.features(), self.hidden, self.channels);
        [f * h, h, h * c, if self.out_bias { c } else { 0 }]
    }

    /// Shapes of w1, b1, w2, b2 (`[rows, columns]`, row-major).
    pub fn shapes(&self) -> [(&'static str, [usize; 2]); 4] {
        let (f, h, c) = (self.features(), self.hidden, self.channels);
        [("w1", [f, h]), ("b1", [1, h]), ("w2", [h, c]), ("b2", [1, if self.out_bias { c } else { 0 }])]
    }

    pub fn param_count(&self) -> usize {
        self.sizes().iter().sum()
    }

    /// Whether the perception's gradient pair is turned by a rotation angle (both Sobel filters).
    pub fn rotates(&self) -> bool {
        self.filters.contains(Filter::SobelX) && self.filters.contains(Filter::SobelY)
    }

    /// A spec every implementation can run: sizes within the kernels' limits, the identity band,
    /// the Sobel filters as a pair, and an alpha channel when cells are masked by it.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_CHANNELS).contains(&self.channels) {
            return Err(format!("channels must be 1..={MAX_CHANNELS}, not {}", self.channels));
        }
        if !(1..=MAX_HIDDEN).contains(&self.hidden) {
            return Err(format!("hidden must be 1..={MAX_HIDDEN}, not {}", self.hidden));
        }
        if !self.channels.is_multiple_of(4) || !self.hidden.is_multiple_of(4) {
            return Err(format!(
                "channels ({}) and hidden ({}) must be multiples of 4 (the GPU kernels read weights four at a time)",
                self.channels, self.hidden
            ));
        }
        if !self.filters.contains(Filter::Identity) {
            return Err("filters must include identity".into());
        }
        if self.filters.contains(Filter::SobelX) != self.filters.contains(Filter::SobelY) {
            return Err("sobel_x and sobel_y come as a pair".into());
        }
        if (self.alive_masking || self.colour == Colour::Rgba) && self.channels <= ALPHA {
            return Err("a model with alive masking or RGBA colour needs at least 4 channels".into());
        }
        if self.colour == Colour::RgbOffset && self.channels < 3 {
            return Err("an RGB model needs at least 3 channels".into());
        }
        Ok(())
    }
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec::GROWING
    }
}
