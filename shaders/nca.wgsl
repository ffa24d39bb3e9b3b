// The tiled NCA step, shared by the world's step kernel and the training kernels. A workgroup owns
// a TILE x TILE block of one layer (a species, or a sample of a batch) and copies the block with a
// halo of two cells into workgroup memory: enough to tell which cells within one of the tile were
// alive before (a tile cell next to one runs the network). Weights are read four at a time from
// `wts` (array<vec4<f32>>); every invocation of a workgroup reads the same weight at the same time,
// so the reads broadcast. The caller declares `wts` and the Layer struct.

const CELLS: u32 = TILE * TILE;
// Invocations that share one cell's network (the workgroup is TILE x TILE x LANES): each takes
// LANES-th of the hidden units, so a cell's chain of multiply-adds is that much shorter. A GPU
// that runs few cells per step (one creature, a sparse world) is bound by that chain, not by
// its arithmetic; a CPU running this WGSL (lavapipe) pays for the extra invocations instead.
const LANES: u32 = {{ lanes }}u;
const THREADS: u32 = CELLS * LANES;
// The loaded region (halo 2) and the region marked alive or not before the step (halo 1).
const R: u32 = TILE + 4u;
const Q: u32 = TILE + 2u;

var<workgroup> xs: array<f32, R * R * STRIDE>;

fn xs_at(ry: u32, rx: u32, ch: u32) -> f32 {
    return xs[(ry * R + rx) * STRIDE + ch];
}

// The perception features of the region cell (ry, rx) (1 <= ry, rx <= R - 2) into f: one band of
// `channels` features per filter of the layer, in the order identity, Sobel-x, Sobel-y, Laplacian,
// the Sobel pair turned by the layer's angle. Returns the number of features.
fn perceive(l: Layer, ry: u32, rx: u32, f: ptr<function, array<f32, MAX_F>>) -> u32 {
    let c = l.channels;
    var band = 1u;
    for (var ch = 0u; ch < c; ch++) {
        (*f)[ch] = xs_at(ry, rx, ch);
    }
    if ((l.filters & FILTER_SOBEL) == FILTER_SOBEL) {
        for (var ch = 0u; ch < c; ch++) {
            let v0 = xs_at(ry - 1u, rx - 1u, ch);
            let v1 = xs_at(ry - 1u, rx, ch);
            let v2 = xs_at(ry - 1u, rx + 1u, ch);
            let v3 = xs_at(ry, rx - 1u, ch);
            let v5 = xs_at(ry, rx + 1u, ch);
            let v6 = xs_at(ry + 1u, rx - 1u, ch);
            let v7 = xs_at(ry + 1u, rx, ch);
            let v8 = xs_at(ry + 1u, rx + 1u, ch);
            let gx = ((v2 - v0) + 2.0 * (v5 - v3) + (v8 - v6)) * 0.125;
            let gy = ((v6 + 2.0 * v7 + v8) - (v0 + 2.0 * v1 + v2)) * 0.125;
            (*f)[c + ch] = gx * l.cos - gy * l.sin;
            (*f)[2u * c + ch] = gx * l.sin + gy * l.cos;
        }
        band = 3u;
    }
    if ((l.filters & FILTER_LAPLACIAN) != 0u) {
        for (var ch = 0u; ch < c; ch++) {
            let corners = xs_at(ry - 1u, rx - 1u, ch) + xs_at(ry - 1u, rx + 1u, ch) + xs_at(ry + 1u, rx - 1u, ch) + xs_at(ry + 1u, rx + 1u, ch);
            let edges = xs_at(ry - 1u, rx, ch) + xs_at(ry, rx - 1u, ch) + xs_at(ry, rx + 1u, ch) + xs_at(ry + 1u, rx, ch);
            (*f)[band * c + ch] = (corners + 2.0 * edges - 12.0 * xs_at(ry, rx, ch)) * 0.0625;
        }
        band += 1u;
    }
    return band * c;
}

// Part `part` of LANES of the rule on one cell's features, d = W2 relu(W1 f + b1) + b2, in groups
// of four channels: that part's share of the hidden units, and b2 in the first part.
fn mlp(l: Layer, nf: u32, part: u32, f: ptr<function, array<f32, MAX_F>>, d: ptr<function, array<vec4<f32>, 4>>) {
    let h4 = l.hidden / 4u;
    let c4 = l.channels / 4u;
    let w1 = l.weights / 4u;
    let b1 = w1 + nf * h4;
    let w2 = b1 + h4;
    let b2 = w2 + l.hidden * c4;
    for (var k = 0u; k < 4u; k++) {
        (*d)[k] = vec4<f32>(0.0);
        if (k < c4 && part == 0u && (l.flags & FLAG_OUT_BIAS) != 0u) { (*d)[k] = wts[b2 + k]; }
    }
    for (var j4 = part * h4 / LANES; j4 < (part + 1u) * h4 / LANES; j4++) {
        var a = wts[b1 + j4];
        for (var i = 0u; i < nf; i++) {
            a += (*f)[i] * wts[w1 + i * h4 + j4];
        }
        a = max(a, vec4<f32>(0.0));
        let row = w2 + 4u * j4 * c4;
        for (var k = 0u; k < c4; k++) {
            (*d)[k] += a.x * wts[row + k] + a.y * wts[row + c4 + k] + a.z * wts[row + 2u * c4 + k] + a.w * wts[row + 3u * c4 + k];
        }
    }
}

fn lane(d: ptr<function, array<vec4<f32>, 4>>, ch: u32) -> f32 {
    return (*d)[ch / 4u][ch % 4u];
}

// The phases of a forward step, shared by the world's step kernel and the training's. Between
// them the caller puts a workgroupBarrier. The caller declares `x` (the states) and `wts`.
// Only the tile's own cells run the network: whether a creature's cell lives on depends on the
// updated alpha of its neighbours, some in other tiles, so the step kernel writes every cell's
// updated alpha (`post`) and a second kernel (`keep.wgsl`) kills the cells with none over the
// threshold around them. Computing the halo's updates in each tile instead did the network on
// 100 cells per 64 at TILE 8: two rounds of the workgroup's invocations where one suffices.

// Per cell of the Q region: alive before the step (or in a texture's territory).
var<workgroup> pre: array<u32, Q * Q>;
// The update of each tile cell.
var<workgroup> dxs: array<f32, TILE * TILE * STRIDE>;
// Tile cells that run the network this step.
var<workgroup> work: array<u32, TILE * TILE>;
var<workgroup> work_n: atomic<u32>;

// The tile and its halo of two into workgroup memory from the layer at cell `base` of `x` (zeros
// beyond a zero border). `gi`: the invocation's index in the workgroup, every lane's.
fn load_tile(base: u32, ty0: i32, tx0: i32, gi: u32, w: i32, h: i32, wrap: bool) {
    if (gi == 0u) { atomicStore(&work_n, 0u); }
    for (var k = gi; k < R * R; k += THREADS) {
        let c = cell_on(ty0 - 2 + i32(k / R), tx0 - 2 + i32(k % R), w, h, wrap);
        for (var ch = 0u; ch < STRIDE; ch++) {
            var v = 0.0;
            if (c >= 0) { v = x[(base + u32(c)) * STRIDE + ch]; }
            xs[k * STRIDE + ch] = v;
        }
    }
}

// Alive before, over the Q region: a creature's 3x3 maximum of alpha over the threshold; a
// texture's territory channel (`territory`, the world) or everywhere (training).
fn mark_alive(l: Layer, gi: u32, territory: bool) {
    for (var k = gi; k < Q * Q; k += THREADS) {
        let qy = k / Q + 1u;
        let qx = k % Q + 1u;
        var alive = true;
        if ((l.flags & FLAG_MASKING) != 0u) {
            var m = 0.0;
            for (var d = 0u; d < 9u; d++) { m = max(m, xs_at(qy + d / 3u - 1u, qx + d % 3u - 1u, ALPHA)); }
            alive = m > ALIVE;
        } else if (territory) {
            alive = xs_at(qy, qx, STRIDE - 1u) > ALIVE;
        }
        pre[k] = select(0u, 1u, alive);
    }
}

// The tile cells that run the network (none when `idle`): a creature's cells that fire next to
// a cell alive before (their updated alpha decides its fate, in this tile or the next), a
// texture's cells alive before that fire. Clears the updates. The first lane of each cell lists it.
fn list_work(l: Layer, gi: u32, ty0: i32, tx0: i32, w: i32, h: i32, wrap: bool, seed: u32, step: u32, idle: bool) {
    let li = gi % CELLS;
    let qy = li / TILE + 1u;
    let qx = li % TILE + 1u;
    let c = cell_on(ty0 + i32(li / TILE), tx0 + i32(li % TILE), w, h, wrap);
    if (gi < CELLS && !idle && c >= 0 && fires(seed, step, l.stream, u32(c), l.fire_rate)) {
        var needed = pre[qy * Q + qx] != 0u;
        if ((l.flags & FLAG_MASKING) != 0u) {
            for (var d = 0u; d < 9u; d++) { needed = needed || pre[(qy + d / 3u - 1u) * Q + qx + d % 3u - 1u] != 0u; }
        }
        if (needed) { work[atomicAdd(&work_n, 1u)] = li; }
    }
    for (var k = gi; k < CELLS * STRIDE; k += THREADS) { dxs[k] = 0.0; }
}

// The network on the listed tile cells, their updates into `dxs`: invocation `gi` runs part
// gi / CELLS of listed cell gi % CELLS (so a subgroup's lanes read the same weights at once), and
// the parts add into the update in a fixed order. Barriers inside, the last at its end: call it
// from every invocation.
fn run_work(l: Layer, gi: u32) {
    let slot = gi % CELLS;
    let part = gi / CELLS;
    let busy = slot < atomicLoad(&work_n);
    var t = 0u;
    var d: array<vec4<f32>, 4>;
    if (busy) {
        t = work[slot];
        var f: array<f32, MAX_F>;
        let nf = perceive(l, t / TILE + 2u, t % TILE + 2u, &f);
        mlp(l, nf, part, &f, &d);
    }
    for (var r = 0u; r < LANES; r++) {
        if (busy && part == r) {
            for (var ch = 0u; ch < l.channels; ch++) { dxs[t * STRIDE + ch] += lane(&d, ch); }
        }
        workgroupBarrier();
    }
}

// Tile cell (ly, lx)'s state after the step, unmasked: its channel `ch`.
fn updated(ly: u32, lx: u32, ch: u32) -> f32 {
    return xs_at(ly + 2u, lx + 2u, ch) + dxs[(ly * TILE + lx) * STRIDE + ch];
}
