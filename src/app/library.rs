//! The creature library: every creature file in the creatures folder, plus any creature file or
//! Distill demo model dropped on the window. Planting a creature adds its species to the world.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::window::FileDragAndDrop;

use super::shell::Notices;
use super::sim::Sandbox;
use crate::creature::Creature;
use crate::nca::Weights;
use crate::world::{EditOp, SpeciesRule, WorldBackend};

#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub weights: Weights,
    pub fire_rate: f32,
    pub angle: f32,
    /// The target as RGBA8 (w, h, bytes), shown as a thumbnail.
    pub thumbnail: Option<(usize, usize, Vec<u8>)>,
    pub source: PathBuf,
}

#[derive(Resource, Default, Debug)]
pub struct Library {
    pub entries: Vec<Entry>,
    pub selected: Option<usize>,
}

/// Reads a creature file or a Distill demo model (`.json`).
pub fn load_entry(path: &Path) -> Result<Entry, String> {
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("creature").to_string();
    let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        let text = crate::fsio::read_text(path, "Distill model")?;
        let weights = crate::distill::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(Entry { name, weights, fire_rate: 0.5, angle: 0.0, thumbnail: None, source: path.to_path_buf() });
    }
    let c = Creature::load(path).map_err(|e| e.to_string())?;
    let thumbnail = c.target.as_ref().map(|t| {
        let rgba: Vec<u8> = t
            .rgba
            .chunks_exact(4)
            .flat_map(|p| {
                // Premultiplied floats to straight bytes for display.
                let a = p[3].clamp(0.0, 1.0);
                let un = |v: f32| if a > 0.0 { (v / a).clamp(0.0, 1.0) } else { 0.0 };
                [un(p[0]), un(p[1]), un(p[2]), a].map(|v| (v * 255.0).round() as u8)
            })
            .collect();
        (t.width, t.height, rgba)
    });
    Ok(Entry {
        name: c.meta.name.clone(),
        weights: c.weights,
        fire_rate: c.meta.rule.fire_rate,
        angle: c.meta.rule.angle,
        thumbnail,
        source: path.to_path_buf(),
    })
}

impl Library {
    /// Adds (or replaces, by name) an entry and selects it; returns its index.
    pub fn add(&mut self, e: Entry) -> usize {
        let i = match self.entries.iter().position(|x| x.name == e.name) {
            Some(i) => {
                self.entries[i] = e;
                i
            }
            None => {
                self.entries.push(e);
                self.entries.len() - 1
            }
        };
        self.selected = Some(i);
        i
    }
    pub fn find(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.name == name)
    }
}

/// Queues a seed of library entry `entry` at cell (x, y); adds its species to the world first if
/// needed. Returns the species index.
pub fn plant<B: WorldBackend>(
    sandbox: &mut Sandbox<B>,
    lib: &Library,
    entry: usize,
    x: i64,
    y: i64,
) -> Result<usize, String> {
    let e = lib.entries.get(entry).ok_or("no such creature in the library")?;
    let s = match sandbox.world.find_species(&e.name) {
        Some(s) => s,
        None => sandbox.world.add_species(SpeciesRule {
            name: e.name.clone(),
            weights: e.weights.clone(),
            angle: e.angle,
            fire_rate: e.fire_rate,
        })?,
    };
    let cell = sandbox.world.size().cell(x, y).ok_or("outside the world")?;
    sandbox.pending.push((cell, EditOp::Seed(s)));
    Ok(s)
}

backend_plugin!(LibraryPlugin);

impl<B: WorldBackend> Plugin for LibraryPlugin<B> {
    fn build(&self, app: &mut App) {
        app.init_resource::<Library>()
            .add_systems(Startup, load_folder)
            .add_systems(Update, take_drops.in_set(super::sim::EditWorld));
    }
}

/// The shipped creatures, then the user's own (trained in the lab).
fn load_folder(opts: Res<super::PlayOptions>, mut lib: ResMut<Library>, mut notices: ResMut<Notices>) {
    let user = crate::lab::store::creatures_dir(&opts.data_dir);
    for (dir, required) in [(&opts.creatures_dir, true), (&user, false)] {
        let Ok(read) = std::fs::read_dir(dir) else {
            if required {
                notices.say(format!("no creature folder at {}", dir.display()));
            }
            continue;
        };
        let mut paths: Vec<PathBuf> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "creature"))
            .collect();
        paths.sort();
        for p in paths {
            match load_entry(&p) {
                Ok(e) => {
                    lib.add(e);
                }
                Err(e) => notices.say(format!("skipped {e}")),
            }
        }
    }
    lib.selected = if lib.entries.is_empty() { None } else { Some(0) };
}

fn take_drops(mut drops: MessageReader<FileDragAndDrop>, mut lib: ResMut<Library>, mut notices: ResMut<Notices>) {
    for d in drops.read() {
        if let FileDragAndDrop::DroppedFile { path_buf, .. } = d
            && !crate::target::is_image(path_buf)
        {
            match load_entry(path_buf) {
                Ok(e) => {
                    let name = e.name.clone();
                    lib.add(e);
                    notices.say(format!("added {name} to the library"));
                }
                Err(e) => notices.say(format!("not added: {e}")),
            }
        }
    }
}
