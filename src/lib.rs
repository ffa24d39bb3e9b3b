//! morphogen: Growing Neural Cellular Automata as a game, visualiser and lab.

// `!(x <= limit)` is how a value from a file is refused when it is over the limit *or* NaN; the
// `partial_cmp` form clippy suggests is longer and easier to get wrong.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod app;
pub mod backend;
pub mod bench;
pub mod creature;
pub mod distill;
pub mod eval;
pub mod fsio;
pub mod gpu_device;
pub mod kernels;
pub mod lab;
pub mod lanes;
pub mod level;
pub mod limits;
pub mod nca;
pub mod rule;
pub mod rule_file;
pub mod shipped;
pub mod simulation;
pub mod strip;
pub mod target;
pub mod thumbnail;
pub mod train;
pub mod world;
pub mod zoo;
