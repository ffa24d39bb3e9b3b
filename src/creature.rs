//! Creature files: one file per creature, its weights and everything a user needs to know.
//!
//! Layout (little endian), version 2:
//! `b"MORPHOGN"` | version u32 | meta length u32 | meta JSON (with the model spec) | weights length
//! u32 | f32 weights (w1, b1, w2, b2, row-major, shapes listed in the meta) | target PNG length
//! u32 | target PNG | CRC-32 of all before. Version 1 (the paper's model only: no spec, no weights
//! length, always 8,336 weights) still loads. The checksum catches truncation and bit rot; every
//! field is checked before use, so a bad file gives a clear error and never a panic.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsio;
use crate::nca::{ModelSpec, NcaConfig, Weights};
use crate::target::Target;

pub const MAGIC: &[u8; 8] = b"MORPHOGN";
pub const FORMAT_VERSION: u32 = 2;
/// Meta JSON larger than this is not a creature file (guards the allocation).
const MAX_META: usize = 1 << 20;
const MAX_TARGET_PNG: usize = 64 << 20;
/// More weight bytes than the largest spec has is not a creature file.
const MAX_WEIGHTS_BYTES: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorInfo {
    pub name: String,
    pub shape: Vec<usize>,
}

/// How a creature came to be: one of the training modes, or imported (a Distill model). Files
/// hold the lower-case name; a name not listed here is refused as bad metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CreatureMode {
    Grow,
    Persist,
    Regenerate,
    Texture,
    Imported,
}

impl CreatureMode {
    pub fn name(self) -> &'static str {
        match self {
            CreatureMode::Grow => "grow",
            CreatureMode::Persist => "persist",
            CreatureMode::Regenerate => "regenerate",
            CreatureMode::Texture => "texture",
            CreatureMode::Imported => "imported",
        }
    }
}

impl std::fmt::Display for CreatureMode {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatureMeta {
    pub name: String,
    /// The model's shape (version 1 files: the paper's).
    #[serde(default)]
    pub spec: ModelSpec,
    /// How it was trained (`grow`, `persist`, `regenerate`, `texture`), or `imported`.
    pub mode: CreatureMode,
    /// Where it came from: "trained by morphogen", or the file it was imported from.
    pub source: String,
    pub iterations: u64,
    pub final_loss: Option<f32>,
    /// Fire rate, perception angle and border it was trained with.
    pub rule: NcaConfig,
    /// The grid it was trained on, [height, width].
    pub grid: [usize; 2],
    /// Target preparation (size, padding, background), when trained here.
    #[serde(default)]
    pub target_options: Option<crate::target::TargetOptions>,
    pub tensors: Vec<TensorInfo>,
    pub created_unix: u64,
    /// Seconds of training, over every session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_secs: Option<f64>,
    /// What it was trained on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trained_on: Option<String>,
    /// Every setting of its training, when trained here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_config: Option<crate::train::TrainConfig>,
    /// The iteration at which it met the zoo's bar and its training finished (`grade_every`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graded_at: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Creature {
    pub meta: CreatureMeta,
    pub weights: Weights,
    pub target: Option<Target>,
}

/// Why a creature file could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Io(String),
    NotACreature,
    Version(u32),
    Truncated { needed: usize, found: usize },
    Checksum,
    Meta(String),
    Shape(String),
    NonFinite(String),
    Target(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreatureError {
    pub path: PathBuf,
    pub problem: Problem,
}

impl std::fmt::Display for CreatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.path.display();
        match &self.problem {
            Problem::Io(e) => write!(f, "{p}: {e}"),
            Problem::NotACreature => write!(f, "{p}: not a morphogen creature file (wrong magic bytes)"),
            Problem::Version(v) => {
                write!(
                    f,
                    "{p}: creature format version {v}; this build of morphogen reads versions 1 to {FORMAT_VERSION}"
                )
            }
            Problem::Truncated { needed, found } => {
                write!(f, "{p}: file is truncated ({found} bytes, at least {needed} needed)")
            }
            Problem::Checksum => write!(f, "{p}: file is corrupt (checksum mismatch)"),
            Problem::Meta(e) => write!(f, "{p}: bad metadata: {e}"),
            Problem::Shape(e) => write!(f, "{p}: wrong tensor shapes: {e}"),
            Problem::NonFinite(e) => write!(f, "{p}: weights are not finite: {e}"),
            Problem::Target(e) => write!(f, "{p}: bad target image: {e}"),
        }
    }
}
impl std::error::Error for CreatureError {}

fn expected_tensors(spec: &ModelSpec) -> Vec<TensorInfo> {
    spec.shapes().iter().map(|(n, s)| TensorInfo { name: n.to_string(), shape: s.to_vec() }).collect()
}

/// Largest training grid side a creature file may name (the evaluator allocates grids of it).
pub use crate::limits::MAX_GRID;

impl CreatureMeta {
    /// Values a file may hold: what the evaluator, the world and the UI take without a second look.
    fn validate(&self) -> Result<(), String> {
        crate::limits::name("name", &self.name)?;
        crate::limits::name("source", &crate::limits::truncate(&self.source, crate::limits::MAX_NAME_CHARS))?;
        if let Some(t) = &self.trained_on {
            crate::limits::name("trained_on", t)?;
        }
        if let Some(c) = &self.train_config {
            c.validate().map_err(|e| format!("train_config: {e}"))?;
        }
        let [h, w] = self.grid;
        if !(8..=MAX_GRID).contains(&h) || !(8..=MAX_GRID).contains(&w) {
            return Err(format!("grid: {h}x{w}, each side must be 8..={MAX_GRID}"));
        }
        let r = &self.rule;
        if !(0.0..=1.0).contains(&r.fire_rate) {
            return Err(format!("rule.fire_rate: {} is not in [0, 1]", r.fire_rate));
        }
        if !(r.angle.abs() <= std::f32::consts::TAU) {
            return Err(format!("rule.angle: {} rad is not in [-2 pi, 2 pi]", r.angle));
        }
        if self.final_loss.is_some_and(|l| !l.is_finite()) {
            return Err("final_loss is not finite".into());
        }
        Ok(())
    }
}

pub fn now_unix() -> u64 {
    web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl CreatureMeta {
    pub fn new(
        name: &str,
        spec: ModelSpec,
        mode: CreatureMode,
        source: &str,
        rule: NcaConfig,
        grid: [usize; 2],
    ) -> Self {
        Self {
            name: name.into(),
            spec,
            mode,
            source: source.into(),
            iterations: 0,
            final_loss: None,
            rule,
            grid,
            target_options: None,
            tensors: expected_tensors(&spec),
            created_unix: now_unix(),
            train_secs: None,
            trained_on: None,
            train_config: None,
            graded_at: None,
        }
    }
}

impl Creature {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut meta = self.meta.clone();
        meta.spec = self.weights.spec;
        meta.tensors = expected_tensors(&meta.spec);
        let meta = serde_json::to_vec_pretty(&meta).expect("meta serialises");
        let png = self.target.as_ref().map(|t| t.to_png()).unwrap_or_default();
        let weights = self.weights.flatten();
        let mut out = Vec::with_capacity(64 + meta.len() + weights.len() * 4 + png.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
        out.extend_from_slice(&meta);
        out.extend_from_slice(&((weights.len() * 4) as u32).to_le_bytes());
        for v in weights {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(png.len() as u32).to_le_bytes());
        out.extend_from_slice(&png);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    pub fn save(&self, path: &Path) -> Result<(), crate::fsio::FileError> {
        fsio::write_atomic(path, &self.to_bytes())
    }

    pub fn load(path: &Path) -> Result<Self, CreatureError> {
        let bytes = crate::fsio::read_limited(path, "creature file", crate::limits::MAX_CREATURE_FILE)
            .map_err(|e| CreatureError { path: path.to_path_buf(), problem: Problem::Io(e.problem.to_string()) })?;
        Self::from_bytes(&bytes).map_err(|problem| CreatureError { path: path.to_path_buf(), problem })
    }

    pub fn from_bytes(b: &[u8]) -> Result<Self, Problem> {
        let mut r = Reader { b, pos: 0 };
        if b.len() < 8 || &b[..8] != MAGIC {
            return Err(Problem::NotACreature);
        }
        r.pos = 8;
        let version = r.u32()?;
        if !(1..=FORMAT_VERSION).contains(&version) {
            return Err(Problem::Version(version));
        }
        let meta_len = r.u32()? as usize;
        if meta_len > MAX_META {
            return Err(Problem::Meta(format!("metadata length {meta_len} is implausible")));
        }
        let meta_bytes = r.take(meta_len)?;
        let weights_len = if version == 1 { ModelSpec::GROWING.param_count() * 4 } else { r.u32()? as usize };
        if weights_len > MAX_WEIGHTS_BYTES || weights_len % 4 != 0 {
            return Err(Problem::Shape(format!("weights length {weights_len} bytes is implausible")));
        }
        let weights_bytes = r.take(weights_len)?;
        let png_len = r.u32()? as usize;
        if png_len > MAX_TARGET_PNG {
            return Err(Problem::Target(format!("target length {png_len} is implausible")));
        }
        let png = r.take(png_len)?;
        let body_end = r.pos;
        let crc = r.u32()?;
        // Checked after the lengths so that a short file reads as truncated, not as corrupt.
        if crc32fast::hash(&b[..body_end]) != crc {
            return Err(Problem::Checksum);
        }
        let meta: CreatureMeta = serde_json::from_slice(meta_bytes).map_err(|e| Problem::Meta(e.to_string()))?;
        meta.spec.validate().map_err(|e| Problem::Meta(format!("spec: {e}")))?;
        meta.validate().map_err(Problem::Meta)?;
        let expected = expected_tensors(&meta.spec);
        if meta.tensors != expected {
            let show =
                |t: &[TensorInfo]| t.iter().map(|t| format!("{}{:?}", t.name, t.shape)).collect::<Vec<_>>().join(" ");
            return Err(Problem::Shape(format!(
                "file holds [{}], its spec needs [{}]",
                show(&meta.tensors),
                show(&expected)
            )));
        }
        let flat: Vec<f32> =
            weights_bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let weights = Weights::unflatten(meta.spec, &flat).map_err(|e| Problem::Shape(e.to_string()))?;
        weights.validate().map_err(|e| Problem::NonFinite(e.to_string()))?;
        let target = if png.is_empty() {
            None
        } else {
            Some(Target::from_png(png).map_err(|e| Problem::Target(e.to_string()))?)
        };
        Ok(Creature { meta, weights, target })
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Problem> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len());
        match end {
            Some(end) => {
                let s = &self.b[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(Problem::Truncated { needed: self.pos.saturating_add(n), found: self.b.len() }),
        }
    }
    fn u32(&mut self) -> Result<u32, Problem> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
}
