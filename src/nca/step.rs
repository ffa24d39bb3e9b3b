//! One step of the automaton: perceive, update the cells that fire, kill the cells with no living
//! neighbourhood.

use burn::tensor::{Bool, Int, Tensor, TensorData, activation::relu, backend::Backend};
use burn::tensor::IndexingUpdateOp;

use super::config::{ALIVE_THRESHOLD, ALPHA, CHANNELS, FEATURES, NcaConfig};
use super::params::NcaParams;
use super::perceive::{max3x3, perceive};

/// How the update rule is evaluated. Both give the same result for the same fire mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StepMode {
    /// Every cell runs the network; the fire mask multiplies the update. No host round trip:
    /// the right choice on a GPU.
    #[default]
    Dense,
    /// Only cells that fire and are alive run the network (an update elsewhere is discarded by
    /// the masks anyway). Needs the alive mask on the host each step, which is free on the CPU
    /// backend and there saves most of the work: a growing creature covers a fraction of its grid.
    Sparse,
}

/// Cells whose 3x3 neighbourhood holds an alpha above the threshold: `[n, h, w, 1]`.
pub fn alive_mask<B: Backend>(x: &Tensor<B, 4>, cfg: &NcaConfig) -> Tensor<B, 4, Bool> {
    max3x3(x.clone().narrow(3, ALPHA, 1), cfg.border).greater_elem(ALIVE_THRESHOLD)
}

/// The update rule on `[cells, 48]` features.
pub fn update_rule<B: Backend>(features: Tensor<B, 2>, p: &NcaParams<B>) -> Tensor<B, 2> {
    let hidden = relu(features.matmul(p.w1.clone()) + p.b1.clone());
    hidden.matmul(p.w2.clone()) + p.b2.clone()
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
    debug_assert_eq!(c, CHANNELS);
    let cells = n * h * w;
    assert_eq!(fire.len(), cells, "fire mask length");
    let device = x.device();
    let pre = alive_mask(&x, cfg);
    let features = perceive(x.clone(), cfg.angle, cfg.border).reshape([cells, FEATURES]);
    let dx = match mode {
        StepMode::Dense => {
            let fire: Vec<f32> = fire.iter().map(|&f| f as u8 as f32).collect();
            let fire = Tensor::<B, 2>::from_data(TensorData::new(fire, [cells, 1]), &device);
            Some(update_rule(features, params) * fire)
        }
        StepMode::Sparse => {
            let alive = bool_to_host(pre.clone());
            let rows: Vec<i64> =
                (0..cells).filter(|&i| fire[i] && alive[i]).map(|i| i as i64).collect();
            if rows.is_empty() {
                None
            } else {
                let k = rows.len();
                let idx = Tensor::<B, 1, Int>::from_data(TensorData::new(rows, [k]), &device);
                let upd = update_rule(features.select(0, idx.clone()), params);
                Some(Tensor::zeros([cells, CHANNELS], &device).select_assign(0, idx, upd, IndexingUpdateOp::Add))
            }
        }
    };
    let x = match dx {
        Some(dx) => x + dx.reshape([n, h, w, c]),
        None => x,
    };
    let post = alive_mask(&x, cfg);
    let life = pre.bool_and(post).float();
    x * life
}
