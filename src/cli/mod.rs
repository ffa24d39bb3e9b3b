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
    match cli.command.unwrap_or(Command::Play(cli.play)) {
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

pub fn load_creature(path: &std::path::Path) -> Result<morphogen::creature::Creature, String> {
    morphogen::creature::Creature::load(path).map_err(|e| e.to_string())
}
