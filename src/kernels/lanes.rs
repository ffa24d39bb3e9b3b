//! How many invocations share one cell's network in the step kernels (`shaders/nca.wgsl`'s
//! `LANES`: `train_step`, `world_step`, `train_back`), per device. Each lane takes its share of the
//! hidden units, so a cell's chain of dependent multiply-adds is that many times shorter and a
//! tile's workgroup that many times wider. A hardware GPU running one creature is bound by that
//! chain (16 creatures in one batch did 16x the work in 4.7x the time on an H200), so it gets
//! [`HARDWARE`] lanes; a CPU running the WGSL (lavapipe) pays for every extra invocation and its
//! barriers, so it keeps one. `MORPHOGEN_LANES` overrides both (`tests/scripts/bench_gpu.sh`
//! compares them on a lent GPU); [`scoped`] overrides them on one thread (the tests hold every
//! lane count to the host reference on whatever adapter runs them). Above the device's default,
//! `kernels::tune` times the lane counts on the device itself and keeps the fastest.

use std::cell::Cell;
use std::sync::{Mutex, OnceLock};

use burn::backend::wgpu::WgpuDevice;
use burn_cubecl::cubecl::prelude::KernelId;
use burn_wgpu::{KernelSource, SourceTemplate};

/// The lane counts a kernel can be built for: a divisor of every spec's hidden units in fours
/// (32 and 24), and 64 x 4 invocations within WebGPU's default 256 per workgroup.
pub const ALLOWED: [u32; 3] = [1, 2, 4];
/// On a hardware GPU.
pub const HARDWARE: u32 = 4;

/// A device opened by this process: its adapter as the tuning cache names it, and its default.
#[derive(Clone, Debug)]
pub struct Opened {
    /// The adapter's name, driver and graphics API: a tuned choice holds for this and nothing else.
    pub adapter: String,
    /// A CPU implementation of the graphics API (lavapipe).
    pub software: bool,
    /// The lanes it gets untuned.
    pub lanes: u32,
}

/// Devices opened by this process; one not here gets 1 lane and is not tuned.
static DEVICES: Mutex<Vec<(WgpuDevice, Opened)>> = Mutex::new(Vec::new());

thread_local! {
    static SCOPED: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Records `device` as opened on the adapter `info` describes.
pub fn register(device: &WgpuDevice, info: &wgpu::AdapterInfo) {
    let software = info.device_type == wgpu::DeviceType::Cpu;
    let adapter = format!("{} ({:?}; driver {} {})", info.name, info.backend, info.driver, info.driver_info);
    let opened = Opened { adapter, software, lanes: if software { 1 } else { HARDWARE } };
    if let Ok(mut d) = DEVICES.lock() {
        d.retain(|(dev, _)| dev != device);
        d.push((device.clone(), opened));
    }
}

/// What [`register`] recorded of `device`.
pub fn opened(device: &WgpuDevice) -> Option<Opened> {
    DEVICES.lock().ok()?.iter().find(|(dev, _)| dev == device).map(|(_, o)| o.clone())
}

/// `MORPHOGEN_LANES`, when set to an allowed count; read once (every launch asks).
fn from_env() -> &'static Result<Option<u32>, String> {
    static ENV: OnceLock<Result<Option<u32>, String>> = OnceLock::new();
    ENV.get_or_init(|| match std::env::var("MORPHOGEN_LANES") {
        Err(_) => Ok(None),
        Ok(v) => match v.trim().parse::<u32>() {
            Ok(n) if ALLOWED.contains(&n) => Ok(Some(n)),
            _ => Err(format!("MORPHOGEN_LANES={v}: expected one of {ALLOWED:?}")),
        },
    })
}

/// Checks `MORPHOGEN_LANES` (the CLI refuses a bad value before any work, the game warns of it,
/// rather than have it ignored without a word).
pub fn check_env() -> Result<(), String> {
    from_env().clone().map(|_| ())
}

/// The lanes asked for above any device's own: this thread's [`scoped`] value, else
/// `MORPHOGEN_LANES`.
pub fn overridden() -> Option<u32> {
    SCOPED.with(Cell::get).or(from_env().clone().ok().flatten())
}

/// The lanes the step kernels run with on `device` untuned: [`overridden`], else the device's
/// default.
pub fn of(device: &WgpuDevice) -> u32 {
    // Asked at every launch: the lane count alone, not a copy of the adapter's name.
    let lanes = || DEVICES.lock().ok()?.iter().find(|(dev, _)| dev == device).map(|(_, o)| o.lanes);
    overridden().unwrap_or_else(|| lanes().unwrap_or(1))
}

/// Runs `f` with the step kernels launched from this thread built for `lanes` (an allowed count).
pub fn scoped<R>(lanes: u32, f: impl FnOnce() -> R) -> R {
    assert!(ALLOWED.contains(&lanes), "lanes {lanes} not in {ALLOWED:?}");
    struct Restore(Option<u32>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPED.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SCOPED.with(|s| s.replace(Some(lanes))));
    f()
}

/// `kernel` built for `lanes` lanes a cell. Its `Debug` is the kernel's own (the name a profile
/// records).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Spread<K> {
    pub kernel: K,
    pub lanes: u32,
}

impl<K: std::fmt::Debug> std::fmt::Debug for Spread<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.kernel.fmt(f)
    }
}

impl<K: KernelSource + std::fmt::Debug + Copy> KernelSource for Spread<K> {
    fn source(&self) -> SourceTemplate {
        self.kernel.source().register("lanes", self.lanes.to_string())
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.kernel.id(), self.lanes))
    }
}
