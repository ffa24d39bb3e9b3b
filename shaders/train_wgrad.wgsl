// The weight gradients of one step: for each creature, C = A^T B over the rows of its cells, where
// A and B are column ranges of the row buffer `train_back` wrote ([features, 1]^T x gradient of
// hidden gives w1 and b1; [hidden, out_bias]^T x gradient of update gives w2 and b2). WGSL has no
// float atomics, so the rows are cut into `slices` and each slice's product goes to a slot of its
// own, added to what earlier steps left there; `train_reduce` sums the slots in a fixed order, so
// the result does not depend on scheduling. Dispatch: (16x16 blocks of C, slices, creatures).

@group(0) @binding(0) var<storage, read_write> rows: array<f32>;
@group(0) @binding(1) var<storage, read_write> slots: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: GemmHeader;
// Cells of each slice that ran the network this step (`train_back`): a slice without any adds
// nothing.
@group(0) @binding(3) var<storage, read_write> busy: array<u32>;

var<workgroup> a_t: array<f32, 256>;
var<workgroup> b_t: array<f32, 256>;
var<workgroup> busy_n: u32;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let blocks_n = (p.n + 15u) / 16u;
    let bi = (wg.x / blocks_n) * 16u;
    let bj = (wg.x % blocks_n) * 16u;
    let slice = wg.y;
    let creature = wg.z;
    let first = creature * p.rows_per_creature + slice * p.slice_len;
    let end = min(first + p.slice_len, (creature + 1u) * p.rows_per_creature);
    let ty = lid.y;
    let tx = lid.x;
    let i = bi + ty;
    let j = bj + tx;
    let o = ((creature * p.slices + slice) * p.m + i) * p.n + j;
    if (ty == 0u && tx == 0u) { busy_n = busy[creature * p.slices + slice]; }
    if (workgroupUniformLoad(&busy_n) == 0u) {
        if (p.accumulate == 0u && i < p.m && j < p.n) { slots[o] = 0.0; }
        return;
    }
    var acc = 0.0;
    for (var r0 = first; r0 < end; r0 += 16u) {
        let r = r0 + ty;
        var av = 0.0;
        var bv = 0.0;
        if (r < end) {
            if (bi + tx < p.m) { av = rows[r * p.row_width + p.a_col + bi + tx]; }
            if (bj + tx < p.n) { bv = rows[r * p.row_width + p.b_col + bj + tx]; }
        }
        a_t[ty * 16u + tx] = av;
        b_t[ty * 16u + tx] = bv;
        workgroupBarrier();
        for (var k = 0u; k < 16u; k++) {
            acc += a_t[k * 16u + ty] * b_t[k * 16u + tx];
        }
        workgroupBarrier();
    }
    if (i < p.m && j < p.n) {
        if (p.accumulate != 0u) { slots[o] += acc; } else { slots[o] = acc; }
    }
}
