//! The world as a resource and the system that advances it: edits first, then as many steps as
//! the speed asks for, then the display image.

use std::time::Duration;

use web_time::Instant;

use bevy::prelude::*;

use super::speed::{Speed, StepBudget};
use crate::rule::RuleBackend;
use crate::world::{EditOp, Frame, ViewMode, World};

/// The burn device the world lives on.
#[derive(Resource, Clone)]
pub struct BackendDevice<B: RuleBackend>(pub B::Device);

#[derive(Resource)]
pub struct Sandbox<B: RuleBackend> {
    pub world: World<B>,
    /// Edits gathered this frame from tools and scripts, applied before the next step.
    pub pending: Vec<(u32, EditOp)>,
}

/// Pause, speed, single step and the live counters.
#[derive(Resource, Debug)]
pub struct Clock {
    pub paused: bool,
    pub speed: Speed,
    pub step_once: bool,
    pub view: ViewMode,
    /// Scripts: never step past this many steps (a wait ends exactly on its step).
    pub step_limit: Option<u64>,
    pub steps_per_sec: f32,
    pub fps: f32,
    /// Seconds of the last frame spent stepping (including waiting for the device).
    pub step_ms: f32,
    budget: StepBudget,
    window_start: Option<(Instant, u64, u64)>,
    frames: u64,
}

impl Clock {
    /// Frames counted since the app started.
    pub fn frames(&self) -> u64 {
        self.frames
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            paused: false,
            speed: Speed::default(),
            step_once: false,
            view: ViewMode::Rgba,
            step_limit: None,
            steps_per_sec: 0.0,
            fps: 0.0,
            step_ms: 0.0,
            budget: StepBudget::default(),
            window_start: None,
            frames: 0,
        }
    }
}

/// The display image of this frame, on the device, for the render world to copy.
#[derive(Resource, Default, Clone)]
pub struct DeviceFrame(pub Option<crate::world::FrameBuffer>);

/// The display image of this frame on the host (the CPU backend), RGBA8 rows, for the display to
/// upload.
#[derive(Resource, Default, Clone)]
pub struct HostFrame(pub Option<Vec<u8>>);

/// Systems that change the world run in this set, before it is stepped.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct EditWorld;
/// The step itself.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct StepWorld;

backend_plugin!(SimPlugin);

impl<B: RuleBackend> Plugin for SimPlugin<B> {
    fn build(&self, app: &mut App) {
        app.init_resource::<Clock>()
            .init_resource::<DeviceFrame>()
            .init_resource::<HostFrame>()
            .configure_sets(Update, EditWorld.before(StepWorld))
            .add_systems(Startup, create_world::<B>)
            // The world holds still while another scene is on show (the lab wants the CPU).
            .add_systems(
                Update,
                (advance::<B>.run_if(in_state(super::Scene::Sandbox)), count::<B>).chain().in_set(StepWorld),
            );
    }
}

fn create_world<B: RuleBackend>(
    mut commands: Commands,
    opts: Res<super::PlayOptions>,
    device: Res<BackendDevice<B>>,
    render: Option<Res<bevy::render::renderer::RenderDevice>>,
) {
    let mut world = World::<B>::new(opts.size, opts.seed, &device.0);
    if !B::HOST
        && let Some(r) = render
    {
        let limit = r.limits().max_storage_buffer_binding_size;
        info!("GPU storage buffers bind at most {} MiB", limit >> 20);
        world.set_buffer_limit(limit);
    }
    commands.insert_resource(Sandbox { world, pending: Vec::new() });
}

/// Frame time budget when the speed is "max": leaves room for drawing at about 30 fps.
const MAX_SPEED_BUDGET: Duration = Duration::from_millis(25);

pub fn advance<B: RuleBackend>(
    sandbox: Option<ResMut<Sandbox<B>>>,
    mut clock: ResMut<Clock>,
    mut device_frame: ResMut<DeviceFrame>,
    mut host_frame: ResMut<HostFrame>,
) {
    let Some(mut sandbox) = sandbox else { return };
    let sb = &mut *sandbox;
    if !sb.pending.is_empty() {
        let edits = std::mem::take(&mut sb.pending);
        sb.world.edit(&edits);
    }
    let start = Instant::now();
    let room = clock.step_limit.map(|l| l.saturating_sub(sb.world.steps()) as usize).unwrap_or(usize::MAX);
    let mut ran = 0usize;
    if clock.paused {
        if clock.step_once && room > 0 {
            sb.world.step();
            ran = 1;
        }
    } else {
        match clock.speed {
            Speed::PerFrame(f) => {
                let n = clock.budget.take(f).min(room);
                for _ in 0..n {
                    sb.world.step();
                }
                ran = n;
            }
            Speed::Max => {
                while ran < room && start.elapsed() < MAX_SPEED_BUDGET {
                    let k = 4.min(room - ran);
                    for _ in 0..k {
                        sb.world.step();
                    }
                    ran += k;
                    B::sync(sb.world.device()).ok();
                }
            }
        }
    }
    clock.step_once = false;
    let view = clock.view;
    match sb.world.pack(view) {
        Frame::Host(img) => host_frame.0 = Some(img),
        Frame::Device(t) => device_frame.0 = B::frame_buffer(&t),
    }
    if ran > 0 {
        // Waiting here keeps the counters honest and the queue short.
        B::sync(sb.world.device()).ok();
    }
    clock.step_ms = start.elapsed().as_secs_f32() * 1000.0;
}

/// Counters over windows of about half a second, in every scene.
pub fn count<B: RuleBackend>(sandbox: Option<Res<Sandbox<B>>>, mut clock: ResMut<Clock>) {
    let Some(sb) = sandbox else { return };
    clock.frames += 1;
    let now = Instant::now();
    let steps = sb.world.steps();
    let frames = clock.frames;
    match clock.window_start {
        None => clock.window_start = Some((now, steps, frames)),
        Some((t0, s0, f0)) => {
            let dt = now.duration_since(t0).as_secs_f32();
            if dt >= 0.5 {
                clock.steps_per_sec = (steps - s0) as f32 / dt;
                clock.fps = (frames - f0) as f32 / dt;
                clock.window_start = Some((now, steps, frames));
            }
        }
    }
}
