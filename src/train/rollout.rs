//! One iteration's rollout and its gradient, by each path there is: the host rollout with its
//! hand-written gradient (`host_grad`: the CPU backend's `rule::RuleBackend::rollout`), our WGSL
//! kernels with theirs (`kernels::fused`: wgpu's), and burn's autodiff over the tensor step (any
//! backend: the reference the tests hold the other two to). All start from the same batch, draw
//! the same fire masks and minimise the same objective.

use burn::backend::Wgpu;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Tensor, TensorData};

use super::host_grad;
use super::objective::Objective;
use crate::kernels::fused;
use crate::nca::sim::{state_tensor, to_host};
use crate::nca::{FireMasks, NcaConfig, NcaParams, nca_step};
use crate::target::Target;

/// Everything a rollout needs besides its starting states.
pub struct Rollout<'a, I: burn::tensor::backend::Backend> {
    pub params: &'a NcaParams<I>,
    pub rule: NcaConfig,
    pub fire: FireMasks,
    pub steps: usize,
    pub objective: &'a Objective,
    pub target: &'a Target,
    /// `[1, h, w, 4]`: the paper's loss, as tensor ops (the autodiff path).
    pub target_t: &'a Tensor<I, 4>,
    /// Draws the texture loss's random directions.
    pub loss_seed: u64,
}

/// (loss, gradient of every weight, final states)
pub type Outcome<I> = (f32, NcaParams<I>, Tensor<I, 4>);

impl<I: burn::tensor::backend::Backend> Rollout<'_, I> {
    /// On host memory with the hand-written gradient (the CPU path): `x0_host` is `x0`'s values,
    /// as the backend reads them (`rule::RuleBackend::with_host`).
    pub fn host(&self, x0: &Tensor<I, 4>, x0_host: Vec<f32>) -> Outcome<I> {
        let dims = x0.dims();
        let device = x0.device();
        let weights = self.params.to_weights();
        let c = weights.spec.channels;
        let grid = [dims[0], dims[1], dims[2]];
        let fire = self.fire;
        let r =
            host_grad::forward(&x0_host, grid, &weights, &self.rule, self.steps, &|t, b, i| fire.fires(t as u32, b, i));
        let (loss, g) = self.objective.loss(&r.final_state, grid, c, self.target, self.loss_seed);
        let grads = r.backward(g);
        (loss, grads.to_device(&device), state_tensor(r.final_state, dims, &device))
    }

    /// Through burn's autodiff (any backend). The paper's loss runs as tensor ops; a texture's
    /// loss runs on the host, and its gradient comes back as the weights of a linear surrogate
    /// (sum of states times gradient) whose own gradient is that gradient.
    pub fn autodiff<B: AutodiffBackend<InnerBackend = I>>(&self, x0: Tensor<I, 4>) -> Outcome<I> {
        let [n, h, w, c] = x0.dims();
        let lift = |t: &Tensor<I, 2>| Tensor::<B, 2>::from_inner(t.clone()).require_grad();
        let q = self.params;
        // A spec without an output bias carries a zero one that must stay zero: no gradient.
        let b2 = if q.spec.out_bias { lift(&q.b2) } else { Tensor::<B, 2>::from_inner(q.b2.clone()) };
        let p: NcaParams<B> = NcaParams { spec: q.spec, w1: lift(&q.w1), b1: lift(&q.b1), w2: lift(&q.w2), b2 };
        let mut x = Tensor::<B, 4>::from_inner(x0);
        for t in 0..self.steps {
            x = nca_step(x, &p, &self.rule, &self.fire.mask(t as u32, n, h * w));
        }
        let (loss_v, loss) = match self.objective {
            Objective::Shape => {
                let d = x.clone().narrow(3, 0, 4) - Tensor::from_inner(self.target_t.clone());
                let loss = (d.clone() * d).mean();
                (loss.clone().into_scalar().elem::<f32>(), loss)
            }
            Objective::Texture { .. } => {
                let host = to_host(&x.clone().inner());
                let (l, g) = self.objective.loss(&host, [n, h, w], c, self.target, self.loss_seed);
                let g = Tensor::<B, 4>::from_data(TensorData::new(g, [n, h, w, c]), &x.device());
                (l, (x.clone() * g).sum())
            }
        };
        let grads = loss.backward();
        let g = |t: &Tensor<B, 2>| t.grad(&grads).unwrap_or_else(|| t.clone().inner().zeros_like());
        let grads = NcaParams { spec: q.spec, w1: g(&p.w1), b1: g(&p.b1), w2: g(&p.w2), b2: g(&p.b2) };
        (loss_v, grads, x.inner())
    }
}

impl Rollout<'_, Wgpu> {
    /// Through our WGSL kernels (`fused`).
    pub fn fused(&self, x0: &Tensor<Wgpu, 4>) -> Result<Outcome<Wgpu>, String> {
        let (x, params) = (x0.clone(), self.params);
        let [n, h, w, c] = x.dims();
        let spec = params.spec;
        let batch = fused::Batch {
            spec,
            creatures: 1,
            per_creature: n,
            height: h,
            width: w,
            rule: self.rule,
            fire: self.fire,
            steps: self.steps,
            each: None,
        };
        let loss = match self.objective {
            Objective::Shape => fused::Loss::Rgba(Box::new(self.target_t.clone().reshape([-1]))),
            // A texture's loss runs on the host, as on every path.
            Objective::Texture { .. } => fused::Loss::Host(Box::new(move |fin: &[f32]| {
                let (l, g) = self.objective.loss(fin, [n, h, w], c, self.target, self.loss_seed);
                (vec![l], g)
            })),
        };
        let o = fused::rollout_grad(x, NcaParams::flat(std::slice::from_ref(params)), &batch, loss)?;
        Ok((o.loss[0], fused::unflatten(spec, &o.grads, 0), o.final_state))
    }
}
