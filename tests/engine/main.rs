//! The engine's tests, in one binary (each test binary costs CI a link of burn).

mod anywhere;
mod bounds;
mod carry;
mod cli;
mod common;
mod creature_file;
mod distill;
mod focus;
mod fused;
mod gpu;
mod held_out;
mod hostile;
mod kernel_times;
mod lab;
mod layers;
mod levels;
mod memcap;
mod mutate;
mod play;
mod play_levels;
mod rules;
mod sandbox;
mod shaders;
mod target;
mod texture;
mod training;
mod tune;
mod web;
mod world;

#[global_allocator]
static ALLOC: memcap::Capped = memcap::Capped;
