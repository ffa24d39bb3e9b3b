//! `morphogen eval`: the report card.

use std::path::PathBuf;
use std::process::ExitCode;

use morphogen::backend::{BackendJob, Resolved, resolve, run_job};
use morphogen::creature::Creature;
use morphogen::eval::{
    EvalOptions, Report, TEXTURE_GROW, TEXTURE_HEAL_MAX, TEXTURE_HOLD, TextureReport, evaluate, evaluate_texture,
};
use morphogen::rule::TrainBackend;

use super::BackendArg;

#[derive(clap::Args)]
pub struct EvalArgs {
    /// A creature file, or a model of the Distill demo (.json).
    creature: PathBuf,
    /// One JSON object on stdout, for tools.
    #[arg(long)]
    json: bool,
    /// Square grid side (default: the creature's training grid).
    #[arg(long)]
    grid: Option<usize>,
    /// Seeded runs per figure.
    #[arg(long, default_value_t = 8)]
    trials: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    backend: BackendArg,
}

struct EvalJob(Creature, EvalOptions);

/// A creature's report card, or a texture's.
enum Card {
    Creature(Report),
    Texture(TextureReport),
}

impl BackendJob for EvalJob {
    type Output = Result<Card, String>;
    fn run<B: TrainBackend>(self, device: B::Device, _on: &Resolved) -> Self::Output {
        let opts = self.1;
        if self.0.weights.spec.alive_masking {
            evaluate::<B::InnerBackend>(&self.0, &opts, &device).map(Card::Creature)
        } else {
            evaluate_texture::<B::InnerBackend>(&self.0, &opts, &device).map(Card::Texture)
        }
    }
}

pub fn run(a: EvalArgs) -> Result<ExitCode, String> {
    let c = super::load_creature(&a.creature)?;
    morphogen::limits::within("--trials", a.trials, 1, 1000)?;
    if let Some(g) = a.grid {
        morphogen::limits::within("--grid", g, 8, morphogen::limits::MAX_GRID)?;
    }
    let on = resolve(a.backend.backend)?;
    let opts = EvalOptions { grid: a.grid, trials: a.trials, seed: a.seed };
    let r = match run_job(&on, EvalJob(c.clone(), opts))? {
        Card::Creature(r) => r,
        Card::Texture(t) => {
            if a.json {
                println!("{}", serde_json::json!({ "texture": t }));
            } else {
                println!("{} (texture), {} trials, seed {}, on {}", c.meta.name, a.trials, a.seed, on.describe());
                println!("  loss        {:.5} after {TEXTURE_GROW} steps from zeros", t.loss_grown);
                println!("  holds       {:.5} after {TEXTURE_HOLD} more steps", t.loss_held);
                match t.heal_steps {
                    Some(k) => println!("  heals       back within 1.5x of its loss {k} steps after a wound"),
                    None => println!("  heals       not within {TEXTURE_HEAL_MAX} steps of a wound"),
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    if a.json {
        println!("{}", serde_json::to_string(&r).expect("report serialises"));
    } else {
        let [h, w] = c.meta.grid;
        let g = a.grid.map(|g| (g, g)).unwrap_or((h, w));
        println!(
            "{} ({}), {}x{} grid, {} trials, seed {}, on {}",
            c.meta.name,
            c.meta.mode,
            g.0,
            g.1,
            a.trials,
            a.seed,
            on.describe()
        );
        match r.growth_mse {
            Some(m) => println!("  growth      RGBA MSE vs target at step 96: {m:.6}"),
            None => println!("  growth      (no target image in this creature)"),
        }
        println!("  alive       {} cells at step 200", r.alive_cells_at_200);
        println!("  drift       MSE vs step 200: {:.2e} at 500, {:.2e} at 2000", r.drift.at_500, r.drift.at_2000);
        println!("  regrowth    trials back within MSE 0.002 200 steps after the wound:");
        for (name, [ok, n]) in r.regrowth.entries() {
            println!("    {name:<7} {ok}/{n}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
