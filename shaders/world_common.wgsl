// Every binding is read_write: burn's memory pool may place several tensors in one wgpu buffer,
// and one buffer may not be bound both read-only and read-write in a dispatch.
// Shared by the world kernels (prepended to each by the Rust side, which also owns the layouts):
// state  [S, H, W, 16] f32, premultiplied RGBA then 12 hidden channels, one layer per species;
// aux    [H, W, 2] f32: wall flag, wound flash;
// p      u32 parameters: 0 W, 1 H, 2 S, 3 wrap, 4 seed, 5 step, 6 view mode, 7 view channel,
//        8 row stride of the packed image in u32, 9 snapshot (no flash), then 4 words per species from 16:
//        fire rate, cos and sin of the perception angle (f32 bits), unused.

const CH: u32 = 16u;
const ALIVE: f32 = 0.1;

fn wrap_on() -> bool { return p[3] != 0u; }

// Flat cell index of (y, x) on the H x W grid, or -1 beyond a zero border.
fn cell_at(y: i32, x: i32) -> i32 {
    let w = i32(p[0]);
    let h = i32(p[1]);
    if (wrap_on()) {
        return ((y % h + h) % h) * w + ((x % w + w) % w);
    }
    if (y < 0 || x < 0 || y >= h || x >= w) { return -1; }
    return y * w + x;
}

// The same integer hash as `world::fire::hash` on the host: the fire mask is a pure function of
// (seed, step, species, cell), so the CPU and GPU worlds draw identical masks.
fn hash_u32(v: u32) -> u32 {
    var x = v;
    x = x ^ (x >> 16u);
    x = x * 0x7feb352du;
    x = x ^ (x >> 15u);
    x = x * 0x846ca68bu;
    x = x ^ (x >> 16u);
    return x;
}

fn fires(s: u32, cell: u32) -> bool {
    let r = hash_u32(hash_u32(hash_u32(hash_u32(p[4] ^ 0x9e3779b9u) ^ p[5]) ^ (s * 0x85ebca6bu)) ^ cell);
    let u = f32(r >> 8u) * (1.0 / 16777216.0);
    return u < bitcast<f32>(p[16u + s * 4u]);
}
