//! The texture loss: a multi-scale patch sliced-Wasserstein distance between a generated image and
//! an example, with its gradient written out. It needs no pretrained network (the Distill paper on
//! textures compares VGG16 Gram matrices; we cannot ship VGG16).
//!
//! At each level of an image pyramid, the k x k RGB patches of both images are projected onto P
//! random unit directions; the projections are sorted and compared by mean
//! squared error, the example's resampled to the generated image's count (the 1D Wasserstein
//! distance between the two distributions along each direction). One more level compares the
//! RGB values alone, which fixes the colours. The gradient of a sorted projection goes back to the
//! patch it came from (the sort's permutation), then to the pixels of the patch and down the
//! pyramid. The generated image is a torus (its patches wrap); an example's patches lie inside it
//! unless it is declared to wrap too. The pyramid is undecimated ("a trous"): level l is the
//! 2^l x 2^l box average at every pixel, and its patches take their taps 2^l pixels apart. That is
//! the usual halved image at every phase at once, so the loss of a torus does not change when the
//! image is rolled by any number of pixels.

use rand::{Rng, SeedableRng, rngs::StdRng};
use rayon::prelude::*;

use crate::nca::host_kernel::gemm;

/// An RGB image, row-major `h * w * 3` values, at some level of a pyramid.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub w: usize,
    pub h: usize,
    pub rgb: Vec<f32>,
    /// Whether its patches wrap around the edges (a torus), or stay inside.
    pub wrap: bool,
    /// Pixels between the taps of a patch: 1 for an image, 2^l at level l of its pyramid.
    pub step: usize,
}

impl Image {
    pub fn new(w: usize, h: usize, rgb: Vec<f32>, wrap: bool) -> Self {
        Image { w, h, rgb, wrap, step: 1 }
    }

    /// The pixel `s` to the right and below (wrapping on a torus; an image that does not wrap
    /// shrinks instead, see [`coarser`](Self::coarser)).
    fn offset(&self, y: usize, x: usize, dy: usize, dx: usize) -> usize {
        ((y + dy) % self.h) * self.w + (x + dx) % self.w
    }

    /// The next pyramid level: the average of each pixel and its neighbours `step` to the right,
    /// below, and both (so level l averages 2^l x 2^l pixels), with taps twice as far apart. An
    /// image that does not wrap loses the `step` rows and columns the average would run off.
    pub fn coarser(&self) -> Image {
        let s = self.step;
        let (w, h) = if self.wrap {
            (self.w, self.h)
        } else {
            (self.w.saturating_sub(s).max(1), self.h.saturating_sub(s).max(1))
        };
        let mut rgb = vec![0.0; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let at = [
                    self.offset(y, x, 0, 0),
                    self.offset(y, x, 0, s),
                    self.offset(y, x, s, 0),
                    self.offset(y, x, s, s),
                ];
                for c in 0..3 {
                    rgb[(y * w + x) * 3 + c] = 0.25 * at.iter().map(|&i| self.rgb[i * 3 + c]).sum::<f32>();
                }
            }
        }
        Image { w, h, rgb, wrap: self.wrap, step: 2 * s }
    }

    /// The top-left pixel of every patch of side `k`: every pixel on a torus, the ones whose
    /// patch fits otherwise.
    fn origins(&self, k: usize) -> Vec<(usize, usize)> {
        let span = (k - 1) * self.step;
        if self.wrap {
            (0..self.h).flat_map(|y| (0..self.w).map(move |x| (y, x))).collect()
        } else if self.w <= span || self.h <= span {
            Vec::new()
        } else {
            (0..self.h - span).flat_map(|y| (0..self.w - span).map(move |x| (y, x))).collect()
        }
    }

    /// The flat indices (of `rgb`, per channel 0) of the taps of the patch at (y, x).
    fn patch(&self, (y, x): (usize, usize), k: usize, out: &mut Vec<usize>) {
        out.clear();
        for dy in 0..k {
            for dx in 0..k {
                out.push(self.offset(y, x, dy * self.step, dx * self.step) * 3);
            }
        }
    }

    /// Every patch as a row of `3 k^2` values.
    fn patches(&self, k: usize) -> (Vec<(usize, usize)>, Vec<f32>) {
        let origins = self.origins(k);
        let d = 3 * k * k;
        let mut m = vec![0.0f32; origins.len() * d];
        m.par_chunks_mut(d).zip(origins.par_iter()).for_each(|(row, &o)| {
            let mut idx = Vec::with_capacity(k * k);
            self.patch(o, k, &mut idx);
            for (p, &i) in idx.iter().enumerate() {
                row[p * 3..p * 3 + 3].copy_from_slice(&self.rgb[i..i + 3]);
            }
        });
        (origins, m)
    }
}

/// The loss's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SwdOptions {
    /// Pyramid levels compared on patches.
    pub levels: usize,
    /// Patch side (odd).
    pub patch: usize,
    /// Random directions per level.
    pub projections: usize,
}

/// `count` random unit directions in `dim` dimensions, as the columns of a `[dim, count]` matrix.
pub fn directions(rng: &mut StdRng, dim: usize, count: usize) -> Vec<f32> {
    let mut m = vec![0.0f32; dim * count];
    for p in 0..count {
        let mut col: Vec<f32> = (0..dim)
            .map(|_| {
                // Box-Muller: a direction uniform on the sphere.
                let (u, v): (f32, f32) = (rng.random_range(1e-7..1.0), rng.random());
                (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
            })
            .collect();
        let norm = col.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
        col.iter_mut().for_each(|v| *v /= norm);
        for (d, v) in col.into_iter().enumerate() {
            m[d * count + p] = v;
        }
    }
    m
}

/// Values `sorted` (ascending) resampled to `n` evenly spaced quantiles (linear between samples).
pub fn resample(sorted: &[f32], n: usize) -> Vec<f32> {
    let m = sorted.len();
    if m == n {
        return sorted.to_vec();
    }
    (0..n)
        .map(|i| {
            let q = (i as f32 + 0.5) / n as f32 * m as f32 - 0.5;
            let lo = q.floor().clamp(0.0, (m - 1) as f32) as usize;
            let hi = (lo + 1).min(m - 1);
            let t = (q - lo as f32).clamp(0.0, 1.0);
            sorted[lo] * (1.0 - t) + sorted[hi] * t
        })
        .collect()
}

/// A key whose unsigned order is `f32::total_cmp`'s: sorting these integers (with the index
/// below them, for an argsort) is several times faster than sorting floats through a comparator,
/// and gives the same order, ties in index order as a stable sort would.
fn ordered(v: f32) -> u32 {
    let b = v.to_bits();
    if b >> 31 == 1 { !b } else { b | 0x8000_0000 }
}

fn from_ordered(k: u32) -> f32 {
    f32::from_bits(if k >> 31 == 1 { k & 0x7fff_ffff } else { !k })
}

/// The example's projections of its patches of side `k` along each of `dirs` (`[3k^2, p]`),
/// sorted: what every generated image compared along the same directions is held to.
pub fn sorted_projections(b: &Image, k: usize, dirs: &[f32], p: usize) -> Vec<Vec<f32>> {
    let d = 3 * k * k;
    let (_, pb) = b.patches(k);
    let nb = pb.len() / d;
    let mut proj = vec![0.0f32; nb * p];
    gemm(nb, d, p, &pb, (d, 1), dirs, (p, 1), 0.0, &mut proj);
    (0..p)
        .into_par_iter()
        .map(|j| {
            let mut keys: Vec<u32> = (0..nb).map(|i| ordered(proj[i * p + j])).collect();
            keys.sort_unstable();
            keys.into_iter().map(from_ordered).collect()
        })
        .collect()
}

/// One level: the loss between the patches of side `k` of `a` (gradient wanted) and of `b`
/// along `dirs` (`[3k^2, p]`), and its gradient with respect to `a`'s pixels.
pub fn level(a: &Image, b: &Image, k: usize, dirs: &[f32], p: usize) -> (f64, Vec<f32>) {
    level_against(a, &sorted_projections(b, k, dirs, p), k, dirs, p)
}

/// [`level`] against the example's sorted projections (`sorted_projections`).
fn level_against(a: &Image, sorted_b: &[Vec<f32>], k: usize, dirs: &[f32], p: usize) -> (f64, Vec<f32>) {
    let d = 3 * k * k;
    let (origins, pa) = a.patches(k);
    let na = origins.len();
    let mut grad = vec![0.0f32; a.rgb.len()];
    if na == 0 || sorted_b.iter().any(Vec::is_empty) {
        return (0.0, grad);
    }
    let mut proj_a = vec![0.0f32; na * p];
    gemm(na, d, p, &pa, (d, 1), dirs, (p, 1), 0.0, &mut proj_a);
    // Per direction: sort, compare with the example's, and send each difference back to its patch.
    let per_dir: Vec<(f64, Vec<(usize, f32)>)> = (0..p)
        .into_par_iter()
        .map(|j| {
            let mut keys: Vec<u64> = (0..na).map(|i| (ordered(proj_a[i * p + j]) as u64) << 32 | i as u64).collect();
            keys.sort_unstable();
            let t = resample(&sorted_b[j], na);
            let mut loss = 0.0f64;
            let g: Vec<(usize, f32)> = keys
                .iter()
                .zip(&t)
                .map(|(&key, &tv)| {
                    let i = key as u32 as usize;
                    let diff = proj_a[i * p + j] - tv;
                    loss += (diff * diff) as f64;
                    (i, 2.0 * diff / (na * p) as f32)
                })
                .collect();
            (loss / (na * p) as f64, g)
        })
        .collect();
    let mut gproj = vec![0.0f32; na * p];
    let mut loss = 0.0;
    for (j, (l, g)) in per_dir.into_iter().enumerate() {
        loss += l;
        for (i, v) in g {
            gproj[i * p + j] = v;
        }
    }
    // Back to the patches (gP = gProj Dirs^T), then to the pixels they were cut from.
    let mut gpatch = vec![0.0f32; na * d];
    gemm(na, p, d, &gproj, (p, 1), dirs, (1, p), 0.0, &mut gpatch);
    let mut idx = Vec::with_capacity(k * k);
    for (r, &o) in origins.iter().enumerate() {
        a.patch(o, k, &mut idx);
        for (q, &i) in idx.iter().enumerate() {
            for c in 0..3 {
                grad[i + c] += gpatch[r * d + q * 3 + c];
            }
        }
    }
    (loss, grad)
}

/// The gradient through [`Image::coarser`]: each pixel of the coarser level spreads a quarter of
/// its gradient over the four it averaged.
fn coarser_backward(fine: &Image, coarse: &Image, g_coarse: &[f32]) -> Vec<f32> {
    let s = fine.step;
    let mut g = vec![0.0f32; fine.rgb.len()];
    for y in 0..coarse.h {
        for x in 0..coarse.w {
            for i in
                [fine.offset(y, x, 0, 0), fine.offset(y, x, 0, s), fine.offset(y, x, s, 0), fine.offset(y, x, s, s)]
            {
                for c in 0..3 {
                    g[i * 3 + c] += 0.25 * g_coarse[(y * coarse.w + x) * 3 + c];
                }
            }
        }
    }
    g
}

/// The example's side of the loss, made once: its pyramid.
pub struct Example {
    pyramid: Vec<Image>,
}

impl Example {
    pub fn new(image: Image, levels: usize) -> Self {
        let mut pyramid = vec![image];
        while pyramid.len() < levels {
            let next = pyramid.last().expect("one level").coarser();
            pyramid.push(next);
        }
        Example { pyramid }
    }

    pub fn image(&self) -> &Image {
        &self.pyramid[0]
    }
}

/// The example's side of one iteration's loss: the directions drawn from the seed and the
/// example's sorted projections along them, made once for all the images of a batch (at a 64x64
/// image and a 128x128 example, the example's side was four fifths of the work).
pub struct Prepared {
    /// The RGB level (patches of one pixel), then the patch levels from the finest.
    levels: Vec<(Vec<f32>, Vec<Vec<f32>>)>,
    patch: usize,
    projections: usize,
}

impl Example {
    /// The example's side of the loss for `seed` (as [`loss`] draws it).
    pub fn prepare(&self, opts: &SwdOptions, seed: u64) -> Prepared {
        let mut rng = StdRng::seed_from_u64(seed);
        let (k, p) = (opts.patch, opts.projections);
        // At least the image's own level, as the pyramid of the generated image always has it.
        let count = opts.levels.min(self.pyramid.len()).max(1);
        let rgb = directions(&mut rng, 3, p);
        let per_level: Vec<Vec<f32>> = (0..count).map(|_| directions(&mut rng, 3 * k * k, p)).collect();
        let mut levels = vec![(rgb.clone(), sorted_projections(&self.pyramid[0], 1, &rgb, p))];
        for (lv, dirs) in per_level.into_iter().enumerate() {
            let sorted = sorted_projections(&self.pyramid[lv], k, &dirs, p);
            levels.push((dirs, sorted));
        }
        Prepared { levels, patch: k, projections: p }
    }
}

/// The loss of `image` against the example, and its gradient with respect to `image`'s pixels.
/// `seed` draws the directions: the same seed, the same loss.
pub fn loss(image: &Image, example: &Example, opts: &SwdOptions, seed: u64) -> (f32, Vec<f32>) {
    loss_prepared(image, &example.prepare(opts, seed))
}

/// [`loss`] against a prepared example side.
pub fn loss_prepared(image: &Image, prep: &Prepared) -> (f32, Vec<f32>) {
    let (k, p) = (prep.patch, prep.projections);
    let count = prep.levels.len() - 1;
    let mut pyramid = vec![image.clone()];
    while pyramid.len() < count {
        let next = pyramid.last().expect("one level").coarser();
        pyramid.push(next);
    }
    let mut total = 0.0f64;
    // The RGB values alone, at full size.
    let (dirs, sorted) = &prep.levels[0];
    let (l, mut g0) = level_against(&pyramid[0], sorted, 1, dirs, p);
    total += l;
    // Patches at every level; gradients are carried down from the coarsest.
    let mut carry: Option<Vec<f32>> = None;
    for lv in (0..pyramid.len()).rev() {
        let (dirs, sorted) = &prep.levels[lv + 1];
        let (l, mut g) = level_against(&pyramid[lv], sorted, k, dirs, p);
        total += l;
        if let Some(c) = carry.take() {
            g.iter_mut().zip(c).for_each(|(a, b)| *a += b);
        }
        carry = Some(if lv > 0 { coarser_backward(&pyramid[lv - 1], &pyramid[lv], &g) } else { g });
    }
    if let Some(c) = carry {
        g0.iter_mut().zip(c).for_each(|(a, b)| *a += b);
    }
    (total as f32, g0)
}
