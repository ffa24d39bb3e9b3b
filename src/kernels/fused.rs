//! The GPU training path (and the GPU simulation's step): a whole rollout and its exact gradient
//! in our own WGSL kernels on burn's wgpu stream, in place of burn's autodiff graph (about 100
//! small dispatches per step).
//! Per step, two forward dispatches (`train_step`: perception, the network, fire masks, a tile of
//! one sample per workgroup; `train_keep`: the alive masks) that keep the step's state and
//! kept-cell mask; per step back, one dispatch through the network (`train_back`, recomputing
//! perception and the hidden layer as `host_grad` does: a packed row per cell that ran, and its
//! features' gradient), the weight gradients as per-slice products of those rows (`train_wgrad`,
//! twice) and one dispatch through the transposed perception (`train_gather`); the weight
//! gradients are summed in a fixed order once at the end (`train_reduce`); the paper's loss and
//! its gradient on the GPU too (`train_loss`). Only the loss comes back to the host. Several
//! creatures train in one batch: each sample carries the offset of its rule, and the weight
//! gradients are taken per creature.

use burn::backend::Wgpu;
use burn::tensor::Tensor;
use burn_cubecl::cubecl::CubeCount;
use burn_cubecl::cubecl::server::Handle;
use burn_wgpu::CubeDim;

pub use crate::kernels::batch::Batch;
use crate::kernels::batch::{MAX_F, SLICE_TILES, TILE_ROWS, fits};
use crate::kernels::lanes::{self, Spread};
use crate::kernels::launch::{Ct, bytes_handle, float, launch, linear_count, time_alone, wrap_float};
use crate::kernels::layout::STRIDE;
use crate::kernels::step::{StepBuffers, launch_step};
pub use crate::kernels::train_kernels::{GemmBlock, GemmHeader, ReduceHeader, TILE, TrainHeader, TrainKernel, Wgrad};
use crate::kernels::tune::{self, Class, Family, Variant};
use crate::nca::sim::to_host;
use crate::nca::{ModelSpec, NcaParams};

/// A loss on the host: given the final states (`[n, h, w, channels]`), each creature's loss and
/// the gradient with respect to the states.
pub type HostLoss<'a> = Box<dyn FnOnce(&[f32]) -> (Vec<f32>, Vec<f32>) + 'a>;

/// What the rollout minimises.
pub enum Loss<'a> {
    /// The paper's RGBA MSE against each creature's target, `[creatures * h * w * 4]`, on the GPU.
    Rgba(Box<Tensor<Wgpu, 1>>),
    Host(HostLoss<'a>),
}

pub struct Outcome {
    /// Each creature's loss.
    pub loss: Vec<f32>,
    /// Each creature's gradient, flat (`[creatures * params]`, the file order).
    pub grads: Tensor<Wgpu, 1>,
    /// `[n, h, w, channels]`.
    pub final_state: Tensor<Wgpu, 4>,
}

/// Creature `k`'s part of flat gradients, shaped as its weights (a zero output bias where its
/// spec has none, as `NcaParams` holds it).
pub fn unflatten(spec: ModelSpec, flat: &Tensor<Wgpu, 1>, k: usize) -> NcaParams<Wgpu> {
    let [s1, sb1, s2, _] = spec.sizes();
    let base = k * spec.param_count();
    let (f, h, c) = (spec.features(), spec.hidden, spec.channels);
    let part = |at: usize, len: usize, shape: [usize; 2]| flat.clone().narrow(0, base + at, len).reshape(shape);
    let b2 = if spec.out_bias { part(s1 + sb1 + s2, c, [1, c]) } else { Tensor::zeros([1, c], &flat.device()) };
    NcaParams { spec, w1: part(0, s1, [f, h]), b1: part(s1, sb1, [1, h]), w2: part(s1 + sb1, s2, [h, c]), b2 }
}

/// `[n, h, w, c]` -> flat cells of `STRIDE` floats.
fn padded(x: Tensor<Wgpu, 4>) -> Ct {
    let [n, h, w, c] = x.dims();
    let s = STRIDE as usize;
    let x = if c < s { Tensor::cat(vec![x.clone(), Tensor::zeros([n, h, w, s - c], &x.device())], 3) } else { x };
    float(x.reshape([-1]))
}

/// Runs the rollout from `x0` (`[n, h, w, channels]`) with `weights` (`[creatures * params]`) and
/// returns each creature's loss, its gradient and the final states.
pub fn rollout_grad(
    x0: Tensor<Wgpu, 4>,
    weights: Tensor<Wgpu, 1>,
    b: &Batch,
    loss: Loss<'_>,
) -> Result<Outcome, String> {
    b.check()?;
    let [n, h, w, c] = x0.dims();
    if n != b.samples() || [h, w] != [b.height, b.width] || c != b.spec.channels {
        return Err(format!("fused rollout: states {:?} do not match the batch", x0.dims()));
    }
    let device = x0.device();
    let cells = n * h * w;
    let state_len = cells * STRIDE as usize;
    let x = padded(x0);
    fits(b, x.client.properties().memory.max_page_size)?;
    let wts = float(weights);
    let client = x.client.clone();
    let tiles = CubeCount::Static((w as u32).div_ceil(TILE), (h as u32).div_ceil(TILE), n as u32);
    let tile_dim = |lanes| CubeDim { x: TILE, y: TILE, z: lanes };
    let lin = CubeDim { x: 256, y: 1, z: 1 };

    // Forward: every step's state and kept-cell mask.
    let mut states: Vec<Handle> = vec![x.handle.clone()];
    let mut lives: Vec<Handle> = Vec::with_capacity(b.steps);
    let post = client.empty(cells * 4);
    for t in 0..b.steps {
        let (out, life) = forward(&x, states[t].clone(), &wts, b, t, &post);
        states.push(out);
        lives.push(life);
    }
    let last = states[b.steps].clone();

    // The loss and its gradient with respect to the final states.
    let (mut g, losses) = match loss {
        Loss::Rgba(target) => {
            let tg = float(*target);
            let g = client.empty(state_len * 4);
            let lh = client.empty(n * 4);
            let ph = bytes_handle(&x, &b.params(b.steps));
            let bufs = vec![last.clone(), tg.handle.clone(), g.clone(), lh.clone(), ph];
            launch(&x, TrainKernel::Loss, lin, CubeCount::Static(n as u32, 1, 1), bufs);
            (g, Err(lh))
        }
        Loss::Host(f) => {
            let fin = final_tensor(&x, last.clone(), [n, h, w, c]);
            let (l, gh) = f(&to_host(&fin));
            if gh.len() != n * h * w * c {
                return Err("fused rollout: the loss's gradient does not match the states".into());
            }
            let gt = Tensor::<Wgpu, 4>::from_data(burn::tensor::TensorData::new(gh, [n, h, w, c]), &device);
            (padded(gt).handle, Ok(l))
        }
    };

    // Backward, step by step: through the network (rows for the weight gradients, the features'
    // gradient), the weight-gradient products, then through perception to the step before.
    let s = b.spec;
    let (h_col, gh_col, gd_col, row_width) = b.columns();
    let rows = client.empty(b.rows() * row_width * 4);
    let gf = client.empty(cells * MAX_F * 4);
    let slices = b.slices();
    // Rows per tile, and which cells ran, written by every step back before they are read.
    let counts = client.empty(b.creatures * b.tiles_per_creature() * 4);
    let ran = client.empty(cells * 4);
    let m1 = s.features() + 4;
    let m2 = s.hidden + 4;
    let slots1 = client.empty(b.creatures * slices * m1 * s.hidden * 4);
    let slots2 = client.empty(b.creatures * slices * m2 * s.channels * 4);
    let gemm = |accumulate: bool, m: usize, nn: usize, a_col: usize, b_col: usize| GemmHeader {
        m: m as u32,
        n: nn as u32,
        a_col: a_col as u32,
        b_col: b_col as u32,
        row_width: row_width as u32,
        tiles_per_creature: b.tiles_per_creature() as u32,
        slices: slices as u32,
        slice_tiles: SLICE_TILES as u32,
        tile_rows: TILE_ROWS as u32,
        accumulate: accumulate as u32,
        ..Default::default()
    };
    for t in (0..b.steps).rev() {
        let ph = bytes_handle(&x, &b.params(t));
        let bufs = vec![
            states[t].clone(),
            lives[t].clone(),
            g.clone(),
            gf.clone(),
            rows.clone(),
            wts.handle.clone(),
            ph.clone(),
            counts.clone(),
            ran.clone(),
        ];
        // The step back reads the states, the kept cells, the gradient and the weights and writes
        // the rest whole, so a timed run of each variant before the real one changes nothing.
        let class = Class::of(Family::Back, w, h, n);
        let default = Variant::Lanes(lanes::of(&device));
        let lanes = tune::variant(&device, class, sources()[0], default, |v| {
            let kernel = Spread { kernel: TrainKernel::Back, lanes: v.lanes() };
            time_alone(&x, kernel, tile_dim(v.lanes()), tiles.clone(), bufs.clone())
        })
        .lanes();
        launch(&x, Spread { kernel: TrainKernel::Back, lanes }, tile_dim(lanes), tiles.clone(), bufs);
        let acc = t + 1 < b.steps;
        for (family, head, slots, block) in [
            (Family::WgradIn, gemm(acc, m1, s.hidden, 0, gh_col), &slots1, GemmBlock::WIDE),
            (Family::WgradOut, gemm(acc, m2, s.channels, h_col, gd_col), &slots2, GemmBlock::TALL),
        ] {
            let count = |g: GemmBlock| CubeCount::Static(g.blocks(head.m, head.n), slices as u32, b.creatures as u32);
            let hh = bytes_handle(&x, bytemuck::bytes_of(&head));
            // The product adds into its slots from the second step back on, so its timed runs
            // write (not add) into slots of their own.
            let mut scratch = None;
            let class = Class::of(family, w, h, n);
            let block = tune::variant(&device, class, sources()[1], Variant::Block(block), |v| {
                let into = scratch.get_or_insert_with(|| client.empty(slots.size() as usize)).clone();
                let head = GemmHeader { accumulate: 0, ..head };
                let bufs = vec![rows.clone(), into, bytes_handle(&x, bytemuck::bytes_of(&head)), counts.clone()];
                time_alone(&x, Wgrad { block: v.block() }, CubeDim { x: 16, y: 16, z: 1 }, count(v.block()), bufs)
            })
            .block();
            let bufs = vec![rows.clone(), slots.clone(), hh, counts.clone()];
            launch(&x, Wgrad { block }, CubeDim { x: 16, y: 16, z: 1 }, count(block), bufs);
        }
        if t > 0 {
            let next = client.empty(state_len * 4);
            let bufs = vec![lives[t].clone(), g.clone(), gf.clone(), next.clone(), ph, ran.clone()];
            launch(&x, TrainKernel::Gather, lin, linear_count(cells, 256), bufs);
            g = next;
        }
    }

    let total = b.creatures * s.param_count();
    let grads = client.empty(total * 4);
    let rh = ReduceHeader {
        params: s.param_count() as u32,
        creatures: b.creatures as u32,
        features: s.features() as u32,
        hidden: s.hidden as u32,
        channels: s.channels as u32,
        slices: slices as u32,
        ..Default::default()
    };
    let rhh = bytes_handle(&x, bytemuck::bytes_of(&rh));
    launch(&x, TrainKernel::Reduce, lin, linear_count(total, 256), vec![slots1, slots2, grads.clone(), rhh]);

    let loss = match losses {
        Ok(l) => l,
        Err(lh) => {
            let shares = to_host(&wrap_float(&x, lh, n));
            shares.chunks(b.per_creature).map(|c| c.iter().sum()).collect()
        }
    };
    Ok(Outcome { loss, grads: wrap_float(&x, grads, total), final_state: final_tensor(&x, last, [n, h, w, c]) })
}

/// The sources of the step back and of the weight-gradient product, hashed once, for the tuning
/// cache (a variant changes the values registered, not the source).
fn sources() -> [u64; 2] {
    use burn_wgpu::KernelSource;
    static HASHES: std::sync::OnceLock<[u64; 2]> = std::sync::OnceLock::new();
    *HASHES.get_or_init(|| {
        let wgrad = Wgrad { block: GemmBlock::WIDE };
        [tune::source_hash(&TrainKernel::Back.source().complete()), tune::source_hash(&wgrad.source().complete())]
    })
}

/// One step of a simulation (`n` grids of one rule) by the forward kernel, fire masks drawn as
/// `b.fire` says for step `step`; `b.steps` and `b.each` are ignored.
pub fn forward_step(x: Tensor<Wgpu, 4>, weights: Tensor<Wgpu, 1>, b: &Batch, step: usize) -> Tensor<Wgpu, 4> {
    // Every layer's rollout reaches past this step (a layer past its own holds still).
    let b = &Batch { steps: step + 1, each: None, ..b.clone() };
    let [n, h, w, c] = x.dims();
    let x = padded(x);
    let post = x.client.empty(n * h * w * 4);
    let (out, _) = forward(&x, x.handle.clone(), &float(weights), b, step, &post);
    final_tensor(&x, out, [n, h, w, c])
}

/// Step `t` of the batch from the states at `from`: the next states and the mask of cells kept
/// (the shared step, `kernels::step`), with every cell's updated alpha in `post` between its two
/// dispatches.
fn forward(like: &Ct, from: Handle, wts: &Ct, b: &Batch, t: usize, post: &Handle) -> (Handle, Handle) {
    let cells = b.samples() * b.cells();
    let out = like.client.empty(cells * STRIDE as usize * 4);
    let life = like.client.empty(cells * 4);
    let bufs = StepBuffers {
        from,
        out: out.clone(),
        // No walls outside the world; bound all the same.
        aux: like.client.empty(8),
        weights: wts.handle.clone(),
        post: post.clone(),
        life: life.clone(),
    };
    launch_step(like, b.step_header(t), &b.layers(), bufs);
    (out, life)
}

/// The final states as `[n, h, w, c]`, without the padding channels.
fn final_tensor(like: &Ct, handle: Handle, [n, h, w, c]: [usize; 4]) -> Tensor<Wgpu, 4> {
    let s = STRIDE as usize;
    wrap_float(like, handle, n * h * w * s).reshape([n, h, w, s]).narrow(3, 0, c)
}
