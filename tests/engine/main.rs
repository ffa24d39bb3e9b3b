//! The engine's tests, in one binary (each test binary costs CI a link of burn).

mod cli;
mod common;
mod creature_file;
mod distill;
mod gpu;
mod lab;
mod levels;
mod play;
mod rules;
mod sandbox;
mod target;
mod texture;
mod training;
mod world;
