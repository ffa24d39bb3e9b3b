//! `morphogen train`: the shared trainer with a progress bar, checkpoints, resume and Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use morphogen::backend::{BackendChoice, BackendJob, Resolved, resolve_measured, run_job, said};
use morphogen::lab::estimate;
use morphogen::rule::TrainBackend;
use morphogen::target::{Background, Target};
use morphogen::train::checkpoint::Checkpoint;
use morphogen::train::session::{self, Control, Event, Outcome, Stop};
use morphogen::train::{Mode, TrainConfig, Trainer};

use super::BackendArg;
use super::progress::Progress;

#[derive(clap::Args)]
pub struct TrainArgs {
    /// The target image (PNG, JPEG, ...). Not needed with --resume.
    image: Option<PathBuf>,
    /// grow, persist or regenerate (the paper's experiments 1, 2, 3), or texture (a
    /// self-organising texture of the image).
    #[arg(long)]
    mode: Option<Mode>,
    /// Where the trained creature is written.
    #[arg(long)]
    out: PathBuf,
    /// Creature name (default: the image's file name).
    #[arg(long)]
    name: Option<String>,
    /// A JSON file with any hyper-parameters to override (see `TrainConfig`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Total iterations (also with --resume, to train further).
    #[arg(long)]
    iterations: Option<u64>,
    #[arg(long)]
    seed: Option<u64>,
    /// The image is resized to fit this many pixels (default 40).
    #[arg(long)]
    size: Option<u32>,
    /// Empty cells around the image (default 16).
    #[arg(long)]
    padding: Option<u32>,
    /// For images without transparency: keep (opaque), corner (key out the top-left colour) or a
    /// colour like '#ffffff' to key out.
    #[arg(long)]
    background: Option<Background>,
    /// Write a checkpoint every N iterations (default 100).
    #[arg(long)]
    checkpoint_every: Option<u64>,
    /// Checkpoint path (default: OUT with .ckpt appended).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Carry on from the checkpoint.
    #[arg(long, conflicts_with = "fresh")]
    resume: bool,
    /// Start over, replacing the checkpoint of an earlier run (without it, or --resume, an
    /// existing checkpoint is kept and the training does not start).
    #[arg(long)]
    fresh: bool,
    #[command(flatten)]
    backend: BackendArg,
}

fn checkpoint_path(a: &TrainArgs) -> PathBuf {
    a.checkpoint.clone().unwrap_or_else(|| checkpoint_beside(&a.out))
}

/// The default checkpoint of a training that writes `out`: `out` with `.ckpt` appended.
pub(super) fn checkpoint_beside(out: &Path) -> PathBuf {
    let mut s = out.to_path_buf().into_os_string();
    s.push(".ckpt");
    PathBuf::from(s)
}

pub(super) enum Start {
    Fresh { name: String, cfg: TrainConfig, target: Target },
    Resume(Checkpoint),
}

impl Start {
    /// Seconds an iteration of this training on `on`, measured now (what `auto` weighs).
    pub(super) fn measure(&self, on: &Resolved) -> Result<f64, String> {
        let (cfg, target) = self.job();
        estimate::per_iteration(on, target, cfg)
    }

    fn job(&self) -> (&TrainConfig, &Target) {
        match self {
            Start::Fresh { cfg, target, .. } => (cfg, target),
            Start::Resume(ck) => (&ck.config, &ck.target),
        }
    }
}

/// The path a training takes: `auto` measures this training on every path and says what it took.
pub(super) fn resolve_for(choice: BackendChoice, start: &Start) -> Result<Resolved, String> {
    let (cfg, target) = start.job();
    let (on, measured, remembered) = resolve_measured(choice, &estimate::job_key(target, cfg), |p| start.measure(p))?;
    if !measured.is_empty() {
        eprintln!("{}", said(&on, &measured, remembered));
    }
    Ok(on)
}

pub(super) struct TrainJob {
    pub start: Start,
    pub out: PathBuf,
    pub ckpt: PathBuf,
    pub control: Arc<Control>,
    /// Creatures training at the same time in this process (`zoo train --group` on the CPU):
    /// above 1, every line says the creature's name and the creature file says it shared.
    pub alongside: usize,
}

impl BackendJob for TrainJob {
    type Output = Result<ExitCode, String>;
    fn run<B: TrainBackend>(self, device: B::Device, on: &Resolved) -> Self::Output {
        let mut t = match self.start {
            Start::Fresh { name, cfg, target } => Trainer::<B>::new(&name, cfg, target, device),
            Start::Resume(ck) => Trainer::<B>::resume(ck, device),
        }
        .map_err(|e| e.to_string())?;
        t.trained_on = on.describe();
        let mut bar = Progress::new(t.cfg.iterations, t.iteration);
        if self.alongside > 1 {
            t.trained_on = format!("{} ({} creatures at once)", on.describe(), self.alongside);
            bar = bar.named(&t.name);
        }
        bar.message(&format!(
            "training '{}' ({} mode, {} iterations, grid {}x{}) on {}",
            t.name,
            t.cfg.mode.name(),
            t.cfg.iterations,
            t.dims()[0],
            t.dims()[1],
            t.trained_on
        ));
        // The lab's estimate, said here too: every CLI training then checks it against what the
        // training measures (the final line), on whatever machine it runs.
        let estimate = match on {
            Resolved::Cpu => Some(estimate::cpu(&t.target, &t.cfg)),
            Resolved::Gpu(_) => estimate::gpu(&t.target, &t.cfg).ok(),
        };
        if let Some(e) = estimate {
            bar.message(&format!(
                "the lab's estimate: {:.2} it/s, {} for {} iterations",
                1.0 / e.secs_per_iteration,
                estimate::hms(e.secs_per_iteration * t.cfg.iterations.saturating_sub(t.iteration) as f64),
                t.cfg.iterations.saturating_sub(t.iteration)
            ));
        }
        let ckpt = self.ckpt.clone();
        let outcome = session::run(&mut t, &self.ckpt, &self.control, |_, ev| {
            match ev {
            Event::Iteration(r) => bar.update(r.iteration, r.loss, r.lr),
            Event::RolledBack { failed, back_to } => bar.message(&format!(
                "warning: non-finite loss or state at iteration {failed}; rolled back to the last good checkpoint (iteration {back_to})"
            )),
            Event::Graded { iteration, misses } if misses.is_empty() => {
                bar.message(&format!("graded at iteration {iteration}: meets the bar; training is done"))
            }
            Event::Graded { iteration, misses } => {
                bar.message(&format!("graded at iteration {iteration}: misses the bar ({})", morphogen::zoo::listed(&misses)))
            }
            Event::Checkpointed(_) | Event::Before(_) => {}
        }
        })?;
        if outcome != Outcome::Finished {
            bar.message(&format!(
                "interrupted at iteration {}; checkpoint saved to {}; carry on with --resume",
                t.iteration,
                ckpt.display()
            ));
            return Ok(ExitCode::from(130));
        }
        bar.finish();
        let creature = session::save_result(&mut t, &self.out, &self.ckpt)?;
        if session::missed_the_bar(&t) {
            bar.message(&format!(
                "did not meet the zoo's bar in {} iterations; its checkpoint stays at {} for more",
                t.iteration,
                self.ckpt.display()
            ));
        }
        let rate = t.iteration as f64 / t.train_secs.max(1e-9);
        let against = estimate.map_or(String::new(), |e| {
            format!(", the lab's estimate {:.0}% of that", 100.0 / e.secs_per_iteration / rate)
        });
        bar.message(&format!(
            "saved {} ({} iterations in {} of training, {rate:.2} it/s{against}, final loss {:.6})",
            self.out.display(),
            t.iteration,
            estimate::hms(t.train_secs),
            creature.meta.final_loss.unwrap_or(f32::NAN)
        ));
        Ok(ExitCode::SUCCESS)
    }
}

fn read_config(path: &Path) -> Result<TrainConfig, String> {
    let text = morphogen::fsio::read_text(path, "training config")?;
    let cfg: TrainConfig = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    cfg.validate().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(cfg)
}

pub fn run(a: TrainArgs) -> Result<ExitCode, String> {
    let ckpt = checkpoint_path(&a);
    let start = if a.resume {
        let ck = Checkpoint::load(&ckpt)?;
        eprintln!("resuming '{}' from {} at iteration {}", ck.name, ckpt.display(), ck.iteration);
        let mut ck = ck;
        if let Some(v) = a.iterations {
            // Lets a finished or interrupted run be carried further.
            ck.config.iterations = morphogen::limits::within("--iterations", v, 0, morphogen::limits::MAX_ITERATIONS)?;
        }
        Start::Resume(ck)
    } else {
        let image = a.image.as_ref().ok_or("train needs an IMAGE (or --resume)")?;
        // A config file's fields left out take its mode's defaults; without a file, --mode's.
        let mut cfg = match (&a.config, a.mode) {
            (Some(p), _) => read_config(p)?,
            (None, Some(mode)) => TrainConfig::defaults(mode),
            (None, None) => return Err("train needs --mode grow|persist|regenerate|texture (or --config)".into()),
        };
        if let Some(mode) = a.mode {
            cfg.mode = mode;
        }
        if let Some(v) = a.iterations {
            cfg.iterations = v;
        }
        if let Some(v) = a.seed {
            cfg.seed = v;
        }
        if let Some(v) = a.size {
            cfg.target.size = v;
        }
        if let Some(v) = a.padding {
            cfg.target.padding = v;
        }
        if let Some(v) = a.background {
            cfg.target.background = v;
        }
        if let Some(v) = a.checkpoint_every {
            cfg.checkpoint_every = v;
        }
        cfg.validate()?;
        let target = Target::from_file_for(image, &cfg)?;
        let name = a.name.clone().unwrap_or_else(|| {
            image.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or("creature".into())
        });
        morphogen::limits::name("--name", &name)?;
        if !a.fresh && std::fs::symlink_metadata(&ckpt).is_ok() {
            // Hours of training may be in it: never replaced by habit.
            let held = match Checkpoint::peek(&ckpt) {
                Ok(s) => format!("holds '{}' at iteration {} of {}", s.name, s.iteration, s.iterations),
                Err(e) => format!("exists but cannot be read ({e})"),
            };
            return Err(format!(
                "{} {held}; add --resume to carry on from it, or --fresh to start over and replace it",
                ckpt.display()
            ));
        }
        Start::Fresh { name, cfg, target }
    };
    // Where the result and the checkpoints go must take a file now, not after the training.
    morphogen::fsio::check_writable(&a.out)?;
    morphogen::fsio::check_writable(&ckpt)?;
    let on = resolve_for(a.backend.backend, &start)?;
    let control = ctrl_c()?;
    run_job(&on, TrainJob { start, out: a.out, ckpt, control, alongside: 1 })
}

/// A training control that Ctrl-C stops with a checkpoint (a second Ctrl-C exits at once).
pub(super) fn ctrl_c() -> Result<Arc<Control>, String> {
    let control = Arc::new(Control::default());
    let flag = control.clone();
    ctrlc::set_handler(move || {
        if flag.stop_requested() != Stop::No {
            // Second Ctrl-C: the user really wants out.
            std::process::exit(130);
        }
        flag.stop(Stop::Checkpoint);
    })
    .map_err(|e| format!("cannot install the Ctrl-C handler: {e}"))?;
    Ok(control)
}
