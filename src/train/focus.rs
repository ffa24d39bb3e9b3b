//! Focused wounds: a creature that misses the bar on some wounds trains more on those wounds.
//!
//! The zoo's near misses each failed one wound of the report card at grading after grading, for
//! thousands of iterations, with everything else passing (the pretzel's top half, the christmas
//! tree's bottom, the mushroom's bottom): in the mix of the game's wounds a half cut at one angle
//! is a small share of what a creature is trained on. With a focus, after a grading (`grade_every`)
//! that misses some wounds, `share` of the wounds dealt to each batch are those wounds, exactly as
//! `eval` deals them, until the next grading.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::nca::Wound;
use crate::nca::wound::CardWound;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Focus {
    /// From this iteration on: a training that missed the bar can take it up where it stopped.
    pub from: u64,
    /// The share of wounds that are the missed ones, in (0, 1].
    pub share: f32,
}

impl Focus {
    pub fn validate(&self) -> Result<(), String> {
        if !(self.share > 0.0 && self.share <= 1.0) {
            return Err(format!("share {} is not in (0, 1]", self.share));
        }
        crate::limits::within("from", self.from, 0, crate::limits::MAX_ITERATIONS)?;
        Ok(())
    }

    /// The wound for one wounded sample at `iteration`: with probability `share`, one of the
    /// `missed` wounds of the report card (at random); None for the usual draw. Draws nothing from
    /// `rng` before `from` or with nothing missed, so that a training reproduces as without a focus
    /// until the focus applies.
    pub fn draw(&self, iteration: u64, missed: &[CardWound], rng: &mut impl Rng) -> Option<Wound> {
        if iteration < self.from || missed.is_empty() {
            return None;
        }
        let take = rng.random::<f32>() < self.share;
        let card = missed[rng.random_range(0..missed.len())];
        take.then(|| card.deal(rng))
    }
}

/// A list of missed wounds as a checkpoint keeps it (by name): each wound once.
pub fn validate_missed(missed: &[CardWound]) -> Result<(), String> {
    for (k, m) in missed.iter().enumerate() {
        if missed[..k].contains(m) {
            return Err(format!("missed wounds: '{m}' is listed twice"));
        }
    }
    Ok(())
}
