//! The egui pieces every scene's panel is built from.

use bevy::prelude::*;
use bevy_egui::egui;

use crate::app::Scene;

/// A full-window egui area under every window, for a scene's panels.
pub fn scene_root(ctx: &egui::Context, id: &'static str) -> egui::Ui {
    egui::Ui::new(
        ctx.clone(),
        id.into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    )
}

/// The row of scene buttons at the top of every scene's panel.
pub fn scene_tabs(ui: &mut egui::Ui, current: Scene, next: &mut NextState<Scene>) {
    ui.horizontal(|ui| {
        for (s, name) in [(Scene::Sandbox, "Sandbox"), (Scene::Lab, "Lab"), (Scene::Challenges, "Challenges")] {
            if ui.selectable_label(current == s, egui::RichText::new(name).heading()).clicked() && current != s {
                next.set(s);
            }
        }
    });
    ui.separator();
}
