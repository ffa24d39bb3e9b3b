//! The files built into the binary: the shipped creatures, the paper's models, the targets, the
//! textures, the manifests (`assets/`) and the levels (`levels/`), listed by `build.rs`. An
//! installed or copied binary has no checkout beside it, and the browser has no file system: both
//! open alive from these. They are named by paths under [`ROOT`], so everything that reads a file
//! through `fsio` reads a shipped one the same way, and a message names it as what it is.
//!
//! Measured (release build, 2026-12-07): 1,629,582 bytes of files (110 of them) make the binary
//! 1,667,152 bytes larger (1,644,416 stripped): 1% of its 160 MB.

use std::path::{Component, Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/shipped_files.rs"));

/// The first component of every shipped path. No folder on disk is called this (`<` and `>` are
/// not allowed in a Windows file name and unusual elsewhere), and in a message it says where the
/// file came from: `<shipped>/levels/05-acid.ron`.
pub const ROOT: &str = "<shipped>";

/// The shipped file or folder at `rel` (a path of the checkout: `assets/creatures`).
pub fn path(rel: &str) -> PathBuf {
    Path::new(ROOT).join(rel)
}

/// `p` as named in a file in folder `base`: relative to `base`, unless it is absolute or a shipped
/// path (`<shipped>/...`), which name the same file from anywhere.
pub fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() || is_shipped(p) { normalise(p) } else { normalise(&base.join(p)) }
}

/// Whether `p` names something among the shipped files (which may not exist).
pub fn is_shipped(p: &Path) -> bool {
    matches!(p.components().next(), Some(Component::Normal(c)) if c == ROOT)
}

/// `p` under [`ROOT`] as written in the list (`.` dropped, `..` taken back); `None` when `p` is
/// not a shipped path or climbs out of it.
fn relative(p: &Path) -> Option<String> {
    if !is_shipped(p) {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in p.components().skip(1) {
        match c {
            Component::Normal(s) => parts.push(s.to_str()?),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// A shipped path with its `.` and `..` resolved (a level names its creature relative to itself:
/// `<shipped>/levels/../assets/creatures/lizard.creature`); any other path as it is.
pub fn normalise(p: &Path) -> PathBuf {
    match relative(p) {
        Some(r) => path(&r),
        None => p.to_path_buf(),
    }
}

/// The bytes of a shipped file.
pub fn get(p: &Path) -> Option<&'static [u8]> {
    let r = relative(p)?;
    FILES.binary_search_by(|(k, _)| (*k).cmp(r.as_str())).ok().map(|i| FILES[i].1)
}

/// Whether `p` is a shipped folder (some shipped file lies under it).
pub fn is_dir(p: &Path) -> bool {
    relative(p).is_some_and(|r| {
        let prefix = if r.is_empty() { String::new() } else { format!("{r}/") };
        FILES.iter().any(|(k, _)| k.starts_with(&prefix))
    })
}

/// The shipped files directly in folder `dir` whose extension is `ext`, sorted by name.
pub fn list(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let Some(r) = relative(dir) else { return Vec::new() };
    let prefix = if r.is_empty() { String::new() } else { format!("{r}/") };
    FILES
        .iter()
        .filter_map(|(k, _)| k.strip_prefix(&prefix))
        .filter(|name| !name.contains('/') && Path::new(name).extension().is_some_and(|e| e == ext))
        .map(|name| dir.join(name))
        .collect()
}

/// How many files ship and their bytes together.
pub fn size() -> (usize, usize) {
    (FILES.len(), FILES.iter().map(|(_, b)| b.len()).sum())
}

/// The shipped creature or Distill model of this file name (`lizard.creature`,
/// `ex3_lizard.json`): what a level on disk that names a shipped creature by a path that does not
/// exist beside it gets instead.
pub fn creature_named(file_name: &str) -> Option<PathBuf> {
    ["assets/creatures", "assets/distill"].iter().map(|d| path(d).join(file_name)).find(|p| get(p).is_some())
}

/// The shipped folders the game and the command line read by default.
pub fn creatures() -> PathBuf {
    path("assets/creatures")
}
pub fn distill() -> PathBuf {
    path("assets/distill")
}
pub fn levels() -> PathBuf {
    path("levels")
}
pub fn zoo_manifest() -> PathBuf {
    path("assets/zoo.ron")
}
