//! One training of the lab: its checkpoint file, its controls, what it reports live, and the
//! background thread that runs the shared training loop (`train::session`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
#[cfg(not(target_arch = "wasm32"))]
use std::thread::JoinHandle;
use std::time::Duration;

use web_time::Instant;

use crate::rule::TrainBackend;

use super::store;
use crate::backend::Resolved;
use crate::nca::{NcaConfig, Weights};
use crate::target::Target;
use crate::train::checkpoint::Checkpoint;
use crate::train::session::{self, Control, Event, Outcome};
use crate::train::{BatchView, TrainConfig, Trainer};

#[derive(Clone, Debug, PartialEq)]
pub enum JobState {
    Queued,
    Running,
    /// Finished; the creature file is here under this name.
    Saved {
        name: String,
        path: PathBuf,
    },
    /// Stopped with its checkpoint kept: it can be resumed.
    Stopped,
    /// Stopped without a word to the checkpoint (a simulated kill).
    Abandoned,
    Failed(String),
}

/// The current weights, for the lab's preview world.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub iteration: u64,
    pub weights: Weights,
    pub rule: NcaConfig,
}

/// What the training thread publishes; the UI reads it every frame.
#[derive(Debug, Default)]
pub struct Live {
    pub iteration: u64,
    pub iterations: u64,
    /// Loss of every iteration so far (after a rollback, cut back to the good checkpoint).
    pub history: Vec<f32>,
    pub lr: f32,
    /// Iterations per second over the last few seconds of training.
    pub it_per_s: f32,
    /// Seconds spent training in this session (pauses excluded).
    pub train_secs: f64,
    pub last_checkpoint: Option<u64>,
    pub target: Option<Target>,
    pub config: Option<TrainConfig>,
    pub batch: Option<BatchView>,
    /// Changes whenever `batch` does.
    pub batch_version: u64,
    pub snapshot: Option<Snapshot>,
    /// Messages for the user (rollbacks), taken by the UI.
    pub messages: Vec<String>,
}

impl Live {
    /// Seconds to go at the current rate.
    pub fn eta_secs(&self) -> Option<f64> {
        (self.it_per_s > 0.0).then(|| self.iterations.saturating_sub(self.iteration) as f64 / self.it_per_s as f64)
    }
}

pub struct Job {
    pub id: u64,
    pub name: String,
    pub ckpt: PathBuf,
    pub state: JobState,
    pub control: Arc<Control>,
    pub live: Arc<Mutex<Live>>,
    /// Where it trains: its own path, else the lab's.
    pub on: Option<Resolved>,
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) thread: Option<JoinHandle<Result<End, String>>>,
}

impl Job {
    pub fn new(id: u64, name: String, ckpt: PathBuf, iteration: u64, iterations: u64) -> Self {
        let live = Live { iteration, iterations, ..Default::default() };
        Job {
            id,
            name,
            ckpt,
            state: JobState::Queued,
            control: Arc::default(),
            live: Arc::new(Mutex::new(live)),
            on: None,
            #[cfg(not(target_arch = "wasm32"))]
            thread: None,
        }
    }

    pub fn live(&self) -> MutexGuard<'_, Live> {
        // A panic in the training thread cannot leave Live half-updated in a way that matters.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn paused(&self) -> bool {
        self.control.paused()
    }

    pub fn is_active(&self) -> bool {
        matches!(self.state, JobState::Queued | JobState::Running)
    }

    /// Starts the training thread on the chosen backend.
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn start(&mut self, on: Resolved, data: PathBuf, preview_every: u64) {
        let w = Worker {
            ckpt: self.ckpt.clone(),
            data,
            control: self.control.clone(),
            live: self.live.clone(),
            preview_every,
        };
        let spawned = std::thread::Builder::new().name(format!("lab: {}", self.name)).spawn(move || {
            lower_priority();
            crate::backend::run_job(&on, w)
        });
        match spawned {
            Ok(h) => {
                self.thread = Some(h);
                self.state = JobState::Running;
            }
            Err(e) => self.state = JobState::Failed(format!("cannot start a training thread: {e}")),
        }
    }

    /// The thread's result once it has ended; None while it runs.
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn try_finish(&mut self) -> Option<JobState> {
        if !self.thread.as_ref()?.is_finished() {
            return None;
        }
        let h = self.thread.take()?;
        let state = match h.join() {
            Ok(Ok(End::Saved { name, path })) => JobState::Saved { name, path },
            Ok(Ok(End::Stopped)) => JobState::Stopped,
            Ok(Ok(End::Abandoned)) => JobState::Abandoned,
            Ok(Err(e)) => JobState::Failed(e),
            Err(_) => JobState::Failed("the training thread crashed".into()),
        };
        self.state = state.clone();
        Some(state)
    }

    /// Blocks until the thread has ended (shutting down, tests).
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn join(&mut self) -> Option<JobState> {
        while self.thread.as_ref().is_some_and(|h| !h.is_finished()) {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.try_finish()
    }
}

/// Training competes with the game for the CPU; the game must win. Threads the trainer starts
/// (the SGEMM pool) inherit this.
#[cfg(not(target_arch = "wasm32"))]
fn lower_priority() {
    #[cfg(target_os = "linux")]
    unsafe {
        // 0: the calling thread (Linux applies PRIO_PROCESS to a thread id).
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

pub(crate) enum End {
    Saved { name: String, path: PathBuf },
    Stopped,
    Abandoned,
}

#[cfg(not(target_arch = "wasm32"))]
struct Worker {
    ckpt: PathBuf,
    data: PathBuf,
    control: Arc<Control>,
    live: Arc<Mutex<Live>>,
    preview_every: u64,
}

/// How often the batch is read back for the pool view (each read-back costs a little).
const BATCH_VIEW_EVERY: Duration = Duration::from_millis(500);

#[cfg(not(target_arch = "wasm32"))]
impl crate::backend::BackendJob for Worker {
    type Output = Result<End, String>;
    fn run<B: TrainBackend>(self, device: B::Device, on: &Resolved) -> Self::Output {
        let mut t = resume::<B>(&self.ckpt, device, on)?;
        let mut rep = Reporter::begin(self.live.clone(), &t, self.preview_every);
        let outcome = session::run(&mut t, &self.ckpt, &self.control, |t, ev| rep.on(t, ev))?;
        finish(outcome, &mut t, &self.data, &self.ckpt, &self.live)
    }
}

/// The training of a checkpoint, on `on`'s backend.
pub(crate) fn resume<B: TrainBackend>(
    ckpt: &std::path::Path,
    device: B::Device,
    on: &Resolved,
) -> Result<Trainer<B>, String> {
    let ck = Checkpoint::load(ckpt)?;
    let mut t = Trainer::<B>::resume(ck, device).map_err(|e| e.to_string())?;
    t.trained_on = on.describe();
    Ok(t)
}

/// What a training tells its `Live` as the loop reports (the lab's thread, the browser's worker).
pub(crate) struct Reporter {
    live: Arc<Mutex<Live>>,
    last_view: Option<Instant>,
    preview_every: u64,
    /// (time, iteration) marks for the rate over the last few seconds.
    marks: std::collections::VecDeque<(Instant, u64)>,
    last_tick: Instant,
}

impl Reporter {
    /// Fills `live` with the training as it starts.
    pub(crate) fn begin<B: TrainBackend>(live: Arc<Mutex<Live>>, t: &Trainer<B>, preview_every: u64) -> Self {
        {
            let mut l = live.lock().unwrap_or_else(|e| e.into_inner());
            l.iteration = t.iteration;
            l.iterations = t.cfg.iterations;
            l.history = t.history.clone();
            l.target = Some(t.target.clone());
            l.config = Some(t.cfg.clone());
            l.snapshot = Some(Snapshot { iteration: t.iteration, weights: t.weights(), rule: t.rule() });
        }
        Reporter {
            live,
            last_view: None,
            // Short trainings refresh the preview more often, so that it shows progress at all.
            preview_every: preview_every.min((t.cfg.iterations / 8).max(10)),
            marks: Default::default(),
            last_tick: Instant::now(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn on<B: TrainBackend>(&mut self, t: &mut Trainer<B>, ev: Event) {
        let now = Instant::now();
        match ev {
            Event::Before(_) => {
                t.keep_batch_view = self.last_view.is_none_or(|v| now.duration_since(v) >= BATCH_VIEW_EVERY);
                if t.keep_batch_view {
                    self.last_view = Some(now);
                }
                // Time spent paused does not count.
                if now.duration_since(self.last_tick) > Duration::from_millis(200) {
                    self.marks.clear();
                }
                self.last_tick = now;
            }
            Event::Iteration(r) => {
                self.marks.push_back((now, r.iteration));
                while self.marks.len() > 2 && now.duration_since(self.marks[0].0) > Duration::from_secs(5) {
                    self.marks.pop_front();
                }
                let rate = match (self.marks.front(), self.marks.back()) {
                    (Some(a), Some(b)) if b.1 > a.1 => {
                        Some((b.1 - a.1) as f32 / b.0.duration_since(a.0).as_secs_f32().max(1e-6))
                    }
                    _ => None,
                };
                let since = now.duration_since(self.last_tick).as_secs_f64();
                let preview = r.iteration.is_multiple_of(self.preview_every);
                let mut l = self.lock();
                l.train_secs += since;
                l.iteration = r.iteration;
                l.history.push(r.loss);
                l.lr = r.lr;
                if let Some(rate) = rate {
                    l.it_per_s = rate;
                }
                if let Some(v) = t.last_batch.take() {
                    l.batch = Some(v);
                    l.batch_version += 1;
                }
                if preview {
                    l.snapshot = Some(Snapshot { iteration: r.iteration, weights: t.weights(), rule: t.rule() });
                }
                drop(l);
                self.last_tick = now;
            }
            Event::RolledBack { failed, back_to } => {
                let mut l = self.lock();
                l.iteration = back_to;
                l.history.truncate(back_to as usize);
                l.messages.push(format!(
                    "{}: non-finite loss at iteration {failed}; rolled back to the last good checkpoint (iteration {back_to})",
                    t.name
                ));
            }
            Event::Checkpointed(i) => self.lock().last_checkpoint = Some(i),
            Event::Graded { iteration, misses } => {
                let verdict = if misses.is_empty() { "meets the bar".to_string() } else { crate::zoo::listed(&misses) };
                self.lock().messages.push(format!("{}: graded at iteration {iteration}: {verdict}", t.name));
            }
        }
    }
}

/// After the loop: a finished training's creature saved into the data folder (its checkpoint
/// removed), or what stopped it.
pub(crate) fn finish<B: TrainBackend>(
    outcome: Outcome,
    t: &mut Trainer<B>,
    data: &std::path::Path,
    ckpt: &std::path::Path,
    live: &Mutex<Live>,
) -> Result<End, String> {
    match outcome {
        Outcome::Finished => {
            crate::fsio::create_dir_all(&store::creatures_dir(data))?;
            let (name, path) = store::result_path(data, &t.name);
            t.name = name.clone();
            session::save_result(t, &path, ckpt)?;
            live.lock().unwrap_or_else(|e| e.into_inner()).snapshot =
                Some(Snapshot { iteration: t.iteration, weights: t.weights(), rule: t.rule() });
            Ok(End::Saved { name, path })
        }
        Outcome::Interrupted => Ok(End::Stopped),
        Outcome::Abandoned => Ok(End::Abandoned),
    }
}
