//! Wound shapes: which cells a wound removes.

use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "lowercase")]
pub enum Wound {
    /// A disc in coordinates where the grid spans [-1, 1] on both axes (as in the paper).
    Disc {
        cx: f32,
        cy: f32,
        r: f32,
    },
    /// The left half of the grid (columns < w/2).
    Left,
    Right,
    Top,
    Bottom,
    /// A centred square of `size` x `size` cells.
    Square {
        size: usize,
    },
}

impl Wound {
    /// The paper's training damage: centre uniform in [-0.5, 0.5], radius in [0.1, 0.4].
    pub fn random_disc(rng: &mut impl Rng) -> Self {
        Wound::Disc { cx: rng.random_range(-0.5..0.5), cy: rng.random_range(-0.5..0.5), r: rng.random_range(0.1..0.4) }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Wound::Disc { .. } => "disc",
            Wound::Left => "left",
            Wound::Right => "right",
            Wound::Top => "top",
            Wound::Bottom => "bottom",
            Wound::Square { .. } => "square",
        }
    }

    /// Whether the cell at row `y`, column `x` of an `h` x `w` grid is removed.
    pub fn hits(&self, y: usize, x: usize, h: usize, w: usize) -> bool {
        match *self {
            Wound::Disc { cx, cy, r } => {
                let lin = |i: usize, n: usize| if n > 1 { -1.0 + 2.0 * i as f32 / (n - 1) as f32 } else { 0.0 };
                let dx = (lin(x, w) - cx) / r;
                let dy = (lin(y, h) - cy) / r;
                dx * dx + dy * dy < 1.0
            }
            Wound::Left => x < w / 2,
            Wound::Right => x >= w / 2,
            Wound::Top => y < h / 2,
            Wound::Bottom => y >= h / 2,
            Wound::Square { size } => {
                let (y0, x0) = ((h.saturating_sub(size)) / 2, (w.saturating_sub(size)) / 2);
                (y0..y0 + size).contains(&y) && (x0..x0 + size).contains(&x)
            }
        }
    }

    /// Row-major `h * w` mask: 1 where cells survive, 0 where the wound removes them.
    pub fn keep_mask(&self, h: usize, w: usize) -> Vec<f32> {
        let mut m = Vec::with_capacity(h * w);
        for y in 0..h {
            for x in 0..w {
                m.push(if self.hits(y, x, h, w) { 0.0 } else { 1.0 });
            }
        }
        m
    }
}
