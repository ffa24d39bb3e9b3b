//! Every size, count and duration that morphogen takes from a file or an argument has an upper
//! limit here, checked before anything is allocated or run. Creature files, checkpoints, Distill
//! models, levels, scripts and images are files people share: a number in one of them must never
//! make the program abort on a failed allocation, loop for ever or index out of bounds. One table,
//! so that the loaders, the validators and `docs/ARCHITECTURE.md` agree.
//!
//! The limits are far above anything the paper, the notebooks or the game use (the paper's pool
//! is 340 MB, a texture's 200 MB), and low enough that the largest accepted input fits in the
//! memory of a small machine.

/// Side of a training grid, a creature's grid and a target (with its padding), cells.
pub const MAX_GRID: usize = 1024;
/// Side a target image is fitted into, pixels (`--size`, `target.size`).
pub const MAX_TARGET_SIZE: u32 = 512;
/// Empty cells around a target on each side (`--padding`, `target.padding`).
pub const MAX_PADDING: u32 = 256;
/// Samples per training batch.
pub const MAX_BATCH: usize = 256;
/// States in a training pool.
pub const MAX_POOL: usize = 8192;
/// Steps of one training rollout (`max_steps`).
pub const MAX_STEPS: usize = 4096;
/// Iterations of one training.
pub const MAX_ITERATIONS: u64 = 100_000_000;
/// Memory of a training pool: states x cells x channels x 4 bytes.
pub const MAX_POOL_BYTES: u64 = 4 << 30;
/// Memory a rollout may keep for its gradient: batch x steps x cells x channels x 4 bytes.
pub const MAX_ROLLOUT_BYTES: u64 = 4 << 30;
/// Entries of a checkpoint's loss history (one per iteration).
pub const MAX_HISTORY: usize = MAX_ITERATIONS as usize;

/// Pixels of an image a side before decoding (a decompression bomb, or a photo far beyond any
/// grid).
pub const MAX_IMAGE_SIDE: u32 = 16_384;
/// Pixels of an image in all. Decoding takes 4-8 bytes a pixel and preparing a target 16 more
/// (f32 RGBA): 40 M pixels (a 50-megapixel camera's 8,660 x 4,620 is just under) is at most about
/// 1 GB; a 16,000 x 16,000 PNG (256 M pixels) would take 5 GB.
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;
/// What the image decoder may allocate in all.
pub const MAX_DECODE_BYTES: u64 = MAX_IMAGE_PIXELS * 8;

/// Side of a sandbox or level world, cells.
pub const MAX_WORLD_SIDE: usize = 2048;
/// Seconds of level time a level may last, every goal, event and solution move included.
pub const MAX_LEVEL_SECONDS: f32 = 600.0;
/// Steps a level's creature grows before play (`grown`).
pub const MAX_GROWN: u64 = 5_000;
/// Creatures placed in a level.
pub const MAX_LEVEL_CREATURES: usize = 16;
/// Shapes in a level's lists (walls, events, hazards, zones) and moves in its solution.
pub const MAX_LEVEL_ITEMS: usize = 1_000;
/// Uses of one tool in a level's budget.
pub const MAX_TOOL_USES: u32 = 10_000;
/// A coordinate or length in a shape, cells (a world is at most 2,048 a side).
pub const MAX_SHAPE_EXTENT: f32 = 100_000.0;

/// Actions in a game script.
pub const MAX_SCRIPT_ACTIONS: usize = 100_000;
/// `WaitSteps` of a script, steps.
pub const MAX_WAIT_STEPS: u64 = 10_000_000;
/// `WaitFrames` of a script, frames.
pub const MAX_WAIT_FRAMES: u64 = 1_000_000;

/// A text file morphogen reads whole (levels, scripts, configs, manifests, Distill models).
pub const MAX_TEXT_FILE: u64 = 16 << 20;
/// An image file (compressed; what it decodes to is bounded by the pixel limits above).
pub const MAX_IMAGE_FILE: u64 = 256 << 20;
/// A creature file (weights, metadata and the target PNG).
pub const MAX_CREATURE_FILE: u64 = 80 << 20;
/// A checkpoint file (the pool, the weights and Adam's state, the loss history).
pub const MAX_CHECKPOINT_FILE: u64 = MAX_POOL_BYTES + (1 << 30);
/// A name in a file (creature, training): printed and shown, so no control characters either.
pub const MAX_NAME_CHARS: usize = 200;

/// A value from a file or an argument that is over its limit: the field and what is wrong with
/// it. Shown as `FIELD: PROBLEM`; the validators of each file kind wrap it with the file's name.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitError {
    pub field: String,
    pub problem: OverLimit,
}

/// What is wrong with a value; numbers are kept as they are shown.
#[derive(Debug, Clone, PartialEq)]
pub enum OverLimit {
    /// A product of sizes that does not fit in 64 bits.
    Overflows { dims: String, unit: String, limit: u64 },
    /// A product of sizes over its limit.
    Product { dims: String, value: u64, unit: String, limit: u64 },
    /// A number outside its range.
    Outside { value: String, lo: String, hi: String },
    /// Not a finite number, or one beyond `-limit..=limit`.
    NotFinite { value: f32, limit: f32 },
    /// A name holding control characters (its first characters, as Rust quotes them).
    ControlCharacters { start: String },
    /// A name longer than [`MAX_NAME_CHARS`].
    TooLong { chars: usize },
}

impl std::fmt::Display for LimitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", self.field)?;
        match &self.problem {
            OverLimit::Overflows { dims, unit, limit } => write!(f, "{dims} {unit} overflows (limit {limit})"),
            OverLimit::Product { dims, value, unit, limit } => {
                write!(f, "{dims} = {value} {unit}, over the limit of {limit}")
            }
            OverLimit::Outside { value, lo, hi } => write!(f, "{value} is outside {lo}..={hi}"),
            OverLimit::NotFinite { value, limit } => write!(f, "{value} is not a number within -{limit}..={limit}"),
            OverLimit::ControlCharacters { start } => write!(f, "{start:?} holds control characters"),
            OverLimit::TooLong { chars } => write!(f, "{chars} characters, over the limit of {MAX_NAME_CHARS}"),
        }
    }
}

impl std::error::Error for LimitError {}

/// Where the message is all the caller keeps (the CLI, the UI, layers not yet typed).
impl From<LimitError> for String {
    fn from(e: LimitError) -> String {
        e.to_string()
    }
}

fn over(field: &str, problem: OverLimit) -> LimitError {
    LimitError { field: field.to_string(), problem }
}

/// The product of `dims`, checked against `limit` without overflowing: the error names the field,
/// the value and the limit.
pub fn product(field: &str, dims: &[usize], unit: &str, limit: u64) -> Result<u64, LimitError> {
    let shown = || dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" x ");
    let mut p: u64 = 1;
    for &d in dims {
        p = p
            .checked_mul(d as u64)
            .ok_or_else(|| over(field, OverLimit::Overflows { dims: shown(), unit: unit.into(), limit }))?;
    }
    if p > limit {
        return Err(over(field, OverLimit::Product { dims: shown(), value: p, unit: unit.into(), limit }));
    }
    Ok(p)
}

/// `value` within `lo..=hi`, or an error naming the field, the value and the range.
pub fn within<T: PartialOrd + std::fmt::Display>(field: &str, value: T, lo: T, hi: T) -> Result<T, LimitError> {
    if value >= lo && value <= hi {
        Ok(value)
    } else {
        Err(over(field, OverLimit::Outside { value: value.to_string(), lo: lo.to_string(), hi: hi.to_string() }))
    }
}

/// A finite number within `-limit..=limit`.
pub fn finite(field: &str, value: f32, limit: f32) -> Result<f32, LimitError> {
    if value.is_finite() && value.abs() <= limit {
        Ok(value)
    } else {
        Err(over(field, OverLimit::NotFinite { value, limit }))
    }
}

/// A name read from a file: at most [`MAX_NAME_CHARS`] characters and no control characters
/// (a terminal would run them when the name is printed).
pub fn name(field: &str, s: &str) -> Result<(), LimitError> {
    if s.chars().any(char::is_control) {
        return Err(over(field, OverLimit::ControlCharacters { start: truncate(s, 40) }));
    }
    let chars = s.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(over(field, OverLimit::TooLong { chars }));
    }
    Ok(())
}

/// At most `n` characters of `s` (cut at a character, never inside one).
pub fn truncate(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}
