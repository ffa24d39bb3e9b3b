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
    /// Its place among `gpu_device::adapters`, best first.
    pub index: usize,
}

impl std::fmt::Display for GpuInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {})", self.name, self.device_type, self.api)
    }
}

/// Every wgpu adapter, best first (real GPUs first). Cheap; creates no device.
pub fn probe_gpus() -> Vec<GpuInfo> {
    let described = |(index, i): (usize, wgpu::AdapterInfo)| GpuInfo {
        name: i.name.clone(),
        device_type: format!("{:?}", i.device_type),
        api: format!("{:?}", i.backend),
        software: i.device_type == wgpu::DeviceType::Cpu,
        index,
    };
    crate::gpu_device::adapters().into_iter().enumerate().map(described).collect()
}

/// The best wgpu adapter.
pub fn probe_gpu() -> Result<GpuInfo, String> {
    probe_gpus().into_iter().next().ok_or_else(crate::gpu_device::no_adapter)
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
/// backend, so Auto passes it over (ask for it with `gpu`). Jobs that can time themselves
/// (training: [`resolve_measured`]) measure instead.
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

/// A path a job could take, and what a short run of the job measured there: seconds an
/// iteration, or why it could not be measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    pub on: Resolved,
    pub secs: Result<f64, String>,
}

impl std::fmt::Display for Measured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.secs {
            Ok(s) => write!(f, "{}: {:.2} it/s", self.on.describe(), 1.0 / s.max(1e-9)),
            Err(e) => write!(f, "{}: not measured ({e})", self.on.describe()),
        }
    }
}

/// What `auto` weighs: the CPU and every adapter, software ones included.
pub fn paths() -> Vec<Resolved> {
    std::iter::once(Resolved::Cpu).chain(probe_gpus().into_iter().map(Resolved::Gpu)).collect()
}

/// Measures every one of `paths` and returns the fastest with what each measured; the first path
/// (the CPU) when none could be measured.
pub fn fastest(
    paths: Vec<Resolved>,
    mut measure: impl FnMut(&Resolved) -> Result<f64, String>,
) -> (Resolved, Vec<Measured>) {
    let all: Vec<Measured> = paths.into_iter().map(|on| Measured { secs: measure(&on), on }).collect();
    let best = all
        .iter()
        .filter_map(|m| m.secs.as_ref().ok().map(|s| (*s, &m.on)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, on)| on.clone());
    let first = all.first().map_or(Resolved::Cpu, |m| m.on.clone());
    (best.unwrap_or(first), all)
}

/// [`resolve`], except that `auto` runs `measure` (seconds an iteration of the job) on every path
/// ([`paths`]) and takes the fastest, saying what each measured. `measure` gets the GPU's device
/// with each adapter (`gpu_device::on_adapter`), and the jobs later share the one taken. What it
/// measured for a job of this shape (`job`) is kept with the kernels' tuning (`kernels::tune`,
/// `MORPHOGEN_TUNE=redo` measures again), so the next one starts at once; the last value says
/// whether the figures are those kept.
pub fn resolve_measured(
    choice: BackendChoice,
    job: &str,
    mut measure: impl FnMut(&Resolved) -> Result<f64, String>,
) -> Result<(Resolved, Vec<Measured>, bool), String> {
    if choice != BackendChoice::Auto {
        return Ok((resolve(choice)?, Vec::new(), false));
    }
    let paths = paths();
    let names: Vec<String> = paths.iter().map(Resolved::describe).collect();
    let kept = crate::kernels::tune::remembered(job, &names);
    let remembered = kept.is_some();
    let (on, all) = match kept {
        Some(secs) => {
            fastest(paths, |p| Ok(names.iter().position(|n| *n == p.describe()).map_or(f64::NAN, |i| secs[i])))
        }
        None => {
            let (on, all) = fastest(paths, &mut measure);
            let rates = all.iter().filter_map(|m| m.secs.as_ref().ok().map(|s| (m.on.describe(), *s))).collect();
            crate::kernels::tune::remember(job, rates);
            (on, all)
        }
    };
    match on {
        Resolved::Gpu(g) => {
            crate::gpu_device::choose(g.index);
            Ok((gpu_opened(g)?, all, remembered))
        }
        Resolved::Cpu => Ok((Resolved::Cpu, all, remembered)),
    }
}

/// The line `auto` prints: what each path measured (now, or earlier when `remembered`) and which
/// it took.
pub fn said(on: &Resolved, all: &[Measured], remembered: bool) -> String {
    let each: Vec<String> = all.iter().map(|m| m.to_string()).collect();
    let when = if remembered { " (earlier, as kept in tune.ron; MORPHOGEN_TUNE=redo measures again)" } else { "" };
    format!("auto measured {}{when}; took the {}", each.join(", "), on.label())
}

/// The GPU, once its device is open: a device that cannot be had is said here, before any job.
fn gpu_opened(g: GpuInfo) -> Result<Resolved, String> {
    crate::kernels::lanes::check_env()?;
    crate::kernels::tune::check_env()?;
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
        // The adapter it was resolved to (the lab may run jobs on different ones).
        Resolved::Gpu(g) => {
            let device = crate::gpu_device::on_adapter(g.index).unwrap_or_else(|_| crate::gpu_device::shared());
            job.run::<Autodiff<GpuBackend>>(device, on)
        }
    }
}
