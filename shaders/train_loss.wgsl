// The paper's loss at the end of a rollout, one workgroup per sample: the mean squared error of
// RGBA against its creature's target, and its gradient with respect to the state (zero beyond
// RGBA). Each sample's share of its creature's mean goes to `loss[sample]`. Host reference:
// `train::host_grad::rgba_mse`.

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> target_rgba: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> p: TrainParams;

var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let s = wg.x;
    let per = p.head.width * p.head.height;
    let creature = s / p.head.per_creature;
    let count = f32(p.head.per_creature * per * 4u);
    let base = p.layers[s].base;
    var acc = 0.0;
    for (var i = li; i < per; i += 256u) {
        let o = (base + i) * STRIDE;
        let t = (creature * per + i) * 4u;
        for (var ch = 0u; ch < STRIDE; ch++) {
            var gv = 0.0;
            if (ch < 4u) {
                let d = x[o + ch] - target_rgba[t + ch];
                acc += d * d;
                gv = 2.0 * d / count;
            }
            g[o + ch] = gv;
        }
    }
    part[li] = acc;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride /= 2u) {
        if (li < stride) { part[li] += part[li + stride]; }
        workgroupBarrier();
    }
    if (li == 0u) { loss[s] = part[0] / count; }
}
