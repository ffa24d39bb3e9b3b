//! The parameter blocks our WGSL kernels read, defined once here: each is a `#[repr(C)]` struct of
//! 32-bit fields, written to the GPU as bytes with bytemuck, and declared to the WGSL by the text
//! [`gpu_struct!`] generates from the same definition (every kernel's source is prefixed with
//! [`wgsl_prelude`]). Scalars only, so the layout is the same on both sides.

/// A `#[repr(C)]` struct of `u32` / `f32` fields with its WGSL twin in `Self::WGSL`.
#[macro_export]
macro_rules! gpu_struct {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ident),* $(,)? }) => {
        $(#[$m])*
        #[repr(C)]
        #[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
        pub struct $name { $($(#[$fm])* pub $field: $ty),* }
        impl $name {
            /// The same struct, declared in WGSL.
            pub const WGSL: &'static str =
                concat!("struct ", stringify!($name), " {\n", $("    ", stringify!($field), ": ", stringify!($ty), ",\n",)* "}\n");
        }
    };
}

gpu_struct!(
    /// One layer of state a step kernel updates with one rule: a species of the sandbox world, or a
    /// sample of a training batch.
    Layer {
        /// Offset of the layer's first cell, in cells of `STRIDE` floats.
        base: u32,
        /// Offset of its rule in the weights buffer (floats): w1, b1, w2, b2 of its spec.
        weights: u32,
        channels: u32,
        hidden: u32,
        /// Perception filters, bit i for `Filter::ALL[i]`.
        filters: u32,
        /// `FLAG_*` bits.
        flags: u32,
        fire_rate: f32,
        /// The perception angle, as the turn of the gradient pair.
        cos: f32,
        sin: f32,
        /// The fire mask's stream (species or sample).
        stream: u32,
        /// Training: the fire mask's seed, and the steps of this layer's rollout (a layer whose
        /// rollout is shorter than the batch's holds still, and passes gradients through, after
        /// it). The world's kernels use neither.
        seed: u32,
        steps: u32,
    }
);

/// The rule masks cells by the 3x3 maximum of alpha (the growing creature).
pub const FLAG_MASKING: u32 = 1;
/// The rule's last layer has a bias.
pub const FLAG_OUT_BIAS: u32 = 2;
/// Colour is channels 0..3 + 0.5 (a texture); otherwise premultiplied RGBA.
pub const FLAG_RGB_OFFSET: u32 = 4;

/// Floats per cell in every state buffer a kernel reads: the most channels a spec may have.
pub const STRIDE: u32 = crate::nca::spec::MAX_CHANNELS as u32;

impl Layer {
    /// A layer for a rule of `spec` at cell offset `base`, weights at `weights`.
    pub fn new(spec: &crate::nca::ModelSpec, base: u32, weights: u32, fire_rate: f32, angle: f32, stream: u32) -> Self {
        let (sin, cos) = angle.sin_cos();
        let flags = (spec.alive_masking as u32 * FLAG_MASKING)
            | (spec.out_bias as u32 * FLAG_OUT_BIAS)
            | ((spec.colour == crate::nca::Colour::RgbOffset) as u32 * FLAG_RGB_OFFSET);
        Layer {
            base,
            weights,
            channels: spec.channels as u32,
            hidden: spec.hidden as u32,
            filters: spec.filters.bits(),
            flags,
            fire_rate,
            cos,
            sin,
            stream,
            ..Default::default()
        }
    }
}

impl Layer {
    /// The spec this layer was made from.
    pub fn spec(&self) -> crate::nca::ModelSpec {
        crate::nca::ModelSpec {
            channels: self.channels as usize,
            filters: crate::nca::Filters::from_bits(self.filters),
            hidden: self.hidden as usize,
            out_bias: self.flags & FLAG_OUT_BIAS != 0,
            alive_masking: self.flags & FLAG_MASKING != 0,
            colour: if self.flags & FLAG_RGB_OFFSET != 0 {
                crate::nca::Colour::RgbOffset
            } else {
                crate::nca::Colour::Rgba
            },
        }
    }
}

/// Side of a step kernel's tile (the world's, a simulation's, a training batch's, forward and
/// back): 64 invocations, and workgroup memory (the tile with its halo, the updates, the work list:
/// about 14.5 KiB) within WebGPU's default 16 KiB, so that every adapter runs them.
pub const TILE: u32 = 8;

/// Features per cell: four filters of at most `STRIDE` channels (the per-cell feature arrays of
/// the kernels, and the feature-gradient buffer's row).
pub const MAX_F: u32 = 4 * STRIDE;

/// What every kernel's source starts with: the constants the Rust side defines (the state's stride,
/// the layer flags, the filter bits, the tile, the alive threshold), the [`Layer`] struct, then
/// `structs`.
pub fn wgsl_prelude(structs: &[&str]) -> String {
    use crate::nca::spec::{ALIVE_THRESHOLD, ALPHA, Filter};
    let sobel = Filter::SobelX.bit() | Filter::SobelY.bit();
    let consts: [(&str, &str, String); 10] = [
        ("STRIDE", "u32", format!("{STRIDE}u")),
        ("MAX_F", "u32", format!("{MAX_F}u")),
        ("TILE", "u32", format!("{TILE}u")),
        ("FLAG_MASKING", "u32", format!("{FLAG_MASKING}u")),
        ("FLAG_OUT_BIAS", "u32", format!("{FLAG_OUT_BIAS}u")),
        ("FLAG_RGB_OFFSET", "u32", format!("{FLAG_RGB_OFFSET}u")),
        // Both Sobel bits: the pair is on or off together.
        ("FILTER_SOBEL", "u32", format!("{sobel}u")),
        ("FILTER_LAPLACIAN", "u32", format!("{}u", Filter::Laplacian.bit())),
        ("ALIVE", "f32", format!("{ALIVE_THRESHOLD:?}")),
        ("ALPHA", "u32", format!("{ALPHA}u")),
    ];
    let mut s: String = consts.iter().map(|(name, ty, v)| format!("const {name}: {ty} = {v};\n")).collect();
    s.push_str(Layer::WGSL);
    for st in structs {
        s.push_str(st);
    }
    s
}

/// A kernel's source: the prelude with `structs`, `shaders/common.wgsl`, the shared `files`, then
/// its `own` file; one lane a cell unless launched as a `lanes::Spread`, and a linear kernel's
/// workgroup 256 wide unless launched as a `train_kernels::Grouped`.
pub fn wgsl_template(structs: &[&str], files: &[&str], own: &str) -> burn_wgpu::SourceTemplate {
    let mut t =
        burn_wgpu::SourceTemplate::new(wgsl_prelude(structs)).add_template(include_str!("../../shaders/common.wgsl"));
    for f in files {
        t = t.add_template(*f);
    }
    t.add_template(own).register("tile", TILE.to_string()).register("lanes", "1").register("group", "256")
}
