//! `morphogen info`: what a creature file holds.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct InfoArgs {
    /// A creature file, or a model of the Distill demo (.json).
    creature: PathBuf,
    #[arg(long)]
    json: bool,
    /// Also write a picture of it (grown from a seed; a texture filling a wrapped grid) to this PNG.
    #[arg(long)]
    picture: Option<PathBuf>,
}

pub fn run(a: InfoArgs) -> Result<ExitCode, String> {
    let c = super::load_creature(&a.creature)?;
    let m = &c.meta;
    let target = c.target.as_ref().map(|t| [t.height, t.width]);
    if a.json {
        let v = serde_json::json!({
            "format_version": morphogen::creature::FORMAT_VERSION,
            "meta": m,
            "parameters": c.weights.len(),
            "target": target,
        });
        println!("{v}");
    } else {
        println!("{}", m.name);
        println!("  format       version {}", morphogen::creature::FORMAT_VERSION);
        println!("  source       {}", m.source);
        println!("  mode         {}", m.mode);
        println!("  iterations   {}", m.iterations);
        println!("  final loss   {}", m.final_loss.map(|l| format!("{l:.6}")).unwrap_or("-".into()));
        println!(
            "  rule         fire rate {}, angle {} rad, {:?} border",
            m.rule.fire_rate, m.rule.angle, m.rule.border
        );
        println!("  grid         {}x{}", m.grid[0], m.grid[1]);
        println!("  target       {}", target.map(|[h, w]| format!("{h}x{w} image")).unwrap_or("none".into()));
        println!(
            "  model        {} channels, filters {:?}, {} hidden, output bias {}, alive masking {}",
            m.spec.channels,
            m.spec.filters.list(),
            m.spec.hidden,
            m.spec.out_bias,
            m.spec.alive_masking
        );
        println!("  parameters   {}", c.weights.len());
    }
    if let Some(path) = &a.picture {
        let (w, h, px) = morphogen::thumbnail::render(&c.weights, m.rule.fire_rate, m.rule.angle)
            .map_err(|e| format!("{}: no picture: {e}", a.creature.display()))?;
        morphogen::fsio::write_png(path, w as u32, h as u32, &px)?;
    }
    Ok(ExitCode::SUCCESS)
}
