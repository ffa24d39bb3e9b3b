//! The first five minutes: the game opens as the Distill demo does, on a regenerating lizard
//! already grown in the middle of the world, zoomed in, the eraser ready, and a hint on the world
//! that goes once the player has done something. A script starts from an empty world instead.

use bevy::input::mouse::AccumulatedMouseScroll;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::library::{Library, species_for};
use super::shell::UiFocus;
use super::sim::Sandbox;
use super::tools::{Tool, ToolSettings};
use super::view::ViewState;
use crate::nca::NcaConfig;
use crate::rule::RuleBackend;
use crate::simulation::Simulation;

/// The creatures the game opens on, the first found: the paper's regenerating lizard heals every
/// wound type the tools deal; ours is the fallback.
const OPENING: [&str; 2] = ["ex3_lizard", "lizard"];
/// Steps it has grown when the window opens (grown on the CPU in a fraction of a second).
const GROWN: usize = 300;
/// Side of the grid it grows on before it is laid into the world.
const GRID: usize = 72;
/// Pixels per cell: the lizard (about 40 cells) fills about half the window's height.
const ZOOM: f32 = 8.0;

pub const HINT: &str = "drag to wound, double-click to plant, wheel to zoom";

/// The hint on the world, until the first action.
#[derive(Resource, Default, Debug)]
pub struct Hint(pub Option<&'static str>);

backend_plugin!(OpeningPlugin);

impl<B: RuleBackend> Plugin for OpeningPlugin<B> {
    fn build(&self, app: &mut App) {
        app.init_resource::<Hint>()
            .add_systems(PostStartup, open::<B>.after(super::settings::apply))
            .add_systems(Update, hide_hint.run_if(in_state(super::Scene::Sandbox)))
            .add_systems(EguiPrimaryContextPass, draw_hint.run_if(in_state(super::Scene::Sandbox)));
    }
}

/// Lays the grown opening creature into the middle of the world and frames it.
fn open<B: RuleBackend>(
    opts: Res<super::PlayOptions>,
    sandbox: Option<ResMut<Sandbox<B>>>,
    mut lib: ResMut<Library>,
    mut tools: ResMut<ToolSettings>,
    mut view: Option<ResMut<ViewState>>,
    mut hint: ResMut<Hint>,
    settings: Option<Res<super::settings::Settings>>,
) {
    let Some(mut sandbox) = sandbox else { return };
    if opts.script.is_some() {
        return;
    }
    let Some(i) = OPENING.iter().find_map(|n| lib.find(n)) else { return };
    match grow_into(&mut sandbox, &lib, i) {
        Ok(()) => {
            // The creature picked last time stays picked (the settings restored it).
            if settings.is_none_or(|s| s.last_creature.is_none()) {
                lib.selected = Some(i);
            }
            tools.tool = Tool::Eraser;
            hint.0 = Some(HINT);
            if let Some(view) = view.as_mut() {
                // Centred in the part of the window right of the 300-pixel panel.
                view.scale = 1.0 / ZOOM;
                view.center = Vec2::new(-150.0 / ZOOM, 0.0);
            }
        }
        Err(e) => warn!("the opening creature could not be grown: {e}"),
    }
}

/// Grows library entry `i` from a seed on the CPU and lays it into the middle of the world.
pub fn grow_into<B: RuleBackend>(sandbox: &mut Sandbox<B>, lib: &Library, i: usize) -> Result<(), String> {
    let e = &lib.entries[i];
    if !e.weights.spec.alive_masking {
        return Err(format!("{} is a texture, not a creature that grows from a seed", e.name));
    }
    let s = species_for(sandbox, lib, i)?;
    let cfg = NcaConfig { fire_rate: e.fire_rate, angle: e.angle, ..Default::default() };
    let cpu = Default::default();
    let mut sim = Simulation::<crate::backend::CpuBackend>::from_seed(&e.weights, cfg, [1, GRID, GRID], 1, &cpu);
    sim.run(GROWN);
    let grown = sim.host_state();
    let size = sandbox.world.size();
    let (ch, wc) = (e.weights.spec.channels, crate::world::STATE_STRIDE);
    let mut state = sandbox.world.host_state();
    let (x0, y0) = (size.width.saturating_sub(GRID) / 2, size.height.saturating_sub(GRID) / 2);
    for y in 0..GRID.min(size.height) {
        for x in 0..GRID.min(size.width) {
            let src = (y * GRID + x) * ch;
            let dst = ((s * size.height + y0 + y) * size.width + x0 + x) * wc;
            state[dst..dst + ch].copy_from_slice(&grown[src..src + ch]);
        }
    }
    Ok(sandbox.world.set_state(state)?)
}

/// The first press on the world, turn of the wheel over it or key ends the hint.
fn hide_hint(
    mut hint: ResMut<Hint>,
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    scroll: Res<AccumulatedMouseScroll>,
    focus: Res<UiFocus>,
) {
    if hint.0.is_none() {
        return;
    }
    let on_world = !focus.pointer && (buttons.get_just_pressed().next().is_some() || scroll.delta != Vec2::ZERO);
    // A screenshot or a recording is no action in the world: the hint may be in the picture.
    let capture = [KeyCode::F12, KeyCode::KeyP, KeyCode::KeyG];
    let typed = !focus.keyboard && keys.get_just_pressed().any(|k| !capture.contains(k));
    if on_world || typed {
        hint.0 = None;
    }
}

fn draw_hint(mut contexts: EguiContexts, hint: Res<Hint>) -> Result {
    let Some(text) = hint.0 else { return Ok(()) };
    let ctx = contexts.ctx_mut()?;
    // Over the world, below the creature, clear of the 300-pixel panel.
    let rect = ctx.viewport_rect();
    let at = egui::pos2(rect.left() + 300.0 + (rect.width() - 300.0) / 2.0, rect.bottom() - 60.0);
    egui::Area::new("hint".into()).fixed_pos(at).pivot(egui::Align2::CENTER_CENTER).interactable(false).show(
        ctx,
        |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| ui.label(egui::RichText::new(text).size(18.0)));
        },
    );
    Ok(())
}
