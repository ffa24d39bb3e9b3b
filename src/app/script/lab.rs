//! The lab's actions: drop an image, change its settings, train, wait, pause, stop, finish and
//! resume.

use bevy::prelude::*;
use bevy::window::FileDragAndDrop;

use super::data::Action;
use super::state::{Runner, ScriptWorld, Wait};
use crate::app::lab::LabState;
use crate::rule::RuleBackend;
use crate::train::session::Stop;

fn lab<'a, B: RuleBackend>(w: &'a mut ScriptWorld<B>) -> Result<&'a mut LabState, String> {
    w.lab.as_deref_mut().ok_or_else(|| "no lab in this app".to_string())
}

/// The running training's id.
fn running(l: &LabState) -> Result<u64, String> {
    l.lab.running().map(|j| j.id).ok_or_else(|| "no training is running".to_string())
}

/// Runs `a` if it is the lab's: Ok(false) when it belongs elsewhere.
pub(super) fn act<B: RuleBackend>(runner: &mut Runner, w: &mut ScriptWorld<B>, a: &Action) -> Result<bool, String> {
    match a {
        Action::Drop(p) => {
            w.drops
                .write(FileDragAndDrop::DroppedFile { window: Entity::PLACEHOLDER, path_buf: runner.script.path(p) });
            // The drop is handled on the next frame.
            runner.wait = Wait::Frames(1);
        }
        Action::WaitTrained => runner.wait = Wait::Training,
        Action::WaitIteration(n) => runner.wait = Wait::Iteration(*n),
        Action::LabSettings(patch) => {
            let l = lab(w)?;
            let d = l.draft.as_mut().ok_or("no image dropped in the lab")?;
            patch.apply(&mut d.name, &mut d.cfg)?;
            d.prepare();
            d.prepared.as_ref().map_err(|e| e.clone())?;
            l.refresh_estimate();
        }
        Action::Train => {
            let l = w.lab.as_deref_mut().ok_or("no lab in this app")?;
            l.train(&w.lib)?;
        }
        Action::LabPause(on) => {
            let l = lab(w)?;
            let id = running(l)?;
            l.lab.pause(id, *on)
        }
        Action::LabStop | Action::LabFinish => {
            let l = lab(w)?;
            let id = running(l)?;
            l.lab.stop(id, if matches!(a, Action::LabStop) { Stop::Checkpoint } else { Stop::Finish })
        }
        Action::Resume(name) => {
            let l = lab(w)?;
            let path = l
                .lab
                .unfinished
                .iter()
                .find(|u| &u.summary.name == name)
                .map(|u| u.path.clone())
                .ok_or(format!("no unfinished training named {name}"))?;
            let id = l.lab.resume(&path)?;
            l.shown = Some(id);
        }
        _ => return Ok(false),
    }
    Ok(true)
}
