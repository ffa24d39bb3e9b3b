//! Launching WGSL kernels on burn's wgpu stream, on the buffers of burn's tensors (fusion is off
//! in this build, so burn leaves those buffers to us between its own operations).

use burn::backend::Wgpu;
use burn::tensor::{DType, Shape, Tensor, TensorPrimitive};
use burn_cubecl::cubecl::CubeCount;
use burn_cubecl::cubecl::future::block_on;
use burn_cubecl::cubecl::profile::TimingMethod;
use burn_cubecl::cubecl::server::{Handle, KernelArguments};
use burn_cubecl::tensor::CubeTensor;
use burn_wgpu::{CubeDim, KernelSource, SourceKernel, WgpuRuntime};

use super::profile;

pub type Ct = CubeTensor<WgpuRuntime>;

/// The cube tensor behind a float tensor.
pub fn float(t: Tensor<Wgpu, 1>) -> Ct {
    t.into_primitive().tensor()
}

/// A flat f32 tensor over a buffer on `like`'s device.
pub fn wrap_float(like: &Ct, handle: Handle, len: usize) -> Tensor<Wgpu, 1> {
    let ct =
        CubeTensor::new_contiguous(like.client.clone(), like.device.clone(), Shape::new([len]), handle, DType::F32);
    Tensor::from_primitive(TensorPrimitive::Float(ct))
}

/// A new buffer holding `bytes`.
pub fn bytes_handle(like: &Ct, bytes: &[u8]) -> Handle {
    like.client.create_from_slice(bytes)
}

/// Workgroups for `n` invocations of `size`, folded into 2D past the 65,535 limit of one axis.
pub fn linear_count(n: usize, size: usize) -> CubeCount {
    layered_count(n, size, 1)
}

/// [`linear_count`] for each of `layers` in z (a species, a sample): the kernel finds its item
/// as `gid.y * num_workgroups.x * size + gid.x` and its layer as the workgroup's z.
pub fn layered_count(n: usize, size: usize, layers: u32) -> CubeCount {
    let groups = n.div_ceil(size).max(1) as u32;
    if groups <= 65_535 {
        CubeCount::Static(groups, 1, layers)
    } else {
        let x = 32_768;
        CubeCount::Static(x, groups.div_ceil(x), layers)
    }
}

fn arguments(buffers: Vec<Handle>) -> KernelArguments {
    buffers.into_iter().fold(KernelArguments::new(), |args, b| args.with_buffer(b.binding()))
}

/// Runs a kernel alone and times it (device timestamps where the adapter has them, else the
/// host's clock around a wait): for `tune`, which runs each variant so. `None` when the device
/// could not time it (the dispatch is made all the same).
pub fn time_alone<K: KernelSource>(
    like: &Ct,
    kernel: K,
    dim: CubeDim,
    count: CubeCount,
    buffers: Vec<Handle>,
) -> Option<std::time::Duration> {
    run_timed(like, SourceKernel::new(kernel, dim), count, arguments(buffers), "tune").map(|(d, _)| d)
}

/// Queues a kernel on the stream of `like`'s device with the buffers bound in order (and times it
/// alone while this thread records: `profile`).
pub fn launch<K: KernelSource + std::fmt::Debug>(
    like: &Ct,
    kernel: K,
    dim: CubeDim,
    count: CubeCount,
    buffers: Vec<Handle>,
) {
    let args = arguments(buffers);
    if !profile::recording() {
        like.client.launch(Box::new(SourceKernel::new(kernel, dim)), count, args);
        return;
    }
    let name = format!("{kernel:?}");
    if let Some((took, device)) = run_timed(like, SourceKernel::new(kernel, dim), count, args, &name) {
        profile::add(name, took, device);
    }
}

/// Runs one dispatch timed alone: how long it took and whether the device's timestamps said so.
/// The launch goes into the profiled closure through a slot, so that a profile that could not
/// start (and so never ran the closure) still leaves the launch to be made here: timing must never
/// drop a dispatch. One that fails at its end leaves the kernel untimed (`None`).
fn run_timed<K: KernelSource>(
    like: &Ct,
    kernel: SourceKernel<K>,
    count: CubeCount,
    args: KernelArguments,
    name: &str,
) -> Option<(std::time::Duration, bool)> {
    let job = std::sync::Arc::new(std::sync::Mutex::new(Some((kernel, count, args))));
    let (client, slot) = (like.client.clone(), job.clone());
    let timed = like.client.profile(
        move || {
            if let Some((k, count, args)) = slot.lock().ok().and_then(|mut j| j.take()) {
                client.launch(Box::new(k), count, args);
            }
        },
        name,
    );
    if let Some((k, count, args)) = job.lock().ok().and_then(|mut j| j.take()) {
        like.client.launch(Box::new(k), count, args);
    }
    let ((), d) = timed.ok()?;
    let device = d.timing_method() == TimingMethod::Device;
    Some((block_on(d.resolve()).duration(), device))
}
