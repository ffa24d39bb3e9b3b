//! The rule on host memory (burn's ndarray backend): the host kernels (`nca::host_kernel`,
//! `world::host`) and the host gradient (`train::host_grad`), on the arrays themselves.

use burn::backend::NdArray;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};

use super::{RuleBackend, SimRule};
use crate::nca::host_kernel::step_host_in_place;
use crate::nca::sim::to_host;
use crate::train::rollout::{Outcome, Rollout};
use crate::world::frame::Frame;
use crate::world::host;
use crate::world::params::Params;

fn upload<const D: usize>(
    v: Vec<f32>,
    shape: [usize; D],
    device: &burn::backend::ndarray::NdArrayDevice,
) -> Tensor<NdArray, D> {
    Tensor::from_data(TensorData::new(v, shape), device)
}

impl RuleBackend for NdArray {
    const HOST: bool = true;

    // (burn's `to_data` of an array also held elsewhere, which any `&Tensor` may be, walks it
    // element by element through a dynamic-rank iterator: about 10 ms per million floats, which
    // was most of a host world step at 256x256.)
    fn with_host<const D: usize, R>(t: &Tensor<Self, D>, f: impl FnOnce(&[f32]) -> R) -> R {
        if let TensorPrimitive::Float(burn_ndarray::NdArrayTensor::F32(s)) = t.clone().into_primitive()
            && let Some(slice) = s.view().as_slice()
        {
            return f(slice);
        }
        f(&to_host(t))
    }

    fn into_host<const D: usize>(t: Tensor<Self, D>) -> Vec<f32> {
        match t.into_primitive() {
            TensorPrimitive::Float(burn_ndarray::NdArrayTensor::F32(s)) => {
                let array = s.into_owned().into_owned();
                if !array.is_standard_layout() {
                    return array.iter().copied().collect();
                }
                let n = array.len();
                let (mut v, offset) = array.into_raw_vec_and_offset();
                v.drain(..offset.unwrap_or(0));
                v.truncate(n);
                v
            }
            other => to_host(&Tensor::<Self, D>::from_primitive(other)),
        }
    }

    fn sim_step(x: Tensor<Self, 4>, rule: &SimRule<'_, Self>, step: u64) -> Tensor<Self, 4> {
        let dims @ [n, h, w, _] = x.dims();
        let device = x.device();
        let mut v = Self::into_host(x);
        let fire = rule.fire.mask(step as u32, n, h * w);
        step_host_in_place(&mut v, [n, h, w], rule.weights, rule.cfg, &fire);
        upload(v, dims, &device)
    }

    fn rollout(ro: &Rollout<'_, Self>, x0: &Tensor<Self, 4>) -> Result<Outcome<Self>, String> {
        Ok(ro.host(x0, Self::with_host(x0, <[f32]>::to_vec)))
    }

    fn world_step(
        state: Tensor<Self, 1>,
        aux: &Tensor<Self, 1>,
        weights: &Tensor<Self, 1>,
        p: &Params,
    ) -> Tensor<Self, 1> {
        let device = state.device();
        let mut x = Self::into_host(state);
        Self::with_host(aux, |a| Self::with_host(weights, |w| host::step(&mut x, a, w, p)));
        let n = x.len();
        upload(x, [n], &device)
    }

    fn world_edit(
        state: Tensor<Self, 1>,
        aux: Tensor<Self, 1>,
        edits: &[u32],
        p: &Params,
    ) -> (Tensor<Self, 1>, Tensor<Self, 1>) {
        let device = state.device();
        let (mut x, mut a) = (Self::into_host(state), Self::into_host(aux));
        host::edit(&mut x, &mut a, edits, p);
        let (nx, na) = (x.len(), a.len());
        (upload(x, [nx], &device), upload(a, [na], &device))
    }

    fn world_pack(state: Tensor<Self, 1>, aux: Tensor<Self, 1>, p: &Params) -> (Tensor<Self, 1>, Frame<Self>) {
        let device = aux.device();
        let mut a = Self::into_host(aux);
        let img = Self::with_host(&state, |x| host::pack(x, &mut a, p));
        let na = a.len();
        (upload(a, [na], &device), Frame::Host(img))
    }
}
