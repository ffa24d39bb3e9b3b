// Sums the weight-gradient slots of `train_wgrad` (in slot order) into each creature's gradient,
// in the flat layout of its weights: w1 [features, hidden], b1, w2 [hidden, channels], b2.
// One invocation per weight.

@group(0) @binding(0) var<storage, read_write> s1: array<f32>;
@group(0) @binding(1) var<storage, read_write> s2: array<f32>;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> p: ReduceHeader;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 256u;
    if (id >= p.params * p.creatures) { return; }
    let k = id / p.params;
    var q = id % p.params;
    let nf = p.features;
    let nh = p.hidden;
    // Which product and which element of it ([features + 4, hidden] or [hidden + 4, channels]).
    var first = true;
    var i = 0u;
    var j = 0u;
    if (q < nf * nh) {
        i = q / nh; j = q % nh;
    } else if (q < nf * nh + nh) {
        i = nf; j = q - nf * nh;
    } else {
        first = false;
        q -= nf * nh + nh;
        if (q < nh * p.channels) { i = q / p.channels; j = q % p.channels; } else { i = nh; j = q - nh * p.channels; }
    }
    var acc = 0.0;
    if (first) {
        let m = nf + 4u;
        for (var s = 0u; s < p.slices; s++) { acc += s1[((k * p.slices + s) * m + i) * nh + j]; }
    } else {
        let m = nh + 4u;
        for (var s = 0u; s < p.slices; s++) { acc += s2[((k * p.slices + s) * m + i) * p.channels + j]; }
    }
    grads[id] = acc;
}
