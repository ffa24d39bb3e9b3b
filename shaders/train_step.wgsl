// One forward step of a training batch, a tile of one sample per workgroup (dispatch: tiles in x,
// tiles in y, samples). Each sample is a layer with its own rule (several creatures train in one
// dispatch). It reads step t's state and writes step t+1's, and the mask of cells kept (1) or
// killed (0) at this step, which the backward pass needs; the fire mask is not kept, it is a hash
// the backward pass draws again. The host reference is `nca::host_kernel::step_grid`.

struct TrainParams {
    head: TrainHeader,
    layers: array<Layer>,
}

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> life: array<u32>;
@group(0) @binding(3) var<storage, read_write> wts: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> p: TrainParams;

// Per cell of the Q region: alive before the step.
var<workgroup> pre: array<u32, Q * Q>;
// Per cell of the Q region: alpha after the update.
var<workgroup> after: array<f32, Q * Q>;
// The update of each tile cell.
var<workgroup> dxs: array<f32, TILE * TILE * STRIDE>;
// Q-region cells that run the network this step.
var<workgroup> work: array<u32, Q * Q>;
var<workgroup> work_n: atomic<u32>;

@compute @workgroup_size({{ tile }}, {{ tile }}, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let l = p.layers[wg.z];
    let w = i32(p.head.width);
    let h = i32(p.head.height);
    let wrap = p.head.wrap != 0u;
    let masking = (l.flags & FLAG_MASKING) != 0u;
    let ty0 = i32(wg.y * TILE);
    let tx0 = i32(wg.x * TILE);
    let threads = TILE * TILE;
    if (li == 0u) { atomicStore(&work_n, 0u); }
    // Past its own rollout a layer holds still (a batch of creatures rolled out for different
    // numbers of steps).
    let still = p.head.step >= l.steps;

    for (var k = li; k < R * R; k += threads) {
        let c = cell_on(ty0 - 2 + i32(k / R), tx0 - 2 + i32(k % R), w, h, wrap);
        for (var ch = 0u; ch < STRIDE; ch++) {
            var v = 0.0;
            if (c >= 0) { v = x[(l.base + u32(c)) * STRIDE + ch]; }
            xs[k * STRIDE + ch] = v;
        }
    }
    workgroupBarrier();

    for (var k = li; k < Q * Q; k += threads) {
        let qy = k / Q + 1u;
        let qx = k % Q + 1u;
        var alive = true;
        if (masking) {
            var m = 0.0;
            for (var d = 0u; d < 9u; d++) { m = max(m, xs_at(qy + d / 3u - 1u, qx + d % 3u - 1u, ALPHA)); }
            alive = m > ALIVE;
        }
        pre[k] = select(0u, 1u, alive);
        after[k] = xs_at(qy, qx, ALPHA);
    }
    workgroupBarrier();

    // A creature runs the network on cells that fire next to a tile cell alive before (their
    // updated alpha decides its fate); a texture on the tile cells that fire.
    for (var k = li; k < Q * Q; k += threads) {
        let qy = i32(k / Q);
        let qx = i32(k % Q);
        let c = cell_on(ty0 - 1 + qy, tx0 - 1 + qx, w, h, wrap);
        if (still || c < 0 || !fires(l.seed, p.head.step, l.stream, u32(c), l.fire_rate)) { continue; }
        var needed = false;
        if (masking) {
            for (var d = 0; d < 9; d++) {
                let ny = qy + d / 3 - 1;
                let nx = qx + d % 3 - 1;
                if (ny >= 1 && nx >= 1 && ny <= i32(TILE) && nx <= i32(TILE) && pre[u32(ny) * Q + u32(nx)] != 0u) { needed = true; }
            }
        } else {
            needed = qy >= 1 && qx >= 1 && qy <= i32(TILE) && qx <= i32(TILE);
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

    let y = ty0 + i32(lid.y);
    let xx = tx0 + i32(lid.x);
    if (y >= h || xx >= w) { return; }
    let cell = l.base + u32(y * w + xx);
    let qy = lid.y + 1u;
    let qx = lid.x + 1u;
    let t = lid.y * TILE + lid.x;
    var keep = true;
    if (masking && !still) {
        var post = 0.0;
        for (var d = 0u; d < 9u; d++) { post = max(post, after[(qy + d / 3u - 1u) * Q + qx + d % 3u - 1u]); }
        keep = pre[qy * Q + qx] != 0u && post > ALIVE;
    }
    for (var ch = 0u; ch < STRIDE; ch++) {
        var v = 0.0;
        if (keep) { v = xs_at(qy + 1u, qx + 1u, ch) + dxs[t * STRIDE + ch]; }
        out[cell * STRIDE + ch] = v;
    }
    life[cell] = select(0u, 1u, keep);
}
