//! A script as data: its actions, read from RON and checked before anything runs.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::app::Scene;
use crate::app::speed::Speed;
use crate::train::{Mode, TrainConfig};
use crate::world::{Shape, ViewMode};

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
    /// Makes the library's and the level list's pictures (off while a script runs) and waits
    /// until every one asked for is made or has failed.
    WaitThumbnails,
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
    /// disc (the paper's) or mixed (the game's wounds).
    pub damage: Option<crate::nca::wound::Damage>,
    /// 0: trained for its iterations; else graded against the zoo's bar this often.
    pub grade_every: Option<u64>,
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
             pool_size => pool_size, min_steps => min_steps, max_steps => max_steps, damage_n => damage_n, damage => damage,
             grade_every => grade_every, lr => lr,
             seed => seed, checkpoint_every => checkpoint_every);
        if let Some(b) = &self.background {
            c.target.background = b.parse()?;
        }
        // The focus is on what a grading missed: none for a training that is not graded.
        if c.grade_every == 0 || c.mode != crate::train::Mode::Regenerate {
            c.focus = None;
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
                Action::Rotation(deg) => finite("degrees", *deg, 36_000.0).map(|_| ()).map_err(String::from),
                Action::FireRate(r) => within("fire rate", *r, 0.0, 1.0).map(|_| ()).map_err(String::from),
                Action::WaitSteps(n) => within("steps", *n, 0, l::MAX_WAIT_STEPS).map(|_| ()).map_err(String::from),
                Action::WaitFrames(n) => within("frames", *n, 0, l::MAX_WAIT_FRAMES).map(|_| ()).map_err(String::from),
                Action::WaitIteration(n) => {
                    within("iteration", *n, 0, l::MAX_ITERATIONS).map(|_| ()).map_err(String::from)
                }
                Action::WaitLevelTime(t) => {
                    within("seconds", *t, 0.0, l::MAX_LEVEL_SECONDS).map(|_| ()).map_err(String::from)
                }
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
    pub fn path(&self, p: &str) -> PathBuf {
        crate::shipped::resolve(&self.base, Path::new(p))
    }
}
