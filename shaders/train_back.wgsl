// One step of the backward pass through the network, a tile of one sample per workgroup
// (dispatch as `train_step`). The cells that fired and were kept at this step run: each
// recomputes its perception and hidden layer from step t's state, takes the gradient of its
// update (the gradient of step t+1's state, masked), and runs the transposed network: the
// gradient of its hidden layer through the ReLU, and of its perception features. It writes a row
// for the weight gradients, [features, 1 | hidden, out_bias | gradient of hidden | gradient of
// update], which `train_wgrad` multiplies out, and the features' gradient, which `train_gather`
// sends back through the transposed perception. Each cell says in `ran` whether it did; one that
// did not writes nothing else (`train_gather` skips it).
// Rows are packed: each tile owns TILE x TILE rows, and the cells that ran fill the first of
// them in the order of their index in the tile, so the products skip the cells that did not (most
// of a grid: those that did not fire, and all the dead ones) and still add in a fixed order. The
// tile's count of rows goes to `counts`.
// A cell's network is spread over LANES invocations (the workgroup is TILE x TILE x LANES), each
// with its share of the hidden units (`nca.wgsl`): each writes its units' columns of the row, and
// their features' gradients add up in `gf` in a fixed order of the parts.
// The host reference is `train::host_grad` (`backward_block`).

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> life: array<u32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> gf: array<f32>;
@group(0) @binding(4) var<storage, read_write> rows: array<f32>;
@group(0) @binding(5) var<storage, read_write> wts: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> p: TrainParams;
// Rows each tile wrote this step (`train_wgrad` reads them).
@group(0) @binding(7) var<storage, read_write> counts: array<u32>;
// Per cell, 1 where it ran the network this step (and wrote its features' gradient).
@group(0) @binding(8) var<storage, read_write> ran: array<u32>;

// Which cells of the tile run: their rank among those that do is their row.
var<workgroup> running: array<u32, TILE * TILE>;
var<workgroup> listed: array<u32, TILE * TILE>;
var<workgroup> listed_n: u32;

@compute @workgroup_size({{ tile }}, {{ tile }}, {{ lanes }})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) gi: u32) {
    let l = p.layers[wg.z];
    let w = i32(p.head.width);
    let h = i32(p.head.height);
    let wrap = p.head.wrap != 0u;
    let ty0 = i32(wg.y * TILE);
    let tx0 = i32(wg.x * TILE);
    load_tile(l.base, ty0, tx0, gi, w, h, wrap);
    // This invocation's tile cell (whose run it lists) and part of a listed cell's network.
    let li = gi % CELLS;
    let part = lid.z;
    let y = ty0 + i32(lid.y);
    let xx = tx0 + i32(lid.x);
    let inside = y < h && xx < w;
    let local = u32(y * w + xx);
    let cell = l.base + local;
    let runs = inside && p.head.step < l.steps && life[cell] != 0u && fires(l.seed, p.head.step, l.stream, local, l.fire_rate);
    if (part == 0u) { running[li] = select(0u, 1u, runs); }
    workgroupBarrier();

    // The cells that run, listed in the order of their index in the tile: the first invocations
    // take them, so the network's work is packed into as few subgroups as it fills instead of
    // spread over all of them.
    let tile = (wg.z * p.head.tiles_y + wg.y) * p.head.tiles_x + wg.x;
    if (part == 0u) {
        var rank = 0u;
        for (var k = 0u; k < li; k++) { rank += running[k]; }
        if (runs) { listed[rank] = li; }
        if (li == CELLS - 1u) {
            listed_n = rank + running[li];
            counts[tile] = listed_n;
        }
    }
    workgroupBarrier();
    if (part == 0u && inside) { ran[cell] = running[li]; }

    // From here on this invocation works for part `part` of the li-th listed cell, and writes
    // row li of the tile: the first part the features, ones and the update's gradient, each part
    // its hidden units' columns.
    let busy = li < listed_n;
    var gfa: array<f32, MAX_F>;
    var mcell = 0u;
    var nf = 0u;
    if (busy) {
        let me = listed[li];
        let my = me / TILE;
        let mx = me % TILE;
        mcell = l.base + u32((ty0 + i32(my)) * w + tx0 + i32(mx));
        let row = (tile * TILE * TILE + li) * p.head.row_width;
        let c = l.channels;
        let nh = l.hidden;
        var f: array<f32, MAX_F>;
        nf = perceive(l, my + 2u, mx + 2u, &f);
        var gd: array<vec4<f32>, 4>;
        let c4 = c / 4u;
        for (var k = 0u; k < c4; k++) {
            let b = mcell * STRIDE + 4u * k;
            gd[k] = vec4<f32>(g[b], g[b + 1u], g[b + 2u], g[b + 3u]);
        }
        let h4 = nh / 4u;
        let w1 = l.weights / 4u;
        let b1 = w1 + nf * h4;
        let w2 = b1 + h4;
        for (var i = 0u; i < nf; i++) { gfa[i] = 0.0; }
        let hc = row + p.head.h_col;
        let ghc = row + p.head.gh_col;
        for (var j4 = part * h4 / LANES; j4 < (part + 1u) * h4 / LANES; j4++) {
            var a = wts[b1 + j4];
            for (var i = 0u; i < nf; i++) {
                a += f[i] * wts[w1 + i * h4 + j4];
            }
            let on = a > vec4<f32>(0.0);
            a = max(a, vec4<f32>(0.0));
            // The hidden units' gradient: rows 4 j4 .. 4 j4 + 3 of W2 against the update's gradient.
            var gh = vec4<f32>(0.0);
            let r2 = w2 + 4u * j4 * c4;
            for (var k = 0u; k < c4; k++) {
                gh.x += dot(wts[r2 + k], gd[k]);
                gh.y += dot(wts[r2 + c4 + k], gd[k]);
                gh.z += dot(wts[r2 + 2u * c4 + k], gd[k]);
                gh.w += dot(wts[r2 + 3u * c4 + k], gd[k]);
            }
            gh = select(vec4<f32>(0.0), gh, on);
            for (var i = 0u; i < nf; i++) {
                gfa[i] += dot(wts[w1 + i * h4 + j4], gh);
            }
            for (var q = 0u; q < 4u; q++) {
                rows[hc + 4u * j4 + q] = a[q];
                rows[ghc + 4u * j4 + q] = gh[q];
            }
        }
        if (part == 0u) {
            for (var i = 0u; i < nf; i++) { rows[row + i] = f[i]; }
            // The ones that make the biases' gradients rows of the same products, then padding.
            for (var i = nf; i < p.head.h_col; i++) { rows[row + i] = select(0.0, 1.0, i == nf); }
            let ob = select(0.0, 1.0, (l.flags & FLAG_OUT_BIAS) != 0u);
            for (var j = nh; j < p.head.gh_col - p.head.h_col; j++) { rows[hc + j] = select(0.0, ob, j == nh); }
            let gdc = row + p.head.gd_col;
            for (var k = 0u; k < c; k++) { rows[gdc + k] = gd[k / 4u][k % 4u]; }
        }
    }
    // The parts' features' gradients, added in the order of the parts (the workgroup alone
    // touches its cells' `gf`).
    for (var r = 0u; r < LANES; r++) {
        if (busy && part == r) {
            for (var i = 0u; i < nf; i++) {
                var v = gfa[i];
                if (r > 0u) { v += gf[mcell * MAX_F + i]; }
                gf[mcell * MAX_F + i] = v;
            }
        }
        storageBarrier();
    }
}
