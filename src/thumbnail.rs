//! A creature's thumbnail: the creature itself, grown from a seed, cropped to what lives. Rendered
//! on the CPU once per rule and kept as a PNG in the data folder, so the library shows every
//! creature (the paper's models carry no picture) without growing them again on every start.

use std::path::{Path, PathBuf};

use crate::nca::{NcaConfig, Weights, sim};
use crate::simulation::Simulation;

/// Side of the grid it grows on, and steps it grows.
const SIDE: usize = 72;
const STEPS: usize = 200;

/// RGBA8 pixels, straight alpha.
pub type Picture = (usize, usize, Vec<u8>);

/// Steps a texture runs from nothing on a wrapped grid of `SIDE` before its picture is taken.
const TEXTURE_STEPS: usize = 400;

/// A texture's picture: the rule run from the empty state on a wrapped `SIDE` x `SIDE` grid, the
/// whole grid (a texture fills it; there is nothing to crop).
fn render_texture(w: &Weights, fire_rate: f32, angle: f32) -> Result<Picture, String> {
    let cfg = NcaConfig { fire_rate, angle, border: crate::nca::Border::Wrap };
    let mut s = Simulation::<crate::backend::CpuBackend>::from_seed(w, cfg, [1, SIDE, SIDE], 1, &Default::default());
    s.run(TEXTURE_STEPS);
    let rgba = sim::rgba_view(&w.spec, &s.host_state());
    if rgba.iter().any(|v| !v.is_finite()) {
        return Err(format!("non-finite colours after {TEXTURE_STEPS} steps"));
    }
    Ok((SIDE, SIDE, rgba.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8).collect()))
}

/// Grows the rule from a seed and crops the result to its living cells (with a margin); a
/// texture fills a wrapped grid from nothing.
pub fn render(w: &Weights, fire_rate: f32, angle: f32) -> Result<Picture, String> {
    if !w.spec.alive_masking {
        return render_texture(w, fire_rate, angle);
    }
    let cfg = NcaConfig { fire_rate, angle, ..Default::default() };
    let mut s = Simulation::<crate::backend::CpuBackend>::from_seed(w, cfg, [1, SIDE, SIDE], 1, &Default::default());
    s.run(STEPS);
    let rgba = sim::rgba_view(&w.spec, &s.host_state());
    let alive = |x: usize, y: usize| rgba[(y * SIDE + x) * 4 + 3] > crate::nca::spec::ALIVE_THRESHOLD;
    let (mut x0, mut y0, mut x1, mut y1) = (SIDE, SIDE, 0, 0);
    for y in 0..SIDE {
        for x in 0..SIDE {
            if alive(x, y) {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    if x0 > x1 {
        return Err(format!("nothing lives after {STEPS} steps"));
    }
    // A square around the living cells, two cells of margin, inside the grid.
    let side = (x1 - x0).max(y1 - y0) + 5;
    let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
    let ox = cx.saturating_sub(side / 2).min(SIDE.saturating_sub(side));
    let oy = cy.saturating_sub(side / 2).min(SIDE.saturating_sub(side));
    let side = side.min(SIDE);
    let mut out = Vec::with_capacity(side * side * 4);
    for y in oy..oy + side {
        for x in ox..ox + side {
            let p = &rgba[(y * SIDE + x) * 4..(y * SIDE + x) * 4 + 4];
            let a = p[3].clamp(0.0, 1.0);
            let un = |v: f32| if a > 0.0 { (v / a).clamp(0.0, 1.0) } else { 0.0 };
            out.extend([un(p[0]), un(p[1]), un(p[2]), a].map(|v| (v * 255.0).round() as u8));
        }
    }
    Ok((side, side, out))
}

/// The file a rule's thumbnail is kept in: named by a checksum of everything that shapes it.
pub fn cache_path(dir: &Path, w: &Weights, fire_rate: f32, angle: f32) -> PathBuf {
    let mut h = crc32fast::Hasher::new();
    for v in w.flatten().iter().chain([&fire_rate, &angle]) {
        h.update(&v.to_le_bytes());
    }
    h.update(&(STEPS as u32).to_le_bytes());
    dir.join(format!("{:08x}.png", h.finalize()))
}

/// The thumbnail from the cache in `dir`, or rendered and written there (atomically; a cache that
/// cannot be written only costs the rendering next time).
pub fn cached(dir: &Path, w: &Weights, fire_rate: f32, angle: f32) -> Result<Picture, String> {
    cached_or(&cache_path(dir, w, fire_rate, angle), || render(w, fire_rate, angle))
}

/// The picture kept at `path`, or `make`'s, written there for next time.
fn cached_or(path: &Path, make: impl FnOnce() -> Result<Picture, String>) -> Result<Picture, String> {
    if let Ok(bytes) = crate::fsio::read(path)
        && let Ok(img) = image::load_from_memory(&bytes)
    {
        let img = img.to_rgba8();
        return Ok((img.width() as usize, img.height() as usize, img.into_raw()));
    }
    let p = make()?;
    let _ = crate::fsio::write_png(path, p.0 as u32, p.1 as u32, &p.2);
    Ok(p)
}

/// A level's starting world, its creatures grown as play finds them (the level list's picture),
/// grown on the CPU kernels.
pub fn render_level(level: &crate::level::Level) -> Result<Picture, String> {
    let mut run = crate::level::LevelRun::<crate::backend::CpuBackend>::new(level.clone(), &Default::default())?;
    let size = run.world.size();
    Ok((size.width, size.height, run.world.snapshot(crate::world::ViewMode::Rgba)))
}

/// The file a level's picture is kept in: named by a checksum of the level and of the creature
/// files it plants, so an edited level or a retrained creature gets a new picture.
pub fn level_cache_path(dir: &Path, level: &crate::level::Level) -> PathBuf {
    let mut h = crc32fast::Hasher::new();
    h.update(format!("{level:?}").as_bytes());
    for p in &level.creatures {
        if let Ok(bytes) = crate::fsio::read(&level.path(&p.creature)) {
            h.update(&bytes);
        }
    }
    dir.join(format!("level-{:08x}.png", h.finalize()))
}

/// A level's picture from the cache in `dir`, or rendered and written there.
pub fn cached_level(dir: &Path, level: &crate::level::Level) -> Result<Picture, String> {
    cached_or(&level_cache_path(dir, level), || render_level(level))
}
