//! The wgpu device burn runs on outside the game, created here rather than by burn's default so
//! that its errors are ours to report. wgpu hands an error it was not asked to catch (an
//! out-of-memory in a buffer cubecl allocates, for one) to the device's handler, and the default
//! handler panics, on whichever thread made the call. Ours records the first error; the trainer
//! checks it every iteration (`fault`), so a training on a GPU that ran out of memory stops with
//! that said and its last checkpoint intact, instead of panicking or rolling back as "diverged".
//! The game keeps Bevy's device and Bevy's own handler (`app::gpu`).

use std::sync::{Arc, Mutex};

use burn::backend::wgpu::WgpuDevice;
use burn_wgpu::{RuntimeOptions, WgpuSetup, init_device};

/// What a device's handler recorded: the first error since the last `fault` took one.
type Slot = Arc<Mutex<Option<String>>>;

/// A device of our own: burn's handle to it, and wgpu's.
#[derive(Clone, Debug)]
pub struct OwnDevice {
    pub burn: WgpuDevice,
    pub wgpu: wgpu::Device,
}

/// Every device created here, with where its handler writes.
static SLOTS: Mutex<Vec<(WgpuDevice, Slot)>> = Mutex::new(Vec::new());

/// Devices opened on each adapter (by its place in [`adapters`]), each once.
static OPENED: Mutex<Vec<(usize, Result<WgpuDevice, String>)>> = Mutex::new(Vec::new());
/// The adapter GPU jobs run on: the best one unless `backend::resolve` measured another faster.
static CHOSEN: Mutex<usize> = Mutex::new(0);

/// The device every GPU job of this process shares, created on first use on the chosen adapter
/// ([`choose`]; the best one, [`adapters`]' first, by default) with the adapter's own limits.
pub fn gpu() -> Result<WgpuDevice, String> {
    on_adapter(*CHOSEN.lock().unwrap_or_else(|p| p.into_inner()))
}

/// The shared device where a caller has already been told whether it opens (`backend::resolve`);
/// were it somehow not there, burn's default device is tried, which fails as it fails.
pub fn shared() -> WgpuDevice {
    gpu().unwrap_or_default()
}

/// Makes adapter `index` of [`adapters`] the one later GPU jobs share.
pub fn choose(index: usize) {
    *CHOSEN.lock().unwrap_or_else(|p| p.into_inner()) = index;
}

/// The device on adapter `index` of [`adapters`], opened once for the process.
pub fn on_adapter(index: usize) -> Result<WgpuDevice, String> {
    let mut opened = OPENED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, d)) = opened.iter().find(|(i, _)| *i == index) {
        return d.clone();
    }
    let d = open_on(index).map(|d| d.burn);
    opened.push((index, d.clone()));
    d
}

/// A new device on the best adapter, apart from the shared one (a test that provokes an error
/// uses one of its own, so the jobs beside it on the shared device are not the ones told).
pub fn open() -> Result<OwnDevice, String> {
    open_on(0)
}

/// A new device on adapter `index` of [`adapters`].
fn open_on(index: usize) -> Result<OwnDevice, String> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
    let adapter = ranked(&instance).into_iter().nth(index).ok_or_else(no_adapter)?;
    // As burn's default asks: the adapter's features and real limits (not wgpu's defaults), and
    // allocations sized to use less memory, cubecl pooling them itself. Less the experimental
    // features, which need an unsafe opt-in and which none of our kernels use.
    let unwanted = wgpu::Features::MAPPABLE_PRIMARY_BUFFERS | wgpu::Features::all_experimental_mask();
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("morphogen"),
        required_features: adapter.features().difference(unwanted),
        required_limits: adapter.limits(),
        memory_hints: wgpu::MemoryHints::MemoryUsage,
        ..Default::default()
    }))
    .map_err(|e| format!("cannot open the GPU {}: {e}", adapter.get_info().name))?;
    let slot: Slot = Arc::default();
    let handler_slot = slot.clone();
    device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
        let said = describe(&e);
        eprintln!("GPU error: {said}");
        let mut s = handler_slot.lock().unwrap_or_else(|p| p.into_inner());
        // The first error is the cause; what follows it is usually its consequence.
        s.get_or_insert(said);
    }));
    let info = adapter.get_info();
    let setup = WgpuSetup { instance, adapter, device: device.clone(), queue, backend: info.backend };
    let burn = init_device(setup, RuntimeOptions::default());
    crate::kernels::lanes::register(&burn, &info);
    SLOTS.lock().unwrap_or_else(|p| p.into_inner()).push((burn.clone(), slot));
    Ok(OwnDevice { burn, wgpu: device })
}

/// An error as the user should read it: an out-of-memory said as such, with what would help.
pub fn describe(e: &wgpu::Error) -> String {
    match e {
        wgpu::Error::OutOfMemory { source } => format!(
            "the GPU ran out of memory ({source}); train a smaller batch, grid or group of creatures, \
             or use --backend cpu"
        ),
        wgpu::Error::Validation { description, .. } => format!("the GPU refused a command: {description}"),
        wgpu::Error::Internal { description, .. } => format!("the GPU driver failed: {description}"),
    }
}

/// Takes the error recorded on `device` since the last call, if any (only a device created here
/// can have one).
pub fn fault(device: &WgpuDevice) -> Option<String> {
    let slots = SLOTS.lock().unwrap_or_else(|p| p.into_inner());
    let (_, slot) = slots.iter().find(|(k, _)| k == device)?;
    slot.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// The adapters GPU work can run on, best first: real GPUs, then virtual and other ones, a
/// software driver last (a stable sort, so the order is the driver's within a rank). OpenGL's
/// adapters only where there is nothing else: they are the same chips again, and our forward
/// kernel steps wrong through wgpu's GL backend (a test's 0.127 off the host on llvmpipe's GL).
fn ranked(instance: &wgpu::Instance) -> Vec<wgpu::Adapter> {
    let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    if adapters.iter().any(|a| a.get_info().backend != wgpu::Backend::Gl) {
        adapters.retain(|a| a.get_info().backend != wgpu::Backend::Gl);
    }
    let rank = |t: wgpu::DeviceType| match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    adapters.sort_by_key(|a| rank(a.get_info().device_type));
    adapters
}

/// What [`ranked`] finds, described; cheap, creates no device.
pub fn adapters() -> Vec<wgpu::AdapterInfo> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
    ranked(&instance).iter().map(|a| a.get_info()).collect()
}

pub fn no_adapter() -> String {
    "no GPU adapter found (no Vulkan, Metal, DX12 or GL driver). On Debian, \
     `apt-get install mesa-vulkan-drivers libvulkan1` provides a software one; or use --backend cpu"
        .into()
}
