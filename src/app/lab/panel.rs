//! The lab's panels (egui): on the left the image, its settings, Train, the queue and the
//! unfinished trainings; in the centre the shown training's figures, loss curve, batch and
//! preview.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::LabState;
use super::plot;
use super::preview::Preview;
use super::textures::{LiveTexture, upload};
use crate::app::Scene;
use crate::app::library::{Library, Notices};
use crate::app::sim::Clock;
use crate::app::tools::KeyboardOverUi;
use crate::app::view::PointerOverUi;
use crate::backend::Resolved;
use crate::lab::JobState;
use crate::lab::estimate::hms;
use crate::target::Background;
use crate::train::Mode;
use crate::train::session::Stop;
use crate::world::{Shape, WorldBackend};

pub fn build<B: WorldBackend>(app: &mut App) {
    app.init_resource::<LabTextures>().add_systems(EguiPrimaryContextPass, lab_panel::<B>.run_if(in_state(Scene::Lab)));
}

/// The lab's pictures, each with the key of what it shows now.
#[derive(Resource, Default)]
pub struct LabTextures {
    target: Option<LiveTexture>,
    target_key: Option<u64>,
    batch: Option<LiveTexture>,
    batch_key: Option<(u64, u64)>,
    preview: Option<LiveTexture>,
    preview_key: Option<u64>,
}

/// What `side` and `centre` need to put pictures on screen.
struct Painting<'a, 'w, 's> {
    images: &'a mut Assets<Image>,
    contexts: &'a mut EguiContexts<'w, 's>,
    tex: &'a mut LabTextures,
}

#[allow(clippy::too_many_arguments)]
fn lab_panel<B: WorldBackend>(
    mut contexts: EguiContexts,
    state: Option<ResMut<LabState>>,
    lib: Res<Library>,
    mut notices: ResMut<Notices>,
    mut preview: ResMut<Preview<B>>,
    mut tex: ResMut<LabTextures>,
    mut images: ResMut<Assets<Image>>,
    clock: Res<Clock>,
    mut next: ResMut<NextState<Scene>>,
    mut over_ui: ResMut<PointerOverUi>,
    mut kb_over_ui: ResMut<KeyboardOverUi>,
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
    let mut root = crate::app::ui::scene_root(&ctx, "lab");
    egui::Panel::left("lab-side").exact_size(320.0).show(&mut root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            crate::app::ui::scene_tabs(ui, Scene::Lab, &mut next);
            ui.label(format!("{:.0} fps", clock.fps));
            side(
                ui,
                &mut state,
                &lib,
                &mut notices,
                &mut Painting { images: &mut images, contexts: &mut contexts, tex: &mut tex },
            );
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
    over_ui.0 = true;
    kb_over_ui.0 = ctx.egui_wants_keyboard_input();
    Ok(())
}

fn side(ui: &mut egui::Ui, state: &mut LabState, lib: &Library, notices: &mut Notices, paint: &mut Painting) {
    ui.heading("Lab");
    ui.horizontal(|ui| {
        if ui.button("Open image...").clicked() {
            state.picker.open = true;
        }
        ui.small("or drop a PNG on the window");
    });
    let mut changed = false;
    let mut train = false;
    if let Some(d) = &mut state.draft {
        ui.separator();
        match &d.prepared {
            Ok(t) => {
                let key = d.version;
                if paint.tex.target_key != Some(key) {
                    let (dims, rgba) = plot::target_image(t);
                    upload(&mut paint.tex.target, paint.images, paint.contexts, dims, rgba);
                    paint.tex.target_key = Some(key);
                }
                let scale = (200.0 / t.width.max(t.height) as f32).floor().max(1.0);
                if let Some(lt) = &paint.tex.target {
                    ui.image((lt.id, lt.size() * scale));
                }
                let (iw, ih) = d.image_dims();
                ui.small(format!("{iw}x{ih} image -> {}x{} grid, as the trainer sees it", t.width, t.height));
            }
            Err(e) => {
                ui.colored_label(egui::Color32::RED, e);
            }
        }
        ui.horizontal(|ui| {
            ui.label("name");
            ui.text_edit_singleline(&mut d.name);
        });
        let cfg = &mut d.cfg;
        ui.horizontal(|ui| {
            for m in [Mode::Grow, Mode::Persist, Mode::Regenerate] {
                if ui.selectable_label(cfg.mode == m, m.name()).clicked() {
                    cfg.mode = m;
                    changed = true;
                }
            }
        });
        changed |= ui.add(egui::Slider::new(&mut cfg.target.size, 8..=128).text("target size")).changed();
        changed |= ui.add(egui::Slider::new(&mut cfg.target.padding, 0..=64).text("padding")).changed();
        changed |= ui
            .add(egui::DragValue::new(&mut cfg.iterations).range(1..=1_000_000).speed(50).prefix("iterations "))
            .changed();
        ui.horizontal(|ui| {
            ui.label("background");
            let bg = cfg.target.background;
            if ui
                .selectable_label(bg == Background::Keep, "keep")
                .on_hover_text("use the image's own transparency")
                .clicked()
            {
                cfg.target.background = Background::Keep;
                changed = true;
            }
            if ui
                .selectable_label(bg == Background::Corner, "corner")
                .on_hover_text("key out the top-left pixel's colour")
                .clicked()
            {
                cfg.target.background = Background::Corner;
                changed = true;
            }
            let mut c = match bg {
                Background::Key(c) => c,
                _ => [255, 255, 255],
            };
            if ui.selectable_label(matches!(bg, Background::Key(_)), "colour").clicked() {
                cfg.target.background = Background::Key(c);
                changed = true;
            }
            if matches!(bg, Background::Key(_)) && ui.color_edit_button_srgb(&mut c).changed() {
                cfg.target.background = Background::Key(c);
                changed = true;
            }
        });
        ui.collapsing("advanced", |ui| {
            changed |= ui.add(egui::Slider::new(&mut cfg.batch, 1..=64).text("batch")).changed();
            changed |= ui.add(egui::Slider::new(&mut cfg.pool_size, 8..=4096).logarithmic(true).text("pool")).changed();
            changed |= ui.add(egui::Slider::new(&mut cfg.min_steps, 1..=256).text("min steps")).changed();
            changed |= ui.add(egui::Slider::new(&mut cfg.max_steps, 1..=256).text("max steps")).changed();
            changed |= ui.add(egui::Slider::new(&mut cfg.damage_n, 0..=16).text("wounded per batch")).changed();
            changed |=
                ui.add(egui::Slider::new(&mut cfg.lr, 1e-5..=1e-2).logarithmic(true).text("learning rate")).changed();
            if let Some(first) = cfg.lr_schedule.first_mut() {
                changed |= ui.add(egui::DragValue::new(&mut first.at).prefix("lr drops at ")).changed();
            }
            changed |= ui.add(egui::Slider::new(&mut cfg.fire_rate, 0.05..=1.0).text("fire rate")).changed();
            changed |= ui.add(egui::DragValue::new(&mut cfg.seed).prefix("seed ")).changed();
            changed |= ui
                .add(egui::DragValue::new(&mut cfg.checkpoint_every).range(1..=100_000).prefix("checkpoint every "))
                .changed();
        });
        if changed {
            d.prepare();
        }
    }
    if changed {
        state.refresh_estimate();
    }
    if let Some(d) = &state.draft {
        match (state.lab.backend(), state.estimate_total()) {
            (Resolved::Cpu, Some(e)) => {
                ui.label(format!(
                    "on this CPU: about {} ({:.2} s per iteration, measured just now); up to twice that while the game draws on the same cores",
                    hms(e.total_secs),
                    e.secs_per_iteration
                ));
            }
            (Resolved::Gpu(g), _) => {
                ui.label(format!("trains on {}; speed and ETA once it runs", g.name));
            }
            _ => {}
        }
        let valid = d.prepared.is_ok() && d.cfg.validate().is_ok();
        if let Err(e) = d.cfg.validate() {
            ui.colored_label(egui::Color32::RED, e);
        }
        if ui.add_enabled(valid, egui::Button::new("Train")).clicked() {
            train = true;
        }
    }
    if train {
        match state.train(lib) {
            Ok(id) => {
                let name = state.lab.job(id).map(|j| j.name.clone()).unwrap_or_default();
                notices.say(format!("{name} queued"));
            }
            Err(e) => notices.say(format!("cannot train: {e}")),
        }
    }

    ui.separator();
    ui.label("Trainings");
    let mut act: Vec<(u64, &'static str)> = Vec::new();
    for j in &state.lab.jobs {
        let (it, total) = {
            let l = j.live();
            (l.iteration, l.iterations)
        };
        ui.horizontal(|ui| {
            if ui.selectable_label(state.shown == Some(j.id), &j.name).clicked() {
                act.push((j.id, "show"));
            }
            let what = match &j.state {
                JobState::Queued => "queued".to_string(),
                JobState::Running if j.paused() => "paused".into(),
                JobState::Running => "training".into(),
                JobState::Saved { .. } => "in the library".into(),
                JobState::Stopped => "stopped".into(),
                JobState::Abandoned => "abandoned".into(),
                JobState::Failed(e) => format!("failed: {e}"),
            };
            ui.small(what);
        });
        if j.is_active() || j.state == JobState::Stopped {
            ui.add(egui::ProgressBar::new(it as f32 / total.max(1) as f32).text(format!("{it} / {total}")));
        }
        ui.horizontal(|ui| match &j.state {
            JobState::Running => {
                if ui.button(if j.paused() { "Resume" } else { "Pause" }).clicked() {
                    act.push((j.id, "pause"));
                }
                if ui.button("Stop").on_hover_text("keep the checkpoint to resume later").clicked() {
                    act.push((j.id, "stop"));
                }
                if ui.button("Finish now").on_hover_text("save the creature as it is now").clicked() {
                    act.push((j.id, "finish"));
                }
            }
            JobState::Queued => {
                if ui.button("Unqueue").clicked() {
                    act.push((j.id, "stop"));
                }
            }
            JobState::Stopped => {
                if ui.button("Resume").clicked() {
                    act.push((j.id, "resume"));
                }
                if ui.button("Discard").clicked() {
                    act.push((j.id, "discard"));
                }
            }
            _ => {}
        });
    }
    if state.lab.jobs.is_empty() {
        ui.small("none yet");
    }
    for (id, what) in act {
        let ckpt = state.lab.job(id).map(|j| j.ckpt.clone());
        match what {
            "show" => state.shown = Some(id),
            "pause" => {
                let p = state.lab.job(id).is_some_and(|j| j.paused());
                state.lab.pause(id, !p);
            }
            "stop" => state.lab.stop(id, Stop::Checkpoint),
            "finish" => state.lab.stop(id, Stop::Finish),
            "resume" => {
                if let Some(c) = ckpt
                    && let Err(e) = state.lab.resume(&c)
                {
                    notices.say(e);
                }
            }
            "discard" => {
                if let Some(c) = ckpt
                    && let Err(e) = state.lab.discard(&c)
                {
                    notices.say(e);
                }
            }
            _ => {}
        }
    }

    if !state.lab.unfinished.is_empty() {
        ui.separator();
        ui.label("Unfinished trainings from earlier");
        let mut resume = None;
        let mut discard = None;
        for u in &state.lab.unfinished {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "{} ({}, {} / {})",
                    u.summary.name,
                    u.summary.mode.name(),
                    u.summary.iteration,
                    u.summary.iterations
                ));
                if ui.button("Resume").clicked() {
                    resume = Some(u.path.clone());
                }
                if ui.button("Discard").clicked() {
                    discard = Some(u.path.clone());
                }
            });
        }
        if let Some(p) = resume {
            match state.lab.resume(&p) {
                Ok(id) => state.shown = Some(id),
                Err(e) => notices.say(e),
            }
        }
        if let Some(p) = discard
            && let Err(e) = state.lab.discard(&p)
        {
            notices.say(e);
        }
    }
}

fn centre<B: WorldBackend>(ui: &mut egui::Ui, state: &mut LabState, preview: &mut Preview<B>, paint: &mut Painting) {
    let Some(job) = state.shown_job() else {
        ui.heading("Drop an image to train a creature for it");
        ui.label("The lab resizes it, premultiplies its colours and pads it, then trains a rule that grows it from one cell (the paper's pool and damage regime by default). You can play with the sandbox meanwhile.");
        return;
    };
    let live = job.live();
    ui.heading(&job.name);
    let elapsed = hms(live.train_secs);
    let eta = live.eta_secs().map(hms).unwrap_or_else(|| "--".into());
    let loss = live.history.last().copied().unwrap_or(f32::NAN);
    ui.label(format!(
        "iteration {} / {}   loss {:.3e}   lr {:.1e}   {:.2} it/s   elapsed {}   ETA {}   on {}",
        live.iteration,
        live.iterations,
        loss,
        live.lr,
        live.it_per_s,
        elapsed,
        eta,
        state.lab.backend().describe()
    ));
    if let Some(c) = live.last_checkpoint {
        ui.small(format!("last checkpoint at iteration {c}"));
    }
    let lr_at = {
        let cfg = live.config.clone();
        move |i: u64| cfg.as_ref().map(|c| c.lr_at(i)).unwrap_or(0.0)
    };
    plot::loss_plot(ui, &live.history, live.iterations, lr_at, 200.0);
    ui.small("loss per iteration (log scale, blue); learning rate (dashed, right axis)");

    ui.separator();
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(300.0);
            preview_view(ui, preview, paint);
        });
        ui.vertical(|ui| {
            if let Some(b) = &live.batch {
                let key = (job.id, live.batch_version);
                if paint.tex.batch_key != Some(key) {
                    let (dims, rgba) = plot::batch_image(b);
                    upload(&mut paint.tex.batch, paint.images, paint.contexts, dims, rgba);
                    paint.tex.batch_key = Some(key);
                }
                if let Some(lt) = &paint.tex.batch {
                    let scale = ((ui.available_width() - 8.0) / lt.size().x).clamp(1.0, 4.0);
                    let r = ui.image((lt.id, lt.size() * scale));
                    for (s, &w) in b.wounded.iter().enumerate() {
                        if w {
                            ui.painter().rect_stroke(
                                plot::sample_rect(b, r.rect, s),
                                0.0,
                                egui::Stroke::new(2.0, egui::Color32::RED),
                                egui::StrokeKind::Outside,
                            );
                        }
                    }
                }
                ui.small("the batch before (top) and after (bottom) its rollout; red: wounded before the rollout");
            }
        });
    });
}

/// The preview world, which the user may wound by dragging on it.
fn preview_view<B: WorldBackend>(ui: &mut egui::Ui, preview: &mut Preview<B>, paint: &mut Painting) {
    let Some((w, h, img)) = &preview.image else { return };
    let (w, h) = (*w, *h);
    if paint.tex.preview_key != Some(preview.version) {
        upload(&mut paint.tex.preview, paint.images, paint.contexts, [w, h], img.clone());
        paint.tex.preview_key = Some(preview.version);
    }
    let scale = (288.0 / w.max(h) as f32).floor().max(1.0);
    if let Some(lt) = &paint.tex.preview {
        let r = ui.add(egui::Image::new((lt.id, lt.size() * scale)).sense(egui::Sense::click_and_drag()));
        if (r.dragged() || r.clicked())
            && let Some(p) = r.interact_pointer_pos()
        {
            let x = (p.x - r.rect.left()) / scale;
            let y = (p.y - r.rect.top()) / scale;
            preview.wounds.push(Shape::Disc { x, y, r: (w.min(h) as f32 / 10.0).max(2.0) });
        }
    }
    let it = preview.source.map(|s| s.1).unwrap_or(0);
    let steps = preview.world.as_ref().map(|w| w.steps()).unwrap_or(0);
    ui.small(format!("preview: the weights of iteration {it} growing from a seed (step {steps}); drag on it to wound"));
}
