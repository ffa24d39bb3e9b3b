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
pub use crate::kernels::train_kernels::{
    GROUPS, GemmBlock, GemmHeader, Grouped, ReduceHeader, TILE, TrainHeader, TrainKernel, Wgrad,
};
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
    let x = padded(x0);
    fits(b, x.client.properties().memory.max_page_size)?;
    let wts = float(weights);

    // Forward: every step's state and kept-cell mask.
    let mut states: Vec<Handle> = vec![x.handle.clone()];
    let mut lives: Vec<Handle> = Vec::with_capacity(b.steps);
    let post = x.client.empty(n * h * w * 4);
    for t in 0..b.steps {
        let (out, life) = forward(&x, states[t].clone(), &wts, b, t, &post);
        states.push(out);
        lives.push(life);
    }
    let last = states[b.steps].clone();
    let (mut g, losses) = final_gradient(&x, last.clone(), b, loss)?;

    // Backward, step by step: through the network (rows for the weight gradients, the features'
    // gradient), the weight-gradient products, then through perception to the step before.
    let back = Backward::new(&x, b);
    for t in (0..b.steps).rev() {
        let ph = bytes_handle(&x, &b.params(t));
        back.through_network(&x, [&states[t], &lives[t], &g], &wts, &ph);
        back.weight_gradients(&x, b, t + 1 < b.steps);
        if t > 0 {
            g = back.through_perception(&x, &lives[t], &g, ph);
        }
    }
    let grads = back.reduce(&x, b);

    let loss = match losses {
        Ok(l) => l,
        Err(lh) => {
            let shares = to_host(&wrap_float(&x, lh, n));
            shares.chunks(b.per_creature).map(|c| c.iter().sum()).collect()
        }
    };
    let total = b.creatures * b.spec.param_count();
    Ok(Outcome { loss, grads: wrap_float(&x, grads, total), final_state: final_tensor(&x, last, [n, h, w, c]) })
}

/// The loss's gradient with respect to the final states `last`, and each creature's loss: on the
/// host already (a host loss), or a buffer of each sample's share (the paper's, on the GPU).
fn final_gradient(
    x: &Ct,
    last: Handle,
    b: &Batch,
    loss: Loss<'_>,
) -> Result<(Handle, Result<Vec<f32>, Handle>), String> {
    let (n, h, w, c) = (b.samples(), b.height, b.width, b.spec.channels);
    match loss {
        Loss::Rgba(target) => {
            let tg = float(*target);
            let g = x.client.empty(n * h * w * STRIDE as usize * 4);
            let lh = x.client.empty(n * 4);
            let ph = bytes_handle(x, &b.params(b.steps));
            let bufs = vec![last, tg.handle.clone(), g.clone(), lh.clone(), ph];
            launch(x, TrainKernel::Loss, LINEAR, CubeCount::Static(n as u32, 1, 1), bufs);
            Ok((g, Err(lh)))
        }
        Loss::Host(f) => {
            let fin = final_tensor(x, last, [n, h, w, c]);
            let (l, gh) = f(&to_host(&fin));
            if gh.len() != n * h * w * c {
                return Err("fused rollout: the loss's gradient does not match the states".into());
            }
            let data = burn::tensor::TensorData::new(gh, [n, h, w, c]);
            Ok((padded(Tensor::<Wgpu, 4>::from_data(data, &x.device)).handle, Ok(l)))
        }
    }
}

/// The linear kernels' workgroup.
const LINEAR: CubeDim = CubeDim { x: 256, y: 1, z: 1 };
/// The weight-gradient products' workgroup.
const GEMM: CubeDim = CubeDim { x: 16, y: 16, z: 1 };

/// The buffers of the backward pass, reused by every step back.
struct Backward {
    /// A packed row per cell that ran (`train_back`), for the weight-gradient products.
    rows: Handle,
    /// The features' gradient of every cell.
    gf: Handle,
    /// Rows per tile, and which cells ran, written by every step back before they are read.
    counts: Handle,
    ran: Handle,
    /// Each product's per-slice slots (`train_wgrad`), summed at the end (`train_reduce`).
    slots: [Handle; 2],
    /// Each product's header without its `accumulate`, its shape class and its untuned block.
    products: [(GemmHeader, Class, GemmBlock); 2],
    /// The step back's workgroups (a tile of a sample each) and its shape class, and the gather's.
    tiles: CubeCount,
    back: Class,
    gather: Class,
    cells: usize,
}

impl Backward {
    fn new(x: &Ct, b: &Batch) -> Backward {
        let (s, client, cells) = (b.spec, &x.client, b.samples() * b.cells());
        let (h_col, gh_col, gd_col, row_width) = b.columns();
        let slices = b.slices();
        let (m1, m2) = (s.features() + 4, s.hidden + 4);
        let class = |family| Class::of(family, b.width, b.height, b.samples());
        let gemm = |m: usize, n: usize, a_col: usize, b_col: usize| GemmHeader {
            m: m as u32,
            n: n as u32,
            a_col: a_col as u32,
            b_col: b_col as u32,
            row_width: row_width as u32,
            tiles_per_creature: b.tiles_per_creature() as u32,
            slices: slices as u32,
            slice_tiles: SLICE_TILES as u32,
            tile_rows: TILE_ROWS as u32,
            ..Default::default()
        };
        Backward {
            rows: client.empty(b.rows() * row_width * 4),
            gf: client.empty(cells * MAX_F * 4),
            counts: client.empty(b.creatures * b.tiles_per_creature() * 4),
            ran: client.empty(cells * 4),
            slots: [
                client.empty(b.creatures * slices * m1 * s.hidden * 4),
                client.empty(b.creatures * slices * m2 * s.channels * 4),
            ],
            products: [
                (gemm(m1, s.hidden, 0, gh_col), class(Family::WgradIn), GemmBlock::WIDE),
                (gemm(m2, s.channels, h_col, gd_col), class(Family::WgradOut), GemmBlock::TALL),
            ],
            tiles: CubeCount::Static(
                (b.width as u32).div_ceil(TILE),
                (b.height as u32).div_ceil(TILE),
                b.samples() as u32,
            ),
            back: class(Family::Back),
            gather: class(Family::Gather),
            cells,
        }
    }

    /// One step back through the network, from the step's `[state, kept cells, gradient]`: the
    /// rows and the features' gradient. The kernel reads those three and the weights and writes
    /// the rest whole, so a timed run of each variant before the real one changes nothing.
    fn through_network(&self, x: &Ct, [state, life, g]: [&Handle; 3], wts: &Ct, ph: &Handle) {
        let bufs = vec![
            state.clone(),
            life.clone(),
            g.clone(),
            self.gf.clone(),
            self.rows.clone(),
            wts.handle.clone(),
            ph.clone(),
            self.counts.clone(),
            self.ran.clone(),
        ];
        let dim = |lanes| CubeDim { x: TILE, y: TILE, z: lanes };
        let default = Variant::Lanes(lanes::of(&x.device));
        let lanes = tune::variant(&x.device, self.back, sources()[0], default, |v| {
            let kernel = Spread { kernel: TrainKernel::Back, lanes: v.lanes() };
            time_alone(x, kernel, dim(v.lanes()), self.tiles.clone(), bufs.clone())
        })
        .lanes();
        launch(x, Spread { kernel: TrainKernel::Back, lanes }, dim(lanes), self.tiles.clone(), bufs);
    }

    /// The two weight-gradient products of a step back into their slots, added to what the later
    /// steps left there when `accumulate`. A product's timed runs write (not add) into slots of
    /// their own.
    fn weight_gradients(&self, x: &Ct, b: &Batch, accumulate: bool) {
        for ((head, class, block), slots) in self.products.iter().zip(&self.slots) {
            let count = |g: GemmBlock| CubeCount::Static(g.blocks(head.m, head.n), head.slices, b.creatures as u32);
            let bufs = |into: Handle, head: GemmHeader| {
                vec![self.rows.clone(), into, bytes_handle(x, bytemuck::bytes_of(&head)), self.counts.clone()]
            };
            let mut scratch = None;
            let block = tune::variant(&x.device, *class, sources()[1], Variant::Block(*block), |v| {
                let into = scratch.get_or_insert_with(|| x.client.empty(slots.size() as usize)).clone();
                time_alone(x, Wgrad { block: v.block() }, GEMM, count(v.block()), bufs(into, *head))
            })
            .block();
            let head = GemmHeader { accumulate: accumulate as u32, ..*head };
            launch(x, Wgrad { block }, GEMM, count(block), bufs(slots.clone(), head));
        }
    }

    /// Through perception to the step before: the gradient with respect to its states.
    fn through_perception(&self, x: &Ct, life: &Handle, g: &Handle, ph: Handle) -> Handle {
        let cells = self.cells;
        let next = x.client.empty(cells * STRIDE as usize * 4);
        let bufs = vec![life.clone(), g.clone(), self.gf.clone(), next.clone(), ph, self.ran.clone()];
        // It reads all but `next`, which it writes whole: a timed run changes nothing.
        let run = |size: u32| (Grouped { kernel: TrainKernel::Gather, size }, CubeDim { x: size, y: 1, z: 1 });
        let size = tune::variant(&x.device, self.gather, sources()[2], Variant::Group(256), |v| {
            let (kernel, dim) = run(v.group());
            time_alone(x, kernel, dim, linear_count(cells, v.group() as usize), bufs.clone())
        })
        .group();
        let (kernel, dim) = run(size);
        launch(x, kernel, dim, linear_count(cells, size as usize), bufs);
        next
    }

    /// The slots summed in a fixed order: every creature's gradient, flat.
    fn reduce(self, x: &Ct, b: &Batch) -> Handle {
        let s = b.spec;
        let total = b.creatures * s.param_count();
        let grads = x.client.empty(total * 4);
        let rh = ReduceHeader {
            params: s.param_count() as u32,
            creatures: b.creatures as u32,
            features: s.features() as u32,
            hidden: s.hidden as u32,
            channels: s.channels as u32,
            slices: b.slices() as u32,
            ..Default::default()
        };
        let rhh = bytes_handle(x, bytemuck::bytes_of(&rh));
        let [s1, s2] = self.slots;
        launch(x, TrainKernel::Reduce, LINEAR, linear_count(total, 256), vec![s1, s2, grads.clone(), rhh]);
        grads
    }
}

/// The sources of the step back and of the weight-gradient product, hashed once, for the tuning
/// cache (a variant changes the values registered, not the source).
fn sources() -> [u64; 3] {
    use burn_wgpu::KernelSource;
    static HASHES: std::sync::OnceLock<[u64; 3]> = std::sync::OnceLock::new();
    let hash = |s: burn_wgpu::SourceTemplate| tune::source_hash(&s.complete());
    *HASHES.get_or_init(|| {
        let wgrad = Wgrad { block: GemmBlock::WIDE };
        [hash(TrainKernel::Back.source()), hash(wgrad.source()), hash(TrainKernel::Gather.source())]
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
