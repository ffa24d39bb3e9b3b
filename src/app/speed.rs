//! Simulation speed: steps per frame, from one step a second (at 60 fps) up to as many as fit
//! in a frame. The slow end matches the Distill demo's slowest levels.

use serde::{Deserialize, Serialize};

/// The speed choices, slowest first; `None` is "as fast as possible".
pub const LEVELS: [Option<f32>; 13] = [
    Some(1.0 / 60.0),
    Some(1.0 / 30.0),
    Some(1.0 / 8.0),
    Some(0.25),
    Some(0.5),
    Some(1.0),
    Some(2.0),
    Some(4.0),
    Some(8.0),
    Some(16.0),
    Some(32.0),
    Some(64.0),
    None,
];

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Speed {
    /// Steps per frame (fractions step every few frames).
    PerFrame(f32),
    /// As many steps as fit in the frame budget.
    Max,
}

impl Default for Speed {
    fn default() -> Self {
        Speed::PerFrame(1.0)
    }
}

impl Speed {
    pub fn label(&self) -> String {
        match self {
            Speed::Max => "max".into(),
            Speed::PerFrame(f) if *f >= 1.0 => format!("{f}/frame"),
            Speed::PerFrame(f) => format!("1/{:.0} frames", 1.0 / f),
        }
    }
    pub fn from_level(i: usize) -> Self {
        match LEVELS[i.min(LEVELS.len() - 1)] {
            Some(f) => Speed::PerFrame(f),
            None => Speed::Max,
        }
    }
    pub fn level(&self) -> usize {
        match self {
            Speed::Max => LEVELS.len() - 1,
            Speed::PerFrame(f) => {
                LEVELS.iter().position(|l| l.is_some_and(|l| l >= *f * 0.999)).unwrap_or(LEVELS.len() - 2)
            }
        }
    }
}

/// Turns a speed into whole steps per frame, carrying the fraction.
#[derive(Default, Debug)]
pub struct StepBudget {
    carry: f32,
}

impl StepBudget {
    /// Steps to run this frame at a fixed rate (`Max` is handled by the caller's time budget).
    pub fn take(&mut self, per_frame: f32) -> usize {
        self.carry += per_frame.max(0.0);
        let n = self.carry.floor();
        self.carry -= n;
        n as usize
    }
}
