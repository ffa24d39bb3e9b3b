//! The world kernels on host memory: the reference the WGSL kernels are tested against, and the
//! CPU backend's implementation (the game steps with it where the only GPU is a software one).
//! Same semantics as `shaders/step.wgsl` and the `world_*` kernels, same fire hash; the step is
//! the host kernel's.
//!
//! Per species: a creature (alive masking) updates the cells that fire and lie within two cells
//! of life, and keeps those alive before and after; a texture updates the cells of its territory
//! that fire, and its territory spreads to the neighbours that fire. A cell alive for one species
//! (3x3 maximum of its alpha, or of a texture's territory, over 0.1) is closed to the others;
//! walls are closed to all.

use rayon::prelude::*;

use super::params::{Params, TERRITORY};
use crate::kernels::layout::{Layer, STRIDE};
use crate::nca::fire::fires;
use crate::nca::host_kernel::{Cells, Grid, InWorld, Net, Turn, alive, step_grid};
use crate::nca::spec::ALPHA;
use crate::nca::{Border, Colour};

const S: usize = STRIDE as usize;

fn grid(p: &Params) -> Grid {
    Grid { h: p.height(), w: p.width(), border: if p.wrap() { Border::Wrap } else { Border::Zero } }
}

/// The channel that says where a species lives: alpha for a creature, territory for a texture.
fn life_channel(l: &Layer) -> usize {
    if l.spec().alive_masking { ALPHA } else { TERRITORY }
}

/// Per cell: alive for this layer (3x3 maximum of its life channel over the threshold).
fn alive_layer(x: &[f32], l: &Layer, g: Grid) -> Vec<bool> {
    let mut m = vec![false; g.cells()];
    alive(layer(x, l, g), S, life_channel(l), g, &mut m);
    m
}

fn layer<'a>(x: &'a [f32], l: &Layer, g: Grid) -> &'a [f32] {
    let base = l.base as usize * S;
    &x[base..base + g.cells() * S]
}

/// One step of every species, in place: each layer runs the host step
/// ([`step_grid`]) where it stands, closed where a wall stands or another species lived before
/// the step. No copy of the state is made (at 256x256 a layer is 4 MiB, and copies of it were
/// most of a step's time).
pub fn step(x: &mut [f32], aux: &[f32], weights: &[f32], p: &Params) {
    let g = grid(p);
    let alive_before: Vec<Vec<bool>> = p.layers.par_iter().map(|l| alive_layer(x, l, g)).collect();
    x.par_chunks_mut(g.cells() * S).zip(&p.layers).enumerate().for_each(|(s, (own, l))| {
        let spec = l.spec();
        let closed = |i: usize| aux[i * 2] != 0.0 || alive_before.iter().enumerate().any(|(t, a)| t != s && a[i]);
        let cells = Cells {
            grid: g,
            stride: S,
            world: Some(InWorld { closed: &closed, territory: TERRITORY, alive: &alive_before[s] }),
        };
        let net = Net::from_flat(spec, &weights[l.weights as usize..l.weights as usize + spec.param_count()]);
        let fire = |i: usize| fires(p.head.seed, p.head.step, l.stream, i as u32, l.fire_rate);
        step_grid(&net, own, cells, Turn { sin: l.sin, cos: l.cos }, fire, false);
    });
}

/// What an edit does, by its code: 0 erase, 1 wall on, 2 wall off, 3 + s a seed of species s,
/// 3 + MAX_SPECIES + s a graft onto species s.
pub mod op {
    pub const ERASE: u32 = 0;
    pub const WALL_ON: u32 = 1;
    pub const WALL_OFF: u32 = 2;
    pub const SEED: u32 = 3;
    pub const GRAFT: u32 = SEED + crate::world::params::MAX_SPECIES as u32;
}

/// The seed of a species' rule at a cell: a creature's hidden channels and alpha at 1, a texture's
/// territory (its state starts at zero, as in training).
fn seed_cell(l: &Layer, cell: &mut [f32]) {
    cell.fill(0.0);
    let spec = l.spec();
    if spec.alive_masking {
        cell[ALPHA..spec.channels].fill(1.0);
    } else {
        cell[TERRITORY] = 1.0;
    }
}

/// Applies (cell, op) pairs in place (`shaders/world_edit.wgsl`).
pub fn edit(x: &mut [f32], aux: &mut [f32], edits: &[u32], p: &Params) {
    let cells = p.width() * p.height();
    let at = |s: usize, cell: usize| (s * cells + cell) * S;
    for pair in edits.chunks_exact(2) {
        let (cell, code) = (pair[0] as usize, pair[1]);
        if cell >= cells {
            continue;
        }
        match code {
            op::WALL_OFF => aux[cell * 2] = 0.0,
            op::ERASE | op::WALL_ON => {
                for s in 0..p.species() {
                    x[at(s, cell)..at(s, cell) + S].fill(0.0);
                }
                aux[cell * 2 + if code == op::ERASE { 1 } else { 0 }] = 1.0;
            }
            c if c >= op::GRAFT => {
                let s = (c - op::GRAFT) as usize;
                let Some(l) = p.layers.get(s) else { continue };
                // The state of whichever other species lives here moves to species s.
                let from = (0..p.species()).find(|&t| {
                    t != s && x[at(t, cell) + life_channel(&p.layers[t])] > crate::nca::spec::ALIVE_THRESHOLD
                });
                let Some(t) = from else { continue };
                let moved: Vec<f32> = x[at(t, cell)..at(t, cell) + S].to_vec();
                x[at(t, cell)..at(t, cell) + S].fill(0.0);
                let dst = &mut x[at(s, cell)..at(s, cell) + S];
                dst.fill(0.0);
                let c = (l.channels as usize).min(p.layers[t].channels as usize);
                dst[..c].copy_from_slice(&moved[..c]);
                if !l.spec().alive_masking {
                    dst[TERRITORY] = 1.0;
                }
            }
            c => {
                let s = (c - op::SEED) as usize;
                let Some(l) = p.layers.get(s) else { continue };
                for t in 0..p.species() {
                    x[at(t, cell)..at(t, cell) + S].fill(0.0);
                }
                seed_cell(l, &mut x[at(s, cell)..at(s, cell) + S]);
            }
        }
    }
}

fn to_byte(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

fn mix3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/// A species' colour at a cell as premultiplied RGBA: a creature's first four channels, a
/// texture's first three plus 0.5 over its territory.
pub fn colour(l: &Layer, cell: &[f32]) -> [f32; 4] {
    if l.spec().colour == Colour::RgbOffset {
        let a = cell[TERRITORY].clamp(0.0, 1.0);
        let c = |k: usize| (cell[k] + 0.5).clamp(0.0, 1.0) * a;
        [c(0), c(1), c(2), a]
    } else {
        [cell[0], cell[1], cell[2], cell[3]]
    }
}

/// The display image, RGBA8 rows without padding (`shaders/world_pack.wgsl`); fades the flash.
pub fn pack(x: &[f32], aux: &mut [f32], p: &Params) -> Vec<u8> {
    let cells = p.width() * p.height();
    let (mode, chan) = (p.head.view, p.head.view_channel as usize);
    let bg = [0.97f32, 0.97, 0.95];
    let mut img = Vec::with_capacity(cells * 4);
    for i in 0..cells {
        let mut rgba = [0.0f32; 4];
        let mut ch = 0.0f32;
        for (s, l) in p.layers.iter().enumerate() {
            let base = (s * cells + i) * S;
            let c = colour(l, &x[base..base + S]);
            for k in 0..4 {
                rgba[k] += c[k];
            }
            ch += x[base + chan];
        }
        let a = rgba[3].clamp(0.0, 1.0);
        let mut col = match mode {
            0 => [0, 1, 2].map(|k| rgba[k].clamp(0.0, 1.0) + (1.0 - a) * bg[k]),
            1 => [1.0 - a; 3],
            _ => {
                let t = ch.clamp(-1.0, 1.0);
                if t >= 0.0 { mix3(bg, [0.85, 0.1, 0.1], t) } else { mix3(bg, [0.1, 0.25, 0.85], -t) }
            }
        };
        if aux[i * 2] != 0.0 {
            col = [0.28, 0.28, 0.32];
        }
        let fl = aux[i * 2 + 1];
        if p.head.snapshot != 0 {
            // A snapshot: no flash, nothing faded.
        } else if p.head.calm != 0 {
            aux[i * 2 + 1] = 0.0;
        } else if fl > 0.01 {
            col = mix3(col, [1.0, 0.35, 0.2], 0.6 * fl);
            aux[i * 2 + 1] = fl * 0.85;
        } else if fl != 0.0 {
            aux[i * 2 + 1] = 0.0;
        }
        img.extend([to_byte(col[0]), to_byte(col[1]), to_byte(col[2]), 255]);
    }
    img
}
