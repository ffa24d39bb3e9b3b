// Applies a list of (cell, op) edits in place: 0 erase, 1 wall on, 2 wall off, 3 + s seed of
// species s. Erasing and walls clear every species (wounds are shared); a seed clears the others.

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> aux: array<f32>;
@group(0) @binding(2) var<storage, read_write> edits: array<u32>;
@group(0) @binding(3) var<storage, read_write> p: array<u32>;

{{common}}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 256u;
    if (id >= arrayLength(&edits) / 2u) { return; }
    let cell = edits[id * 2u];
    let op = edits[id * 2u + 1u];
    let cells = p[0] * p[1];
    if (cell >= cells) { return; }
    if (op == 2u) { aux[cell * 2u] = 0.0; return; }
    for (var s = 0u; s < p[2]; s++) {
        let base = (s * cells + cell) * CH;
        for (var c = 0u; c < CH; c++) {
            var v = 0.0;
            if (op >= 3u && s == op - 3u && c >= 3u) { v = 1.0; }
            x[base + c] = v;
        }
    }
    if (op == 0u) { aux[cell * 2u + 1u] = 1.0; }
    if (op == 1u) { aux[cell * 2u] = 1.0; }
}
