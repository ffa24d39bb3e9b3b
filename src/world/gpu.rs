//! The world kernels on the wgpu backend: our WGSL (`shaders/world_*.wgsl`) launched on burn's
//! own stream, on the tensors' buffers, so a world lives and is displayed without leaving the GPU.
//! (burn's fusion is off in this build; with it, custom kernels would not apply.)

use std::sync::{Arc, LazyLock};

use burn::backend::Wgpu;
use burn::tensor::{DType, Int, Shape, Tensor, TensorPrimitive};
use burn_cubecl::cubecl::CubeCount;
use burn_cubecl::cubecl::prelude::KernelId;
use burn_cubecl::cubecl::server::{Handle, KernelArguments};
use burn_cubecl::tensor::CubeTensor;
use burn_wgpu::{CubeDim, KernelSource, SourceKernel, SourceTemplate, WgpuResource, WgpuRuntime};

use super::backend::{Frame, WorldBackend};
use super::params::{Params, row_stride};

const COMMON: &str = include_str!("../../shaders/world_common.wgsl");

fn with_common(src: &str) -> String {
    src.replace("{{common}}", COMMON)
}

static UPDATE: LazyLock<String> = LazyLock::new(|| with_common(include_str!("../../shaders/world_update.wgsl")));
static MASK: LazyLock<String> = LazyLock::new(|| with_common(include_str!("../../shaders/world_mask.wgsl")));
static EDIT: LazyLock<String> = LazyLock::new(|| with_common(include_str!("../../shaders/world_edit.wgsl")));
static PACK: LazyLock<String> = LazyLock::new(|| with_common(include_str!("../../shaders/world_pack.wgsl")));

struct Kernel(&'static str);

impl KernelSource for Kernel {
    fn source(&self) -> SourceTemplate {
        let src: &String = match self.0 {
            "update" => &UPDATE,
            "mask" => &MASK,
            "edit" => &EDIT,
            _ => &PACK,
        };
        SourceTemplate::new(src.clone())
    }
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(self.0)
    }
}

type Ct = CubeTensor<WgpuRuntime>;

fn float(t: Tensor<Wgpu, 1>) -> Ct {
    t.into_primitive().tensor()
}

fn wrap_float(like: &Ct, handle: Handle, len: usize) -> Tensor<Wgpu, 1> {
    let ct =
        CubeTensor::new_contiguous(like.client.clone(), like.device.clone(), Shape::new([len]), handle, DType::F32);
    Tensor::from_primitive(TensorPrimitive::Float(ct))
}

/// Workgroups for `n` invocations of 256, folded into 2D past the 65,535 limit of one axis.
fn count(n: usize) -> CubeCount {
    let groups = n.div_ceil(256).max(1) as u32;
    if groups <= 65_535 {
        CubeCount::Static(groups, 1, 1)
    } else {
        let x = 32_768;
        CubeCount::Static(x, groups.div_ceil(x), 1)
    }
}

fn launch(like: &Ct, name: &'static str, n: usize, buffers: Vec<Handle>) {
    let mut args = KernelArguments::new();
    for b in buffers {
        args = args.with_buffer(b.binding());
    }
    let kernel = SourceKernel::new(Kernel(name), CubeDim { x: 256, y: 1, z: 1 });
    like.client.launch(Box::new(kernel), count(n), args);
}

fn params_handle(like: &Ct, p: &Params) -> Handle {
    let bytes: Vec<u8> = p.0.iter().flat_map(|w| w.to_le_bytes()).collect();
    like.client.create_from_slice(&bytes)
}

fn u32_handle(like: &Ct, v: &[u32]) -> Handle {
    let bytes: Vec<u8> = v.iter().flat_map(|w| w.to_le_bytes()).collect();
    like.client.create_from_slice(&bytes)
}

/// A packed frame's buffer, kept alive while a copy out of it is pending.
#[derive(Clone)]
pub struct FrameBuffer {
    pub resource: Arc<dyn std::any::Any + Send + Sync>,
    pub buffer: wgpu::Buffer,
    pub offset: u64,
    pub size: u64,
}

impl WorldBackend for Wgpu {
    fn world_step(
        state: Tensor<Wgpu, 1>,
        aux: &Tensor<Wgpu, 1>,
        weights: &Tensor<Wgpu, 1>,
        p: &Params,
    ) -> Tensor<Wgpu, 1> {
        let len = state.dims()[0];
        let n = p.width() * p.height() * p.species();
        let x = float(state);
        let a = float(aux.clone());
        let w = float(weights.clone());
        let ph = params_handle(&x, p);
        let tmp = x.client.empty(len * 4);
        launch(&x, "update", n, vec![x.handle.clone(), tmp.clone(), w.handle.clone(), ph.clone()]);
        let out = x.client.empty(len * 4);
        launch(&x, "mask", n, vec![x.handle.clone(), tmp, a.handle.clone(), ph, out.clone()]);
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
        let eh = u32_handle(&x, edits);
        let ph = params_handle(&x, p);
        launch(&x, "edit", edits.len() / 2, vec![x.handle.clone(), a.handle.clone(), eh, ph]);
        let (xl, al) = (x.meta.shape()[0], a.meta.shape()[0]);
        (wrap_float(&x, x.handle.clone(), xl), wrap_float(&a, a.handle.clone(), al))
    }

    fn world_pack(state: Tensor<Wgpu, 1>, aux: Tensor<Wgpu, 1>, p: &Params) -> (Tensor<Wgpu, 1>, Frame<Wgpu>) {
        let x = float(state);
        let a = float(aux);
        let words = row_stride(p.width()) * p.height();
        let img = x.client.empty(words * 4);
        let ph = params_handle(&x, p);
        launch(&x, "pack", p.width() * p.height(), vec![x.handle.clone(), a.handle.clone(), ph, img.clone()]);
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
