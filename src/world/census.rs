//! What a level measures after every step, computed where the world lives: one species' shape
//! against the reference it grew to, and how much of each goal zone is alive. The masks are held
//! on the world's device and the measures are sums, so a step reads back a handful of numbers
//! (two, plus one per zone) instead of the whole state (at 256x256 and one species, 4 MiB, which
//! on a GPU also waits for the step each time).
//!
//! On the host backend the counts are taken on the state's own array, where it lies.
//!
//! Alive here is a cell's own life channel over the threshold (a creature's alpha, a texture's
//! territory), as in [`World::alive_mask`], the host form the tests hold this to.

use burn::tensor::{Tensor, TensorData};

use super::World;
use super::params::TERRITORY;
use crate::kernels::layout::STRIDE;
use crate::nca::spec::{ALIVE_THRESHOLD, ALPHA};
use crate::rule::RuleBackend;

/// A level's standing measures over one world.
pub struct Census<B: RuleBackend> {
    /// The species whose shape is compared with the reference.
    shape_of: usize,
    /// 1 where the reference is alive, per cell.
    reference: Vec<bool>,
    reference_cells: usize,
    /// The species whose life covers a zone.
    cover_by: Vec<usize>,
    /// Each zone's cells (within the world, each once).
    zones: Vec<Vec<u32>>,
    /// The masks on the device, for a backend whose state lives there: `[cells]` the reference,
    /// `[zones, cells]` the zones (none for a level without zones).
    device: Option<(Tensor<B, 1>, Option<Tensor<B, 2>>)>,
}

/// One step's measures.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// Cells alive both now and in the reference over cells alive in either (1 when neither).
    pub shape: f32,
    /// Per zone, the fraction of its cells alive for any of the covering species (0 for an
    /// empty zone).
    pub covers: Vec<f32>,
}

/// The counts the figures are made of: alive now, alive now and in the reference, and per zone
/// its cells covered.
struct Counts {
    alive: f32,
    both: f32,
    covered: Vec<f32>,
}

/// The most zone-mask values held on the device (64 MiB of f32, within the 128 MiB a software
/// Vulkan binds per buffer). A level whose zones and world make more (a file may name a thousand
/// zones on a 2,048-cell side) reads back the covering life, one value a cell, and counts its
/// zones on the host.
const MAX_ZONE_MASK: usize = 1 << 24;

fn ones(m: &[bool]) -> Vec<f32> {
    m.iter().map(|&a| a as u8 as f32).collect()
}

impl<B: RuleBackend> World<B> {
    /// The census of species `shape_of` against `reference` (a mask over the world's cells) and
    /// of `zones` (each a list of cells) covered by the species `cover_by`.
    pub fn census(&self, shape_of: usize, reference: &[bool], cover_by: Vec<usize>, zones: &[Vec<u32>]) -> Census<B> {
        let cells = self.size.cells();
        assert_eq!(reference.len(), cells, "the reference covers the world");
        let zones: Vec<Vec<u32>> = zones
            .iter()
            .map(|z| {
                let mut z: Vec<u32> = z.iter().copied().filter(|&c| (c as usize) < cells).collect();
                z.sort_unstable();
                z.dedup();
                z
            })
            .collect();
        // On the host the state is counted where it lies; on a GPU the masks go to the device.
        let device = (!B::HOST).then(|| {
            let r = Tensor::from_data(TensorData::new(ones(reference), [cells]), &self.device);
            let z = (!zones.is_empty() && zones.len().saturating_mul(cells) <= MAX_ZONE_MASK).then(|| {
                let mut m = vec![0.0f32; zones.len() * cells];
                for (k, zc) in zones.iter().enumerate() {
                    zc.iter().for_each(|&c| m[k * cells + c as usize] = 1.0);
                }
                Tensor::from_data(TensorData::new(m, [zones.len(), cells]), &self.device)
            });
            (r, z)
        });
        Census {
            shape_of,
            reference: reference.to_vec(),
            reference_cells: reference.iter().filter(|&&a| a).count(),
            cover_by,
            zones,
            device,
        }
    }

    /// The channel that says where species `s` lives.
    fn life_channel(&self, s: usize) -> usize {
        if self.species[s].weights.spec.alive_masking { ALPHA } else { TERRITORY }
    }

    /// `[cells]`, 1 where species `s` is alive now.
    fn alive_now(&self, s: usize) -> Tensor<B, 1> {
        let (cells, stride) = (self.size.cells(), STRIDE as usize);
        let layer = self.state.clone().narrow(0, s * cells * stride, cells * stride);
        let life = layer.reshape([cells, stride]).narrow(1, self.life_channel(s), 1);
        life.reshape([cells]).greater_elem(ALIVE_THRESHOLD).float()
    }

    /// The counts on the device: one read-back of `2 + zones` sums.
    fn count_on_device(&self, c: &Census<B>, reference: &Tensor<B, 1>, zones: Option<&Tensor<B, 2>>) -> Counts {
        let now = self.alive_now(c.shape_of);
        let mut sums = vec![now.clone().sum(), (now * reference.clone()).sum()];
        let counted = !c.zones.is_empty() && !c.cover_by.is_empty();
        if counted {
            let alive: Vec<Tensor<B, 1>> = c.cover_by.iter().map(|&s| self.alive_now(s)).collect();
            let any = Tensor::stack::<2>(alive, 0).max_dim(0).reshape([self.size.cells()]);
            sums.push(match zones {
                Some(zones) => (zones.clone() * any.unsqueeze::<2>()).sum_dim(1).reshape([c.zones.len()]),
                // Too many zones for a mask: the covering life itself, counted below.
                None => any,
            });
        }
        let v = crate::rule::host_copy(&Tensor::cat(sums, 0));
        let covered = match (counted, zones) {
            (false, _) => Vec::new(),
            (true, Some(_)) => v[2..].to_vec(),
            (true, None) => {
                let any = &v[2..];
                c.zones.iter().map(|z| z.iter().filter(|&&i| any[i as usize] > 0.5).count() as f32).collect()
            }
        };
        Counts { alive: v[0], both: v[1], covered }
    }

    /// The counts on the host array itself (no copy).
    fn count_on_host(&self, c: &Census<B>) -> Counts {
        let (cells, stride) = (self.size.cells(), STRIDE as usize);
        B::with_host(&self.state, |x| {
            let alive = |s: usize, i: usize| x[(s * cells + i) * stride + self.life_channel(s)] > ALIVE_THRESHOLD;
            let (mut now, mut both) = (0usize, 0usize);
            for (i, &r) in c.reference.iter().enumerate() {
                let a = alive(c.shape_of, i);
                now += a as usize;
                both += (a && r) as usize;
            }
            let covered = c
                .zones
                .iter()
                .map(|z| z.iter().filter(|&&i| c.cover_by.iter().any(|&s| alive(s, i as usize))).count() as f32)
                .collect();
            Counts { alive: now as f32, both: both as f32, covered }
        })
    }

    /// The census's measures now.
    pub fn measure(&self, c: &Census<B>) -> Figures {
        let n = match &c.device {
            Some((reference, zones)) => self.count_on_device(c, reference, zones.as_ref()),
            None => self.count_on_host(c),
        };
        let either = n.alive + c.reference_cells as f32 - n.both;
        Figures {
            shape: if either == 0.0 { 1.0 } else { n.both / either },
            covers: c
                .zones
                .iter()
                .enumerate()
                .map(
                    |(k, z)| if z.is_empty() { 0.0 } else { n.covered.get(k).copied().unwrap_or(0.0) / z.len() as f32 },
                )
                .collect(),
        }
    }
}
