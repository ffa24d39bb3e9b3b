//! States of grids on any backend: seeds, host copies, colour, the RGBA error, alive counts (what
//! a simulation, `crate::simulation`, and a training read of their states).

use burn::tensor::{Tensor, TensorData, backend::Backend};

use super::config::{ALIVE_THRESHOLD, ALPHA};
use super::spec::ModelSpec;

/// Host state of `n` grids of `h` x `w` where a model starts: for a masked (growing) model one
/// seed cell each at (h/2, w/2), channels 3.. = 1; for a texture, zeros everywhere (its rule
/// grows the pattern out of nothing).
pub fn seed_state(spec: &ModelSpec, n: usize, h: usize, w: usize) -> Vec<f32> {
    let c = spec.channels;
    let mut v = vec![0.0; n * h * w * c];
    if spec.alive_masking {
        for b in 0..n {
            let base = ((b * h + h / 2) * w + w / 2) * c;
            v[base + ALPHA..base + c].iter_mut().for_each(|c| *c = 1.0);
        }
    }
    v
}

pub fn state_tensor<B: Backend>(host: Vec<f32>, dims: [usize; 4], device: &B::Device) -> Tensor<B, 4> {
    Tensor::from_data(TensorData::new(host, dims), device)
}

/// A host copy of a float tensor (`rule::RuleBackend::with_host` reads the CPU backend's array
/// without one).
pub fn to_host<B: Backend, const D: usize>(t: &Tensor<B, D>) -> Vec<f32> {
    t.to_data().convert::<f32>().into_vec::<f32>().expect("f32 tensor")
}

/// The premultiplied RGBA a spec shows for each cell of a host state (`channels` floats per cell):
/// a creature's first four channels; a texture's first three plus 0.5, opaque.
pub fn rgba_view(spec: &ModelSpec, state: &[f32]) -> Vec<f32> {
    state
        .chunks_exact(spec.channels)
        .flat_map(|c| match spec.colour {
            super::spec::Colour::Rgba => [c[0], c[1], c[2], c[3]],
            super::spec::Colour::RgbOffset => {
                let v = |k: usize| (c[k] + 0.5).clamp(0.0, 1.0);
                [v(0), v(1), v(2), 1.0]
            }
        })
        .collect()
}

/// Mean squared error over the RGBA channels, per sample of two `[n, h, w, channels]` states (or
/// of states and one `[1, h, w, 4]` target).
pub fn rgba_mse<B: Backend>(a: &Tensor<B, 4>, b: &Tensor<B, 4>) -> Vec<f32> {
    let n = a.dims()[0];
    let d = a.clone().narrow(3, 0, 4) - b.clone().narrow(3, 0, 4);
    to_host(&(d.clone() * d).reshape([n as i32, -1]).mean_dim(1))
}

/// Per-sample count of cells (of `channels` floats) whose own alpha exceeds the alive threshold.
pub fn alive_counts(host: &[f32], channels: usize, n: usize) -> Vec<usize> {
    let per = host.len() / n.max(1);
    (0..n)
        .map(|b| host[b * per..(b + 1) * per].chunks_exact(channels).filter(|c| c[ALPHA] > ALIVE_THRESHOLD).count())
        .collect()
}
