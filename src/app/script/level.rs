//! The challenges' actions: play or watch a level, make a move, wait for level time, the end or a
//! reload.

use super::data::Action;
use super::state::{Runner, ScriptWorld, Wait};
use crate::app::Scene;
use crate::rule::RuleBackend;

/// Runs `a` if it is the challenges': Ok(false) when it belongs elsewhere.
pub(super) fn act<B: RuleBackend>(runner: &mut Runner, w: &mut ScriptWorld<B>, a: &Action) -> Result<bool, String> {
    let playing = |w: &ScriptWorld<B>| w.challenge.as_ref().and_then(|c| c.playing.as_ref()).is_some();
    match a {
        Action::PlayLevel(name) | Action::WatchLevel(name) => {
            let (Some(ch), Some(l), Some(d)) = (w.challenge.as_mut(), w.levels.as_ref(), w.device.as_ref()) else {
                return Err("no challenges in this app".into());
            };
            w.scene.as_mut().ok_or("no scenes in this app")?.set(Scene::Challenges);
            // The folders are read on the first frame: wait for that first.
            if l.find(name).is_none() {
                if l.scanned() {
                    let dirs: Vec<String> = l.dirs.iter().map(|d| d.display().to_string()).collect();
                    return Err(format!("no level named {name} in {}", dirs.join(", ")));
                }
                runner.wait = Wait::Levels;
                return Ok(true);
            }
            ch.start(l, name, &d.0)?;
            if matches!(a, Action::WatchLevel(_)) {
                ch.playing.as_mut().expect("just started").autoplay = Some(0);
            }
            runner.wait = Wait::Growth;
        }
        Action::LevelAct(m) => {
            let p = w.challenge.as_mut().and_then(|c| c.playing.as_mut()).ok_or("no level in play")?;
            p.act(m.clone())?;
        }
        Action::WaitLevelTime(t) => {
            if !playing(w) {
                return Err("no level in play".into());
            }
            runner.wait = Wait::LevelTime(*t);
        }
        Action::WaitLevelEnd => {
            if !playing(w) {
                return Err("no level in play".into());
            }
            runner.wait = Wait::LevelEnd;
        }
        Action::WaitLevelReload(name) => {
            let l = w.levels.as_ref().ok_or("no challenges in this app")?;
            let i = l.find(name).ok_or(format!("no level named {name}"))?;
            runner.wait = Wait::Reload(name.clone(), l.entries[i].version);
        }
        _ => return Ok(false),
    }
    Ok(true)
}
