// Pass A of a world step: every cell that fires and lies within two cells of a living one gets
// x + rule(perceive(x)); every other cell keeps x. Cells further out cannot reach the alive mask
// of pass B, so skipping them is exact; in a mostly empty world it is most of the work saved.

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> tmp: array<f32>;
@group(0) @binding(2) var<storage, read_write> wts: array<f32>;
@group(0) @binding(3) var<storage, read_write> p: array<u32>;

{{common}}

const W1: u32 = 0u;
const B1: u32 = 6144u;   // 48 * 128
const W2: u32 = 6272u;   // + 128
const B2: u32 = 8320u;   // + 128 * 16
const NPARAM: u32 = 8336u;

fn alpha(layer: u32, c: i32) -> f32 {
    if (c < 0) { return 0.0; }
    return x[(layer + u32(c)) * CH + 3u];
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 256u;
    let w = p[0];
    let h = p[1];
    let cells = w * h;
    if (id >= cells * p[2]) { return; }
    let s = id / cells;
    let cell = id % cells;
    let layer = s * cells;
    let y = i32(cell / w);
    let xx = i32(cell % w);
    let base = id * CH;

    var near = false;
    if (fires(s, cell)) {
        for (var dy = -2; dy <= 2; dy++) {
            for (var dx = -2; dx <= 2; dx++) {
                if (alpha(layer, cell_at(y + dy, xx + dx)) > ALIVE) { near = true; }
            }
        }
    }
    if (!near) {
        for (var k = 0u; k < CH; k++) { tmp[base + k] = x[base + k]; }
        return;
    }

    // Perception: identity, Sobel-x/8, Sobel-y/8 per channel, the gradient pair turned by the angle.
    var f: array<f32, 48>;
    let cs = bitcast<f32>(p[16u + s * 4u + 1u]);
    let sn = bitcast<f32>(p[16u + s * 4u + 2u]);
    var nb: array<i32, 9>;
    for (var k = 0; k < 9; k++) { nb[k] = cell_at(y + k / 3 - 1, xx + k % 3 - 1); }
    for (var c = 0u; c < CH; c++) {
        var v: array<f32, 9>;
        for (var k = 0; k < 9; k++) {
            if (nb[k] < 0) { v[k] = 0.0; } else { v[k] = x[(layer + u32(nb[k])) * CH + c]; }
        }
        let gx = ((v[2] - v[0]) + 2.0 * (v[5] - v[3]) + (v[8] - v[6])) * 0.125;
        let gy = ((v[6] + 2.0 * v[7] + v[8]) - (v[0] + 2.0 * v[1] + v[2])) * 0.125;
        f[c] = v[4];
        f[CH + c] = gx * cs - gy * sn;
        f[2u * CH + c] = gx * sn + gy * cs;
    }

    let wb = s * NPARAM;
    var d: array<f32, 16>;
    for (var c = 0u; c < CH; c++) { d[c] = wts[wb + B2 + c]; }
    for (var j = 0u; j < 128u; j++) {
        var a = wts[wb + B1 + j];
        for (var i = 0u; i < 48u; i++) { a += f[i] * wts[wb + W1 + i * 128u + j]; }
        if (a > 0.0) {
            for (var c = 0u; c < CH; c++) { d[c] += a * wts[wb + W2 + j * CH + c]; }
        }
    }
    for (var c = 0u; c < CH; c++) { tmp[base + c] = x[base + c] + d[c]; }
}
