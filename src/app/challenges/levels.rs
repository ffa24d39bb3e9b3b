//! Level files as Bevy assets from their own asset source (`levels://`, the levels folder), so that
//! the file watcher reloads a level when its file is saved. A file that does not parse is listed
//! with its error (file, line, field) and cannot be started; everything else carries on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bevy::asset::io::Reader;
use bevy::asset::{AssetLoader, LoadContext, LoadState};
use bevy::prelude::*;

use crate::level::Level;
use crate::thumbnail::Picture;

/// The level list's pictures of each level's starting world, by level name (made by `app::thumbnails`, drawn by the list): the file version it
/// was made from, the picture, and its egui texture once drawn.
#[derive(Resource, Default)]
pub struct LevelPictures(pub HashMap<String, (u64, Picture, Option<bevy_egui::egui::TextureHandle>)>);

/// The asset source that serves the levels folder.
pub const SOURCE: &str = "levels";

#[derive(Asset, TypePath, Debug, Clone)]
pub struct LevelAsset(pub Level);

#[derive(Debug)]
pub struct LevelLoadError(pub String);

impl std::fmt::Display for LevelLoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for LevelLoadError {}

/// Parses level files. `dir` is the levels folder on disk: a level names its creature files
/// relative to its own file.
#[derive(TypePath)]
pub struct LevelLoader {
    pub dir: PathBuf,
}

impl AssetLoader for LevelLoader {
    type Asset = LevelAsset;
    type Settings = ();
    type Error = LevelLoadError;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _: &(),
        ctx: &mut LoadContext<'_>,
    ) -> Result<LevelAsset, LevelLoadError> {
        let source = self.dir.join(ctx.path().path());
        // The same size limit as every text file morphogen reads (a level is a few kilobytes).
        crate::limits::file_len(&source, "level file", crate::limits::MAX_TEXT_FILE).map_err(LevelLoadError)?;
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).await.map_err(|e| LevelLoadError(format!("{}: {e}", source.display())))?;
        let text =
            String::from_utf8(bytes).map_err(|_| LevelLoadError(format!("{}: not UTF-8 text", source.display())))?;
        Level::parse(&text, &source).map(LevelAsset).map_err(LevelLoadError)
    }

    fn extensions(&self) -> &[&str] {
        &["ron"]
    }
}

/// What a level file is, as far as the game knows.
#[derive(Clone, Debug)]
pub enum Status {
    Loading,
    Ready(Box<Level>),
    Failed(String),
}

#[derive(Debug)]
pub struct LevelEntry {
    /// The file name without `.ron`: the save file's key and the order of play.
    pub name: String,
    pub handle: Handle<LevelAsset>,
    pub status: Status,
    /// Bumped whenever the file is (re)loaded, so a level in play can restart on an edit.
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

/// Every level file in the folder, in file-name order.
#[derive(Resource)]
pub struct Levels {
    pub dir: PathBuf,
    pub entries: Vec<LevelEntry>,
    last_scan: Option<Instant>,
}

impl Levels {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, entries: Vec::new(), last_scan: None }
    }
    /// Whether the folder has been looked at once (before that, no name is known to be missing).
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
}

/// The levels folder as an absolute path: Bevy resolves relative asset roots against the
/// executable's folder, not the working directory.
pub fn absolute(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Level files in the folder (sorted); a missing folder has none.
fn level_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| n.ends_with(".ron"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Looks for new or removed files every two seconds (the watcher reloads files it already has).
pub fn scan(mut levels: ResMut<Levels>, server: Res<AssetServer>) {
    if levels.last_scan.is_some_and(|t| t.elapsed() < Duration::from_secs(2)) {
        return;
    }
    levels.last_scan = Some(Instant::now());
    let files = level_files(&levels.dir);
    levels.entries.retain(|e| files.iter().any(|f| f.strip_suffix(".ron") == Some(e.name.as_str())));
    for f in files {
        let name = f.trim_end_matches(".ron").to_string();
        if levels.find(&name).is_none() {
            let handle = server.load::<LevelAsset>(format!("{SOURCE}://{f}"));
            levels.entries.push(LevelEntry { name, handle, status: Status::Loading, version: 0 });
        }
    }
    levels.entries.sort_by(|a, b| a.name.cmp(&b.name));
}

/// Keeps each entry's status in step with the asset server: loaded, reloaded after an edit, or
/// failed with the parser's message.
pub fn track(
    mut levels: ResMut<Levels>,
    server: Res<AssetServer>,
    assets: Res<Assets<LevelAsset>>,
    mut events: MessageReader<AssetEvent<LevelAsset>>,
) {
    let changed: Vec<AssetId<LevelAsset>> = events
        .read()
        .filter_map(|e| match e {
            AssetEvent::Added { id } | AssetEvent::Modified { id } | AssetEvent::LoadedWithDependencies { id } => {
                Some(*id)
            }
            _ => None,
        })
        .collect();
    for entry in &mut levels.entries {
        let id = entry.handle.id();
        if let LoadState::Failed(err) = server.load_state(id) {
            let msg = failure_message(&err.to_string());
            if !matches!(&entry.status, Status::Failed(m) if *m == msg) {
                warn!("level {}: {msg}", entry.name);
                entry.status = Status::Failed(msg);
                entry.version += 1;
            }
            continue;
        }
        let fresh = changed.contains(&id) || matches!(entry.status, Status::Loading | Status::Failed(_));
        if fresh
            && let Some(a) = assets.get(id)
            && entry.level() != Some(&a.0)
        {
            // Only a level that reads differently counts as a new version (a level in play
            // restarts on it); Bevy reports one load more than once.
            entry.status = Status::Ready(Box::new(a.0.clone()));
            entry.version += 1;
        }
    }
}

/// The parser's own words from Bevy's wrapped load error (without the backtrace it may carry).
fn failure_message(err: &str) -> String {
    let err = err.lines().next().unwrap_or(err);
    // Bevy says "Failed to load asset 'levels://x.ron' with asset loader '...': <ours>".
    const MARK: &str = "LevelLoader': ";
    match err.find(MARK) {
        Some(i) => err[i + MARK.len()..].to_string(),
        None => err.to_string(),
    }
}
