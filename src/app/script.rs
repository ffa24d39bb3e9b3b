//! `morphogen play --script FILE.ron`: a timed list of actions, for tests, demos and bug reports.
//! Waits are counted in steps or frames, never in seconds, and the world's fire masks depend only
//! on its seed and step, so a script plays the same way on every machine.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use bevy::prelude::*;
use serde::Deserialize;

use super::Scene;
use super::capture::{CaptureRequests, write_png};
use super::challenges::levels::Status;
use super::challenges::{Challenge, Levels};
use super::lab::LabState;
use super::library::{Library, Notices, load_entry, plant};
use super::sim::BackendDevice;
use super::sim::{Clock, EditWorld, Sandbox};
use super::speed::Speed;
use crate::lab::JobState;
use crate::train::session::Stop;
use crate::train::{Mode, TrainConfig};
use crate::world::{EditOp, Shape, ViewMode, WorldBackend};
use bevy::window::FileDragAndDrop;

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub enum Action {
    /// Adds a creature file or Distill model to the library and selects it.
    Import(String),
    /// Selects a library creature by name.
    Select(String),
    /// Plants a seed of the selected creature at cell (x, y).
    Seed {
        x: i64,
        y: i64,
    },
    /// Wounds every species with a shape.
    Wound(Shape),
    Wall(Shape),
    RemoveWall(Shape),
    /// Perception rotation of the selected creature's species, degrees.
    Rotation(f32),
    FireRate(f32),
    Speed(Speed),
    Pause(bool),
    View(ViewMode),
    WaitSteps(u64),
    WaitFrames(u64),
    /// The whole window, as a PNG.
    Screenshot(String),
    /// The world alone, pixel for pixel, as a PNG.
    Snapshot(String),
    /// Writes the live counters (step, steps/s, fps, stepping time) as JSON: benchmarks.
    Report(String),
    Clear,
    /// Switches to a scene (Sandbox, Lab).
    Scene(Scene),
    /// Handles a file as if it were dropped on the window (images go to the lab).
    Drop(String),
    /// Changes the lab's settings for the dropped image; fields left out stay as they are.
    LabSettings(LabPatch),
    /// Queues the dropped image for training.
    Train,
    /// Waits until no training is queued or running; fails if the last one failed.
    WaitTrained,
    /// Waits until the running training has done this many iterations in all.
    WaitIteration(u64),
    LabPause(bool),
    /// Stops the running training, keeping its checkpoint.
    LabStop,
    /// Ends the running training now and saves the creature as it is.
    LabFinish,
    /// Queues an unfinished training from an earlier run, by name.
    Resume(String),
    /// Opens the challenges and starts a level by file name (without `.ron`), locked or not.
    PlayLevel(String),
    /// The same, with the level's own solution playing itself.
    WatchLevel(String),
    /// A player's move in the level in play (spends its tool's budget).
    LevelAct(crate::level::Action),
    /// Waits until the level in play is won or lost.
    WaitLevelEnd,
    /// Waits until the level in play reaches this many seconds of level time.
    WaitLevelTime(f32),
    /// Waits until a level file is reloaded (or fails to) after an edit.
    WaitLevelReload(String),
    Quit,
}

/// Lab settings a script may set (see `TrainConfig` and `TargetOptions`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LabPatch {
    pub name: Option<String>,
    pub mode: Option<Mode>,
    pub size: Option<u32>,
    pub padding: Option<u32>,
    /// keep, corner or a colour like "#ffffff".
    pub background: Option<String>,
    pub iterations: Option<u64>,
    pub batch: Option<usize>,
    pub pool_size: Option<usize>,
    pub min_steps: Option<usize>,
    pub max_steps: Option<usize>,
    pub damage_n: Option<usize>,
    pub lr: Option<f32>,
    pub seed: Option<u64>,
    pub checkpoint_every: Option<u64>,
}

impl LabPatch {
    pub fn apply(&self, name: &mut String, c: &mut TrainConfig) -> Result<(), String> {
        if let Some(v) = &self.name {
            *name = v.clone();
        }
        macro_rules! set {
            ($($f:ident => $($path:ident).+),*) => {$( if let Some(v) = self.$f.clone() { c.$($path).+ = v; } )*};
        }
        set!(mode => mode, size => target.size, padding => target.padding, iterations => iterations, batch => batch,
             pool_size => pool_size, min_steps => min_steps, max_steps => max_steps, damage_n => damage_n, lr => lr,
             seed => seed, checkpoint_every => checkpoint_every);
        if let Some(b) = &self.background {
            c.target.background = b.parse()?;
        }
        c.validate()
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Script {
    pub actions: Vec<Action>,
    /// Paths in the script are relative to this (the script's folder).
    #[serde(skip)]
    pub base: PathBuf,
}

impl Script {
    pub fn parse(text: &str, base: &Path) -> Result<Self, String> {
        let mut s: Script = ron::from_str(crate::fsio::strip_bom(text))
            .map_err(|e| format!("line {}, column {}: {}", e.span.start.line, e.span.start.col, e.code))?;
        s.base = base.to_path_buf();
        s.validate()?;
        Ok(s)
    }

    /// Every number against `crate::limits` before anything runs: a wait that could never end, a
    /// fire rate of 5, a NaN angle or a shape of radius 5e18 is an error naming the action.
    fn validate(&self) -> Result<(), String> {
        use crate::limits::{self as l, finite, within};
        if self.actions.len() > l::MAX_SCRIPT_ACTIONS {
            return Err(format!("{} actions, over the limit of {}", self.actions.len(), l::MAX_SCRIPT_ACTIONS));
        }
        for (i, a) in self.actions.iter().enumerate() {
            let r: Result<(), String> = match a {
                Action::Wound(s) | Action::Wall(s) | Action::RemoveWall(s) => s.validate(),
                Action::Rotation(deg) => finite("degrees", *deg, 36_000.0).map(|_| ()),
                Action::FireRate(r) => within("fire rate", *r, 0.0, 1.0).map(|_| ()),
                Action::WaitSteps(n) => within("steps", *n, 0, l::MAX_WAIT_STEPS).map(|_| ()),
                Action::WaitFrames(n) => within("frames", *n, 0, l::MAX_WAIT_FRAMES).map(|_| ()),
                Action::WaitIteration(n) => within("iteration", *n, 0, l::MAX_ITERATIONS).map(|_| ()),
                Action::WaitLevelTime(t) => within("seconds", *t, 0.0, l::MAX_LEVEL_SECONDS).map(|_| ()),
                Action::LevelAct(
                    crate::level::Action::Erase(s) | crate::level::Action::Wall(s) | crate::level::Action::Shield(s),
                ) => s.validate(),
                Action::LevelAct(crate::level::Action::Cut { x0, y0, x1, y1 }) => {
                    Shape::Line { x0: *x0, y0: *y0, x1: *x1, y1: *y1, width: crate::level::CUT_WIDTH }.validate()
                }
                _ => Ok(()),
            };
            r.map_err(|e| format!("action {} ({a:?}): {e}", i + 1))?;
        }
        Ok(())
    }
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = crate::fsio::read_text(path, "script")?;
        Self::parse(&text, path.parent().unwrap_or(Path::new("."))).map_err(|e| format!("{}: {e}", path.display()))
    }
    fn path(&self, p: &str) -> PathBuf {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { self.base.join(p) }
    }
}

#[derive(Resource)]
pub struct Runner {
    pub script: Script,
    pub next: usize,
    wait: Wait,
    /// Set when the script has failed; the app exits with an error.
    pub failed: Option<String>,
    started: std::time::Instant,
}

enum Wait {
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
    /// Level files still loading.
    Levels(String),
    /// A level's creatures growing before play.
    Growth,
    Quit,
}

pub struct ScriptPlugin<B> {
    script: Script,
    _b: PhantomData<B>,
}

impl<B> ScriptPlugin<B> {
    pub fn new(script: Script) -> Self {
        Self { script, _b: PhantomData }
    }
}

impl<B: WorldBackend> Plugin for ScriptPlugin<B> {
    fn build(&self, app: &mut App) {
        app.insert_resource(Runner {
            script: self.script.clone(),
            next: 0,
            wait: Wait::None,
            failed: None,
            started: std::time::Instant::now(),
        })
        .add_systems(Update, run_script::<B>.in_set(EditWorld).after(super::view::ViewUpdate));
    }
}

#[allow(clippy::too_many_arguments)]
pub fn run_script<B: WorldBackend>(
    mut runner: ResMut<Runner>,
    sandbox: Option<ResMut<Sandbox<B>>>,
    mut lib: ResMut<Library>,
    mut clock: ResMut<Clock>,
    mut capture: Option<ResMut<CaptureRequests>>,
    mut notices: ResMut<Notices>,
    mut exit: MessageWriter<AppExit>,
    mut lab: Option<ResMut<LabState>>,
    mut scene: Option<ResMut<NextState<Scene>>>,
    mut drops: MessageWriter<FileDragAndDrop>,
    (mut challenge, levels, device): (Option<ResMut<Challenge<B>>>, Option<Res<Levels>>, Option<Res<BackendDevice<B>>>),
) {
    let Some(mut sandbox) = sandbox else { return };
    if let Some(e) = &runner.failed {
        error!("script failed: {e}");
        exit.write(AppExit::from_code(2));
        return;
    }
    // Finish the current wait first.
    match runner.wait {
        Wait::None => {}
        Wait::Steps(target) => {
            if sandbox.world.steps() < target {
                return;
            }
            clock.step_limit = None;
        }
        Wait::Frames(ref mut n) => {
            if *n > 0 {
                *n -= 1;
                return;
            }
        }
        Wait::Capture(ref mut n) => {
            if *n > 0 {
                *n -= 1;
                return;
            }
            clock.step_limit = None;
        }
        Wait::Training => {
            let Some(l) = lab.as_ref() else { return };
            if l.lab.jobs.iter().any(|j| j.is_active()) {
                return;
            }
            if let Some(JobState::Failed(e)) = l.lab.jobs.last().map(|j| &j.state) {
                runner.failed = Some(format!("training failed: {e}"));
                return;
            }
        }
        Wait::Iteration(n) => {
            let Some(l) = lab.as_ref() else { return };
            match l.lab.running() {
                Some(j) if j.live().iteration < n => return,
                Some(_) => {}
                None if l.lab.jobs.iter().any(|j| j.state == JobState::Queued) => return,
                None => {
                    runner.failed = Some(format!("no training running to reach iteration {n}"));
                    return;
                }
            }
        }
        Wait::Growth => {
            if challenge.as_ref().and_then(|c| c.playing.as_ref()).is_some_and(|p| p.run.growing().is_some()) {
                return;
            }
        }
        Wait::LevelEnd => {
            if challenge.as_ref().and_then(|c| c.playing.as_ref()).is_some_and(|p| p.run.outcome().is_none()) {
                return;
            }
        }
        Wait::LevelTime(t) => {
            if challenge
                .as_ref()
                .and_then(|c| c.playing.as_ref())
                .is_some_and(|p| p.run.outcome().is_none() && p.run.time() < t)
            {
                return;
            }
        }
        Wait::Reload(ref name, v) => {
            let Some(l) = levels.as_ref() else { return };
            if l.find(name).is_none_or(|i| l.entries[i].version == v || matches!(l.entries[i].status, Status::Loading))
            {
                return;
            }
        }
        Wait::Levels(ref name) => {
            let Some(l) = levels.as_ref() else { return };
            let ready = l.find(name).map(|i| &l.entries[i].status);
            if ready.is_none() || matches!(ready, Some(Status::Loading)) {
                return;
            }
            // Loaded (or failed): run the action that waited for it again.
            runner.next -= 1;
        }
        Wait::Quit => {
            if capture.as_ref().is_none_or(|c| c.in_flight.load(Ordering::SeqCst) == 0) {
                exit.write(AppExit::Success);
            }
            return;
        }
    }
    runner.wait = Wait::None;
    while runner.next < runner.script.actions.len() {
        let action = runner.script.actions[runner.next].clone();
        runner.next += 1;
        let size = sandbox.world.size();
        let result: Result<(), String> = (|| {
            match action {
                Action::Import(p) => {
                    let e = load_entry(&runner.script.path(&p))?;
                    notices.say(format!("imported {}", e.name));
                    lib.add(e);
                }
                Action::Select(name) => {
                    lib.selected = Some(lib.find(&name).ok_or(format!("no creature named {name} in the library"))?);
                }
                Action::Seed { x, y } => {
                    let e = lib.selected.ok_or("no creature selected")?;
                    plant(&mut sandbox, &lib, e, x, y)?;
                }
                Action::Wound(s) => sandbox.pending.extend(s.cells(size).into_iter().map(|c| (c, EditOp::Erase))),
                Action::Wall(s) => sandbox.pending.extend(s.cells(size).into_iter().map(|c| (c, EditOp::WallOn))),
                Action::RemoveWall(s) => {
                    sandbox.pending.extend(s.cells(size).into_iter().map(|c| (c, EditOp::WallOff)))
                }
                Action::Rotation(deg) | Action::FireRate(deg) => {
                    let e = lib.selected.and_then(|e| lib.entries.get(e)).ok_or("no creature selected")?;
                    let s = sandbox.world.find_species(&e.name).ok_or(format!("{} is not planted", e.name))?;
                    if matches!(action, Action::Rotation(_)) {
                        sandbox.world.set_angle(s, deg.to_radians());
                    } else {
                        sandbox.world.set_fire_rate(s, deg);
                    }
                }
                Action::Speed(s) => clock.speed = s,
                Action::Pause(p) => clock.paused = p,
                Action::View(v) => clock.view = v,
                Action::WaitSteps(n) => {
                    let target = sandbox.world.steps() + n;
                    clock.step_limit = Some(target);
                    runner.wait = Wait::Steps(target);
                }
                Action::WaitFrames(n) => runner.wait = Wait::Frames(n),
                Action::Screenshot(p) => {
                    let c = capture.as_mut().ok_or("no window to take a screenshot of")?;
                    c.screenshot = true;
                    c.screenshot_path = Some(runner.script.path(&p));
                    // The capture happens on a later frame: hold the world still for two.
                    clock.step_limit = Some(sandbox.world.steps());
                    runner.wait = Wait::Capture(2);
                }
                Action::Snapshot(p) => {
                    // Edits queued so far belong in the picture.
                    let edits = std::mem::take(&mut sandbox.pending);
                    sandbox.world.edit(&edits);
                    let view = clock.view;
                    let img = sandbox.world.snapshot(view);
                    write_png(&runner.script.path(&p), size.width as u32, size.height as u32, &img)?;
                }
                Action::Report(p) => {
                    let size = sandbox.world.size();
                    let training = lab.as_ref().and_then(|l| l.shown_job()).map(|j| {
                        let live = j.live();
                        serde_json::json!({
                            "name": j.name,
                            "iteration": live.iteration,
                            "iterations": live.iterations,
                            "it_per_s": live.it_per_s,
                            "train_secs": live.train_secs,
                            "history": live.history.len(),
                            "loss": live.history.last(),
                        })
                    });
                    let level = challenge.as_ref().and_then(|c| c.playing.as_ref()).map(|p| {
                        let o = p.run.outcome();
                        serde_json::json!({
                            "name": p.name,
                            "title": p.run.level.title,
                            "time": p.run.time(),
                            "shape": p.run.shape,
                            "moves": p.moves.len(),
                            "won": o.map(|o| o.won),
                            "stars": o.map(|o| o.stars),
                            "why": o.map(|o| o.why.clone()),
                            "best": p.result.as_ref().and_then(|r| r.best).map(|b| serde_json::json!({"stars": b.stars, "time": b.time})),
                        })
                    });
                    let won = |n: &str| challenge.as_ref().is_some_and(|c| c.save.won(n));
                    let level_files: Vec<serde_json::Value> = levels
                        .as_ref()
                        .map(|l| {
                            l.entries
                                .iter()
                                .enumerate()
                                .map(|(i, e)| {
                                    let mut v = match &e.status {
                                        Status::Ready(lv) => serde_json::json!({"title": lv.title}),
                                        Status::Failed(err) => serde_json::json!({"error": err}),
                                        Status::Loading => serde_json::json!({"loading": true}),
                                    };
                                    v["name"] = e.name.clone().into();
                                    v["version"] = e.version.into();
                                    v["unlocked"] = l.unlocked(i, won).into();
                                    v["won"] = won(&e.name).into();
                                    v
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let report = serde_json::json!({
                        "level": level,
                        "levels": level_files,
                        "training": training,
                        "frame": clock.frames(),
                        "time_s": runner.started.elapsed().as_secs_f64(),
                        "world": [size.width, size.height],
                        "species": sandbox.world.species().len(),
                        "speed": clock.speed.label(),
                        "step": sandbox.world.steps(),
                        "steps_per_sec": clock.steps_per_sec,
                        "fps": clock.fps,
                        "step_ms": clock.step_ms,
                    });
                    let path = runner.script.path(&p);
                    crate::fsio::write_atomic(&path, report.to_string().as_bytes())
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                }
                Action::Clear => sandbox.world.clear(),
                Action::Scene(s) => scene.as_mut().ok_or("no scenes in this app")?.set(s),
                Action::Drop(p) => {
                    drops.write(FileDragAndDrop::DroppedFile {
                        window: Entity::PLACEHOLDER,
                        path_buf: runner.script.path(&p),
                    });
                    // The drop is handled on the next frame.
                    runner.wait = Wait::Frames(1);
                }
                Action::LabSettings(patch) => {
                    let l = lab.as_mut().ok_or("no lab in this app")?;
                    let d = l.draft.as_mut().ok_or("no image dropped in the lab")?;
                    patch.apply(&mut d.name, &mut d.cfg)?;
                    d.prepare();
                    d.prepared.as_ref().map_err(|e| e.clone())?;
                    l.refresh_estimate();
                }
                Action::Train => {
                    let l = lab.as_mut().ok_or("no lab in this app")?;
                    l.train(&lib)?;
                }
                Action::WaitTrained => runner.wait = Wait::Training,
                Action::WaitIteration(n) => runner.wait = Wait::Iteration(n),
                Action::LabPause(_) | Action::LabStop | Action::LabFinish => {
                    let l = lab.as_mut().ok_or("no lab in this app")?;
                    let id = l.lab.running().map(|j| j.id).ok_or("no training is running")?;
                    match action {
                        Action::LabPause(on) => l.lab.pause(id, on),
                        Action::LabStop => l.lab.stop(id, Stop::Checkpoint),
                        _ => l.lab.stop(id, Stop::Finish),
                    }
                }
                Action::Resume(name) => {
                    let l = lab.as_mut().ok_or("no lab in this app")?;
                    let path = l
                        .lab
                        .unfinished
                        .iter()
                        .find(|u| u.summary.name == name)
                        .map(|u| u.path.clone())
                        .ok_or(format!("no unfinished training named {name}"))?;
                    let id = l.lab.resume(&path)?;
                    l.shown = Some(id);
                }
                Action::PlayLevel(ref name) | Action::WatchLevel(ref name) => {
                    let (Some(ch), Some(l), Some(d)) = (challenge.as_mut(), levels.as_ref(), device.as_ref()) else {
                        return Err("no challenges in this app".into());
                    };
                    scene.as_mut().ok_or("no scenes in this app")?.set(Scene::Challenges);
                    // Files load in the background: wait for this one first.
                    match l.find(name).map(|i| &l.entries[i].status) {
                        None if l.scanned() => {
                            return Err(format!("no level named {name} in {}", l.dir.display()));
                        }
                        None | Some(Status::Loading) => {
                            runner.wait = Wait::Levels(name.clone());
                            return Ok(());
                        }
                        _ => {}
                    }
                    ch.start(l, name, &d.0)?;
                    if matches!(action, Action::WatchLevel(_)) {
                        ch.playing.as_mut().expect("just started").autoplay = Some(0);
                    }
                    runner.wait = Wait::Growth;
                }
                Action::LevelAct(ref a) => {
                    let p = challenge.as_mut().and_then(|c| c.playing.as_mut()).ok_or("no level in play")?;
                    p.act(a.clone())?;
                }
                Action::WaitLevelTime(t) => {
                    challenge.as_ref().and_then(|c| c.playing.as_ref()).ok_or("no level in play")?;
                    runner.wait = Wait::LevelTime(t);
                }
                Action::WaitLevelReload(ref name) => {
                    let l = levels.as_ref().ok_or("no challenges in this app")?;
                    let i = l.find(name).ok_or(format!("no level named {name}"))?;
                    runner.wait = Wait::Reload(name.clone(), l.entries[i].version);
                }
                Action::WaitLevelEnd => {
                    challenge.as_ref().and_then(|c| c.playing.as_ref()).ok_or("no level in play")?;
                    runner.wait = Wait::LevelEnd;
                }
                Action::Quit => {
                    // Hold the world still while captures finish.
                    clock.step_limit = Some(sandbox.world.steps());
                    runner.wait = Wait::Quit;
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            let msg = format!("action {} ({:?}): {e}", runner.next, runner.script.actions[runner.next - 1]);
            notices.say(format!("script stopped at {msg}"));
            runner.failed = Some(msg);
            return;
        }
        if !matches!(runner.wait, Wait::None) {
            return;
        }
    }
}
