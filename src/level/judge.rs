//! A level's verdict after each step: won, lost or still open, by its goal's rule, with the time,
//! the score, the stars and why; and the time limit that ends every level.

use super::Goal;
use super::run::{LevelRun, Outcome};
use super::score::stars;
use crate::limits::MAX_LEVEL_SECONDS;
use crate::rule::RuleBackend;

impl<B: RuleBackend> LevelRun<B> {
    fn end(&self, won: bool, score: f32, why: String) -> Option<Outcome> {
        let st = if won { stars(score, &self.level.stars, self.level.goal.lower_is_better()) } else { 0 };
        Some(Outcome { won, time: self.time(), score, stars: st, why })
    }

    pub(super) fn judge(&self) -> Option<Outcome> {
        let verdict = self.judge_goal();
        if verdict.is_none() && self.time() >= MAX_LEVEL_SECONDS {
            // Every level ends: a goal that nothing decides (a Regrow whose wound never comes)
            // would otherwise keep a script or a headless check waiting for ever.
            return self.end(false, 0.0, format!("time ran out ({MAX_LEVEL_SECONDS} s of level time)"));
        }
        verdict
    }

    fn judge_goal(&self) -> Option<Outcome> {
        let t = self.time();
        let sps = self.level.steps_per_second;
        match &self.level.goal {
            Goal::Regrow { shape, within } => {
                let w = self.first_wound?;
                let since = (self.step - w) as f32 / sps;
                if self.dipped && self.shape >= *shape {
                    self.end(
                        true,
                        since,
                        format!("back to {:.0}% of its shape {since:.1} s after the wound", self.shape * 100.0),
                    )
                } else if since > *within && !self.dipped {
                    self.end(
                        false,
                        since,
                        format!("the wounds never took it below {:.0}%: wound it deeper", shape * 100.0),
                    )
                } else if since > *within {
                    self.end(
                        false,
                        since,
                        format!("only {:.0}% of its shape {within} s after the wound", self.shape * 100.0),
                    )
                } else {
                    None
                }
            }
            Goal::Survive { shape, seconds } => {
                if self.shape < *shape {
                    self.end(
                        false,
                        self.min_shape,
                        format!("fell to {:.0}% of its shape at {t:.1} s", self.shape * 100.0),
                    )
                } else if t >= *seconds {
                    self.end(
                        true,
                        self.min_shape,
                        format!("held at least {:.0}% for {seconds} s", self.min_shape * 100.0),
                    )
                } else {
                    None
                }
            }
            Goal::Sever { cuts, below, within } => {
                let last = self.last_cut?;
                let since = (self.step - last) as f32 / sps;
                if since < *within {
                    return None;
                }
                if self.shape < *below {
                    self.end(
                        true,
                        self.cuts as f32,
                        format!("{} cut(s): still at {:.0}% {within} s later", self.cuts, self.shape * 100.0),
                    )
                } else if self.cuts >= *cuts || self.budget.scalpel == 0 {
                    self.end(
                        false,
                        self.cuts as f32,
                        format!("it regrew to {:.0}% within {within} s of the last cut", self.shape * 100.0),
                    )
                } else {
                    None
                }
            }
            Goal::Garden { within, steady, .. } => {
                let held = self.covered_since.map(|s| (self.step - s) as f32 / sps);
                if held.is_some_and(|h| h >= *steady) {
                    let why = if *steady > 0.0 {
                        format!("every zone covered for {steady} s on end at {t:.1} s")
                    } else {
                        format!("every zone covered at {t:.1} s")
                    };
                    self.end(true, t, why)
                } else if t > *within + *steady {
                    self.end(false, t, format!("zones not covered after {within} s"))
                } else {
                    None
                }
            }
            Goal::Hold { cover, seconds, .. } => {
                let low = self.min_cover;
                if low < *cover {
                    self.end(false, low, format!("a zone fell to {:.0}% covered at {t:.1} s", low * 100.0))
                } else if t >= *seconds {
                    self.end(true, low, format!("every zone held at {:.0}% or more for {seconds} s", low * 100.0))
                } else {
                    None
                }
            }
        }
    }
}
