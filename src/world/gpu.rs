//! The world kernels on the wgpu backend: our WGSL (`shaders/world_*.wgsl`) launched on burn's
//! own stream, on the tensors' buffers, so a world lives and is displayed without leaving the GPU.
//! (burn's fusion is off in this build; with it, custom kernels would not apply.)

use std::sync::Arc;

use burn::backend::Wgpu;
use burn::tensor::{DType, Int, Shape, Tensor};
use burn_cubecl::cubecl::prelude::KernelId;
use burn_cubecl::tensor::CubeTensor;
use burn_wgpu::{CubeDim, KernelSource, SourceTemplate, WgpuResource};

use super::frame::{Frame, FrameBuffer};
use super::host::op;
use super::params::{Params, WorldHeader, row_stride};
use crate::kernels::launch::{Ct, bytes_handle, float, launch, linear_count, wrap_float};
use crate::kernels::layout::{Layer, STRIDE, wgsl_template};
use crate::kernels::step::{StepBuffers, StepHeader, launch_step};

/// The world's own kernels (its step is the shared one: `kernels::step`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorldKernel {
    /// Seeds, wounds, walls and grafts at listed cells.
    Edit,
    /// The display image.
    Pack,
}

impl KernelSource for WorldKernel {
    fn source(&self) -> SourceTemplate {
        let own = match self {
            WorldKernel::Edit => include_str!("../../shaders/world_edit.wgsl"),
            WorldKernel::Pack => include_str!("../../shaders/world_pack.wgsl"),
        };
        // What both bind: the header and a layer per species.
        let params = "struct WorldParams {\n    head: WorldHeader,\n    layers: array<Layer>,\n}\n";
        wgsl_template(&[WorldHeader::WGSL, params], &[], own)
            .register("seed", op::SEED.to_string())
            .register("graft", op::GRAFT.to_string())
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(*self as u32)
    }
}

fn params_handle(like: &Ct, p: &Params) -> burn_cubecl::cubecl::server::Handle {
    bytes_handle(like, &p.to_bytes())
}

/// One step of every species: `world_step`, then `world_keep`.
pub fn step(state: Tensor<Wgpu, 1>, aux: &Tensor<Wgpu, 1>, weights: &Tensor<Wgpu, 1>, p: &Params) -> Tensor<Wgpu, 1> {
    let len = state.dims()[0];
    let x = float(state);
    let out = x.client.empty(len * 4);
    let head = StepHeader {
        width: p.head.width,
        height: p.head.height,
        wrap: p.head.wrap,
        step: p.head.step,
        layers: p.head.species,
        world: 1,
        ..Default::default()
    };
    // The world's species fire by its seed, and never stop.
    let layers: Vec<Layer> = p.layers.iter().map(|l| Layer { seed: p.head.seed, steps: u32::MAX, ..*l }).collect();
    let bufs = StepBuffers {
        from: x.handle.clone(),
        out: out.clone(),
        aux: float(aux.clone()).handle,
        weights: float(weights.clone()).handle,
        // Every species' updated alpha: its cells' fate, read around each by the keep kernel.
        post: x.client.empty(len / STRIDE as usize * 4),
        // Not written in the world; bound all the same.
        life: x.client.empty(4),
    };
    launch_step(&x, head, &layers, bufs);
    wrap_float(&x, out, len)
}

/// Seeds, wounds, walls and grafts at the listed cells, in place.
pub fn edit(
    state: Tensor<Wgpu, 1>,
    aux: Tensor<Wgpu, 1>,
    edits: &[u32],
    p: &Params,
) -> (Tensor<Wgpu, 1>, Tensor<Wgpu, 1>) {
    // In place: the world owns these tensors and holds no other reference to them.
    let x = float(state);
    let a = float(aux);
    let eh = bytes_handle(&x, bytemuck::cast_slice(edits));
    let ph = params_handle(&x, p);
    let dim = CubeDim { x: 256, y: 1, z: 1 };
    launch(
        &x,
        WorldKernel::Edit,
        dim,
        linear_count(edits.len() / 2, 256),
        vec![x.handle.clone(), a.handle.clone(), eh, ph],
    );
    let (xl, al) = (x.meta.shape()[0], a.meta.shape()[0]);
    (wrap_float(&x, x.handle.clone(), xl), wrap_float(&a, a.handle.clone(), al))
}

/// The display image, and the wound flash faded.
pub fn pack(state: Tensor<Wgpu, 1>, aux: Tensor<Wgpu, 1>, p: &Params) -> (Tensor<Wgpu, 1>, Frame<Wgpu>) {
    let x = float(state);
    let a = float(aux);
    let words = row_stride(p.width()) * p.height();
    let img = x.client.empty(words * 4);
    let ph = params_handle(&x, p);
    let dim = CubeDim { x: 256, y: 1, z: 1 };
    let count = linear_count(p.width() * p.height(), 256);
    launch(&x, WorldKernel::Pack, dim, count, vec![x.handle.clone(), a.handle.clone(), ph, img.clone()]);
    let al = a.meta.shape()[0];
    let ct = CubeTensor::new_contiguous(x.client.clone(), x.device.clone(), Shape::new([words]), img, DType::I32);
    (wrap_float(&a, a.handle.clone(), al), Frame::Device(Tensor::from_primitive(ct)))
}

/// The device buffer behind a packed frame.
pub fn frame_buffer(frame: &Tensor<Wgpu, 1, Int>) -> Option<FrameBuffer> {
    let ct: Ct = frame.clone().into_primitive();
    // Submit what is queued so that a copy recorded after this sees the finished image.
    ct.client.flush().ok()?;
    let res = ct.client.get_resource(ct.handle.clone()).ok()?;
    let r: &WgpuResource = res.resource();
    let (buffer, offset, size) = (r.buffer.clone(), r.offset, r.size);
    Some(FrameBuffer { resource: Arc::new(ManagedKeep(std::sync::Mutex::new(Box::new(res)))), buffer, offset, size })
}

/// Keeps the pool from handing the frame's memory to another tensor while it is being copied.
struct ManagedKeep(#[allow(dead_code)] std::sync::Mutex<Box<dyn Send>>);
