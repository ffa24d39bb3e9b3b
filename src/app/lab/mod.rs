//! The lab scene: drop an image, see the target as the trainer will, choose the settings, train
//! in the background (one training at a time, more queued), watch the loss, the batch and a
//! preview world grow, and find the result in the library. The work itself is `crate::lab`.

mod draft_form;
mod jobs;
mod live;
mod painting;
pub mod panel;
pub mod picker;
pub mod plot;
pub mod preview;

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::window::FileDragAndDrop;

use super::Scene;
use super::library::{Library, load_entry};
use super::shell::Notices;
use crate::backend::{BackendChoice, Resolved, resolve};
use crate::lab::estimate::Estimate;
use crate::lab::paths::PathEstimates;
use crate::lab::{Draft, Lab, LabEvent};
use crate::rule::RuleBackend;
use crate::train::TrainConfig;

/// The lab's state: the trainings, the image being set up, and what the panel shows.
#[derive(Resource)]
pub struct LabState {
    pub lab: Lab,
    pub draft: Option<Draft>,
    /// Each path's time estimate for the draft, and the settings it was made for.
    pub estimate: Option<(EstimateKey, PathEstimates)>,
    /// The path the user picked for the draft; none: the fastest measured.
    pub path_pick: Option<Resolved>,
    /// Whether the lab chooses the path (`--backend auto`), else it trains where it was told.
    pub auto: bool,
    /// The training the centre of the lab shows (default: the running one).
    pub shown: Option<u64>,
    pub picker: picker::Picker,
}

/// What the estimate depends on, besides the iteration count it is multiplied by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EstimateKey {
    dims: (usize, usize),
    batch: usize,
    steps: (usize, usize),
}

impl LabState {
    /// The training on show: the chosen one, else the running one, else the newest.
    pub fn shown_job(&self) -> Option<&crate::lab::Job> {
        self.shown.and_then(|id| self.lab.job(id)).or_else(|| self.lab.running()).or_else(|| self.lab.jobs.last())
    }

    /// Opens an image as the new draft. On error the current draft stays as it was.
    pub fn open_image(&mut self, path: &Path) -> Result<(), String> {
        let cfg = self.draft.as_ref().map(|d| d.cfg.clone()).unwrap_or_default();
        let d = Draft::open(path, cfg)?;
        self.draft = Some(d);
        Ok(())
    }

    /// Queues the draft under its name (made unique against the library and the queue).
    pub fn train(&mut self, lib: &Library) -> Result<u64, String> {
        let d = self.draft.as_ref().ok_or("no image to train: drop one on the window")?;
        let target = d.prepared.clone()?;
        let taken = |n: &str| lib.find(n).is_some() || self.lab.jobs.iter().any(|j| j.name == n && j.is_active());
        let base = d.name.trim().to_string();
        let mut name = base.clone();
        let mut k = 2;
        while taken(&name) {
            name = format!("{base} {k}");
            k += 1;
        }
        let id = self.lab.enqueue(&name, d.cfg.clone(), target)?;
        self.lab.train_on(id, self.draft_path());
        self.shown = Some(id);
        Ok(id)
    }

    /// Brings the estimates up to date with the draft (a few milliseconds of measuring on the
    /// CPU, the GPUs on a thread; only when the grid, batch or step counts changed).
    pub fn refresh_estimate(&mut self) {
        let Some(d) = &self.draft else { return };
        let Ok(t) = &d.prepared else {
            self.estimate = None;
            return;
        };
        let key =
            EstimateKey { dims: (t.height, t.width), batch: d.cfg.batch, steps: (d.cfg.min_steps, d.cfg.max_steps) };
        if !matches!(&self.estimate, Some((k, _)) if *k == key) {
            let paths = if self.auto { crate::backend::paths() } else { vec![self.lab.backend().clone()] };
            self.estimate = Some((key, PathEstimates::measure(paths, t, &d.cfg)));
        }
    }

    /// Where the draft would train: the path picked, else the fastest measured, else the lab's.
    pub fn draft_path(&self) -> Resolved {
        let fastest = || self.estimate.as_ref().and_then(|(_, e)| e.fastest()).map(|(on, _)| on);
        self.path_pick.clone().or_else(fastest).unwrap_or_else(|| self.lab.backend().clone())
    }

    /// The estimate on the draft's path for its current iteration count.
    pub fn estimate_total(&self) -> Option<Estimate> {
        let on = self.draft_path();
        let (_, e) = self.estimate.as_ref()?;
        let secs = e.all().into_iter().find(|m| m.on == on)?.secs.ok()?;
        let iters = self.draft.as_ref()?.cfg.iterations as f64;
        Some(Estimate { secs_per_iteration: secs, total_secs: secs * iters })
    }
}

/// Where the lab keeps its files and what it trains on.
#[derive(Resource, Clone, Debug)]
pub struct LabOptions {
    pub data_dir: PathBuf,
    pub backend: BackendChoice,
    /// New drafts start from these settings (tests use tiny ones).
    pub defaults: TrainConfig,
}

backend_plugin!(LabPlugin);

impl<B: RuleBackend> Plugin for LabPlugin<B> {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, open_lab)
            .add_systems(Update, (take_image_drops, poll).in_set(super::sim::EditWorld))
            .add_systems(Update, preview::advance::<B>.run_if(in_state(Scene::Lab)))
            .add_systems(Last, close_on_exit);
        preview::build::<B>(app);
        panel::build::<B>(app);
    }
}

fn open_lab(mut commands: Commands, opts: Res<LabOptions>, mut notices: ResMut<Notices>) {
    let on = resolve(opts.backend).unwrap_or_else(|e| {
        notices.say(format!("training falls back to the CPU: {e}"));
        Resolved::Cpu
    });
    info!("lab trains on {}", on.describe());
    let lab = Lab::new(&opts.data_dir, on);
    if !lab.unfinished.is_empty() {
        notices.say(format!("{} unfinished training(s) in the lab: resume them there", lab.unfinished.len()));
    }
    commands.insert_resource(LabState {
        lab,
        draft: None,
        estimate: None,
        path_pick: None,
        auto: opts.backend == BackendChoice::Auto,
        shown: None,
        picker: picker::Picker::new(),
    });
}

fn take_image_drops(
    mut drops: MessageReader<FileDragAndDrop>,
    state: Option<ResMut<LabState>>,
    opts: Res<LabOptions>,
    mut next: ResMut<NextState<Scene>>,
    mut notices: ResMut<Notices>,
) {
    let Some(mut state) = state else { return };
    for d in drops.read() {
        let FileDragAndDrop::DroppedFile { path_buf, .. } = d else { continue };
        if !crate::target::is_image(path_buf) {
            continue;
        }
        let cfg = state.draft.as_ref().map(|d| d.cfg.clone()).unwrap_or_else(|| opts.defaults.clone());
        match Draft::open(path_buf, cfg) {
            Ok(d) => {
                notices.say(format!("{}: ready to train ({}x{} image)", d.name, d.image_dims().0, d.image_dims().1));
                state.draft = Some(d);
                state.refresh_estimate();
                next.set(Scene::Lab);
            }
            Err(e) => notices.say(format!("not a training target: {e}")),
        }
    }
}

fn poll(state: Option<ResMut<LabState>>, mut lib: ResMut<Library>, mut notices: ResMut<Notices>) {
    let Some(mut state) = state else { return };
    for ev in state.lab.poll() {
        match ev {
            LabEvent::Message(m) => notices.say(m),
            LabEvent::Saved { path, .. } => match load_entry(&path) {
                Ok(e) => {
                    let keep = lib.selected;
                    lib.add(e);
                    // A finished training must not change what the sandbox plants.
                    if keep.is_some() {
                        lib.selected = keep;
                    }
                }
                Err(e) => notices.say(format!("trained, but the file does not load: {e}")),
            },
        }
    }
}

/// Closing the window: every training writes its checkpoint before the app goes.
fn close_on_exit(mut exits: MessageReader<AppExit>, state: Option<ResMut<LabState>>) {
    if exits.read().next().is_some()
        && let Some(mut s) = state
    {
        s.lab.shutdown();
    }
}
