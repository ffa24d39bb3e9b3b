//! Which cells fire in a step. Drawn on the host from a seeded generator owned by each grid, so a
//! run repeats exactly for the same seed, whatever else the process does with burn's global RNG.

use rand::{RngCore, SeedableRng, rngs::StdRng};

pub struct FireMasks {
    rng: StdRng,
}

impl FireMasks {
    pub fn new(seed: u64) -> Self {
        Self { rng: StdRng::seed_from_u64(seed) }
    }

    /// `cells` flags, each true with probability `rate` (resolution 2^-16).
    pub fn draw(&mut self, cells: usize, rate: f32) -> Vec<bool> {
        let threshold = (rate.clamp(0.0, 1.0) * 65536.0).round() as u32;
        let mut out = Vec::with_capacity(cells);
        while out.len() < cells {
            // Four 16-bit draws per 64-bit word: the generator is the cost on big grids.
            let word = self.rng.next_u64();
            for k in 0..4 {
                if out.len() == cells {
                    break;
                }
                out.push((((word >> (16 * k)) & 0xffff) as u32) < threshold);
            }
        }
        out
    }
}
