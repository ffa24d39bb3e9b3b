//! The level files of the levels folders: the shipped ones (built into the binary), `--levels` and
//! the data folder's `levels/`, a later file of the same name replacing an earlier one. The
//! folders on disk are looked at every second and a file whose time or length changed is read
//! again, so a level reloads when its file is saved (a poll rather than Bevy's file watcher: it
//! serves several folders, and the browser build, which has no watcher, shares it). A file that
//! does not parse is listed with its error (file, line, field) and cannot be started; everything
//! else carries on.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use bevy::prelude::*;
use web_time::Instant;

use crate::level::Level;
use crate::thumbnail::Picture;

/// The level list's pictures of each level's starting world, by level name (made by `app::thumbnails`, drawn by the list): the file version it
/// was made from, the picture, and its egui texture once drawn.
#[derive(Resource, Default)]
pub struct LevelPictures(pub HashMap<String, (u64, Picture, Option<bevy_egui::egui::TextureHandle>)>);

/// What a level file is, as far as the game knows.
#[derive(Clone, Debug)]
pub enum Status {
    Ready(Box<Level>),
    Failed(String),
}

/// What tells that a file on disk changed: its modification time and length. A shipped file has
/// none: it never changes.
type Stamp = Option<(Option<SystemTime>, u64)>;

#[derive(Debug)]
pub struct LevelEntry {
    /// The file name without `.ron`: the save file's key and the order of play.
    pub name: String,
    /// The file it was read from (the last folder that has one of this name).
    pub path: PathBuf,
    stamp: Stamp,
    pub status: Status,
    /// Bumped whenever the file reads differently, so a level in play can restart on an edit.
    pub version: u64,
}

impl LevelEntry {
    pub fn level(&self) -> Option<&Level> {
        match &self.status {
            Status::Ready(l) => Some(l),
            _ => None,
        }
    }
    pub fn title(&self) -> String {
        self.level().map(|l| l.title.clone()).unwrap_or_else(|| self.name.clone())
    }
}

/// Every level file of the folders, in file-name order.
#[derive(Resource)]
pub struct Levels {
    /// In order: a later folder's file replaces an earlier one's of the same name.
    pub dirs: Vec<PathBuf>,
    pub entries: Vec<LevelEntry>,
    last_scan: Option<Instant>,
}

impl Levels {
    pub fn new(dirs: Vec<PathBuf>) -> Self {
        Self { dirs, entries: Vec::new(), last_scan: None }
    }
    /// Whether the folders have been looked at once (before that, no name is known to be missing).
    pub fn scanned(&self) -> bool {
        self.last_scan.is_some()
    }
    pub fn find(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.name == name)
    }
    /// A level is open when it is the first, or the one before it has been won.
    pub fn unlocked(&self, i: usize, won: impl Fn(&str) -> bool) -> bool {
        i == 0 || self.entries.get(i - 1).is_some_and(|p| won(&p.name))
    }
    /// The folders on disk, for the player: where their own levels can go.
    pub fn disk_dirs(&self) -> impl Iterator<Item = &PathBuf> {
        self.dirs.iter().filter(|d| !crate::shipped::is_shipped(d))
    }

    /// Reads the folders: new files are added, removed ones dropped, and a file whose stamp changed
    /// is read again (its version bumped when it reads differently).
    pub fn rescan(&mut self) {
        let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
        for d in &self.dirs {
            // A folder that is not there (the data folder's, often) has no levels.
            for p in crate::fsio::list(d, "ron").unwrap_or_default() {
                if let Some(name) = p.file_stem().and_then(|n| n.to_str()) {
                    files.insert(name.to_string(), p);
                }
            }
        }
        self.entries.retain(|e| files.contains_key(&e.name));
        for (name, path) in files {
            // A shipped file's stamp never changes: it is read once.
            let stamp = crate::fsio::stamp(&path);
            match self.find(&name) {
                Some(i) if self.entries[i].path == path && self.entries[i].stamp == stamp => {}
                Some(i) => {
                    let e = &mut self.entries[i];
                    let status = read(&path);
                    if !same(&e.status, &status) {
                        e.version += 1;
                    }
                    (e.path, e.stamp, e.status) = (path, stamp, status);
                }
                None => {
                    let status = read(&path);
                    self.entries.push(LevelEntry { name, path, stamp, status, version: 1 });
                }
            }
        }
        self.entries.sort_by(|a, b| a.name.cmp(&b.name));
        self.last_scan = Some(Instant::now());
    }
}

fn read(path: &std::path::Path) -> Status {
    match Level::load(path) {
        Ok(l) => Status::Ready(Box::new(l)),
        Err(e) => {
            warn!("level {e}");
            Status::Failed(e.to_string())
        }
    }
}

/// Whether two readings of a file are the same level (or the same error).
fn same(a: &Status, b: &Status) -> bool {
    match (a, b) {
        (Status::Ready(x), Status::Ready(y)) => x == y,
        (Status::Failed(x), Status::Failed(y)) => x == y,
        _ => false,
    }
}

/// Looks at the folders every second.
pub fn scan(mut levels: ResMut<Levels>) {
    if levels.last_scan.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
        return;
    }
    // Only a change marks the resource changed (the thumbnails ask for new pictures on it).
    let before: Vec<(String, u64)> = levels.entries.iter().map(|e| (e.name.clone(), e.version)).collect();
    let l = levels.bypass_change_detection();
    l.rescan();
    let after: Vec<(String, u64)> = l.entries.iter().map(|e| (e.name.clone(), e.version)).collect();
    if before != after {
        levels.set_changed();
    }
}
