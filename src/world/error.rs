//! Why a world refused a change, kept as a kind that callers can act on (a level's loader, the
//! library's planting, the lab's preview) and said as the sentence the UI and the CLI print.

#[derive(Clone, Debug, PartialEq)]
pub enum WorldError {
    /// A side outside `8..=max`.
    Size { width: usize, height: usize, max: usize },
    /// The world holds its most species (`max`) already.
    Full { max: usize },
    /// A species' rule the world cannot run.
    Rule { name: String, problem: RuleProblem },
    /// One more species' layer would pass the device's largest storage buffer.
    OverBuffer { name: String, species: usize, width: usize, height: usize, need: u64, limit: u64 },
    /// No species at this index.
    NoSuchSpecies(usize),
    /// A whole state of the wrong length.
    StateLength { got: usize, want: usize },
}

#[derive(Clone, Debug, PartialEq)]
pub enum RuleProblem {
    /// Weights that are not a rule (`Weights::validate`'s sentence).
    Weights(String),
    FireOrAngle {
        fire_rate: f32,
        angle: f32,
    },
    /// A texture with no channel left for its territory (it may have at most `max`).
    TextureChannels {
        max: usize,
    },
}

impl std::fmt::Display for WorldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorldError::Size { width, height, max } => {
                write!(f, "world size {width}x{height} is outside 8..={max} per side")
            }
            WorldError::Full { max } => write!(f, "a world holds at most {max} species"),
            WorldError::Rule { name, problem } => match problem {
                RuleProblem::Weights(e) => write!(f, "{name}: {e}"),
                RuleProblem::FireOrAngle { fire_rate, angle } => {
                    write!(f, "{name}: fire rate {fire_rate} must be in [0, 1] and angle {angle} finite")
                }
                RuleProblem::TextureChannels { max } => write!(
                    f,
                    "{name}: a texture may have at most {max} channels in the world (one more keeps its territory)"
                ),
            },
            WorldError::OverBuffer { name, species, width, height, need, limit } => {
                let layer = need / *species as u64;
                write!(
                    f,
                    "cannot add {name}: {species} species in a {width}x{height} world need {} MiB of state and this GPU binds at most {} MiB, room for {} species at this size; use a smaller world",
                    need >> 20,
                    limit >> 20,
                    limit / layer.max(1)
                )
            }
            WorldError::NoSuchSpecies(s) => write!(f, "no species {s} in the world"),
            WorldError::StateLength { got, want } => write!(f, "state has {got} values, expected {want}"),
        }
    }
}

impl std::error::Error for WorldError {}

impl From<WorldError> for String {
    fn from(e: WorldError) -> String {
        e.to_string()
    }
}
