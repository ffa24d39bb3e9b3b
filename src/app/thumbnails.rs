//! The library's thumbnails of each creature grown, and the level list's pictures of each level's
//! starting world (`crate::thumbnail`), made on a thread of their own so the window never waits
//! for them, and cached in the data folder (`thumbnails/`), so that only a rule or a level never
//! seen before is grown. Until its picture arrives an entry shows its target, or a question mark.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use bevy::prelude::*;

use super::challenges::levels::{LevelPictures, Levels};
use super::library::Library;
use super::library_panel::Thumbnails;
use crate::level::Level;
use crate::nca::Weights;
use crate::thumbnail::{Picture, cache_path, cached, cached_level};

enum Job {
    Creature { name: String, weights: Weights, fire_rate: f32, angle: f32 },
    Level { name: String, version: u64, level: Box<Level> },
}

enum Done {
    Creature(String, Result<Picture, String>),
    Level(String, u64, Result<Picture, String>),
}

#[derive(Resource)]
pub struct ThumbnailWorker {
    dir: PathBuf,
    jobs: Sender<Job>,
    done: Mutex<Receiver<Done>>,
    /// Cache files already asked for (one per rule, whatever its name).
    asked: HashSet<PathBuf>,
    /// Levels (name, file version) already asked for.
    asked_levels: HashSet<(String, u64)>,
}

#[derive(Default)]
pub struct ThumbnailPlugin;

impl Plugin for ThumbnailPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<LevelPictures>()
            .add_systems(Startup, start)
            .add_systems(Update, (ask, ask_levels, take).chain());
    }
}

fn start(mut commands: Commands, opts: Res<super::PlayOptions>) {
    let dir = opts.data_dir.join("thumbnails");
    let (jobs, work) = channel::<Job>();
    let (tell, done) = channel();
    let cache = dir.clone();
    let spawned = std::thread::Builder::new().name("thumbnails".into()).spawn(move || {
        // Ends when the app drops its sender.
        for j in work {
            let _ = std::fs::create_dir_all(&cache);
            let done = match j {
                Job::Creature { name, weights, fire_rate, angle } => {
                    Done::Creature(name, cached(&cache, &weights, fire_rate, angle))
                }
                Job::Level { name, version, level } => Done::Level(name, version, cached_level(&cache, &level)),
            };
            if tell.send(done).is_err() {
                return;
            }
        }
    });
    if let Err(e) = spawned {
        warn!("no thumbnails: {e}");
        return;
    }
    commands.insert_resource(ThumbnailWorker {
        dir,
        jobs,
        done: Mutex::new(done),
        asked: HashSet::new(),
        asked_levels: HashSet::new(),
    });
}

/// Asks for the thumbnail of every entry whose rule has not been asked for yet.
fn ask(worker: Option<ResMut<ThumbnailWorker>>, lib: Res<Library>) {
    let Some(mut worker) = worker else { return };
    if !lib.is_changed() {
        return;
    }
    for e in &lib.entries {
        if !e.weights.spec.alive_masking {
            continue;
        }
        let key = cache_path(&worker.dir, &e.weights, e.fire_rate, e.angle);
        if worker.asked.insert(key) {
            let job = Job::Creature {
                name: e.name.clone(),
                weights: e.weights.clone(),
                fire_rate: e.fire_rate,
                angle: e.angle,
            };
            let _ = worker.jobs.send(job);
        }
    }
}

/// Asks for the picture of every level loaded (or reloaded) since the last look.
fn ask_levels(worker: Option<ResMut<ThumbnailWorker>>, levels: Option<Res<Levels>>) {
    let (Some(mut worker), Some(levels)) = (worker, levels) else { return };
    if !levels.is_changed() {
        return;
    }
    for e in &levels.entries {
        let Some(level) = e.level() else { continue };
        if worker.asked_levels.insert((e.name.clone(), e.version)) {
            let job = Job::Level { name: e.name.clone(), version: e.version, level: Box::new(level.clone()) };
            let _ = worker.jobs.send(job);
        }
    }
}

/// Puts the pictures that are ready on their entries.
fn take(
    worker: Option<Res<ThumbnailWorker>>,
    mut lib: ResMut<Library>,
    mut textures: ResMut<Thumbnails>,
    mut levels: ResMut<LevelPictures>,
) {
    let Some(worker) = worker else { return };
    let Ok(done) = worker.done.lock() else { return };
    while let Ok(d) = done.try_recv() {
        match d {
            Done::Creature(name, Ok(p)) => {
                if let Some(i) = lib.find(&name) {
                    lib.entries[i].thumbnail = Some(p);
                    textures.forget(&name);
                }
            }
            Done::Level(name, version, Ok(p)) => {
                levels.0.insert(name, (version, p, None));
            }
            Done::Creature(name, Err(e)) | Done::Level(name, _, Err(e)) => debug!("no picture for {name}: {e}"),
        }
    }
}
