//! A packed display image as a backend's world kernels leave it.

use burn::tensor::{Int, Tensor, backend::Backend};

use super::params::{WorldSize, row_stride};

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

/// Host bytes of an int tensor holding packed RGBA8 words.
fn int_words<B: Backend>(t: &Tensor<B, 1, Int>) -> Vec<u32> {
    t.to_data().convert::<i32>().into_vec::<i32>().expect("int tensor").into_iter().map(|v| v as u32).collect()
}
