//! A rule from either kind of file people share: a creature file of ours, or a model of the
//! Distill demo (`.json`, which carries no name, fire rate or angle: the demo's 0.5 and 0).
//! The library and the levels both read creatures through here.

use std::path::{Path, PathBuf};

use crate::creature::{Creature, CreatureError};
use crate::fsio::FileError;
use crate::nca::Weights;

pub struct RuleFile {
    pub name: String,
    pub weights: Weights,
    pub fire_rate: f32,
    /// Perception rotation, radians.
    pub angle: f32,
    /// The whole creature when the file was one of ours (its target, its training).
    pub creature: Option<Creature>,
}

/// Whether a path names a Distill demo model rather than a creature file.
pub fn is_distill(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Why a file is not a rule: it could not be read, it is not a Distill model, or it is not a
/// creature file (which says what is wrong with it). Every message names the file.
#[derive(Debug)]
pub enum RuleFileError {
    File(FileError),
    Distill { file: PathBuf, message: String },
    Creature(CreatureError),
}

impl std::fmt::Display for RuleFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleFileError::File(e) => write!(f, "{e}"),
            RuleFileError::Distill { file, message } => write!(f, "{}: {message}", file.display()),
            RuleFileError::Creature(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RuleFileError {}

/// Where the message is all the caller keeps (the CLI, the UI, layers not yet typed).
impl From<RuleFileError> for String {
    fn from(e: RuleFileError) -> String {
        e.to_string()
    }
}

pub fn load(path: &Path) -> Result<RuleFile, RuleFileError> {
    if is_distill(path) {
        let text = crate::fsio::read_text(path, "Distill model").map_err(RuleFileError::File)?;
        let weights = crate::distill::parse(&text)
            .map_err(|message| RuleFileError::Distill { file: path.to_path_buf(), message })?;
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("creature").to_string();
        return Ok(RuleFile { name, weights, fire_rate: 0.5, angle: 0.0, creature: None });
    }
    let c = Creature::load(path).map_err(RuleFileError::Creature)?;
    Ok(RuleFile {
        name: c.meta.name.clone(),
        weights: c.weights.clone(),
        fire_rate: c.meta.rule.fire_rate,
        angle: c.meta.rule.angle,
        creature: Some(c),
    })
}
