//! The training pool on the training's device: the states that persist and regenerate trainings
//! draw their batches from and write them back to. A GPU binds at most so many bytes in one
//! buffer (lavapipe 128 MiB, wgpu's default limits the same) and the paper's pool of 1,024 states
//! of 72x72x16 is 324 MiB, so on wgpu the pool is kept in chunks that each fit one binding; a
//! batch is gathered from them in the order it was drawn, so a training draws the same batches
//! whatever the chunking.

use crate::rule::RuleBackend;
use burn::tensor::{IndexingUpdateOp, Int, Tensor, TensorData};

use super::checkpoint::Pool;
use super::config::{Mode, TrainConfig};
use crate::nca::sim::state_tensor;

pub struct StatePool<B: RuleBackend> {
    chunks: Vec<Tensor<B, 4>>,
    /// States per chunk (the last may hold fewer).
    per_chunk: usize,
    /// `[states, h, w, channels]`.
    dims: [usize; 4],
    device: B::Device,
}

impl<B: RuleBackend> StatePool<B> {
    /// A pool of the states in `host` (`dims`: `[states, h, w, channels]`), in chunks of at most
    /// the bytes one buffer may hold on `device`.
    pub fn new(host: Vec<f32>, dims: [usize; 4], device: &B::Device) -> Self {
        Self::in_chunks_of(host, dims, device, B::max_buffer_bytes(device))
    }

    /// A pool of `n` seeds of `h` x `w` (what every pool training starts from).
    pub fn seeds(spec: &crate::nca::ModelSpec, [n, h, w]: [usize; 3], device: &B::Device) -> Self {
        Self::new(crate::nca::sim::seed_state(spec, n, h, w), [n, h, w, spec.channels], device)
    }

    /// A resumed training's pool: the checkpoint's, or seeds where its config starts the pool
    /// again at the checkpoint's iteration (a checkpoint carried without its pool, `zoo carry`).
    pub fn resume(
        saved: Option<Pool>,
        cfg: &TrainConfig,
        iteration: u64,
        [h, w]: [usize; 2],
        device: &B::Device,
    ) -> Result<Option<Self>, String> {
        let spec = cfg.spec();
        match saved {
            _ if cfg.mode == Mode::Grow => Ok(None),
            None if iteration == 0 || cfg.pool_resets.contains(&iteration) => {
                Ok(Some(Self::seeds(&spec, [cfg.pool_size, h, w], device)))
            }
            None => Err(format!("no pool, and its config does not start the pool again from seeds at {iteration}")),
            Some(p) if p.dims != [cfg.pool_size, h, w] => Err("pool shape does not match its config".into()),
            Some(p) => Ok(Some(Self::new(p.data, [cfg.pool_size, h, w, spec.channels], device))),
        }
    }

    /// The same in chunks of at most `max_bytes` (`None`: one chunk; a state more than the
    /// limit still gets a chunk of its own).
    pub fn in_chunks_of(host: Vec<f32>, dims: [usize; 4], device: &B::Device, max_bytes: Option<u64>) -> Self {
        let [n, h, w, c] = dims;
        let per = (h * w * c).max(1);
        let state_bytes = (per * 4) as u64;
        let per_chunk = max_bytes.map_or(n, |m| (m / state_bytes) as usize).clamp(1, n.max(1));
        let chunks = host
            .chunks(per_chunk * per)
            .map(|part| state_tensor(part.to_vec(), [part.len() / per, h, w, c], device))
            .collect();
        Self { chunks, per_chunk, dims, device: device.clone() }
    }

    pub fn dims(&self) -> [usize; 4] {
        self.dims
    }

    /// Chunks the pool is kept in (one, unless one buffer cannot hold it).
    pub fn chunks(&self) -> usize {
        self.chunks.len()
    }

    fn ints(&self, v: &[usize]) -> Tensor<B, 1, Int> {
        let v: Vec<i64> = v.iter().map(|&i| i as i64).collect();
        Tensor::from_data(TensorData::new(v.clone(), [v.len()]), &self.device)
    }

    /// For each chunk that holds some of `idx`: the chunk, the positions in `idx` it holds and
    /// their indices within it.
    fn split(&self, idx: &[usize]) -> Vec<(usize, Vec<usize>, Vec<usize>)> {
        (0..self.chunks.len())
            .filter_map(|k| {
                let at: Vec<usize> = (0..idx.len()).filter(|&p| idx[p] / self.per_chunk == k).collect();
                let local = at.iter().map(|&p| idx[p] - k * self.per_chunk).collect();
                (!at.is_empty()).then_some((k, at, local))
            })
            .collect()
    }

    /// The states at `idx`, in that order (`[idx.len(), h, w, channels]`).
    pub fn select(&self, idx: &[usize]) -> Tensor<B, 4> {
        if self.chunks.len() == 1 {
            return self.chunks[0].clone().select(0, self.ints(idx));
        }
        let parts = self.split(idx);
        // Row j of the concatenation holds idx[order[j]].
        let order: Vec<usize> = parts.iter().flat_map(|(_, at, _)| at.iter().copied()).collect();
        let gathered = Tensor::cat(
            parts.into_iter().map(|(k, _, local)| self.chunks[k].clone().select(0, self.ints(&local))).collect(),
            0,
        );
        let mut row_of = vec![0; idx.len()];
        for (j, &p) in order.iter().enumerate() {
            row_of[p] = j;
        }
        gathered.select(0, self.ints(&row_of))
    }

    /// Writes `states` back at `idx` (distinct indices).
    pub fn write(&mut self, idx: &[usize], states: Tensor<B, 4>) {
        for (k, at, local) in self.split(idx) {
            let new = if self.chunks.len() == 1 { states.clone() } else { states.clone().select(0, self.ints(&at)) };
            let local = self.ints(&local);
            // Distinct indices: adding the change writes the new states exactly.
            let delta = new - self.chunks[k].clone().select(0, local.clone());
            // The chunk is taken out of the pool, so that its buffer has no other owner and is
            // written in place: with a second handle, the backend copies the whole chunk first
            // (on the CPU a profile put that copy and its page faults at a quarter of training).
            let chunk = self.chunks.remove(k);
            self.chunks.insert(k, chunk.select_assign(0, local, delta, IndexingUpdateOp::Add));
        }
    }

    /// Every state, on the host, in order.
    pub fn to_host(&self) -> Vec<f32> {
        self.chunks.iter().flat_map(|c| crate::rule::host_copy(c)).collect()
    }
}
