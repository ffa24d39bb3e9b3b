//! A creature's strip of pictures for `docs/ZOO.md`: the creature grown, then for three of
//! `eval`'s wounds the wounded creature and the same creature `eval::REGROW_STEPS` later. Made
//! with the CPU host kernels from a fixed seed, so one creature file always gives the same strip.

use crate::backend::CpuBackend;
use crate::creature::Creature;
use crate::eval::{REGROW_STEPS, SETTLE_STEP};
use crate::nca::{Wound, sim};
use crate::simulation::Simulation;
use crate::thumbnail::Picture;

/// The wounds shown: a disc off the centre (the paper's wound), the right half and `eval`'s
/// centre square (the two a disc-trained creature most often fails).
pub const WOUNDS: [Wound; 3] = [Wound::Disc { cx: 0.2, cy: -0.15, r: 0.4 }, Wound::Right, Wound::Square { size: 16 }];

/// Each cell is drawn as SCALE x SCALE pixels, with GAP pixels of grey between the tiles.
pub const SCALE: usize = 2;
pub const GAP: usize = 4;
const GAP_GREY: u8 = 200;

pub struct Strip {
    /// Grown, then (wounded, regrown) for each of `WOUNDS`.
    pub picture: Picture,
    /// RGBA MSE between each regrown tile and the grown one; `eval` counts a wound healed below
    /// `eval::REGROWN_MSE`.
    pub regrown_mse: [f32; 3],
}

/// Tiles in a strip: the grown creature and two per wound.
pub const TILES: usize = 1 + 2 * WOUNDS.len();

pub fn render(c: &Creature, seed: u64) -> Result<Strip, String> {
    if !c.weights.spec.alive_masking {
        return Err(format!("{} is a texture: it has no body to wound", c.meta.name));
    }
    let [h, w] = c.meta.grid;
    let dev = Default::default();
    let mut grown = Simulation::<CpuBackend>::from_seed(&c.weights, c.meta.rule, [1, h, w], seed, &dev);
    grown.run(SETTLE_STEP);
    let spec = &c.weights.spec;
    let settled = grown.state();
    let mut tiles = vec![sim::rgba_view(spec, &grown.host_state())];
    let mut regrown_mse = [0.0; 3];
    for (k, wound) in WOUNDS.iter().enumerate() {
        let mut s = Simulation::from_state(&c.weights, c.meta.rule, settled.clone(), seed.wrapping_add(1 + k as u64));
        s.apply_keep_mask(wound.keep_mask(h, w));
        tiles.push(sim::rgba_view(spec, &s.host_state()));
        s.run(REGROW_STEPS);
        // The measure `eval` judges a regrowth by.
        regrown_mse[k] = sim::rgba_mse(&s.state(), &settled)[0];
        tiles.push(sim::rgba_view(spec, &s.host_state()));
    }
    if tiles.iter().flatten().any(|v| !v.is_finite()) {
        return Err(format!("{}: non-finite colours in its run", c.meta.name));
    }
    Ok(Strip { picture: compose(&tiles, h, w), regrown_mse })
}

/// The tiles side by side, each cell's premultiplied colour laid over white (the paper's
/// `1 - a + rgb`), so that empty cells are white and the grey gaps mark the tiles.
fn compose(tiles: &[Vec<f32>], h: usize, w: usize) -> Picture {
    let (tw, th) = (w * SCALE, h * SCALE);
    let width = tiles.len() * tw + (tiles.len() - 1) * GAP;
    let mut px = vec![GAP_GREY; width * th * 4];
    for (t, rgba) in tiles.iter().enumerate() {
        let x0 = t * (tw + GAP);
        for y in 0..th {
            for x in 0..tw {
                let cell = &rgba[((y / SCALE) * w + x / SCALE) * 4..][..4];
                let a = cell[3].clamp(0.0, 1.0);
                let o = (y * width + x0 + x) * 4;
                for ch in 0..3 {
                    px[o + ch] = ((1.0 - a + cell[ch]).clamp(0.0, 1.0) * 255.0).round() as u8;
                }
                px[o + 3] = 255;
            }
        }
    }
    (width, th, px)
}

/// The pixel (r, g, b) at cell (y, x) of tile `t` of a strip of creatures `w` cells wide.
pub fn cell_colour(p: &Picture, t: usize, y: usize, x: usize, w: usize) -> [u8; 3] {
    let (width, _, px) = p;
    let o = ((y * SCALE) * width + t * (w * SCALE + GAP) + x * SCALE) * 4;
    [px[o], px[o + 1], px[o + 2]]
}
