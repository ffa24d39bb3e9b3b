// One forward step of a training batch, a tile of one sample per workgroup (dispatch: tiles in x,
// tiles in y, samples). Each sample is a layer with its own rule (several creatures train in one
// dispatch). It reads step t's state and writes step t+1's, and the mask of cells kept (1) or
// killed (0) at this step, which the backward pass needs; the fire mask is not kept, it is a hash
// the backward pass draws again. A creature's cells alive before are kept here and `train_keep`
// then kills those with no updated alpha over the threshold around them (`post`, this step's
// updated alpha of every cell, unmasked). The host reference is `nca::host_kernel::step_grid`.

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> life: array<u32>;
@group(0) @binding(3) var<storage, read_write> wts: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> p: TrainParams;
@group(0) @binding(5) var<storage, read_write> post: array<f32>;

@compute @workgroup_size({{ tile }}, {{ tile }}, {{ lanes }})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) gi: u32) {
    let l = p.layers[wg.z];
    let w = i32(p.head.width);
    let h = i32(p.head.height);
    let wrap = p.head.wrap != 0u;
    let masking = (l.flags & FLAG_MASKING) != 0u;
    let ty0 = i32(wg.y * TILE);
    let tx0 = i32(wg.x * TILE);
    // Past its own rollout a layer holds still (a batch of creatures rolled out for different
    // numbers of steps).
    let still = p.head.step >= l.steps;
    load_tile(l.base, ty0, tx0, gi, w, h, wrap);
    workgroupBarrier();
    mark_alive(l, gi, false);
    workgroupBarrier();
    list_work(l, gi, ty0, tx0, w, h, wrap, l.seed, p.head.step, still);
    workgroupBarrier();
    // (It ends with a barrier.)
    run_work(l, gi);

    // The cell's first lane writes it.
    if (lid.z != 0u) { return; }
    let y = ty0 + i32(lid.y);
    let xx = tx0 + i32(lid.x);
    if (y >= h || xx >= w) { return; }
    let cell = l.base + u32(y * w + xx);
    let keep = !masking || still || pre[(lid.y + 1u) * Q + lid.x + 1u] != 0u;
    for (var ch = 0u; ch < STRIDE; ch++) {
        out[cell * STRIDE + ch] = select(0.0, updated(lid.y, lid.x, ch), keep);
    }
    post[cell] = updated(lid.y, lid.x, ALPHA);
    life[cell] = select(0u, 1u, keep);
}
