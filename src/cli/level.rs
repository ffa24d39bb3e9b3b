//! `morphogen level check FILE...`: plays each level with its own solution, headless, and says
//! whether it is won, when, and with how many stars.

use std::path::PathBuf;
use std::process::ExitCode;

use morphogen::level::Level;
use morphogen::level::run::check;

#[derive(clap::Subcommand)]
pub enum LevelCommand {
    /// Play levels with their intended solutions and report win/loss, time and stars.
    Check(CheckArgs),
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Level files (RON), or folders of them.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn expand(files: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for f in files {
        if f.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(f)
                .map_err(|e| format!("{}: {e}", f.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "ron"))
                .collect();
            v.sort();
            if v.is_empty() {
                // Checking nothing is not a pass.
                return Err(format!("{}: no level files (*.ron) in this folder", f.display()));
            }
            out.extend(v);
        } else {
            out.push(f.clone());
        }
    }
    Ok(out)
}

pub fn run(c: LevelCommand) -> Result<ExitCode, String> {
    let LevelCommand::Check(a) = c;
    let mut all_won = true;
    for f in expand(&a.files)? {
        // Headless and exact: the CPU backend, the same world kernels the tests hold the GPU to.
        let result = Level::load(&f).and_then(|l| check::<morphogen::backend::CpuBackend>(l, &Default::default()));
        match result {
            Ok(o) if o.won => println!(
                "{}: won at {:.1} s, {} star(s), score {:.3}: {}",
                f.display(),
                o.time,
                o.stars,
                o.score,
                o.why
            ),
            Ok(o) => {
                all_won = false;
                println!("{}: LOST at {:.1} s: {}", f.display(), o.time, o.why);
            }
            Err(e) => {
                all_won = false;
                println!("{}: ERROR: {e}", f.display());
            }
        }
    }
    Ok(if all_won { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
