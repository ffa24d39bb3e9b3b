//! The weights of an update rule, on the host ([`Weights`]) and on a device ([`NcaParams`]),
//! shaped by their [`ModelSpec`].

use burn::tensor::{Tensor, TensorData, backend::Backend};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

use super::spec::ModelSpec;

/// Host copy of the weights, row-major, the layout of the creature file.
/// `w1[i * hidden + j]` is the weight from perception feature `i` to hidden unit `j`;
/// `w2[j * channels + c]` from hidden unit `j` to channel `c`; `b2` is empty when the spec's last
/// layer has no bias.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub spec: ModelSpec,
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
    pub b2: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamsError {
    Spec(String),
    Shape { tensor: &'static str, expected: usize, found: usize },
    NonFinite { tensor: &'static str, index: usize, value: f32 },
}

impl std::fmt::Display for ParamsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamsError::Spec(e) => write!(f, "model spec: {e}"),
            ParamsError::Shape { tensor, expected, found } => {
                write!(f, "tensor {tensor} has {found} values, expected {expected}")
            }
            ParamsError::NonFinite { tensor, index, value } => {
                write!(f, "tensor {tensor} holds a non-finite value ({value}) at index {index}")
            }
        }
    }
}
impl std::error::Error for ParamsError {}

impl Weights {
    /// A fresh rule: the first layer drawn like PyTorch's default 1x1 convolution (uniform in
    /// +-1/sqrt(fan_in)), the last layer zero so that it starts as "do nothing".
    pub fn init(spec: ModelSpec, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let bound = 1.0 / (spec.features() as f32).sqrt();
        let mut draw = |n: usize| (0..n).map(|_| rng.random_range(-bound..bound)).collect::<Vec<f32>>();
        let [s1, sb1, s2, sb2] = spec.sizes();
        let w1 = draw(s1);
        let b1 = draw(sb1);
        Self { spec, w1, b1, w2: vec![0.0; s2], b2: vec![0.0; sb2] }
    }

    pub fn zeros(spec: ModelSpec) -> Self {
        let [s1, sb1, s2, sb2] = spec.sizes();
        Self { spec, w1: vec![0.0; s1], b1: vec![0.0; sb1], w2: vec![0.0; s2], b2: vec![0.0; sb2] }
    }

    pub fn tensors(&self) -> [(&'static str, &[f32]); 4] {
        [("w1", &self.w1), ("b1", &self.b1), ("w2", &self.w2), ("b2", &self.b2)]
    }

    pub fn tensors_mut(&mut self) -> [&mut Vec<f32>; 4] {
        [&mut self.w1, &mut self.b1, &mut self.w2, &mut self.b2]
    }

    pub fn len(&self) -> usize {
        self.w1.len() + self.b1.len() + self.w2.len() + self.b2.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A spec every implementation runs, shapes right and every value finite: what a creature
    /// file or an import must satisfy.
    pub fn validate(&self) -> Result<(), ParamsError> {
        self.spec.validate().map_err(ParamsError::Spec)?;
        for ((name, values), expected) in self.tensors().into_iter().zip(self.spec.sizes()) {
            if values.len() != expected {
                return Err(ParamsError::Shape { tensor: name, expected, found: values.len() });
            }
            if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(ParamsError::NonFinite { tensor: name, index, value });
            }
        }
        Ok(())
    }

    /// Flat order used by files, the optimiser state and the kernels: w1, b1, w2, b2.
    pub fn flatten(&self) -> Vec<f32> {
        let mut v = Vec::with_capacity(self.len());
        for (_, t) in self.tensors() {
            v.extend_from_slice(t);
        }
        v
    }

    pub fn unflatten(spec: ModelSpec, flat: &[f32]) -> Result<Self, ParamsError> {
        let n = spec.param_count();
        if flat.len() != n {
            return Err(ParamsError::Shape { tensor: "all", expected: n, found: flat.len() });
        }
        let [s1, sb1, s2, _] = spec.sizes();
        let (w1, rest) = flat.split_at(s1);
        let (b1, rest) = rest.split_at(sb1);
        let (w2, b2) = rest.split_at(s2);
        Ok(Self { spec, w1: w1.to_vec(), b1: b1.to_vec(), w2: w2.to_vec(), b2: b2.to_vec() })
    }

    /// The weights as device tensors; a spec without an output bias gets a zero one, so that the
    /// tensor graph is the same for every spec (its gradient is dropped on the way back).
    pub fn to_device<B: Backend>(&self, device: &B::Device) -> NcaParams<B> {
        let s = self.spec;
        let t = |v: &[f32], shape: [usize; 2]| Tensor::<B, 2>::from_data(TensorData::new(v.to_vec(), shape), device);
        let b2 = if s.out_bias { self.b2.clone() } else { vec![0.0; s.channels] };
        NcaParams {
            spec: s,
            w1: t(&self.w1, [s.features(), s.hidden]),
            b1: t(&self.b1, [1, s.hidden]),
            w2: t(&self.w2, [s.hidden, s.channels]),
            b2: t(&b2, [1, s.channels]),
        }
    }
}

/// The weights as device tensors, ready for [`nca_step`](super::nca_step).
#[derive(Clone, Debug)]
pub struct NcaParams<B: Backend> {
    pub spec: ModelSpec,
    pub w1: Tensor<B, 2>,
    pub b1: Tensor<B, 2>,
    pub w2: Tensor<B, 2>,
    /// `[1, channels]`; all zeros, and left out of [`to_weights`](Self::to_weights), when the
    /// spec has no output bias.
    pub b2: Tensor<B, 2>,
}

impl<B: Backend> NcaParams<B> {
    pub fn to_weights(&self) -> Weights {
        let v = |t: &Tensor<B, 2>| t.to_data().convert::<f32>().into_vec::<f32>().expect("f32 tensor");
        let b2 = if self.spec.out_bias { v(&self.b2) } else { Vec::new() };
        Weights { spec: self.spec, w1: v(&self.w1), b1: v(&self.b1), w2: v(&self.w2), b2 }
    }

    pub fn map(self, f: impl Fn(Tensor<B, 2>) -> Tensor<B, 2>) -> Self {
        Self { spec: self.spec, w1: f(self.w1), b1: f(self.b1), w2: f(self.w2), b2: f(self.b2) }
    }

    /// Rules one after the other, each flat in the file order (w1, b1, w2, and b2 where its spec
    /// has one), as our kernels read them.
    pub fn flat(params: &[Self]) -> Tensor<B, 1> {
        let mut parts = Vec::new();
        for p in params {
            parts.push(p.w1.clone().reshape([-1]));
            parts.push(p.b1.clone().reshape([-1]));
            parts.push(p.w2.clone().reshape([-1]));
            if p.spec.out_bias {
                parts.push(p.b2.clone().reshape([-1]));
            }
        }
        Tensor::cat(parts, 0)
    }
}
