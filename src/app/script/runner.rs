//! Plays a script: finishes the current wait, then runs actions until one waits or fails. Each
//! action goes to the handler of its domain; a failure stops the script and the game exits with
//! code 2.

use std::marker::PhantomData;
use std::sync::atomic::Ordering;

use bevy::prelude::*;

use super::data::Script;
use super::state::{Runner, ScriptWorld, Wait};
use crate::app::sim::{EditWorld, Sandbox};
use crate::lab::JobState;
use crate::rule::RuleBackend;

pub struct ScriptPlugin<B> {
    script: Script,
    _b: PhantomData<B>,
}

impl<B> ScriptPlugin<B> {
    pub fn new(script: Script) -> Self {
        Self { script, _b: PhantomData }
    }
}

impl<B: RuleBackend> Plugin for ScriptPlugin<B> {
    fn build(&self, app: &mut App) {
        app.insert_resource(Runner {
            script: self.script.clone(),
            next: 0,
            wait: Wait::None,
            failed: None,
            started: web_time::Instant::now(),
        })
        .add_systems(
            Update,
            run_script::<B>.in_set(EditWorld).after(crate::app::view::ViewUpdate).run_if(resource_exists::<Sandbox<B>>),
        );
    }
}

/// Whether the current wait is over (and what it leaves behind when it is).
fn waited<B: RuleBackend>(runner: &mut Runner, w: &mut ScriptWorld<B>, exit: &mut MessageWriter<AppExit>) -> bool {
    let playing = w.challenge.as_ref().and_then(|c| c.playing.as_ref());
    match runner.wait {
        Wait::None => true,
        Wait::Steps(target) => {
            let done = w.sandbox.world.steps() >= target;
            if done {
                w.clock.step_limit = None;
            }
            done
        }
        Wait::Frames(ref mut n) => {
            if *n > 0 {
                *n -= 1;
                return false;
            }
            true
        }
        Wait::Capture(ref mut n) => {
            if *n > 0 {
                *n -= 1;
                return false;
            }
            w.clock.step_limit = None;
            true
        }
        Wait::Training => {
            let Some(l) = w.lab.as_ref() else { return false };
            if l.lab.jobs.iter().any(|j| j.is_active()) {
                return false;
            }
            if let Some(JobState::Failed(e)) = l.lab.jobs.last().map(|j| &j.state) {
                runner.failed = Some(format!("training failed: {e}"));
                return false;
            }
            true
        }
        Wait::Iteration(n) => {
            let Some(l) = w.lab.as_ref() else { return false };
            match l.lab.running() {
                Some(j) => j.live().iteration >= n,
                None if l.lab.jobs.iter().any(|j| j.state == JobState::Queued) => false,
                None => {
                    runner.failed = Some(format!("no training running to reach iteration {n}"));
                    false
                }
            }
        }
        Wait::Growth => playing.is_none_or(|p| p.run.growing().is_none()),
        Wait::LevelEnd => playing.is_none_or(|p| p.run.outcome().is_some()),
        Wait::LevelTime(t) => !playing.is_some_and(|p| p.run.outcome().is_none() && p.run.time() < t),
        Wait::Reload(ref name, v) => {
            let Some(l) = w.levels.as_ref() else { return false };
            l.find(name).is_some_and(|i| l.entries[i].version != v)
        }
        Wait::Levels => {
            let Some(l) = w.levels.as_ref() else { return false };
            // Once the folders have been looked at, the name is there or it is not: the action runs
            // again and plays it or says so.
            if l.scanned() {
                runner.next -= 1;
                return true;
            }
            false
        }
        // The worker asks for every picture in the frame it starts: from the next on, nothing
        // pending means everything asked for has come.
        Wait::Thumbnails => w.worker.as_ref().is_some_and(|t| !t.is_added() && t.pending == 0),
        Wait::Quit => {
            if w.capture.as_ref().is_none_or(|c| c.in_flight.load(Ordering::SeqCst) == 0) {
                exit.write(AppExit::Success);
            }
            false
        }
    }
}

pub fn run_script<B: RuleBackend>(mut runner: ResMut<Runner>, mut w: ScriptWorld<B>, mut exit: MessageWriter<AppExit>) {
    if let Some(e) = &runner.failed {
        error!("script failed: {e}");
        exit.write(AppExit::from_code(2));
        return;
    }
    if !waited(&mut runner, &mut w, &mut exit) {
        return;
    }
    runner.wait = Wait::None;
    while runner.next < runner.script.actions.len() {
        let action = runner.script.actions[runner.next].clone();
        runner.next += 1;
        // The first handler whose domain the action is takes it.
        let result = super::sandbox::act(&mut runner, &mut w, &action)
            .and_then(|done| if done { Ok(true) } else { super::lab::act(&mut runner, &mut w, &action) })
            .and_then(|done| if done { Ok(true) } else { super::level::act(&mut runner, &mut w, &action) })
            .and_then(|done| if done { Ok(()) } else { Err("no part of the game takes this action".into()) });
        if let Err(e) = result {
            let msg = format!("action {} ({action:?}): {e}", runner.next);
            w.notices.say(format!("script stopped at {msg}"));
            runner.failed = Some(msg);
            return;
        }
        if !matches!(runner.wait, Wait::None) {
            return;
        }
    }
}
