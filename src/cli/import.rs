//! `morphogen import-distill`: the paper's own pretrained creatures.

use std::path::PathBuf;
use std::process::ExitCode;

use morphogen::creature::{Creature, CreatureMeta};
use morphogen::nca::{ModelSpec, NcaConfig};

#[derive(clap::Args)]
pub struct ImportArgs {
    /// A model JSON of the Distill demo (webgl_models8 format).
    model: PathBuf,
    #[arg(long)]
    out: PathBuf,
    /// Creature name (default: the model's file name).
    #[arg(long)]
    name: Option<String>,
}

pub fn run(a: ImportArgs) -> Result<ExitCode, String> {
    let c = import_file(&a.model, a.name.as_deref())?;
    c.save(&a.out)?;
    eprintln!("imported {} as '{}' -> {}", a.model.display(), c.meta.name, a.out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn import_file(path: &std::path::Path, name: Option<&str>) -> Result<Creature, String> {
    let text = morphogen::fsio::read_text(path, "Distill model")?;
    let weights = morphogen::distill::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "distill".into());
    let name = name.map(str::to_string).unwrap_or(stem.clone());
    morphogen::limits::name("name", &name).map_err(|e| format!("{}: {e}", path.display()))?;
    let source = format!("imported from the Distill demo model {stem} (Mordvintsev et al. 2020, CC-BY 4.0)");
    let mut meta = CreatureMeta::new(
        &name,
        ModelSpec::GROWING,
        morphogen::creature::CreatureMode::Imported,
        &source,
        NcaConfig::default(),
        [72, 72],
    );
    meta.iterations = 0;
    Ok(Creature { meta, weights, target: None })
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// A creature file of the paper's model (a texture cannot run in the demo).
    creature: PathBuf,
    /// Where the demo's JSON is written.
    #[arg(long)]
    out: PathBuf,
}

/// `morphogen export-distill`: a creature as a model of the Distill demo, quantised as the demo's
/// own models are.
pub fn export(a: ExportArgs) -> Result<ExitCode, String> {
    let c = super::load_creature(&a.creature)?;
    let json = morphogen::distill::export(&c.weights).map_err(|e| format!("{}: {e}", a.creature.display()))?;
    morphogen::fsio::write_atomic(&a.out, json.as_bytes())?;
    eprintln!("exported '{}' -> {} (the Distill demo's uint8 format)", c.meta.name, a.out.display());
    Ok(ExitCode::SUCCESS)
}
