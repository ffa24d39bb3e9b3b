//! The training loop every front end runs: iterate, report, checkpoint, pause, stop, save. The
//! CLI (`morphogen train`) and the lab both drive their [`Trainer`] through [`run`] and
//! [`save_result`]; only what they do with the reports differs.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use crate::rule::TrainBackend;

use super::{IterReport, Trainer};
use crate::creature::Creature;

/// How a running training is asked to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Stop {
    /// Keep going.
    No = 0,
    /// Write a checkpoint and return `Interrupted` (Ctrl-C, closing the app, "stop").
    Checkpoint = 1,
    /// Return `Finished` now: the caller saves the creature as it is ("finish now").
    Finish = 2,
    /// Return at once and write nothing: what a crash or a kill leaves behind (tests).
    Abandon = 3,
}

/// Shared between the loop and whoever controls it (another thread, a signal handler).
#[derive(Debug, Default)]
pub struct Control {
    paused: AtomicBool,
    stop: AtomicU8,
}

impl Control {
    pub fn pause(&self, on: bool) {
        self.paused.store(on, Ordering::SeqCst);
    }
    pub fn paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
    pub fn stop(&self, how: Stop) {
        self.stop.store(how as u8, Ordering::SeqCst);
    }
    pub fn stop_requested(&self) -> Stop {
        match self.stop.load(Ordering::SeqCst) {
            1 => Stop::Checkpoint,
            2 => Stop::Finish,
            3 => Stop::Abandon,
            _ => Stop::No,
        }
    }
}

/// What the loop reports as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// One iteration done.
    Iteration(&'a IterReport),
    /// A non-finite loss or state; training went back to the last good checkpoint.
    RolledBack { failed: u64, back_to: u64 },
    /// A checkpoint was written at this iteration.
    Checkpointed(u64),
    /// The loop is about to run iteration `n + 1`: the moment to ask the trainer for a batch view.
    Before(u64),
    /// The creature was graded against the zoo's bar (`grade_every`): what it misses (nothing:
    /// it passed, and the training finishes).
    Graded { iteration: u64, misses: Vec<crate::zoo::Miss> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// All iterations done, or asked to finish now.
    Finished,
    /// Stopped with a checkpoint written; `--resume` or the lab carries on from it.
    Interrupted,
    /// Stopped without writing anything.
    Abandoned,
}

/// Runs `t` until it is done or asked to stop. Checkpoints go to `ckpt` every
/// `cfg.checkpoint_every` iterations and when pausing (so that closing a paused app loses
/// nothing). Errors: divergence after repeated rollbacks, or a checkpoint that cannot be written.
pub fn run<B: TrainBackend>(
    t: &mut Trainer<B>,
    ckpt: &Path,
    control: &Control,
    mut on: impl FnMut(&mut Trainer<B>, Event),
) -> Result<Outcome, String> {
    let mut s = Session::new(ckpt);
    loop {
        match s.step(t, control, &mut on)? {
            Step::Done(outcome) => return Ok(outcome),
            Step::Paused => std::thread::sleep(Duration::from_millis(30)),
            Step::Ran => {}
        }
    }
}

/// What one pass of the loop did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// An iteration (or a rollback, or a grading that did not pass).
    Ran,
    /// Nothing: the training is paused (its checkpoint written).
    Paused,
    Done(Outcome),
}

/// The loop of [`run`] one pass at a time, for a caller that must return between iterations (the
/// browser's worker, which reads its messages between them).
pub struct Session {
    ckpt: std::path::PathBuf,
    saved_at: Option<u64>,
    recalled: bool,
}

impl Session {
    pub fn new(ckpt: &Path) -> Self {
        Session { ckpt: ckpt.to_path_buf(), saved_at: None, recalled: false }
    }

    fn save<B: TrainBackend>(
        &mut self,
        t: &mut Trainer<B>,
        on: &mut impl FnMut(&mut Trainer<B>, Event),
    ) -> Result<(), String> {
        stored(t).save(&self.ckpt)?;
        on(t, Event::Checkpointed(t.iteration));
        self.saved_at = Some(t.iteration);
        Ok(())
    }

    /// One pass: a stop asked for, the end, a pause, or one iteration with what follows it.
    pub fn step<B: TrainBackend>(
        &mut self,
        t: &mut Trainer<B>,
        control: &Control,
        on: &mut impl FnMut(&mut Trainer<B>, Event),
    ) -> Result<Step, String> {
        if !self.recalled {
            t.recall_grading().map_err(|e| e.to_string())?;
            self.recalled = true;
        }
        match control.stop_requested() {
            Stop::No => {}
            Stop::Checkpoint => {
                if self.saved_at != Some(t.iteration) {
                    self.save(t, on)?;
                }
                return Ok(Step::Done(Outcome::Interrupted));
            }
            Stop::Finish => return Ok(Step::Done(Outcome::Finished)),
            Stop::Abandon => return Ok(Step::Done(Outcome::Abandoned)),
        }
        if t.done() {
            return Ok(Step::Done(Outcome::Finished));
        }
        if control.paused() {
            if self.saved_at != Some(t.iteration) {
                self.save(t, on)?;
            }
            return Ok(Step::Paused);
        }
        on(t, Event::Before(t.iteration));
        let started = web_time::Instant::now();
        let r = t.iterate().map_err(|e| e.to_string())?;
        t.train_secs += started.elapsed().as_secs_f64();
        if let Some((failed, back_to)) = r.rolled_back {
            on(t, Event::RolledBack { failed, back_to });
            return Ok(Step::Ran);
        }
        on(t, Event::Iteration(&r));
        if t.cfg.grades_at(t.iteration) {
            let (_, misses) = t.grade().map_err(|e| e.to_string())?;
            let passed = misses.is_empty();
            on(t, Event::Graded { iteration: t.iteration, misses });
            if passed {
                t.graded_at = Some(t.iteration);
                return Ok(Step::Done(Outcome::Finished));
            }
        }
        if t.iteration.is_multiple_of(t.cfg.checkpoint_every) && !t.done() {
            self.save(t, on)?;
        }
        Ok(Step::Ran)
    }
}

/// Writes the trained creature (atomically) and removes the checkpoint it came from, which would
/// only offer to resume a training that is over. A graded training that used all its iterations
/// without meeting the bar is not over: its checkpoint is written at its last iteration and kept,
/// so that more iterations carry on from there (`train --resume --iterations`, or a zoo entry
/// given more) instead of starting again.
pub fn save_result<B: TrainBackend>(t: &mut Trainer<B>, out: &Path, ckpt: &Path) -> Result<Creature, String> {
    let creature = t.creature();
    creature.save(out)?;
    if missed_the_bar(t) {
        stored(t).save(ckpt)?;
    } else {
        let _ = crate::fsio::remove(ckpt);
    }
    Ok(creature)
}

/// The checkpoint a training keeps. In the browser, whose storage holds a few megabytes, without
/// its pool: a resume starts the pool again from seeds at that iteration (as `zoo carry` does).
fn stored<B: TrainBackend>(t: &mut Trainer<B>) -> crate::train::checkpoint::Checkpoint {
    let ck = t.checkpoint();
    if cfg!(target_arch = "wasm32") { ck.without_pool() } else { ck }
}

/// Whether a training graded against the zoo's bar ran to its end without meeting it.
pub fn missed_the_bar<B: TrainBackend>(t: &Trainer<B>) -> bool {
    t.cfg.grade_every > 0 && t.graded_at.is_none() && t.done()
}
