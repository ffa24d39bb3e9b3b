//! `morphogen zoo train` retrains the zoo from its manifest (skipping creatures that are up to
//! date, resuming interrupted ones); `morphogen zoo eval` measures every creature against the bar
//! and prints the table of `docs/ZOO.md`.

use std::path::PathBuf;
use std::process::ExitCode;

use morphogen::backend::{Resolved, resolve, run_job};
use morphogen::creature::Creature;
use morphogen::eval::{EvalOptions, Report};
use morphogen::rule::TrainBackend;
use morphogen::target::Target;
use morphogen::train::config::Mode;
use morphogen::zoo::{Manifest, misses};

use super::BackendArg;
use super::train::{Start, TrainJob, checkpoint_beside, ctrl_c};
use super::zoo_carry::{CarryArgs, carry, extends, resume_point};

#[derive(clap::Subcommand)]
pub enum ZooCommand {
    /// Train every creature of the manifest that is missing or trained for fewer iterations.
    Train(TrainArgs),
    /// Evaluate every creature of the manifest (and a reference) and print the table.
    Eval(EvalArgs),
    /// Draw each creature's strip for docs/ZOO.md: grown, then wounded and regrown for a disc,
    /// the right half and the centre square (PNG files named after the creatures).
    Strips(StripArgs),
    /// Write each creature's checkpoint without its pool into the manifest's carry folder, to
    /// be committed: a training carried to another machine resumes from it (see `zoo carry --help`).
    Carry(CarryArgs),
}

#[derive(clap::Args)]
pub struct StripArgs {
    /// The zoo's manifest (default: the shipped one, built into morphogen).
    #[arg(long, default_value_os_t = morphogen::shipped::zoo_manifest())]
    manifest: PathBuf,
    #[arg(long)]
    only: Vec<String>,
    /// Creature files or Distill demo models drawn as well, for comparison (repeatable).
    #[arg(long)]
    reference: Vec<PathBuf>,
    #[arg(long, default_value = "docs/zoo")]
    out: PathBuf,
    /// Seed of the fire masks.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(clap::Args)]
pub struct TrainArgs {
    /// The zoo's manifest: its creatures are written beside it (default: the checkout's).
    #[arg(long, default_value = "assets/zoo.ron")]
    manifest: PathBuf,
    /// Only these creatures (repeatable).
    #[arg(long)]
    only: Vec<String>,
    /// Retrain even creatures that are up to date.
    #[arg(long)]
    force: bool,
    /// Train this many creatures at once, each checkpointed and finished as when trained alone:
    /// on a GPU in one rollout per iteration, on the CPU side by side, each on its share of the
    /// cores.
    #[arg(long, default_value_t = 1)]
    group: usize,
    #[command(flatten)]
    backend: BackendArg,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// The zoo's manifest (default: the shipped one, built into morphogen, with its creatures).
    #[arg(long, default_value_os_t = morphogen::shipped::zoo_manifest())]
    manifest: PathBuf,
    #[arg(long)]
    only: Vec<String>,
    /// A creature file or Distill demo model measured the same way, as the reference row.
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Under each creature, the paper's model of the same emoji (the entry's `paper`), measured
    /// the same way.
    #[arg(long)]
    paper: bool,
    #[arg(long, default_value_t = 8)]
    trials: usize,
    /// Seed of the trials. The gradings and the zoo's table use 0, and a training stops at its
    /// first grading that passes; another seed gives held-out trials (`docs/ZOO.md`).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Exit with code 1 when a creature misses the bar or is missing.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    backend: BackendArg,
}

pub fn run(c: ZooCommand) -> Result<ExitCode, String> {
    match c {
        ZooCommand::Train(a) => train(a),
        ZooCommand::Eval(a) => eval(a),
        ZooCommand::Strips(a) => strips(a),
        ZooCommand::Carry(a) => carry(a),
    }
}

fn train(a: TrainArgs) -> Result<ExitCode, String> {
    let m = Manifest::load(&a.manifest)?;
    let control = ctrl_c()?;
    let mut queue = Vec::new();
    for e in m.select(&a.only)? {
        let out = m.creature_path(e);
        let ckpt = checkpoint_beside(&out);
        // Up to date: trained with this very config to its end, or to the bar with this config
        // but for its length (more iterations for the others do not undo a creature that is done).
        if !a.force
            && let Ok(c) = Creature::load(&out)
            && c.meta.train_config.as_ref().is_some_and(|cfg| extends(cfg, c.meta.iterations, &e.config))
            && (c.meta.iterations >= e.config.iterations || c.meta.graded_at.is_some())
        {
            eprintln!("{}: up to date ({} iterations)", e.name, c.meta.iterations);
            continue;
        }
        let (point, passed_over) = resume_point(&[&ckpt, &m.carry_path(e)], &e.config);
        for why in passed_over.iter().filter(|_| !a.force) {
            eprintln!("{}: {why}", e.name);
        }
        let start = match point.filter(|_| !a.force) {
            Some((from, mut ck)) => {
                eprintln!("{}: resuming from {} at iteration {}", e.name, from.display(), ck.iteration);
                ck.config.iterations = e.config.iterations;
                ck.config.lr_schedule.clone_from(&e.config.lr_schedule);
                ck.config.focus = e.config.focus;
                ck.config.pool_resets.clone_from(&e.config.pool_resets);
                Start::Resume(ck)
            }
            None => {
                if !a.force && !passed_over.is_empty() {
                    eprintln!("{}: training from the start", e.name);
                }
                let target = Target::from_file_for(&m.target_path(e), &e.config)?;
                Start::Fresh { name: e.name.clone(), cfg: e.config.clone(), target }
            }
        };
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        }
        queue.push((start, out, ckpt));
    }
    // `auto` measures the first creature's training (a group's is taken as its first's).
    let on = match queue.first() {
        Some((start, _, _)) => super::train::resolve_for(a.backend.backend, start)?,
        None => return Ok(ExitCode::SUCCESS),
    };
    if a.group > 1 {
        return match on {
            Resolved::Gpu(_) => train_group(a.group, queue, &on, &control),
            Resolved::Cpu => train_side_by_side(a.group, queue, &on, &control),
        };
    }
    for (start, out, ckpt) in queue {
        let code = run_job(&on, TrainJob { start, out, ckpt, control: control.clone(), alongside: 1 })?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The queue on the CPU, `size` creatures at a time, side by side (`lanes`): each on its own
/// share of the cores, where one training alone leaves cores idle. The first failure stops the
/// others with their checkpoints written, as Ctrl-C does.
fn train_side_by_side(
    size: usize,
    queue: Vec<(Start, PathBuf, PathBuf)>,
    on: &Resolved,
    control: &std::sync::Arc<morphogen::train::session::Control>,
) -> Result<ExitCode, String> {
    use morphogen::train::session::Stop;
    let lanes = size.min(queue.len()).max(1);
    let queue = std::sync::Mutex::new(queue.into_iter());
    let results = morphogen::lanes::side_by_side(lanes, |_| {
        loop {
            let Some((start, out, ckpt)) = queue.lock().map_err(|_| "the training queue failed")?.next() else {
                return Ok(ExitCode::SUCCESS);
            };
            if control.stop_requested() != Stop::No {
                return Ok(ExitCode::from(130));
            }
            let code = run_job(on, TrainJob { start, out, ckpt, control: control.clone(), alongside: lanes });
            if !matches!(code, Ok(ExitCode::SUCCESS)) {
                control.stop(Stop::Checkpoint);
                return code;
            }
        }
    });
    let mut code = ExitCode::SUCCESS;
    for r in results {
        let c = r?;
        if c != ExitCode::SUCCESS {
            code = c;
        }
    }
    Ok(code)
}

/// The queue, `size` creatures at a time in one rollout per iteration (`train::group`).
fn train_group(
    size: usize,
    queue: Vec<(Start, PathBuf, PathBuf)>,
    on: &Resolved,
    control: &morphogen::train::session::Control,
) -> Result<ExitCode, String> {
    use morphogen::train::group::{self, GpuTrainer, Member};
    let mut queue = queue.into_iter();
    let next = || {
        let (start, out, ckpt) = queue.next()?;
        let device = morphogen::gpu_device::shared();
        let t = match start {
            Start::Fresh { name, cfg, target } => GpuTrainer::new(&name, cfg, target, device),
            Start::Resume(ck) => GpuTrainer::resume(ck, device),
        };
        Some(t.map_err(|e| e.to_string()).map(|t| {
            let mut trainer = t;
            trainer.trained_on = format!("{} ({size} creatures at once)", on.describe());
            eprintln!("{}: training from iteration {}", trainer.name, trainer.iteration);
            Member { trainer, out, ckpt }
        }))
    };
    match group::run(size, next, control, |name, msg| eprintln!("{name}: {msg}"))? {
        morphogen::train::session::Outcome::Finished => Ok(ExitCode::SUCCESS),
        _ => Ok(ExitCode::from(130)),
    }
}

/// A creature, its trials and their seed.
struct EvalJob(Creature, usize, u64);

impl morphogen::backend::BackendJob for EvalJob {
    type Output = Result<Report, String>;
    fn run<B: TrainBackend>(self, device: B::Device, _on: &morphogen::backend::Resolved) -> Result<Report, String> {
        let opts = EvalOptions { trials: self.1, seed: self.2, ..Default::default() };
        morphogen::eval::evaluate::<B::InnerBackend>(&self.0, &opts, &device)
    }
}

/// A table row. `mode`: the entry's training mode when it is not held to the bar (the bar is for
/// regenerating creatures; a grow or persist creature is there to be compared, not to heal).
fn row(name: &str, c: Option<&Creature>, r: &Report, mode: Option<Mode>) -> String {
    let g = |[ok, n]: [usize; 2]| format!("{ok}/{n}");
    let m = misses(r);
    let verdict = match mode {
        Some(mode) => format!("- ({} mode: not held to the bar)", mode.name()),
        None if m.is_empty() => "yes".to_string(),
        None => format!("no: {}", morphogen::zoo::listed(&m)),
    };
    let (iterations, training) = match c {
        Some(c) => {
            let secs = c.meta.train_secs.map(morphogen::lab::estimate::hms).unwrap_or_else(|| "-".into());
            let on = c.meta.trained_on.as_deref().map(|o| format!(" on {o}")).unwrap_or_default();
            (c.meta.iterations.to_string(), format!("{secs}{on}"))
        }
        None => ("-".into(), "-".into()),
    };
    format!(
        "| {name} | {iterations} | {training} | {} | {} | {:.1e} | {} | {} | {} | {} | {} | {} | {} |",
        r.growth_mse.map(|v| format!("{v:.1e}")).unwrap_or_else(|| "-".into()),
        r.alive_cells_at_200,
        r.drift.at_2000,
        g(r.regrowth.disc),
        g(r.regrowth.left),
        g(r.regrowth.right),
        g(r.regrowth.top),
        g(r.regrowth.bottom),
        g(r.regrowth.square),
        verdict
    )
}

fn eval(a: EvalArgs) -> Result<ExitCode, String> {
    if a.trials == 0 {
        return Err("--trials must be at least 1".into());
    }
    let m = Manifest::load(&a.manifest)?;
    // A missing paper's model is found before minutes of measuring, not after.
    for p in m.select(&a.only)?.into_iter().filter_map(|e| m.paper_path(e)).filter(|_| a.paper) {
        if !p.is_file() {
            return Err(format!("{}: the paper's model named in {} is missing", p.display(), a.manifest.display()));
        }
    }
    let on = resolve(a.backend.backend)?;
    println!(
        "| creature | iterations | training | growth MSE | alive at 200 | drift at 2000 | disc | left | right | top | bottom | square | meets the bar |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut ok = true;
    // A model measured for comparison: reported, never held to the bar by --check.
    let compare = |path: &std::path::Path, label: &str, free: Option<Mode>| -> Result<(), String> {
        let c = super::load_creature(path)?;
        let name = format!("{} ({label})", c.meta.name);
        println!("{}", row(&name, None, &run_job(&on, EvalJob(c, a.trials, a.seed))?, free));
        Ok(())
    };
    if let Some(r) = &a.reference {
        compare(r, "reference", None)?;
    }
    for e in m.select(&a.only)? {
        let free = (e.config.mode != Mode::Regenerate).then_some(e.config.mode);
        match Creature::load(&m.creature_path(e)) {
            Ok(c) => {
                let r = run_job(&on, EvalJob(c.clone(), a.trials, a.seed))?;
                ok &= free.is_some() || misses(&r).is_empty();
                println!("{}", row(&e.name, Some(&c), &r, free));
            }
            Err(err) => {
                ok = false;
                println!("| {} | not trained | | | | | | | | | | | no: {err} |", e.name);
            }
        }
        if let Some(p) = m.paper_path(e).filter(|_| a.paper) {
            compare(&p, "the paper's", free)?;
        }
    }
    Ok(if a.check && !ok { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn strips(a: StripArgs) -> Result<ExitCode, String> {
    let m = Manifest::load(&a.manifest)?;
    let mut todo = Vec::new();
    for e in m.select(&a.only)? {
        let path = m.creature_path(e);
        match Creature::load(&path) {
            // A texture has no body to wound; the zoo's textures have their own pictures.
            Ok(c) if c.weights.spec.alive_masking => todo.push((e.name.clone(), c)),
            Ok(_) => {}
            Err(err) if a.only.is_empty() => eprintln!("{}: skipped ({err})", e.name),
            Err(err) => return Err(err.to_string()),
        }
    }
    for r in &a.reference {
        let c = super::load_creature(r)?;
        todo.push((c.meta.name.clone(), c));
    }
    for (name, c) in todo {
        let s = morphogen::strip::render(&c, a.seed).map_err(|e| format!("{name}: {e}"))?;
        let (w, h, px) = &s.picture;
        let out = a.out.join(format!("{}.png", morphogen::lab::store::slug(&name)));
        morphogen::fsio::write_png(&out, *w as u32, *h as u32, px)?;
        let mse = s.regrown_mse.map(|v| format!("{v:.1e}"));
        println!("{}: regrown MSE disc {}, right half {}, square {}", out.display(), mse[0], mse[1], mse[2]);
    }
    Ok(ExitCode::SUCCESS)
}
