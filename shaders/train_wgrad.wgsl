// The weight gradients of one step: for each creature, C = A^T B over the rows of its cells, where
// A and B are column ranges of the row buffer `train_back` wrote ([features, 1]^T x gradient of
// hidden gives w1 and b1; [hidden, out_bias]^T x gradient of update gives w2 and b2). WGSL has no
// float atomics, so each creature's tiles are cut into slices of `slice_tiles` and each slice's
// product goes to a slot of its own, added to what earlier steps left there; `train_reduce` sums
// the slots in a fixed order, so the result does not depend on scheduling. A tile's rows are
// packed at the start of its block (`counts` of them): the product runs over the concatenated
// rows of the slice's tiles, in tile order.
// A workgroup computes a BM x BN block of C, each of its 16 x 16 invocations RI x CJ of it, over
// chunks of BK rows staged in workgroup memory: each value loaded from the rows serves several
// products instead of one. The block's shape is the product's (`GemmBlock`). Dispatch: (blocks of
// C, slices, creatures).

@group(0) @binding(0) var<storage, read_write> rows: array<f32>;
@group(0) @binding(1) var<storage, read_write> slots: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: GemmHeader;
// Rows of each tile (`train_back`).
@group(0) @binding(3) var<storage, read_write> counts: array<u32>;

const MAX_SLICE_TILES: u32 = 64u;
const BM: u32 = {{ gemm_bm }}u;
const BN: u32 = {{ gemm_bn }}u;
const RI: u32 = {{ gemm_ri }}u;
const CJ: u32 = {{ gemm_cj }}u;
const BK: u32 = 16u;
const NONE: u32 = 0xffffffffu;

var<workgroup> a_t: array<f32, BK * BM>;
var<workgroup> b_t: array<f32, BK * BN>;
// Where each row of the chunk starts in `rows` (NONE past the slice's last).
var<workgroup> at: array<u32, BK>;
// Where each tile's rows start in the slice's concatenation, and their total.
var<workgroup> starts: array<u32, MAX_SLICE_TILES>;
var<workgroup> total: u32;

// Column `col` (of `cols`) of the range at `first` of the chunk's row k, or zero past the rows or
// the columns.
fn staged(k: u32, first: u32, col: u32, cols: u32) -> f32 {
    let o = at[k];
    if (o == NONE || col >= cols) { return 0.0; }
    return rows[o + first + col];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let blocks_n = (p.n + BN - 1u) / BN;
    let bi = (wg.x / blocks_n) * BM;
    let bj = (wg.x % blocks_n) * BN;
    let slice = wg.y;
    let creature = wg.z;
    let first = creature * p.tiles_per_creature + slice * p.slice_tiles;
    let tiles = min(p.slice_tiles, (creature + 1u) * p.tiles_per_creature - first);
    // This invocation's outputs: rows i0 .. i0 + RI - 1, columns j0 .. j0 + CJ - 1 of C.
    let i0 = bi + RI * lid.y;
    let j0 = bj + CJ * lid.x;
    let slot = (creature * p.slices + slice) * p.m;
    if (li == 0u) {
        var n = 0u;
        for (var k = 0u; k < tiles; k++) {
            starts[k] = n;
            n += counts[first + k];
        }
        total = n;
    }
    let n = workgroupUniformLoad(&total);
    var acc: array<f32, RI * CJ>;
    // The tile holding this invocation's row of the chunk (the first BK invocations find the
    // rows), found by walking forward.
    var tk = 0u;
    for (var r0 = 0u; r0 < n; r0 += BK) {
        if (li < BK) {
            let r = r0 + li;
            var o = NONE;
            if (r < n) {
                while (tk + 1u < tiles && starts[tk + 1u] <= r) { tk += 1u; }
                o = ((first + tk) * p.tile_rows + r - starts[tk]) * p.row_width;
            }
            at[li] = o;
        }
        workgroupBarrier();
        for (var e = li; e < BK * BM; e += 256u) { a_t[e] = staged(e / BM, p.a_col, bi + e % BM, p.m); }
        for (var e = li; e < BK * BN; e += 256u) { b_t[e] = staged(e / BN, p.b_col, bj + e % BN, p.n); }
        workgroupBarrier();
        for (var k = 0u; k < BK; k++) {
            var b: array<f32, CJ>;
            for (var s = 0u; s < CJ; s++) { b[s] = b_t[k * BN + CJ * lid.x + s]; }
            for (var q = 0u; q < RI; q++) {
                let a = a_t[k * BM + RI * lid.y + q];
                for (var s = 0u; s < CJ; s++) { acc[q * CJ + s] += a * b[s]; }
            }
        }
        workgroupBarrier();
    }
    // A slice where nothing ran adds nothing (and its slot starts at zero).
    if (n == 0u && p.accumulate != 0u) { return; }
    for (var q = 0u; q < RI; q++) {
        for (var s = 0u; s < CJ; s++) {
            let i = i0 + q;
            let j = j0 + s;
            if (i < p.m && j < p.n) {
                let o = (slot + i) * p.n + j;
                let v = acc[q * CJ + s];
                if (p.accumulate != 0u) { slots[o] += v; } else { slots[o] = v; }
            }
        }
    }
}
