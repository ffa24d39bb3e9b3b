//! The world kernels on the wgpu backend: our WGSL (`shaders/world_*.wgsl`) launched on burn's
//! own stream, on the tensors' buffers, so a world lives and is displayed without leaving the GPU.
//! (burn's fusion is off in this build; with it, custom kernels would not apply.)

use std::sync::Arc;

use burn::backend::Wgpu;
use burn::tensor::{DType, Int, Shape, Tensor};
use burn_cubecl::cubecl::CubeCount;
use burn_cubecl::cubecl::prelude::KernelId;
use burn_cubecl::tensor::CubeTensor;
use burn_wgpu::{CubeDim, KernelSource, SourceTemplate, WgpuResource};

use super::backend::{Frame, FrameBuffer, WorldBackend};
use super::host::op;
use super::params::{Params, WorldHeader, row_stride};
use crate::kernels::lanes::{self, Spread};
use crate::kernels::launch::{Ct, bytes_handle, float, launch, layered_count, linear_count, wrap_float};
use crate::kernels::layout::STRIDE;
use crate::kernels::layout::wgsl_prelude;

/// Side of a step kernel's tile: 64 invocations, and workgroup memory (the tile with its halo,
/// the updates, the work list: about 14.5 KiB) within WebGPU's default 16 KiB, so every adapter
/// runs it.
pub const TILE: u32 = 8;

/// The world's kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorldKernel {
    /// One step of every species (a tile of one species per workgroup).
    Step,
    /// The second half of a step: a creature's cells with no updated alpha around them die.
    Keep,
    /// Seeds, wounds, walls and grafts at listed cells.
    Edit,
    /// The display image.
    Pack,
}

impl KernelSource for WorldKernel {
    fn source(&self) -> SourceTemplate {
        let (files, own): (&[&str], &str) = match self {
            WorldKernel::Step => (
                &[include_str!("../../shaders/common.wgsl"), include_str!("../../shaders/nca.wgsl")],
                include_str!("../../shaders/world_step.wgsl"),
            ),
            WorldKernel::Keep => (
                &[include_str!("../../shaders/common.wgsl"), include_str!("../../shaders/keep.wgsl")],
                include_str!("../../shaders/world_keep.wgsl"),
            ),
            WorldKernel::Edit => {
                (&[include_str!("../../shaders/common.wgsl")], include_str!("../../shaders/world_edit.wgsl"))
            }
            WorldKernel::Pack => {
                (&[include_str!("../../shaders/common.wgsl")], include_str!("../../shaders/world_pack.wgsl"))
            }
        };
        // What every world kernel binds: the header and a layer per species.
        let params = "struct WorldParams {\n    head: WorldHeader,\n    layers: array<Layer>,\n}\n";
        let mut t = SourceTemplate::new(wgsl_prelude(&[WorldHeader::WGSL, params]));
        for f in files {
            t = t.add_template(*f);
        }
        t.add_template(own)
            .register("tile", TILE.to_string())
            // One lane a cell unless launched as a `lanes::Spread`.
            .register("lanes", "1")
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

impl WorldBackend for Wgpu {
    const BINDS_STATE: bool = true;

    fn world_step(
        state: Tensor<Wgpu, 1>,
        aux: &Tensor<Wgpu, 1>,
        weights: &Tensor<Wgpu, 1>,
        p: &Params,
    ) -> Tensor<Wgpu, 1> {
        let len = state.dims()[0];
        let x = float(state);
        let a = float(aux.clone());
        let w = float(weights.clone());
        let ph = params_handle(&x, p);
        let out = x.client.empty(len * 4);
        // Every species' updated alpha: its cells' fate, read around each by the keep kernel.
        let post = x.client.empty(len / STRIDE as usize * 4);
        let count = CubeCount::Static(p.head.width.div_ceil(TILE), p.head.height.div_ceil(TILE), p.head.species);
        let lanes = lanes::of(&x.device);
        let dim = CubeDim { x: TILE, y: TILE, z: lanes };
        let bufs = vec![x.handle.clone(), out.clone(), a.handle.clone(), w.handle.clone(), ph.clone(), post.clone()];
        launch(&x, Spread { kernel: WorldKernel::Step, lanes }, dim, count, bufs);
        let count = layered_count(p.width() * p.height(), 256, p.head.species);
        launch(&x, WorldKernel::Keep, CubeDim { x: 256, y: 1, z: 1 }, count, vec![out.clone(), post, ph]);
        wrap_float(&x, out, len)
    }

    fn world_edit(
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

    fn world_pack(state: Tensor<Wgpu, 1>, aux: Tensor<Wgpu, 1>, p: &Params) -> (Tensor<Wgpu, 1>, Frame<Wgpu>) {
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

    fn frame_buffer(frame: &Tensor<Wgpu, 1, Int>) -> Option<FrameBuffer> {
        let ct: Ct = frame.clone().into_primitive();
        // Submit what is queued so that a copy recorded after this sees the finished image.
        ct.client.flush().ok()?;
        let res = ct.client.get_resource(ct.handle.clone()).ok()?;
        let r: &WgpuResource = res.resource();
        let (buffer, offset, size) = (r.buffer.clone(), r.offset, r.size);
        Some(FrameBuffer {
            resource: Arc::new(ManagedKeep(std::sync::Mutex::new(Box::new(res)))),
            buffer,
            offset,
            size,
        })
    }
}

/// Keeps the pool from handing the frame's memory to another tensor while it is being copied.
struct ManagedKeep(#[allow(dead_code)] std::sync::Mutex<Box<dyn Send>>);
