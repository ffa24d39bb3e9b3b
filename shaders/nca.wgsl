// The tiled NCA step, shared by the world's step kernel and the training kernels. A workgroup owns
// a TILE x TILE block of one layer (a species, or a sample of a batch) and copies the block with a
// halo of two cells into workgroup memory: enough to perceive every cell within one of the tile,
// whose updated alpha decides the tile's alive-after mask. Weights are read four at a time from
// `wts` (array<vec4<f32>>); every invocation of a workgroup reads the same weight at the same time,
// so the reads broadcast. The caller declares `wts` and the Layer struct.

const TILE: u32 = {{ tile }}u;
// The loaded region (halo 2) and the region whose updates are computed (halo 1).
const R: u32 = TILE + 4u;
const Q: u32 = TILE + 2u;

var<workgroup> xs: array<f32, R * R * STRIDE>;

fn xs_at(ry: u32, rx: u32, ch: u32) -> f32 {
    return xs[(ry * R + rx) * STRIDE + ch];
}

// The perception features of the region cell (ry, rx) (1 <= ry, rx <= R - 2) into f: one band of
// `channels` features per filter of the layer, in the order identity, Sobel-x, Sobel-y, Laplacian,
// the Sobel pair turned by the layer's angle. Returns the number of features.
fn perceive(l: Layer, ry: u32, rx: u32, f: ptr<function, array<f32, MAX_F>>) -> u32 {
    let c = l.channels;
    var band = 1u;
    for (var ch = 0u; ch < c; ch++) {
        (*f)[ch] = xs_at(ry, rx, ch);
    }
    if ((l.filters & 6u) == 6u) {
        for (var ch = 0u; ch < c; ch++) {
            let v0 = xs_at(ry - 1u, rx - 1u, ch);
            let v1 = xs_at(ry - 1u, rx, ch);
            let v2 = xs_at(ry - 1u, rx + 1u, ch);
            let v3 = xs_at(ry, rx - 1u, ch);
            let v5 = xs_at(ry, rx + 1u, ch);
            let v6 = xs_at(ry + 1u, rx - 1u, ch);
            let v7 = xs_at(ry + 1u, rx, ch);
            let v8 = xs_at(ry + 1u, rx + 1u, ch);
            let gx = ((v2 - v0) + 2.0 * (v5 - v3) + (v8 - v6)) * 0.125;
            let gy = ((v6 + 2.0 * v7 + v8) - (v0 + 2.0 * v1 + v2)) * 0.125;
            (*f)[c + ch] = gx * l.cos - gy * l.sin;
            (*f)[2u * c + ch] = gx * l.sin + gy * l.cos;
        }
        band = 3u;
    }
    if ((l.filters & 8u) != 0u) {
        for (var ch = 0u; ch < c; ch++) {
            let corners = xs_at(ry - 1u, rx - 1u, ch) + xs_at(ry - 1u, rx + 1u, ch) + xs_at(ry + 1u, rx - 1u, ch) + xs_at(ry + 1u, rx + 1u, ch);
            let edges = xs_at(ry - 1u, rx, ch) + xs_at(ry, rx - 1u, ch) + xs_at(ry, rx + 1u, ch) + xs_at(ry + 1u, rx, ch);
            (*f)[band * c + ch] = (corners + 2.0 * edges - 12.0 * xs_at(ry, rx, ch)) * 0.0625;
        }
        band += 1u;
    }
    return band * c;
}

// The rule on one cell's features: d = W2 relu(W1 f + b1) + b2, in groups of four channels.
fn mlp(l: Layer, nf: u32, f: ptr<function, array<f32, MAX_F>>, d: ptr<function, array<vec4<f32>, 4>>) {
    let h4 = l.hidden / 4u;
    let c4 = l.channels / 4u;
    let w1 = l.weights / 4u;
    let b1 = w1 + nf * h4;
    let w2 = b1 + h4;
    let b2 = w2 + l.hidden * c4;
    for (var k = 0u; k < 4u; k++) {
        (*d)[k] = vec4<f32>(0.0);
        if (k < c4 && (l.flags & FLAG_OUT_BIAS) != 0u) { (*d)[k] = wts[b2 + k]; }
    }
    for (var j4 = 0u; j4 < h4; j4++) {
        var a = wts[b1 + j4];
        for (var i = 0u; i < nf; i++) {
            a += (*f)[i] * wts[w1 + i * h4 + j4];
        }
        a = max(a, vec4<f32>(0.0));
        let row = w2 + 4u * j4 * c4;
        for (var k = 0u; k < c4; k++) {
            (*d)[k] += a.x * wts[row + k] + a.y * wts[row + c4 + k] + a.z * wts[row + 2u * c4 + k] + a.w * wts[row + 3u * c4 + k];
        }
    }
}

fn lane(d: ptr<function, array<vec4<f32>, 4>>, ch: u32) -> f32 {
    return (*d)[ch / 4u][ch % 4u];
}
