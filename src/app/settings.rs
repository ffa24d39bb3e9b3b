//! The player's settings, kept between runs in the data folder (`settings.json`, written
//! atomically): speed, view, tool sizes, the last creature picked, the window's size, and calm
//! mode for photosensitive players (no wound flash, and at most a few steps a frame so that the
//! world does not flicker at high speed). An unreadable file is set aside with a message.

use std::path::{Path, PathBuf};
use std::time::Duration;

use web_time::Instant;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::library::Library;
use super::shell::Notices;
use super::sim::{Clock, Sandbox};
use super::speed::Speed;
use super::tools::ToolSettings;
use crate::rule::RuleBackend;
use crate::world::ViewMode;

/// Steps a frame at most in calm mode.
pub const CALM_STEPS: f32 = 4.0;

#[derive(Resource, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub speed: Speed,
    pub view: ViewMode,
    pub eraser_radius: f32,
    pub scalpel_width: f32,
    pub wall_radius: f32,
    /// The library entry picked last, by name.
    pub last_creature: Option<String>,
    /// The window's size in logical pixels.
    pub window: [u32; 2],
    /// No wound flash, at most `CALM_STEPS` steps a frame.
    pub calm: bool,
}

impl Default for Settings {
    fn default() -> Self {
        let t = ToolSettings::default();
        Self {
            speed: Speed::default(),
            view: ViewMode::Rgba,
            eraser_radius: t.eraser_radius,
            scalpel_width: t.scalpel_width,
            wall_radius: t.wall_radius,
            last_creature: None,
            window: [1280, 800],
            calm: false,
        }
    }
}

impl Settings {
    pub fn path(data: &Path) -> PathBuf {
        data.join("settings.json")
    }

    /// The settings in the data folder (defaults when there are none), each value brought into
    /// the range the game offers; a message when the file could not be used.
    pub fn load(data: &Path) -> (Self, Option<String>) {
        let (mut s, msg): (Settings, _) = crate::fsio::load_json_or_set_aside(&Self::path(data));
        s.clamp();
        (s, msg)
    }

    fn clamp(&mut self) {
        let fix = |v: f32, lo: f32, hi: f32, d: f32| if v.is_finite() { v.clamp(lo, hi) } else { d };
        let d = Settings::default();
        self.eraser_radius = fix(self.eraser_radius, 1.0, 40.0, d.eraser_radius);
        self.scalpel_width = fix(self.scalpel_width, 1.0, 8.0, d.scalpel_width);
        self.wall_radius = fix(self.wall_radius, 0.5, 10.0, d.wall_radius);
        self.speed = Speed::from_level(self.speed.level());
        if let ViewMode::Channel(c) = self.view {
            self.view = ViewMode::Channel(c.clamp(4, 15));
        }
        self.window = [self.window[0].clamp(640, 7680), self.window[1].clamp(400, 4320)];
        if self.last_creature.as_ref().is_some_and(|n| crate::limits::name("last_creature", n).is_err()) {
            self.last_creature = None;
        }
    }

    pub fn save(&self, data: &Path) -> Result<(), String> {
        crate::fsio::create_dir_all(data)?;
        let json = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        Ok(crate::fsio::write_atomic(&Self::path(data), json.as_bytes())?)
    }

    /// The settings as the game has them now.
    fn now(&self, clock: &Clock, tools: &ToolSettings, lib: &Library, window: Option<&Window>) -> Self {
        Self {
            speed: clock.speed,
            view: clock.view,
            eraser_radius: tools.eraser_radius,
            scalpel_width: tools.scalpel_width,
            wall_radius: tools.wall_radius,
            last_creature: lib
                .selected
                .and_then(|i| lib.entries.get(i))
                .map(|e| e.name.clone())
                .or(self.last_creature.clone()),
            window: window.map(|w| [w.width() as u32, w.height() as u32]).unwrap_or(self.window),
            calm: self.calm,
        }
    }
}

/// What was last written, and when, so that a change is written once it has settled.
#[derive(Resource)]
struct Saved {
    settings: Settings,
    at: Instant,
}

backend_plugin!(SettingsPlugin);

impl<B: RuleBackend> Plugin for SettingsPlugin<B> {
    fn build(&self, app: &mut App) {
        app.add_systems(PostStartup, apply).add_systems(Update, calm::<B>).add_systems(Last, save);
    }
}

/// The loaded settings onto the clock, the tools and the library.
pub fn apply(
    settings: Res<Settings>,
    mut clock: ResMut<Clock>,
    mut tools: ResMut<ToolSettings>,
    mut lib: ResMut<Library>,
    mut commands: Commands,
) {
    clock.speed = settings.speed;
    clock.view = settings.view;
    tools.eraser_radius = settings.eraser_radius;
    tools.scalpel_width = settings.scalpel_width;
    tools.wall_radius = settings.wall_radius;
    if let Some(i) = settings.last_creature.as_deref().and_then(|n| lib.find(n)) {
        lib.selected = Some(i);
    }
    commands.insert_resource(Saved { settings: settings.clone(), at: Instant::now() });
}

/// Calm mode: no flash in the world's picture, and the speed capped.
fn calm<B: RuleBackend>(settings: Res<Settings>, mut clock: ResMut<Clock>, sandbox: Option<ResMut<Sandbox<B>>>) {
    if let Some(mut sb) = sandbox
        && sb.world.calm != settings.calm
    {
        sb.world.calm = settings.calm;
    }
    let fast = match clock.speed {
        Speed::Max => true,
        Speed::PerFrame(f) => f > CALM_STEPS,
    };
    if settings.calm && fast {
        clock.speed = Speed::PerFrame(CALM_STEPS);
    }
}

/// Writes the settings when they have changed and held still for a second, and on exit.
#[allow(clippy::too_many_arguments)]
fn save(
    mut settings: ResMut<Settings>,
    saved: Option<ResMut<Saved>>,
    clock: Res<Clock>,
    tools: Res<ToolSettings>,
    lib: Res<Library>,
    windows: Query<&Window>,
    opts: Res<super::PlayOptions>,
    mut exits: MessageReader<AppExit>,
    mut notices: ResMut<Notices>,
) {
    let Some(mut saved) = saved else { return };
    if opts.script.is_some() {
        return;
    }
    let now = settings.now(&clock, &tools, &lib, windows.iter().next());
    let exiting = exits.read().next().is_some();
    if now != *settings {
        *settings = now;
        saved.at = Instant::now();
    }
    if *settings != saved.settings && (exiting || saved.at.elapsed() > Duration::from_secs(1)) {
        if let Err(e) = settings.save(&opts.data_dir) {
            notices.say(format!("settings not saved: {e}"));
        }
        saved.settings = settings.clone();
    }
}
