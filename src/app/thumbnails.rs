//! The library's thumbnails of each creature grown, and the level list's pictures of each level's
//! starting world (`crate::thumbnail`), made on a thread of their own so the window never waits
//! for them (in the browser, which gives us no threads, one a frame on the game's), and cached in the data folder (`thumbnails/`), so that only a rule or a level never
//! seen before is grown. Until its picture arrives an entry shows its target, or a question mark.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

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

/// Makes one picture (from the cache when it is there).
fn work(cache: &Path, j: Job) -> Done {
    let _ = crate::fsio::create_dir_all(cache);
    match j {
        Job::Creature { name, weights, fire_rate, angle } => {
            Done::Creature(name, cached(cache, &weights, fire_rate, angle))
        }
        Job::Level { name, version, level } => Done::Level(name, version, cached_level(cache, &level)),
    }
}

/// Where the pictures are made: a thread of its own.
#[cfg(not(target_arch = "wasm32"))]
struct Queue {
    jobs: std::sync::mpsc::Sender<Job>,
    done: std::sync::Mutex<std::sync::mpsc::Receiver<Done>>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Queue {
    fn start(cache: PathBuf) -> Result<Self, String> {
        let (jobs, work_in) = std::sync::mpsc::channel::<Job>();
        let (tell, done) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("thumbnails".into())
            .spawn(move || {
                // Ends when the app drops its sender.
                for j in work_in {
                    if tell.send(work(&cache, j)).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(Queue { jobs, done: std::sync::Mutex::new(done) })
    }
    fn send(&mut self, j: Job) -> bool {
        self.jobs.send(j).is_ok()
    }
    fn answers(&mut self) -> Vec<Done> {
        self.done.lock().map(|d| d.try_iter().collect()).unwrap_or_default()
    }
}

/// Where the pictures are made in the browser: one a frame, on the game's thread, from the
/// `QUIET`th frame on. A picture takes a frame's time or more there, and the first frames are the
/// page's first screen: the grown lizard comes first, the pictures after it.
#[cfg(target_arch = "wasm32")]
struct Queue {
    cache: PathBuf,
    jobs: std::collections::VecDeque<Job>,
    frames: u32,
}

#[cfg(target_arch = "wasm32")]
const QUIET: u32 = 30;

#[cfg(target_arch = "wasm32")]
impl Queue {
    fn start(cache: PathBuf) -> Result<Self, String> {
        Ok(Queue { cache, jobs: Default::default(), frames: 0 })
    }
    fn send(&mut self, j: Job) -> bool {
        self.jobs.push_back(j);
        true
    }
    fn answers(&mut self) -> Vec<Done> {
        self.frames = self.frames.saturating_add(1);
        if self.frames < QUIET {
            return Vec::new();
        }
        self.jobs.pop_front().map(|j| work(&self.cache, j)).into_iter().collect()
    }
}

#[derive(Resource)]
pub struct ThumbnailWorker {
    dir: PathBuf,
    queue: Queue,
    /// Cache files already asked for (one per rule, whatever its name).
    asked: HashSet<PathBuf>,
    /// Levels (name, file version) already asked for.
    asked_levels: HashSet<(String, u64)>,
    /// Pictures asked for and not yet answered (made or failed).
    pub pending: usize,
}

/// Whether the pictures are made. Growing 40 of them takes the cores for seconds on a first start:
/// on from the start in play, off while a script measures or tests until it asks for them
/// (`WaitThumbnails`).
#[derive(Resource)]
pub struct ThumbnailSwitch(pub bool);

pub struct ThumbnailPlugin {
    pub on: bool,
}

impl Plugin for ThumbnailPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<LevelPictures>()
            .insert_resource(ThumbnailSwitch(self.on))
            .add_systems(Update, (start.run_if(wanted), ask, ask_levels, take).chain());
    }
}

/// Switched on with no worker yet.
fn wanted(on: Res<ThumbnailSwitch>, worker: Option<Res<ThumbnailWorker>>) -> bool {
    on.0 && worker.is_none()
}

fn start(mut commands: Commands, opts: Res<super::PlayOptions>) {
    let dir = opts.data_dir.join("thumbnails");
    match Queue::start(dir.clone()) {
        Ok(queue) => commands.insert_resource(ThumbnailWorker {
            dir,
            queue,
            asked: HashSet::new(),
            asked_levels: HashSet::new(),
            pending: 0,
        }),
        Err(e) => {
            warn!("no thumbnails: {e}");
            commands.insert_resource(ThumbnailSwitch(false));
        }
    }
}

/// Asks for the thumbnail of every entry whose rule has not been asked for yet.
fn ask(worker: Option<ResMut<ThumbnailWorker>>, lib: Res<Library>) {
    let Some(mut worker) = worker else { return };
    // A worker started late (a script asks for it) has not seen the library yet.
    if !lib.is_changed() && !worker.is_added() {
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
            if worker.queue.send(job) {
                worker.pending += 1;
            }
        }
    }
}

/// Asks for the picture of every level loaded (or reloaded) since the last look.
fn ask_levels(worker: Option<ResMut<ThumbnailWorker>>, levels: Option<Res<Levels>>) {
    let (Some(mut worker), Some(levels)) = (worker, levels) else { return };
    if !levels.is_changed() && !worker.is_added() {
        return;
    }
    for e in &levels.entries {
        let Some(level) = e.level() else { continue };
        if worker.asked_levels.insert((e.name.clone(), e.version)) {
            let job = Job::Level { name: e.name.clone(), version: e.version, level: Box::new(level.clone()) };
            if worker.queue.send(job) {
                worker.pending += 1;
            }
        }
    }
}

/// Puts the pictures that are ready on their entries.
fn take(
    worker: Option<ResMut<ThumbnailWorker>>,
    mut lib: ResMut<Library>,
    mut textures: ResMut<Thumbnails>,
    mut levels: ResMut<LevelPictures>,
) {
    let Some(mut worker) = worker else { return };
    let answers = worker.queue.answers();
    if answers.is_empty() {
        return;
    }
    worker.pending = worker.pending.saturating_sub(answers.len());
    for d in answers {
        match d {
            Done::Creature(name, Ok(p)) => {
                if let Some(i) = lib.find(&name) {
                    lib.entries[i].thumbnail = Some(p);
                    lib.entries[i].grown = true;
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
