//! The per-grid settings that change a rule's behaviour (the model's shape is `spec`), and the
//! paper's model's sizes, for the code that deals only in it (the Distill import, tests).

use serde::{Deserialize, Serialize};

use super::spec::ModelSpec;
pub use super::spec::{ALIVE_THRESHOLD, ALPHA};

/// State channels of the paper's model ([`ModelSpec::GROWING`]): RGB, alpha (premultiplied), 12 hidden.
pub const CHANNELS: usize = ModelSpec::GROWING.channels;
/// Its perception features: identity, Sobel-x and Sobel-y of every channel.
pub const FEATURES: usize = 3 * CHANNELS;
/// Its hidden width.
pub const HIDDEN: usize = ModelSpec::GROWING.hidden;
/// 48*128 + 128 + 128*16 + 16.
pub const PARAM_COUNT: usize = FEATURES * HIDDEN + HIDDEN + HIDDEN * CHANNELS + CHANNELS;

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
