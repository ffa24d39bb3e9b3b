//! The fixed shape of the model and the per-grid settings that change its behaviour.

use serde::{Deserialize, Serialize};

/// State channels per cell: RGB, alpha (premultiplied), 12 hidden.
pub const CHANNELS: usize = 16;
/// Perception features per cell: identity, Sobel-x and Sobel-y of every channel.
pub const FEATURES: usize = 3 * CHANNELS;
/// Width of the hidden layer of the update rule.
pub const HIDDEN: usize = 128;
/// 48*128 + 128 + 128*16 + 16.
pub const PARAM_COUNT: usize = FEATURES * HIDDEN + HIDDEN + HIDDEN * CHANNELS + CHANNELS;
/// The alpha channel.
pub const ALPHA: usize = 3;
/// A cell is alive when the 3x3 maximum of its alpha exceeds this.
pub const ALIVE_THRESHOLD: f32 = 0.1;

/// What lies beyond the edge of the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Border {
    /// Zeros outside: the paper's training setting.
    #[default]
    Zero,
    /// Toroidal world: the left edge touches the right, the top the bottom.
    Wrap,
}

impl std::str::FromStr for Border {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "zero" => Ok(Border::Zero),
            "wrap" => Ok(Border::Wrap),
            _ => Err(format!("unknown border '{s}' (expected zero or wrap)")),
        }
    }
}

/// Settings of one grid's rule that are not weights.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NcaConfig {
    /// Probability that a cell applies its update in a step.
    pub fire_rate: f32,
    /// Rotation of the perceived gradient, radians.
    pub angle: f32,
    pub border: Border,
}

impl Default for NcaConfig {
    fn default() -> Self {
        Self { fire_rate: 0.5, angle: 0.0, border: Border::Zero }
    }
}
