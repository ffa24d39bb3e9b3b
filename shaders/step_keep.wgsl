// The second half of a step (after `step`): a creature's cell that was kept dies where no updated
// alpha around it is over the threshold; its state is zeroed and, outside the world, its kept-cell
// mask cleared (in the world, zeroing a cell the step already killed changes nothing). Textures
// have no such rule. Dispatch: cells of a grid in x (256 per workgroup, rows of workgroups in y
// past 65,535 of them), layers in z.

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> life: array<u32>;
@group(0) @binding(2) var<storage, read_write> post: array<f32>;
@group(0) @binding(3) var<storage, read_write> p: StepParams;

// Whether cell (y, x) of the layer at cell `base` lives on: the 3x3 maximum of the updated alpha
// around it over the threshold (nothing beyond a zero border).
fn alive_after(base: u32, y: i32, xx: i32, w: i32, h: i32, wrap: bool) -> bool {
    var m = 0.0;
    for (var d = 0; d < 9; d++) {
        let c = cell_on(y + d / 3 - 1, xx + d % 3 - 1, w, h, wrap);
        if (c >= 0) { m = max(m, post[base + u32(c)]); }
    }
    return m > ALIVE;
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>) {
    let l = p.layers[wg.z];
    let w = p.head.width;
    let world = p.head.world != 0u;
    let local = gid.y * nwg.x * 256u + gid.x;
    if (local >= w * p.head.height || (l.flags & FLAG_MASKING) == 0u || p.head.step >= l.steps) { return; }
    let cell = l.base + local;
    if ((!world && life[cell] == 0u) || alive_after(l.base, i32(local / w), i32(local % w), i32(w), i32(p.head.height), p.head.wrap != 0u)) {
        return;
    }
    for (var ch = 0u; ch < STRIDE; ch++) { out[cell * STRIDE + ch] = 0.0; }
    if (!world) { life[cell] = 0u; }
}
