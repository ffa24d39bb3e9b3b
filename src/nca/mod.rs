//! The Growing Neural Cellular Automata model (Mordvintsev et al., Distill 2020), generic over
//! burn's [`Backend`](burn::tensor::backend::Backend). No Bevy, no I/O: the game, the trainer and
//! the CLI all drive the same functions.
//!
//! Layout: states are `[batch, height, width, 16]` (channels last), so that the per-cell network
//! is two plain matrix products over `[cells, features]`.

pub mod config;
pub mod host_kernel;
pub mod masks;
pub mod params;
pub mod perceive;
pub mod sim;
pub mod step;
pub mod wound;

pub use config::{Border, CHANNELS, FEATURES, HIDDEN, NcaConfig, PARAM_COUNT};
pub use masks::FireMasks;
pub use params::{NcaParams, ParamsError, Weights};
pub use sim::Simulation;
pub use step::{StepMode, alive_mask, nca_step};
pub use wound::Wound;
