//! A rule from either kind of file people share: a creature file of ours, or a model of the
//! Distill demo (`.json`, which carries no name, fire rate or angle: the demo's 0.5 and 0).
//! The library and the levels both read creatures through here.

use std::path::Path;

use crate::creature::Creature;
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

pub fn load(path: &Path) -> Result<RuleFile, String> {
    if is_distill(path) {
        let text = crate::fsio::read_text(path, "Distill model")?;
        let weights = crate::distill::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("creature").to_string();
        return Ok(RuleFile { name, weights, fire_rate: 0.5, angle: 0.0, creature: None });
    }
    let c = Creature::load(path).map_err(|e| e.to_string())?;
    Ok(RuleFile {
        name: c.meta.name.clone(),
        weights: c.weights.clone(),
        fire_rate: c.meta.rule.fire_rate,
        angle: c.meta.rule.angle,
        creature: Some(c),
    })
}
