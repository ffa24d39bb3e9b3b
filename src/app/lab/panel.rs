//! The lab's panels (egui): on the left the image, its settings and Train (`draft_form`), the
//! trainings (`jobs`); in the centre the shown training's figures, loss curve, batch and preview
//! (`live`).

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::LabState;
use super::draft_form::draft_form;
use super::jobs::job_list;
use super::live::centre;
use super::painting::{LabTextures, Painting};
use super::preview::Preview;
use crate::app::Scene;
use crate::app::library::Library;
use crate::app::shell::Notices;
use crate::app::shell::widgets::{scene_root, scene_tabs};
use crate::app::sim::Clock;
use crate::rule::RuleBackend;

pub fn build<B: RuleBackend>(app: &mut App) {
    app.init_resource::<LabTextures>().add_systems(
        EguiPrimaryContextPass,
        lab_panel::<B>.run_if(in_state(Scene::Lab)).in_set(crate::app::shell::Panels),
    );
}

#[allow(clippy::too_many_arguments)]
fn lab_panel<B: RuleBackend>(
    mut contexts: EguiContexts,
    state: Option<ResMut<LabState>>,
    lib: Res<Library>,
    mut notices: ResMut<Notices>,
    mut preview: ResMut<Preview<B>>,
    mut tex: ResMut<LabTextures>,
    mut images: ResMut<Assets<Image>>,
    clock: Res<Clock>,
    mut next: ResMut<NextState<Scene>>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let Some(mut state) = state else { return Ok(()) };
    if let Some(p) = state.picker.show(&ctx) {
        match state.open_image(&p) {
            Ok(()) => {
                state.refresh_estimate();
                notices.say(format!("{}: ready to train", p.display()));
            }
            Err(e) => notices.say(format!("not a training target: {e}")),
        }
    }
    let mut root = scene_root(&ctx, "lab");
    egui::Panel::left("lab-side").exact_size(320.0).show(&mut root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            scene_tabs(ui, Scene::Lab, &mut next);
            ui.label(format!("{:.0} fps", clock.fps));
            draft_form(
                ui,
                &mut state,
                &lib,
                &mut notices,
                &mut Painting { images: &mut images, contexts: &mut contexts, tex: &mut tex },
            );
            job_list(ui, &mut state, &mut notices);
            ui.separator();
            for m in notices.recent() {
                ui.small(m.as_str());
            }
        });
    });
    egui::CentralPanel::default().show(&mut root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            centre(
                ui,
                &mut state,
                &mut preview,
                &mut Painting { images: &mut images, contexts: &mut contexts, tex: &mut tex },
            )
        });
    });
    Ok(())
}
