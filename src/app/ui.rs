//! The side panel (egui): counters, time controls, view, tools, library and species, capture,
//! notices and the shortcuts.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::capture::CaptureRequests;
use super::library::{Library, plant};
use super::library_panel::{Thumbnails, library_list};
use super::shell::Notices;
use super::shell::widgets::{scene_root, scene_tabs};
use super::sim::{Clock, Sandbox};
use super::speed::{LEVELS, Speed};
use super::tools::{Stamp, Tool, ToolSettings};
use crate::rule::RuleBackend;
use crate::world::ViewMode;

backend_plugin!(UiPlugin);

impl<B: RuleBackend> Plugin for UiPlugin<B> {
    fn build(&self, app: &mut App) {
        app.init_resource::<Thumbnails>().add_systems(
            EguiPrimaryContextPass,
            panel::<B>.run_if(in_state(super::Scene::Sandbox)).in_set(super::shell::Panels),
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn panel<B: RuleBackend>(
    mut contexts: EguiContexts,
    sandbox: Option<ResMut<Sandbox<B>>>,
    mut clock: ResMut<Clock>,
    mut tools: ResMut<ToolSettings>,
    mut lib: ResMut<Library>,
    mut capture: ResMut<CaptureRequests>,
    mut notices: ResMut<Notices>,
    mut thumbs: ResMut<Thumbnails>,
    mut next: ResMut<NextState<super::Scene>>,
    mut settings: ResMut<super::settings::Settings>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let Some(mut sandbox) = sandbox else { return Ok(()) };
    let mut root = scene_root(&ctx, "viewport");
    egui::Panel::left("side").exact_size(300.0).show(&mut root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            scene_tabs(ui, super::Scene::Sandbox, &mut next);
            status(ui, &sandbox, &clock);
            time_controls(ui, &mut sandbox, &mut clock, &lib, &mut notices);
            ui.checkbox(&mut settings.calm, "calm: no wound flash, at most 4 steps a frame")
                .on_hover_text("for photosensitive players: nothing flashes or flickers");
            ui.separator();
            view_picker(ui, &mut clock);
            ui.separator();
            tool_picker(ui, &mut tools);
            ui.separator();
            library_list(ui, &ctx, &mut lib, &mut tools, &mut thumbs);
            species_list(ui, &mut sandbox, &lib, &mut notices);
            ui.separator();
            capture_buttons(ui, &mut capture);
            recent_notices(ui, &notices);
            ui.separator();
            ui.collapsing("Controls", |ui| {
                ui.small(CONTROLS);
            });
        });
    });
    Ok(())
}

const CONTROLS: &str = "Left drag: use the tool   Wheel: zoom   Middle/right drag: pan\nSpace pause, . step, -/+ speed, V view, P screenshot, G record\nE eraser, C scalpel, S seed, W wall, T stamp, R rotate, F graft; 1-9 pick a creature; double-click plants it";

/// The step, the rates and the world's size.
fn status<B: RuleBackend>(ui: &mut egui::Ui, sandbox: &Sandbox<B>, clock: &Clock) {
    let size = sandbox.world.size();
    ui.label(format!(
        "step {}   {:.0} steps/s   {:.0} fps\nworld {}x{}{}   stepping {:.1} ms/frame",
        sandbox.world.steps(),
        clock.steps_per_sec,
        clock.fps,
        size.width,
        size.height,
        if size.wrap { " (wrap)" } else { "" },
        clock.step_ms
    ));
}

/// Play, pause, one step, reset, clear and the speed.
fn time_controls<B: RuleBackend>(
    ui: &mut egui::Ui,
    sandbox: &mut Sandbox<B>,
    clock: &mut Clock,
    lib: &Library,
    notices: &mut Notices,
) {
    ui.horizontal(|ui| {
        if ui.button(if clock.paused { "Play [Space]" } else { "Pause [Space]" }).clicked() {
            clock.paused = !clock.paused;
        }
        if ui.button("Step [.]").clicked() {
            clock.paused = true;
            clock.step_once = true;
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Reset").on_hover_text("clear and plant the selected creature in the middle").clicked() {
            sandbox.world.clear();
            if let Some(e) = lib.selected {
                let size = sandbox.world.size();
                let (w, h) = (size.width as i64, size.height as i64);
                if let Err(m) = plant(sandbox, lib, e, w / 2, h / 2) {
                    notices.say(m);
                }
            }
        }
        if ui.button("Clear").clicked() {
            sandbox.world.clear();
        }
    });
    let mut level = clock.speed.level();
    let label = format!("speed {} [-/+]", clock.speed.label());
    ui.add(egui::Slider::new(&mut level, 0..=LEVELS.len() - 1).show_value(false).text(label));
    if level != clock.speed.level() {
        clock.speed = Speed::from_level(level);
    }
}

/// RGBA, alpha, or one hidden channel.
fn view_picker(ui: &mut egui::Ui, clock: &mut Clock) {
    ui.label("View [V]");
    ui.horizontal(|ui| {
        let v = clock.view;
        if ui.selectable_label(v == ViewMode::Rgba, "RGBA").clicked() {
            clock.view = ViewMode::Rgba;
        }
        if ui.selectable_label(v == ViewMode::Alpha, "alpha").clicked() {
            clock.view = ViewMode::Alpha;
        }
        let hidden = matches!(v, ViewMode::Channel(_));
        if ui.selectable_label(hidden, "hidden").clicked() && !hidden {
            clock.view = ViewMode::Channel(4);
        }
    });
    if let ViewMode::Channel(mut c) = clock.view {
        ui.add(egui::Slider::new(&mut c, 4..=15).text("channel"));
        clock.view = ViewMode::Channel(c);
    }
}

/// The tools, and the settings of the one picked.
fn tool_picker(ui: &mut egui::Ui, tools: &mut ToolSettings) {
    ui.label("Tools");
    ui.horizontal_wrapped(|ui| {
        for (tool, name, _, key) in Tool::ALL {
            if ui.selectable_label(tools.tool == tool, format!("{name} [{key}]")).clicked() {
                tools.tool = tool;
            }
        }
    });
    match tools.tool {
        Tool::Eraser => {
            ui.add(egui::Slider::new(&mut tools.eraser_radius, 1.0..=40.0).text("radius"));
        }
        Tool::Scalpel => {
            ui.add(egui::Slider::new(&mut tools.scalpel_width, 1.0..=8.0).text("gap width"));
            ui.small("drag a line to cut");
        }
        Tool::Wall => {
            ui.add(egui::Slider::new(&mut tools.wall_radius, 0.5..=10.0).text("radius"));
            ui.small("drag to build; hold Shift to remove");
        }
        Tool::Seed => {
            ui.small("click to plant the selected creature");
        }
        Tool::Stamp => stamp_picker(ui, tools),
        Tool::Rotate => {
            ui.small("drag left/right to turn the selected species' perception");
        }
        Tool::Graft => {
            ui.add(egui::Slider::new(&mut tools.eraser_radius, 1.0..=40.0).text("radius"));
            ui.small("drag over living cells: they keep their state and obey the selected creature's rule");
        }
    }
}

fn stamp_picker(ui: &mut egui::Ui, tools: &mut ToolSettings) {
    ui.horizontal(|ui| {
        for (s, n) in [(Stamp::Half, "half"), (Stamp::Square, "square"), (Stamp::Ring, "ring")] {
            if ui.selectable_label(tools.stamp == s, n).clicked() {
                tools.stamp = s;
            }
        }
    });
    if tools.stamp == Stamp::Half {
        ui.add(egui::Slider::new(&mut tools.stamp_angle_deg, 0.0..=359.0).text("side (deg)"));
    }
}

/// Each species in the world: its rotation and fire rate, and a swap to the selected rule.
fn species_list<B: RuleBackend>(ui: &mut egui::Ui, sandbox: &mut Sandbox<B>, lib: &Library, notices: &mut Notices) {
    let n = sandbox.world.species().len();
    if n == 0 {
        return;
    }
    ui.separator();
    ui.label("Species in the world");
    for s in 0..n {
        let r = sandbox.world.species()[s].clone();
        ui.label(&r.name);
        let mut deg = r.angle.to_degrees();
        ui.add(egui::Slider::new(&mut deg, -180.0..=180.0).text("rotation"));
        let mut fire = r.fire_rate;
        ui.add(egui::Slider::new(&mut fire, 0.05..=1.0).text("fire rate"));
        if deg != r.angle.to_degrees() {
            sandbox.world.set_angle(s, deg.to_radians());
        }
        if fire != r.fire_rate {
            sandbox.world.set_fire_rate(s, fire);
        }
        let Some(e) = lib.selected.and_then(|i| lib.entries.get(i)).filter(|e| e.name != r.name) else { continue };
        let swap = ui
            .button(format!("swap rule to {}", e.name))
            .on_hover_text("every cell of this species keeps its state and obeys the other rule");
        if swap.clicked() {
            let result = if sandbox.world.find_species(&e.name).is_some() {
                Err(format!("{} already lives in the world as a species of its own", e.name))
            } else {
                sandbox.world.set_rule(s, &e.name, &e.weights).map_err(String::from)
            };
            if let Err(m) = result {
                notices.say(m);
            }
        }
    }
}

fn capture_buttons(ui: &mut egui::Ui, capture: &mut CaptureRequests) {
    ui.horizontal(|ui| {
        if ui.button("Screenshot [P]").clicked() {
            capture.screenshot = true;
        }
        let rec = capture.recording.is_some();
        if ui.button(if rec { "Stop GIF [G]" } else { "Record GIF [G]" }).clicked() {
            capture.toggle_recording = true;
        }
    });
}

fn recent_notices(ui: &mut egui::Ui, notices: &Notices) {
    let recent: Vec<&String> = notices.recent().collect();
    if !recent.is_empty() {
        ui.separator();
        for m in recent {
            ui.small(m.as_str());
        }
    }
}
