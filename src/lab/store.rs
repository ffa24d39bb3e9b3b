//! Where the lab keeps things in the user's data folder: `lab/` holds one checkpoint per
//! unfinished training (queued ones included, at iteration 0), `creatures/` the results.

use std::path::{Path, PathBuf};

use crate::train::checkpoint::{Checkpoint, Summary};

pub fn lab_dir(data: &Path) -> PathBuf {
    data.join("lab")
}

pub fn creatures_dir(data: &Path) -> PathBuf {
    data.join("creatures")
}

/// A file-name-safe form of a creature name.
pub fn slug(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    let s = s.trim_matches('_').to_string();
    if s.is_empty() { "creature".into() } else { s.chars().take(64).collect() }
}

/// A checkpoint path for a new training of `name`, unique in the lab folder.
pub fn new_checkpoint_path(data: &Path, name: &str) -> PathBuf {
    let stamp = web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let dir = lab_dir(data);
    let mut k = 0;
    loop {
        let p =
            dir.join(format!("{}-{stamp}{}.ckpt", slug(name), if k == 0 { String::new() } else { format!("-{k}") }));
        if !p.exists() {
            return p;
        }
        k += 1;
    }
}

/// Where a finished creature goes: `creatures/<name>.creature`, or with " 2", " 3"... added to
/// the name when that file exists, so a result never overwrites an earlier one.
pub fn result_path(data: &Path, name: &str) -> (String, PathBuf) {
    let dir = creatures_dir(data);
    let mut k = 1;
    loop {
        let n = if k == 1 { name.to_string() } else { format!("{name} {k}") };
        let p = dir.join(format!("{}.creature", slug(&n)));
        if !p.exists() {
            return (n, p);
        }
        k += 1;
    }
}

/// An unfinished training found in the lab folder.
#[derive(Clone, Debug)]
pub struct Unfinished {
    pub path: PathBuf,
    pub summary: Summary,
}

/// Every readable checkpoint in the lab folder, oldest first; unreadable ones are reported.
pub fn unfinished(data: &Path) -> (Vec<Unfinished>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let Ok(mut paths) = crate::fsio::list(&lab_dir(data), "ckpt") else { return (found, problems) };
    paths.sort_by_key(|p| crate::fsio::stamp(p).and_then(|s| s.0));
    for path in paths {
        match Checkpoint::peek(&path) {
            Ok(summary) => found.push(Unfinished { path, summary }),
            Err(e) => problems.push(format!("skipped unreadable training {e}")),
        }
    }
    (found, problems)
}
