//! Carrying a zoo training from one machine to the next: `morphogen zoo carry` writes each
//! creature's checkpoint without its pool (`Checkpoint::without_pool`) into the manifest's carry
//! folder, to be committed; `zoo train` resumes from whichever of the two checkpoints is further
//! on and still the manifest's training. A checkpoint with its pool is a hundred megabytes and a
//! training machine may not outlive the training (the zoo's creatures take hours on two cores).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use morphogen::train::TrainConfig;
use morphogen::train::checkpoint::Checkpoint;
use morphogen::zoo::Manifest;

use super::train::checkpoint_beside;

#[derive(clap::Args)]
pub struct CarryArgs {
    #[arg(long, default_value = "assets/zoo.ron")]
    manifest: PathBuf,
    /// Only these creatures (repeatable); left out, every creature with a checkpoint.
    #[arg(long)]
    only: Vec<String>,
}

/// Writes the carried checkpoints and says what each entry of the manifest must add
/// (`pool_resets`) for `zoo train` to resume from it and for the manifest to still reproduce it.
pub fn carry(a: CarryArgs) -> Result<ExitCode, String> {
    let m = Manifest::load(&a.manifest)?;
    let mut carried = 0;
    for e in m.select(&a.only)? {
        let from = checkpoint_beside(&m.creature_path(e));
        if !from.exists() {
            continue;
        }
        let ck = Checkpoint::load(&from)?.without_pool();
        let to = m.carry_path(e);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        }
        ck.save(&to)?;
        let bytes = std::fs::metadata(&to).map(|md| md.len()).unwrap_or(0);
        println!(
            "{}: iteration {} carried to {} ({} kB); its entry in the manifest resumes from it with pool_resets: {:?}",
            e.name,
            ck.iteration,
            to.display(),
            bytes / 1000,
            ck.config.pool_resets
        );
        carried += 1;
    }
    if carried == 0 {
        return Err(format!("{}: no creature of it has a checkpoint to carry", a.manifest.display()));
    }
    Ok(ExitCode::SUCCESS)
}

/// The checkpoint a creature's training resumes from: of those at `paths` that train as `cfg`
/// (`extends`) and have iterations left, the one furthest on, with its path; and a line for each
/// other that exists but cannot be read or is another training, so that a corrupt or stale file
/// is named rather than passed over in silence.
pub fn resume_point(paths: &[&Path], cfg: &TrainConfig) -> (Option<(PathBuf, Checkpoint)>, Vec<String>) {
    let mut best: Option<(PathBuf, Checkpoint)> = None;
    let mut passed_over = Vec::new();
    for p in paths.iter().filter(|p| p.exists()) {
        match Checkpoint::load(p) {
            Err(e) => passed_over.push(format!("cannot resume from {e}")),
            Ok(ck) if !extends(&ck.config, ck.iteration, cfg) => passed_over.push(format!(
                "{} is not the manifest's training (a carried one needs the pool_resets `zoo carry` named in its entry)",
                p.display()
            )),
            Ok(ck) if ck.iteration >= cfg.iterations => {}
            Ok(ck) => {
                if best.as_ref().is_none_or(|(_, b)| ck.iteration > b.iteration) {
                    best = Some((p.to_path_buf(), ck));
                }
            }
        }
    }
    (best, passed_over)
}

/// Whether two configs train the same creature (the checkpoint interval changes nothing).
fn same_training(a: &TrainConfig, b: &TrainConfig) -> bool {
    TrainConfig { checkpoint_every: b.checkpoint_every, ..a.clone() } == *b
}

/// `new` is `old` with steps appended, each of which `later` accepts.
fn appended<T: PartialEq>(old: &[T], new: &[T], later: impl Fn(&T) -> bool) -> bool {
    new.len() >= old.len() && new[..old.len()] == old[..] && new[old.len()..].iter().all(later)
}

/// Whether training `a`, stopped at iteration `reached`, can carry on as `b`: the same training
/// but for its length, for learning-rate steps that `b` adds from `reached` on, for a focus
/// (`train::focus`) that `b` adds from `reached` on, and for pool resets that `b` adds after
/// `reached` (a creature that missed the bar in its iterations, given more, a lower rate or a
/// focus in the manifest). What it has learned is then exactly what `b` from scratch learns by
/// `reached`, so the manifest still reproduces it.
pub fn extends(a: &TrainConfig, reached: u64, b: &TrainConfig) -> bool {
    let rates_later = appended(&a.lr_schedule, &b.lr_schedule, |s| s.at >= reached);
    let resets_later = appended(&a.pool_resets, &b.pool_resets, |&r| r > reached);
    let focus_later = a.focus == b.focus || (a.focus.is_none() && b.focus.is_some_and(|f| f.from >= reached));
    let carried = TrainConfig {
        iterations: b.iterations,
        lr_schedule: b.lr_schedule.clone(),
        focus: b.focus,
        pool_resets: b.pool_resets.clone(),
        ..a.clone()
    };
    rates_later && resets_later && focus_later && same_training(&carried, b)
}
