//! What a training minimises, given the batch's final states: a creature's RGBA against its
//! target image (the paper's loss), or a texture's patch statistics against its example (the
//! sliced-Wasserstein loss of `swd`) with a penalty on states outside [-1, 1]. Both give the loss
//! and its gradient with respect to the states, on the host: every training path backpropagates
//! from there.

use super::config::{Mode, TrainConfig};
use super::host_grad::rgba_mse;
use super::swd::{self, Example, Image, SwdOptions};
use crate::target::Target;

pub enum Objective {
    /// The paper's: mean squared error of the RGBA channels against the target.
    Shape,
    /// The texture's: sliced-Wasserstein distance of each sample's RGB (channels 0..3 + 0.5) to
    /// the example's, averaged over the batch, plus `overflow` times the summed excess of the
    /// states beyond [-1, 1] (per sample).
    Texture { example: Example, opts: SwdOptions, overflow: f32 },
}

impl Objective {
    pub fn new(cfg: &TrainConfig, target: &Target) -> Self {
        match cfg.mode {
            Mode::Texture => {
                let image = Image::new(target.width, target.height, target.rgb(), false);
                let opts =
                    SwdOptions { levels: cfg.swd_levels, patch: cfg.swd_patch, projections: cfg.swd_projections };
                Objective::Texture { example: Example::new(image, opts.levels), opts, overflow: cfg.overflow_weight }
            }
            _ => Objective::Shape,
        }
    }

    /// The side of the grids a training works on: the target's for a creature, the config's
    /// world for a texture.
    pub fn grid(cfg: &TrainConfig, target: &Target) -> [usize; 2] {
        match cfg.mode {
            Mode::Texture => [cfg.grid, cfg.grid],
            _ => [target.height, target.width],
        }
    }

    /// The loss of the final states `x` (`[n, h, w, channels]`) and its gradient with respect to
    /// them. `seed` draws the texture loss's random directions.
    pub fn loss(
        &self,
        x: &[f32],
        [n, h, w]: [usize; 3],
        channels: usize,
        target: &Target,
        seed: u64,
    ) -> (f32, Vec<f32>) {
        match self {
            Objective::Shape => rgba_mse(x, channels, &target.rgba),
            Objective::Texture { example, opts, overflow } => {
                let per = h * w * channels;
                let mut g = vec![0.0f32; x.len()];
                let mut total = 0.0f64;
                let prepared = example.prepare(opts, seed);
                for b in 0..n {
                    let s = &x[b * per..(b + 1) * per];
                    let rgb: Vec<f32> =
                        s.chunks_exact(channels).flat_map(|c| [c[0] + 0.5, c[1] + 0.5, c[2] + 0.5]).collect();
                    let (l, gi) = swd::loss_prepared(&Image::new(w, h, rgb, true), &prepared);
                    total += l as f64;
                    let gb = &mut g[b * per..(b + 1) * per];
                    for (cell, gc) in gb.chunks_exact_mut(channels).zip(gi.chunks_exact(3)) {
                        for k in 0..3 {
                            cell[k] = gc[k] / n as f32;
                        }
                    }
                }
                let mut over = 0.0f64;
                for (gv, &v) in g.iter_mut().zip(x) {
                    let excess = v - v.clamp(-1.0, 1.0);
                    if excess != 0.0 {
                        over += excess.abs() as f64;
                        *gv += overflow * excess.signum() / n as f32;
                    }
                }
                (((total + *overflow as f64 * over) / n as f64) as f32, g)
            }
        }
    }
}
