//! Training checkpoints: everything needed to carry on after a kill, written atomically.
//!
//! Layout (little endian): `b"MORPHCKP"` | version u32 | header length u32 | header JSON |
//! target f32s | weights | Adam m | Adam v | pool | CRC-32 of all before. The pool of a creature
//! holds its live cells only (cell index u32 + one f32 per channel; dead cells are exactly zero);
//! a texture's pool, alive everywhere, is stored whole (`pool_dense`). Version 1 files (the
//! paper's model, sparse pools) still load.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use crate::fsio::{self, FileError};
use crate::target::Target;

/// Why a checkpoint could not be read: its file, or what is wrong inside it. A checkpoint read
/// from a file names it.
#[derive(Debug)]
pub enum CheckpointError {
    File(FileError),
    Content { file: Option<PathBuf>, problem: CheckpointProblem },
}

/// What is wrong inside a checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckpointProblem {
    /// Wrong magic bytes, or too short to hold them.
    NotACheckpoint,
    /// The CRC does not match: a torn or altered file.
    Checksum,
    /// A format version this build does not read.
    Version(u32),
    /// A header over the size a checkpoint's takes.
    HeaderTooLarge(usize),
    /// A header that does not parse or holds a value out of its limits.
    Header(String),
    /// A part shorter than its header says.
    Truncated { what: String, needed: usize, left: usize },
    /// A size that overflows.
    Overflows { what: String },
    /// A value a training carries on from that is not finite (a corrupt file, not a divergence).
    NotFinite { what: String, value: f32, at: usize },
    /// Adam's second moment below zero.
    NegativeMoment { at: usize },
    /// Target values outside `[0, 1]`.
    TargetRange,
    /// More live cells than the pool or the file holds.
    PoolLive { live: u64, cells: usize },
    /// A live cell's index past the pool.
    PoolIndex,
}

impl std::fmt::Display for CheckpointProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use CheckpointProblem as P;
        match self {
            P::NotACheckpoint => write!(f, "not a morphogen training checkpoint"),
            P::Checksum => write!(f, "checkpoint is truncated or corrupt (checksum mismatch)"),
            P::Version(v) => write!(f, "checkpoint version {v}, this build reads 1 to {VERSION}"),
            P::HeaderTooLarge(n) => write!(f, "checkpoint header: {n} bytes, over the limit of {MAX_HEADER}"),
            P::Header(e) => write!(f, "checkpoint header: {e}"),
            P::Truncated { what, needed, left } => {
                write!(f, "checkpoint {what} truncated ({needed} bytes needed, {left} left)")
            }
            P::Overflows { what } => write!(f, "checkpoint {what}: size overflows"),
            P::NotFinite { what, value, at } => write!(f, "checkpoint is corrupt: {what} holds {value} at {at}"),
            P::NegativeMoment { at } => {
                write!(f, "checkpoint is corrupt: Adam's second moment (adam_v) is negative at {at}")
            }
            P::TargetRange => write!(f, "checkpoint is corrupt: target values outside [0, 1]"),
            P::PoolLive { live, cells } => {
                write!(f, "checkpoint pool: {live} live cells do not fit its {cells} cells or the file")
            }
            P::PoolIndex => write!(f, "checkpoint pool entry out of range"),
        }
    }
}

impl std::fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckpointError::File(e) => write!(f, "{e}"),
            CheckpointError::Content { file: Some(p), problem } => write!(f, "{}: {problem}", p.display()),
            CheckpointError::Content { file: None, problem } => write!(f, "{problem}"),
        }
    }
}

impl std::error::Error for CheckpointError {}

impl CheckpointError {
    /// What is wrong inside the checkpoint, if the file was read.
    pub fn problem(&self) -> Option<&CheckpointProblem> {
        match self {
            CheckpointError::Content { problem, .. } => Some(problem),
            CheckpointError::File(_) => None,
        }
    }
}

impl From<FileError> for CheckpointError {
    fn from(e: FileError) -> Self {
        CheckpointError::File(e)
    }
}

impl From<CheckpointProblem> for CheckpointError {
    fn from(problem: CheckpointProblem) -> Self {
        CheckpointError::Content { file: None, problem }
    }
}

/// Where the message is all the caller keeps (the CLI, the UI, layers not yet typed).
impl From<CheckpointError> for String {
    fn from(e: CheckpointError) -> String {
        e.to_string()
    }
}

const MAGIC: &[u8; 8] = b"MORPHCKP";
const VERSION: u32 = 2;

#[derive(Clone, Debug, PartialEq)]
pub struct Pool {
    /// [n, h, w]
    pub dims: [usize; 3],
    /// Row-major `n * h * w * channels` values.
    pub data: Vec<f32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub name: String,
    pub config: TrainConfig,
    pub iteration: u64,
    pub history: Vec<f32>,
    /// Seconds spent training so far, over every session.
    pub train_secs: f64,
    pub target: Target,
    pub weights: Vec<f32>,
    pub adam_m: Vec<f32>,
    pub adam_v: Vec<f32>,
    pub adam_t: u64,
    pub pool: Option<Pool>,
    /// The report card's wounds the last grading missed (`train::focus`); None: not graded yet, or
    /// a checkpoint written before this was kept.
    pub missed: Option<Vec<crate::nca::wound::CardWound>>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    name: String,
    config: TrainConfig,
    iteration: u64,
    history: Vec<f32>,
    #[serde(default)]
    train_secs: f64,
    target_dims: [usize; 2],
    adam_t: u64,
    pool_dims: Option<[usize; 3]>,
    pool_live: u64,
    #[serde(default)]
    pool_dense: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    missed: Option<Vec<crate::nca::wound::CardWound>>,
}

/// A header larger than this is not a checkpoint's (guards the allocation).
const MAX_HEADER: usize = 64 << 20;

impl Header {
    /// Every number the reader goes on to allocate or index by, against `crate::limits`.
    fn validate(&self) -> Result<(), CheckpointProblem> {
        use crate::limits::{self as l, within};
        let e = |m: String| CheckpointProblem::Header(m);
        let l = |m: l::LimitError| CheckpointProblem::Header(m.to_string());
        l::name("name", &self.name).map_err(l)?;
        self.config.validate().map_err(e)?;
        within("iteration", self.iteration, 0, l::MAX_ITERATIONS).map_err(l)?;
        if self.history.len() > l::MAX_HISTORY {
            return Err(e(format!("history: {} entries, over the limit of {}", self.history.len(), l::MAX_HISTORY)));
        }
        if let Some(m) = &self.missed {
            super::focus::validate_missed(m).map_err(e)?;
        }
        if !(self.train_secs >= 0.0 && self.train_secs.is_finite()) {
            return Err(e(format!("train_secs: {} is not a duration", self.train_secs)));
        }
        let [th, tw] = self.target_dims;
        within("target_dims height", th, 1, l::MAX_GRID).map_err(l)?;
        within("target_dims width", tw, 1, l::MAX_GRID).map_err(l)?;
        if let Some([n, h, w]) = self.pool_dims {
            within("pool_dims states", n, 1, l::MAX_POOL).map_err(l)?;
            if n != self.config.pool_size {
                return Err(e(format!("pool_dims: {n} states, its config's pool_size is {}", self.config.pool_size)));
            }
            within("pool_dims height", h, 1, l::MAX_GRID).map_err(l)?;
            within("pool_dims width", w, 1, l::MAX_GRID).map_err(l)?;
            let c = self.config.spec().channels;
            l::product(
                "pool_dims (states x height x width x channels x 4 bytes)",
                &[n, h, w, c, 4],
                "bytes",
                l::MAX_POOL_BYTES,
            )
            .map_err(l)?;
        }
        Ok(())
    }
}

/// Reads a checkpoint's body in order, every length checked against what is left.
struct Reader<'a> {
    body: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.body.len() - self.pos
    }
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], CheckpointProblem> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.body.len());
        let end =
            end.ok_or_else(|| CheckpointProblem::Truncated { what: what.into(), needed: n, left: self.left() })?;
        let s = &self.body[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn f32s(&mut self, n: usize, what: &str) -> Result<Vec<f32>, CheckpointProblem> {
        let bytes =
            self.take(n.checked_mul(4).ok_or_else(|| CheckpointProblem::Overflows { what: what.into() })?, what)?;
        Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }
    /// Values a training carries on from: a NaN in them is a corrupt file, not a divergence.
    fn finite(&mut self, n: usize, what: &str) -> Result<Vec<f32>, CheckpointProblem> {
        let v = self.f32s(n, what)?;
        if let Some(at) = v.iter().position(|x| !x.is_finite()) {
            return Err(CheckpointProblem::NotFinite { what: what.into(), value: v[at], at });
        }
        Ok(v)
    }
}

fn push_f32s(out: &mut Vec<u8>, v: &[f32]) {
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

impl Checkpoint {
    /// The checkpoint without its pool (a few hundred kilobytes instead of a hundred megabytes),
    /// to carry a training to another machine: its config starts the pool again from seeds at its
    /// iteration, so it resumes exactly as that config trains from scratch.
    pub fn without_pool(mut self) -> Self {
        if self.pool.take().is_some() && self.iteration > 0 && !self.config.pool_resets.contains(&self.iteration) {
            self.config.pool_resets.push(self.iteration);
        }
        self
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let c = self.config.spec().channels;
        // A pool that is mostly alive is cheaper whole than as indexed cells.
        let dense = !self.config.spec().alive_masking;
        let live: Vec<usize> = match &self.pool {
            Some(_) if dense => vec![],
            Some(p) => p
                .data
                .chunks_exact(c)
                .enumerate()
                .filter(|(_, c)| c.iter().any(|&v| v != 0.0))
                .map(|(i, _)| i)
                .collect(),
            None => vec![],
        };
        let header = Header {
            name: self.name.clone(),
            config: self.config.clone(),
            iteration: self.iteration,
            history: self.history.clone(),
            train_secs: self.train_secs,
            target_dims: [self.target.height, self.target.width],
            adam_t: self.adam_t,
            pool_dims: self.pool.as_ref().map(|p| p.dims),
            pool_live: live.len() as u64,
            pool_dense: dense,
            missed: self.missed.clone(),
        };
        let header = serde_json::to_vec(&header).expect("header serialises");
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        push_f32s(&mut out, &self.target.rgba);
        push_f32s(&mut out, &self.weights);
        push_f32s(&mut out, &self.adam_m);
        push_f32s(&mut out, &self.adam_v);
        if let Some(p) = &self.pool {
            if dense {
                push_f32s(&mut out, &p.data);
            }
            for i in live {
                out.extend_from_slice(&(i as u32).to_le_bytes());
                push_f32s(&mut out, &p.data[i * c..(i + 1) * c]);
            }
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<Self, CheckpointProblem> {
        use CheckpointProblem as P;
        if b.len() < 20 || &b[..8] != MAGIC {
            return Err(P::NotACheckpoint);
        }
        let (body, crc) = b.split_at(b.len() - 4);
        if crc32fast::hash(body) != u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) {
            return Err(P::Checksum);
        }
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let version = u32_at(8);
        if !(1..=VERSION).contains(&version) {
            return Err(P::Version(version));
        }
        let hlen = u32_at(12) as usize;
        if hlen > MAX_HEADER {
            return Err(P::HeaderTooLarge(hlen));
        }
        let mut r = Reader { body, pos: 16 };
        let header: Header = serde_json::from_slice(r.take(hlen, "header")?).map_err(|e| P::Header(e.to_string()))?;
        header.validate()?;
        let [th, tw] = header.target_dims;
        let rgba = r.f32s(th * tw * 4, "target")?;
        if rgba.iter().any(|v| !(0.0..=1.0).contains(v)) {
            return Err(P::TargetRange);
        }
        let target = Target { width: tw, height: th, rgba };
        let spec = header.config.spec();
        let (params, c) = (spec.param_count(), spec.channels);
        let weights = r.finite(params, "weights")?;
        let adam_m = r.finite(params, "Adam's first moment (adam_m)")?;
        let adam_v = r.finite(params, "Adam's second moment (adam_v)")?;
        if let Some(at) = adam_v.iter().position(|&v| v < 0.0) {
            return Err(P::NegativeMoment { at });
        }
        let pool = match header.pool_dims {
            Some(dims) if header.pool_dense => {
                Some(Pool { dims, data: r.finite(dims.iter().product::<usize>() * c, "pool")? })
            }
            Some(dims) => {
                let cells: usize = dims.iter().product();
                // Each live cell takes 4 + 4c bytes: a count the file cannot hold is refused before
                // the pool is allocated.
                if header.pool_live > cells as u64
                    || header.pool_live.saturating_mul(4 + 4 * c as u64) > r.left() as u64
                {
                    return Err(P::PoolLive { live: header.pool_live, cells });
                }
                let mut data = vec![0.0; cells * c];
                for _ in 0..header.pool_live {
                    let raw = r.take(4, "pool")?;
                    let i = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
                    if i >= cells {
                        return Err(P::PoolIndex);
                    }
                    let v = r.finite(c, "pool")?;
                    data[i * c..(i + 1) * c].copy_from_slice(&v);
                }
                Some(Pool { dims, data })
            }
            None => None,
        };
        Ok(Checkpoint {
            name: header.name,
            config: header.config,
            iteration: header.iteration,
            history: header.history,
            train_secs: header.train_secs,
            target,
            weights,
            adam_m,
            adam_v,
            adam_t: header.adam_t,
            pool,
            missed: header.missed,
        })
    }

    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        fsio::write_atomic(path, &self.to_bytes())
    }

    pub fn load(path: &Path) -> Result<Self, CheckpointError> {
        let bytes = fsio::read_limited(path, "checkpoint", crate::limits::MAX_CHECKPOINT_FILE)?;
        Self::from_bytes(&bytes).map_err(|problem| CheckpointError::Content { file: Some(path.into()), problem })
    }

    /// A training that has not run yet: the weights and state `Trainer::new` would start from,
    /// so a queued training is a checkpoint like any other and survives a kill.
    pub fn fresh(name: &str, config: TrainConfig, target: Target) -> Self {
        let weights = config.initial_weights().flatten();
        let zeros = vec![0.0; weights.len()];
        Checkpoint {
            name: name.to_string(),
            config,
            iteration: 0,
            history: vec![],
            train_secs: 0.0,
            target,
            weights,
            adam_m: zeros.clone(),
            adam_v: zeros,
            adam_t: 0,
            pool: None,
            missed: None,
        }
    }

    /// Name and progress from the header alone (listing unfinished trainings without reading
    /// their pools); the full load still checks everything.
    pub fn peek(path: &Path) -> Result<Summary, CheckpointError> {
        use CheckpointProblem as P;
        use std::io::Read;
        let bad = |problem| CheckpointError::Content { file: Some(path.into()), problem };
        let mut f = fsio::open(path)?;
        let mut head = [0u8; 16];
        f.read_exact(&mut head).map_err(|_| bad(P::NotACheckpoint))?;
        if &head[..8] != MAGIC {
            return Err(bad(P::NotACheckpoint));
        }
        let hlen = u32::from_le_bytes([head[12], head[13], head[14], head[15]]) as usize;
        if hlen > MAX_HEADER {
            return Err(bad(P::HeaderTooLarge(hlen)));
        }
        let mut h = Vec::with_capacity(hlen);
        f.take(hlen as u64).read_to_end(&mut h).map_err(|e| CheckpointError::File(FileError::io(path, e)))?;
        if h.len() < hlen {
            return Err(bad(P::Truncated { what: "header".into(), needed: hlen, left: h.len() }));
        }
        let header: Header = serde_json::from_slice(&h).map_err(|e| bad(P::Header(e.to_string())))?;
        crate::limits::name("name", &header.name).map_err(|e| bad(P::Header(e.to_string())))?;
        Ok(Summary {
            name: header.name,
            iteration: header.iteration,
            iterations: header.config.iterations,
            mode: header.config.mode,
        })
    }
}

/// What [`Checkpoint::peek`] tells.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub name: String,
    pub iteration: u64,
    pub iterations: u64,
    pub mode: super::Mode,
}
