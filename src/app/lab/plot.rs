//! Pictures of training: the loss curve on a log scale with the learning rate, and the batch
//! before and after its rollout as one image (the paper's pool figures).

use bevy_egui::egui::{self, Color32, Pos2, Rect, Stroke, pos2, vec2};

use crate::target::Target;
use crate::train::BatchView;

/// The light background the world is drawn on, so transparent cells look the same everywhere.
pub const PAPER: [f32; 3] = [247.0 / 255.0, 247.0 / 255.0, 242.0 / 255.0];

/// Premultiplied RGBA floats over the paper colour, as RGBA8.
pub fn over_paper(rgba: &[f32]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| {
            let a = p[3].clamp(0.0, 1.0);
            let c = |i: usize| ((p[i].clamp(0.0, 1.0) + PAPER[i] * (1.0 - a)).clamp(0.0, 1.0) * 255.0).round() as u8;
            [c(0), c(1), c(2), 255]
        })
        .collect()
}

pub fn target_image(t: &Target) -> ([usize; 2], Vec<u8>) {
    ([t.width, t.height], over_paper(&t.rgba))
}

/// Gap in pixels between the samples of the batch picture.
const GAP: usize = 2;

/// The batch as two rows (before, after) of `n` samples, RGBA8.
pub fn batch_image(b: &BatchView) -> ([usize; 2], Vec<u8>) {
    let [n, h, w] = b.dims;
    let (iw, ih) = (n * w + (n - 1) * GAP, 2 * h + GAP);
    let mut img = vec![255u8; iw * ih * 4];
    for (row, data) in [&b.before, &b.after].into_iter().enumerate() {
        let px = over_paper(data);
        for s in 0..n {
            for y in 0..h {
                for x in 0..w {
                    let src = ((s * h + y) * w + x) * 4;
                    let dst = ((row * (h + GAP) + y) * iw + s * (w + GAP) + x) * 4;
                    img[dst..dst + 4].copy_from_slice(&px[src..src + 4]);
                }
            }
        }
    }
    ([iw, ih], img)
}

/// Where sample `s` of the before row lies in a batch image drawn into `rect`.
pub fn sample_rect(b: &BatchView, rect: Rect, s: usize) -> Rect {
    let [n, h, w] = b.dims;
    let (iw, ih) = ((n * w + (n - 1) * GAP) as f32, (2 * h + GAP) as f32);
    let sx = rect.width() / iw;
    let sy = rect.height() / ih;
    let x0 = rect.left() + (s * (w + GAP)) as f32 * sx;
    Rect::from_min_size(pos2(x0, rect.top()), vec2(w as f32 * sx, h as f32 * sy))
}

/// The loss of every iteration (log scale, thinned to the plot's width, min-max per column) and
/// the learning rate schedule on its own log axis.
pub fn loss_plot(ui: &mut egui::Ui, history: &[f32], iterations: u64, lr_at: impl Fn(u64) -> f32, height: f32) {
    let width = ui.available_width().max(100.0);
    let (resp, painter) = ui.allocate_painter(vec2(width, height), egui::Sense::hover());
    let frame = resp.rect;
    painter.rect_filled(frame, 2.0, Color32::from_gray(250));
    let plot = Rect::from_min_max(frame.min + vec2(44.0, 8.0), frame.max - vec2(44.0, 18.0));
    let text = |p: Pos2, s: String, align: egui::Align2, c: Color32| {
        painter.text(p, align, s, egui::FontId::proportional(11.0), c);
    };
    let loss_c = Color32::from_rgb(40, 90, 180);
    let lr_c = Color32::from_rgb(200, 120, 30);
    let finite: Vec<f32> = history.iter().copied().filter(|v| v.is_finite() && *v > 0.0).collect();
    let total = iterations.max(history.len() as u64).max(1);
    let x_of = |i: f32| plot.left() + plot.width() * i / total as f32;
    text(pos2(plot.left(), frame.bottom() - 2.0), "0".into(), egui::Align2::LEFT_BOTTOM, Color32::GRAY);
    text(
        pos2(plot.right(), frame.bottom() - 2.0),
        format!("{total} iterations"),
        egui::Align2::RIGHT_BOTTOM,
        Color32::GRAY,
    );
    if !finite.is_empty() {
        let lo = finite.iter().copied().fold(f32::INFINITY, f32::min).log10().floor();
        let hi = finite.iter().copied().fold(0.0, f32::max).log10().ceil().max(lo + 1.0);
        let y_of = |v: f32| plot.bottom() - plot.height() * (v.max(1e-30).log10() - lo) / (hi - lo);
        let mut d = lo;
        while d <= hi {
            let y = y_of(10f32.powf(d));
            painter
                .line_segment([pos2(plot.left(), y), pos2(plot.right(), y)], Stroke::new(0.5, Color32::from_gray(215)));
            text(pos2(plot.left() - 4.0, y), format!("1e{d:.0}"), egui::Align2::RIGHT_CENTER, loss_c);
            d += 1.0;
        }
        // One vertical span per pixel column: the curve keeps its spikes however long it is.
        let cols = plot.width().max(1.0) as usize;
        let per = (history.len() as f32 / cols as f32).max(1.0);
        let mut line = Vec::new();
        let mut c = 0.0f32;
        while (c as usize) < history.len() {
            let a = c as usize;
            let b = ((c + per) as usize).min(history.len()).max(a + 1);
            let chunk = history[a..b].iter().copied().filter(|v| v.is_finite() && *v > 0.0);
            let (mn, mx, sum, k) = chunk
                .fold((f32::INFINITY, 0.0f32, 0.0f32, 0), |(mn, mx, s, k), v| (mn.min(v), mx.max(v), s + v, k + 1));
            if k > 0 {
                let x = x_of((a + b) as f32 / 2.0);
                if per > 1.5 {
                    painter.line_segment(
                        [pos2(x, y_of(mn)), pos2(x, y_of(mx))],
                        Stroke::new(1.0, loss_c.gamma_multiply(0.35)),
                    );
                }
                line.push(pos2(x, y_of(sum / k as f32)));
            }
            c += per;
        }
        painter.add(egui::Shape::line(line, Stroke::new(1.5, loss_c)));
    }
    // The learning rate: piecewise constant, its own axis on the right.
    let lrs: Vec<f32> = (0..=100).map(|k| lr_at(total * k / 100)).collect();
    let (lmin, lmax) = lrs.iter().fold((f32::INFINITY, 0.0f32), |(a, b), &v| (a.min(v), b.max(v)));
    if lmax > 0.0 {
        let llo = (lmin.log10() - 0.5).floor();
        let lhi = (lmax.log10() + 0.5).ceil();
        let ly = |v: f32| plot.bottom() - plot.height() * (v.log10() - llo) / (lhi - llo);
        let pts: Vec<Pos2> = (0..=100u64).map(|k| pos2(x_of((total * k / 100) as f32), ly(lrs[k as usize]))).collect();
        painter.add(egui::Shape::dashed_line(&pts, Stroke::new(1.0, lr_c), 4.0, 3.0));
        text(pos2(plot.right() + 4.0, ly(lmax)), format!("lr {lmax:.0e}"), egui::Align2::LEFT_CENTER, lr_c);
        if lmin < lmax {
            text(pos2(plot.right() + 4.0, ly(lmin)), format!("{lmin:.0e}"), egui::Align2::LEFT_CENTER, lr_c);
        }
    }
    if !history.is_empty() {
        let x = x_of(history.len() as f32);
        painter.line_segment([pos2(x, plot.top()), pos2(x, plot.bottom())], Stroke::new(0.5, Color32::from_gray(160)));
    }
}
