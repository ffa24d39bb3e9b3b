// Shared by every kernel (after the prelude of structs and constants that Rust generates from
// `kernels::layout`): the fire hash and the grid's neighbourhood.

// The same integer hash as `nca::fire::mix` on the host: the fire mask is a pure function of
// (seed, step, stream, cell), so the CPU and the GPU draw identical masks.
fn hash_u32(v: u32) -> u32 {
    var x = v;
    x = x ^ (x >> 16u);
    x = x * 0x7feb352du;
    x = x ^ (x >> 15u);
    x = x * 0x846ca68bu;
    x = x ^ (x >> 16u);
    return x;
}

fn fires(seed: u32, step: u32, stream: u32, cell: u32, rate: f32) -> bool {
    let r = hash_u32(hash_u32(hash_u32(hash_u32(seed ^ 0x9e3779b9u) ^ step) ^ (stream * 0x85ebca6bu)) ^ cell);
    return f32(r >> 8u) * (1.0 / 16777216.0) < rate;
}

// Flat index of (y, x) on a w x h grid, or -1 beyond a zero border.
fn cell_on(y: i32, x: i32, w: i32, h: i32, wrap: bool) -> i32 {
    if (wrap) {
        return ((y % h + h) % h) * w + ((x % w + w) % w);
    }
    if (y < 0 || x < 0 || y >= h || x >= w) { return -1; }
    return y * w + x;
}
