//! Which cells fire in a step: a pure function of (seed, step, stream, cell), so that a run
//! repeats exactly for the same seed whatever else the process does, and so that the WGSL kernels
//! draw the same masks as the host (the same integers in `shaders/common.wgsl`). A stream is a
//! sample of a batch in training and simulation, a species in the sandbox world.

/// A 32-bit integer finaliser (xor-shift-multiply); identical to `hash_u32` in the WGSL.
pub fn mix(v: u32) -> u32 {
    let mut x = v;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// Does `cell` of `stream` apply its update at `step`? True with probability `rate` (resolution
/// 2^-24).
#[inline]
pub fn fires(seed: u32, step: u32, stream: u32, cell: u32, rate: f32) -> bool {
    let r = mix(mix(mix(mix(seed ^ 0x9e37_79b9) ^ step) ^ stream.wrapping_mul(0x85eb_ca6b)) ^ cell);
    ((r >> 8) as f32) * (1.0 / 16_777_216.0) < rate
}

/// The fire masks of a batch of grids: sample `b`, cell `i` fires at step `t` when
/// `fires(seed, t, b, i, rate)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FireMasks {
    pub seed: u32,
    pub rate: f32,
}

impl FireMasks {
    /// Folds a 64-bit seed into the hash's 32 bits.
    pub fn new(seed: u64, rate: f32) -> Self {
        Self { seed: (seed ^ (seed >> 32)) as u32, rate }
    }

    #[inline]
    pub fn fires(&self, step: u32, sample: usize, cell: usize) -> bool {
        fires(self.seed, step, sample as u32, cell as u32, self.rate)
    }

    /// The mask of step `t` for `n` grids of `cells` cells, row-major.
    pub fn mask(&self, step: u32, n: usize, cells: usize) -> Vec<bool> {
        (0..n).flat_map(|b| (0..cells).map(move |i| self.fires(step, b, i))).collect()
    }
}
