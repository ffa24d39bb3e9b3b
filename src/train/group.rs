//! Several creatures trained side by side on one GPU (`zoo train --group K`): each iteration,
//! every trainer draws its batch, steps and fire masks as it would alone (`Trainer::draw`), one
//! fused rollout runs them all (`kernels::fused`: a group of samples per creature, each with its
//! own rule, target, fire masks and number of steps), and each trainer completes its own
//! iteration (`Trainer::finish`: Adam, the pool, the checks). A creature trained in a group takes
//! the same path as one trained alone on the same backend; one GPU is filled by many small
//! batches instead of idling on one.

use std::path::PathBuf;
use web_time::Instant;

use burn::backend::{Autodiff, Wgpu};
use burn::tensor::Tensor;

use super::objective::Objective;
use super::session::{Control, Outcome, Stop, save_result};
use super::trainer::{Drawn, IterReport, TrainError, Trainer};
use crate::kernels::fused::{Batch, Loss, rollout_grad, unflatten};
use crate::nca::NcaParams;

pub type GpuTrainer = Trainer<Autodiff<Wgpu>>;

/// Whether these trainers can share one rollout: our kernels, the paper's loss, and one spec,
/// grid, batch size, border and perception angle (fire rates, steps and seeds may differ).
pub fn compatible(ts: &[&mut GpuTrainer]) -> bool {
    let Some(first) = ts.first() else { return false };
    let key = |t: &GpuTrainer| {
        let r = t.rule();
        (t.cfg.spec(), t.dims(), t.cfg.batch, r.border, r.angle.to_bits())
    };
    ts.iter().all(|t| matches!(t.objective, Objective::Shape) && key(t) == key(first))
}

/// One iteration of every trainer, in one rollout when they are compatible (else one after the
/// other); each gets what its own `iterate` would have returned.
pub fn iterate(ts: &mut [&mut GpuTrainer]) -> Vec<Result<IterReport, TrainError>> {
    if ts.len() < 2 || !compatible(ts) {
        return ts.iter_mut().map(|t| t.iterate()).collect();
    }
    let drawn: Vec<Drawn<Autodiff<Wgpu>>> = ts.iter().map(|t| t.draw()).collect();
    let spec = ts[0].cfg.spec();
    let [h, w] = ts[0].dims();
    let per = ts[0].cfg.batch;
    let batch = Batch {
        spec,
        creatures: ts.len(),
        per_creature: per,
        height: h,
        width: w,
        rule: ts[0].rule(),
        fire: drawn[0].fire,
        steps: drawn.iter().map(|d| d.steps).max().unwrap_or(0),
        each: Some(drawn.iter().map(|d| (d.fire, d.steps)).collect()),
    };
    let x0 = Tensor::cat(drawn.iter().map(|d| d.x0.clone()).collect(), 0);
    let params: Vec<_> = ts.iter().map(|t| t.params.clone()).collect();
    let targets = Tensor::cat(ts.iter().map(|t| t.target_t.clone().reshape([-1])).collect(), 0);
    match rollout_grad(x0, NcaParams::flat(&params), &batch, Loss::Rgba(Box::new(targets))) {
        Err(e) => ts.iter().map(|_| Err(TrainError::Device(e.clone()))).collect(),
        Ok(o) => ts
            .iter_mut()
            .zip(drawn)
            .enumerate()
            .map(|(k, (t, d))| {
                let xf = o.final_state.clone().narrow(0, k * per, per);
                t.finish(d, (o.loss[k], unflatten(spec, &o.grads, k), xf))
            })
            .collect(),
    }
}

/// A creature in a group: its trainer, where the result goes and its checkpoint.
pub struct Member {
    pub trainer: GpuTrainer,
    pub out: PathBuf,
    pub ckpt: PathBuf,
}

/// Trains up to `size` members at a time until every one `next` hands out is done (or meets the
/// bar, with `grade_every`), checkpointing each as `session::run` does; a finished member's
/// place goes to the next. `say` hears what happens, by creature name. Each member's training
/// time is the wall time of the iterations it took part in.
pub fn run(
    size: usize,
    mut next: impl FnMut() -> Option<Result<Member, String>>,
    control: &Control,
    mut say: impl FnMut(&str, String),
) -> Result<Outcome, String> {
    let mut members: Vec<Member> = Vec::new();
    loop {
        while members.len() < size.max(1) {
            match next() {
                Some(m) => {
                    let mut m = m?;
                    m.trainer.recall_grading().map_err(|e| format!("{}: {e}", m.trainer.name))?;
                    members.push(m);
                }
                None => break,
            }
        }
        if members.is_empty() {
            return Ok(Outcome::Finished);
        }
        if control.stop_requested() != Stop::No {
            for m in &mut members {
                m.trainer.checkpoint().save(&m.ckpt)?;
                say(&m.trainer.name, format!("stopped at iteration {}; checkpoint saved", m.trainer.iteration));
            }
            return Ok(Outcome::Interrupted);
        }
        let started = Instant::now();
        let results = {
            let mut ts: Vec<&mut GpuTrainer> = members.iter_mut().map(|m| &mut m.trainer).collect();
            iterate(&mut ts)
        };
        let secs = started.elapsed().as_secs_f64();
        let mut finished = Vec::new();
        for (k, (m, r)) in members.iter_mut().zip(results).enumerate() {
            let t = &mut m.trainer;
            t.train_secs += secs;
            let r = r.map_err(|e| format!("{}: {e}", t.name))?;
            if let Some((failed, back_to)) = r.rolled_back {
                say(&t.name, format!("non-finite values at iteration {failed}; back to iteration {back_to}"));
                continue;
            }
            if t.cfg.grades_at(t.iteration) {
                let (_, misses) = t.grade().map_err(|e| format!("{}: {e}", t.name))?;
                say(&t.name, format!("graded at iteration {}: {}", t.iteration, verdict(&misses)));
                if misses.is_empty() {
                    t.graded_at = Some(t.iteration);
                }
            }
            if t.done() || t.graded_at.is_some() {
                save_result(t, &m.out, &m.ckpt)?;
                say(&t.name, format!("saved {} at iteration {} (loss {:.6})", m.out.display(), t.iteration, r.loss));
                finished.push(k);
            } else if t.iteration.is_multiple_of(t.cfg.checkpoint_every) {
                t.checkpoint().save(&m.ckpt)?;
                say(&t.name, format!("iteration {}, loss {:.6}, checkpoint saved", t.iteration, r.loss));
            }
        }
        for k in finished.into_iter().rev() {
            members.remove(k);
        }
    }
}

fn verdict(misses: &[crate::zoo::Miss]) -> String {
    if misses.is_empty() { "meets the bar".into() } else { format!("misses the bar ({})", crate::zoo::listed(misses)) }
}
