// Composes the species layers into one RGBA8 image for display (rows padded to the copy
// alignment) and fades the wound flash (unless the header asks for a plain snapshot). Host
// reference: `world::host::pack`. Views: 0 colour over the light background, 1 alpha, 2 one
// channel as a blue-white-red heat map.

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> aux: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: WorldParams;
@group(0) @binding(3) var<storage, read_write> img: array<u32>;

fn to_byte(v: f32) -> u32 { return u32(clamp(v, 0.0, 1.0) * 255.0 + 0.5); }

// A species' colour at a cell, premultiplied: a creature's first four channels, a texture's first
// three plus 0.5 over its territory.
fn colour(l: Layer, base: u32) -> vec4<f32> {
    if ((l.flags & FLAG_RGB_OFFSET) != 0u) {
        let a = clamp(x[base + STRIDE - 1u], 0.0, 1.0);
        let rgb = clamp(vec3<f32>(x[base], x[base + 1u], x[base + 2u]) + 0.5, vec3<f32>(0.0), vec3<f32>(1.0));
        return vec4<f32>(rgb * a, a);
    }
    return vec4<f32>(x[base], x[base + 1u], x[base + 2u], x[base + 3u]);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 256u;
    let w = p.head.width;
    let cells = w * p.head.height;
    if (id >= cells) { return; }
    var rgba = vec4<f32>(0.0);
    var chan = 0.0;
    for (var s = 0u; s < p.head.species; s++) {
        let base = (p.layers[s].base + id) * STRIDE;
        rgba += colour(p.layers[s], base);
        chan += x[base + p.head.view_channel];
    }
    let a = clamp(rgba.a, 0.0, 1.0);
    let bg = vec3<f32>(0.97, 0.97, 0.95);
    var col = vec3<f32>(0.0);
    if (p.head.view == 0u) {
        col = clamp(rgba.rgb, vec3<f32>(0.0), vec3<f32>(1.0)) + (1.0 - a) * bg;
    } else if (p.head.view == 1u) {
        col = vec3<f32>(1.0 - a);
    } else {
        let t = clamp(chan, -1.0, 1.0);
        if (t >= 0.0) { col = mix(bg, vec3<f32>(0.85, 0.1, 0.1), t); } else { col = mix(bg, vec3<f32>(0.1, 0.25, 0.85), -t); }
    }
    if (aux[id * 2u] != 0.0) { col = vec3<f32>(0.28, 0.28, 0.32); }
    let fl = aux[id * 2u + 1u];
    if (p.head.snapshot != 0u) {
        // A snapshot: the world alone, no flash, nothing faded.
    } else if (p.head.calm != 0u) {
        if (fl != 0.0) { aux[id * 2u + 1u] = 0.0; }
    } else if (fl > 0.01) {
        col = mix(col, vec3<f32>(1.0, 0.35, 0.2), 0.6 * fl);
        aux[id * 2u + 1u] = fl * 0.85;
    } else if (fl != 0.0) {
        aux[id * 2u + 1u] = 0.0;
    }
    img[(id / w) * p.head.row_stride + id % w] = to_byte(col.r) | (to_byte(col.g) << 8u) | (to_byte(col.b) << 16u) | (255u << 24u);
}
