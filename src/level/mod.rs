//! Challenges as data: one RON file per level in `levels/`. A level sets up a world (size,
//! borders, walls, creatures grown for a while), scripts events and hazards in level time, gives
//! the player a budget of tools, and names a goal with thresholds for one, two and three stars.
//! Level time runs at a fixed number of steps per second, so a level plays out the same on every
//! machine and `morphogen level check` can prove each level winnable with its own solution.

pub mod run;
pub mod score;

pub use run::{LevelRun, Outcome};

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::limits::MAX_LEVEL_SECONDS;
use crate::world::{Shape, WorldSize};

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub title: String,
    /// What the player reads before starting: the story and the goal in words.
    pub brief: String,
    pub world: WorldSpec,
    /// Simulation steps per second of level time.
    #[serde(default = "default_rate")]
    pub steps_per_second: f32,
    #[serde(default)]
    pub walls: Vec<Shape>,
    pub creatures: Vec<Placement>,
    #[serde(default)]
    pub events: Vec<Event>,
    #[serde(default)]
    pub hazards: Vec<Hazard>,
    #[serde(default)]
    pub tools: Tools,
    pub goal: Goal,
    pub stars: Stars,
    /// The intended solution: what `morphogen level check` plays.
    #[serde(default)]
    pub solution: Vec<Move>,
    /// The file it came from (paths in it are relative to its folder).
    #[serde(skip)]
    pub source: PathBuf,
}

fn default_rate() -> f32 {
    20.0
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorldSpec {
    pub width: usize,
    pub height: usize,
    #[serde(default)]
    pub wrap: bool,
}

/// A creature in the level at the start.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// A creature file, relative to the level file.
    pub creature: String,
    pub x: i64,
    pub y: i64,
    /// Perception rotation, degrees.
    #[serde(default)]
    pub rotation: f32,
    /// Steps it grows before play starts; its shape then is what "shape %" compares with.
    #[serde(default = "default_grown")]
    pub grown: u64,
}

fn default_grown() -> u64 {
    300
}

/// When a scripted event happens.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
pub enum When {
    /// Seconds of level time after the start.
    Time(f32),
    /// When the first creature's shape is back to this fraction (after the previous event).
    Recovered(f32),
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub at: When,
    /// The wound the level inflicts (every species, like the eraser).
    pub wound: Shape,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub enum Hazard {
    /// Kills every cell inside, every step.
    Acid(Shape),
    /// An eraser disc moving back and forth between two points, `period` seconds a round trip.
    Sweep { from: (f32, f32), to: (f32, f32), radius: f32, period: f32 },
    /// Turns every species' perception by this many degrees per second.
    Spin(f32),
}

/// The player's budget: how many times each tool may be used (0: not available).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Tools {
    pub seeds: u32,
    pub eraser: u32,
    pub scalpel: u32,
    pub walls: u32,
    pub shields: u32,
    /// How long a shield protects its area, seconds.
    pub shield_seconds: f32,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub enum Goal {
    /// After the level's first wound, bring the first creature back to `shape` within `within`
    /// seconds of that wound. Score: seconds taken (lower is better).
    Regrow { shape: f32, within: f32 },
    /// Keep the first creature at or above `shape` for `seconds` while the hazards strike.
    /// Score: the lowest shape reached (higher is better).
    Survive { shape: f32, seconds: f32 },
    /// With at most `cuts` scalpel cuts, wound the first creature so that `within` seconds after
    /// the last cut its shape is still below `below`. Score: cuts used (lower is better).
    Sever { cuts: u32, below: f32, within: f32 },
    /// Grow living cells over each zone (a fraction `cover` of its cells) within `within`
    /// seconds. Score: seconds taken (lower is better).
    Garden { zones: Vec<Shape>, cover: f32, within: f32 },
}

impl Goal {
    /// Whether a lower score is better for this goal.
    pub fn lower_is_better(&self) -> bool {
        !matches!(self, Goal::Survive { .. })
    }
}

/// Score thresholds for two and three stars (a win is one star).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Stars {
    pub two: f32,
    pub three: f32,
}

/// A player action at a time (seconds of level time).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Move {
    pub at: f32,
    #[serde(rename = "do")]
    pub action: Action,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq)]
pub enum Action {
    /// A seed of the level's creature number `creature` (0: the first).
    Seed {
        x: i64,
        y: i64,
        creature: usize,
    },
    Erase(Shape),
    Cut {
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
    },
    Wall(Shape),
    Shield(Shape),
}

/// Scalpel cuts are this wide, as in the sandbox's default.
pub const CUT_WIDTH: f32 = 2.0;

impl Level {
    /// Parses a level; errors give the line, column and what is wrong (ron names the field).
    pub fn parse(text: &str, source: &Path) -> Result<Self, String> {
        let mut l: Level = ron::from_str(crate::fsio::strip_bom(text)).map_err(|e| {
            format!("{}: line {}, column {}: {}", source.display(), e.span.start.line, e.span.start.col, e.code)
        })?;
        l.source = source.to_path_buf();
        l.validate().map_err(|e| format!("{}: {e}", source.display()))?;
        Ok(l)
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text = crate::fsio::read_text(path, "level file")?;
        Self::parse(&text, path)
    }

    pub fn size(&self) -> Result<WorldSize, String> {
        WorldSize::new(self.world.width, self.world.height, self.world.wrap)
    }

    /// A path named in the level, relative to the level's folder.
    pub fn path(&self, p: &str) -> PathBuf {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { self.source.parent().unwrap_or(Path::new(".")).join(p) }
    }

    fn validate(&self) -> Result<(), String> {
        let size = self.size().map_err(|e| format!("world: {e}"))?;
        self.validate_bounds(size)?;
        if !(self.steps_per_second > 0.0 && self.steps_per_second <= 240.0) {
            return Err("steps_per_second must be in (0, 240]".into());
        }
        if self.creatures.is_empty() {
            return Err("creatures: a level needs at least one".into());
        }
        let frac = |v: f32, what: &str| {
            if (0.0..=1.0).contains(&v) { Ok(()) } else { Err(format!("goal: {what} must be a fraction in [0, 1]")) }
        };
        let secs = |v: f32, what: &str| {
            if v > 0.0 && v <= MAX_LEVEL_SECONDS {
                Ok(())
            } else {
                Err(format!("goal: {what} is {v}: it must be a number of seconds in (0, {MAX_LEVEL_SECONDS}]"))
            }
        };
        match &self.goal {
            Goal::Regrow { shape, within } => {
                frac(*shape, "shape")?;
                secs(*within, "within")?;
                // Something must start the clock: a timed wound, or the player's eraser or scalpel.
                if !self.events.iter().any(|e| matches!(e.at, When::Time(_)))
                    && self.tools.eraser == 0
                    && self.tools.scalpel == 0
                {
                    return Err("goal Regrow needs an event that wounds the creature at a time, or an eraser or scalpel for the player".into());
                }
            }
            Goal::Survive { shape, seconds } => {
                frac(*shape, "shape")?;
                secs(*seconds, "seconds")?;
            }
            Goal::Sever { cuts, below, within } => {
                frac(*below, "below")?;
                secs(*within, "within")?;
                if *cuts == 0 || *cuts > self.tools.scalpel {
                    return Err("goal Sever needs 1 <= cuts <= tools.scalpel".into());
                }
            }
            Goal::Garden { zones, cover, within } => {
                frac(*cover, "cover")?;
                secs(*within, "within")?;
                if zones.is_empty() {
                    return Err("goal Garden needs at least one zone".into());
                }
            }
        }
        let (two, three) = (self.stars.two, self.stars.three);
        let ordered = if self.goal.lower_is_better() { three <= two } else { three >= two };
        if !ordered {
            return Err("stars: three stars must be harder to get than two".into());
        }
        for (i, m) in self.solution.iter().enumerate() {
            if !(m.at >= 0.0) || i > 0 && m.at < self.solution[i - 1].at {
                return Err(format!("solution: move {} is out of time order", i + 1));
            }
        }
        let (last_move, last_event, goal) = self.durations();
        if last_move.max(last_event) + goal > MAX_LEVEL_SECONDS {
            return Err(format!(
                "the level lasts up to {:.0} s (its last move or timed event, then the goal's {goal} s), over the limit of {MAX_LEVEL_SECONDS} s",
                last_move.max(last_event) + goal
            ));
        }
        Ok(())
    }

    /// Seconds of level time of the solution's last move, of the last timed event, and of the goal.
    pub fn durations(&self) -> (f32, f32, f32) {
        let last_move = self.solution.last().map(|m| m.at).unwrap_or(0.0);
        let last_event = self
            .events
            .iter()
            .filter_map(|e| if let When::Time(t) = e.at { Some(t) } else { None })
            .fold(0.0, f32::max);
        let goal = match &self.goal {
            Goal::Regrow { within, .. } | Goal::Sever { within, .. } | Goal::Garden { within, .. } => *within,
            Goal::Survive { seconds, .. } => *seconds,
        };
        (last_move, last_event, goal)
    }

    /// Every count, time, size and shape against `crate::limits`: a shared level file must not
    /// make the game or `level check` allocate without end or run for ever.
    fn validate_bounds(&self, size: WorldSize) -> Result<(), String> {
        use crate::limits::{self as l, finite, within};
        let items = |what: &str, n: usize| {
            if n > l::MAX_LEVEL_ITEMS {
                Err(format!("{what}: {n} entries, over the limit of {}", l::MAX_LEVEL_ITEMS))
            } else {
                Ok(())
            }
        };
        let at_time = |what: &str, t: f32| within(what, t, 0.0, MAX_LEVEL_SECONDS).map(|_| ());
        l::name("title", &l::truncate(&self.title, l::MAX_NAME_CHARS))?;
        if self.creatures.len() > l::MAX_LEVEL_CREATURES {
            return Err(format!("creatures: {}, over the limit of {}", self.creatures.len(), l::MAX_LEVEL_CREATURES));
        }
        for (i, p) in self.creatures.iter().enumerate() {
            let what = |f: &str| format!("creatures[{i}].{f}");
            within(&what("grown"), p.grown, 0, l::MAX_GROWN)?;
            finite(&what("rotation"), p.rotation, 36_000.0)?;
            if size.cell(p.x, p.y).is_none() {
                return Err(format!(
                    "{}: ({}, {}) is outside the {}x{} world",
                    what("x, y"),
                    p.x,
                    p.y,
                    size.width,
                    size.height
                ));
            }
        }
        items("walls", self.walls.len())?;
        items("events", self.events.len())?;
        items("hazards", self.hazards.len())?;
        items("solution", self.solution.len())?;
        for s in &self.walls {
            s.validate().map_err(|e| format!("walls: {e}"))?;
        }
        for (i, e) in self.events.iter().enumerate() {
            match e.at {
                When::Time(t) => at_time(&format!("events[{i}].at"), t)?,
                When::Recovered(f) => within(&format!("events[{i}].at"), f, 0.0, 1.0).map(|_| ())?,
            }
            e.wound.validate().map_err(|m| format!("events[{i}].wound: {m}"))?;
        }
        for (i, h) in self.hazards.iter().enumerate() {
            let what = format!("hazards[{i}]");
            match h {
                Hazard::Acid(s) => s.validate().map_err(|m| format!("{what}: {m}"))?,
                Hazard::Sweep { from, to, radius, period } => {
                    for v in [from.0, from.1, to.0, to.1] {
                        finite(&format!("{what}.from/to"), v, l::MAX_SHAPE_EXTENT)?;
                    }
                    within(&format!("{what}.radius"), *radius, 0.0, l::MAX_SHAPE_EXTENT)?;
                    within(&format!("{what}.period"), *period, 0.1, MAX_LEVEL_SECONDS)?;
                }
                Hazard::Spin(deg) => {
                    finite(&format!("{what}: degrees per second"), *deg, 3600.0)?;
                }
            }
        }
        let t = &self.tools;
        for (what, n) in [
            ("seeds", t.seeds),
            ("eraser", t.eraser),
            ("scalpel", t.scalpel),
            ("walls", t.walls),
            ("shields", t.shields),
        ] {
            within(&format!("tools.{what}"), n, 0, l::MAX_TOOL_USES)?;
        }
        within("tools.shield_seconds", t.shield_seconds, 0.0, MAX_LEVEL_SECONDS)?;
        finite("stars.two", self.stars.two, 1e9)?;
        finite("stars.three", self.stars.three, 1e9)?;
        if let Goal::Garden { zones, .. } = &self.goal {
            items("goal zones", zones.len())?;
            for z in zones {
                z.validate().map_err(|e| format!("goal zones: {e}"))?;
            }
        }
        for (i, m) in self.solution.iter().enumerate() {
            let what = format!("solution move {}", i + 1);
            at_time(&format!("{what}: at"), m.at)?;
            match &m.action {
                Action::Seed { creature, .. } if *creature >= self.creatures.len() => {
                    return Err(format!("{what}: the level has no creature {creature}"));
                }
                Action::Seed { .. } => {}
                Action::Erase(s) | Action::Wall(s) | Action::Shield(s) => {
                    s.validate().map_err(|e| format!("{what}: {e}"))?
                }
                Action::Cut { x0, y0, x1, y1 } => Shape::Line { x0: *x0, y0: *y0, x1: *x1, y1: *y1, width: CUT_WIDTH }
                    .validate()
                    .map_err(|e| format!("{what}: {e}"))?,
            }
        }
        Ok(())
    }
}
