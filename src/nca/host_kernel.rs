//! The step on host memory: the CPU's fast path for simulation, and the pieces the host gradient
//! (`train::host_grad`) and the CPU world (`world::host`) are built from.
//!
//! Exactly the rule of [`nca_step`](super::nca_step) (tests hold the two together), but instead of
//! a graph of whole-grid tensor ops, which on the CPU spends its time allocating and streaming
//! temporaries, it computes perception only for the cells that fire (and live, under alive
//! masking), runs the network on blocks of those rows with one SGEMM per layer, and masks in
//! place. The work is split into units of (grid, block of rows) spread over every core; a unit's
//! result does not depend on which thread ran it, so a run gives the same numbers on any number
//! of cores.

use rayon::prelude::*;

use super::config::{Border, NcaConfig};
pub use super::gemm::{gemm, gemm_bias};
use super::params::Weights;
use super::spec::{ALIVE_THRESHOLD, ALPHA, Filter, MAX_CHANNELS, ModelSpec};

/// Rows of the network per unit of work: large enough for an efficient SGEMM (packing a block's
/// operands costs little beside its products), small enough to spread a batch over many cores.
/// Fixed, so that the units, and the order their partial sums are added in, do not depend on the
/// number of cores.
pub const ROWS_PER_UNIT: usize = 256;

/// The geometry of one grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    pub h: usize,
    pub w: usize,
    pub border: Border,
}

impl Grid {
    pub fn cells(&self) -> usize {
        self.h * self.w
    }

    /// Index of the neighbour (dy, dx) of (y, x), or None beyond a zero border.
    #[inline]
    pub fn neighbour(&self, y: usize, x: usize, dy: isize, dx: isize) -> Option<usize> {
        let (yy, xx) = (y as isize + dy, x as isize + dx);
        let (h, w) = (self.h as isize, self.w as isize);
        match self.border {
            Border::Zero => (yy >= 0 && xx >= 0 && yy < h && xx < w).then(|| (yy * w + xx) as usize),
            Border::Wrap => Some((yy.rem_euclid(h) * w + xx.rem_euclid(w)) as usize),
        }
    }
}

/// The perception angle as the rotation of the gradient pair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Turn {
    pub sin: f32,
    pub cos: f32,
}

impl Turn {
    pub fn new(angle: f32) -> Self {
        let (sin, cos) = angle.sin_cos();
        Self { sin, cos }
    }
}

/// Per cell of one grid whose cells are `stride` floats apart: does the 3x3 neighbourhood hold a
/// value of channel `ch` above the alive threshold?
pub fn alive(state: &[f32], stride: usize, ch: usize, grid: Grid, out: &mut [bool]) {
    let over: Vec<bool> = state.chunks_exact(stride).map(|c| c[ch] > ALIVE_THRESHOLD).collect();
    dilate(&over, grid, out);
}

/// The 3x3 "any" of a mask: along rows, then along columns. Whole rows at a time, so that the
/// inner loops are branch-free ORs the compiler vectorises (the masks are computed two or three
/// times per grid and step, in training as in the world).
fn dilate(mask: &[bool], grid: Grid, out: &mut [bool]) {
    let (h, w) = (grid.h, grid.w);
    let wrap = grid.border == Border::Wrap;
    let mut rows = vec![false; h * w];
    for (src, dst) in mask.chunks_exact(w).zip(rows.chunks_exact_mut(w)) {
        dst.copy_from_slice(src);
        dst[1..].iter_mut().zip(&src[..w - 1]).for_each(|(a, b)| *a |= *b);
        dst[..w - 1].iter_mut().zip(&src[1..]).for_each(|(a, b)| *a |= *b);
        if wrap {
            dst[0] |= src[w - 1];
            dst[w - 1] |= src[0];
        }
    }
    for y in 0..h {
        let up = if y > 0 { Some(y - 1) } else { wrap.then_some(h - 1) };
        let down = if y + 1 < h { Some(y + 1) } else { wrap.then_some(0) };
        let o = &mut out[y * w..(y + 1) * w];
        o.copy_from_slice(&rows[y * w..(y + 1) * w]);
        for r in [up, down].into_iter().flatten() {
            o.iter_mut().zip(&rows[r * w..(r + 1) * w]).for_each(|(a, b)| *a |= *b);
        }
    }
}

/// The cells within one of a cell of `alive` (a 3x3 dilation): under alive masking, the cells
/// within two of life, the only ones whose update can reach the alive masks (the paper's rule
/// updates every cell that fires; an update further out is discarded by the masks).
pub fn near(alive: &[bool], grid: Grid) -> Vec<bool> {
    let mut out = vec![false; grid.cells()];
    dilate(alive, grid, &mut out);
    out
}

/// How one grid's cells lie in memory, and what a world adds to its rule.
#[derive(Clone, Copy)]
pub struct Cells<'a> {
    pub grid: Grid,
    /// Floats from one cell's state to the next: the channels in training and simulation, the
    /// layout's `STRIDE` in a world.
    pub stride: usize,
    pub world: Option<InWorld<'a>>,
}

/// What a world adds to one species' step (the `world` word of `shaders/step.wgsl`): the cells
/// closed to it (walls, another species' life) and, for a texture, the channel of its territory,
/// which bounds where it runs and spreads only to neighbours that fire.
#[derive(Clone, Copy)]
pub struct InWorld<'a> {
    pub closed: &'a (dyn Fn(usize) -> bool + Sync),
    pub territory: usize,
    /// A creature's alive mask before the step, which the world has already taken (to close
    /// its cells to the other species): not taken twice.
    pub alive: &'a [bool],
}

impl Cells<'_> {
    /// A grid of its own, cells `channels` floats apart.
    pub fn dense(grid: Grid, channels: usize) -> Self {
        Cells { grid, stride: channels, world: None }
    }

    fn closed(&self, i: usize) -> bool {
        self.world.is_some_and(|w| (w.closed)(i))
    }

    /// Where the rule lives before a step: under alive masking the paper's 3x3 alpha test, for a
    /// texture in a world its territory, else everywhere.
    fn life_before(&self, spec: &ModelSpec, x: &[f32]) -> Vec<bool> {
        match self.world {
            Some(w) if spec.alive_masking => w.alive.to_vec(),
            _ => self.life(spec, x),
        }
    }

    /// Where the rule lives in `x` (see [`Self::life_before`]).
    fn life(&self, spec: &ModelSpec, x: &[f32]) -> Vec<bool> {
        if spec.alive_masking {
            let mut m = vec![false; self.grid.cells()];
            alive(x, self.stride, ALPHA, self.grid, &mut m);
            m
        } else if let Some(w) = self.world {
            x.chunks_exact(self.stride).map(|cell| cell[w.territory] > 0.5).collect()
        } else {
            vec![true; self.grid.cells()]
        }
    }
}

/// The 3x3 neighbourhood of (y, x): the offset of each neighbour's state, or None beyond a zero
/// border.
#[inline]
fn neighbourhood(grid: Grid, y: usize, x: usize, stride: usize) -> [Option<usize>; 9] {
    let mut nb = [None; 9];
    for (k, slot) in nb.iter_mut().enumerate() {
        *slot = grid.neighbour(y, x, k as isize / 3 - 1, k as isize % 3 - 1).map(|j| j * stride);
    }
    nb
}

/// Zeros standing in for the neighbours beyond a zero border.
const ZERO: [f32; MAX_CHANNELS] = [0.0; MAX_CHANNELS];

/// The perception features of cell (y, x) of one grid (cells `stride` floats apart, the spec's
/// channels first) into `f`: one band of `channels` features per filter, the Sobel pair turned.
pub fn perceive_cell(
    spec: &ModelSpec,
    state: &[f32],
    stride: usize,
    grid: Grid,
    (y, x): (usize, usize),
    turn: Turn,
    f: &mut [f32],
) {
    let c = spec.channels;
    let nb = neighbourhood(grid, y, x, stride);
    let at = |k: usize| -> &[f32] { nb[k].map_or(&ZERO[..c], |o| &state[o..o + c]) };
    let (nw, n, ne, we, ce, ea, sw, s, se) = (at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8));
    let mut band = 0;
    for filter in Filter::ALL {
        if !spec.filters.contains(filter) {
            continue;
        }
        match filter {
            Filter::Identity => f[band * c..(band + 1) * c].copy_from_slice(ce),
            // The pair is written together, when its first member comes up.
            Filter::SobelX => {}
            Filter::SobelY => {
                let (fx, fy) = f[(band - 1) * c..(band + 1) * c].split_at_mut(c);
                for ch in 0..c {
                    let gx = ((ne[ch] - nw[ch]) + 2.0 * (ea[ch] - we[ch]) + (se[ch] - sw[ch])) * 0.125;
                    let gy = ((sw[ch] + 2.0 * s[ch] + se[ch]) - (nw[ch] + 2.0 * n[ch] + ne[ch])) * 0.125;
                    fx[ch] = gx * turn.cos - gy * turn.sin;
                    fy[ch] = gx * turn.sin + gy * turn.cos;
                }
            }
            Filter::Laplacian => {
                for (ch, o) in f[band * c..(band + 1) * c].iter_mut().enumerate() {
                    let corners = nw[ch] + ne[ch] + sw[ch] + se[ch];
                    let edges = n[ch] + we[ch] + ea[ch] + s[ch];
                    *o = (corners + 2.0 * edges - 12.0 * ce[ch]) * 0.0625;
                }
            }
        }
        band += 1;
    }
}

/// Adds the transposed perception of cell (y, x) into `g` (the state's layout): the gradient `gf`
/// of its features flows back to the neighbours each feature read.
pub fn perceive_transpose(
    spec: &ModelSpec,
    gf: &[f32],
    stride: usize,
    grid: Grid,
    (y, x): (usize, usize),
    turn: Turn,
    g: &mut [f32],
) {
    let c = spec.channels;
    let nb = neighbourhood(grid, y, x, stride);
    let bands = spec.filters.list();
    for (band, filter) in bands.iter().enumerate() {
        let gb = &gf[band * c..(band + 1) * c];
        match filter {
            Filter::Identity => {
                let o = nb[4].expect("a cell is its own neighbour");
                (0..c).for_each(|ch| g[o + ch] += gb[ch]);
            }
            Filter::SobelX => {}
            Filter::SobelY => {
                let (kx, ky) = (Filter::SobelX.kernel(), Filter::SobelY.kernel());
                let gxr = &gf[(band - 1) * c..band * c];
                // Undo the turn once per cell, then each neighbour takes the filters' transposes.
                let (mut gx, mut gy) = ([0.0f32; MAX_CHANNELS], [0.0f32; MAX_CHANNELS]);
                for ch in 0..c {
                    let (r, s) = (gxr[ch], gb[ch]);
                    (gx[ch], gy[ch]) = (turn.cos * r + turn.sin * s, -turn.sin * r + turn.cos * s);
                }
                for (k, o) in nb.iter().enumerate() {
                    let (a, b) = (kx[k / 3][k % 3], ky[k / 3][k % 3]);
                    let Some(o) = *o else { continue };
                    if a == 0.0 && b == 0.0 {
                        continue;
                    }
                    for ch in 0..c {
                        g[o + ch] += a * gx[ch] + b * gy[ch];
                    }
                }
            }
            Filter::Laplacian => {
                let kl = filter.kernel();
                for (k, o) in nb.iter().enumerate() {
                    let Some(o) = *o else { continue };
                    let a = kl[k / 3][k % 3];
                    (0..c).for_each(|ch| g[o + ch] += a * gb[ch]);
                }
            }
        }
    }
}

/// The network of a rule, on borrowed weights (a `Weights` or one species' slice of a world's).
#[derive(Clone, Copy)]
pub struct Net<'a> {
    pub spec: ModelSpec,
    pub w1: &'a [f32],
    pub b1: &'a [f32],
    pub w2: &'a [f32],
    pub b2: &'a [f32],
}

impl<'a> Net<'a> {
    pub fn of(w: &'a Weights) -> Self {
        Net { spec: w.spec, w1: &w.w1, b1: &w.b1, w2: &w.w2, b2: &w.b2 }
    }

    /// The flat layout (w1, b1, w2, b2) of a spec.
    pub fn from_flat(spec: ModelSpec, flat: &'a [f32]) -> Self {
        let [s1, sb1, s2, _] = spec.sizes();
        let (w1, rest) = flat.split_at(s1);
        let (b1, rest) = rest.split_at(sb1);
        let (w2, b2) = rest.split_at(s2);
        Net { spec, w1, b1, w2, b2: &b2[..spec.sizes()[3]] }
    }

    /// relu(F W1 + b1) for `k` rows of features.
    pub fn hidden(&self, feats: &[f32], k: usize) -> Vec<f32> {
        let mut h = gemm_bias(feats, self.w1, self.b1, k, self.spec.features(), self.spec.hidden);
        h.iter_mut().for_each(|v| *v = v.max(0.0));
        h
    }

    /// H W2 + b2: the update of `k` rows.
    pub fn output(&self, hidden: &[f32], k: usize) -> Vec<f32> {
        gemm_bias(hidden, self.w2, self.b2, k, self.spec.hidden, self.spec.channels)
    }
}

/// The perception features of `rows` of one grid (perceived from `state`, cells `stride` floats
/// apart) and their update, `rows.len() * channels` values.
pub fn update_block(
    net: &Net,
    state: &[f32],
    stride: usize,
    grid: Grid,
    turn: Turn,
    rows: &[usize],
) -> (Vec<f32>, Vec<f32>) {
    let nf = net.spec.features();
    let mut feats = vec![0.0f32; rows.len() * nf];
    for (r, &i) in rows.iter().enumerate() {
        perceive_cell(&net.spec, state, stride, grid, (i / grid.w, i % grid.w), turn, &mut feats[r * nf..(r + 1) * nf]);
    }
    let hidden = net.hidden(&feats, rows.len());
    let dx = net.output(&hidden, rows.len());
    (feats, dx)
}

/// The blocks of `rows`, for spreading one grid's network work over the cores.
pub fn blocks(rows: &[usize]) -> Vec<&[usize]> {
    rows.chunks(ROWS_PER_UNIT).collect()
}

/// What a grid's step leaves for the backward pass: the cells whose update reached the next state
/// (they fired and, under masking, live on), their perception features, and the alive mask.
pub struct StepTrace {
    pub rows: Vec<usize>,
    pub feats: Vec<f32>,
    pub life: Option<Vec<bool>>,
}

/// One grid's step, in place on its state: the update of the cells that fire (near life, under
/// masking; in its territory, for a texture in a world) and their survival. The one host forward
/// step: simulation, training (with `trace`, which also keeps what the backward pass needs) and
/// every species of a world run it.
pub fn step_grid(
    net: &Net,
    x: &mut [f32],
    cells: Cells,
    turn: Turn,
    fire: impl Fn(usize) -> bool,
    trace: bool,
) -> Option<StepTrace> {
    let spec = net.spec;
    let (c, nf, s, grid) = (spec.channels, spec.features(), cells.stride, cells.grid);
    let pre = cells.life_before(&spec, x);
    // Under masking an update can reach life from two cells out; elsewhere a cell runs only where
    // the rule lives.
    let reach = if spec.alive_masking { near(&pre, grid) } else { pre.clone() };
    let rows: Vec<usize> = (0..grid.cells()).filter(|&i| reach[i] && fire(i)).collect();
    let state: &[f32] = x;
    let parts: Vec<(Vec<f32>, Vec<f32>)> =
        blocks(&rows).into_par_iter().map(|r| update_block(net, state, s, grid, turn, r)).collect();
    for (r, (_, d)) in blocks(&rows).iter().zip(&parts) {
        for (k, &i) in r.iter().enumerate() {
            x[i * s..i * s + c].iter_mut().zip(&d[k * c..(k + 1) * c]).for_each(|(v, dv)| *v += dv);
        }
    }
    let life = if spec.alive_masking {
        let post = cells.life(&spec, x);
        let life: Vec<bool> = (0..grid.cells()).map(|i| pre[i] && post[i] && !cells.closed(i)).collect();
        for (cell, &l) in x.chunks_exact_mut(s).zip(&life) {
            if !l {
                cell.fill(0.0);
            }
        }
        Some(life)
    } else {
        if let Some(w) = cells.world {
            let spread = near(&pre, grid);
            for (i, cell) in x.chunks_exact_mut(s).enumerate() {
                if (pre[i] || (spread[i] && fire(i))) && !cells.closed(i) {
                    cell[w.territory] = 1.0;
                } else {
                    cell.fill(0.0);
                }
            }
        }
        None
    };
    trace.then(|| {
        // Only the updates of cells that live on have a gradient.
        let lives = |i: usize| life.as_ref().is_none_or(|l| l[i]);
        let mut kept = Vec::with_capacity(rows.len());
        let mut feats = Vec::with_capacity(rows.len() * nf);
        for (r, (f, _)) in blocks(&rows).iter().zip(&parts) {
            for (k, &i) in r.iter().enumerate() {
                if lives(i) {
                    kept.push(i);
                    feats.extend_from_slice(&f[k * nf..(k + 1) * nf]);
                }
            }
        }
        StepTrace { rows: kept, feats, life }
    })
}

/// One step of `n` grids of `h` x `w` (host state, row-major `[n, h, w, channels]`), in place:
/// the grids in parallel, and each grid's blocks of rows in parallel within it.
pub fn step_host_in_place(x: &mut [f32], [n, h, w]: [usize; 3], weights: &Weights, cfg: &NcaConfig, fire: &[bool]) {
    let c = weights.spec.channels;
    let grid = Grid { h, w, border: cfg.border };
    let per = grid.cells();
    assert_eq!(x.len(), n * per * c, "state size");
    assert_eq!(fire.len(), n * per, "fire mask size");
    let (turn, net) = (Turn::new(cfg.angle), Net::of(weights));
    x.par_chunks_mut(per * c).zip(fire.par_chunks(per)).for_each(|(g, f)| {
        step_grid(&net, g, Cells::dense(grid, c), turn, |i| f[i], false);
    });
}

/// [`step_host_in_place`] on a copy.
pub fn step_host(x: &[f32], grid: [usize; 3], weights: &Weights, cfg: &NcaConfig, fire: &[bool]) -> Vec<f32> {
    let mut out = x.to_vec();
    step_host_in_place(&mut out, grid, weights, cfg, fire);
    out
}
