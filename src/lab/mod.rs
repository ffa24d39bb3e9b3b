//! The lab, without Bevy: images become drafts, drafts become trainings queued on a background
//! thread (one at a time, through the same loop as `morphogen train`), trainings become
//! creature files in the user's data folder. Every training is a checkpoint file from the moment
//! it is queued, so closing or killing the app loses at most one checkpoint interval.

pub mod draft;
pub mod estimate;
pub mod job;
pub mod paths;
pub mod store;
#[cfg(target_arch = "wasm32")]
pub mod worker;

use std::path::{Path, PathBuf};

pub use draft::Draft;
pub use job::{Job, JobState, Live, Snapshot};
pub use store::Unfinished;

use crate::backend::Resolved;
use crate::target::Target;
use crate::train::TrainConfig;
use crate::train::checkpoint::Checkpoint;
use crate::train::session::Stop;

/// Something the app should tell the user or act on.
#[derive(Clone, Debug, PartialEq)]
pub enum LabEvent {
    /// A creature file was written: add it to the library.
    Saved {
        name: String,
        path: PathBuf,
    },
    Message(String),
}

pub struct Lab {
    data: PathBuf,
    on: Resolved,
    pub jobs: Vec<Job>,
    /// Trainings found in the lab folder that are not in the queue.
    pub unfinished: Vec<Unfinished>,
    /// Send the preview world new weights every this many iterations.
    pub preview_every: u64,
    next_id: u64,
    startup_problems: Vec<String>,
}

impl Lab {
    /// A lab keeping its files under `data` and training on `on`; lists the unfinished trainings
    /// a previous run left behind.
    pub fn new(data: &Path, on: Resolved) -> Self {
        let (unfinished, startup_problems) = store::unfinished(data);
        Lab {
            data: data.to_path_buf(),
            on,
            jobs: Vec::new(),
            unfinished,
            preview_every: 200,
            next_id: 1,
            startup_problems,
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// Where its trainings run unless a training was given its own path ([`Lab::train_on`]).
    pub fn backend(&self) -> &Resolved {
        &self.on
    }

    /// Has the queued training `id` run on `on` (the path the user picked, or the fastest one the
    /// lab measured for it).
    pub fn train_on(&mut self, id: u64, on: Resolved) {
        if let Some(j) = self.jobs.iter_mut().find(|j| j.id == id) {
            j.on = Some(on);
        }
    }

    /// Queues a new training. Its checkpoint (iteration 0) is written at once.
    pub fn enqueue(&mut self, name: &str, cfg: TrainConfig, target: Target) -> Result<u64, String> {
        cfg.validate()?;
        if name.trim().is_empty() {
            return Err("the creature needs a name".into());
        }
        crate::fsio::create_dir_all(&store::lab_dir(&self.data))?;
        let path = store::new_checkpoint_path(&self.data, name);
        let iterations = cfg.iterations;
        Checkpoint::fresh(name.trim(), cfg, target).save(&path)?;
        Ok(self.push(name.trim().to_string(), path, 0, iterations))
    }

    fn push(&mut self, name: String, ckpt: PathBuf, iteration: u64, iterations: u64) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.jobs.push(Job::new(id, name, ckpt, iteration, iterations));
        id
    }

    /// Puts an unfinished training (by checkpoint path) back in the queue.
    pub fn resume(&mut self, path: &Path) -> Result<u64, String> {
        if let Some(j) = self.jobs.iter_mut().find(|j| j.ckpt == path) {
            if j.is_active() {
                return Ok(j.id);
            }
            // A training stopped in this session: queue it again.
            let id = j.id;
            let (name, ckpt) = (j.name.clone(), j.ckpt.clone());
            let (it, total) = {
                let l = j.live();
                (l.iteration, l.iterations)
            };
            self.jobs.retain(|j| j.id != id);
            return Ok(self.push(name, ckpt, it, total));
        }
        let i = self
            .unfinished
            .iter()
            .position(|u| u.path == path)
            .ok_or_else(|| format!("{}: not an unfinished training", path.display()))?;
        let u = self.unfinished.remove(i);
        Ok(self.push(u.summary.name, u.path, u.summary.iteration, u.summary.iterations))
    }

    /// Deletes an unfinished or stopped training and its checkpoint.
    pub fn discard(&mut self, path: &Path) -> Result<(), String> {
        if self.jobs.iter().any(|j| j.ckpt == path && j.state == JobState::Running) {
            return Err("stop the training before discarding it".into());
        }
        self.unfinished.retain(|u| u.path != path);
        self.jobs.retain(|j| j.ckpt != path);
        crate::fsio::remove(path)?;
        Ok(())
    }

    pub fn job(&self, id: u64) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    pub fn running(&self) -> Option<&Job> {
        self.jobs.iter().find(|j| j.state == JobState::Running)
    }

    pub fn pause(&self, id: u64, on: bool) {
        if let Some(j) = self.job(id) {
            j.control.pause(on);
        }
    }

    /// Stops a training: `Checkpoint` keeps it resumable, `Finish` saves the creature as it is
    /// now. A queued one simply leaves the queue (its checkpoint stays, listed as unfinished).
    pub fn stop(&mut self, id: u64, how: Stop) {
        let Some(j) = self.jobs.iter_mut().find(|j| j.id == id) else { return };
        match j.state {
            JobState::Running => j.control.stop(how),
            JobState::Queued => j.state = JobState::Stopped,
            _ => {}
        }
    }

    /// Call every frame: collects ended trainings and starts the next queued one.
    pub fn poll(&mut self) -> Vec<LabEvent> {
        let mut events: Vec<LabEvent> = self.startup_problems.drain(..).map(LabEvent::Message).collect();
        for j in &mut self.jobs {
            events.extend(j.live().messages.drain(..).map(LabEvent::Message));
            match j.try_finish() {
                Some(JobState::Saved { name, path }) => {
                    events
                        .push(LabEvent::Message(format!("{name} is trained and in the library ({})", path.display())));
                    events.push(LabEvent::Saved { name, path });
                }
                Some(JobState::Stopped) => events.push(LabEvent::Message(format!(
                    "{} stopped at iteration {}; resume it any time",
                    j.name,
                    j.live().iteration
                ))),
                Some(JobState::Failed(e)) => events.push(LabEvent::Message(format!("{} failed: {e}", j.name))),
                _ => {}
            }
        }
        if self.running().is_none()
            && let Some(j) = self.jobs.iter_mut().find(|j| j.state == JobState::Queued)
        {
            let on = j.on.clone().unwrap_or_else(|| self.on.clone());
            j.start(on, self.data.clone(), self.preview_every);
            if let JobState::Failed(e) = &j.state {
                events.push(LabEvent::Message(format!("{}: {e}", j.name)));
            }
        }
        events
    }

    /// Stops every training with a checkpoint and waits for the threads (closing the app).
    pub fn shutdown(&mut self) {
        self.halt(Stop::Checkpoint);
    }

    /// Ends every thread the way `how` says and waits for them; tests use `Abandon` to leave
    /// the files as a kill would.
    pub fn halt(&mut self, how: Stop) {
        for j in &self.jobs {
            j.control.pause(false);
            j.control.stop(how);
        }
        for j in &mut self.jobs {
            j.join();
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.shutdown();
    }
}
