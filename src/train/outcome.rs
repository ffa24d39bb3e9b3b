//! What a training iteration tells its caller: its figures, the batch for the lab's view, and the
//! errors that stop a run.

/// Consecutive rollbacks after which training gives up instead of looping.
pub(super) const MAX_ROLLBACKS: u32 = 5;

#[derive(Debug, Clone, PartialEq)]
pub enum TrainError {
    /// The loss or state kept going non-finite even after rolling back.
    Diverged {
        iteration: u64,
    },
    Config(String),
    /// The device could not run the rollout (its kernels refused the batch).
    Device(String),
}

impl std::fmt::Display for TrainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrainError::Diverged { iteration } => write!(
                f,
                "training diverged: non-finite values at iteration {iteration}, {MAX_ROLLBACKS} times from the same checkpoint; try a lower learning rate"
            ),
            TrainError::Config(e) => write!(f, "{e}"),
            TrainError::Device(e) => write!(f, "the GPU could not run the training: {e}"),
        }
    }
}
impl std::error::Error for TrainError {}

#[derive(Debug, Clone, PartialEq)]
pub struct IterReport {
    /// The iteration just completed (1-based count of iterations done).
    pub iteration: u64,
    pub loss: f32,
    pub lr: f32,
    pub steps: usize,
    /// Set when this call hit a non-finite loss or state and went back to the last good
    /// snapshot: (the iteration that failed, the iteration training resumed from).
    pub rolled_back: Option<(u64, u64)>,
}

/// A batch before and after its rollout, for the lab's pool view (host RGBA, premultiplied).
#[derive(Debug, Clone)]
pub struct BatchView {
    pub dims: [usize; 3],
    pub before: Vec<f32>,
    pub after: Vec<f32>,
    pub wounded: Vec<bool>,
}
