//! How a backend runs the world kernels. The defaults run on host memory (the CPU backend, and
//! ECS tests); the wgpu backend overrides them with the WGSL kernels (see `gpu.rs`).

use burn::backend::NdArray;
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};

use super::params::{Params, row_stride};
use super::{WorldSize, host, int_words};
use crate::nca::sim::{into_host, with_host};

/// A packed display image: on the host, or RGBA8 words in a device buffer (rows padded to
/// [`row_stride`]) that the display copies into a texture without leaving the GPU.
pub enum Frame<B: Backend> {
    Host(Vec<u8>),
    Device(Tensor<B, 1, Int>),
}

/// A packed frame's buffer, kept alive while a copy out of it is pending.
#[derive(Clone)]
pub struct FrameBuffer {
    pub resource: std::sync::Arc<dyn std::any::Any + Send + Sync>,
    pub buffer: wgpu::Buffer,
    pub offset: u64,
    pub size: u64,
}

impl<B: Backend> Frame<B> {
    /// RGBA8 rows without padding.
    pub fn to_host(&self, size: WorldSize) -> Vec<u8> {
        match self {
            Frame::Host(v) => v.clone(),
            Frame::Device(t) => {
                let words = int_words(t);
                let stride = row_stride(size.width);
                let mut out = Vec::with_capacity(size.cells() * 4);
                for y in 0..size.height {
                    for w in &words[y * stride..y * stride + size.width] {
                        out.extend(w.to_le_bytes());
                    }
                }
                out
            }
        }
    }
}

fn upload<B: Backend>(v: Vec<f32>, device: &B::Device) -> Tensor<B, 1> {
    let n = v.len();
    Tensor::from_data(TensorData::new(v, [n]), device)
}

pub trait WorldBackend: Backend {
    /// Whether the kernels bind the world's state as one GPU storage buffer, so that the device's
    /// binding limit caps the species a world holds (the host kernels have no such limit).
    const BINDS_STATE: bool = false;

    fn world_step(
        state: Tensor<Self, 1>,
        aux: &Tensor<Self, 1>,
        weights: &Tensor<Self, 1>,
        p: &Params,
    ) -> Tensor<Self, 1> {
        let device = state.device();
        let mut x = into_host(state);
        with_host(aux, |a| with_host(weights, |w| host::step(&mut x, a, w, p)));
        upload(x, &device)
    }

    fn world_edit(
        state: Tensor<Self, 1>,
        aux: Tensor<Self, 1>,
        edits: &[u32],
        p: &Params,
    ) -> (Tensor<Self, 1>, Tensor<Self, 1>) {
        let device = state.device();
        let (mut x, mut a) = (into_host(state), into_host(aux));
        host::edit(&mut x, &mut a, edits, p);
        (upload(x, &device), upload(a, &device))
    }

    fn world_pack(state: Tensor<Self, 1>, aux: Tensor<Self, 1>, p: &Params) -> (Tensor<Self, 1>, Frame<Self>) {
        let device = aux.device();
        let mut a = into_host(aux);
        let img = with_host(&state, |x| host::pack(x, &mut a, p));
        (upload(a, &device), Frame::Host(img))
    }

    /// The device buffer behind a packed frame, for a copy into a texture on the same device.
    fn frame_buffer(_frame: &Tensor<Self, 1, Int>) -> Option<FrameBuffer> {
        None
    }
}

impl WorldBackend for NdArray {}
