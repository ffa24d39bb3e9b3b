//! The sandbox's actions: the library, planting, wounds and walls, rotation and fire rate, the
//! clock and the view, waits, pictures and reports, scenes and quitting.

use super::data::Action;
use super::report::Report;
use super::state::{Runner, ScriptWorld, Wait};
use crate::app::capture::write_png;
use crate::app::library::{Library, load_entry, plant};
use crate::app::sim::Sandbox;
use crate::rule::RuleBackend;
use crate::world::EditOp;

/// The world's species of the library's selected creature.
fn selected_species<B: RuleBackend>(lib: &Library, sandbox: &Sandbox<B>) -> Result<usize, String> {
    let e = lib.selected.and_then(|e| lib.entries.get(e)).ok_or("no creature selected")?;
    sandbox.world.find_species(&e.name).ok_or(format!("{} is not planted", e.name))
}

/// Runs `a` if it is the sandbox's: Ok(false) when it belongs elsewhere.
pub(super) fn act<B: RuleBackend>(runner: &mut Runner, w: &mut ScriptWorld<B>, a: &Action) -> Result<bool, String> {
    let size = w.sandbox.world.size();
    let sandbox = &mut *w.sandbox;
    match a {
        Action::Import(p) => {
            let e = load_entry(&runner.script.path(p))?;
            w.notices.say(format!("imported {}", e.name));
            w.lib.add(e);
        }
        Action::Select(name) => {
            w.lib.selected = Some(w.lib.find(name).ok_or(format!("no creature named {name} in the library"))?);
        }
        Action::Seed { x, y } => {
            let e = w.lib.selected.ok_or("no creature selected")?;
            plant(sandbox, &w.lib, e, *x, *y)?;
        }
        Action::Wound(s) => sandbox.pending.extend(s.cells(size).into_iter().map(|c| (c, EditOp::Erase))),
        Action::Wall(s) => sandbox.pending.extend(s.cells(size).into_iter().map(|c| (c, EditOp::WallOn))),
        Action::RemoveWall(s) => sandbox.pending.extend(s.cells(size).into_iter().map(|c| (c, EditOp::WallOff))),
        Action::Rotation(degrees) => {
            let s = selected_species(&w.lib, sandbox)?;
            sandbox.world.set_angle(s, degrees.to_radians());
        }
        Action::FireRate(rate) => {
            let s = selected_species(&w.lib, sandbox)?;
            sandbox.world.set_fire_rate(s, *rate);
        }
        Action::Speed(s) => w.clock.speed = *s,
        Action::Pause(p) => w.clock.paused = *p,
        Action::View(v) => w.clock.view = *v,
        Action::WaitSteps(n) => {
            let target = sandbox.world.steps() + n;
            w.clock.step_limit = Some(target);
            runner.wait = Wait::Steps(target);
        }
        Action::WaitFrames(n) => runner.wait = Wait::Frames(*n),
        Action::Screenshot(p) => {
            let c = w.capture.as_mut().ok_or("no window to take a screenshot of")?;
            c.screenshot = true;
            c.screenshot_path = Some(runner.script.path(p));
            // The capture happens on a later frame: hold the world still for two.
            w.clock.step_limit = Some(sandbox.world.steps());
            runner.wait = Wait::Capture(2);
        }
        Action::Snapshot(p) => {
            // Edits queued so far belong in the picture.
            let edits = std::mem::take(&mut sandbox.pending);
            sandbox.world.edit(&edits);
            let img = sandbox.world.snapshot(w.clock.view);
            write_png(&runner.script.path(p), size.width as u32, size.height as u32, &img)?;
        }
        Action::Report(p) => {
            let json = serde_json::to_string(&Report::now(runner, w)).map_err(|e| e.to_string())?;
            let path = runner.script.path(p);
            crate::fsio::write_atomic(&path, json.as_bytes())?;
        }
        Action::Clear => sandbox.world.clear(),
        Action::Scene(s) => w.scene.as_mut().ok_or("no scenes in this app")?.set(*s),
        Action::WaitThumbnails => {
            w.thumbnails.as_mut().ok_or("no thumbnails in this app")?.0 = true;
            runner.wait = Wait::Thumbnails;
        }
        Action::Quit => {
            // Hold the world still while captures finish.
            w.clock.step_limit = Some(sandbox.world.steps());
            runner.wait = Wait::Quit;
        }
        _ => return Ok(false),
    }
    Ok(true)
}
