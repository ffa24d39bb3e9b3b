// The second half of a world step (after `world_step`): a creature's cell dies where no updated
// alpha around it is over the threshold (its state zeroed; zeroing a cell the step already killed
// changes nothing). Textures have no such rule. Dispatch: cells in x (256 per workgroup, rows of
// workgroups in y past 65,535 of them), species in z.

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> post: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: WorldParams;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>) {
    let l = p.layers[wg.z];
    let w = p.head.width;
    let h = p.head.height;
    let cell = gid.y * nwg.x * 256u + gid.x;
    if (cell >= w * h || (l.flags & FLAG_MASKING) == 0u) { return; }
    if (alive_after(l.base, i32(cell / w), i32(cell % w), i32(w), i32(h), p.head.wrap != 0u)) { return; }
    let o = (l.base + cell) * STRIDE;
    for (var ch = 0u; ch < STRIDE; ch++) { out[o + ch] = 0.0; }
}
