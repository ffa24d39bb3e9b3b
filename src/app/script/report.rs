//! What the `Report` action writes: the live counters, the lab's training and the challenges, as
//! one JSON object (benchmarks and tests read it).

use serde::Serialize;

use super::state::{Runner, ScriptWorld};
use crate::app::challenges::levels::Status;
use crate::rule::RuleBackend;

#[derive(Serialize)]
pub struct Report {
    pub level: Option<LevelReport>,
    pub levels: Vec<LevelFile>,
    pub library: Vec<LibraryEntry>,
    pub training: Option<TrainingReport>,
    pub frame: u64,
    pub time_s: f64,
    pub world: [usize; 2],
    pub species: usize,
    pub speed: String,
    pub step: u64,
    pub steps_per_sec: f32,
    pub fps: f32,
    pub step_ms: f32,
}

/// A creature of the library, in the order shown.
#[derive(Serialize)]
pub struct LibraryEntry {
    pub name: String,
    /// The library's section: "Ours", "Regenerating", "Persistent" or "Growing".
    pub group: String,
    /// Where it was read from (`<shipped>/...` for a file built into morphogen).
    pub source: String,
    /// Its picture: "grown" (the creature grown from a seed), "target" (its target image until
    /// then) or "none".
    pub picture: &'static str,
}

#[derive(Serialize)]
pub struct TrainingReport {
    pub name: String,
    pub iteration: u64,
    pub iterations: u64,
    pub it_per_s: f32,
    pub train_secs: f64,
    /// Entries of the loss history.
    pub history: usize,
    pub loss: Option<f32>,
}

#[derive(Serialize)]
pub struct LevelReport {
    pub name: String,
    pub title: String,
    pub time: f32,
    pub shape: f32,
    pub moves: usize,
    pub won: Option<bool>,
    pub stars: Option<u8>,
    pub why: Option<String>,
    pub best: Option<BestReport>,
}

#[derive(Serialize)]
pub struct BestReport {
    pub stars: u8,
    pub time: f32,
}

/// A level file: its title, or its error.
#[derive(Serialize)]
pub struct LevelFile {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub version: u64,
    pub unlocked: bool,
    pub won: bool,
    /// Where it was read from (`<shipped>/levels/...` for a shipped level).
    pub path: String,
    /// Whether the level list has its picture of the level's starting world.
    pub picture: bool,
}

impl Report {
    pub(super) fn now<B: RuleBackend>(runner: &Runner, w: &ScriptWorld<B>) -> Self {
        let training = w.lab.as_ref().and_then(|l| l.shown_job()).map(|j| {
            let live = j.live();
            TrainingReport {
                name: j.name.clone(),
                iteration: live.iteration,
                iterations: live.iterations,
                it_per_s: live.it_per_s,
                train_secs: live.train_secs,
                history: live.history.len(),
                loss: live.history.last().copied(),
            }
        });
        let level = w.challenge.as_ref().and_then(|c| c.playing.as_ref()).map(|p| {
            let o = p.run.outcome();
            LevelReport {
                name: p.name.clone(),
                title: p.run.level.title.clone(),
                time: p.run.time(),
                shape: p.run.shape,
                moves: p.moves.len(),
                won: o.map(|o| o.won),
                stars: o.map(|o| o.stars),
                why: o.map(|o| o.why.clone()),
                best: p.result.as_ref().and_then(|r| r.best).map(|b| BestReport { stars: b.stars, time: b.time }),
            }
        });
        let won = |n: &str| w.challenge.as_ref().is_some_and(|c| c.save.won(n));
        let pictures = w.pictures.as_deref();
        let library = w
            .lib
            .entries
            .iter()
            .map(|e| LibraryEntry {
                name: e.name.clone(),
                group: format!("{:?}", e.group),
                source: e.source.display().to_string(),
                picture: match (e.grown, &e.thumbnail) {
                    (true, _) => "grown",
                    (false, Some(_)) => "target",
                    (false, None) => "none",
                },
            })
            .collect();
        let levels = w
            .levels
            .as_ref()
            .map(|l| {
                l.entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| LevelFile {
                        name: e.name.clone(),
                        title: e.level().map(|lv| lv.title.clone()),
                        error: if let Status::Failed(err) = &e.status { Some(err.clone()) } else { None },
                        version: e.version,
                        unlocked: l.unlocked(i, won),
                        won: won(&e.name),
                        path: e.path.display().to_string(),
                        picture: pictures.is_some_and(|p| p.0.get(&e.name).is_some_and(|p| p.0 == e.version)),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let size = w.sandbox.world.size();
        Report {
            level,
            levels,
            library,
            training,
            frame: w.clock.frames(),
            time_s: runner.started.elapsed().as_secs_f64(),
            world: [size.width, size.height],
            species: w.sandbox.world.species().len(),
            speed: w.clock.speed.label(),
            step: w.sandbox.world.steps(),
            steps_per_sec: w.clock.steps_per_sec,
            fps: w.clock.fps,
            step_ms: w.clock.step_ms,
        }
    }
}
