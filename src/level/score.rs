//! Scores: the "shape %" of a creature, stars from a goal's score, and the save file of best
//! results (atomic; a corrupt one is set aside, not trusted and not fatal).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Stars;

/// Shape %: intersection over union of a creature's living cells now and in its grown shape.
/// 1 when they coincide, 0 when nothing of the shape is left (or all of it is elsewhere).
pub fn shape_similarity(now: &[bool], reference: &[bool]) -> f32 {
    let (mut both, mut either) = (0usize, 0usize);
    for (&a, &b) in now.iter().zip(reference) {
        both += (a && b) as usize;
        either += (a || b) as usize;
    }
    if either == 0 { 1.0 } else { both as f32 / either as f32 }
}

/// Stars for a won level: 1, or 2 and 3 when the score reaches those thresholds.
pub fn stars(score: f32, t: &Stars, lower_is_better: bool) -> u8 {
    let reaches = |thr: f32| if lower_is_better { score <= thr } else { score >= thr };
    if reaches(t.three) {
        3
    } else if reaches(t.two) {
        2
    } else {
        1
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Best {
    pub stars: u8,
    pub score: f32,
    /// Seconds of level time the winning play took.
    pub time: f32,
}

/// Best results by level file name.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SaveFile {
    pub best: BTreeMap<String, Best>,
}

impl SaveFile {
    pub fn path(data: &Path) -> PathBuf {
        data.join("challenges.json")
    }

    /// Reads the save file. A missing one is empty; a corrupt one is renamed aside (so that it
    /// is not overwritten) and reported, and play starts from an empty one.
    pub fn load(data: &Path) -> (Self, Option<String>) {
        crate::fsio::load_json_or_set_aside(&Self::path(data))
    }

    pub fn save(&self, data: &Path) -> Result<(), String> {
        crate::fsio::create_dir_all(data)?;
        let json = serde_json::to_string_pretty(self).expect("serialises");
        Ok(crate::fsio::write_atomic(&Self::path(data), json.as_bytes())?)
    }

    /// Records a win; returns true when it beats the stored best (more stars, or the same stars
    /// and a better score).
    pub fn record(&mut self, level: &str, won: Best, lower_is_better: bool) -> bool {
        let better = match self.best.get(level) {
            None => true,
            Some(b) => {
                won.stars > b.stars
                    || won.stars == b.stars && if lower_is_better { won.score < b.score } else { won.score > b.score }
            }
        };
        if better {
            self.best.insert(level.to_string(), won);
        }
        better
    }

    pub fn won(&self, level: &str) -> bool {
        self.best.contains_key(level)
    }
}
