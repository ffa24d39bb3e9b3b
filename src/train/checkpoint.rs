//! Training checkpoints: everything needed to carry on after a kill, written atomically.
//!
//! Layout (little endian): `b"MORPHCKP"` | version u32 | header length u32 | header JSON |
//! target f32s | weights | Adam m | Adam v | pool | CRC-32 of all before. The pool of a creature
//! holds its live cells only (cell index u32 + one f32 per channel; dead cells are exactly zero);
//! a texture's pool, alive everywhere, is stored whole (`pool_dense`). Version 1 files (the
//! paper's model, sparse pools) still load.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use crate::fsio;
use crate::target::Target;

const MAGIC: &[u8; 8] = b"MORPHCKP";
const VERSION: u32 = 2;

#[derive(Clone, Debug, PartialEq)]
pub struct Pool {
    /// [n, h, w]
    pub dims: [usize; 3],
    /// Row-major `n * h * w * channels` values.
    pub data: Vec<f32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub name: String,
    pub config: TrainConfig,
    pub iteration: u64,
    pub history: Vec<f32>,
    /// Seconds spent training so far, over every session.
    pub train_secs: f64,
    pub target: Target,
    pub weights: Vec<f32>,
    pub adam_m: Vec<f32>,
    pub adam_v: Vec<f32>,
    pub adam_t: u64,
    pub pool: Option<Pool>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    name: String,
    config: TrainConfig,
    iteration: u64,
    history: Vec<f32>,
    #[serde(default)]
    train_secs: f64,
    target_dims: [usize; 2],
    adam_t: u64,
    pool_dims: Option<[usize; 3]>,
    pool_live: u64,
    #[serde(default)]
    pool_dense: bool,
}

fn push_f32s(out: &mut Vec<u8>, v: &[f32]) {
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

impl Checkpoint {
    pub fn to_bytes(&self) -> Vec<u8> {
        let c = self.config.spec().channels;
        // A pool that is mostly alive is cheaper whole than as indexed cells.
        let dense = !self.config.spec().alive_masking;
        let live: Vec<usize> = match &self.pool {
            Some(_) if dense => vec![],
            Some(p) => p
                .data
                .chunks_exact(c)
                .enumerate()
                .filter(|(_, c)| c.iter().any(|&v| v != 0.0))
                .map(|(i, _)| i)
                .collect(),
            None => vec![],
        };
        let header = Header {
            name: self.name.clone(),
            config: self.config.clone(),
            iteration: self.iteration,
            history: self.history.clone(),
            train_secs: self.train_secs,
            target_dims: [self.target.height, self.target.width],
            adam_t: self.adam_t,
            pool_dims: self.pool.as_ref().map(|p| p.dims),
            pool_live: live.len() as u64,
            pool_dense: dense,
        };
        let header = serde_json::to_vec(&header).expect("header serialises");
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        push_f32s(&mut out, &self.target.rgba);
        push_f32s(&mut out, &self.weights);
        push_f32s(&mut out, &self.adam_m);
        push_f32s(&mut out, &self.adam_v);
        if let Some(p) = &self.pool {
            if dense {
                push_f32s(&mut out, &p.data);
            }
            for i in live {
                out.extend_from_slice(&(i as u32).to_le_bytes());
                push_f32s(&mut out, &p.data[i * c..(i + 1) * c]);
            }
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<Self, String> {
        if b.len() < 20 || &b[..8] != MAGIC {
            return Err("not a morphogen training checkpoint".into());
        }
        let (body, crc) = b.split_at(b.len() - 4);
        if crc32fast::hash(body) != u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) {
            return Err("checkpoint is truncated or corrupt (checksum mismatch)".into());
        }
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let version = u32_at(8);
        if !(1..=VERSION).contains(&version) {
            return Err(format!("checkpoint version {version}, this build reads 1 to {VERSION}"));
        }
        let hlen = u32_at(12) as usize;
        let mut pos = 16;
        let header: Header = serde_json::from_slice(body.get(pos..pos + hlen).ok_or("checkpoint header truncated")?)
            .map_err(|e| format!("checkpoint header: {e}"))?;
        pos += hlen;
        let f32s = |n: usize, pos: &mut usize| -> Result<Vec<f32>, String> {
            let bytes = body.get(*pos..*pos + n * 4).ok_or("checkpoint data truncated")?;
            *pos += n * 4;
            Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
        };
        let [th, tw] = header.target_dims;
        let target = Target { width: tw, height: th, rgba: f32s(th * tw * 4, &mut pos)? };
        let spec = header.config.spec();
        let (params, c) = (spec.param_count(), spec.channels);
        let weights = f32s(params, &mut pos)?;
        let adam_m = f32s(params, &mut pos)?;
        let adam_v = f32s(params, &mut pos)?;
        let pool = match header.pool_dims {
            Some(dims) if header.pool_dense => {
                Some(Pool { dims, data: f32s(dims[0] * dims[1] * dims[2] * c, &mut pos)? })
            }
            Some(dims) => {
                let cells = dims[0] * dims[1] * dims[2];
                let mut data = vec![0.0; cells * c];
                for _ in 0..header.pool_live {
                    let raw = body.get(pos..pos + 4).ok_or("checkpoint data truncated")?;
                    let i = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
                    pos += 4;
                    if i >= cells {
                        return Err("checkpoint pool entry out of range".into());
                    }
                    let v = f32s(c, &mut pos)?;
                    data[i * c..(i + 1) * c].copy_from_slice(&v);
                }
                Some(Pool { dims, data })
            }
            None => None,
        };
        Ok(Checkpoint {
            name: header.name,
            config: header.config,
            iteration: header.iteration,
            history: header.history,
            train_secs: header.train_secs,
            target,
            weights,
            adam_m,
            adam_v,
            adam_t: header.adam_t,
            pool,
        })
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        fsio::write_atomic(path, &self.to_bytes())
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        Self::from_bytes(&fsio::read(path)?).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A training that has not run yet: the weights and state `Trainer::new` would start from,
    /// so a queued training is a checkpoint like any other and survives a kill.
    pub fn fresh(name: &str, config: TrainConfig, target: Target) -> Self {
        let weights = config.initial_weights().flatten();
        let zeros = vec![0.0; weights.len()];
        Checkpoint {
            name: name.to_string(),
            config,
            iteration: 0,
            history: vec![],
            train_secs: 0.0,
            target,
            weights,
            adam_m: zeros.clone(),
            adam_v: zeros,
            adam_t: 0,
            pool: None,
        }
    }

    /// Name and progress from the header alone (listing unfinished trainings without reading
    /// their pools); the full load still checks everything.
    pub fn peek(path: &Path) -> Result<Summary, String> {
        use std::io::Read;
        let bad = |m: &str| format!("{}: {m}", path.display());
        let mut f = std::fs::File::open(path).map_err(|e| bad(&e.to_string()))?;
        let mut head = [0u8; 16];
        f.read_exact(&mut head).map_err(|_| bad("not a morphogen training checkpoint"))?;
        if &head[..8] != MAGIC {
            return Err(bad("not a morphogen training checkpoint"));
        }
        let hlen = u32::from_le_bytes([head[12], head[13], head[14], head[15]]) as usize;
        if hlen > 64 << 20 {
            return Err(bad("checkpoint header is too large"));
        }
        let mut h = vec![0u8; hlen];
        f.read_exact(&mut h).map_err(|_| bad("checkpoint header truncated"))?;
        let header: Header = serde_json::from_slice(&h).map_err(|e| bad(&format!("checkpoint header: {e}")))?;
        Ok(Summary {
            name: header.name,
            iteration: header.iteration,
            iterations: header.config.iterations,
            mode: header.config.mode,
        })
    }
}

/// What [`Checkpoint::peek`] tells.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub name: String,
    pub iteration: u64,
    pub iterations: u64,
    pub mode: super::Mode,
}
