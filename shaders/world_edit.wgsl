// Applies a list of (cell, op) edits in place (host reference: `world::host::edit`): 0 erase,
// 1 wall on, 2 wall off, SEED + s a seed of species s, GRAFT + s a graft onto species s. Erasing
// and walls clear every species (wounds are shared); a seed clears the others; a graft moves the
// state of the species living at the cell to species s.

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> aux: array<f32>;
@group(0) @binding(2) var<storage, read_write> edits: array<u32>;
@group(0) @binding(3) var<storage, read_write> p: WorldParams;

const SEED: u32 = {{ seed }}u;
const GRAFT: u32 = {{ graft }}u;

fn life_channel(l: Layer) -> u32 {
    if ((l.flags & FLAG_MASKING) != 0u) { return ALPHA; }
    return STRIDE - 1u;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 256u;
    if (id >= arrayLength(&edits) / 2u) { return; }
    let cell = edits[id * 2u];
    let op = edits[id * 2u + 1u];
    let cells = p.head.width * p.head.height;
    if (cell >= cells) { return; }
    if (op == 2u) { aux[cell * 2u] = 0.0; return; }
    if (op >= GRAFT) {
        let s = op - GRAFT;
        if (s >= p.head.species) { return; }
        let l = p.layers[s];
        var src_s = p.head.species;
        for (var t = 0u; t < p.head.species; t++) {
            if (t != s && src_s == p.head.species && x[(p.layers[t].base + cell) * STRIDE + life_channel(p.layers[t])] > 0.1) { src_s = t; }
        }
        if (src_s == p.head.species) { return; }
        let src = (p.layers[src_s].base + cell) * STRIDE;
        let dst = (l.base + cell) * STRIDE;
        let n = min(l.channels, p.layers[src_s].channels);
        for (var ch = 0u; ch < STRIDE; ch++) {
            var v = 0.0;
            if (ch < n) { v = x[src + ch]; }
            x[dst + ch] = v;
        }
        for (var ch = 0u; ch < STRIDE; ch++) { x[src + ch] = 0.0; }
        if ((l.flags & FLAG_MASKING) == 0u) { x[dst + STRIDE - 1u] = 1.0; }
        return;
    }
    for (var s = 0u; s < p.head.species; s++) {
        let l = p.layers[s];
        let base = (l.base + cell) * STRIDE;
        for (var ch = 0u; ch < STRIDE; ch++) {
            var v = 0.0;
            if (op >= SEED && s == op - SEED) {
                if ((l.flags & FLAG_MASKING) != 0u) {
                    if (ch >= ALPHA && ch < l.channels) { v = 1.0; }
                } else if (ch == STRIDE - 1u) {
                    v = 1.0;
                }
            }
            x[base + ch] = v;
        }
    }
    if (op == 0u) { aux[cell * 2u + 1u] = 1.0; }
    if (op == 1u) { aux[cell * 2u] = 1.0; }
}
