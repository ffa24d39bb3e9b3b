//! `morphogen level check [FILE...]`: plays each level (the shipped ones without a path) with its own solution, headless, and says
//! whether it is won, when, and with how many stars.

use std::path::PathBuf;
use std::process::ExitCode;

use morphogen::backend::CpuBackend;
use morphogen::level::Level;
use morphogen::level::run::play_solution;
use morphogen::world::ViewMode;

#[derive(clap::Subcommand)]
pub enum LevelCommand {
    /// Play levels with their intended solutions and report win/loss, time and stars.
    Check(CheckArgs),
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Level files (RON), or folders of them (default: the shipped levels, built into morphogen).
    files: Vec<PathBuf>,
    /// Also write each level's world at the start and where its solution ends, as NAME-start.png
    /// and NAME-end.png in this folder (4 pixels a cell): for level authors.
    #[arg(long)]
    pictures: Option<PathBuf>,
}

/// Writes a world picture (RGBA8, `w` x `h`) at 4 pixels a cell.
fn write_picture(path: &std::path::Path, w: usize, h: usize, rgba: &[u8]) -> Result<(), String> {
    const K: usize = 4;
    let mut big = Vec::with_capacity(w * h * K * K * 4);
    for y in 0..h * K {
        for x in 0..w * K {
            let i = ((y / K) * w + x / K) * 4;
            big.extend_from_slice(&rgba[i..i + 4]);
        }
    }
    Ok(morphogen::fsio::write_png(path, (w * K) as u32, (h * K) as u32, &big)?)
}

fn expand(files: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let shipped = [morphogen::shipped::levels()];
    let files = if files.is_empty() { &shipped[..] } else { files };
    let mut out = Vec::new();
    for f in files {
        if f.is_dir() || morphogen::shipped::is_dir(f) {
            let v = morphogen::fsio::list(f, "ron")?;
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
    if let Some(dir) = &a.pictures {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    for f in expand(&a.files)? {
        // Headless and exact: the CPU backend, the same world kernels the tests hold the GPU to.
        let result = Level::load(&f).map_err(String::from).and_then(|l| {
            if let Some(dir) = &a.pictures {
                let (w, h, rgba) = morphogen::thumbnail::render_level(&l)?;
                let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or("level");
                write_picture(&dir.join(format!("{stem}-start.png")), w, h, &rgba)?;
            }
            let mut run = play_solution::<CpuBackend>(l, &Default::default())?;
            if let Some(dir) = &a.pictures {
                let size = run.world.size();
                let rgba = run.world.snapshot(ViewMode::Rgba);
                let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or("level");
                write_picture(&dir.join(format!("{stem}-end.png")), size.width, size.height, &rgba)?;
            }
            Ok(run.verdict())
        });
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
