//! The library's thumbnails of each creature grown (`crate::thumbnail`), made on a thread of their
//! own so the window never waits for them, and cached in the data folder (`thumbnails/`), so that
//! only a rule never seen before is grown. Until its picture arrives an entry shows its target, or
//! a question mark.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use bevy::prelude::*;

use super::library::Library;
use super::library_panel::Thumbnails;
use crate::nca::Weights;
use crate::thumbnail::{Picture, cache_path, cached};

struct Job {
    name: String,
    weights: Weights,
    fire_rate: f32,
    angle: f32,
}

#[derive(Resource)]
pub struct ThumbnailWorker {
    dir: PathBuf,
    jobs: Sender<Job>,
    done: Mutex<Receiver<(String, Result<Picture, String>)>>,
    /// Cache files already asked for (one per rule, whatever its name).
    asked: HashSet<PathBuf>,
}

#[derive(Default)]
pub struct ThumbnailPlugin;

impl Plugin for ThumbnailPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, start).add_systems(Update, (ask, take).chain());
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
            if tell.send((j.name, cached(&cache, &j.weights, j.fire_rate, j.angle))).is_err() {
                return;
            }
        }
    });
    if let Err(e) = spawned {
        warn!("no thumbnails: {e}");
        return;
    }
    commands.insert_resource(ThumbnailWorker { dir, jobs, done: Mutex::new(done), asked: HashSet::new() });
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
            let job = Job { name: e.name.clone(), weights: e.weights.clone(), fire_rate: e.fire_rate, angle: e.angle };
            let _ = worker.jobs.send(job);
        }
    }
}

/// Puts the pictures that are ready on their entries.
fn take(worker: Option<Res<ThumbnailWorker>>, mut lib: ResMut<Library>, mut textures: ResMut<Thumbnails>) {
    let Some(worker) = worker else { return };
    let Ok(done) = worker.done.lock() else { return };
    while let Ok((name, picture)) = done.try_recv() {
        match picture {
            Ok(p) => {
                if let Some(i) = lib.find(&name) {
                    lib.entries[i].thumbnail = Some(p);
                    textures.forget(&name);
                }
            }
            Err(e) => debug!("no thumbnail for {name}: {e}"),
        }
    }
}
