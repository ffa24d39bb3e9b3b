//! morphogen: Growing Neural Cellular Automata as a game, visualiser and lab.

pub mod app;
pub mod backend;
pub mod bench;
pub mod creature;
pub mod distill;
pub mod eval;
pub mod fsio;
pub mod kernels;
pub mod lab;
pub mod level;
pub mod limits;
pub mod nca;
pub mod target;
pub mod train;
pub mod world;
pub mod zoo;
