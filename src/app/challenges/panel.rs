//! The challenges on screen: the level list (order, locks, best results, files with errors), and
//! in a level the HUD (goal, clock, live shape %, tool budgets, pause, restart), the world with
//! its zones and hazards drawn over it, the tools on the world, and the result screen.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use super::levels::{Levels, Status};
use super::play::{Challenge, LevelTool, Playing, budget_of};
use crate::app::Scene;
use crate::app::lab::textures::{LiveTexture, upload};
use crate::app::library::Notices;
use crate::app::sim::{BackendDevice, Clock};
use crate::app::tools::KeyboardOverUi;
use crate::app::view::PointerOverUi;
use crate::level::{Goal, Hazard, Level, Stars};
use crate::world::{Shape, WorldBackend};

#[derive(Resource, Default)]
pub struct ChallengeTexture {
    world: Option<LiveTexture>,
    key: Option<(String, u64)>,
    /// Where a scalpel drag started, in cells.
    drag_from: Option<(f32, f32)>,
}

/// A button pressed this frame, carried out after the panel is drawn.
enum Ask {
    Play(String, bool),
    Restart,
    Quit,
}

#[allow(clippy::too_many_arguments)]
pub fn panel<B: WorldBackend>(
    mut contexts: EguiContexts,
    challenge: Option<ResMut<Challenge<B>>>,
    levels: Res<Levels>,
    device: Option<Res<BackendDevice<B>>>,
    mut notices: ResMut<Notices>,
    mut tex: ResMut<ChallengeTexture>,
    mut images: ResMut<Assets<Image>>,
    clock: Res<Clock>,
    mut next: ResMut<NextState<Scene>>,
    mut over_ui: ResMut<PointerOverUi>,
    mut kb_over_ui: ResMut<KeyboardOverUi>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let (Some(mut ch), Some(device)) = (challenge, device) else { return Ok(()) };
    let mut ask = None;
    let mut root = crate::app::ui::scene_root(&ctx, "challenges");
    egui::Panel::left("challenge-side").exact_size(320.0).show(&mut root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            crate::app::ui::scene_tabs(ui, Scene::Challenges, &mut next);
            ui.label(format!("{:.0} fps", clock.fps));
            let c = &mut *ch;
            match c.playing.as_mut() {
                Some(p) => ask = hud(ui, p, &mut c.tool, &mut c.creature),
                None => {
                    ui.heading("Challenges");
                    ui.label("Each level wounds a creature, or asks you to. Win one to open the next.");
                    ui.small(format!("Levels are files in {}: edit one and it reloads.", levels.dir.display()));
                }
            }
            ui.separator();
            for m in notices.recent() {
                ui.small(m.as_str());
            }
        });
    });
    egui::CentralPanel::default().show(&mut root, |ui| {
        let ch = &mut *ch;
        match ch.playing.as_mut() {
            Some(p) => {
                let key = (p.name.clone(), p.image_version);
                if tex.key.as_ref() != Some(&key) && !p.image.is_empty() {
                    let size = p.run.world.size();
                    upload(&mut tex.world, &mut images, &mut contexts, [size.width, size.height], p.image.clone());
                    tex.key = Some(key);
                }
                if let Err(e) = world_view(ui, p, ch.tool, ch.creature, &mut tex) {
                    notices.say(e);
                }
                if let Some(a) = result_window(&ctx, p, &levels) {
                    ask = Some(a);
                }
            }
            None => {
                if let Some(a) = level_list(ui, &levels, &ch.save) {
                    ask = Some(a);
                }
            }
        }
    });
    match ask {
        Some(Ask::Play(name, solution)) => match ch.start(&levels, &name, &device.0) {
            Ok(()) => {
                if let Some(p) = ch.playing.as_mut()
                    && solution
                {
                    p.autoplay = Some(0);
                }
            }
            Err(e) => notices.say(format!("cannot start {name}: {e}")),
        },
        Some(Ask::Restart) => {
            let (name, auto) = ch.playing.as_ref().map(|p| (p.name.clone(), p.autoplay.is_some())).unwrap_or_default();
            if let Err(e) = ch.start(&levels, &name, &device.0) {
                notices.say(format!("cannot restart {name}: {e}"));
            } else if auto && let Some(p) = ch.playing.as_mut() {
                p.autoplay = Some(0);
            }
        }
        Some(Ask::Quit) => ch.playing = None,
        None => {}
    }
    over_ui.0 = true;
    kb_over_ui.0 = ctx.egui_wants_keyboard_input();
    Ok(())
}

pub fn stars_text(n: u8) -> String {
    (0..3).map(|i| if i < n { '★' } else { '☆' }).collect()
}

/// What the goal asks, in a sentence.
pub fn goal_text(g: &Goal) -> String {
    match g {
        Goal::Regrow { shape, within } => {
            format!("Regrow: after the wound, bring it back to {:.0}% of its shape within {within} s.", shape * 100.0)
        }
        Goal::Survive { shape, seconds } => {
            format!("Survive: keep it above {:.0}% of its shape for {seconds} s.", shape * 100.0)
        }
        Goal::Sever { cuts, below, within } => {
            format!(
                "Sever: with at most {cuts} scalpel cut(s), leave it below {:.0}% of its shape {within} s after your last cut.",
                below * 100.0
            )
        }
        Goal::Garden { zones, cover, within } => format!(
            "Garden: cover {:.0}% of each of the {} green zone(s) with life within {within} s.",
            cover * 100.0,
            zones.len()
        ),
    }
}

/// What two and three stars take.
pub fn stars_rule(g: &Goal, s: &Stars) -> String {
    match g {
        Goal::Survive { .. } => {
            format!("★★ never below {:.0}%, ★★★ never below {:.0}%", s.two * 100.0, s.three * 100.0)
        }
        Goal::Sever { .. } => format!("★★ in {} cut(s), ★★★ in {}", s.two, s.three),
        _ => format!("★★ within {} s, ★★★ within {} s", s.two, s.three),
    }
}

fn level_list(ui: &mut egui::Ui, levels: &Levels, save: &crate::level::score::SaveFile) -> Option<Ask> {
    let mut ask = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading("Levels");
        if levels.entries.is_empty() {
            ui.label(format!("No level files in {}.", levels.dir.display()));
        }
        for (i, e) in levels.entries.iter().enumerate() {
            let open = levels.unlocked(i, |n| save.won(n));
            ui.group(|ui| {
                ui.set_width(ui.available_width().min(720.0));
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(format!("{}. {}", i + 1, e.title())).strong());
                    if let Some(b) = save.best.get(&e.name) {
                        ui.label(egui::RichText::new(stars_text(b.stars)).color(egui::Color32::from_rgb(230, 170, 20)));
                        ui.small(format!("best: {:.1} s", b.time));
                    }
                });
                match &e.status {
                    Status::Loading => {
                        ui.small("loading...");
                    }
                    Status::Failed(err) => {
                        ui.colored_label(egui::Color32::from_rgb(200, 40, 40), err);
                    }
                    Status::Ready(l) => {
                        ui.small(&l.brief);
                        ui.small(goal_text(&l.goal));
                        ui.horizontal(|ui| {
                            if open {
                                if ui.button("Play").clicked() {
                                    ask = Some(Ask::Play(e.name.clone(), false));
                                }
                                if ui.small_button("Watch the solution").clicked() {
                                    ask = Some(Ask::Play(e.name.clone(), true));
                                }
                            } else {
                                ui.small("locked: win the level before it");
                            }
                        });
                    }
                }
            });
        }
    });
    ask
}

fn hud<B: WorldBackend>(
    ui: &mut egui::Ui,
    p: &mut Playing<B>,
    tool: &mut LevelTool,
    creature: &mut usize,
) -> Option<Ask> {
    let mut ask = None;
    let run = &p.run;
    let level: &Level = &run.level;
    ui.heading(&level.title);
    ui.label(&level.brief);
    ui.separator();
    ui.label(egui::RichText::new(goal_text(&level.goal)).strong());
    ui.small(stars_rule(&level.goal, &level.stars));
    if let Some(f) = run.growing() {
        ui.add(egui::ProgressBar::new(f).text(format!("growing the creatures: {:.0}%", f * 100.0)));
        return None;
    }
    let t = run.time();
    let clock = match &level.goal {
        Goal::Regrow { within, .. } => match run.since_wound() {
            Some(s) => format!("{s:.1} s of {within} s since the wound"),
            None => format!("{t:.1} s: waiting for the wound"),
        },
        Goal::Survive { seconds, .. } => format!("{t:.1} s of {seconds} s"),
        Goal::Sever { cuts, within, .. } => match run.since_cut() {
            (Some(s), n) => format!("{n} of {cuts} cut(s); {s:.1} s of {within} s since the last"),
            (None, _) => format!("{t:.1} s: no cut yet"),
        },
        Goal::Garden { within, .. } => format!("{t:.1} s of {within} s"),
    };
    ui.label(egui::RichText::new(clock).monospace());
    let target = match &level.goal {
        Goal::Regrow { shape, .. } | Goal::Survive { shape, .. } => Some(*shape),
        Goal::Sever { below, .. } => Some(*below),
        Goal::Garden { .. } => None,
    };
    let bar = egui::ProgressBar::new(run.shape.clamp(0.0, 1.0)).text(match target {
        Some(g) => format!("shape {:.0}% (goal {:.0}%)", run.shape * 100.0, g * 100.0),
        None => format!("shape {:.0}%", run.shape * 100.0),
    });
    ui.add(bar);
    ui.separator();
    ui.label("Tools");
    for (k, name) in LevelTool::ALL {
        let left = budget_of(&run.budget, k);
        let given = budget_of(&level.tools, k);
        if given == 0 {
            continue;
        }
        let label = if k == LevelTool::Shield {
            format!("{name}  {left}/{given}  ({} s)", level.tools.shield_seconds)
        } else {
            format!("{name}  {left}/{given}")
        };
        ui.add_enabled_ui(left > 0, |ui| {
            if ui.selectable_label(*tool == k, label).clicked() {
                *tool = k;
            }
        });
    }
    if level.tools == Default::default() {
        ui.small("No tools in this level: watch.");
    } else {
        ui.small(match tool {
            LevelTool::Scalpel => "Drag across the creature to cut.",
            LevelTool::Wall => "Drag to build a wall: nothing grows through it.",
            LevelTool::Seed => "Click to plant a seed.",
            _ => "Click on the world.",
        });
    }
    if level.tools.seeds > 0 && level.creatures.len() > 1 {
        egui::ComboBox::from_label("seed of").selected_text(creature_name(level, *creature)).show_ui(ui, |ui| {
            for i in 0..level.creatures.len() {
                ui.selectable_value(creature, i, creature_name(level, i));
            }
        });
    }
    ui.separator();
    ui.horizontal(|ui| {
        if ui.button(if p.paused { "Resume" } else { "Pause" }).clicked() {
            p.paused = !p.paused;
        }
        if ui.button("Restart").clicked() {
            ask = Some(Ask::Restart);
        }
        if ui.button("Levels").clicked() {
            ask = Some(Ask::Quit);
        }
    });
    if p.autoplay.is_some() {
        ui.small("Playing the level's own solution.");
    }
    ask
}

fn creature_name(level: &Level, i: usize) -> String {
    level
        .creatures
        .get(i)
        .map(|c| std::path::Path::new(&c.creature).file_stem().and_then(|s| s.to_str()).unwrap_or("?").to_string())
        .unwrap_or_default()
}

/// The world, scaled to fit, with the tools on it and the level's zones and hazards drawn over.
fn world_view<B: WorldBackend>(
    ui: &mut egui::Ui,
    p: &mut Playing<B>,
    tool: LevelTool,
    creature: usize,
    tex: &mut ChallengeTexture,
) -> std::result::Result<(), String> {
    let Some(lt) = &tex.world else { return Ok(()) };
    let size = p.run.world.size();
    let room = ui.available_size();
    let scale = ((room.x / size.width as f32).min(room.y / size.height as f32)).floor().max(1.0);
    let r = ui.add(egui::Image::new((lt.id, lt.size() * scale)).sense(egui::Sense::click_and_drag()));
    let origin = r.rect.min;
    let to_screen = |x: f32, y: f32| origin + egui::vec2(x * scale, y * scale);
    let painter = ui.painter_at(r.rect);
    let green = egui::Stroke::new(2.0, egui::Color32::from_rgb(40, 170, 60));
    let red = egui::Stroke::new(2.0, egui::Color32::from_rgb(200, 50, 40));
    let level = &p.run.level;
    if let Goal::Garden { zones, .. } = &level.goal {
        for z in zones {
            outline(&painter, z, &to_screen, scale, green);
        }
    }
    let t = p.run.time();
    for h in &level.hazards {
        match h {
            Hazard::Acid(s) => outline(&painter, s, &to_screen, scale, red),
            Hazard::Sweep { from, to, radius, period } => {
                let phase = (t / period.max(0.1)).fract();
                let k = if phase < 0.5 { phase * 2.0 } else { 2.0 - phase * 2.0 };
                let (x, y) = (from.0 + (to.0 - from.0) * k, from.1 + (to.1 - from.1) * k);
                painter.line_segment(
                    [to_screen(from.0, from.1), to_screen(to.0, to.1)],
                    egui::Stroke::new(1.0, egui::Color32::from_rgba_unmultiplied(200, 50, 40, 90)),
                );
                outline(&painter, &Shape::Disc { x, y, r: *radius }, &to_screen, scale, red);
            }
            Hazard::Spin(_) => {}
        }
    }
    let w = size.width;
    let blue = egui::Color32::from_rgba_unmultiplied(60, 120, 230, 70);
    for cells in p.run.shields() {
        for &c in cells {
            let (x, y) = ((c as usize % w) as f32, (c as usize / w) as f32);
            painter.rect_filled(egui::Rect::from_min_max(to_screen(x, y), to_screen(x + 1.0, y + 1.0)), 0.0, blue);
        }
    }
    let cell = |pos: egui::Pos2| ((pos.x - origin.x) / scale, (pos.y - origin.y) / scale);
    if p.run.outcome().is_some() {
        return Ok(());
    }
    if let Some(pos) = r.hover_pos() {
        let (x, y) = cell(pos);
        let rad = tool.radius();
        if rad > 0.0 && !tool.drags() {
            painter.circle_stroke(to_screen(x, y), rad * scale, egui::Stroke::new(1.0, egui::Color32::GRAY));
        }
    }
    match tool {
        t if t.drags() => {
            if r.drag_started()
                && let Some(pos) = r.interact_pointer_pos()
            {
                tex.drag_from = Some(cell(pos));
            }
            if let (Some(from), Some(pos)) = (tex.drag_from, r.interact_pointer_pos()) {
                painter.line_segment(
                    [to_screen(from.0, from.1), pos],
                    egui::Stroke::new(2.0, egui::Color32::from_rgb(220, 60, 60)),
                );
            }
            if r.drag_stopped()
                && let (Some(from), Some(pos)) = (tex.drag_from.take(), r.interact_pointer_pos())
            {
                return p.act(tool.action(from, cell(pos), creature));
            }
            // A click without a drag: a dot.
            if r.clicked()
                && let Some(pos) = r.interact_pointer_pos()
            {
                let c = cell(pos);
                return p.act(tool.action(c, c, creature));
            }
        }
        _ => {
            if r.clicked()
                && let Some(pos) = r.interact_pointer_pos()
            {
                let c = cell(pos);
                return p.act(tool.action(c, c, creature));
            }
        }
    }
    Ok(())
}

fn outline(
    painter: &egui::Painter,
    s: &Shape,
    to_screen: &impl Fn(f32, f32) -> egui::Pos2,
    scale: f32,
    stroke: egui::Stroke,
) {
    match *s {
        Shape::Disc { x, y, r } => {
            painter.circle_stroke(to_screen(x, y), r * scale, stroke);
        }
        Shape::Square { x, y, half } => {
            painter.rect_stroke(
                egui::Rect::from_min_max(to_screen(x - half, y - half), to_screen(x + half, y + half)),
                0.0,
                stroke,
                egui::StrokeKind::Inside,
            );
        }
        Shape::Ring { x, y, r_in, r_out } => {
            painter.circle_stroke(to_screen(x, y), r_in * scale, stroke);
            painter.circle_stroke(to_screen(x, y), r_out * scale, stroke);
        }
        Shape::Line { x0, y0, x1, y1, width } => {
            painter.line_segment(
                [to_screen(x0, y0), to_screen(x1, y1)],
                egui::Stroke::new(width * scale, stroke.color.gamma_multiply(0.5)),
            );
        }
        Shape::Half { .. } => {}
    }
}

fn result_window<B: WorldBackend>(ctx: &egui::Context, p: &Playing<B>, levels: &Levels) -> Option<Ask> {
    let o = p.run.outcome()?;
    let mut ask = None;
    egui::Window::new(if o.won { "Level won" } else { "Level lost" })
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(160.0, 0.0))
        .show(ctx, |ui| {
            if o.won {
                ui.label(
                    egui::RichText::new(stars_text(o.stars)).size(32.0).color(egui::Color32::from_rgb(230, 170, 20)),
                );
            }
            ui.label(&o.why);
            ui.label(format!("time: {:.1} s", o.time));
            if p.autoplay.is_some() {
                ui.small("(the level's own solution: not counted)");
            }
            if let Some(r) = &p.result
                && let Some(b) = &r.best
            {
                ui.label(format!(
                    "best: {} in {:.1} s{}",
                    stars_text(b.stars),
                    b.time,
                    if r.new_best { " (new best!)" } else { "" }
                ));
            }
            ui.horizontal(|ui| {
                let next = levels.find(&p.name).and_then(|i| levels.entries.get(i + 1));
                if o.won
                    && let Some(n) = next
                    && matches!(n.status, Status::Ready(_))
                    && ui.button("Next level").clicked()
                {
                    ask = Some(Ask::Play(n.name.clone(), false));
                }
                if ui.button("Retry").clicked() {
                    ask = Some(Ask::Restart);
                }
                if ui.button("Levels").clicked() {
                    ask = Some(Ask::Quit);
                }
                if !p.moves.is_empty()
                    && ui.small_button("Copy my moves").on_hover_text("as a `solution` for the level file").clicked()
                {
                    ui.ctx().copy_text(p.moves_ron());
                }
            });
        });
    ask
}
