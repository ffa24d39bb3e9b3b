//! Subcommands of the `morphogen` binary.

mod bench;
mod eval;
mod import;
mod info;
mod level;
mod play;
mod progress;
mod train;
mod zoo;
mod zoo_carry;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use morphogen::backend::BackendChoice;

#[derive(Parser)]
#[command(
    name = "morphogen",
    version,
    about = "Growing Neural Cellular Automata: play with, train, evaluate and import creatures"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// With no command, the game opens (these options are `play`'s).
    #[command(flatten)]
    play: play::PlayArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Open the game window (the default): a live world to grow, wound and regrow creatures in.
    Play(play::PlayArgs),
    /// Train a creature for an image (the paper's grow / persist / regenerate regimes).
    Train(train::TrainArgs),
    /// The creature's report card: growth, persistence and regeneration figures.
    Eval(eval::EvalArgs),
    /// What a creature file holds.
    Info(info::InfoArgs),
    /// Convert a model of the Distill article's demo (JSON) into a creature file.
    ImportDistill(import::ImportArgs),
    /// Write a creature as a model of the Distill demo (JSON, quantised as the demo's are).
    ExportDistill(import::ExportArgs),
    /// Simulation and training throughput on each available backend.
    Bench(bench::BenchArgs),
    /// The creature zoo: retrain it from its manifest, or evaluate it against the bar.
    #[command(subcommand)]
    Zoo(zoo::ZooCommand),
    /// Challenge levels: check that each can be won with its own solution.
    #[command(subcommand)]
    Level(level::LevelCommand),
}

pub fn run(cli: Cli) -> Result<ExitCode, String> {
    let command = cli.command.unwrap_or(Command::Play(cli.play));
    if !matches!(command, Command::Play(_)) {
        quiet_headless_vulkan();
    }
    match command {
        Command::Play(a) => play::run(a),
        Command::Train(a) => train::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Info(a) => info::run(a),
        Command::ImportDistill(a) => import::run(a),
        Command::ExportDistill(a) => import::export(a),
        Command::Bench(a) => bench::run(a),
        Command::Zoo(c) => zoo::run(c),
        Command::Level(c) => level::run(c),
    }
}

/// `--backend` for every command that runs the model.
#[derive(clap::Args, Clone)]
pub struct BackendArg {
    /// auto (a hardware GPU if there is one, else the CPU), cpu, or gpu (any wgpu adapter,
    /// software Vulkan included).
    #[arg(long, default_value = "auto")]
    pub backend: BackendChoice,
}

/// A creature file, or a model of the Distill demo (`.json`), imported on the fly, so that the
/// paper's models are measured and drawn by the same commands as ours.
pub fn load_creature(path: &std::path::Path) -> Result<morphogen::creature::Creature, String> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        return import::import_file(path, None);
    }
    morphogen::creature::Creature::load(path).map_err(|e| e.to_string())
}

/// Mesa's Vulkan device-selection layer asks the Wayland compositor which GPU drives the display,
/// and where there is none (a server, CI) libwayland prints "error: XDG_RUNTIME_DIR is invalid",
/// which reads like an error of ours. The commands without a window do not need that choice (they
/// rank the adapters themselves), so where no Wayland session is there to ask, the layer is
/// turned off by its documented switch. Runs before any thread or Vulkan call.
fn quiet_headless_vulkan() {
    let unset = |k: &str| std::env::var_os(k).is_none_or(|v| v.is_empty());
    if unset("WAYLAND_DISPLAY") && unset("XDG_RUNTIME_DIR") && unset("NODEVICE_SELECT") {
        // SAFETY: called on the main thread before any other thread exists (nothing reads the
        // environment concurrently).
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
}
