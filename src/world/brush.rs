//! Shapes that tools and scripts wound, seed or wall with, and the cells each covers.

use serde::{Deserialize, Serialize};

use super::WorldSize;

/// A region of the world in cell coordinates (x to the right, y down; fractional centres allowed).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Shape {
    /// Cells whose centre lies within `r` of (x, y).
    Disc { x: f32, y: f32, r: f32 },
    /// Cells within `width / 2` of the segment: the scalpel's cut.
    Line { x0: f32, y0: f32, x1: f32, y1: f32, width: f32 },
    /// Axis-aligned box centred on (x, y).
    Square { x: f32, y: f32, half: f32 },
    /// Annulus between two radii.
    Ring { x: f32, y: f32, r_in: f32, r_out: f32 },
    /// Everything on one side of a line through (x, y) within `reach`: `side` is the direction
    /// (radians) of the half that goes (0 = right half, pi/2 = bottom half).
    Half { x: f32, y: f32, side: f32, reach: f32 },
}

impl Shape {
    /// Every coordinate and length finite and within `limits::MAX_SHAPE_EXTENT`, lengths not
    /// negative: for shapes read from files (levels, scripts).
    pub fn validate(&self) -> Result<(), String> {
        let lim = crate::limits::MAX_SHAPE_EXTENT;
        let (coords, lengths): (Vec<f32>, Vec<f32>) = match *self {
            Shape::Disc { x, y, r } => (vec![x, y], vec![r]),
            Shape::Line { x0, y0, x1, y1, width } => (vec![x0, y0, x1, y1], vec![width]),
            Shape::Square { x, y, half } => (vec![x, y], vec![half]),
            Shape::Ring { x, y, r_in, r_out } => (vec![x, y], vec![r_in, r_out]),
            // The side is an angle: any finite one will do, but 1e30 rad has no meaning left.
            Shape::Half { x, y, side, reach } => (vec![x, y, side], vec![reach]),
        };
        if let Some(v) = coords.iter().find(|v| !(v.is_finite() && v.abs() <= lim)) {
            return Err(format!("shape {self:?}: {v} is not a number within -{lim}..={lim}"));
        }
        if let Some(v) = lengths.iter().find(|v| !(v.is_finite() && (0.0..=lim).contains(*v))) {
            return Err(format!("shape {self:?}: the length {v} is not within 0..={lim}"));
        }
        Ok(())
    }

    fn bounds(&self) -> (f32, f32, f32, f32) {
        match *self {
            Shape::Disc { x, y, r } => (x - r, y - r, x + r, y + r),
            Shape::Line { x0, y0, x1, y1, width } => {
                let h = width / 2.0;
                (x0.min(x1) - h, y0.min(y1) - h, x0.max(x1) + h, y0.max(y1) + h)
            }
            Shape::Square { x, y, half } => (x - half, y - half, x + half, y + half),
            Shape::Ring { x, y, r_out, .. } => (x - r_out, y - r_out, x + r_out, y + r_out),
            Shape::Half { x, y, reach, .. } => (x - reach, y - reach, x + reach, y + reach),
        }
    }

    /// Does the cell whose centre is (cx, cy) lie in the shape?
    pub fn contains(&self, cx: f32, cy: f32) -> bool {
        match *self {
            Shape::Disc { x, y, r } => (cx - x).powi(2) + (cy - y).powi(2) <= r * r,
            Shape::Line { x0, y0, x1, y1, width } => {
                let (dx, dy) = (x1 - x0, y1 - y0);
                let len2 = dx * dx + dy * dy;
                let t = if len2 > 0.0 { (((cx - x0) * dx + (cy - y0) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
                let (px, py) = (x0 + t * dx, y0 + t * dy);
                (cx - px).powi(2) + (cy - py).powi(2) <= (width / 2.0).powi(2)
            }
            Shape::Square { x, y, half } => (cx - x).abs() <= half && (cy - y).abs() <= half,
            Shape::Ring { x, y, r_in, r_out } => {
                let d2 = (cx - x).powi(2) + (cy - y).powi(2);
                d2 >= r_in * r_in && d2 <= r_out * r_out
            }
            Shape::Half { x, y, side, reach } => {
                let (s, c) = side.sin_cos();
                ((cx - x) * c + (cy - y) * s) >= 0.0 && (cx - x).abs() <= reach && (cy - y).abs() <= reach
            }
        }
    }

    /// The cells covered, wrapped or clipped by the world's border, without repeats.
    pub fn cells(&self, size: WorldSize) -> Vec<u32> {
        let (x0, y0, x1, y1) = self.bounds();
        // Walk the bounding box, clipped to the world; on a torus at most one period, centred on
        // the shape, so that each cell is tested once, at its image nearest the shape.
        let lim = |a: f32, b: f32, n: usize| -> (i64, i64) {
            // Clamped far beyond any world first: the bounds of a disc of radius 5e18 would
            // overflow the i64 arithmetic below and wrap into a range that never ends. (NaN
            // stays NaN and converts to 0; such a shape contains no cell.)
            let (a, b) = (a.clamp(-1e15, 1e15), b.clamp(-1e15, 1e15));
            let (a, b, n) = (a.floor() as i64 - 1, b.ceil() as i64 + 1, n as i64);
            if !size.wrap {
                (a.max(0), b.min(n - 1))
            } else if b - a >= n {
                let start = (a + b) / 2 - n / 2;
                (start, start + n - 1)
            } else {
                (a, b)
            }
        };
        let (xa, xb) = lim(x0, x1, size.width);
        let (ya, yb) = lim(y0, y1, size.height);
        let mut out = Vec::new();
        for y in ya..=yb {
            for x in xa..=xb {
                if self.contains(x as f32 + 0.5, y as f32 + 0.5)
                    && let Some(c) = size.cell(x, y)
                {
                    out.push(c);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
