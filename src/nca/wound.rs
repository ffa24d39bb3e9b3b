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
    /// Everything on one side of a straight cut through (cx, cy) ([-1, 1] grid units): the cells
    /// whose offset from that point has a positive component along (cos angle, sin angle).
    /// `Left` is the cut at angle pi through the centre, `Bottom` the one at pi/2.
    Side {
        cx: f32,
        cy: f32,
        angle: f32,
    },
    /// A scalpel line through (cx, cy) ([-1, 1] grid units) along the direction `angle`, `width`
    /// cells wide, across the whole grid.
    Slash {
        cx: f32,
        cy: f32,
        angle: f32,
        width: f32,
    },
    /// A square of `size` x `size` cells centred at (cx, cy) ([-1, 1] grid units).
    Box {
        cx: f32,
        cy: f32,
        size: f32,
    },
}

/// Which wounds training deals to the best samples of a batch (regenerate mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Damage {
    /// The paper's: a random disc (centre in [-0.5, 0.5], radius 0.1-0.4 of the half-grid).
    #[default]
    Disc,
    /// The wounds the game deals, in equal shares: the paper's disc, a half cut at a random angle
    /// through a point near the centre, a square of 10-20 cells near the centre, and a scalpel
    /// line 2-4 cells wide at a random angle. `eval` tests the halves and the centre square,
    /// which disc-only training never shows a creature.
    Mixed,
}

impl Damage {
    pub fn draw(self, rng: &mut impl Rng) -> Wound {
        match self {
            Damage::Disc => Wound::random_disc(rng),
            Damage::Mixed => {
                let near = |rng: &mut dyn rand::RngCore| rng.random_range(-0.3f32..0.3);
                let angle = rng.random_range(0.0..std::f32::consts::TAU);
                match rng.random_range(0..4u32) {
                    0 => Wound::random_disc(rng),
                    1 => Wound::Side { cx: near(rng), cy: near(rng), angle },
                    2 => Wound::Box { cx: near(rng), cy: near(rng), size: rng.random_range(10.0..20.0) },
                    _ => Wound::Slash { cx: near(rng), cy: near(rng), angle, width: rng.random_range(2.0..4.0) },
                }
            }
        }
    }
}

impl std::str::FromStr for Damage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "disc" => Ok(Damage::Disc),
            "mixed" => Ok(Damage::Mixed),
            _ => Err(format!("unknown damage '{s}' (expected disc or mixed)")),
        }
    }
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
            Wound::Side { .. } => "side",
            Wound::Slash { .. } => "slash",
            Wound::Box { .. } => "box",
        }
    }

    /// Whether the cell at row `y`, column `x` of an `h` x `w` grid is removed.
    pub fn hits(&self, y: usize, x: usize, h: usize, w: usize) -> bool {
        let lin = |i: usize, n: usize| if n > 1 { -1.0 + 2.0 * i as f32 / (n - 1) as f32 } else { 0.0 };
        // Cells per grid unit along each axis, to turn cell sizes into [-1, 1] units.
        let (ux, uy) = (w.max(2) as f32 / 2.0, h.max(2) as f32 / 2.0);
        match *self {
            Wound::Disc { cx, cy, r } => {
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
            Wound::Side { cx, cy, angle } => {
                let (s, c) = angle.sin_cos();
                ((lin(x, w) - cx) * ux) * c + ((lin(y, h) - cy) * uy) * s > 0.0
            }
            Wound::Slash { cx, cy, angle, width } => {
                let (s, c) = angle.sin_cos();
                // Distance in cells from the line, measured along its normal.
                let d = -((lin(x, w) - cx) * ux) * s + ((lin(y, h) - cy) * uy) * c;
                d.abs() < width / 2.0
            }
            Wound::Box { cx, cy, size } => {
                let (dx, dy) = ((lin(x, w) - cx) * ux, (lin(y, h) - cy) * uy);
                dx.abs() < size / 2.0 && dy.abs() < size / 2.0
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

/// The wounds of the report card (`eval`): each graded on its own trials, each kept by name in a
/// checkpoint when a grading missed it (`train::focus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardWound {
    Disc,
    Left,
    Right,
    Top,
    Bottom,
    Square,
}

impl CardWound {
    /// In the card's order.
    pub const ALL: [CardWound; 6] =
        [CardWound::Disc, CardWound::Left, CardWound::Right, CardWound::Top, CardWound::Bottom, CardWound::Square];

    /// The card's name for it, as reports and checkpoints write it.
    pub fn name(self) -> &'static str {
        match self {
            CardWound::Disc => "disc",
            CardWound::Left => "left",
            CardWound::Right => "right",
            CardWound::Top => "top",
            CardWound::Bottom => "bottom",
            CardWound::Square => "square",
        }
    }

    /// The wound as the evaluation deals it (a disc is drawn, as its discs are).
    pub fn deal(self, rng: &mut impl Rng) -> Wound {
        match self {
            CardWound::Disc => Wound::random_disc(rng),
            CardWound::Left => Wound::Left,
            CardWound::Right => Wound::Right,
            CardWound::Top => Wound::Top,
            CardWound::Bottom => Wound::Bottom,
            CardWound::Square => Wound::Square { size: 16 },
        }
    }
}

impl std::fmt::Display for CardWound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
