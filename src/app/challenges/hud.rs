//! The HUD of a level in play: the goal in words, the clock, the live shape % against the goal,
//! the tools with what is left of each, pause, restart and the way back to the list.

use bevy_egui::egui;

use super::panel_state::Ask;
use super::play::{LevelTool, Playing, budget_of};
use crate::level::run::LevelRun;
use crate::level::{Goal, Level, Stars};
use crate::rule::RuleBackend;

pub fn stars_text(n: u8) -> String {
    (0..3).map(|i| if i < n { '★' } else { '☆' }).collect()
}

/// What the goal asks, in a sentence.
pub fn goal_text(level: &Level) -> String {
    match &level.goal {
        Goal::Regrow { shape, within } => {
            format!("Regrow: after the wound, bring it back to {:.0}% of its shape within {within} s.", shape * 100.0)
        }
        Goal::Survive { shape, seconds } => {
            format!("Survive: keep it above {:.0}% of its shape for {seconds} s.", shape * 100.0)
        }
        Goal::Sever { cuts, below, within } => {
            format!(
                "Sever: with at most {cuts} scalpel cut(s), leave it below {:.0}% of its shape {within} s after your last cut.",
                below * 100.0
            )
        }
        Goal::Garden { zones, cover, within, by, steady } => format!(
            "Garden: cover {:.0}% of each of the {} green zone(s) with {} within {within} s{}.",
            cover * 100.0,
            zones.len(),
            whose(level, *by),
            if *steady > 0.0 { format!(", and keep them covered for {steady} s") } else { String::new() }
        ),
        Goal::Hold { zones, cover, seconds, by } => format!(
            "Hold: keep {:.0}% of each of the {} green zone(s) covered by {} for {seconds} s.",
            cover * 100.0,
            zones.len(),
            whose(level, *by)
        ),
    }
}

/// Whose cells count in a zone, in words.
fn whose(level: &Level, by: Option<usize>) -> String {
    match by {
        Some(i) => format!("the {}", creature_name(level, i)),
        None => "life".into(),
    }
}

/// What two and three stars take.
pub fn stars_rule(g: &Goal, s: &Stars) -> String {
    match g {
        Goal::Survive { .. } | Goal::Hold { .. } => {
            format!("★★ never below {:.0}%, ★★★ never below {:.0}%", s.two * 100.0, s.three * 100.0)
        }
        Goal::Sever { .. } => format!("★★ in {} cut(s), ★★★ in {}", s.two, s.three),
        _ => format!("★★ within {} s, ★★★ within {} s", s.two, s.three),
    }
}

pub(super) fn hud<B: RuleBackend>(
    ui: &mut egui::Ui,
    p: &mut Playing<B>,
    tool: &mut LevelTool,
    creature: &mut usize,
) -> Option<Ask> {
    let run = &p.run;
    let level: &Level = &run.level;
    ui.heading(&level.title);
    ui.label(&level.brief);
    ui.separator();
    ui.label(egui::RichText::new(goal_text(level)).strong());
    ui.small(stars_rule(&level.goal, &level.stars));
    if let Some(f) = run.growing() {
        ui.add(egui::ProgressBar::new(f).text(format!("growing the creatures: {:.0}%", f * 100.0)));
        return None;
    }
    ui.label(egui::RichText::new(clock_text(run)).monospace());
    goal_bars(ui, run);
    ui.separator();
    tool_picker(ui, run, tool);
    let turned = creature_controls(ui, run, creature);
    ui.separator();
    play_buttons(ui, p).or(turned)
}

/// The clock as the goal counts it: since the wound, since the last cut, or since the start.
fn clock_text<B: RuleBackend>(run: &LevelRun<B>) -> String {
    let t = run.time();
    match &run.level.goal {
        Goal::Regrow { within, .. } => match run.since_wound() {
            Some(s) => format!("{s:.1} s of {within} s since the wound"),
            None => format!("{t:.1} s: waiting for the wound"),
        },
        Goal::Survive { seconds, .. } => format!("{t:.1} s of {seconds} s"),
        Goal::Sever { cuts, within, .. } => match run.since_cut() {
            (Some(s), n) => format!("{n} of {cuts} cut(s); {s:.1} s of {within} s since the last"),
            (None, _) => format!("{t:.1} s: no cut yet"),
        },
        Goal::Garden { within: s, .. } | Goal::Hold { seconds: s, .. } => format!("{t:.1} s of {s} s"),
    }
}

/// The live figures against the goal: each zone's cover, and the shape %.
fn goal_bars<B: RuleBackend>(ui: &mut egui::Ui, run: &LevelRun<B>) {
    let target = match &run.level.goal {
        Goal::Regrow { shape, .. } | Goal::Survive { shape, .. } => Some(*shape),
        Goal::Sever { below, .. } => Some(*below),
        Goal::Garden { cover, .. } | Goal::Hold { cover, .. } => {
            // The zones are what counts here; the shape is shown below for interest.
            for (i, c) in run.covers.iter().enumerate() {
                ui.add(egui::ProgressBar::new(c.clamp(0.0, 1.0)).text(format!(
                    "zone {}: {:.0}% covered (goal {:.0}%)",
                    i + 1,
                    c * 100.0,
                    cover * 100.0
                )));
            }
            None
        }
    };
    // A texture has no shape of its own to keep (it fills what it is given): where the first
    // creature is one and the goal is about zones, its "shape %" would mean nothing.
    let shaped = (run.species_of.first())
        .and_then(|&s| run.world.species().get(s))
        .is_some_and(|s| s.weights.spec.alive_masking);
    if target.is_some() || shaped {
        let bar = egui::ProgressBar::new(run.shape.clamp(0.0, 1.0)).text(match target {
            Some(g) => format!("shape {:.0}% (goal {:.0}%)", run.shape * 100.0, g * 100.0),
            None => format!("shape {:.0}%", run.shape * 100.0),
        });
        ui.add(bar);
    }
}

/// The level's tools with what is left of each, and how the chosen one is used.
fn tool_picker<B: RuleBackend>(ui: &mut egui::Ui, run: &LevelRun<B>, tool: &mut LevelTool) {
    let level = &run.level;
    ui.label("Tools");
    for (k, name) in LevelTool::ALL {
        let left = budget_of(&run.budget, k);
        let given = budget_of(&level.tools, k);
        if given == 0 {
            continue;
        }
        let label = if k == LevelTool::Shield {
            format!("{name}  {left}/{given}  ({} s)", level.tools.shield_seconds)
        } else {
            format!("{name}  {left}/{given}")
        };
        ui.add_enabled_ui(left > 0, |ui| {
            if ui.selectable_label(*tool == k, label).clicked() {
                *tool = k;
            }
        });
    }
    if level.tools == Default::default() {
        ui.small("No tools in this level: watch.");
    } else {
        ui.small(match tool {
            LevelTool::Scalpel => "Drag across the creature to cut.",
            LevelTool::Wall => "Drag to build a wall: nothing grows through it.",
            LevelTool::Seed => "Click to plant a seed.",
            _ => "Click on the world.",
        });
    }
}

/// Which creature a seed or a turn is for, and the turn buttons; a turn asked for.
fn creature_controls<B: RuleBackend>(ui: &mut egui::Ui, run: &LevelRun<B>, creature: &mut usize) -> Option<Ask> {
    let level = &run.level;
    if (level.tools.seeds > 0 || level.tools.turns > 0) && level.creatures.len() > 1 {
        egui::ComboBox::from_label("creature").selected_text(creature_name(level, *creature)).show_ui(ui, |ui| {
            for i in 0..level.creatures.len() {
                ui.selectable_value(creature, i, creature_name(level, i));
            }
        });
    }
    if level.tools.turns == 0 {
        return None;
    }
    let step = level.tools.turn_step();
    let mut turn = None;
    ui.horizontal(|ui| {
        ui.label(format!("Turn {}  {}/{}", creature_name(level, *creature), run.budget.turns, level.tools.turns));
        ui.add_enabled_ui(run.budget.turns > 0 && run.outcome().is_none(), |ui| {
            if ui.button(format!("⟲ {step}°")).clicked() {
                turn = Some(-step);
            }
            if ui.button(format!("⟳ {step}°")).clicked() {
                turn = Some(step);
            }
        });
    });
    turn.map(|degrees| Ask::Act(crate::level::Action::Turn { creature: *creature, degrees }))
}

/// Pause, restart and the way back to the list.
fn play_buttons<B: RuleBackend>(ui: &mut egui::Ui, p: &mut Playing<B>) -> Option<Ask> {
    let mut ask = None;
    ui.horizontal(|ui| {
        if ui.button(if p.paused { "Resume" } else { "Pause" }).clicked() {
            p.paused = !p.paused;
        }
        if ui.button("Restart").clicked() {
            ask = Some(Ask::Restart);
        }
        if ui.button("Levels").clicked() {
            ask = Some(Ask::Quit);
        }
    });
    if p.autoplay.is_some() {
        ui.small("Playing the level's own solution.");
    }
    ask
}

fn creature_name(level: &Level, i: usize) -> String {
    level
        .creatures
        .get(i)
        .map(|c| {
            let stem = std::path::Path::new(&c.creature).file_stem().and_then(|s| s.to_str()).unwrap_or("?");
            if c.rotation == 0.0 { stem.to_string() } else { format!("{stem} (turned {}°)", c.rotation) }
        })
        .unwrap_or_default()
}
