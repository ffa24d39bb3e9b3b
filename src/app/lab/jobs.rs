//! The lab's list of trainings, with what the user can do to each.

use bevy_egui::egui;

use super::LabState;
use crate::app::shell::Notices;
use crate::lab::{Job, JobState};
use crate::train::session::Stop;

/// What a button in the list asks for a training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JobAction {
    /// Show its figures in the centre.
    Show,
    TogglePause,
    /// Stop, keeping the checkpoint (a queued one leaves the queue).
    Stop,
    /// Save the creature as it is now.
    Finish,
    Resume,
    /// Remove the checkpoint of a stopped training.
    Discard,
}

/// The trainings of this run (queued, running, stopped, done) and those left from earlier runs.
pub(super) fn job_list(ui: &mut egui::Ui, state: &mut LabState, notices: &mut Notices) {
    ui.separator();
    ui.label("Trainings");
    let mut act: Vec<(u64, JobAction)> = Vec::new();
    for j in &state.lab.jobs {
        job_row(ui, j, state.shown == Some(j.id), &mut act, notices);
    }
    if state.lab.jobs.is_empty() {
        ui.small("none yet");
    }
    for (id, what) in act {
        act_on(state, id, what, notices);
    }
    if !state.lab.unfinished.is_empty() {
        unfinished_list(ui, state, notices);
    }
}

/// A training's name, state, progress and buttons; what the user pressed goes into `act` (only the
/// browser's download button says anything).
#[cfg_attr(not(target_arch = "wasm32"), allow(unused_variables))]
fn job_row(ui: &mut egui::Ui, j: &Job, shown: bool, act: &mut Vec<(u64, JobAction)>, notices: &mut Notices) {
    let (it, total) = {
        let l = j.live();
        (l.iteration, l.iterations)
    };
    ui.horizontal(|ui| {
        if ui.selectable_label(shown, &j.name).clicked() {
            act.push((j.id, JobAction::Show));
        }
        let what = match &j.state {
            JobState::Queued => "queued".to_string(),
            JobState::Running if j.paused() => "paused".into(),
            JobState::Running => "training".into(),
            JobState::Saved { .. } => "in the library".into(),
            JobState::Stopped => "stopped".into(),
            JobState::Abandoned => "abandoned".into(),
            JobState::Failed(e) => format!("failed: {e}"),
        };
        ui.small(what);
    });
    if j.is_active() || j.state == JobState::Stopped {
        ui.add(egui::ProgressBar::new(it as f32 / total.max(1) as f32).text(format!("{it} / {total}")));
    }
    ui.horizontal(|ui| match &j.state {
        JobState::Running => {
            if ui.button(if j.paused() { "Resume" } else { "Pause" }).clicked() {
                act.push((j.id, JobAction::TogglePause));
            }
            if ui.button("Stop").on_hover_text("keep the checkpoint to resume later").clicked() {
                act.push((j.id, JobAction::Stop));
            }
            if ui.button("Finish now").on_hover_text("save the creature as it is now").clicked() {
                act.push((j.id, JobAction::Finish));
            }
        }
        JobState::Queued if ui.button("Unqueue").clicked() => act.push((j.id, JobAction::Stop)),
        // In the browser the creature lives in the page's storage: this keeps a copy.
        #[cfg(target_arch = "wasm32")]
        JobState::Saved { path, .. } if ui.button("Download .creature").clicked() => {
            let name = path.file_name().map(std::path::PathBuf::from).unwrap_or_default();
            let to = std::path::Path::new(crate::fsio::browser::DOWNLOADS).join(name);
            if let Err(e) = crate::fsio::read(path).and_then(|b| crate::fsio::write_atomic(&to, &b)) {
                notices.say(e);
            }
        }
        JobState::Stopped => {
            if ui.button("Resume").clicked() {
                act.push((j.id, JobAction::Resume));
            }
            if ui.button("Discard").clicked() {
                act.push((j.id, JobAction::Discard));
            }
        }
        _ => {}
    });
}

/// Does what the user pressed for training `id`.
fn act_on(state: &mut LabState, id: u64, what: JobAction, notices: &mut Notices) {
    let ckpt = state.lab.job(id).map(|j| j.ckpt.clone());
    let said = match what {
        JobAction::Show => {
            state.shown = Some(id);
            Ok(())
        }
        JobAction::TogglePause => {
            let p = state.lab.job(id).is_some_and(|j| j.paused());
            state.lab.pause(id, !p);
            Ok(())
        }
        JobAction::Stop => {
            state.lab.stop(id, Stop::Checkpoint);
            Ok(())
        }
        JobAction::Finish => {
            state.lab.stop(id, Stop::Finish);
            Ok(())
        }
        JobAction::Resume => ckpt.map_or(Ok(()), |c| state.lab.resume(&c).map(|_| ())),
        JobAction::Discard => ckpt.map_or(Ok(()), |c| state.lab.discard(&c)),
    };
    if let Err(e) = said {
        notices.say(e);
    }
}

/// The trainings a previous run left unfinished, each to resume or discard.
fn unfinished_list(ui: &mut egui::Ui, state: &mut LabState, notices: &mut Notices) {
    ui.separator();
    ui.label("Unfinished trainings from earlier");
    let mut resume = None;
    let mut discard = None;
    for u in &state.lab.unfinished {
        ui.horizontal(|ui| {
            ui.label(format!(
                "{} ({}, {} / {})",
                u.summary.name,
                u.summary.mode.name(),
                u.summary.iteration,
                u.summary.iterations
            ));
            if ui.button("Resume").clicked() {
                resume = Some(u.path.clone());
            }
            if ui.button("Discard").clicked() {
                discard = Some(u.path.clone());
            }
        });
    }
    if let Some(p) = resume {
        match state.lab.resume(&p) {
            Ok(id) => state.shown = Some(id),
            Err(e) => notices.say(e),
        }
    }
    if let Some(p) = discard
        && let Err(e) = state.lab.discard(&p)
    {
        notices.say(e);
    }
}
