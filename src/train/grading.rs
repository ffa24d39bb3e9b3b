//! Grading during a training: the zoo's bar measured on the creature as it stands, and what it
//! missed kept for a focus (`train::focus`).

use super::{TrainError, Trainer};
use crate::rule::TrainBackend;

impl<B: TrainBackend> Trainer<B> {
    /// Grades the creature against the zoo's bar now (8 trials, as `eval --trials 8`), keeps what
    /// it missed for a focus, and returns what it misses of the bar (nothing: it meets it).
    /// Errors: the GPU failed while grading, which stops the training as a failed iteration does.
    pub fn grade(&mut self) -> Result<(crate::eval::Report, Vec<crate::zoo::Miss>), TrainError> {
        let (report, misses) =
            crate::zoo::grade::<B::InnerBackend>(&self.creature(), 8, &self.device()).map_err(TrainError::Device)?;
        self.missed = Some(crate::zoo::missed_wounds(&report));
        Ok((report, misses))
    }

    /// A training with a focus resumed from a checkpoint that did not keep its last grading's
    /// misses (written before they were kept) grades again where that grading was, so that it
    /// carries on as a run from scratch would.
    pub fn recall_grading(&mut self) -> Result<(), TrainError> {
        if self.cfg.focus.is_some() && self.missed.is_none() && self.iteration > 0 && self.cfg.grades_at(self.iteration)
        {
            self.grade()?;
        }
        Ok(())
    }
}
