// One step of one species of the sandbox world, a tile per workgroup (dispatch: tiles in x, tiles
// in y, species). A creature (alive masking) updates the cells that fire near life and keeps
// those alive before and after; a texture updates the cells of its territory that fire, and the
// territory spreads to neighbours that fire. A cell alive for another species (3x3 maximum of its
// alpha, or of a texture's territory, over the threshold) or a wall keeps nothing. The host
// reference is `world::host::step`. A creature's cells are kept here on what the step itself
// tells (alive before, no wall, no other species); `world_keep` then kills those with no updated
// alpha over the threshold around them (`post`: every cell's, unmasked, written here).

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> aux: array<f32>;
@group(0) @binding(3) var<storage, read_write> wts: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> p: WorldParams;
@group(0) @binding(5) var<storage, read_write> post: array<f32>;

fn grid_cell(y: i32, xx: i32) -> i32 {
    return cell_on(y, xx, i32(p.head.width), i32(p.head.height), p.head.wrap != 0u);
}

// The channel that says where a layer lives.
fn life_channel(l: Layer) -> u32 {
    if ((l.flags & FLAG_MASKING) != 0u) { return ALPHA; }
    return STRIDE - 1u;
}

// Is another species than `s` alive at (y, x)?
fn closed(s: u32, y: i32, xx: i32) -> bool {
    for (var t = 0u; t < p.head.species; t++) {
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
    let masking = (l.flags & FLAG_MASKING) != 0u;
    let ty0 = i32(wg.y * TILE);
    let tx0 = i32(wg.x * TILE);
    let wrap = p.head.wrap != 0u;
    load_tile(l.base, ty0, tx0, gi, w, h, wrap);
    workgroupBarrier();
    mark_alive(l, gi, true);
    workgroupBarrier();
    list_work(l, gi, ty0, tx0, w, h, wrap, p.head.seed, p.head.step, false);
    workgroupBarrier();
    // (It ends with a barrier.)
    run_work(l, gi);

    // Each invocation writes its own tile cell.
    // The cell's first lane writes it.
    if (lid.z != 0u) { return; }
    let y = ty0 + i32(lid.y);
    let xx = tx0 + i32(lid.x);
    if (y >= h || xx >= w) { return; }
    let cell = u32(y * w + xx);
    let qy = lid.y + 1u;
    let qx = lid.x + 1u;
    var keep = aux[cell * 2u] == 0.0;
    if (masking) {
        keep = keep && pre[qy * Q + qx] != 0u;
        post[l.base + cell] = updated(lid.y, lid.x, ALPHA);
    } else {
        var reach = false;
        for (var d = 0u; d < 9u; d++) { reach = reach || pre[(qy + d / 3u - 1u) * Q + qx + d % 3u - 1u] != 0u; }
        let firing = fires(p.head.seed, p.head.step, l.stream, cell, l.fire_rate);
        keep = keep && (pre[qy * Q + qx] != 0u || (reach && firing));
    }
    keep = keep && !closed(s, y, xx);
    let o = (l.base + cell) * STRIDE;
    for (var ch = 0u; ch < STRIDE; ch++) { out[o + ch] = select(0.0, updated(lid.y, lid.x, ch), keep); }
    if (keep && !masking) { out[o + STRIDE - 1u] = 1.0; }
}
