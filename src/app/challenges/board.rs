//! The world of a level in play, scaled to fit the window: the tools act on it with the mouse, and
//! the level's zones, hazards and shields are drawn over it.

use bevy::prelude::*;
use bevy_egui::egui;

use super::panel_state::ChallengeTexture;
use super::play::{LevelTool, Playing};
use crate::level::Hazard;
use crate::rule::RuleBackend;
use crate::world::Shape;

/// The world, scaled to fit, with the tools on it and the level's zones and hazards drawn over.
pub(super) fn world_view<B: RuleBackend>(
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
    for z in level.goal.zones() {
        outline(&painter, z, &to_screen, scale, green);
    }
    let t = p.run.time();
    for h in &level.hazards {
        match h {
            Hazard::Acid(s) => outline(&painter, s, &to_screen, scale, red),
            Hazard::Sweep { from, to, radius, period } => {
                let (x, y) = Hazard::sweep_at(*from, *to, *period, t);
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
