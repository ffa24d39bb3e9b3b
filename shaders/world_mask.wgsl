// Pass B of a world step: a cell keeps its update only where it was alive before (3x3 alpha
// maximum of x over the threshold) and after (the same of tmp), is no wall, and is not alive for
// any other species: living cells of one species are closed to the others.

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> tmp: array<f32>;
@group(0) @binding(2) var<storage, read_write> aux: array<f32>;
@group(0) @binding(3) var<storage, read_write> p: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

{{common}}

fn alive_x(layer: u32, y: i32, xx: i32) -> bool {
    var m = 0.0;
    for (var k = 0; k < 9; k++) {
        let c = cell_at(y + k / 3 - 1, xx + k % 3 - 1);
        if (c >= 0) { m = max(m, x[(layer + u32(c)) * CH + 3u]); }
    }
    return m > ALIVE;
}

fn alive_tmp(layer: u32, y: i32, xx: i32) -> bool {
    var m = 0.0;
    for (var k = 0; k < 9; k++) {
        let c = cell_at(y + k / 3 - 1, xx + k % 3 - 1);
        if (c >= 0) { m = max(m, tmp[(layer + u32(c)) * CH + 3u]); }
    }
    return m > ALIVE;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 256u;
    let w = p[0];
    let cells = w * p[1];
    if (id >= cells * p[2]) { return; }
    let s = id / cells;
    let cell = id % cells;
    let y = i32(cell / w);
    let xx = i32(cell % w);
    var keep = aux[cell * 2u] == 0.0 && alive_x(s * cells, y, xx) && alive_tmp(s * cells, y, xx);
    for (var t = 0u; t < p[2]; t++) {
        if (keep && t != s && alive_x(t * cells, y, xx)) { keep = false; }
    }
    let base = id * CH;
    for (var c = 0u; c < CH; c++) {
        if (keep) { out[base + c] = tmp[base + c]; } else { out[base + c] = 0.0; }
    }
}
