//! The trainer: the paper's three regimes (grow, persist, regenerate) on any autodiff backend.
//! The CLI and the lab drive the same [`Trainer`]; there is no second copy of the loop.

pub mod adam;
pub mod checkpoint;
pub mod config;
mod config_file;
pub mod focus;
pub mod grading;
pub mod group;
pub mod host_grad;
pub mod objective;
pub mod outcome;
pub mod pool;
pub mod rollout;
pub mod session;
pub mod swd;
pub mod trainer;

pub use config::{Mode, TrainConfig};
pub use trainer::{BatchView, IterReport, TrainError, Trainer};
