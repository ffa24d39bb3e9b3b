// One step of the backward pass through perception (one invocation per cell of every sample):
// the gradient of step t's state is the gradient of step t+1's where the cell was kept, plus what
// every neighbour's perception features send back through the filters that read this cell (the
// transposed, turned Sobel pair, the Laplacian, the identity). Host reference:
// `nca::host_kernel::perceive_transpose`.

@group(0) @binding(0) var<storage, read_write> life: array<u32>;
@group(0) @binding(1) var<storage, read_write> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> gf: array<f32>;
@group(0) @binding(3) var<storage, read_write> gout: array<f32>;
@group(0) @binding(4) var<storage, read_write> p: TrainParams;
// Per cell, whether it ran the network (`train_back`): only those have a features' gradient.
@group(0) @binding(5) var<storage, read_write> ran: array<u32>;

// A workgroup of GROUP invocations (`kernels::tune` times 64, 128 and 256).
const GROUP: u32 = {{ group }}u;

@compute @workgroup_size(GROUP)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * GROUP;
    let w = p.head.width;
    let h = p.head.height;
    let per = w * h;
    if (id >= per * p.head.samples) { return; }
    let l = p.layers[id / per];
    let local = id % per;
    let y = i32(local / w);
    let xx = i32(local % w);
    let c = l.channels;
    let kept = select(0.0, 1.0, life[id] != 0u);
    let sobel = (l.filters & FILTER_SOBEL) == FILTER_SOBEL;
    let lap = (l.filters & FILTER_LAPLACIAN) != 0u;
    let lap_band = select(1u, 3u, sobel);
    var acc: array<f32, STRIDE>;
    for (var ch = 0u; ch < c; ch++) {
        acc[ch] = kept * g[id * STRIDE + ch];
        if (ran[id] != 0u) { acc[ch] += gf[id * MAX_F + ch]; }
    }
    // The neighbour j = this cell - (dy, dx) read this cell at offset (dy, dx).
    for (var d = 0; d < 9; d++) {
        let dy = d / 3 - 1;
        let dx = d % 3 - 1;
        if (dy == 0 && dx == 0 && !lap) { continue; }
        let j = cell_on(y - dy, xx - dx, i32(w), i32(h), p.head.wrap != 0u);
        if (j < 0 || ran[l.base + u32(j)] == 0u) { continue; }
        let jb = (l.base + u32(j)) * MAX_F;
        var kx = 0.0;
        var ky = 0.0;
        if (sobel) {
            kx = f32(dx) * select(0.125, 0.25, dy == 0);
            ky = f32(dy) * select(0.125, 0.25, dx == 0);
        }
        let k1 = kx * l.cos - ky * l.sin;
        let k2 = kx * l.sin + ky * l.cos;
        var kl = 0.0;
        if (lap) {
            if (dy == 0 && dx == 0) { kl = -0.75; } else if (dy == 0 || dx == 0) { kl = 0.125; } else { kl = 0.0625; }
        }
        for (var ch = 0u; ch < c; ch++) {
            var v = 0.0;
            if (sobel) { v += k1 * gf[jb + c + ch] + k2 * gf[jb + 2u * c + ch]; }
            if (lap) { v += kl * gf[jb + lap_band * c + ch]; }
            acc[ch] += v;
        }
    }
    for (var ch = 0u; ch < STRIDE; ch++) {
        var v = 0.0;
        if (ch < c) { v = acc[ch]; }
        gout[id * STRIDE + ch] = v;
    }
}
