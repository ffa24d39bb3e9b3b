//! A whole training rollout with its exact gradient, on host memory: the CPU training path.
//!
//! The same computation burn's autodiff performs for [`nca_step`](crate::nca::nca_step) (the masks
//! are constants, as they are there), written out: the forward pass keeps each step's state,
//! active rows and survival mask; the backward pass recomputes each step's perception and hidden
//! layer and runs the transposed network and the transposed perception. Work is proportional to
//! the cells that run the network, and it is split into units of (grid, block of rows) spread over
//! every core. A unit's partial weight gradient goes to a slot of its own and the slots are summed
//! in order, so the result is the same on any number of cores. The loss is the caller's: it gets
//! the final state and returns the gradient with respect to it ([`rollout_grad`] is the paper's
//! RGBA MSE).

use rayon::prelude::*;

use crate::nca::host_kernel::{
    Grid, Net, Turn, active_rows, alive_mask, gemm, perceive_cell, perceive_transpose, units,
};
use crate::nca::{NcaConfig, Weights};

pub struct RolloutGrad {
    pub loss: f32,
    pub grads: Weights,
    /// The state after the rollout, `[n, h, w, channels]`.
    pub final_state: Vec<f32>,
}

struct StepRecord {
    /// The state before the step.
    x: Vec<f32>,
    /// Per grid, the cells whose update reached the next state (they fired and live): the rows
    /// of the backward pass.
    rows: Vec<Vec<usize>>,
    /// Alive before and after, per cell of the batch (alive masking only).
    life: Option<Vec<bool>>,
}

/// A rollout's forward pass, kept for its backward pass.
pub struct Rollout {
    weights: Weights,
    grid: Grid,
    turn: Turn,
    n: usize,
    records: Vec<StepRecord>,
    /// The state after the last step, `[n, h, w, channels]`.
    pub final_state: Vec<f32>,
}

/// Runs `fires.len()` steps from `x0` (`[n, h, w, channels]`), keeping what the gradient needs.
pub fn forward(x0: &[f32], [n, h, w]: [usize; 3], wt: &Weights, cfg: &NcaConfig, fires: &[Vec<bool>]) -> Rollout {
    let spec = wt.spec;
    let c = spec.channels;
    let grid = Grid { h, w, border: cfg.border };
    let per = grid.cells();
    assert_eq!(x0.len(), n * per * c);
    let turn = Turn::new(cfg.angle);
    let net = Net::of(wt);
    let mut records = Vec::with_capacity(fires.len());
    let mut x = x0.to_vec();
    for fire in fires {
        assert_eq!(fire.len(), n * per);
        let pre: Vec<Vec<bool>> = x.par_chunks(per * c).map(|g| alive_mask(&spec, g, grid)).collect();
        let rows: Vec<Vec<usize>> = pre
            .par_iter()
            .enumerate()
            .map(|(b, p)| active_rows(&spec, &fire[b * per..(b + 1) * per], p, grid))
            .collect();
        let work = units(&rows);
        let updates: Vec<Vec<f32>> = work
            .par_iter()
            .map(|(b, r)| {
                crate::nca::host_kernel::update_rows(
                    &net,
                    &x[b * per * c..(b + 1) * per * c],
                    c,
                    grid,
                    turn,
                    &rows[*b][r.clone()],
                )
            })
            .collect();
        let mut u = x.clone();
        for ((b, r), d) in work.iter().zip(&updates) {
            let g = &mut u[b * per * c..(b + 1) * per * c];
            for (k, &i) in rows[*b][r.clone()].iter().enumerate() {
                g[i * c..(i + 1) * c].iter_mut().zip(&d[k * c..(k + 1) * c]).for_each(|(v, dv)| *v += dv);
            }
        }
        let life = spec.alive_masking.then(|| {
            let life: Vec<Vec<bool>> = u
                .par_chunks_mut(per * c)
                .zip(pre.par_iter())
                .map(|(g, pre)| {
                    let post = alive_mask(&spec, g, grid);
                    let life: Vec<bool> = pre.iter().zip(&post).map(|(a, b)| *a && *b).collect();
                    for (i, &l) in life.iter().enumerate() {
                        if !l {
                            g[i * c..(i + 1) * c].fill(0.0);
                        }
                    }
                    life
                })
                .collect();
            life.concat()
        });
        // Only the updates of cells that live on have a gradient.
        let rows = match &life {
            Some(life) => rows
                .into_iter()
                .enumerate()
                .map(|(b, r)| r.into_iter().filter(|&i| life[b * per + i]).collect())
                .collect(),
            None => rows,
        };
        records.push(StepRecord { x: std::mem::replace(&mut x, u), rows, life });
    }
    Rollout { weights: wt.clone(), grid, turn, n, records, final_state: x }
}

/// One unit's share of a step's backward pass: its partial weight gradient (into its slot) and
/// the gradient of its rows' perception features.
fn backward_unit(
    net: &Net,
    x: &[f32],
    g: &[f32],
    grid: Grid,
    turn: Turn,
    rows: &[usize],
    slot: &mut Weights,
) -> Vec<f32> {
    let spec = net.spec;
    let (c, nf, nh) = (spec.channels, spec.features(), spec.hidden);
    let k = rows.len();
    let mut f = vec![0.0f32; k * nf];
    for (r, &i) in rows.iter().enumerate() {
        perceive_cell(&spec, x, c, grid, (i / grid.w, i % grid.w), turn, &mut f[r * nf..(r + 1) * nf]);
    }
    let hdn = net.hidden(&f, k);
    let mut gd = vec![0.0f32; k * c];
    for (r, &i) in rows.iter().enumerate() {
        gd[r * c..(r + 1) * c].copy_from_slice(&g[i * c..(i + 1) * c]);
    }
    // dW2 += H^T gD, db2 += sum gD
    gemm(nh, k, c, &hdn, (1, nh), &gd, (c, 1), 1.0, &mut slot.w2);
    if spec.out_bias {
        for row in gd.chunks_exact(c) {
            slot.b2.iter_mut().zip(row).for_each(|(a, v)| *a += v);
        }
    }
    // gH = gD W2^T, through the ReLU.
    let mut gh = vec![0.0f32; k * nh];
    gemm(k, c, nh, &gd, (c, 1), net.w2, (1, c), 0.0, &mut gh);
    gh.iter_mut().zip(&hdn).for_each(|(gv, hv)| {
        if *hv <= 0.0 {
            *gv = 0.0
        }
    });
    gemm(nf, k, nh, &f, (1, nf), &gh, (nh, 1), 1.0, &mut slot.w1);
    for row in gh.chunks_exact(nh) {
        slot.b1.iter_mut().zip(row).for_each(|(a, v)| *a += v);
    }
    let mut gf = vec![0.0f32; k * nf];
    gemm(k, nh, nf, &gh, (nh, 1), net.w1, (1, nh), 0.0, &mut gf);
    gf
}

impl Rollout {
    /// The gradient of the loss for every weight, given its gradient `g` with respect to the final
    /// state.
    pub fn backward(&self, mut g: Vec<f32>) -> Weights {
        let wt = &self.weights;
        let spec = wt.spec;
        let c = spec.channels;
        let (grid, turn) = (self.grid, self.turn);
        let per = grid.cells();
        assert_eq!(g.len(), self.final_state.len());
        let net = Net::of(wt);
        let mut slots: Vec<Weights> = Vec::new();
        for rec in self.records.iter().rev() {
            if let Some(life) = &rec.life {
                g.par_chunks_mut(c).zip(life.par_iter()).for_each(|(cell, &l)| {
                    if !l {
                        cell.fill(0.0);
                    }
                });
            }
            let work = units(&rec.rows);
            if work.len() > slots.len() {
                slots.resize(work.len(), Weights::zeros(spec));
            }
            let gfs: Vec<Vec<f32>> = work
                .par_iter()
                .zip(slots.par_iter_mut())
                .map(|((b, r), slot)| {
                    let span = b * per * c..(b + 1) * per * c;
                    backward_unit(&net, &rec.x[span.clone()], &g[span], grid, turn, &rec.rows[*b][r.clone()], slot)
                })
                .collect();
            // Through perception, per grid (grids do not touch each other's cells).
            let nf = spec.features();
            g.par_chunks_mut(per * c).enumerate().for_each(|(b, gg)| {
                for ((ub, r), gf) in work.iter().zip(&gfs) {
                    if *ub != b {
                        continue;
                    }
                    for (k, &i) in rec.rows[b][r.clone()].iter().enumerate() {
                        perceive_transpose(
                            &spec,
                            &gf[k * nf..(k + 1) * nf],
                            c,
                            grid,
                            (i / grid.w, i % grid.w),
                            turn,
                            gg,
                        );
                    }
                }
            });
        }
        let mut grads = Weights::zeros(spec);
        for s in &slots {
            for (a, b) in grads.tensors_mut().into_iter().zip(s.tensors()) {
                a.iter_mut().zip(b.1).for_each(|(x, y)| *x += y);
            }
        }
        grads
    }

    pub fn batch(&self) -> usize {
        self.n
    }
}

/// The paper's loss: mean squared error of RGBA against `target` (`[h, w, 4]`, shared by every
/// sample), and its gradient with respect to the state.
pub fn rgba_mse(x: &[f32], channels: usize, target: &[f32]) -> (f32, Vec<f32>) {
    let cells = x.len() / channels;
    let per = target.len() / 4;
    let count = (cells * 4) as f32;
    let mut g = vec![0.0f32; x.len()];
    let mut loss = 0.0f64;
    for i in 0..cells {
        let t = &target[(i % per) * 4..(i % per) * 4 + 4];
        for ch in 0..4 {
            let d = x[i * channels + ch] - t[ch];
            loss += (d * d) as f64;
            g[i * channels + ch] = 2.0 * d / count;
        }
    }
    ((loss / count as f64) as f32, g)
}

/// Runs `fires.len()` steps from `x0` and returns the RGBA MSE against `target` with its
/// gradient for every weight.
pub fn rollout_grad(
    x0: &[f32],
    dims: [usize; 3],
    wt: &Weights,
    cfg: &NcaConfig,
    fires: &[Vec<bool>],
    target: &[f32],
) -> RolloutGrad {
    let r = forward(x0, dims, wt, cfg, fires);
    let (loss, g) = rgba_mse(&r.final_state, wt.spec.channels, target);
    let grads = r.backward(g);
    RolloutGrad { loss, grads, final_state: r.final_state }
}
