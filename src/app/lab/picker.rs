//! A small file dialog inside the window: folders and images, a path field. No system dialog
//! library is needed, and it works the same under every window system (and Xvfb).

use std::path::{Path, PathBuf};

use bevy_egui::egui;

pub struct Picker {
    pub open: bool,
    pub dir: PathBuf,
    pub path_text: String,
    entries: Vec<(String, bool)>,
    listed: Option<PathBuf>,
    error: Option<String>,
}

impl Picker {
    pub fn new() -> Self {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let dir = home
            .as_ref()
            .map(|h| h.join("Pictures"))
            .filter(|p| p.is_dir())
            .or(home)
            .unwrap_or_else(|| PathBuf::from("."));
        Self { open: false, path_text: String::new(), dir, entries: Vec::new(), listed: None, error: None }
    }

    fn list(&mut self) {
        self.entries.clear();
        self.error = None;
        match std::fs::read_dir(&self.dir) {
            Ok(read) => {
                for e in read.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.starts_with('.') {
                        continue;
                    }
                    let is_dir = e.path().is_dir();
                    if is_dir || crate::target::is_image(&e.path()) {
                        self.entries.push((name, is_dir));
                    }
                }
                self.entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.to_lowercase().cmp(&b.0.to_lowercase())));
            }
            Err(e) => self.error = Some(format!("{}: {e}", self.dir.display())),
        }
        self.listed = Some(self.dir.clone());
    }

    /// Shows the dialog when open; returns the image the user chose.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<PathBuf> {
        if !self.open {
            return None;
        }
        if self.listed.as_deref() != Some(self.dir.as_path()) {
            self.list();
        }
        let mut chosen = None;
        let mut go: Option<PathBuf> = None;
        let mut open = self.open;
        egui::Window::new("Open an image").open(&mut open).default_size([420.0, 420.0]).collapsible(false).show(
            ctx,
            |ui| {
                ui.horizontal(|ui| {
                    if ui.button("Up").clicked()
                        && let Some(p) = self.dir.parent()
                    {
                        go = Some(p.to_path_buf());
                    }
                    ui.label(self.dir.display().to_string());
                });
                ui.horizontal(|ui| {
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut self.path_text)
                            .hint_text("or type a path")
                            .desired_width(300.0),
                    );
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if (ui.button("Open").clicked() || enter) && !self.path_text.trim().is_empty() {
                        let p = PathBuf::from(self.path_text.trim());
                        if p.is_dir() { go = Some(p) } else { chosen = Some(p) }
                    }
                });
                if let Some(e) = &self.error {
                    ui.colored_label(egui::Color32::RED, e);
                }
                ui.separator();
                egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| {
                    for (name, is_dir) in &self.entries {
                        let label = if *is_dir { format!("[{name}]") } else { name.clone() };
                        if ui.selectable_label(false, label).clicked() {
                            let p = self.dir.join(name);
                            if *is_dir { go = Some(p) } else { chosen = Some(p) }
                        }
                    }
                    if self.entries.is_empty() && self.error.is_none() {
                        ui.small("no folders or images here");
                    }
                });
            },
        );
        if let Some(d) = go {
            self.dir = d;
        }
        self.open = open && chosen.is_none();
        chosen
    }

    pub fn folder(&self) -> &Path {
        &self.dir
    }
}

impl Default for Picker {
    fn default() -> Self {
        Self::new()
    }
}
