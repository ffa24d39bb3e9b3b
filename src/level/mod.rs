//! Challenges as data: one RON file per level in `levels/`. A level sets up a world (size,
//! borders, walls, creatures grown for a while), scripts events and hazards in level time, gives
//! the player a budget of tools, and names a goal with thresholds for one, two and three stars.
//! Level time runs at a fixed number of steps per second, so a level plays out the same on every
//! machine and `morphogen level check` can prove each level winnable with its own solution.

mod judge;
pub mod run;
pub mod score;
mod validate;

pub use run::{LevelRun, Outcome};

use std::path::{Path, PathBuf};

use serde::Deserialize;

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

/// A creature in the level: planted at the start, or only offered to the player as seeds.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// A creature file or a Distill demo model (`.json`), relative to the level file.
    pub creature: String,
    pub x: i64,
    pub y: i64,
    /// Perception rotation, degrees.
    #[serde(default)]
    pub rotation: f32,
    /// Steps it grows before play starts; its shape then is what "shape %" compares with.
    #[serde(default = "default_grown")]
    pub grown: u64,
    /// False: not in the world at the start, only a seed the player (or the solution) may plant;
    /// `x`, `y` and `grown` are then unused. The first creature is always planted.
    #[serde(default = "default_planted")]
    pub planted: bool,
}

fn default_planted() -> bool {
    true
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

impl Hazard {
    /// How far the level's spin hazards have turned every species at `t` seconds, radians.
    pub fn spin_at(hazards: &[Hazard], t: f32) -> f32 {
        hazards.iter().map(|h| if let Hazard::Spin(deg) = h { (deg * t).to_radians() } else { 0.0 }).sum()
    }
}

impl Hazard {
    /// Where a sweep's disc is at `t` seconds of level time: a triangle wave, from -> to -> from
    /// every period. The run wounds there and the panel draws it there.
    pub fn sweep_at(from: (f32, f32), to: (f32, f32), period: f32, t: f32) -> (f32, f32) {
        let phase = (t / period.max(0.1)).fract();
        let k = if phase < 0.5 { phase * 2.0 } else { 2.0 - phase * 2.0 };
        (from.0 + (to.0 - from.0) * k, from.1 + (to.1 - from.1) * k)
    }
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
    /// Turns of a creature's perception (the whole species, from then on).
    pub turns: u32,
    /// Degrees one turn takes, either way (45 when not given).
    pub turn_degrees: f32,
}

impl Tools {
    /// The size of one turn of the rotation tool, degrees.
    pub fn turn_step(&self) -> f32 {
        if self.turn_degrees > 0.0 { self.turn_degrees } else { 45.0 }
    }
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
    /// seconds; with `by`, only the cells of that creature (its number in `creatures`) count;
    /// with `steady`, the zones must stay covered that many seconds on end (a creature's grown
    /// shape must fit them, not the round blob it grows through). Score: seconds taken until won
    /// (lower is better).
    Garden {
        zones: Vec<Shape>,
        cover: f32,
        within: f32,
        #[serde(default)]
        by: Option<usize>,
        #[serde(default)]
        steady: f32,
    },
    /// Keep each zone at least `cover` covered by living cells (of creature `by`, when given) for
    /// `seconds`: territory held against an invader or a hazard. Score: the lowest cover of any
    /// zone at any step (higher is better).
    Hold {
        zones: Vec<Shape>,
        cover: f32,
        seconds: f32,
        #[serde(default)]
        by: Option<usize>,
    },
}

impl Goal {
    /// Whether a lower score is better for this goal.
    pub fn lower_is_better(&self) -> bool {
        !matches!(self, Goal::Survive { .. } | Goal::Hold { .. })
    }

    /// The zones a Garden or Hold goal is about (drawn on the world).
    pub fn zones(&self) -> &[Shape] {
        match self {
            Goal::Garden { zones, .. } | Goal::Hold { zones, .. } => zones,
            _ => &[],
        }
    }

    /// The creature whose cells count towards the zones, if only one does.
    pub fn by(&self) -> Option<usize> {
        match self {
            Goal::Garden { by, .. } | Goal::Hold { by, .. } => *by,
            _ => None,
        }
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
    /// Turns creature number `creature`'s perception by `degrees` (a multiple of the level's
    /// turn size, either way): the species grows and heals towards its new "up" from then on.
    Turn {
        creature: usize,
        degrees: f32,
    },
}

/// Scalpel cuts are this wide, as in the sandbox's default.
pub const CUT_WIDTH: f32 = 2.0;
/// The disc a click of the level's eraser wounds, and the one a shield protects: the tools the
/// player has, which a level's solution must also keep to.
pub const ERASER_RADIUS: f32 = 5.0;
pub const SHIELD_RADIUS: f32 = 10.0;

/// Why a level file is not a level: it could not be read, it is not RON of a level's shape, or
/// it describes a level that cannot be played (a value out of its limits, a goal no move
/// reaches). Shown as `FILE: ...`.
#[derive(Debug)]
pub enum LevelError {
    File(crate::fsio::FileError),
    Syntax { file: PathBuf, line: usize, column: usize, message: String },
    Invalid { file: PathBuf, message: String },
}

impl std::fmt::Display for LevelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LevelError::File(e) => write!(f, "{e}"),
            LevelError::Syntax { file, line, column, message } => {
                write!(f, "{}: line {line}, column {column}: {message}", file.display())
            }
            LevelError::Invalid { file, message } => write!(f, "{}: {message}", file.display()),
        }
    }
}

impl std::error::Error for LevelError {}

/// Where the message is all the caller keeps (the CLI, the UI, layers not yet typed).
impl From<LevelError> for String {
    fn from(e: LevelError) -> String {
        e.to_string()
    }
}

impl Level {
    /// Parses a level; errors give the line, column and what is wrong (ron names the field).
    pub fn parse(text: &str, source: &Path) -> Result<Self, LevelError> {
        let mut l: Level = ron::from_str(crate::fsio::strip_bom(text)).map_err(|e| LevelError::Syntax {
            file: source.to_path_buf(),
            line: e.span.start.line,
            column: e.span.start.col,
            message: e.code.to_string(),
        })?;
        l.source = source.to_path_buf();
        l.validate().map_err(|message| LevelError::Invalid { file: source.to_path_buf(), message })?;
        Ok(l)
    }

    pub fn load(path: &Path) -> Result<Self, LevelError> {
        let text = crate::fsio::read_text(path, "level file").map_err(LevelError::File)?;
        Self::parse(&text, path)
    }

    pub fn size(&self) -> Result<WorldSize, String> {
        Ok(WorldSize::new(self.world.width, self.world.height, self.world.wrap)?)
    }

    /// A creature file named in the level, relative to the level's folder. A level on disk may
    /// name a shipped creature as the shipped levels do (`../assets/creatures/lizard.creature`)
    /// wherever it lies: a file that is not there is looked for among the shipped creatures and
    /// models by its file name.
    pub fn path(&self, p: &str) -> PathBuf {
        let beside = crate::shipped::resolve(self.source.parent().unwrap_or(Path::new(".")), Path::new(p));
        if crate::fsio::exists(&beside) {
            return beside;
        }
        beside.file_name().and_then(|n| n.to_str()).and_then(crate::shipped::creature_named).unwrap_or(beside)
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
            Goal::Regrow { within, .. } | Goal::Sever { within, .. } => *within,
            Goal::Garden { within, steady, .. } => within + steady,
            Goal::Survive { seconds, .. } | Goal::Hold { seconds, .. } => *seconds,
        };
        (last_move, last_event, goal)
    }
}
