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
use crate::lab::estimate::hms;
use crate::target::Background;
use crate::train::Mode;

/// The dropped image as the trainer will see it, its settings, the time estimate and Train.
pub(super) fn draft_form(
    ui: &mut egui::Ui,
    state: &mut LabState,
    lib: &Library,
    notices: &mut Notices,
    paint: &mut Painting,
) {
    ui.heading("Lab");
    ui.horizontal(|ui| {
        if ui.button("Open image...").clicked() {
            // The page's own file chooser in the browser; the window's dialog on the desktop.
            #[cfg(target_arch = "wasm32")]
            crate::app::shell::browser_files::pick_file();
            #[cfg(not(target_arch = "wasm32"))]
            {
                state.picker.open = true;
            }
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
                    // The bar is for creatures that heal; one that only grows or persists is
                    // trained for its iterations.
                    crate::zoo::set_graded(cfg, true);
                    changed = true;
                }
            }
        });
        if cfg.mode == Mode::Regenerate {
            changed |= healing_settings(ui, cfg);
        }
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
            (Resolved::Gpu(g), Some(e)) if e.secs_per_iteration.is_finite() => {
                ui.label(format!(
                    "on {}: about {} ({:.3} s per iteration, measured just now)",
                    g.name,
                    hms(e.total_secs),
                    e.secs_per_iteration
                ));
            }
            (Resolved::Gpu(g), _) => {
                ui.label(format!("trains on {}; speed and ETA once it runs", g.name));
            }
            _ => {}
        }
        if d.cfg.grade_every > 0 && d.cfg.mode == Mode::Regenerate {
            ui.small("that is for every iteration: a creature that meets the bar sooner is done there");
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
