//! The game: a Bevy app with one plugin per feature. The world lives on Bevy's own wgpu device
//! (burn is initialised on it), is stepped by WGSL kernels and copied into the world texture on
//! the GPU every frame.

/// Declares a plugin generic over the world's backend, with the `Default` a derive cannot give: a
/// derive would ask the backend type itself to be `Default`, and burn's `Wgpu` is not.
macro_rules! backend_plugin {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        pub struct $name<B>(std::marker::PhantomData<B>);
        impl<B> Default for $name<B> {
            fn default() -> Self {
                Self(std::marker::PhantomData)
            }
        }
    };
}

pub mod capture;
pub mod challenges;
pub mod display;
pub mod gpu;
pub mod lab;
pub mod library;
pub mod library_panel;
pub mod opening;
pub mod script;
pub mod settings;
pub mod shell;
pub mod sim;
pub mod speed;
pub mod thumbnails;
pub mod tools;
pub mod ui;
pub mod view;
#[cfg(target_arch = "wasm32")]
pub mod web;

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};

use crate::world::WorldSize;

/// The scenes of the window.
#[derive(States, Default, Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
pub enum Scene {
    #[default]
    Sandbox,
    Lab,
    Challenges,
}

/// How the game was started.
#[derive(Resource, Clone, Debug)]
pub struct PlayOptions {
    pub size: WorldSize,
    pub script: Option<PathBuf>,
    /// The folders the library reads creature files and Distill models from, in order (a later
    /// creature of the same name replaces an earlier one): the shipped creatures and the paper's
    /// models (built into the binary), then `--creatures`. The user's own (the data folder's
    /// `creatures/`) come last.
    pub library: Vec<PathBuf>,
    /// Where screenshots and recordings go.
    pub captures_dir: PathBuf,
    /// The user's data folder: trained creatures, the lab's checkpoints, levels of their own.
    pub data_dir: PathBuf,
    /// The folders of challenge levels, in order (a later file of the same name replaces an
    /// earlier one): the shipped levels, then `--levels`. The data folder's `levels/` comes last.
    pub levels: Vec<PathBuf>,
    pub seed: u32,
}

impl PlayOptions {
    pub fn new(size: WorldSize) -> Self {
        Self {
            size,
            script: None,
            library: vec![crate::shipped::creatures(), crate::shipped::distill()],
            captures_dir: capture::default_dir(),
            data_dir: capture::data_dir(),
            levels: vec![crate::shipped::levels()],
            seed: 1,
        }
    }
}

/// Where the sandbox's and the levels' worlds step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorldOn {
    /// Our WGSL kernels on burn's wgpu stream on Bevy's device; the picture never leaves the GPU.
    Gpu,
    /// The host kernels, the picture uploaded each frame: for software renderers (lavapipe,
    /// llvmpipe, WARP), where it is several times faster (docs/BENCHMARKS.md: a 256x256 world at
    /// 39 fps against 14 with the WGSL run by lavapipe, on two cores).
    Cpu,
}

/// `MORPHOGEN_WORLD=gpu` or `=cpu` (benchmarks, and the tests that hold each display path); any
/// other value is refused, naming it, rather than ignored.
pub fn world_from_env() -> Result<Option<WorldOn>, String> {
    match std::env::var("MORPHOGEN_WORLD") {
        Err(_) => Ok(None),
        Ok(v) => match v.trim() {
            "cpu" => Ok(Some(WorldOn::Cpu)),
            "gpu" => Ok(Some(WorldOn::Gpu)),
            _ => Err(format!("MORPHOGEN_WORLD={v}: expected cpu or gpu")),
        },
    }
}

/// `MORPHOGEN_WORLD` when it is set, else the host kernels where the only GPU is a software
/// renderer and the GPU elsewhere.
pub fn world_on(software_renderer: bool) -> Result<WorldOn, String> {
    Ok(world_from_env()?.unwrap_or(if software_renderer { WorldOn::Cpu } else { WorldOn::Gpu }))
}

/// Everything that holds a world, on one backend.
fn add_world_plugins<B: crate::rule::RuleBackend>(
    app: &mut App,
    challenge_opts: challenges::ChallengeOptions,
    script: Option<script::Script>,
) {
    app.add_plugins((
        settings::SettingsPlugin::<B>::default(),
        sim::SimPlugin::<B>::default(),
        tools::ToolsPlugin::<B>::default(),
        library::LibraryPlugin::<B>::default(),
    ));
    app.add_plugins((
        ui::UiPlugin::<B>::default(),
        capture::CapturePlugin::<B>::default(),
        opening::OpeningPlugin::<B>::default(),
        lab::LabPlugin::<B>::default(),
    ));
    app.add_plugins(challenges::ChallengesPlugin::<B>::new(challenge_opts));
    if let Some(s) = script {
        app.add_plugins(script::ScriptPlugin::<B>::new(s));
    }
}

/// Opens the window and runs until it is closed (or a script quits). The exit code: 0, or 2 when
/// a script failed (it has said why).
pub fn run(opts: PlayOptions) -> Result<u8, String> {
    // A bad override is refused before the GPU is looked for, and before any window opens.
    world_from_env()?;
    // Bevy panics without an adapter; say so plainly instead.
    let gpu = crate::backend::probe_gpu().map_err(|e| {
        format!("{e}\nThe game needs a Vulkan, Metal or DX12 device. On Linux without a GPU, install Mesa's software driver (Debian: mesa-vulkan-drivers libvulkan1).")
    })?;
    let script = match &opts.script {
        Some(p) => Some(script::Script::load(p)?),
        None => None,
    };
    let mut app = build(opts, world_on(gpu.software)?, script);
    match app.run() {
        AppExit::Success => Ok(0),
        AppExit::Error(code) => Ok(code.get()),
    }
}

/// The whole game, its world on `on`: the desktop's and the browser's (`web`).
pub fn build(opts: PlayOptions, on: WorldOn, script: Option<script::Script>) -> App {
    // Read first: the window opens at the size it had. A script starts from the defaults (it must
    // play the same everywhere) and leaves the player's settings alone.
    let (settings, settings_msg) = match script {
        Some(_) => (settings::Settings::default(), None),
        None => settings::Settings::load(&opts.data_dir),
    };
    let [ww, wh] = settings.window;
    let window = Window {
        title: "morphogen".into(),
        resolution: WindowResolution::new(ww, wh),
        // A script's timing is counted in frames and steps, so no vsync wait is needed.
        present_mode: if script.is_some() { PresentMode::AutoNoVsync } else { PresentMode::AutoVsync },
        ..default()
    };
    #[cfg(target_arch = "wasm32")]
    let window = web::window(window);
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins.set(WindowPlugin { primary_window: Some(window), ..default() }).set(bevy::log::LogPlugin {
            filter: "wgpu=error,naga=warn,bevy_render=warn,cubecl=warn".into(),
            ..default()
        }),
    );
    app.add_plugins(bevy_egui::EguiPlugin::default());
    app.init_state::<Scene>();
    app.insert_resource(lab::LabOptions {
        data_dir: opts.data_dir.clone(),
        // In the browser the lab trains on the CPU, in a worker of its own (`app::web`).
        backend: if cfg!(target_arch = "wasm32") {
            crate::backend::BackendChoice::Cpu
        } else {
            crate::backend::BackendChoice::Auto
        },
        // A regenerating creature trained as the zoo's are: healing every wound the game deals,
        // and done as soon as it meets the bar.
        defaults: crate::zoo::regime(),
    });
    let mut levels = opts.levels.clone();
    levels.push(opts.data_dir.join("levels"));
    let challenge_opts = challenges::ChallengeOptions { levels, data_dir: opts.data_dir.clone() };
    app.insert_resource(opts);
    app.add_plugins(shell::ShellPlugin);
    if let Some(m) = settings_msg {
        app.world_mut().resource_mut::<shell::Notices>().say(m);
    }
    app.insert_resource(settings);
    app.add_plugins((display::DisplayPlugin, view::ViewPlugin));
    app.add_plugins(thumbnails::ThumbnailPlugin { on: script.is_none() });
    match on {
        WorldOn::Gpu => {
            app.add_plugins(gpu::BurnOnBevyPlugin);
            add_world_plugins::<burn::backend::Wgpu>(&mut app, challenge_opts, script)
        }
        WorldOn::Cpu => {
            app.insert_resource(sim::BackendDevice::<crate::backend::CpuBackend>(Default::default()));
            add_world_plugins::<crate::backend::CpuBackend>(&mut app, challenge_opts, script)
        }
    }
    app
}
