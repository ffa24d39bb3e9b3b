//! A level in play: its run on the game's device, the level clock against real time, the
//! player's tools, the level's own solution playing itself when asked, and the result recorded in
//! the save file when the goal is decided.

use std::path::PathBuf;

use bevy::prelude::*;

use super::levels::{Levels, Status};
use crate::app::shell::Notices;
use crate::app::sim::BackendDevice;
use crate::level::score::{Best, SaveFile};
use crate::level::{Action, CUT_WIDTH, ERASER_RADIUS, LevelRun, Move, SHIELD_RADIUS};
use crate::rule::RuleBackend;
use crate::world::{Shape, ViewMode};

/// The player's tools in a level (each spends its own budget).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
pub enum LevelTool {
    #[default]
    Eraser,
    Scalpel,
    Seed,
    Wall,
    Shield,
}

impl LevelTool {
    pub const ALL: [(LevelTool, &'static str); 5] = [
        (LevelTool::Eraser, "Eraser"),
        (LevelTool::Scalpel, "Scalpel"),
        (LevelTool::Seed, "Seed"),
        (LevelTool::Wall, "Wall"),
        (LevelTool::Shield, "Shield"),
    ];

    /// Radius of the disc an eraser stroke, a wall or a shield covers.
    pub fn radius(self) -> f32 {
        match self {
            LevelTool::Eraser => ERASER_RADIUS,
            LevelTool::Wall => CUT_WIDTH / 2.0,
            LevelTool::Shield => SHIELD_RADIUS,
            LevelTool::Scalpel => CUT_WIDTH / 2.0,
            LevelTool::Seed => 0.0,
        }
    }

    /// Tools drawn as a line by dragging (a click makes a dot).
    pub fn drags(self) -> bool {
        matches!(self, LevelTool::Scalpel | LevelTool::Wall)
    }

    /// The action a click at (x, y) makes, or, for the scalpel and the wall, a drag from `from`.
    pub fn action(self, from: (f32, f32), (x, y): (f32, f32), creature: usize) -> Action {
        let disc = Shape::Disc { x, y, r: self.radius() };
        match self {
            LevelTool::Eraser => Action::Erase(disc),
            LevelTool::Scalpel => Action::Cut { x0: from.0, y0: from.1, x1: x, y1: y },
            LevelTool::Seed => Action::Seed { x: x.floor() as i64, y: y.floor() as i64, creature },
            LevelTool::Wall => Action::Wall(Shape::Line { x0: from.0, y0: from.1, x1: x, y1: y, width: CUT_WIDTH }),
            LevelTool::Shield => Action::Shield(disc),
        }
    }
}

/// What became of a finished level, as the result screen shows it.
#[derive(Clone, Debug)]
pub struct LevelResult {
    pub best: Option<Best>,
    pub new_best: bool,
}

pub struct Playing<B: RuleBackend> {
    pub name: String,
    /// The level file's version when this play started (a newer one restarts it).
    pub version: u64,
    pub run: LevelRun<B>,
    pub paused: bool,
    /// Level steps owed to real time.
    owed: f32,
    /// Next move of the level's own solution, when it is playing itself.
    pub autoplay: Option<usize>,
    /// The player's moves with their level times: a solution for the level file.
    pub moves: Vec<Move>,
    /// The world as last drawn (RGBA8) and a counter that changes with it.
    pub image: Vec<u8>,
    pub image_version: u64,
    pub result: Option<LevelResult>,
}

impl<B: RuleBackend> Playing<B> {
    fn redraw(&mut self) {
        self.image = self.run.world.snapshot(ViewMode::Rgba);
        self.image_version += 1;
    }

    /// A player's action: spends its budget and is remembered as a move.
    pub fn act(&mut self, a: Action) -> Result<(), String> {
        self.run.apply(&a)?;
        self.moves.push(Move { at: (self.run.time() * 100.0).round() / 100.0, action: a });
        self.redraw();
        Ok(())
    }

    /// The moves so far as RON, ready to paste into the level's `solution`.
    pub fn moves_ron(&self) -> String {
        let mut s = String::from("solution: [\n");
        for m in &self.moves {
            let a = ron::to_string(&m.action).unwrap_or_default();
            s.push_str(&format!("    (at: {:.2}, do: {a}),\n", m.at));
        }
        s.push(']');
        s
    }
}

/// The challenges' state beside the level list.
#[derive(Resource)]
pub struct Challenge<B: RuleBackend> {
    pub playing: Option<Playing<B>>,
    pub tool: LevelTool,
    /// Which of the level's creatures the seed tool plants.
    pub creature: usize,
    pub save: SaveFile,
    pub data_dir: PathBuf,
}

impl<B: RuleBackend> Challenge<B> {
    pub fn new(data_dir: PathBuf, notices: &mut Notices) -> Self {
        let (save, msg) = SaveFile::load(&data_dir);
        if let Some(m) = msg {
            notices.say(m);
        }
        Self { playing: None, tool: LevelTool::default(), creature: 0, save, data_dir }
    }

    /// Starts (or restarts) a level by file name. Its creatures grow over the next frames
    /// (`advance`), so that a level grown for thousands of steps does not freeze the window.
    pub fn start(&mut self, levels: &Levels, name: &str, device: &B::Device) -> Result<(), String> {
        let entry = levels.entries.iter().find(|e| e.name == name).ok_or(format!("no level named {name}"))?;
        let level = match &entry.status {
            Status::Ready(l) => (**l).clone(),
            Status::Failed(e) => return Err(e.clone()),
        };
        let run = LevelRun::<B>::prepare(level, device)?;
        let mut p = Playing {
            name: name.to_string(),
            version: entry.version,
            run,
            paused: false,
            owed: 0.0,
            autoplay: None,
            moves: Vec::new(),
            image: Vec::new(),
            image_version: 0,
            result: None,
        };
        p.redraw();
        self.tool = first_tool(&p.run.budget).unwrap_or(self.tool);
        self.creature = 0;
        self.playing = Some(p);
        Ok(())
    }

    /// Records a finished level in the save file (atomically), once.
    fn record(&mut self, notices: &mut Notices) {
        let Some(p) = self.playing.as_mut() else { return };
        let Some(o) = p.run.outcome().cloned() else { return };
        if p.result.is_some() {
            return;
        }
        let mut new_best = false;
        // Watching the level's own solution wins nothing.
        if o.won && p.autoplay.is_none() {
            new_best = self.save.record(
                &p.name,
                Best { stars: o.stars, score: o.score, time: o.time },
                p.run.level.goal.lower_is_better(),
            );
            if new_best && let Err(e) = self.save.save(&self.data_dir) {
                notices.say(format!("the result could not be saved: {e}"));
            }
        }
        p.result = Some(LevelResult { best: self.save.best.get(&p.name).copied(), new_best });
    }
}

/// The first tool the level gives any of.
pub fn first_tool(t: &crate::level::Tools) -> Option<LevelTool> {
    LevelTool::ALL.iter().map(|(k, _)| *k).find(|k| budget_of(t, *k) > 0)
}

pub fn budget_of(t: &crate::level::Tools, tool: LevelTool) -> u32 {
    match tool {
        LevelTool::Eraser => t.eraser,
        LevelTool::Scalpel => t.scalpel,
        LevelTool::Seed => t.seeds,
        LevelTool::Wall => t.walls,
        LevelTool::Shield => t.shields,
    }
}

/// Most level steps one frame may run: a slow device slows the level clock instead of freezing
/// the window.
const MAX_STEPS_PER_FRAME: u32 = 6;

/// World steps of growth between two looks at the clock.
const GROWTH_CHUNK: u64 = 4;
/// Time a frame may spend growing a level's creatures before play.
const GROWTH_PER_FRAME: std::time::Duration = std::time::Duration::from_millis(25);

/// Runs the level in play at its own steps per second; restarts it when its file changed.
pub fn advance<B: RuleBackend>(
    time: Res<Time>,
    challenge: Option<ResMut<Challenge<B>>>,
    levels: Res<Levels>,
    device: Option<Res<BackendDevice<B>>>,
    mut notices: ResMut<Notices>,
) {
    let (Some(mut ch), Some(device)) = (challenge, device) else { return };
    // An edited level file restarts the level with what it says now.
    if let Some(p) = &ch.playing
        && let Some(e) = levels.entries.iter().find(|e| e.name == p.name)
        && e.version != p.version
    {
        let (name, watching) = (p.name.clone(), p.autoplay.is_some());
        match &e.status {
            Status::Ready(_) => match ch.start(&levels, &name, &device.0) {
                Ok(()) => {
                    if watching && let Some(p) = ch.playing.as_mut() {
                        p.autoplay = Some(0);
                    }
                    notices.say(format!("{name}: the file changed, level restarted"))
                }
                Err(err) => {
                    notices.say(format!("{name}: the file changed but does not play: {err}"));
                    if let Some(p) = ch.playing.as_mut() {
                        p.version = e.version;
                    }
                }
            },
            _ => {
                if let Status::Failed(err) = &e.status {
                    notices
                        .say(format!("{name}: the edited file has an error, still playing the last good one: {err}"));
                }
                if let Some(p) = ch.playing.as_mut() {
                    p.version = e.version;
                }
            }
        }
    }
    let Some(p) = ch.playing.as_mut() else { return };
    if p.run.growing().is_some() {
        // Growth before play: steps in chunks until this frame's share of time is spent.
        let started = web_time::Instant::now();
        loop {
            match p.run.grow(GROWTH_CHUNK) {
                Ok(false) if started.elapsed() < GROWTH_PER_FRAME => continue,
                Ok(_) => break,
                Err(e) => {
                    notices.say(format!("{}: {e}", p.name));
                    ch.playing = None;
                    return;
                }
            }
        }
        p.redraw();
        return;
    }
    if p.paused || p.run.outcome().is_some() {
        return;
    }
    p.owed += time.delta_secs().min(0.25) * p.run.level.steps_per_second;
    let n = (p.owed.floor() as u32).min(MAX_STEPS_PER_FRAME);
    p.owed = (p.owed - n as f32).min(MAX_STEPS_PER_FRAME as f32);
    for _ in 0..n {
        if let Some(next) = p.autoplay {
            let mut k = next;
            while let Some(m) = p.run.level.solution.get(k).filter(|m| m.at <= p.run.time()).cloned() {
                if let Err(e) = p.act(m.action) {
                    notices.say(format!("solution move {} at {} s: {e}", k + 1, m.at));
                }
                k += 1;
            }
            p.autoplay = Some(k);
        }
        p.run.tick();
        if p.run.outcome().is_some() {
            break;
        }
    }
    if n > 0 {
        p.redraw();
    }
    if p.run.outcome().is_some() {
        ch.record(&mut notices);
    }
}
