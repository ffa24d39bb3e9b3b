//! The training kernels (`shaders/train_*.wgsl`) and the parameter blocks they read, typed once
//! here and declared to the WGSL from the same definitions (`kernels::layout`). `kernels::fused`
//! launches them.

use burn_cubecl::cubecl::prelude::KernelId;
use burn_wgpu::{KernelSource, SourceTemplate};

use crate::gpu_struct;
use crate::kernels::layout::wgsl_template;

pub use crate::kernels::layout::TILE;

/// The block of a weight-gradient product one workgroup of `train_wgrad` computes (rows of
/// features or hidden units by columns of hidden units or channels), and each of its 16 x 16
/// invocations' share of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GemmBlock {
    pub rows: u32,
    pub cols: u32,
    pub per_row: u32,
    pub per_col: u32,
}

impl GemmBlock {
    /// The first product (features x hidden units: 52 x 128 for the paper's creatures): 64 x 32
    /// blocks of 4 x 2 per invocation, four workgroups a slice.
    pub const WIDE: GemmBlock = GemmBlock { rows: 64, cols: 32, per_row: 4, per_col: 2 };
    /// The second (hidden units x channels: 132 x 16): one block of 144 x 16, 9 x 1 per
    /// invocation. In the first's blocks it took three workgroups, half of every one's columns
    /// and most of the third's rows past the product.
    pub const TALL: GemmBlock = GemmBlock { rows: 144, cols: 16, per_row: 9, per_col: 1 };
    /// 32 x 32, 2 x 2 per invocation: more workgroups, fewer products each.
    pub const SQUARE: GemmBlock = GemmBlock { rows: 32, cols: 32, per_row: 2, per_col: 2 };
    /// 64 x 64, 4 x 4 per invocation: fewer workgroups, more reuse of each staged value.
    pub const LARGE: GemmBlock = GemmBlock { rows: 64, cols: 64, per_row: 4, per_col: 4 };
    /// The blocks `kernels::tune` times for each product (WIDE for the first and TALL for the
    /// second were the H200's choices, 2026-12-05, and stay the untuned defaults).
    pub const ALL: [GemmBlock; 4] = [GemmBlock::WIDE, GemmBlock::TALL, GemmBlock::SQUARE, GemmBlock::LARGE];

    /// Workgroups for an `m` x `n` product.
    pub fn blocks(self, m: u32, n: u32) -> u32 {
        m.div_ceil(self.rows) * n.div_ceil(self.cols)
    }

    /// Whether the block is 16 x 16 invocations' shares, as the kernel's workgroup is.
    const fn fits(self) -> bool {
        self.rows == 16 * self.per_row && self.cols == 16 * self.per_col
    }
}

const _: () =
    assert!(GemmBlock::WIDE.fits() && GemmBlock::TALL.fits() && GemmBlock::SQUARE.fits() && GemmBlock::LARGE.fits());

gpu_struct!(
    /// A training batch as the kernels see it.
    TrainHeader {
        width: u32,
        height: u32,
        /// 1: the edges join.
        wrap: u32,
        /// The step being run (the fire masks' seeds are the layers').
        step: u32,
        samples: u32,
        /// Floats per cell in the backward pass's row buffer, and where its parts start.
        row_width: u32,
        h_col: u32,
        gh_col: u32,
        gd_col: u32,
        /// Samples per creature: sample s trains creature s / per_creature.
        per_creature: u32,
        /// Tiles across and down a grid: the backward pass's rows are packed per tile.
        tiles_x: u32,
        tiles_y: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
        _pad3: u32,
    }
);

gpu_struct!(
    /// One weight-gradient product `A^T B` over column ranges of the row buffer.
    GemmHeader {
        m: u32,
        n: u32,
        a_col: u32,
        b_col: u32,
        row_width: u32,
        /// Each creature's tiles, cut into `slices` of `slice_tiles`; a tile's block of rows holds
        /// `tile_rows`, the first of them written (as many as its count).
        tiles_per_creature: u32,
        slices: u32,
        slice_tiles: u32,
        tile_rows: u32,
        /// 0: the first step back writes its slots; later steps add to them.
        accumulate: u32,
        _pad0: u32,
        _pad1: u32,
    }
);

gpu_struct!(
    /// The sum of the slots into flat gradients.
    ReduceHeader {
        params: u32,
        creatures: u32,
        features: u32,
        hidden: u32,
        channels: u32,
        slices: u32,
        _pad0: u32,
        _pad1: u32,
    }
);

/// The training kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainKernel {
    Back,
    Gather,
    Reduce,
    Loss,
}

impl TrainKernel {
    /// Every training kernel but the weight-gradient product ([`Wgrad`]; the shader test compiles
    /// each).
    pub const ALL: [TrainKernel; 4] = [TrainKernel::Back, TrainKernel::Gather, TrainKernel::Reduce, TrainKernel::Loss];
}

/// The parameter blocks every training kernel's source declares.
fn train_structs() -> [&'static str; 4] {
    [
        TrainHeader::WGSL,
        GemmHeader::WGSL,
        ReduceHeader::WGSL,
        // What the backward, gather and loss kernels bind: the header and a layer per sample.
        "struct TrainParams {\n    head: TrainHeader,\n    layers: array<Layer>,\n}\n",
    ]
}

impl KernelSource for TrainKernel {
    fn source(&self) -> SourceTemplate {
        let nca = include_str!("../../shaders/nca.wgsl");
        let (files, own): (&[&str], &str) = match self {
            TrainKernel::Back => (&[nca], include_str!("../../shaders/train_back.wgsl")),
            TrainKernel::Gather => (&[], include_str!("../../shaders/train_gather.wgsl")),
            TrainKernel::Reduce => (&[], include_str!("../../shaders/train_reduce.wgsl")),
            TrainKernel::Loss => (&[], include_str!("../../shaders/train_loss.wgsl")),
        };
        wgsl_template(&train_structs(), files, own)
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(*self as u32)
    }
}

/// The workgroup sizes a linear kernel (`shaders/train_gather.wgsl`) can be built for.
pub const GROUPS: [u32; 3] = [64, 128, 256];

/// `kernel` built with workgroups of `size` invocations. Its `Debug` is the kernel's own.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Grouped<K> {
    pub kernel: K,
    pub size: u32,
}

impl<K: std::fmt::Debug> std::fmt::Debug for Grouped<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.kernel.fmt(f)
    }
}

impl<K: KernelSource + std::fmt::Debug + Copy> KernelSource for Grouped<K> {
    fn source(&self) -> SourceTemplate {
        self.kernel.source().register("group", self.size.to_string())
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.kernel.id(), self.size))
    }
}

/// A weight-gradient product (`shaders/train_wgrad.wgsl`) in blocks of `block`. Its `Debug` is
/// "Wgrad" whatever the block, the name a profile records.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Wgrad {
    pub block: GemmBlock,
}

impl std::fmt::Debug for Wgrad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Wgrad")
    }
}

impl KernelSource for Wgrad {
    fn source(&self) -> SourceTemplate {
        let g = self.block;
        wgsl_template(&train_structs(), &[], include_str!("../../shaders/train_wgrad.wgsl"))
            .register("gemm_bm", g.rows.to_string())
            .register("gemm_bn", g.cols.to_string())
            .register("gemm_ri", g.per_row.to_string())
            .register("gemm_cj", g.per_col.to_string())
    }

    fn id(&self) -> KernelId {
        let g = self.block;
        KernelId::new::<Self>().info((g.rows, g.cols, g.per_row, g.per_col))
    }
}
