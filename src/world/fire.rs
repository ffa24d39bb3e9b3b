//! The fire mask as a pure function of (seed, step, species, cell): the WGSL kernels compute the
//! same integers, so a CPU world and a GPU world with the same seed draw the same masks.

/// A 32-bit integer finaliser (xor-shift-multiply); identical to `hash_u32` in `shaders/world_common.wgsl`.
pub fn mix(v: u32) -> u32 {
    let mut x = v;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// Does `cell` of species `s` apply its update at `step`?
pub fn fires(seed: u32, step: u32, s: u32, cell: u32, rate: f32) -> bool {
    let r = mix(mix(mix(mix(seed ^ 0x9e37_79b9) ^ step) ^ s.wrapping_mul(0x85eb_ca6b)) ^ cell);
    ((r >> 8) as f32) * (1.0 / 16_777_216.0) < rate
}
