//! What a running script holds (its place, what it waits for, its failure) and everything it
//! touches, in one system parameter. The runner and every domain's handler read it; it reads none
//! of them.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::FileDragAndDrop;

use super::data::Script;
use crate::app::Scene;
use crate::app::capture::CaptureRequests;
use crate::app::challenges::Challenge;
use crate::app::challenges::Levels;
use crate::app::challenges::levels::LevelPictures;
use crate::app::lab::LabState;
use crate::app::library::Library;
use crate::app::shell::Notices;
use crate::app::sim::{BackendDevice, Clock, Sandbox};
use crate::app::thumbnails::{ThumbnailSwitch, ThumbnailWorker};
use crate::rule::RuleBackend;

#[derive(Resource)]
pub struct Runner {
    pub script: Script,
    pub next: usize,
    pub(super) wait: Wait,
    /// Set when the script has failed; the app exits with an error.
    pub failed: Option<String>,
    pub(super) started: web_time::Instant,
}

/// What the script waits for before its next action.
pub(super) enum Wait {
    None,
    Steps(u64),
    Frames(u64),
    /// Frames for a window capture, with the world held still.
    Capture(u64),
    Training,
    Iteration(u64),
    LevelEnd,
    LevelTime(f32),
    /// A level file's version to move on from.
    Reload(String, u64),
    /// The level folders not yet read.
    Levels,
    /// The pictures of the library and the level list.
    Thumbnails,
    /// A level's creatures growing before play.
    Growth,
    Quit,
}

/// Everything a script touches, in one system parameter.
#[derive(SystemParam)]
pub struct ScriptWorld<'w, B: RuleBackend> {
    pub sandbox: ResMut<'w, Sandbox<B>>,
    pub lib: ResMut<'w, Library>,
    pub clock: ResMut<'w, Clock>,
    pub capture: Option<ResMut<'w, CaptureRequests>>,
    pub notices: ResMut<'w, Notices>,
    pub lab: Option<ResMut<'w, LabState>>,
    pub scene: Option<ResMut<'w, NextState<Scene>>>,
    pub drops: MessageWriter<'w, FileDragAndDrop>,
    pub challenge: Option<ResMut<'w, Challenge<B>>>,
    pub levels: Option<Res<'w, Levels>>,
    pub device: Option<Res<'w, BackendDevice<B>>>,
    pub thumbnails: Option<ResMut<'w, ThumbnailSwitch>>,
    pub worker: Option<Res<'w, ThumbnailWorker>>,
    pub pictures: Option<Res<'w, LevelPictures>>,
}
