//! What makes a level file valid: its goal, stars and solution make sense, and every count, time,
//! size and shape is within `crate::limits`.

use super::{Action, CUT_WIDTH, ERASER_RADIUS, Goal, Hazard, Level, SHIELD_RADIUS, When};
use crate::limits::MAX_LEVEL_SECONDS;
use crate::world::{Shape, WorldSize};

impl Level {
    pub(super) fn validate(&self) -> Result<(), String> {
        let size = self.size().map_err(|e| format!("world: {e}"))?;
        self.validate_bounds(size)?;
        if !(self.steps_per_second > 0.0 && self.steps_per_second <= 240.0) {
            return Err("steps_per_second must be in (0, 240]".into());
        }
        if self.creatures.is_empty() {
            return Err("creatures: a level needs at least one".into());
        }
        let frac = |v: f32, what: &str| {
            if (0.0..=1.0).contains(&v) { Ok(()) } else { Err(format!("goal: {what} must be a fraction in [0, 1]")) }
        };
        let secs = |v: f32, what: &str| {
            if v > 0.0 && v <= MAX_LEVEL_SECONDS {
                Ok(())
            } else {
                Err(format!("goal: {what} is {v}: it must be a number of seconds in (0, {MAX_LEVEL_SECONDS}]"))
            }
        };
        match &self.goal {
            Goal::Regrow { shape, within } => {
                frac(*shape, "shape")?;
                secs(*within, "within")?;
                // Something must start the clock: a timed wound, or the player's eraser or scalpel.
                if !self.events.iter().any(|e| matches!(e.at, When::Time(_)))
                    && self.tools.eraser == 0
                    && self.tools.scalpel == 0
                {
                    return Err("goal Regrow needs an event that wounds the creature at a time, or an eraser or scalpel for the player".into());
                }
            }
            Goal::Survive { shape, seconds } => {
                frac(*shape, "shape")?;
                secs(*seconds, "seconds")?;
            }
            Goal::Sever { cuts, below, within } => {
                frac(*below, "below")?;
                secs(*within, "within")?;
                if *cuts == 0 || *cuts > self.tools.scalpel {
                    return Err("goal Sever needs 1 <= cuts <= tools.scalpel".into());
                }
            }
            Goal::Garden { zones, cover, within: seconds, .. } | Goal::Hold { zones, cover, seconds, .. } => {
                frac(*cover, "cover")?;
                secs(*seconds, if matches!(self.goal, Goal::Hold { .. }) { "seconds" } else { "within" })?;
                if zones.is_empty() {
                    return Err("goal needs at least one zone".into());
                }
            }
        }
        if let Goal::Garden { steady, .. } = self.goal
            && !(0.0..=MAX_LEVEL_SECONDS).contains(&steady)
        {
            return Err(format!(
                "goal: steady is {steady}: it must be a number of seconds in [0, {MAX_LEVEL_SECONDS}]"
            ));
        }
        if let Some(by) = self.goal.by()
            && by >= self.creatures.len()
        {
            return Err(format!("goal: by {by}: the level has no creature {by}"));
        }
        if !self.creatures[0].planted {
            return Err("creatures[0]: the first creature is the one the goal measures: it must be planted".into());
        }
        if self.tools.turns > 0 && !(self.tools.turn_degrees >= 0.0 && self.tools.turn_degrees <= 180.0) {
            return Err("tools.turn_degrees must be in [0, 180] (0: 45)".into());
        }
        let (two, three) = (self.stars.two, self.stars.three);
        let ordered = if self.goal.lower_is_better() { three <= two } else { three >= two };
        if !ordered {
            return Err("stars: three stars must be harder to get than two".into());
        }
        for (i, m) in self.solution.iter().enumerate() {
            if !(m.at >= 0.0) || i > 0 && m.at < self.solution[i - 1].at {
                return Err(format!("solution: move {} is out of time order", i + 1));
            }
            players_move(&m.action).map_err(|e| format!("solution: move {}: {e}", i + 1))?;
        }
        let (last_move, last_event, goal) = self.durations();
        if last_move.max(last_event) + goal > MAX_LEVEL_SECONDS {
            return Err(format!(
                "the level lasts up to {:.0} s (its last move or timed event, then the goal's {goal} s), over the limit of {MAX_LEVEL_SECONDS} s",
                last_move.max(last_event) + goal
            ));
        }
        Ok(())
    }

    /// Every count, time, size and shape against `crate::limits`: a shared level file must not
    /// make the game or `level check` allocate without end or run for ever.
    fn validate_bounds(&self, size: WorldSize) -> Result<(), String> {
        use crate::limits::{self as l, finite, within};
        let items = |what: &str, n: usize| {
            if n > l::MAX_LEVEL_ITEMS {
                Err(format!("{what}: {n} entries, over the limit of {}", l::MAX_LEVEL_ITEMS))
            } else {
                Ok(())
            }
        };
        let at_time = |what: &str, t: f32| within(what, t, 0.0, MAX_LEVEL_SECONDS).map(|_| ());
        l::name("title", &l::truncate(&self.title, l::MAX_NAME_CHARS))?;
        if self.creatures.len() > l::MAX_LEVEL_CREATURES {
            return Err(format!("creatures: {}, over the limit of {}", self.creatures.len(), l::MAX_LEVEL_CREATURES));
        }
        for (i, p) in self.creatures.iter().enumerate() {
            let what = |f: &str| format!("creatures[{i}].{f}");
            within(&what("grown"), p.grown, 0, l::MAX_GROWN)?;
            finite(&what("rotation"), p.rotation, 36_000.0)?;
            if p.planted && size.cell(p.x, p.y).is_none() {
                return Err(format!(
                    "{}: ({}, {}) is outside the {}x{} world",
                    what("x, y"),
                    p.x,
                    p.y,
                    size.width,
                    size.height
                ));
            }
        }
        items("walls", self.walls.len())?;
        items("events", self.events.len())?;
        items("hazards", self.hazards.len())?;
        items("solution", self.solution.len())?;
        for s in &self.walls {
            s.validate().map_err(|e| format!("walls: {e}"))?;
        }
        for (i, e) in self.events.iter().enumerate() {
            match e.at {
                When::Time(t) => at_time(&format!("events[{i}].at"), t)?,
                When::Recovered(f) => within(&format!("events[{i}].at"), f, 0.0, 1.0).map(|_| ())?,
            }
            e.wound.validate().map_err(|m| format!("events[{i}].wound: {m}"))?;
        }
        for (i, h) in self.hazards.iter().enumerate() {
            let what = format!("hazards[{i}]");
            match h {
                Hazard::Acid(s) => s.validate().map_err(|m| format!("{what}: {m}"))?,
                Hazard::Sweep { from, to, radius, period } => {
                    for v in [from.0, from.1, to.0, to.1] {
                        finite(&format!("{what}.from/to"), v, l::MAX_SHAPE_EXTENT)?;
                    }
                    within(&format!("{what}.radius"), *radius, 0.0, l::MAX_SHAPE_EXTENT)?;
                    within(&format!("{what}.period"), *period, 0.1, MAX_LEVEL_SECONDS)?;
                }
                Hazard::Spin(deg) => {
                    finite(&format!("{what}: degrees per second"), *deg, 3600.0)?;
                }
            }
        }
        let t = &self.tools;
        for (what, n) in [
            ("seeds", t.seeds),
            ("eraser", t.eraser),
            ("scalpel", t.scalpel),
            ("walls", t.walls),
            ("shields", t.shields),
            ("turns", t.turns),
        ] {
            within(&format!("tools.{what}"), n, 0, l::MAX_TOOL_USES)?;
        }
        within("tools.shield_seconds", t.shield_seconds, 0.0, MAX_LEVEL_SECONDS)?;
        finite("stars.two", self.stars.two, 1e9)?;
        finite("stars.three", self.stars.three, 1e9)?;
        let zones = self.goal.zones();
        items("goal zones", zones.len())?;
        for z in zones {
            z.validate().map_err(|e| format!("goal zones: {e}"))?;
        }
        for (i, m) in self.solution.iter().enumerate() {
            let what = format!("solution move {}", i + 1);
            at_time(&format!("{what}: at"), m.at)?;
            match &m.action {
                Action::Seed { creature, .. } if *creature >= self.creatures.len() => {
                    return Err(format!("{what}: the level has no creature {creature}"));
                }
                Action::Seed { .. } => {}
                Action::Turn { creature, .. } if *creature >= self.creatures.len() => {
                    return Err(format!("{what}: the level has no creature {creature}"));
                }
                Action::Turn { degrees, .. } => {
                    finite(&format!("{what}: degrees"), *degrees, 360.0)?;
                }
                Action::Erase(s) | Action::Wall(s) | Action::Shield(s) => {
                    s.validate().map_err(|e| format!("{what}: {e}"))?
                }
                Action::Cut { x0, y0, x1, y1 } => Shape::Line { x0: *x0, y0: *y0, x1: *x1, y1: *y1, width: CUT_WIDTH }
                    .validate()
                    .map_err(|e| format!("{what}: {e}"))?,
            }
        }
        Ok(())
    }
}

/// Whether a solution's move is one the player's tools can make: a solution the player cannot
/// repeat proves nothing about the level. The eraser and the shield are discs of their tool's
/// radius, a wall a line as wide as the scalpel's cut.
fn players_move(a: &Action) -> Result<(), String> {
    let disc = |s: &Shape, tool: &str, r: f32| match s {
        Shape::Disc { r: got, .. } if *got == r => Ok(()),
        _ => Err(format!("the {tool} makes discs of radius {r}, not {s:?}")),
    };
    match a {
        Action::Erase(s) => disc(s, "eraser", ERASER_RADIUS),
        Action::Shield(s) => disc(s, "shield", SHIELD_RADIUS),
        Action::Wall(Shape::Line { width, .. }) if *width == CUT_WIDTH => Ok(()),
        Action::Wall(s) => Err(format!("the wall tool draws lines {CUT_WIDTH} wide, not {s:?}")),
        Action::Seed { .. } | Action::Cut { .. } | Action::Turn { .. } => Ok(()),
    }
}
