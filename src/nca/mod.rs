//! Neural cellular automata, generic over burn's [`Backend`](burn::tensor::backend::Backend): the
//! growing creatures of Mordvintsev et al. (Distill 2020) and the self-organising textures of
//! Niklasson et al. (Distill 2021), each a [`ModelSpec`]. No Bevy, no I/O: the game, the trainer
//! and the CLI all drive the same functions.
//!
//! Layout: states are `[batch, height, width, channels]` (channels last), so that the per-cell
//! network is two plain matrix products over `[cells, features]`.

pub mod config;
pub mod fire;
pub mod gemm;
pub mod host_kernel;
pub mod params;
pub mod perceive;
pub mod sim;
pub mod spec;
pub mod step;
pub mod wound;

pub use config::{Border, CHANNELS, FEATURES, HIDDEN, NcaConfig, PARAM_COUNT};
pub use fire::FireMasks;
pub use params::{NcaParams, ParamsError, Weights};
pub use spec::{Colour, Filter, Filters, ModelSpec};
pub use step::{alive_mask, nca_step};
pub use wound::{Damage, Wound};
