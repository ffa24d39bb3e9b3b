//! One step of the automaton: perceive, update the cells that fire, kill the cells with no living
//! neighbourhood.

use burn::tensor::IndexingUpdateOp;
use burn::tensor::{Bool, Int, Tensor, TensorData, activation::relu, backend::Backend};

use super::config::{ALIVE_THRESHOLD, ALPHA, Border, NcaConfig};
use super::params::NcaParams;
use super::perceive::{max3x3, perceive};

/// How the update rule is evaluated. Both give the same result for the same fire mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StepMode {
    /// Every cell runs the network; the fire mask multiplies the update. No host round trip:
    /// the right choice on a GPU.
    #[default]
    Dense,
    /// Only cells that fire within two cells of life run the network (an update further out cannot
    /// reach the alive masks). Needs the alive mask on the host each step, which is free on the
    /// CPU backend and there saves most of the work: a growing creature covers a fraction of its
    /// grid.
    Sparse,
    /// The fused host kernel ([`host_kernel`](super::host_kernel)): the state goes to host memory
    /// and back each step, so it is for the CPU backend only, and has no autodiff.
    Host,
    /// Our WGSL kernels on the wgpu backend (`train::fused`): training with the hand-written
    /// rollout gradient, and simulation with its forward step. Elsewhere it runs as `Dense`.
    Fused,
}

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

pub fn bool_to_host<B: Backend, const D: usize>(t: Tensor<B, D, Bool>) -> Vec<bool> {
    t.int().into_data().convert::<i64>().into_vec::<i64>().expect("int data").into_iter().map(|v| v != 0).collect()
}

/// One step on a `[n, h, w, 16]` state. `fire` holds one flag per cell (n*h*w, row-major).
pub fn nca_step<B: Backend>(
    x: Tensor<B, 4>,
    params: &NcaParams<B>,
    cfg: &NcaConfig,
    fire: &[bool],
    mode: StepMode,
) -> Tensor<B, 4> {
    let [n, h, w, c] = x.dims();
    assert_eq!(c, params.spec.channels, "state channels against the spec");
    assert_eq!(fire.len(), n * h * w, "fire mask length");
    match mode {
        // Simulation caches the host weights; this generic entry pays a read-back of them.
        StepMode::Host => host_step(&x, &params.to_weights(), cfg, fire),
        _ if !params.spec.alive_masking => step_core(x, params, cfg, fire, None, None),
        StepMode::Dense | StepMode::Fused => {
            let pre = alive_mask(&x, cfg);
            step_core(x, params, cfg, fire, Some(pre), None)
        }
        StepMode::Sparse => sparse_step(x, params, cfg, fire),
    }
}

/// Sparse stepping also crops to the box around the living cells: nothing outside it can change
/// (every cell there is dead before the step and so zero after it), and a growing creature covers
/// a small part of its grid.
fn sparse_step<B: Backend>(x: Tensor<B, 4>, params: &NcaParams<B>, cfg: &NcaConfig, fire: &[bool]) -> Tensor<B, 4> {
    let [n, h, w, c] = x.dims();
    let pre = alive_mask(&x, cfg);
    let alive = bool_to_host(pre.clone());
    let Some([y0, y1, x0, x1]) = bounding_box(&alive, n, h, w) else {
        return x.zeros_like();
    };
    // Two cells of margin: the living cells' neighbours (their perception inputs and the cells
    // whose new alpha decides their survival) are inside the crop with their true values.
    let (cy0, cy1, cx0, cx1) = (y0.saturating_sub(2), (y1 + 3).min(h), x0.saturating_sub(2), (x1 + 3).min(w));
    let whole = (cy0, cy1, cx0, cx1) == (0, h, 0, w);
    // On a torus the crop must not reach an edge, or the wrapped neighbours would be lost.
    let wraps = cfg.border == Border::Wrap && (cy0 == 0 || cx0 == 0 || cy1 == h || cx1 == w);
    if whole || wraps {
        let near = near_life(&alive, [n, h, w], cfg.border);
        return step_core(x, params, cfg, fire, Some(pre), Some(near));
    }
    let (ch, cw) = (cy1 - cy0, cx1 - cx0);
    let mut fire_c = Vec::with_capacity(n * ch * cw);
    for b in 0..n {
        for y in cy0..cy1 {
            fire_c.extend_from_slice(&fire[(b * h + y) * w + cx0..(b * h + y) * w + cx1]);
        }
    }
    let crop_cfg = NcaConfig { border: Border::Zero, ..*cfg };
    let xc = x.clone().slice([0..n, cy0..cy1, cx0..cx1, 0..c]);
    let pre_c = alive_mask(&xc, &crop_cfg);
    let near_c = near_life(&bool_to_host(pre_c.clone()), [n, ch, cw], Border::Zero);
    let out = step_core(xc, params, &crop_cfg, &fire_c, Some(pre_c), Some(near_c));
    x.zeros_like().slice_assign([0..n, cy0..cy1, cx0..cx1, 0..c], out)
}

/// [y0, y1, x0, x1] (inclusive) of the true cells over all samples of an `[n, h, w]` mask.
fn bounding_box(mask: &[bool], n: usize, h: usize, w: usize) -> Option<[usize; 4]> {
    let mut b: Option<[usize; 4]> = None;
    for i in (0..n * h * w).filter(|&i| mask[i]) {
        let (y, x) = (i / w % h, i % w);
        b = Some(match b {
            None => [y, y, x, x],
            Some([y0, y1, x0, x1]) => [y0.min(y), y1.max(y), x0.min(x), x1.max(x)],
        });
    }
    b
}

/// `host_kernel::near` of every grid of a batch.
fn near_life(alive: &[bool], [n, h, w]: [usize; 3], border: Border) -> Vec<bool> {
    let grid = super::host_kernel::Grid { h, w, border };
    alive.chunks(h * w).take(n).flat_map(|a| super::host_kernel::near(a, grid)).collect()
}

/// Update and masking, given the alive mask before the update (None: a model without masking).
/// With `near` (a host mask: the cells within two of life) only the cells that fire there run the
/// network; without it every cell does.
fn step_core<B: Backend>(
    x: Tensor<B, 4>,
    params: &NcaParams<B>,
    cfg: &NcaConfig,
    fire: &[bool],
    pre: Option<Tensor<B, 4, Bool>>,
    near: Option<Vec<bool>>,
) -> Tensor<B, 4> {
    let [n, h, w, c] = x.dims();
    let cells = n * h * w;
    let device = x.device();
    let features = perceive(x.clone(), &params.spec, cfg.angle, cfg.border).reshape([cells, params.spec.features()]);
    let dx = match near {
        None => {
            let fire: Vec<f32> = fire.iter().map(|&f| f as u8 as f32).collect();
            let fire = Tensor::<B, 2>::from_data(TensorData::new(fire, [cells, 1]), &device);
            Some(update_rule_chunked(features, params) * fire)
        }
        Some(near) => {
            let rows: Vec<i64> = (0..cells).filter(|&i| fire[i] && near[i]).map(|i| i as i64).collect();
            if rows.is_empty() {
                None
            } else {
                let k = rows.len();
                let idx = Tensor::<B, 1, Int>::from_data(TensorData::new(rows, [k]), &device);
                let upd = update_rule(features.select(0, idx.clone()), params);
                Some(Tensor::zeros([cells, c], &device).select_assign(0, idx, upd, IndexingUpdateOp::Add))
            }
        }
    };
    let x = match dx {
        Some(dx) => x + dx.reshape([n, h, w, c]),
        None => x,
    };
    let Some(pre) = pre else { return x };
    let post = alive_mask(&x, cfg);
    let life = pre.bool_and(post).float();
    x * life
}

/// A step through the fused host kernel, from and back to a tensor.
pub fn host_step<B: Backend>(
    x: &Tensor<B, 4>,
    weights: &super::Weights,
    cfg: &NcaConfig,
    fire: &[bool],
) -> Tensor<B, 4> {
    let [n, h, w, c] = x.dims();
    let host = x.to_data().convert::<f32>().into_vec::<f32>().expect("f32 state");
    let out = super::host_kernel::step_host(&host, [n, h, w], weights, cfg, fire);
    Tensor::from_data(TensorData::new(out, [n, h, w, c]), &x.device())
}
