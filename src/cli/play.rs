//! `morphogen play` (and `morphogen` alone): the game window.

use std::path::PathBuf;
use std::process::ExitCode;

use morphogen::app::PlayOptions;
use morphogen::world::WorldSize;

#[derive(clap::Args)]
pub struct PlayArgs {
    /// A RON script of timed actions to play (see the README).
    #[arg(long)]
    pub script: Option<PathBuf>,
    /// World width and height in cells (up to 2048).
    #[arg(long, default_value_t = 256)]
    pub size: usize,
    /// World height, when it differs from the width.
    #[arg(long)]
    pub height: Option<usize>,
    /// Zeros beyond the edge instead of a wrap-around world.
    #[arg(long)]
    pub no_wrap: bool,
    /// A folder of creature files (and Distill models) the library adds to the shipped ones.
    #[arg(long)]
    pub creatures: Option<PathBuf>,
    /// Folder for screenshots and recordings (default: your pictures folder).
    #[arg(long)]
    pub captures: Option<PathBuf>,
    /// Your data folder: creatures trained in the lab and its checkpoints (default:
    /// $XDG_DATA_HOME/morphogen or ~/.local/share/morphogen).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A folder of challenge levels (RON files) added to the shipped ones; a file named as a
    /// shipped level replaces it (all are played in file-name order). Its files reload when saved.
    #[arg(long)]
    pub levels: Option<PathBuf>,
    /// Seed of the world's fire masks.
    #[arg(long, default_value_t = 1)]
    pub seed: u32,
}

pub fn run(a: PlayArgs) -> Result<ExitCode, String> {
    let size = WorldSize::new(a.size, a.height.unwrap_or(a.size), !a.no_wrap)?;
    let mut opts = PlayOptions::new(size);
    opts.script = a.script;
    opts.library.extend(a.creatures);
    if let Some(c) = a.captures {
        opts.captures_dir = c;
    }
    if let Some(d) = a.data {
        opts.data_dir = d;
    }
    opts.levels.extend(a.levels);
    opts.seed = a.seed;
    Ok(ExitCode::from(morphogen::app::run(opts)?))
}
