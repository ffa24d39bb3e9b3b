//! An image dropped on the lab, before it is trained: the decoded picture, the settings the user
//! is choosing, and the target exactly as the trainer will see it.

use std::path::{Path, PathBuf};

use image::DynamicImage;

use crate::target::{Target, decode_file};
use crate::train::TrainConfig;

/// Versions are unique across drafts, so a new image never reuses an old picture.
static NEXT_VERSION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub struct Draft {
    pub source: PathBuf,
    /// The creature's name (the file name until the user changes it).
    pub name: String,
    pub cfg: TrainConfig,
    image: DynamicImage,
    /// The prepared target for the current settings, or why these settings do not work.
    pub prepared: Result<Target, String>,
    /// Changes whenever `prepared` is remade (the panel re-uploads its picture then only).
    pub version: u64,
}

impl Draft {
    /// Opens an image with the paper's settings. Anything that cannot become a target (not an
    /// image, corrupt, enormous, fully transparent) is an error and no draft is made.
    pub fn open(path: &Path, cfg: TrainConfig) -> Result<Self, String> {
        let image = decode_file(path)?;
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "creature".into());
        let mut d = Draft { source: path.to_path_buf(), name, cfg, image, prepared: Err(String::new()), version: 0 };
        d.prepare();
        match &d.prepared {
            Ok(_) => Ok(d),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Re-makes the target after a change of size, padding or background.
    pub fn prepare(&mut self) {
        self.prepared = self.cfg.validate().and_then(|_| Ok(Target::for_training(&self.image, &self.cfg)?));
        self.version = NEXT_VERSION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn image_dims(&self) -> (u32, u32) {
        (self.image.width(), self.image.height())
    }
}
