//! The creature library: the shipped creatures (built into the binary), those of `--creatures`
//! and the user's from the lab, the paper's models in three sets (regenerating, persistent,
//! growing), and any creature file or Distill demo model dropped on the window. Planting a
//! creature adds its species to the world.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::window::FileDragAndDrop;

use super::shell::Notices;
use super::sim::Sandbox;
use crate::nca::Weights;
use crate::rule::RuleBackend;
use crate::world::{EditOp, SpeciesRule};

/// The library's sections, in the order shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Trained here (shipped or the user's own), or dropped on the window.
    Ours,
    /// The paper's experiment 3.
    Regenerating,
    /// The paper's experiment 2.
    Persistent,
    /// The paper's experiment 1.
    Growing,
}

impl Group {
    pub const ALL: [Group; 4] = [Group::Ours, Group::Regenerating, Group::Persistent, Group::Growing];

    pub fn title(self) -> &'static str {
        match self {
            Group::Ours => "Our creatures",
            Group::Regenerating => "The paper's: regenerating",
            Group::Persistent => "The paper's: persistent",
            Group::Growing => "The paper's: growing",
        }
    }

    /// What the experiment means, in a line.
    pub fn note(self) -> &'static str {
        match self {
            Group::Ours => "trained by morphogen: regrow from every wound the tools deal",
            Group::Regenerating => "experiment 3, trained with wounds: heals",
            Group::Persistent => "experiment 2, a pool of states: stable, does not heal",
            Group::Growing => "experiment 1, from the seed only: grows, then decays",
        }
    }

    /// The set of a Distill demo model, from its file name (`ex1_`, `ex2_`, `ex3_`).
    pub fn of_model(path: &Path) -> Group {
        match path.file_name().and_then(|n| n.to_str()).map(|n| n.get(..4)) {
            Some(Some("ex1_")) => Group::Growing,
            Some(Some("ex2_")) => Group::Persistent,
            Some(Some("ex3_")) => Group::Regenerating,
            _ => Group::Ours,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub group: Group,
    pub weights: Weights,
    pub fire_rate: f32,
    pub angle: f32,
    /// The target as RGBA8 (w, h, bytes), shown as a thumbnail until the creature's grown picture
    /// replaces it.
    pub thumbnail: Option<(usize, usize, Vec<u8>)>,
    /// Whether `thumbnail` is the creature grown (`app::thumbnails`) rather than its target.
    pub grown: bool,
    pub source: PathBuf,
}

#[derive(Resource, Default, Debug)]
pub struct Library {
    /// In the order shown: by group, then as they were added.
    pub entries: Vec<Entry>,
    pub selected: Option<usize>,
    /// Only names containing this (any case) are shown, and keys 1-9 pick among them.
    pub filter: String,
}

/// Reads a creature file or a Distill demo model (`.json`).
pub fn load_entry(path: &Path) -> Result<Entry, String> {
    let r = crate::rule_file::load(path)?;
    let thumbnail = r.creature.as_ref().and_then(|c| c.target.as_ref()).map(|t| {
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
        name: r.name,
        group: if r.creature.is_some() { Group::Ours } else { Group::of_model(path) },
        weights: r.weights,
        fire_rate: r.fire_rate,
        angle: r.angle,
        thumbnail,
        grown: false,
        source: path.to_path_buf(),
    })
}

impl Library {
    /// Adds (or replaces, by name) an entry at the end of its group and selects it; returns its
    /// index.
    pub fn add(&mut self, e: Entry) -> usize {
        if let Some(i) = self.entries.iter().position(|x| x.name == e.name) {
            self.entries.remove(i);
        }
        let i = self.entries.iter().position(|x| x.group > e.group).unwrap_or(self.entries.len());
        self.entries.insert(i, e);
        self.selected = Some(i);
        i
    }

    /// The entries shown under the filter, in order.
    pub fn visible(&self) -> Vec<usize> {
        let f = self.filter.trim().to_lowercase();
        (0..self.entries.len()).filter(|&i| f.is_empty() || self.entries[i].name.to_lowercase().contains(&f)).collect()
    }
    pub fn find(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.name == name)
    }
}

/// The world's species of library entry `entry`, added to the world first if it is not there yet.
pub fn species_for<B: RuleBackend>(sandbox: &mut Sandbox<B>, lib: &Library, entry: usize) -> Result<usize, String> {
    let e = lib.entries.get(entry).ok_or("no such creature in the library")?;
    match sandbox.world.find_species(&e.name) {
        Some(s) => Ok(s),
        None => Ok(sandbox.world.add_species(SpeciesRule {
            name: e.name.clone(),
            weights: e.weights.clone(),
            angle: e.angle,
            fire_rate: e.fire_rate,
        })?),
    }
}

/// Queues a seed of library entry `entry` at cell (x, y); adds its species to the world first if
/// needed. Returns the species index.
pub fn plant<B: RuleBackend>(
    sandbox: &mut Sandbox<B>,
    lib: &Library,
    entry: usize,
    x: i64,
    y: i64,
) -> Result<usize, String> {
    let cell = sandbox.world.size().cell(x, y).ok_or("outside the world")?;
    let s = species_for(sandbox, lib, entry)?;
    sandbox.pending.push((cell, EditOp::Seed(s)));
    Ok(s)
}

backend_plugin!(LibraryPlugin);

impl<B: RuleBackend> Plugin for LibraryPlugin<B> {
    fn build(&self, app: &mut App) {
        app.init_resource::<Library>()
            .add_systems(Startup, load_folder)
            .add_systems(Update, take_drops.in_set(super::sim::EditWorld));
    }
}

/// The library's folders (the shipped creatures and the paper's models, `--creatures`), then the
/// user's own (trained in the lab); each folder's creature files and Distill models in name order.
fn load_folder(opts: Res<super::PlayOptions>, mut lib: ResMut<Library>, mut notices: ResMut<Notices>) {
    let user = crate::lab::store::creatures_dir(&opts.data_dir);
    let folders = opts.library.iter().map(|d| (d, true)).chain([(&user, false)]);
    for (dir, required) in folders {
        let mut paths = Vec::new();
        for ext in ["creature", "json"] {
            match crate::fsio::list(dir, ext) {
                Ok(v) => paths.extend(v),
                Err(e) if required && ext == "creature" => notices.say(format!("no creature folder: {e}")),
                Err(_) => {}
            }
        }
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
