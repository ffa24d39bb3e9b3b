// Shared by the kernels that finish a step of creatures (`train_keep`, `world_keep`), after the
// step kernel wrote every cell's updated alpha, unmasked, to `post` (which the caller declares).

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
