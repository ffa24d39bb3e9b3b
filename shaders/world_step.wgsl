// One step of one species of the sandbox world, a tile per workgroup (dispatch: tiles in x, tiles
// in y, species). A creature (alive masking) updates the cells that fire near life and keeps
// those alive before and after; a texture updates the cells of its territory that fire, and the
// territory spreads to neighbours that fire. A cell alive for another species (3x3 maximum of its
// alpha, or of a texture's territory, over the threshold) or a wall keeps nothing. The host
// reference is `world::host::step`.

struct WorldParams {
    head: WorldHeader,
    layers: array<Layer>,
}

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> aux: array<f32>;
@group(0) @binding(3) var<storage, read_write> wts: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> p: WorldParams;

// Per cell of the Q region: alive before the step (creature) or in the territory (texture).
var<workgroup> pre: array<u32, Q * Q>;
// Per cell of the Q region: alpha after the update (creature).
var<workgroup> after: array<f32, Q * Q>;
// The update of each tile cell.
var<workgroup> dxs: array<f32, TILE * TILE * STRIDE>;
// Q-region cells that run the network this step.
var<workgroup> work: array<u32, Q * Q>;
var<workgroup> work_n: atomic<u32>;

fn grid_cell(y: i32, xx: i32) -> i32 {
    return cell_on(y, xx, i32(p.head.width), i32(p.head.height), p.head.wrap != 0u);
}

// The channel that says where a layer lives.
fn life_channel(l: Layer) -> u32 {
    if ((l.flags & FLAG_MASKING) != 0u) { return ALPHA; }
    return STRIDE - 1u;
}

// Is another species than `s` alive at (y, x)?
fn closed(s: u32, y: i32, xx: i32) -> bool {
    for (var t = 0u; t < p.head.species; t++) {
        if (t == s) { continue; }
        let lt = p.layers[t];
        let ch = life_channel(lt);
        for (var k = 0; k < 9; k++) {
            let c = grid_cell(y + k / 3 - 1, xx + k % 3 - 1);
            if (c >= 0 && x[(lt.base + u32(c)) * STRIDE + ch] > ALIVE) { return true; }
        }
    }
    return false;
}

@compute @workgroup_size({{ tile }}, {{ tile }}, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let s = wg.z;
    let l = p.layers[s];
    let w = i32(p.head.width);
    let h = i32(p.head.height);
    let masking = (l.flags & FLAG_MASKING) != 0u;
    let ty0 = i32(wg.y * TILE);
    let tx0 = i32(wg.x * TILE);
    let threads = TILE * TILE;
    if (li == 0u) { atomicStore(&work_n, 0u); }

    // The tile and its halo of two into workgroup memory (zeros beyond a zero border).
    for (var k = li; k < R * R; k += threads) {
        let c = grid_cell(ty0 - 2 + i32(k / R), tx0 - 2 + i32(k % R));
        for (var ch = 0u; ch < STRIDE; ch++) {
            var v = 0.0;
            if (c >= 0) { v = x[(l.base + u32(c)) * STRIDE + ch]; }
            xs[k * STRIDE + ch] = v;
        }
    }
    workgroupBarrier();

    // Alive before (3x3 maximum of alpha) or in the territory, over the Q region.
    for (var k = li; k < Q * Q; k += threads) {
        let qy = k / Q + 1u;
        let qx = k % Q + 1u;
        var m = 0.0;
        if (masking) {
            for (var d = 0u; d < 9u; d++) { m = max(m, xs_at(qy + d / 3u - 1u, qx + d % 3u - 1u, ALPHA)); }
        } else {
            m = xs_at(qy, qx, STRIDE - 1u);
        }
        pre[k] = select(0u, 1u, m > ALIVE);
        after[k] = xs_at(qy, qx, ALPHA);
    }
    workgroupBarrier();

    // The cells that run the network: a creature's cells that fire next to a tile cell alive before
    // (their updated alpha decides its fate), a texture's tile cells in its territory that fire.
    for (var k = li; k < Q * Q; k += threads) {
        let qy = i32(k / Q);
        let qx = i32(k % Q);
        let c = grid_cell(ty0 - 1 + qy, tx0 - 1 + qx);
        if (c < 0 || !fires(p.head.seed, p.head.step, l.stream, u32(c), l.fire_rate)) { continue; }
        var needed = false;
        if (masking) {
            for (var d = 0; d < 9; d++) {
                let ny = qy + d / 3 - 1;
                let nx = qx + d % 3 - 1;
                if (ny >= 1 && nx >= 1 && ny <= i32(TILE) && nx <= i32(TILE) && pre[u32(ny) * Q + u32(nx)] != 0u) { needed = true; }
            }
        } else {
            needed = qy >= 1 && qx >= 1 && qy <= i32(TILE) && qx <= i32(TILE) && pre[k] != 0u;
        }
        if (needed) { work[atomicAdd(&work_n, 1u)] = k; }
    }
    for (var k = li; k < TILE * TILE * STRIDE; k += threads) { dxs[k] = 0.0; }
    workgroupBarrier();

    let n = atomicLoad(&work_n);
    for (var k = li; k < n; k += threads) {
        let q = work[k];
        let qy = q / Q;
        let qx = q % Q;
        var f: array<f32, MAX_F>;
        var d: array<vec4<f32>, 4>;
        let nf = perceive(l, qy + 1u, qx + 1u, &f);
        mlp(l, nf, &f, &d);
        after[q] = xs_at(qy + 1u, qx + 1u, ALPHA) + lane(&d, ALPHA);
        if (qy >= 1u && qx >= 1u && qy <= TILE && qx <= TILE) {
            let t = (qy - 1u) * TILE + qx - 1u;
            for (var ch = 0u; ch < l.channels; ch++) { dxs[t * STRIDE + ch] = lane(&d, ch); }
        }
    }
    workgroupBarrier();

    // Each invocation writes its own tile cell.
    let y = ty0 + i32(lid.y);
    let xx = tx0 + i32(lid.x);
    if (y >= h || xx >= w) { return; }
    let cell = u32(y * w + xx);
    let qy = lid.y + 1u;
    let qx = lid.x + 1u;
    let t = lid.y * TILE + lid.x;
    var keep = aux[cell * 2u] == 0.0;
    if (masking) {
        var post = 0.0;
        for (var d = 0u; d < 9u; d++) { post = max(post, after[(qy + d / 3u - 1u) * Q + qx + d % 3u - 1u]); }
        keep = keep && pre[qy * Q + qx] != 0u && post > ALIVE;
    } else {
        var reach = false;
        for (var d = 0u; d < 9u; d++) { reach = reach || pre[(qy + d / 3u - 1u) * Q + qx + d % 3u - 1u] != 0u; }
        let firing = fires(p.head.seed, p.head.step, l.stream, cell, l.fire_rate);
        keep = keep && (pre[qy * Q + qx] != 0u || (reach && firing));
    }
    keep = keep && !closed(s, y, xx);
    let o = (l.base + cell) * STRIDE;
    for (var ch = 0u; ch < STRIDE; ch++) {
        var v = 0.0;
        if (keep) { v = xs_at(qy + 1u, qx + 1u, ch) + dxs[t * STRIDE + ch]; }
        out[o + ch] = v;
    }
    if (keep && !masking) { out[o + STRIDE - 1u] = 1.0; }
}
