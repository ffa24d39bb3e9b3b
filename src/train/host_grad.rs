//! A whole training rollout with its exact gradient, on host memory: the CPU training path.
//!
//! The same computation burn's autodiff performs for [`nca_step`](crate::nca::nca_step) (the masks
//! are constants, as they are there), written out: the forward pass keeps each step's state,
//! updated rows and survival mask; the backward pass recomputes each step's perception and hidden
//! layer and runs the transposed network and the transposed perception. Work is proportional to
//! the cells that run the network. The grids of a batch never touch each other, so each runs its
//! whole rollout, forward and backward, as a task of its own (with its blocks of rows spread over
//! idle cores within it); a block's partial weight gradient goes to a slot of its own and the
//! slots are summed in order, so the result is the same on any number of cores. The loss is the
//! caller's: it gets the final state and returns the gradient with respect to it
//! ([`rollout_grad`] is the paper's RGBA MSE).

use rayon::prelude::*;

use crate::nca::host_kernel::{Cells, Grid, Net, StepTrace, Turn, gemm, perceive_transpose, step_grid};
use crate::nca::{NcaConfig, Weights};

pub struct RolloutGrad {
    pub loss: f32,
    pub grads: Weights,
    /// The state after the rollout, `[n, h, w, channels]`.
    pub final_state: Vec<f32>,
}

/// Which cells fire: step t, grid b, cell i.
pub type Fires<'a> = dyn Fn(usize, usize, usize) -> bool + Sync + 'a;

/// A rollout's forward pass, kept for its backward pass.
pub struct Rollout {
    weights: Weights,
    grid: Grid,
    turn: Turn,
    /// Per grid, per step: the rows that reach the next state, their features, the alive mask.
    traces: Vec<Vec<StepTrace>>,
    /// The state after the last step, `[n, h, w, channels]`.
    pub final_state: Vec<f32>,
}

/// Runs `steps` steps from `x0` (`[n, h, w, channels]`), keeping what the gradient needs.
pub fn forward(
    x0: &[f32],
    [n, h, w]: [usize; 3],
    wt: &Weights,
    cfg: &NcaConfig,
    steps: usize,
    fire: &Fires,
) -> Rollout {
    let c = wt.spec.channels;
    let grid = Grid { h, w, border: cfg.border };
    let per = grid.cells();
    assert_eq!(x0.len(), n * per * c);
    let turn = Turn::new(cfg.angle);
    let net = Net::of(wt);
    let mut final_state = x0.to_vec();
    let traces: Vec<Vec<StepTrace>> = final_state
        .par_chunks_mut(per * c)
        .enumerate()
        .map(|(b, x)| {
            (0..steps)
                .map(|t| step_grid(&net, x, Cells::dense(grid, c), turn, |i| fire(t, b, i), true).expect("traced"))
                .collect()
        })
        .collect();
    Rollout { weights: wt.clone(), grid, turn, traces, final_state }
}

/// One block's share of a step's backward pass: its partial weight gradient (into its slot) and
/// the gradient of its rows' perception features `f`.
fn backward_block(net: &Net, f: &[f32], g: &[f32], rows: &[usize], slot: &mut Weights) -> Vec<f32> {
    let spec = net.spec;
    let (c, nf, nh) = (spec.channels, spec.features(), spec.hidden);
    let k = rows.len();
    let hdn = net.hidden(f, k);
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
    // A select, not a branch, so that it compiles to vector blends (a profile put the branchy
    // form at several percent of training).
    gh.iter_mut().zip(&hdn).for_each(|(gv, hv)| *gv = if *hv > 0.0 { *gv } else { 0.0 });
    gemm(nf, k, nh, f, (1, nf), &gh, (nh, 1), 1.0, &mut slot.w1);
    for row in gh.chunks_exact(nh) {
        slot.b1.iter_mut().zip(row).for_each(|(a, v)| *a += v);
    }
    let mut gf = vec![0.0f32; k * nf];
    gemm(k, nh, nf, &gh, (nh, 1), net.w1, (1, nh), 0.0, &mut gf);
    gf
}

fn add_into(acc: &mut Weights, w: &Weights) {
    for (a, b) in acc.tensors_mut().into_iter().zip(w.tensors()) {
        a.iter_mut().zip(b.1).for_each(|(x, y)| *x += y);
    }
}

impl Rollout {
    /// The gradient of the loss for every weight, given its gradient `g` with respect to the final
    /// state.
    pub fn backward(&self, g: Vec<f32>) -> Weights {
        let wt = &self.weights;
        let spec = wt.spec;
        let (c, nf) = (spec.channels, spec.features());
        let (grid, turn) = (self.grid, self.turn);
        let per = grid.cells();
        use crate::nca::host_kernel::ROWS_PER_UNIT;
        assert_eq!(g.len(), self.final_state.len());
        let net = Net::of(wt);
        let partial: Vec<Weights> = g
            .par_chunks(per * c)
            .zip(self.traces.par_iter())
            .map(|(g, traces)| {
                let mut g = g.to_vec();
                let mut slots: Vec<Weights> = Vec::new();
                for tr in traces.iter().rev() {
                    if let Some(life) = &tr.life {
                        for (cell, &l) in g.chunks_exact_mut(c).zip(life) {
                            if !l {
                                cell.fill(0.0);
                            }
                        }
                    }
                    let rows: Vec<&[usize]> = tr.rows.chunks(ROWS_PER_UNIT).collect();
                    let feats: Vec<&[f32]> = tr.feats.chunks(ROWS_PER_UNIT * nf).collect();
                    if rows.len() > slots.len() {
                        slots.resize(rows.len(), Weights::zeros(spec));
                    }
                    let gfs: Vec<Vec<f32>> = rows
                        .par_iter()
                        .zip(feats.par_iter())
                        .zip(slots.par_iter_mut())
                        .map(|((r, f), slot)| backward_block(&net, f, &g, r, slot))
                        .collect();
                    // Through perception: every updated cell's feature gradient back to the
                    // neighbours it read.
                    for (r, gf) in rows.iter().zip(&gfs) {
                        for (k, &i) in r.iter().enumerate() {
                            let cell = (i / grid.w, i % grid.w);
                            perceive_transpose(&spec, &gf[k * nf..(k + 1) * nf], c, grid, cell, turn, &mut g);
                        }
                    }
                }
                let mut sum = Weights::zeros(spec);
                slots.iter().for_each(|s| add_into(&mut sum, s));
                sum
            })
            .collect();
        let mut grads = Weights::zeros(spec);
        partial.iter().for_each(|p| add_into(&mut grads, p));
        grads
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

/// Runs `fires.len()` steps from `x0` with these fire masks (`[n, h, w]` flags per step) and
/// returns the RGBA MSE against `target` with its gradient for every weight.
pub fn rollout_grad(
    x0: &[f32],
    dims: [usize; 3],
    wt: &Weights,
    cfg: &NcaConfig,
    fires: &[Vec<bool>],
    target: &[f32],
) -> RolloutGrad {
    let per = dims[1] * dims[2];
    let r = forward(x0, dims, wt, cfg, fires.len(), &|t, b, i| fires[t][b * per + i]);
    let (loss, g) = rgba_mse(&r.final_state, wt.spec.channels, target);
    let grads = r.backward(g);
    RolloutGrad { loss, grads, final_state: r.final_state }
}
