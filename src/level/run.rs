//! A level being played, without Bevy: the world, the clock in level time, scripted events,
//! hazards, the player's budget and the goal. The game drives it frame by frame;
//! `morphogen level check` drives it with the level's own solution, headless.

use super::{Action, CUT_WIDTH, Goal, Hazard, Level, Tools, When};
use crate::rule::RuleBackend;
use crate::world::{Census, EditOp, Shape, SpeciesRule, World};

#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub won: bool,
    /// Seconds of level time when the level ended.
    pub time: f32,
    /// The goal's measure (see `Goal`).
    pub score: f32,
    /// 0 when lost.
    pub stars: u8,
    pub why: String,
}

pub struct LevelRun<B: RuleBackend> {
    pub level: Level,
    pub world: World<B>,
    /// Steps of level time since play started.
    pub step: u64,
    /// What is left of the player's tools.
    pub budget: Tools,
    /// The first creature's shape % (0..1), as last measured.
    pub shape: f32,
    /// Species index of each placement.
    pub species_of: Vec<usize>,
    /// The shape and zone measures, on the world's device, once the creatures have grown.
    census: Option<Census<B>>,
    pub(super) base_angles: Vec<f32>,
    pub(super) shields: Vec<(Vec<u32>, u64)>,
    pub(super) next_event: usize,
    pub(super) last_event_step: Option<u64>,
    pub(super) first_wound: Option<u64>,
    pub(super) min_shape: f32,
    /// A Hold goal's lowest cover of any zone so far.
    pub(super) min_cover: f32,
    /// Per goal zone, the fraction of it covered, as last measured.
    pub covers: Vec<f32>,
    /// The step since which every zone has been covered, while they are.
    pub(super) covered_since: Option<u64>,
    /// A Regrow level is won only by coming back: the shape must first fall below the goal.
    pub(super) dipped: bool,
    pub(super) cuts: u32,
    pub(super) last_cut: Option<u64>,
    pub(super) outcome: Option<Outcome>,
    /// Growth before play, while it lasts: the next growth step and the last.
    pub(super) growth: Option<(u64, u64)>,
}

impl<B: RuleBackend> LevelRun<B> {
    /// Sets the level up: walls, creatures planted and grown; play starts at time 0.
    pub fn new(level: Level, device: &B::Device) -> Result<Self, String> {
        let mut run = Self::prepare(level, device)?;
        run.grow(u64::MAX)?;
        Ok(run)
    }

    /// Sets the level up with its creatures not grown yet: [`grow`](Self::grow) grows them a few
    /// steps at a time, so that a window can go on drawing frames (and show the progress).
    pub fn prepare(level: Level, device: &B::Device) -> Result<Self, String> {
        let size = level.size()?;
        let mut world = World::<B>::new(size, 1, device);
        let walls: Vec<(u32, EditOp)> =
            level.walls.iter().flat_map(|s| s.cells(size)).map(|c| (c, EditOp::WallOn)).collect();
        world.edit(&walls);
        let mut species_of = Vec::new();
        for p in &level.creatures {
            let path = level.path(&p.creature);
            let r = crate::rule_file::load(&path)?;
            // One species per creature and rotation: the same creature turned another way is a
            // rival with its own "up".
            let name = if p.rotation == 0.0 { r.name.clone() } else { format!("{} (turned {}°)", r.name, p.rotation) };
            let s = match world.find_species(&name) {
                Some(s) => s,
                None => world.add_species(SpeciesRule {
                    name,
                    weights: r.weights,
                    angle: r.angle + p.rotation.to_radians(),
                    fire_rate: r.fire_rate,
                })?,
            };
            species_of.push(s);
        }
        let longest = level.creatures.iter().filter(|p| p.planted).map(|p| p.grown).max().unwrap_or(0);
        let base_angles = world.species().iter().map(|r| r.angle).collect();
        let budget = level.tools;
        Ok(Self {
            level,
            world,
            step: 0,
            budget,
            shape: 1.0,
            species_of,
            census: None,
            base_angles,
            shields: Vec::new(),
            next_event: 0,
            last_event_step: None,
            first_wound: None,
            min_shape: 1.0,
            min_cover: 1.0,
            covers: Vec::new(),
            covered_since: None,
            dipped: false,
            cuts: 0,
            last_cut: None,
            outcome: None,
            growth: Some((0, longest)),
        })
    }

    /// Grows the creatures by at most `steps` world steps; true once they are grown and play can
    /// start. Each creature is planted so that it has grown its own number of steps at time 0.
    pub fn grow(&mut self, steps: u64) -> Result<bool, String> {
        let Some((mut t, longest)) = self.growth else { return Ok(true) };
        let size = self.world.size();
        let mut done = 0;
        while t <= longest && done < steps {
            let seeds: Vec<(u32, EditOp)> = self
                .level
                .creatures
                .iter()
                .zip(&self.species_of)
                .filter(|(p, _)| p.planted && longest - p.grown == t)
                .filter_map(|(p, &s)| size.cell(p.x, p.y).map(|c| (c, EditOp::Seed(s))))
                .collect();
            self.world.edit(&seeds);
            if t < longest {
                self.world.step();
                done += 1;
            }
            t += 1;
        }
        if t <= longest {
            self.growth = Some((t, longest));
            return Ok(false);
        }
        self.growth = None;
        // The one full read-back of a level: the shape every later step is measured against.
        let reference = self.world.alive_mask(&self.world.host_state(), self.species_of[0]);
        if !reference.iter().any(|&a| a) {
            return Err(format!(
                "{}: the first creature did not grow (nothing alive after {} steps)",
                self.level.source.display(),
                self.level.creatures[0].grown
            ));
        }
        let cover_by = match self.level.goal.by() {
            Some(by) => vec![self.species_of[by]],
            None => (0..self.world.species().len()).collect(),
        };
        let size = self.world.size();
        let zones: Vec<Vec<u32>> = self.level.goal.zones().iter().map(|z| z.cells(size)).collect();
        self.census = Some(self.world.census(self.species_of[0], &reference, cover_by, &zones));
        Ok(true)
    }

    /// While the creatures grow before play: how far they are, 0..1.
    pub fn growing(&self) -> Option<f32> {
        self.growth.map(|(t, longest)| t as f32 / (longest + 1) as f32)
    }

    pub fn time(&self) -> f32 {
        self.step as f32 / self.level.steps_per_second
    }

    fn secs(&self, s: f32) -> u64 {
        (s * self.level.steps_per_second).round() as u64
    }

    /// Seconds since the level's first wound, once it has struck.
    pub fn since_wound(&self) -> Option<f32> {
        self.first_wound.map(|w| (self.step - w) as f32 / self.level.steps_per_second)
    }

    /// Seconds since the player's last scalpel cut, and the cuts made.
    pub fn since_cut(&self) -> (Option<f32>, u32) {
        (self.last_cut.map(|c| (self.step - c) as f32 / self.level.steps_per_second), self.cuts)
    }

    /// Areas shielded now.
    pub fn shields(&self) -> impl Iterator<Item = &[u32]> {
        self.shields.iter().map(|(c, _)| c.as_slice())
    }

    /// The outcome, or a loss if the goal was never decided.
    pub fn verdict(&self) -> Outcome {
        self.outcome.clone().unwrap_or(Outcome {
            won: false,
            time: self.time(),
            score: 0.0,
            stars: 0,
            why: "the goal was never decided".into(),
        })
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    fn shielded(&self, c: u32) -> bool {
        self.shields.iter().any(|(cells, _)| cells.contains(&c))
    }

    fn wound(&mut self, s: &Shape) {
        let cells = s.cells(self.world.size());
        let edits: Vec<(u32, EditOp)> =
            cells.into_iter().filter(|&c| !self.shielded(c)).map(|c| (c, EditOp::Erase)).collect();
        self.world.edit(&edits);
    }

    /// A player action; refused (with the reason) when its tool's budget is spent.
    pub fn apply(&mut self, a: &Action) -> Result<(), String> {
        if self.outcome.is_some() {
            return Err("the level is over".into());
        }
        if self.growth.is_some() {
            return Err("the creatures are still growing".into());
        }
        let take = |n: &mut u32, what: &str| {
            if *n == 0 {
                Err(format!("no {what} left"))
            } else {
                *n -= 1;
                Ok(())
            }
        };
        let size = self.world.size();
        match a {
            Action::Seed { x, y, creature } => {
                let s = *self.species_of.get(*creature).ok_or(format!("the level has no creature {creature}"))?;
                // Checked before the budget: a seed that lands nowhere costs nothing.
                let c = size
                    .cell(*x, *y)
                    .ok_or(format!("({x}, {y}) is outside the {}x{} world", size.width, size.height))?;
                take(&mut self.budget.seeds, "seeds")?;
                self.world.edit(&[(c, EditOp::Seed(s))]);
            }
            Action::Erase(s) => {
                take(&mut self.budget.eraser, "eraser strokes")?;
                self.wound(s);
                // The player's own wound starts a Regrow level's clock as the level's would.
                self.first_wound.get_or_insert(self.step);
            }
            Action::Cut { x0, y0, x1, y1 } => {
                take(&mut self.budget.scalpel, "scalpel cuts")?;
                self.wound(&Shape::Line { x0: *x0, y0: *y0, x1: *x1, y1: *y1, width: CUT_WIDTH });
                self.cuts += 1;
                self.last_cut = Some(self.step);
                self.first_wound.get_or_insert(self.step);
            }
            Action::Wall(s) => {
                take(&mut self.budget.walls, "walls")?;
                let edits: Vec<(u32, EditOp)> = s.cells(size).into_iter().map(|c| (c, EditOp::WallOn)).collect();
                self.world.edit(&edits);
            }
            Action::Shield(s) => {
                take(&mut self.budget.shields, "shields")?;
                let until = self.step + self.secs(self.level.tools.shield_seconds.max(0.5));
                self.shields.push((s.cells(size), until));
            }
            Action::Turn { creature, degrees } => {
                let s = *self.species_of.get(*creature).ok_or(format!("the level has no creature {creature}"))?;
                let step = self.level.tools.turn_step();
                if (degrees.abs() - step).abs() > 1e-3 {
                    return Err(format!("a turn in this level is {step}° either way, not {degrees}°"));
                }
                take(&mut self.budget.turns, "turns")?;
                self.base_angles[s] += degrees.to_radians();
                let spun = Hazard::spin_at(&self.level.hazards, self.time());
                self.world.set_angle(s, self.base_angles[s] + spun);
            }
        }
        Ok(())
    }

    /// One step of level time: hazards, events, the world's step, the shape and the goal.
    pub fn tick(&mut self) {
        if self.outcome.is_some() || self.growth.is_some() {
            return;
        }
        let t = self.time();
        let step = self.step;
        self.shields.retain(|(_, until)| *until > step);
        for h in self.level.hazards.clone() {
            match h {
                Hazard::Acid(s) => self.wound(&s),
                Hazard::Sweep { from, to, radius, period } => {
                    let (x, y) = Hazard::sweep_at(from, to, period, t);
                    self.wound(&Shape::Disc { x, y, r: radius });
                }
                Hazard::Spin(_) => {}
            }
        }
        if self.level.hazards.iter().any(|h| matches!(h, Hazard::Spin(_))) {
            let spun = Hazard::spin_at(&self.level.hazards, t);
            for s in 0..self.base_angles.len() {
                self.world.set_angle(s, self.base_angles[s] + spun);
            }
        }
        if let Some(e) = self.level.events.get(self.next_event).cloned() {
            let due = match e.at {
                When::Time(at) => t >= at,
                When::Recovered(f) => self.last_event_step.is_some_and(|s| step > s) && self.shape >= f,
            };
            if due {
                self.wound(&e.wound);
                self.next_event += 1;
                self.last_event_step = Some(step);
                self.first_wound.get_or_insert(step);
            }
        }
        self.world.step();
        self.step += 1;
        let Some(figures) = self.census.as_ref().map(|c| self.world.measure(c)) else { return };
        self.shape = figures.shape;
        self.min_shape = self.min_shape.min(self.shape);
        if let Goal::Regrow { shape, .. } = self.level.goal
            && self.first_wound.is_some()
            && self.shape < shape
        {
            self.dipped = true;
        }
        if !self.level.goal.zones().is_empty() {
            self.covers = figures.covers;
            self.min_cover = self.covers.iter().copied().fold(self.min_cover, f32::min);
            if let Goal::Garden { cover, .. } = self.level.goal {
                let all = self.covers.iter().all(|&c| c >= cover);
                self.covered_since = if all { self.covered_since.or(Some(self.step)) } else { None };
            }
        }
        self.outcome = self.judge();
    }

    /// Longest the level's own solution can run before its goal must have been decided, seconds.
    pub fn time_limit(&self) -> f32 {
        let (last_move, last_event, goal) = self.level.durations();
        last_move.max(last_event) + goal + 1.0
    }
}

/// Plays a level with its own solution, headless: the proof that it can be won.
pub fn check<B: RuleBackend>(level: Level, device: &B::Device) -> Result<Outcome, String> {
    Ok(play_solution::<B>(level, device)?.verdict())
}

/// The level played with its own solution until its goal is decided (or its time is up); the run
/// as it ended.
pub fn play_solution<B: RuleBackend>(level: Level, device: &B::Device) -> Result<LevelRun<B>, String> {
    let mut run = LevelRun::<B>::new(level, device)?;
    let moves = run.level.solution.clone();
    let limit = run.secs(run.time_limit());
    let mut next = 0;
    while run.outcome().is_none() && run.step <= limit {
        while next < moves.len() && moves[next].at <= run.time() {
            run.apply(&moves[next].action)
                .map_err(|e| format!("solution move {} at {} s: {e}", next + 1, moves[next].at))?;
            next += 1;
        }
        run.tick();
    }
    Ok(run)
}
