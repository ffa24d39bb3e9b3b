//! The lab's preview: the shown training's latest weights growing from a seed in a small world
//! of the target's size, re-planted whenever new weights arrive; the user may wound it.

use bevy::prelude::*;

use super::LabState;
use crate::app::sim::BackendDevice;
use crate::rule::RuleBackend;
use crate::world::{EditOp, Shape, SpeciesRule, ViewMode, World, WorldSize};

#[derive(Resource)]
pub struct Preview<B: RuleBackend> {
    pub world: Option<World<B>>,
    /// (training id, iteration) of the weights growing now.
    pub source: Option<(u64, u64)>,
    /// The latest picture, RGBA8, and a counter that changes with it.
    pub image: Option<(usize, usize, Vec<u8>)>,
    pub version: u64,
    /// Wounds asked for by the panel, applied before the next step.
    pub wounds: Vec<Shape>,
    pub steps_per_frame: usize,
}

impl<B: RuleBackend> Default for Preview<B> {
    fn default() -> Self {
        Self { world: None, source: None, image: None, version: 0, wounds: Vec::new(), steps_per_frame: 2 }
    }
}

pub fn build<B: RuleBackend>(app: &mut App) {
    app.init_resource::<Preview<B>>();
}

/// Steps after which the preview stops and holds its picture (a grown creature, no more work).
const PREVIEW_STEPS: u64 = 1000;

pub fn advance<B: RuleBackend>(
    state: Option<Res<LabState>>,
    mut preview: ResMut<Preview<B>>,
    device: Option<Res<BackendDevice<B>>>,
) {
    let (Some(state), Some(device)) = (state, device) else { return };
    let Some(job) = state.shown_job() else { return };
    let (snapshot, dims) = {
        let live = job.live();
        let fresh = live.snapshot.as_ref().is_some_and(|s| preview.source != Some((job.id, s.iteration)));
        (fresh.then(|| live.snapshot.clone()).flatten(), live.target.as_ref().map(|t| (t.width, t.height)))
    };
    if let Some(s) = snapshot {
        let (w, h) = dims.unwrap_or((72, 72));
        let Ok(size) = WorldSize::new(w.max(8), h.max(8), false) else { return };
        let mut world = World::<B>::new(size, 1, &device.0);
        let rule = SpeciesRule {
            name: job.name.clone(),
            weights: s.weights,
            angle: s.rule.angle,
            fire_rate: s.rule.fire_rate,
        };
        match world.add_species(rule) {
            Ok(sp) => {
                if let Some(c) = size.cell(size.width as i64 / 2, size.height as i64 / 2) {
                    world.edit(&[(c, EditOp::Seed(sp))]);
                }
                preview.world = Some(world);
            }
            Err(e) => warn!("preview: {e}"),
        }
        preview.source = Some((job.id, s.iteration));
    }
    let p = &mut *preview;
    let Some(world) = p.world.as_mut() else { return };
    let size = world.size();
    let edits: Vec<(u32, EditOp)> =
        p.wounds.drain(..).flat_map(|s| s.cells(size)).map(|c| (c, EditOp::Erase)).collect();
    let wounded = !edits.is_empty();
    if wounded {
        world.edit(&edits);
    }
    if world.steps() < PREVIEW_STEPS || wounded {
        for _ in 0..p.steps_per_frame {
            world.step();
        }
        p.image = Some((size.width, size.height, world.snapshot(ViewMode::Rgba)));
        p.version += 1;
    }
}
