//! The world kernels on host memory: the reference the WGSL kernels are tested against, and the
//! CPU backend's implementation. Same passes, same order, same fire hash.

use super::fire::fires;
use super::params::Params;
use crate::nca::config::{ALIVE_THRESHOLD, ALPHA, CHANNELS, FEATURES, HIDDEN, PARAM_COUNT};
use crate::nca::host_kernel::gemm_bias;

struct Grid {
    w: i64,
    h: i64,
    wrap: bool,
}

impl Grid {
    fn of(p: &Params) -> Self {
        Self { w: p.width() as i64, h: p.height() as i64, wrap: p.wrap() }
    }
    fn at(&self, y: i64, x: i64) -> Option<usize> {
        if self.wrap {
            Some((y.rem_euclid(self.h) * self.w + x.rem_euclid(self.w)) as usize)
        } else if y >= 0 && x >= 0 && y < self.h && x < self.w {
            Some((y * self.w + x) as usize)
        } else {
            None
        }
    }
    /// Maximum alpha of layer `l` of `x` in the (2r+1)^2 box around `cell`.
    fn max_alpha(&self, x: &[f32], layer: usize, cell: usize, r: i64) -> f32 {
        let (y, xx) = (cell as i64 / self.w, cell as i64 % self.w);
        let mut m = 0.0f32;
        for dy in -r..=r {
            for dx in -r..=r {
                if let Some(c) = self.at(y + dy, xx + dx) {
                    m = m.max(x[(layer + c) * CHANNELS + ALPHA]);
                }
            }
        }
        m
    }
}

/// One step of every species (pass A then pass B of `shaders/world_update.wgsl` and `world_mask.wgsl`).
pub fn step(x: &[f32], aux: &[f32], weights: &[f32], p: &Params) -> Vec<f32> {
    let g = Grid::of(p);
    let cells = (g.w * g.h) as usize;
    let species = p.species();
    let mut tmp = x.to_vec();
    for s in 0..species {
        let layer = s * cells;
        let rows: Vec<usize> = (0..cells)
            .filter(|&c| {
                fires(p.0[4], p.0[5], s as u32, c as u32, p.fire_rate(s))
                    && g.max_alpha(x, layer, c, 2) > ALIVE_THRESHOLD
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let (cos, sin) = p.cos_sin(s);
        let mut feats = vec![0.0f32; rows.len() * FEATURES];
        for (r, &c) in rows.iter().enumerate() {
            let f = &mut feats[r * FEATURES..(r + 1) * FEATURES];
            let (y, xx) = (c as i64 / g.w, c as i64 % g.w);
            let nb: Vec<Option<usize>> = (0..9).map(|k| g.at(y + k / 3 - 1, xx + k % 3 - 1)).collect();
            for ch in 0..CHANNELS {
                let v: Vec<f32> = nb.iter().map(|n| n.map_or(0.0, |n| x[(layer + n) * CHANNELS + ch])).collect();
                let gx = ((v[2] - v[0]) + 2.0 * (v[5] - v[3]) + (v[8] - v[6])) * 0.125;
                let gy = ((v[6] + 2.0 * v[7] + v[8]) - (v[0] + 2.0 * v[1] + v[2])) * 0.125;
                f[ch] = v[4];
                f[CHANNELS + ch] = gx * cos - gy * sin;
                f[2 * CHANNELS + ch] = gx * sin + gy * cos;
            }
        }
        let w = &weights[s * PARAM_COUNT..(s + 1) * PARAM_COUNT];
        let (w1, rest) = w.split_at(FEATURES * HIDDEN);
        let (b1, rest) = rest.split_at(HIDDEN);
        let (w2, b2) = rest.split_at(HIDDEN * CHANNELS);
        let mut hidden = gemm_bias(&feats, w1, b1, rows.len(), FEATURES, HIDDEN);
        hidden.iter_mut().for_each(|v| *v = v.max(0.0));
        let dx = gemm_bias(&hidden, w2, b2, rows.len(), HIDDEN, CHANNELS);
        for (r, &c) in rows.iter().enumerate() {
            let base = (layer + c) * CHANNELS;
            for ch in 0..CHANNELS {
                tmp[base + ch] = x[base + ch] + dx[r * CHANNELS + ch];
            }
        }
    }
    let mut out = vec![0.0f32; x.len()];
    for s in 0..species {
        let layer = s * cells;
        for c in 0..cells {
            let mut keep = aux[c * 2] == 0.0
                && g.max_alpha(x, layer, c, 1) > ALIVE_THRESHOLD
                && g.max_alpha(&tmp, layer, c, 1) > ALIVE_THRESHOLD;
            for t in 0..species {
                if keep && t != s && g.max_alpha(x, t * cells, c, 1) > ALIVE_THRESHOLD {
                    keep = false;
                }
            }
            if keep {
                let base = (layer + c) * CHANNELS;
                out[base..base + CHANNELS].copy_from_slice(&tmp[base..base + CHANNELS]);
            }
        }
    }
    out
}

/// Applies (cell, op) pairs in place (`shaders/world_edit.wgsl`).
pub fn edit(x: &mut [f32], aux: &mut [f32], edits: &[u32], p: &Params) {
    let cells = p.width() * p.height();
    for pair in edits.chunks_exact(2) {
        let (cell, op) = (pair[0] as usize, pair[1]);
        if cell >= cells {
            continue;
        }
        if op == 2 {
            aux[cell * 2] = 0.0;
            continue;
        }
        for s in 0..p.species() {
            let base = (s * cells + cell) * CHANNELS;
            for c in 0..CHANNELS {
                x[base + c] = if op >= 3 && s as u32 == op - 3 && c >= 3 { 1.0 } else { 0.0 };
            }
        }
        if op == 0 {
            aux[cell * 2 + 1] = 1.0;
        }
        if op == 1 {
            aux[cell * 2] = 1.0;
        }
    }
}

fn to_byte(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

fn mix3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/// The display image, RGBA8 rows without padding (`shaders/world_pack.wgsl`); fades the flash.
pub fn pack(x: &[f32], aux: &mut [f32], p: &Params) -> Vec<u8> {
    let cells = p.width() * p.height();
    let (mode, chan) = (p.0[6], p.0[7] as usize);
    let bg = [0.97f32, 0.97, 0.95];
    let mut img = Vec::with_capacity(cells * 4);
    for i in 0..cells {
        let mut rgba = [0.0f32; 4];
        let mut ch = 0.0f32;
        for s in 0..p.species() {
            let base = (s * cells + i) * CHANNELS;
            for k in 0..4 {
                rgba[k] += x[base + k];
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
        if p.0[9] != 0 {
            // A snapshot: no flash, nothing faded.
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
