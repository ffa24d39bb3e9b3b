//! Adam with the paper's per-parameter gradient normalisation, on the four weight tensors.

use burn::tensor::{Tensor, backend::Backend};

use crate::nca::NcaParams;

#[derive(Clone, Debug)]
pub struct AdamState<B: Backend> {
    pub m: NcaParams<B>,
    pub v: NcaParams<B>,
    /// Updates applied so far (Adam's bias correction).
    pub t: u64,
}

impl<B: Backend> AdamState<B> {
    pub fn new(like: &NcaParams<B>) -> Self {
        let z = like.clone().map(|t| t.zeros_like());
        Self { m: z.clone(), v: z, t: 0 }
    }
}

/// g / (||g|| + eps): every tensor then moves at the pace the learning rate sets, whatever the
/// scale of its gradient, which is what keeps long rollouts trainable.
pub fn normalise<B: Backend>(g: Tensor<B, 2>, eps: f32) -> Tensor<B, 2> {
    let norm = (g.clone() * g.clone()).sum().sqrt().reshape([1, 1]);
    g / (norm + eps)
}

pub struct AdamHyper {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
}

fn update_one<B: Backend>(
    p: Tensor<B, 2>,
    g: Tensor<B, 2>,
    m: Tensor<B, 2>,
    v: Tensor<B, 2>,
    h: &AdamHyper,
    t: u64,
) -> (Tensor<B, 2>, Tensor<B, 2>, Tensor<B, 2>) {
    let m = m * h.beta1 + g.clone() * (1.0 - h.beta1);
    let v = v * h.beta2 + g.clone() * g * (1.0 - h.beta2);
    let c1 = 1.0 - h.beta1.powi(t as i32);
    let c2 = 1.0 - h.beta2.powi(t as i32);
    let step = (m.clone() / c1) / ((v.clone() / c2).sqrt() + h.eps) * h.lr;
    (p - step, m, v)
}

/// Applies one Adam update to `params` with the (already normalised) gradients `g`.
pub fn step<B: Backend>(params: NcaParams<B>, g: NcaParams<B>, s: &mut AdamState<B>, h: &AdamHyper) -> NcaParams<B> {
    s.t += 1;
    let spec = params.spec;
    let t = s.t;
    let (w1, m1, v1) = update_one(params.w1, g.w1, s.m.w1.clone(), s.v.w1.clone(), h, t);
    let (b1, m2, v2) = update_one(params.b1, g.b1, s.m.b1.clone(), s.v.b1.clone(), h, t);
    let (w2, m3, v3) = update_one(params.w2, g.w2, s.m.w2.clone(), s.v.w2.clone(), h, t);
    let (b2, m4, v4) = update_one(params.b2, g.b2, s.m.b2.clone(), s.v.b2.clone(), h, t);
    s.m = NcaParams { spec, w1: m1, b1: m2, w2: m3, b2: m4 };
    s.v = NcaParams { spec, w1: v1, b1: v2, w2: v3, b2: v4 };
    NcaParams { spec, w1, b1, w2, b2 }
}
