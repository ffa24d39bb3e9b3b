//! `morphogen play --script FILE.ron`: a timed list of actions, for tests, demos and bug reports.
//! Waits are counted in steps or frames, never in seconds, and the world's fire masks depend only
//! on its seed and step, so a script plays the same way on every machine.
//!
//! `data` is the script as read from its file; `state` what a running script holds and touches;
//! `runner` plays it, one action after another, each
//! handled by the part of the game it is about (`sandbox`, `lab`, `level`); `report` is the JSON
//! the `Report` action writes.

mod data;
mod lab;
mod level;
mod report;
mod runner;
mod sandbox;
mod state;

pub use data::{Action, LabPatch, Script};
pub use report::Report;
pub use runner::ScriptPlugin;
pub use state::Runner;
