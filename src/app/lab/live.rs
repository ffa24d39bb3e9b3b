//! The centre of the lab: the shown training's figures, its loss curve and learning rate, the
//! batch before and after its rollout, and the preview world growing the latest weights.

use bevy_egui::egui;

use super::LabState;
use super::painting::Painting;
use super::plot;
use super::preview::Preview;
use crate::app::shell::textures::upload;
use crate::lab::estimate::hms;
use crate::rule::RuleBackend;
use crate::world::Shape;

pub(super) fn centre<B: RuleBackend>(
    ui: &mut egui::Ui,
    state: &mut LabState,
    preview: &mut Preview<B>,
    paint: &mut Painting,
) {
    let Some(job) = state.shown_job() else {
        ui.heading("Drop an image to train a creature for it");
        ui.label("The lab resizes it, premultiplies its colours and pads it, then trains a rule that grows it from one cell and heals it from the game's wounds (the zoo's regime by default). You can play with the sandbox meanwhile.");
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
        job.on.as_ref().unwrap_or(state.lab.backend()).describe()
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
fn preview_view<B: RuleBackend>(ui: &mut egui::Ui, preview: &mut Preview<B>, paint: &mut Painting) {
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
