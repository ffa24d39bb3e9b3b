//! The lab's form for a dropped image: the target as the trainer will see it, its settings (mode,
//! size, padding, background and the advanced hyper-parameters), the time estimate and Train.

use bevy_egui::egui;

use super::LabState;
use super::painting::Painting;
use super::plot;
use crate::app::library::Library;
use crate::app::shell::Notices;
use crate::app::shell::textures::upload;
use crate::backend::Resolved;
use crate::lab::draft::Draft;
use crate::lab::estimate::hms;
use crate::target::Background;
use crate::train::{Mode, TrainConfig};

/// The dropped image as the trainer will see it, its settings, the time estimate and Train.
pub(super) fn draft_form(
    ui: &mut egui::Ui,
    state: &mut LabState,
    lib: &Library,
    notices: &mut Notices,
    paint: &mut Painting,
) {
    ui.heading("Lab");
    if open_button(ui) {
        // The page's own file chooser in the browser; the window's dialog on the desktop.
        #[cfg(target_arch = "wasm32")]
        crate::app::shell::browser_files::pick_file();
        #[cfg(not(target_arch = "wasm32"))]
        {
            state.picker.open = true;
        }
    }
    let mut changed = false;
    if let Some(d) = &mut state.draft {
        ui.separator();
        target_preview(ui, d, paint);
        ui.horizontal(|ui| {
            ui.label("name");
            ui.text_edit_singleline(&mut d.name);
        });
        let cfg = &mut d.cfg;
        changed |= mode_picker(ui, cfg);
        if cfg.mode == Mode::Regenerate {
            changed |= healing_settings(ui, cfg);
        }
        changed |= ui.add(egui::Slider::new(&mut cfg.target.size, 8..=128).text("target size")).changed();
        changed |= ui.add(egui::Slider::new(&mut cfg.target.padding, 0..=64).text("padding")).changed();
        changed |= ui
            .add(egui::DragValue::new(&mut cfg.iterations).range(1..=1_000_000).speed(50).prefix("iterations "))
            .changed();
        changed |= background_picker(ui, cfg);
        ui.collapsing("advanced", |ui| changed |= advanced_settings(ui, cfg));
        if changed {
            d.prepare();
        }
    }
    if changed {
        state.refresh_estimate();
    }
    if state.draft.is_some() {
        estimate_line(ui, state);
    }
    if train_button(ui, state) {
        match state.train(lib) {
            Ok(id) => {
                let name = state.lab.job(id).map(|j| j.name.clone()).unwrap_or_default();
                notices.say(format!("{name} queued"));
            }
            Err(e) => notices.say(format!("cannot train: {e}")),
        }
    }
}

/// Open image..., and that a drop does as well; whether it was pressed.
fn open_button(ui: &mut egui::Ui) -> bool {
    ui.horizontal(|ui| {
        let open = ui.button("Open image...").clicked();
        ui.small("or drop a PNG on the window");
        open
    })
    .inner
}

/// The target as the trainer will see it (uploaded again only when the draft changed), or why
/// these settings make none.
fn target_preview(ui: &mut egui::Ui, d: &Draft, paint: &mut Painting) {
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
}

/// Grow, persist or regenerate; whether the mode changed.
fn mode_picker(ui: &mut egui::Ui, cfg: &mut TrainConfig) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        for m in [Mode::Grow, Mode::Persist, Mode::Regenerate] {
            if ui.selectable_label(cfg.mode == m, m.name()).clicked() {
                cfg.mode = m;
                // The bar is for creatures that heal; one that only grows or persists is
                // trained for its iterations.
                crate::zoo::set_graded(cfg, true);
                changed = true;
            }
        }
    });
    changed
}

/// The image's own transparency, the corner's colour keyed out, or a colour of the player's.
fn background_picker(ui: &mut egui::Ui, cfg: &mut TrainConfig) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        ui.label("background");
        let bg = cfg.target.background;
        let mut pick = |ui: &mut egui::Ui, on: bool, label: &str, hover: &str, to: Background| {
            if ui.selectable_label(on, label).on_hover_text(hover).clicked() {
                cfg.target.background = to;
                changed = true;
            }
        };
        pick(ui, bg == Background::Keep, "keep", "use the image's own transparency", Background::Keep);
        pick(ui, bg == Background::Corner, "corner", "key out the top-left pixel's colour", Background::Corner);
        let mut c = match bg {
            Background::Key(c) => c,
            _ => [255, 255, 255],
        };
        pick(ui, matches!(bg, Background::Key(_)), "colour", "key out a colour you pick", Background::Key(c));
        if matches!(bg, Background::Key(_)) && ui.color_edit_button_srgb(&mut c).changed() {
            cfg.target.background = Background::Key(c);
            changed = true;
        }
    });
    changed
}

/// The hyper-parameters most people leave as the paper has them.
fn advanced_settings(ui: &mut egui::Ui, cfg: &mut TrainConfig) -> bool {
    let mut changed = ui.add(egui::Slider::new(&mut cfg.batch, 1..=64).text("batch")).changed();
    changed |= ui.add(egui::Slider::new(&mut cfg.pool_size, 8..=4096).logarithmic(true).text("pool")).changed();
    changed |= ui.add(egui::Slider::new(&mut cfg.min_steps, 1..=256).text("min steps")).changed();
    changed |= ui.add(egui::Slider::new(&mut cfg.max_steps, 1..=256).text("max steps")).changed();
    changed |= ui.add(egui::Slider::new(&mut cfg.damage_n, 0..=16).text("wounded per batch")).changed();
    changed |= ui.add(egui::Slider::new(&mut cfg.lr, 1e-5..=1e-2).logarithmic(true).text("learning rate")).changed();
    if let Some(first) = cfg.lr_schedule.first_mut() {
        changed |= ui.add(egui::DragValue::new(&mut first.at).prefix("lr drops at ")).changed();
    }
    changed |= ui.add(egui::Slider::new(&mut cfg.fire_rate, 0.05..=1.0).text("fire rate")).changed();
    changed |= ui.add(egui::DragValue::new(&mut cfg.seed).prefix("seed ")).changed();
    changed |= ui
        .add(egui::DragValue::new(&mut cfg.checkpoint_every).range(1..=100_000).prefix("checkpoint every "))
        .changed();
    changed
}

/// How long the training will take on each path here, measured just now; the one it will take
/// is picked (the fastest, unless the user picks another).
fn estimate_line(ui: &mut egui::Ui, state: &mut LabState) {
    let Some((_, paths)) = &state.estimate else { return };
    let (all, done) = (paths.all(), paths.done());
    let iterations = state.draft.as_ref().map_or(0.0, |d| d.cfg.iterations as f64);
    let taken = state.draft_path();
    let mut pick = None;
    for m in &all {
        let line = match &m.secs {
            Ok(s) => format!(
                "on {}: about {} ({:.2} it/s, measured just now)",
                m.on.describe(),
                hms(s * iterations),
                1.0 / s.max(1e-9)
            ),
            Err(e) => format!("on {}: not measured ({e})", m.on.describe()),
        };
        if ui.radio(m.on == taken, line).clicked() && m.secs.is_ok() {
            pick = Some(m.on.clone());
        }
    }
    if !done {
        ui.label("measuring the GPUs...");
        // Their figures come from another thread: look again next frame.
        ui.ctx().request_repaint();
    }
    if all.iter().any(|m| m.on == Resolved::Cpu) {
        ui.small("the CPU's figure may halve while the game draws on the same cores");
    }
    if pick.is_some() {
        state.path_pick = pick;
    }
}

/// Train, enabled when the target and the settings are good (else why not, in red); whether it
/// was pressed.
fn train_button(ui: &mut egui::Ui, state: &LabState) -> bool {
    let Some(d) = &state.draft else { return false };
    if d.cfg.grade_every > 0 && d.cfg.mode == Mode::Regenerate {
        ui.small("that is for every iteration: a creature that meets the bar sooner is done there");
    }
    let valid = d.prepared.is_ok() && d.cfg.validate().is_ok();
    if let Err(e) = d.cfg.validate() {
        ui.colored_label(egui::Color32::RED, e);
    }
    ui.add_enabled(valid, egui::Button::new("Train")).clicked()
}

/// A regenerating creature's wounds in training and whether it stops at the zoo's bar.
fn healing_settings(ui: &mut egui::Ui, cfg: &mut crate::train::TrainConfig) -> bool {
    use crate::nca::wound::Damage;
    let mut changed = false;
    ui.horizontal(|ui| {
        ui.label("wounds");
        for (d, name, tip) in [
            (Damage::Mixed, "the game's", "discs, half cuts, squares and scalpel lines: heals what a player can do"),
            (Damage::Disc, "the paper's discs", "random discs only, as the Distill article trained"),
        ] {
            if ui.selectable_label(cfg.damage == d, name).on_hover_text(tip).clicked() {
                cfg.damage = d;
                changed = true;
            }
        }
    });
    let mut grade = cfg.grade_every > 0;
    let tip = "grade it every 500 iterations once the learning rate drops (drift and 7 of 8 regrowths per wound, as the zoo's creatures) and finish as soon as it passes";
    if ui.checkbox(&mut grade, "stop when it meets the zoo's bar").on_hover_text(tip).changed() {
        crate::zoo::set_graded(cfg, grade);
        changed = true;
    }
    changed
}
