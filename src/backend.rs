//! Choosing where the model runs: burn's wgpu backend on a GPU, or its ndarray backend on the CPU.

use crate::rule::TrainBackend;
use burn::backend::{Autodiff, NdArray, Wgpu};

pub type CpuBackend = NdArray<f32>;
pub type GpuBackend = Wgpu;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// A hardware GPU when there is one, else the CPU.
    #[default]
    Auto,
    Cpu,
    /// wgpu on whatever adapter there is, software ones (lavapipe) included.
    Gpu,
}

impl std::str::FromStr for BackendChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "gpu" | "wgpu" => Ok(Self::Gpu),
            _ => Err(format!("unknown backend '{s}' (expected auto, cpu or gpu)")),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct GpuInfo {
    pub name: String,
    pub device_type: String,
    pub api: String,
    /// A CPU implementation of the graphics API (Mesa's lavapipe, llvmpipe).
    pub software: bool,
}

impl std::fmt::Display for GpuInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {})", self.name, self.device_type, self.api)
    }
}

/// Looks for a wgpu adapter, preferring real GPUs. Cheap; creates no device.
pub fn probe_gpu() -> Result<GpuInfo, String> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
    let i = crate::gpu_device::best_adapter(&instance).ok_or_else(crate::gpu_device::no_adapter)?.get_info();
    Ok(GpuInfo {
        name: i.name.clone(),
        device_type: format!("{:?}", i.device_type),
        api: format!("{:?}", i.backend),
        software: i.device_type == wgpu::DeviceType::Cpu,
    })
}

/// Where a job runs once the choice is resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    Cpu,
    Gpu(GpuInfo),
}

impl Resolved {
    pub fn label(&self) -> &'static str {
        match self {
            Resolved::Cpu => "cpu",
            Resolved::Gpu(_) => "gpu",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            // The threads the host kernels spread over (RAYON_NUM_THREADS can set fewer than the
            // machine has), as a creature file records where it trained.
            Resolved::Cpu => match rayon::current_num_threads() {
                1 => "CPU (1 thread)".into(),
                n => format!("CPU ({n} threads)"),
            },
            Resolved::Gpu(g) => format!("GPU: {g}"),
        }
    }
}

/// Auto takes a hardware GPU when there is one; a software Vulkan driver is slower than the CPU
/// backend, so Auto passes it over (ask for it with `gpu`).
pub fn resolve(choice: BackendChoice) -> Result<Resolved, String> {
    match choice {
        BackendChoice::Cpu => Ok(Resolved::Cpu),
        BackendChoice::Gpu => gpu_opened(probe_gpu()?),
        BackendChoice::Auto => match probe_gpu() {
            Ok(g) if !g.software => gpu_opened(g),
            _ => Ok(Resolved::Cpu),
        },
    }
}

/// The GPU, once its device is open: a device that cannot be had is said here, before any job.
fn gpu_opened(g: GpuInfo) -> Result<Resolved, String> {
    crate::kernels::lanes::check_env()?;
    crate::gpu_device::gpu()?;
    Ok(Resolved::Gpu(g))
}

/// Work generic over the backend, run by [`run_job`] on the resolved one.
pub trait BackendJob {
    type Output;
    fn run<B: TrainBackend>(self, device: B::Device, on: &Resolved) -> Self::Output;
}

pub fn run_job<J: BackendJob>(on: &Resolved, job: J) -> J::Output {
    match on {
        Resolved::Cpu => job.run::<Autodiff<CpuBackend>>(Default::default(), on),
        Resolved::Gpu(_) => job.run::<Autodiff<GpuBackend>>(crate::gpu_device::shared(), on),
    }
}
