//! One step of the automaton: perceive, update the cells that fire, kill the cells with no living
//! neighbourhood.

use burn::tensor::{Bool, Tensor, TensorData, activation::relu, backend::Backend};

use super::config::{ALIVE_THRESHOLD, ALPHA, NcaConfig};
use super::params::NcaParams;
use super::perceive::{max3x3, perceive};

/// Cells whose 3x3 neighbourhood holds an alpha above the threshold: `[n, h, w, 1]`.
pub fn alive_mask<B: Backend>(x: &Tensor<B, 4>, cfg: &NcaConfig) -> Tensor<B, 4, Bool> {
    max3x3(x.clone().narrow(3, ALPHA, 1), cfg.border).greater_elem(ALIVE_THRESHOLD)
}

/// The update rule on `[cells, features]` features.
pub fn update_rule<B: Backend>(features: Tensor<B, 2>, p: &NcaParams<B>) -> Tensor<B, 2> {
    let hidden = relu(features.matmul(p.w1.clone()) + p.b1.clone());
    hidden.matmul(p.w2.clone()) + p.b2.clone()
}

/// Rows per network evaluation on big grids: the hidden activations of 2^17 cells take 64 MiB, under
/// the 128 MiB storage-buffer limit that many GPUs (and wgpu's defaults) impose.
const MAX_ROWS: usize = 1 << 17;

fn update_rule_chunked<B: Backend>(features: Tensor<B, 2>, p: &NcaParams<B>) -> Tensor<B, 2> {
    let rows = features.dims()[0];
    if rows <= MAX_ROWS {
        return update_rule(features, p);
    }
    let parts = (0..rows)
        .step_by(MAX_ROWS)
        .map(|r| update_rule(features.clone().narrow(0, r, MAX_ROWS.min(rows - r)), p))
        .collect();
    Tensor::cat(parts, 0)
}

/// One step on a `[n, h, w, channels]` state as burn tensor ops: every cell runs the network and
/// the fire mask multiplies the update. The reference the rule's implementations
/// (`rule::RuleBackend`) are held to, and under autodiff the reference gradient. `fire` holds one
/// flag per cell (n*h*w, row-major).
pub fn nca_step<B: Backend>(x: Tensor<B, 4>, params: &NcaParams<B>, cfg: &NcaConfig, fire: &[bool]) -> Tensor<B, 4> {
    let [n, h, w, c] = x.dims();
    assert_eq!(c, params.spec.channels, "state channels against the spec");
    assert_eq!(fire.len(), n * h * w, "fire mask length");
    let pre = params.spec.alive_masking.then(|| alive_mask(&x, cfg));
    let cells = n * h * w;
    let device = x.device();
    let features = perceive(x.clone(), &params.spec, cfg.angle, cfg.border).reshape([cells, params.spec.features()]);
    let fire: Vec<f32> = fire.iter().map(|&f| f as u8 as f32).collect();
    let fire = Tensor::<B, 2>::from_data(TensorData::new(fire, [cells, 1]), &device);
    let x = x + (update_rule_chunked(features, params) * fire).reshape([n, h, w, c]);
    let Some(pre) = pre else { return x };
    let post = alive_mask(&x, cfg);
    let life = pre.bool_and(post).float();
    x * life
}
