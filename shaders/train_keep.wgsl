// The second half of a forward step of a training batch (after `train_step`): a creature's cell
// that was kept for being alive before dies where no updated alpha around it is over the
// threshold; its state is zeroed and its kept-cell mask cleared. Dispatch: cells of a grid in
// x (256 per workgroup, rows of workgroups in y past 65,535 of them), samples in z.

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> life: array<u32>;
@group(0) @binding(2) var<storage, read_write> post: array<f32>;
@group(0) @binding(3) var<storage, read_write> p: TrainParams;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>) {
    let l = p.layers[wg.z];
    let w = p.head.width;
    let local = gid.y * nwg.x * 256u + gid.x;
    if (local >= w * p.head.height || (l.flags & FLAG_MASKING) == 0u || p.head.step >= l.steps) { return; }
    let cell = l.base + local;
    if (life[cell] == 0u || alive_after(l.base, i32(local / w), i32(local % w), i32(w), i32(p.head.height), p.head.wrap != 0u)) {
        return;
    }
    for (var ch = 0u; ch < STRIDE; ch++) { out[cell * STRIDE + ch] = 0.0; }
    life[cell] = 0u;
}
