//! The library in the sandbox's panel: a filter, then each group under its title and a line on
//! what its experiment means, every creature with its thumbnail and the key that picks it.

use std::collections::HashMap;

use bevy::prelude::*;
use bevy_egui::egui;

use super::library::{Group, Library};
use super::tools::{ToolSettings, pick};

/// egui textures of the library's thumbnails, by entry name.
#[derive(Resource, Default)]
pub struct Thumbnails(HashMap<String, egui::TextureHandle>);

impl Thumbnails {
    /// Drops an entry's texture: its picture changed.
    pub fn forget(&mut self, name: &str) {
        self.0.remove(name);
    }
}

pub fn library_list(
    ui: &mut egui::Ui,
    ctx: &egui::Context,
    lib: &mut Library,
    tools: &mut ToolSettings,
    thumbs: &mut Thumbnails,
) {
    ui.label("Library (drop creature files or Distill .json models on the window)");
    ui.horizontal(|ui| {
        ui.label("filter");
        ui.add(egui::TextEdit::singleline(&mut lib.filter).desired_width(160.0));
    });
    let visible = lib.visible();
    let mut picked = None;
    for g in Group::ALL {
        let mut first = true;
        for (k, &i) in visible.iter().enumerate() {
            let e = &lib.entries[i];
            if e.group != g {
                continue;
            }
            if first {
                ui.add_space(4.0);
                ui.label(egui::RichText::new(g.title()).strong());
                ui.small(g.note());
                first = false;
            }
            ui.horizontal(|ui| {
                if let Some((w, h, rgba)) = &e.thumbnail {
                    let tex = thumbs.0.entry(e.name.clone()).or_insert_with(|| {
                        ctx.load_texture(
                            e.name.clone(),
                            egui::ColorImage::from_rgba_unmultiplied([*w, *h], rgba),
                            egui::TextureOptions::NEAREST,
                        )
                    });
                    ui.image((tex.id(), egui::vec2(28.0, 28.0)));
                } else {
                    ui.add_sized([28.0, 28.0], egui::Label::new("?"));
                }
                let label = if k < 9 { format!("{} [{}]", e.name, k + 1) } else { e.name.clone() };
                if ui.selectable_label(lib.selected == Some(i), label).clicked() {
                    picked = Some(i);
                }
            });
        }
    }
    if visible.is_empty() {
        ui.small("no creature matches");
    }
    if let Some(i) = picked {
        pick(lib, tools, i);
    }
}
