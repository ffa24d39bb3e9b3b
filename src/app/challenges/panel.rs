//! The challenges on screen: the level list (order, locks, best results, files with errors), and
//! in a level the HUD (`hud`: goal, clock, live shape %, tool budgets, pause, restart), the world
//! with its zones and hazards drawn over it and the tools on it (`board`), and the result screen.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use super::board::world_view;
use super::hud::hud;
pub use super::hud::{goal_text, stars_rule, stars_text};
use super::levels::{Levels, Status};
use super::panel_state::{Ask, ChallengeTexture};
use super::play::{Challenge, Playing};
use crate::app::Scene;
use crate::app::shell::Notices;
use crate::app::shell::textures::upload;
use crate::app::shell::widgets::{scene_root, scene_tabs};
use crate::app::sim::{BackendDevice, Clock};
use crate::rule::RuleBackend;

#[allow(clippy::too_many_arguments)]
pub fn panel<B: RuleBackend>(
    mut contexts: EguiContexts,
    challenge: Option<ResMut<Challenge<B>>>,
    levels: Res<Levels>,
    device: Option<Res<BackendDevice<B>>>,
    mut notices: ResMut<Notices>,
    mut tex: ResMut<ChallengeTexture>,
    mut images: ResMut<Assets<Image>>,
    clock: Res<Clock>,
    mut next: ResMut<NextState<Scene>>,
    mut pictures: Option<ResMut<super::levels::LevelPictures>>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let (Some(mut ch), Some(device)) = (challenge, device) else { return Ok(()) };
    let mut ask = None;
    let mut root = scene_root(&ctx, "challenges");
    egui::Panel::left("challenge-side").exact_size(320.0).show(&mut root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            scene_tabs(ui, Scene::Challenges, &mut next);
            ui.label(format!("{:.0} fps", clock.fps));
            let c = &mut *ch;
            match c.playing.as_mut() {
                Some(p) => ask = hud(ui, p, &mut c.tool, &mut c.creature),
                None => {
                    ui.heading("Challenges");
                    ui.label("Each level wounds a creature, or asks you to. Win one to open the next.");
                    for d in levels.disk_dirs() {
                        ui.small(format!("Levels of your own go in {}: edit one and it reloads.", d.display()));
                    }
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
                if let Some(a) = level_list(ui, &levels, &ch.save, pictures.as_deref_mut()) {
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
        Some(Ask::Act(a)) => {
            if let Some(p) = ch.playing.as_mut()
                && let Err(e) = p.act(a)
            {
                notices.say(e);
            }
        }
        None => {}
    }
    Ok(())
}

/// Side of a level's picture in the list, points.
const PICTURE: f32 = 96.0;

fn level_list(
    ui: &mut egui::Ui,
    levels: &Levels,
    save: &crate::level::score::SaveFile,
    mut pictures: Option<&mut super::levels::LevelPictures>,
) -> Option<Ask> {
    let mut ask = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading("Levels");
        if levels.entries.is_empty() {
            ui.label("No level files.");
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
                    Status::Failed(err) => {
                        ui.colored_label(egui::Color32::from_rgb(200, 40, 40), err);
                    }
                    Status::Ready(l) => {
                        ui.horizontal_top(|ui| {
                            if let Some(tex) = pictures.as_deref_mut().and_then(|p| picture(ui, p, &e.name, e.version))
                            {
                                let [w, h] = tex.size();
                                let k = PICTURE / w.max(h).max(1) as f32;
                                ui.image((tex.id(), egui::vec2(w as f32 * k, h as f32 * k)));
                            }
                            ui.vertical(|ui| {
                                ui.small(&l.brief);
                                ui.small(goal_text(l));
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
                            });
                        });
                    }
                }
            });
        }
    });
    ask
}

/// A level's picture as an egui texture, made on first use; none until the thumbnail worker has
/// grown the level (or when its picture is of an older version of the file).
fn picture(
    ui: &egui::Ui,
    pictures: &mut super::levels::LevelPictures,
    name: &str,
    version: u64,
) -> Option<egui::TextureHandle> {
    let (v, (w, h, rgba), tex) = pictures.0.get_mut(name)?;
    if *v != version {
        return None;
    }
    let tex = tex.get_or_insert_with(|| {
        ui.ctx().load_texture(
            format!("level-{name}"),
            egui::ColorImage::from_rgba_unmultiplied([*w, *h], rgba),
            egui::TextureOptions::NEAREST,
        )
    });
    Some(tex.clone())
}

fn result_window<B: RuleBackend>(ctx: &egui::Context, p: &Playing<B>, levels: &Levels) -> Option<Ask> {
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
