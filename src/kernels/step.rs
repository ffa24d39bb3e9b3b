//! The one forward step of our WGSL (`shaders/step.wgsl`, then `shaders/step_keep.wgsl`): the
//! sandbox world's, a simulation's and a training batch's, each a batch of layers with rules
//! described by one parameter block ([`StepHeader`] and a [`Layer`] per layer).

use burn_cubecl::cubecl::CubeCount;
use burn_cubecl::cubecl::prelude::KernelId;
use burn_cubecl::cubecl::server::Handle;
use burn_wgpu::{CubeDim, KernelSource, SourceTemplate};

use crate::gpu_struct;
use crate::kernels::lanes::{self, Spread};
use crate::kernels::launch::{Ct, bytes_handle, launch, layered_count, time_alone};
use crate::kernels::layout::{Layer, TILE, wgsl_template};
use crate::kernels::tune::{self, Class, Family, Variant};

gpu_struct!(
    /// A step's batch of layers as the step kernels see it.
    StepHeader {
        width: u32,
        height: u32,
        /// 1: the edges join.
        wrap: u32,
        /// The step being run (the fire masks' seeds are the layers').
        step: u32,
        layers: u32,
        /// 1: the sandbox world (species close cells to one another, walls in `aux`, a texture
        /// keeps a territory); 0: layers on their own, the kept cells written to `life`.
        world: u32,
        _pad0: u32,
        _pad1: u32,
    }
);

/// The step kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKernel {
    /// Perception, the network and the fire masks of every layer, a tile per workgroup.
    Step,
    /// The second half of a step: a creature's cells with no updated alpha around them die.
    Keep,
}

impl StepKernel {
    pub const ALL: [StepKernel; 2] = [StepKernel::Step, StepKernel::Keep];
}

impl KernelSource for StepKernel {
    fn source(&self) -> SourceTemplate {
        // What both bind: the header and a layer per layer.
        let params = "struct StepParams {\n    head: StepHeader,\n    layers: array<Layer>,\n}\n";
        let (files, own): (&[&str], &str) = match self {
            StepKernel::Step => (&[include_str!("../../shaders/nca.wgsl")], include_str!("../../shaders/step.wgsl")),
            StepKernel::Keep => (&[], include_str!("../../shaders/step_keep.wgsl")),
        };
        wgsl_template(&[StepHeader::WGSL, params], files, own)
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(*self as u32)
    }
}

/// The parameter block: the header, then the layers.
pub fn params(head: StepHeader, layers: &[Layer]) -> Vec<u8> {
    let mut b = bytemuck::bytes_of(&head).to_vec();
    b.extend_from_slice(bytemuck::cast_slice(layers));
    // A storage binding may not be empty: a batch without layers still binds one.
    if layers.is_empty() {
        b.extend_from_slice(bytemuck::bytes_of(&Layer::default()));
    }
    b
}

/// The buffers of one step.
pub struct StepBuffers {
    pub from: Handle,
    pub out: Handle,
    /// The world's walls and flash (`[H, W, 2]`); any buffer outside the world.
    pub aux: Handle,
    pub weights: Handle,
    /// Every cell's updated alpha, between the two dispatches.
    pub post: Handle,
    /// The kept-cell mask (outside the world); any buffer in it.
    pub life: Handle,
}

/// The step kernel's source, for the tuning cache (the lanes are the variant, not the source).
pub fn step_source() -> u64 {
    static HASH: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *HASH.get_or_init(|| tune::source_hash(&StepKernel::Step.source().complete()))
}

/// Queues one step: the step kernel (in the variant `tune` keeps for its shape), then the keep
/// kernel.
pub fn launch_step(like: &Ct, head: StepHeader, layers: &[Layer], b: StepBuffers) {
    let ph = bytes_handle(like, &params(head, layers));
    let count = CubeCount::Static(head.width.div_ceil(TILE), head.height.div_ceil(TILE), head.layers);
    let dim = |lanes| CubeDim { x: TILE, y: TILE, z: lanes };
    let bufs = vec![b.from, b.out.clone(), b.aux, b.weights, ph.clone(), b.post.clone(), b.life.clone()];
    // The step reads `from`, `aux` and the weights and writes the rest whole, so a timed run of
    // each variant before the real one changes nothing.
    let class = Class::of(Family::Step, head.width as usize, head.height as usize, head.layers as usize);
    let default = Variant::Lanes(lanes::of(&like.device));
    let lanes = tune::variant(&like.device, class, step_source(), default, |v| {
        let kernel = Spread { kernel: StepKernel::Step, lanes: v.lanes() };
        time_alone(like, kernel, dim(v.lanes()), count.clone(), bufs.clone())
    })
    .lanes();
    launch(like, Spread { kernel: StepKernel::Step, lanes }, dim(lanes), count, bufs);
    let count = layered_count((head.width * head.height) as usize, 256, head.layers);
    launch(like, StepKernel::Keep, CubeDim { x: 256, y: 1, z: 1 }, count, vec![b.out, b.life, b.post, ph]);
}
