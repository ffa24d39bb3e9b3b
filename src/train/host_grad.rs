//! A whole training rollout with its exact gradient, on host memory: the CPU training path.
//!
//! The same computation burn's autodiff performs for [`nca_step`](crate::nca::nca_step) (the masks
//! are constants, as they are there), written out: the forward pass keeps each step's state, live
//! firing rows and survival mask; the backward pass recomputes each step's perception and hidden
//! layer and runs the transposed network and the transposed Sobel filters. Work is proportional
//! to the living, firing cells, and the matrix products are threaded SGEMMs.

use crate::nca::host_kernel::{alive, gemm, gemm_bias, neighbour, perceive_cell};
use crate::nca::{Border, CHANNELS, FEATURES, HIDDEN, NcaConfig, Weights};

pub struct RolloutGrad {
    pub loss: f32,
    pub grads: Weights,
    /// The state after the rollout, `[n, h, w, 16]`.
    pub final_state: Vec<f32>,
}

struct StepRecord {
    x: Vec<f32>,
    rows: Vec<usize>,
    life: Vec<bool>,
}

const KX: [[f32; 3]; 3] = [[-0.125, 0.0, 0.125], [-0.25, 0.0, 0.25], [-0.125, 0.0, 0.125]];
const KY: [[f32; 3]; 3] = [[-0.125, -0.25, -0.125], [0.0, 0.0, 0.0], [0.125, 0.25, 0.125]];

fn masks(x: &[f32], n: usize, h: usize, w: usize, border: Border) -> Vec<bool> {
    let per = h * w;
    let mut m = vec![false; n * per];
    for b in 0..n {
        alive(&x[b * per * CHANNELS..(b + 1) * per * CHANNELS], h, w, border, &mut m[b * per..(b + 1) * per]);
    }
    m
}

fn features(x: &[f32], rows: &[usize], h: usize, w: usize, cfg: &NcaConfig) -> Vec<f32> {
    let per = h * w;
    let mut f = vec![0.0f32; rows.len() * FEATURES];
    for (r, &i) in rows.iter().enumerate() {
        let (b, j) = (i / per, i % per);
        perceive_cell(
            &x[b * per * CHANNELS..(b + 1) * per * CHANNELS],
            j / w,
            j % w,
            h,
            w,
            cfg,
            &mut f[r * FEATURES..(r + 1) * FEATURES],
        );
    }
    f
}

fn hidden(f: &[f32], k: usize, wt: &Weights) -> Vec<f32> {
    let mut hdn = gemm_bias(f, &wt.w1, &wt.b1, k, FEATURES, HIDDEN);
    hdn.iter_mut().for_each(|v| *v = v.max(0.0));
    hdn
}

/// Runs `fires.len()` steps from `x0` and returns the loss (mean squared error of RGBA against
/// `target`, `[h, w, 4]`, shared by every sample) with its gradient for every weight.
pub fn rollout_grad(
    x0: &[f32],
    [n, h, w]: [usize; 3],
    wt: &Weights,
    cfg: &NcaConfig,
    fires: &[Vec<bool>],
    target: &[f32],
) -> RolloutGrad {
    let cells = n * h * w;
    assert_eq!(x0.len(), cells * CHANNELS);
    assert_eq!(target.len(), h * w * 4);
    // Forward, keeping what the backward pass needs.
    let mut records = Vec::with_capacity(fires.len());
    let mut x = x0.to_vec();
    for fire in fires {
        let pre = masks(&x, n, h, w, cfg.border);
        let rows: Vec<usize> = (0..cells).filter(|&i| fire[i] && pre[i]).collect();
        let mut u = x.clone();
        if !rows.is_empty() {
            let f = features(&x, &rows, h, w, cfg);
            let hdn = hidden(&f, rows.len(), wt);
            let d = gemm_bias(&hdn, &wt.w2, &wt.b2, rows.len(), HIDDEN, CHANNELS);
            for (r, &i) in rows.iter().enumerate() {
                u[i * CHANNELS..(i + 1) * CHANNELS]
                    .iter_mut()
                    .zip(&d[r * CHANNELS..(r + 1) * CHANNELS])
                    .for_each(|(v, dv)| *v += dv);
            }
        }
        let post = masks(&u, n, h, w, cfg.border);
        let life: Vec<bool> = pre.iter().zip(&post).map(|(a, b)| *a && *b).collect();
        for i in 0..cells {
            if !life[i] {
                u[i * CHANNELS..(i + 1) * CHANNELS].fill(0.0);
            }
        }
        records.push(StepRecord { x: std::mem::replace(&mut x, u), rows, life });
    }

    // Loss and its gradient with respect to the final state.
    let count = (cells * 4) as f32;
    let mut g = vec![0.0f32; cells * CHANNELS];
    let mut loss = 0.0f64;
    for i in 0..cells {
        let t = &target[(i % (h * w)) * 4..(i % (h * w)) * 4 + 4];
        for c in 0..4 {
            let d = x[i * CHANNELS + c] - t[c];
            loss += (d * d) as f64;
            g[i * CHANNELS + c] = 2.0 * d / count;
        }
    }
    let loss = (loss / count as f64) as f32;

    // Backward through the steps.
    let mut grads = Weights::zeros();
    let (sin, cos) = cfg.angle.sin_cos();
    for rec in records.iter().rev() {
        for i in 0..cells {
            if !rec.life[i] {
                g[i * CHANNELS..(i + 1) * CHANNELS].fill(0.0);
            }
        }
        let k = rec.rows.len();
        if k == 0 {
            continue;
        }
        let f = features(&rec.x, &rec.rows, h, w, cfg);
        let hdn = hidden(&f, k, wt);
        let mut gd = vec![0.0f32; k * CHANNELS];
        for (r, &i) in rec.rows.iter().enumerate() {
            gd[r * CHANNELS..(r + 1) * CHANNELS].copy_from_slice(&g[i * CHANNELS..(i + 1) * CHANNELS]);
        }
        // dW2 += H^T gD, db2 += sum gD
        gemm(HIDDEN, k, CHANNELS, &hdn, (1, HIDDEN), &gd, (CHANNELS, 1), 1.0, &mut grads.w2);
        for row in gd.chunks_exact(CHANNELS) {
            grads.b2.iter_mut().zip(row).for_each(|(a, v)| *a += v);
        }
        // gH = gD W2^T, through the ReLU.
        let mut gh = vec![0.0f32; k * HIDDEN];
        gemm(k, CHANNELS, HIDDEN, &gd, (CHANNELS, 1), &wt.w2, (1, CHANNELS), 0.0, &mut gh);
        gh.iter_mut().zip(&hdn).for_each(|(gv, hv)| {
            if *hv <= 0.0 {
                *gv = 0.0
            }
        });
        gemm(FEATURES, k, HIDDEN, &f, (1, FEATURES), &gh, (HIDDEN, 1), 1.0, &mut grads.w1);
        for row in gh.chunks_exact(HIDDEN) {
            grads.b1.iter_mut().zip(row).for_each(|(a, v)| *a += v);
        }
        let mut gf = vec![0.0f32; k * FEATURES];
        gemm(k, HIDDEN, FEATURES, &gh, (HIDDEN, 1), &wt.w1, (1, HIDDEN), 0.0, &mut gf);
        // Through perception: the identity band, then the transposed (rotated) Sobel filters.
        let per = h * w;
        for (r, &i) in rec.rows.iter().enumerate() {
            let fr = &gf[r * FEATURES..(r + 1) * FEATURES];
            let (b, j) = (i / per, i % per);
            let (y, xx) = (j / w, j % w);
            for c in 0..CHANNELS {
                g[i * CHANNELS + c] += fr[c];
            }
            for dy in -1..=1isize {
                for dx in -1..=1isize {
                    let (kx, ky) = (KX[(dy + 1) as usize][(dx + 1) as usize], KY[(dy + 1) as usize][(dx + 1) as usize]);
                    if kx == 0.0 && ky == 0.0 {
                        continue;
                    }
                    let Some(nb) = neighbour(y, xx, dy, dx, h, w, cfg.border) else { continue };
                    let base = (b * per + nb) * CHANNELS;
                    for c in 0..CHANNELS {
                        let (gxr, gyr) = (fr[CHANNELS + c], fr[2 * CHANNELS + c]);
                        let (gx, gy) = (cos * gxr + sin * gyr, -sin * gxr + cos * gyr);
                        g[base + c] += kx * gx + ky * gy;
                    }
                }
            }
        }
    }
    RolloutGrad { loss, grads, final_state: x }
}
