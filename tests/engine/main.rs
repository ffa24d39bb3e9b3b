//! The engine's tests, in one binary (each test binary costs CI a link of burn).

mod common;
mod creature_file;
mod distill;
mod gpu;
mod rules;
mod target;
mod training;
mod cli;
mod world;
mod play;
mod sandbox;
mod lab;
mod levels;
