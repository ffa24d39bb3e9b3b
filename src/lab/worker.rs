//! The lab's training in the browser: a Web Worker running this same program (`worker.js` of the
//! page loads it; `app::web::start` sees it is in a worker and calls [`serve`]). The page has one
//! thread for the game; the training takes the worker's, so the page never waits for an
//! iteration. Both sides speak in messages:
//!
//! - page to worker: `start` (the checkpoint's bytes, the data folder), `control` (pause, stop);
//! - worker to page: `ready`, `live` (what changed in the training's `Live`, as JSON), `file` (a
//!   file the training wrote: its checkpoints, the creature; the page keeps it in its storage),
//!   `end` (saved, stopped, abandoned or failed).
//!
//! The worker steps the shared loop one pass at a time (`session::Session`) and returns to the
//! browser between passes, which is when the page's messages reach it.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use base64::Engine;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::job::{End, Job, JobState, Live, Reporter, Snapshot, finish, resume};
use crate::backend::Resolved;
use crate::target::Target;
use crate::train::session::{Control, Session, Step, Stop};
use crate::train::{BatchView, TrainConfig, Trainer};

type Cpu = burn::backend::Autodiff<crate::backend::CpuBackend>;

fn b64(v: &[f32]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytemuck::cast_slice::<f32, u8>(v))
}

fn from_b64(s: &str) -> Vec<f32> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).unwrap_or_default();
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// What changed in a training's `Live` since the last message.
#[derive(Serialize, Deserialize, Default)]
struct Delta {
    iteration: u64,
    iterations: u64,
    lr: f32,
    it_per_s: f32,
    train_secs: f64,
    last_checkpoint: Option<u64>,
    /// The history from this entry on is `history` (a rollback cuts it back).
    history_from: usize,
    history: Vec<f32>,
    messages: Vec<String>,
    /// (dims, before, after, wounded): floats as base64 of their bytes.
    batch: Option<([usize; 3], String, String, Vec<bool>)>,
    /// (iteration, weights, rule).
    snapshot: Option<(u64, crate::nca::Weights, crate::nca::NcaConfig)>,
    target: Option<(usize, usize, String)>,
    config: Option<TrainConfig>,
}

/// How a training ended, as the worker says it.
#[derive(Serialize, Deserialize)]
enum Ended {
    Saved { name: String, path: PathBuf },
    Stopped,
    Abandoned,
    Failed(String),
}

fn message(kind: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"kind".into(), &kind.into());
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

fn field(msg: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(msg, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

// ---- the worker's side ----

fn scope() -> Option<web_sys::DedicatedWorkerGlobalScope> {
    js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>().ok()
}

/// Whether this program runs in a worker (the page's `worker.js`), not in the page.
pub fn in_worker() -> bool {
    scope().is_some()
}

fn post(msg: &JsValue) {
    if let Some(s) = scope() {
        let _ = s.post_message(msg);
    }
}

/// Every file the training writes goes to the page, which keeps it.
fn send_file(path: &Path, bytes: Option<&[u8]>) {
    let data = bytes.map(|b| JsValue::from(js_sys::Uint8Array::from(b))).unwrap_or(JsValue::NULL);
    post(&message("file", &[("path", path.display().to_string().into()), ("bytes", data)]));
}

struct Training {
    t: Trainer<Cpu>,
    session: Session,
    control: Control,
    rep: Reporter,
    live: Arc<Mutex<Live>>,
    data: PathBuf,
    ckpt: PathBuf,
    sent_history: usize,
    sent_batch: u64,
    sent_snapshot: Option<u64>,
    sent_start: bool,
}

thread_local! {
    static TRAINING: RefCell<Option<Training>> = const { RefCell::new(None) };
    static TICK: RefCell<Option<Closure<dyn FnMut()>>> = const { RefCell::new(None) };
}

/// Serves the page: takes its messages, trains when told to.
pub fn serve() {
    crate::fsio::browser::set_sink(send_file);
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
        let msg = e.data();
        match field(&msg, "kind").as_string().as_deref() {
            Some("start") => {
                if let Err(err) = begin(&msg) {
                    post(&message("end", &[("json", json(&Ended::Failed(err)).into())]));
                }
            }
            Some("control") => TRAINING.with(|t| {
                if let Some(t) = t.borrow().as_ref() {
                    t.control.pause(field(&msg, "paused").as_bool().unwrap_or(false));
                    let stop = match field(&msg, "stop").as_f64().unwrap_or(0.0) as u8 {
                        1 => Stop::Checkpoint,
                        2 => Stop::Finish,
                        3 => Stop::Abandon,
                        _ => Stop::No,
                    };
                    if stop != Stop::No {
                        t.control.stop(stop);
                    }
                }
            }),
            _ => {}
        }
    });
    if let Some(s) = scope() {
        s.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    }
    on_message.forget();
    TICK.with(|c| *c.borrow_mut() = Some(Closure::new(tick)));
    post(&message("ready", &[]));
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn begin(msg: &JsValue) -> Result<(), String> {
    let ckpt = PathBuf::from(field(msg, "ckpt").as_string().ok_or("no checkpoint path")?);
    let data = PathBuf::from(field(msg, "data").as_string().ok_or("no data folder")?);
    let bytes = field(msg, "bytes").dyn_into::<js_sys::Uint8Array>().map_err(|_| "no checkpoint bytes")?.to_vec();
    let preview_every = field(msg, "preview_every").as_f64().unwrap_or(200.0) as u64;
    crate::fsio::browser::preload(&ckpt, bytes);
    let t = resume::<Cpu>(&ckpt, Default::default(), &Resolved::Cpu)?;
    let live = Arc::new(Mutex::new(Live::default()));
    let rep = Reporter::begin(live.clone(), &t, preview_every);
    let training = Training {
        t,
        session: Session::new(&ckpt),
        control: Control::default(),
        rep,
        live,
        data,
        ckpt,
        sent_history: 0,
        sent_batch: 0,
        sent_snapshot: None,
        sent_start: false,
    };
    TRAINING.with(|t| *t.borrow_mut() = Some(training));
    schedule(0);
    Ok(())
}

/// Runs `tick` again after `ms` milliseconds, once the browser has delivered what came meanwhile.
fn schedule(ms: i32) {
    TICK.with(|c| {
        if let (Some(cb), Some(s)) = (c.borrow().as_ref(), scope()) {
            let _ = s.set_timeout_with_callback_and_timeout_and_arguments_0(cb.as_ref().unchecked_ref(), ms);
        }
    });
}

/// One pass of the training loop, then what changed to the page.
fn tick() {
    let next = TRAINING.with(|cell| {
        let mut guard = cell.borrow_mut();
        let tr = guard.as_mut()?;
        let step = {
            let rep = &mut tr.rep;
            tr.session.step(&mut tr.t, &tr.control, &mut |t, ev| rep.on(t, ev))
        };
        post(&message("live", &[("json", json(&delta(tr)).into())]));
        match step {
            Ok(Step::Ran) => Some(Ok(0)),
            Ok(Step::Paused) => Some(Ok(50)),
            Ok(Step::Done(outcome)) => Some(Err(finish(outcome, &mut tr.t, &tr.data, &tr.ckpt, &tr.live))),
            Err(e) => Some(Err(Err(e))),
        }
    });
    match next {
        Some(Ok(ms)) => schedule(ms),
        Some(Err(end)) => {
            // The snapshot of the saved creature, then the end.
            TRAINING.with(|cell| {
                if let Some(tr) = cell.borrow_mut().as_mut() {
                    post(&message("live", &[("json", json(&delta(tr)).into())]));
                }
            });
            let ended = match end {
                Ok(End::Saved { name, path }) => Ended::Saved { name, path },
                Ok(End::Stopped) => Ended::Stopped,
                Ok(End::Abandoned) => Ended::Abandoned,
                Err(e) => Ended::Failed(e),
            };
            post(&message("end", &[("json", json(&ended).into())]));
            TRAINING.with(|cell| *cell.borrow_mut() = None);
        }
        None => {}
    }
}

fn delta(tr: &mut Training) -> Delta {
    let mut l = tr.live.lock().unwrap_or_else(|e| e.into_inner());
    let from = tr.sent_history.min(l.history.len());
    let mut d = Delta {
        iteration: l.iteration,
        iterations: l.iterations,
        lr: l.lr,
        it_per_s: l.it_per_s,
        train_secs: l.train_secs,
        last_checkpoint: l.last_checkpoint,
        history_from: from,
        history: l.history[from..].to_vec(),
        messages: l.messages.drain(..).collect(),
        ..Default::default()
    };
    tr.sent_history = l.history.len();
    if l.batch_version != tr.sent_batch
        && let Some(b) = &l.batch
    {
        d.batch = Some((b.dims, b64(&b.before), b64(&b.after), b.wounded.clone()));
        tr.sent_batch = l.batch_version;
    }
    if let Some(s) = &l.snapshot
        && tr.sent_snapshot != Some(s.iteration)
    {
        d.snapshot = Some((s.iteration, s.weights.clone(), s.rule));
        tr.sent_snapshot = Some(s.iteration);
    }
    if !tr.sent_start {
        d.target = l.target.as_ref().map(|t| (t.width, t.height, b64(&t.rgba)));
        d.config = l.config.clone();
        tr.sent_start = true;
    }
    d
}

// ---- the page's side ----

/// A job's worker, as the page holds it.
struct PageWorker {
    worker: web_sys::Worker,
    inbox: Rc<RefCell<VecDeque<JsValue>>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    start: Option<JsValue>,
    /// (paused, stop) as last told.
    told: (bool, u8),
}

thread_local! {
    static WORKERS: RefCell<HashMap<u64, PageWorker>> = RefCell::new(HashMap::new());
}

/// Starts a worker for `job`; it trains once it says it is ready.
pub(super) fn start(job: &Job, data: &Path, preview_every: u64) -> Result<(), String> {
    let bytes = crate::fsio::read(&job.ckpt)?;
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options("worker.js", &opts)
        .map_err(|e| format!("the browser would not start the training's worker ({e:?})"))?;
    let inbox: Rc<RefCell<VecDeque<JsValue>>> = Rc::default();
    let q = inbox.clone();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        q.borrow_mut().push_back(e.data());
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let start = message(
        "start",
        &[
            ("ckpt", job.ckpt.display().to_string().into()),
            ("data", data.display().to_string().into()),
            ("bytes", js_sys::Uint8Array::from(&bytes[..]).into()),
            ("preview_every", (preview_every as f64).into()),
        ],
    );
    let pw = PageWorker { worker, inbox, _on_message: on_message, start: Some(start), told: (false, 0) };
    WORKERS.with(|w| w.borrow_mut().insert(job.id, pw));
    Ok(())
}

fn apply(live: &mut Live, d: Delta) {
    live.iteration = d.iteration;
    live.iterations = d.iterations;
    live.lr = d.lr;
    live.it_per_s = d.it_per_s;
    live.train_secs = d.train_secs;
    live.last_checkpoint = d.last_checkpoint;
    live.history.truncate(d.history_from);
    live.history.extend(d.history);
    live.messages.extend(d.messages);
    if let Some((dims, before, after, wounded)) = d.batch {
        live.batch = Some(BatchView { dims, before: from_b64(&before), after: from_b64(&after), wounded });
        live.batch_version += 1;
    }
    if let Some((iteration, weights, rule)) = d.snapshot {
        live.snapshot = Some(Snapshot { iteration, weights, rule });
    }
    if let Some((width, height, rgba)) = d.target {
        live.target = Some(Target { width, height, rgba: from_b64(&rgba) });
    }
    if d.config.is_some() {
        live.config = d.config;
    }
}

/// Takes the worker's messages into the job; tells the worker what the page asked of the job;
/// the job's end state once the worker has said it.
pub(super) fn poll(job: &mut Job) -> Option<JobState> {
    WORKERS.with(|all| {
        let mut all = all.borrow_mut();
        let pw = all.get_mut(&job.id)?;
        let told = (job.control.paused(), job.control.stop_requested() as u8);
        if pw.start.is_none() && told != pw.told {
            let msg = message("control", &[("paused", told.0.into()), ("stop", (told.1 as f64).into())]);
            let _ = pw.worker.post_message(&msg);
            pw.told = told;
        }
        let mut end = None;
        while let Some(msg) = pw.inbox.borrow_mut().pop_front() {
            match field(&msg, "kind").as_string().as_deref() {
                Some("ready") => {
                    if let Some(start) = pw.start.take() {
                        let _ = pw.worker.post_message(&start);
                    }
                }
                Some("live") => {
                    if let Some(d) = field(&msg, "json").as_string().and_then(|s| serde_json::from_str(&s).ok()) {
                        apply(&mut job.live(), d);
                    }
                }
                Some("file") => {
                    let path = PathBuf::from(field(&msg, "path").as_string().unwrap_or_default());
                    let res = match field(&msg, "bytes").dyn_into::<js_sys::Uint8Array>() {
                        Ok(b) => crate::fsio::write_atomic(&path, &b.to_vec()),
                        Err(_) => crate::fsio::remove(&path).map(|_| ()),
                    };
                    if let Err(e) = res {
                        job.live().messages.push(e.to_string());
                    }
                }
                Some("end") => {
                    let ended = field(&msg, "json").as_string().and_then(|s| serde_json::from_str::<Ended>(&s).ok());
                    end = Some(match ended {
                        Some(Ended::Saved { name, path }) => JobState::Saved { name, path },
                        Some(Ended::Stopped) => JobState::Stopped,
                        Some(Ended::Abandoned) => JobState::Abandoned,
                        Some(Ended::Failed(e)) => JobState::Failed(e),
                        None => JobState::Failed("the training's worker said something unreadable".into()),
                    });
                }
                _ => {}
            }
        }
        if end.is_some() {
            pw.worker.terminate();
            all.remove(&job.id);
        }
        end
    })
}

/// A training of the page runs in its worker: `Lab` starts, polls and ends it as it does a thread.
impl Job {
    /// Starts the training in a worker of the page (the browser: the CPU, whatever was chosen).
    pub(super) fn start(&mut self, _on: Resolved, data: PathBuf, preview_every: u64) {
        self.state = match start(self, &data, preview_every) {
            Ok(()) => JobState::Running,
            Err(e) => JobState::Failed(e),
        };
    }

    /// The worker's result once it has ended; None while it runs.
    pub(super) fn try_finish(&mut self) -> Option<JobState> {
        let state = poll(self)?;
        self.state = state.clone();
        Some(state)
    }

    /// The page cannot wait for its worker: what it has said so far.
    pub(super) fn join(&mut self) -> Option<JobState> {
        self.try_finish()
    }
}
