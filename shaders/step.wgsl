// One step of a batch of layers with rules, a tile of one layer per workgroup (dispatch: tiles in
// x, tiles in y, layers): the step of the sandbox world (`head.world` = 1: its species, which
// close cells to one another, and its walls), of a simulation and of a training batch (0: layers
// on their own, each sample's cells kept or killed written to `life` for the backward pass; the
// fire mask is not kept, it is a hash the backward pass draws again). It reads a step's state and
// writes the next one's.
//
// A creature (alive masking) updates the cells that fire near life and keeps those alive before;
// `step_keep` then kills those with no updated alpha over the threshold around them (`post`, this
// step's updated alpha of every cell, unmasked). In the world a texture updates the cells of its
// territory that fire and the territory spreads to neighbours that fire; a cell alive for another
// species (3x3 maximum of its alpha, or of a texture's territory, over the threshold) or a wall
// keeps nothing. A layer past its own rollout (`steps`) holds still (a batch of creatures rolled
// out for different numbers of steps). The host references: `world::host::step` and
// `nca::host_kernel::step_grid`.

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> aux: array<f32>;
@group(0) @binding(3) var<storage, read_write> wts: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> p: StepParams;
@group(0) @binding(5) var<storage, read_write> post: array<f32>;
@group(0) @binding(6) var<storage, read_write> life: array<u32>;

fn grid_cell(y: i32, xx: i32) -> i32 {
    return cell_on(y, xx, i32(p.head.width), i32(p.head.height), p.head.wrap != 0u);
}

// The channel that says where a world's layer lives.
fn life_channel(l: Layer) -> u32 {
    if ((l.flags & FLAG_MASKING) != 0u) { return ALPHA; }
    return STRIDE - 1u;
}

// Is another species than `s` alive at (y, x)?
fn closed(s: u32, y: i32, xx: i32) -> bool {
    for (var t = 0u; t < p.head.layers; t++) {
        if (t == s) { continue; }
        let lt = p.layers[t];
        let ch = life_channel(lt);
        for (var k = 0; k < 9; k++) {
            let c = grid_cell(y + k / 3 - 1, xx + k % 3 - 1);
            if (c >= 0 && x[(lt.base + u32(c)) * STRIDE + ch] > ALIVE) { return true; }
        }
    }
    return false;
}

@compute @workgroup_size({{ tile }}, {{ tile }}, {{ lanes }})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) gi: u32) {
    let s = wg.z;
    let l = p.layers[s];
    let w = i32(p.head.width);
    let h = i32(p.head.height);
    let wrap = p.head.wrap != 0u;
    let world = p.head.world != 0u;
    let masking = (l.flags & FLAG_MASKING) != 0u;
    let ty0 = i32(wg.y * TILE);
    let tx0 = i32(wg.x * TILE);
    let still = p.head.step >= l.steps;
    load_tile(l.base, ty0, tx0, gi, w, h, wrap);
    workgroupBarrier();
    mark_alive(l, gi, world);
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
    let local = u32(y * w + xx);
    let cell = l.base + local;
    let qy = lid.y + 1u;
    let qx = lid.x + 1u;
    let alive = pre[qy * Q + qx] != 0u;
    var keep = !masking || still || alive;
    if (world) {
        keep = aux[local * 2u] == 0.0;
        if (masking) {
            keep = keep && alive;
        } else {
            var reach = false;
            for (var d = 0u; d < 9u; d++) { reach = reach || pre[(qy + d / 3u - 1u) * Q + qx + d % 3u - 1u] != 0u; }
            let firing = fires(l.seed, p.head.step, l.stream, local, l.fire_rate);
            keep = keep && (alive || (reach && firing));
        }
        keep = keep && !closed(s, y, xx);
    }
    for (var ch = 0u; ch < STRIDE; ch++) { out[cell * STRIDE + ch] = select(0.0, updated(lid.y, lid.x, ch), keep); }
    if (world && keep && !masking) { out[cell * STRIDE + STRIDE - 1u] = 1.0; }
    post[cell] = updated(lid.y, lid.x, ALPHA);
    if (!world) { life[cell] = select(0u, 1u, keep); }
}
