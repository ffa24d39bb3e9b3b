//! The whole step fused into one pass over host memory: the CPU fast path for simulation.
//!
//! Exactly the rule of [`nca_step`](super::nca_step) (tests hold the two together), but instead of
//! a graph of whole-grid tensor ops, which on the CPU spends its time allocating and streaming
//! temporaries, it computes perception only for cells that fire and are alive, runs the network on
//! those rows with one threaded SGEMM per layer, and masks in place. No autodiff: training keeps
//! the burn path.

use super::config::{ALIVE_THRESHOLD, ALPHA, Border, CHANNELS, FEATURES, HIDDEN, NcaConfig};
use super::params::Weights;

/// Index of the neighbour (dy, dx) of (y, x), or None outside a zero border.
#[inline]
pub(crate) fn neighbour(y: usize, x: usize, dy: isize, dx: isize, h: usize, w: usize, border: Border) -> Option<usize> {
    let (yy, xx) = (y as isize + dy, x as isize + dx);
    match border {
        Border::Zero => {
            (yy >= 0 && xx >= 0 && yy < h as isize && xx < w as isize).then(|| yy as usize * w + xx as usize)
        }
        Border::Wrap => Some(yy.rem_euclid(h as isize) as usize * w + xx.rem_euclid(w as isize) as usize),
    }
}

/// Per cell of one grid: does the 3x3 neighbourhood hold an alpha above the threshold?
pub(crate) fn alive(grid: &[f32], h: usize, w: usize, border: Border, out: &mut [bool]) {
    // Separable maximum: along rows, then along columns.
    let alpha: Vec<f32> = grid.chunks_exact(CHANNELS).map(|c| c[ALPHA]).collect();
    let mut rowmax = vec![0.0f32; h * w];
    for y in 0..h {
        for x in 0..w {
            let mut m = alpha[y * w + x];
            for dx in [-1, 1] {
                if let Some(j) = neighbour(y, x, 0, dx, h, w, border) {
                    m = m.max(alpha[j]);
                }
            }
            rowmax[y * w + x] = m;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut m = rowmax[y * w + x];
            for dy in [-1, 1] {
                if let Some(j) = neighbour(y, x, dy, 0, h, w, border) {
                    m = m.max(rowmax[j]);
                }
            }
            out[y * w + x] = m > ALIVE_THRESHOLD;
        }
    }
}

/// The 48 perception features of cell (y, x) of one grid into `f`.
pub(crate) fn perceive_cell(grid: &[f32], y: usize, x: usize, h: usize, w: usize, cfg: &NcaConfig, f: &mut [f32]) {
    const ZERO: [f32; CHANNELS] = [0.0; CHANNELS];
    let at = |dy: isize, dx: isize| -> &[f32] {
        match neighbour(y, x, dy, dx, h, w, cfg.border) {
            Some(j) => &grid[j * CHANNELS..(j + 1) * CHANNELS],
            None => &ZERO,
        }
    };
    let (nw, n, ne) = (at(-1, -1), at(-1, 0), at(-1, 1));
    let (wst, c, e) = (at(0, -1), at(0, 0), at(0, 1));
    let (sw, s, se) = (at(1, -1), at(1, 0), at(1, 1));
    let (sin, cos) = cfg.angle.sin_cos();
    for k in 0..CHANNELS {
        let gx = ((ne[k] - nw[k]) + 2.0 * (e[k] - wst[k]) + (se[k] - sw[k])) * 0.125;
        let gy = ((sw[k] + 2.0 * s[k] + se[k]) - (nw[k] + 2.0 * n[k] + ne[k])) * 0.125;
        f[k] = c[k];
        if cfg.angle == 0.0 {
            f[CHANNELS + k] = gx;
            f[2 * CHANNELS + k] = gy;
        } else {
            f[CHANNELS + k] = gx * cos - gy * sin;
            f[2 * CHANNELS + k] = gx * sin + gy * cos;
        }
    }
}

/// C[m, n] = A[m, k] B[k, n] + beta C, with A and B given by their row and column strides (so a
/// transpose costs nothing).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    beta: f32,
    c: &mut [f32],
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(c.len() >= m * n);
    assert!(k == 0 || (a.len() > (m - 1) * rsa + (k - 1) * csa && b.len() > (k - 1) * rsb + (n - 1) * csb));
    // SAFETY: the asserts above keep every index the strides reach inside the slices.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// C[m, n] = A[m, k] B[k, n] + bias (row-major, contiguous).
pub(crate) fn gemm_bias(a: &[f32], b: &[f32], bias: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    let mut c: Vec<f32> = Vec::with_capacity(m * n);
    for _ in 0..m {
        c.extend_from_slice(bias);
    }
    // SAFETY: the slices hold m*k, k*n and m*n values, matching the strides given.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            n as isize,
            1,
            1.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
    c
}

/// One step of `n` grids of `h` x `w` (host state, row-major `[n, h, w, 16]`).
pub fn step_host(x: &[f32], [n, h, w]: [usize; 3], weights: &Weights, cfg: &NcaConfig, fire: &[bool]) -> Vec<f32> {
    let cells = n * h * w;
    assert_eq!(x.len(), cells * CHANNELS, "state size");
    assert_eq!(fire.len(), cells, "fire mask size");
    let per = h * w;
    let mut pre = vec![false; cells];
    for b in 0..n {
        alive(&x[b * per * CHANNELS..(b + 1) * per * CHANNELS], h, w, cfg.border, &mut pre[b * per..(b + 1) * per]);
    }
    let rows: Vec<usize> = (0..cells).filter(|&i| fire[i] && pre[i]).collect();
    let mut out = x.to_vec();
    // Blocks of rows keep the hidden activations (ROWS x 128) in cache on big grids.
    const ROWS: usize = 4096;
    let mut feats = vec![0.0f32; ROWS.min(rows.len()) * FEATURES];
    for block in rows.chunks(ROWS) {
        for (r, &i) in block.iter().enumerate() {
            let (b, j) = (i / per, i % per);
            let grid = &x[b * per * CHANNELS..(b + 1) * per * CHANNELS];
            perceive_cell(grid, j / w, j % w, h, w, cfg, &mut feats[r * FEATURES..(r + 1) * FEATURES]);
        }
        let k = block.len();
        let mut hidden = gemm_bias(&feats[..k * FEATURES], &weights.w1, &weights.b1, k, FEATURES, HIDDEN);
        hidden.iter_mut().for_each(|v| *v = v.max(0.0));
        let dx = gemm_bias(&hidden, &weights.w2, &weights.b2, k, HIDDEN, CHANNELS);
        for (r, &i) in block.iter().enumerate() {
            let cell = &mut out[i * CHANNELS..(i + 1) * CHANNELS];
            cell.iter_mut().zip(&dx[r * CHANNELS..(r + 1) * CHANNELS]).for_each(|(v, d)| *v += d);
        }
    }
    let mut post = vec![false; cells];
    for b in 0..n {
        alive(&out[b * per * CHANNELS..(b + 1) * per * CHANNELS], h, w, cfg.border, &mut post[b * per..(b + 1) * per]);
    }
    for i in 0..cells {
        if !(pre[i] && post[i]) {
            out[i * CHANNELS..(i + 1) * CHANNELS].fill(0.0);
        }
    }
    out
}
