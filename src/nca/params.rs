//! The 8,336 weights of the update rule, on the host ([`Weights`]) and on a device ([`NcaParams`]).

use burn::tensor::{Tensor, TensorData, backend::Backend};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

use super::config::{CHANNELS, FEATURES, HIDDEN, PARAM_COUNT};

/// Host copy of the weights, row-major, the layout of the creature file.
/// `w1[i * HIDDEN + j]` is the weight from perception feature `i` to hidden unit `j`;
/// `w2[j * CHANNELS + c]` from hidden unit `j` to channel `c`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
    pub b2: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamsError {
    Shape { tensor: &'static str, expected: usize, found: usize },
    NonFinite { tensor: &'static str, index: usize, value: f32 },
}

impl std::fmt::Display for ParamsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
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
    pub const SHAPES: [(&'static str, [usize; 2]); 4] =
        [("w1", [FEATURES, HIDDEN]), ("b1", [1, HIDDEN]), ("w2", [HIDDEN, CHANNELS]), ("b2", [1, CHANNELS])];

    /// A fresh rule: the first layer drawn like PyTorch's default 1x1 convolution
    /// (uniform in +-1/sqrt(fan_in)), the last layer zero so that it starts as "do nothing".
    pub fn init(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let bound = 1.0 / (FEATURES as f32).sqrt();
        let mut draw = |n: usize| (0..n).map(|_| rng.random_range(-bound..bound)).collect::<Vec<f32>>();
        let w1 = draw(FEATURES * HIDDEN);
        let b1 = draw(HIDDEN);
        Self { w1, b1, w2: vec![0.0; HIDDEN * CHANNELS], b2: vec![0.0; CHANNELS] }
    }

    pub fn zeros() -> Self {
        Self {
            w1: vec![0.0; FEATURES * HIDDEN],
            b1: vec![0.0; HIDDEN],
            w2: vec![0.0; HIDDEN * CHANNELS],
            b2: vec![0.0; CHANNELS],
        }
    }

    pub fn tensors(&self) -> [(&'static str, &[f32]); 4] {
        [("w1", &self.w1), ("b1", &self.b1), ("w2", &self.w2), ("b2", &self.b2)]
    }

    pub fn len(&self) -> usize {
        self.w1.len() + self.b1.len() + self.w2.len() + self.b2.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Shapes right and every value finite: what a creature file or an import must satisfy.
    pub fn validate(&self) -> Result<(), ParamsError> {
        for ((name, values), (_, shape)) in self.tensors().into_iter().zip(Self::SHAPES) {
            let expected = shape[0] * shape[1];
            if values.len() != expected {
                return Err(ParamsError::Shape { tensor: name, expected, found: values.len() });
            }
            if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(ParamsError::NonFinite { tensor: name, index, value });
            }
        }
        debug_assert_eq!(self.len(), PARAM_COUNT);
        Ok(())
    }

    /// Flat order used by the optimiser state and checkpoints: w1, b1, w2, b2.
    pub fn flatten(&self) -> Vec<f32> {
        let mut v = Vec::with_capacity(self.len());
        for (_, t) in self.tensors() {
            v.extend_from_slice(t);
        }
        v
    }

    pub fn unflatten(flat: &[f32]) -> Result<Self, ParamsError> {
        if flat.len() != PARAM_COUNT {
            return Err(ParamsError::Shape { tensor: "all", expected: PARAM_COUNT, found: flat.len() });
        }
        let (w1, rest) = flat.split_at(FEATURES * HIDDEN);
        let (b1, rest) = rest.split_at(HIDDEN);
        let (w2, b2) = rest.split_at(HIDDEN * CHANNELS);
        Ok(Self { w1: w1.to_vec(), b1: b1.to_vec(), w2: w2.to_vec(), b2: b2.to_vec() })
    }

    pub fn to_device<B: Backend>(&self, device: &B::Device) -> NcaParams<B> {
        let t = |v: &[f32], shape: [usize; 2]| Tensor::<B, 2>::from_data(TensorData::new(v.to_vec(), shape), device);
        NcaParams {
            w1: t(&self.w1, [FEATURES, HIDDEN]),
            b1: t(&self.b1, [1, HIDDEN]),
            w2: t(&self.w2, [HIDDEN, CHANNELS]),
            b2: t(&self.b2, [1, CHANNELS]),
        }
    }
}

/// The weights as device tensors, ready for [`nca_step`](super::nca_step).
#[derive(Clone, Debug)]
pub struct NcaParams<B: Backend> {
    pub w1: Tensor<B, 2>,
    pub b1: Tensor<B, 2>,
    pub w2: Tensor<B, 2>,
    pub b2: Tensor<B, 2>,
}

impl<B: Backend> NcaParams<B> {
    pub fn to_weights(&self) -> Weights {
        let v = |t: &Tensor<B, 2>| t.to_data().convert::<f32>().into_vec::<f32>().expect("f32 tensor");
        Weights { w1: v(&self.w1), b1: v(&self.b1), w2: v(&self.w2), b2: v(&self.b2) }
    }

    pub fn map(self, f: impl Fn(Tensor<B, 2>) -> Tensor<B, 2>) -> Self {
        Self { w1: f(self.w1), b1: f(self.b1), w2: f(self.w2), b2: f(self.b2) }
    }
}
