//! File reads with a size limit and writes that never leave a half-written file behind, nor
//! replace something that is not ours. Reads and listings serve the files built into the binary
//! (`crate::shipped`, paths under `<shipped>/`) as they serve files on disk; in the browser, the
//! disk is the page's storage (`browser`). Everything the library reads or writes goes through
//! here.

#[cfg(target_arch = "wasm32")]
pub mod browser;
mod error;

pub use error::{FileError, FileProblem};

#[cfg(not(target_arch = "wasm32"))]
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::{limits, shipped};

/// Where a write to `path` lands: `path` itself, or the file a symbolic link at `path` points to
/// (the link stays a link). Anything but a regular file (a device, a folder, a pipe, a socket) is
/// refused: an atomic write renames a new file over its target, and renaming over `/dev/full` as
/// root would replace the device node with a plain file.
pub fn write_target(path: &Path) -> Result<PathBuf, FileError> {
    if shipped::is_shipped(path) {
        return Err(FileError::new(path, FileProblem::Shipped));
    }
    if cfg!(target_arch = "wasm32") {
        return Ok(path.to_path_buf());
    }
    let what = |m: &std::fs::Metadata| {
        let t = m.file_type();
        if t.is_dir() {
            "a folder"
        } else {
            #[cfg(unix)]
            {
                use std::os::unix::fs::FileTypeExt;
                if t.is_block_device() || t.is_char_device() {
                    return "a device";
                }
                if t.is_fifo() {
                    return "a named pipe";
                }
                if t.is_socket() {
                    return "a socket";
                }
            }
            "not a regular file"
        }
    };
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(path.to_path_buf()),
        Err(e) => Err(FileError::io(path, e)),
        Ok(m) if m.file_type().is_symlink() => {
            let real = std::fs::canonicalize(path).map_err(|e| FileError::new(path, FileProblem::BrokenLink(e)))?;
            match std::fs::metadata(&real) {
                Ok(m) if m.is_file() => Ok(real),
                Ok(m) => Err(FileError::new(path, FileProblem::LinksTo { what: what(&m), real })),
                Err(e) => Err(FileError::io(&real, e)),
            }
        }
        Ok(m) if m.is_file() => Ok(path.to_path_buf()),
        Ok(m) => Err(FileError::new(path, FileProblem::NotRegular { what: what(&m) })),
    }
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it over
/// `path`. A crash, a kill or a full disk leaves the old file (or none) intact, never a torn one.
/// A link is followed (its target is replaced); a device, folder or pipe is refused.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let target = write_target(path)?;
    #[cfg(target_arch = "wasm32")]
    return browser::write(&target, bytes);
    #[cfg(not(target_arch = "wasm32"))]
    write_file_atomic(path, &target, bytes)
}

#[cfg(not(target_arch = "wasm32"))]
fn write_file_atomic(path: &Path, target: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = target.file_name().ok_or_else(|| FileError::new(path, FileProblem::Folder { wanted: "file".into() }))?;
    let tmp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, target)?;
        // Make the rename itself durable; not every filesystem supports syncing a directory.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        FileError::new(path, FileProblem::Write(e))
    })
}

/// Fails unless a file can be written at `path` now: its folder exists and takes a new file, and
/// `path` is not something [`write_atomic`] refuses. For long jobs (a training) that write their
/// result at the end: they fail before the work, not after.
pub fn check_writable(path: &Path) -> Result<(), FileError> {
    let target = write_target(path)?;
    if cfg!(target_arch = "wasm32") {
        return Ok(());
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(FileError::new(path, FileProblem::NoFolder { folder: dir.to_path_buf() }));
    }
    let probe = dir.join(format!(".morphogen-probe-{}", std::process::id()));
    std::fs::File::create(&probe)
        .map_err(|io| FileError::new(path, FileProblem::FolderRefuses { folder: dir.to_path_buf(), io }))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The length of a file, refused before it is read when it is over `limit` bytes.
fn checked_len(path: &Path, what: &str, limit: u64) -> Result<u64, FileError> {
    let len = if let Some(b) = shipped::get(path) {
        b.len() as u64
    } else if shipped::is_shipped(path) {
        return Err(FileError::new(path, FileProblem::NotShipped { folder: false }));
    } else {
        #[cfg(target_arch = "wasm32")]
        let len = match browser::len(path) {
            Some(n) => n,
            None if browser::is_dir(path) => {
                return Err(FileError::new(path, FileProblem::Folder { wanted: what.into() }));
            }
            None => return Err(FileError::new(path, FileProblem::Missing { folder: false })),
        };
        #[cfg(not(target_arch = "wasm32"))]
        let len = {
            let m = std::fs::metadata(path).map_err(|e| FileError::io(path, e))?;
            if m.is_dir() {
                return Err(FileError::new(path, FileProblem::Folder { wanted: what.into() }));
            }
            m.len()
        };
        len
    };
    if len > limit {
        return Err(FileError::new(path, FileProblem::TooLarge { len: Some(len), limit, wanted: what.into() }));
    }
    Ok(len)
}

/// Reads a whole file of at most `limit` bytes, naming it in the error. The length is checked
/// before anything is allocated, and the read stops at the limit whatever the file claims.
pub fn read_limited(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>, FileError> {
    let len = checked_len(path, what, limit)?;
    if let Some(bytes) = shipped::get(path) {
        return Ok(bytes.to_vec());
    }
    #[cfg(target_arch = "wasm32")]
    return read(path).map(|b| b[..len as usize].to_vec());
    #[cfg(not(target_arch = "wasm32"))]
    {
        let f = std::fs::File::open(path).map_err(|e| FileError::io(path, e))?;
        let mut out = Vec::with_capacity(len as usize);
        f.take(limit + 1).read_to_end(&mut out).map_err(|e| FileError::io(path, e))?;
        if out.len() as u64 > limit {
            return Err(FileError::new(path, FileProblem::TooLarge { len: None, limit, wanted: what.into() }));
        }
        Ok(out)
    }
}

/// Reads a whole file (no limit beyond the memory: for files this program wrote itself).
pub fn read(path: &Path) -> Result<Vec<u8>, FileError> {
    if let Some(bytes) = shipped::get(path) {
        return Ok(bytes.to_vec());
    }
    #[cfg(target_arch = "wasm32")]
    return browser::read(path).ok_or_else(|| FileError::new(path, FileProblem::Missing { folder: false }));
    #[cfg(not(target_arch = "wasm32"))]
    std::fs::read(path).map_err(|e| FileError::io(path, e))
}

/// A file to read from its start: for readers that look at a header before deciding to read on
/// (in the browser, the file is in memory already).
pub fn open(path: &Path) -> Result<Box<dyn std::io::Read>, FileError> {
    if let Some(bytes) = shipped::get(path) {
        return Ok(Box::new(bytes));
    }
    #[cfg(target_arch = "wasm32")]
    return Ok(Box::new(std::io::Cursor::new(read(path)?)));
    #[cfg(not(target_arch = "wasm32"))]
    Ok(Box::new(std::fs::File::open(path).map_err(|e| FileError::io(path, e))?))
}

/// Makes a folder and those above it (nothing to make in the browser's storage).
pub fn create_dir_all(dir: &Path) -> Result<(), FileError> {
    if cfg!(target_arch = "wasm32") || dir.as_os_str().is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| FileError::io(dir, e))
}

/// Removes a file; whether there was one.
pub fn remove(path: &Path) -> Result<bool, FileError> {
    #[cfg(target_arch = "wasm32")]
    return Ok(browser::remove(path));
    #[cfg(not(target_arch = "wasm32"))]
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FileError::io(path, e)),
    }
}

/// Renames a file (over any file at `to`).
pub fn rename(from: &Path, to: &Path) -> Result<(), FileError> {
    #[cfg(target_arch = "wasm32")]
    {
        write_atomic(to, &read(from)?)?;
        browser::remove(from);
        Ok(())
    }
    #[cfg(not(target_arch = "wasm32"))]
    std::fs::rename(from, to).map_err(|e| FileError::io(from, e))
}

/// What tells that a file changed: its modification time (none in the browser) and its length.
pub fn stamp(path: &Path) -> Option<(Option<std::time::SystemTime>, u64)> {
    if let Some(b) = shipped::get(path) {
        return Some((None, b.len() as u64));
    }
    #[cfg(target_arch = "wasm32")]
    return browser::len(path).map(|n| (None, n));
    #[cfg(not(target_arch = "wasm32"))]
    std::fs::metadata(path).ok().map(|m| (m.modified().ok(), m.len()))
}

/// Whether a file is at `path`, on disk or among the shipped files.
pub fn exists(path: &Path) -> bool {
    if shipped::is_shipped(path) {
        return shipped::get(path).is_some();
    }
    #[cfg(target_arch = "wasm32")]
    return browser::len(path).is_some();
    #[cfg(not(target_arch = "wasm32"))]
    path.is_file()
}

/// Whether `path` is a folder, on disk or among the shipped files.
pub fn is_dir(path: &Path) -> bool {
    if shipped::is_shipped(path) {
        return shipped::is_dir(path);
    }
    #[cfg(target_arch = "wasm32")]
    return browser::is_dir(path);
    #[cfg(not(target_arch = "wasm32"))]
    path.is_dir()
}

/// The files directly in folder `dir` whose extension is `ext`, sorted by name; a shipped folder
/// lists its shipped files. A folder that cannot be read is an error that names it.
pub fn list(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, FileError> {
    let kind = |p: &PathBuf| p.extension().is_some_and(|e| e == ext);
    if shipped::is_shipped(dir) {
        return if shipped::is_dir(dir) {
            Ok(shipped::list(dir, ext))
        } else {
            Err(FileError::new(dir, FileProblem::NotShipped { folder: true }))
        };
    }
    #[cfg(target_arch = "wasm32")]
    return if browser::is_dir(dir) {
        Ok(browser::list(dir).into_iter().filter(kind).collect())
    } else {
        Err(FileError::new(dir, FileProblem::Missing { folder: true }))
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        let read = std::fs::read_dir(dir).map_err(|e| FileError::io(dir, e))?;
        let mut v: Vec<PathBuf> =
            read.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file() && kind(p)).collect();
        v.sort();
        Ok(v)
    }
}

/// Reads a text file (a level, a script, a config, a manifest, a Distill model): at most
/// [`limits::MAX_TEXT_FILE`] bytes of UTF-8, without the byte-order mark some editors write.
pub fn read_text(path: &Path, what: &str) -> Result<String, FileError> {
    let bytes = read_limited(path, what, limits::MAX_TEXT_FILE)?;
    let text = String::from_utf8(bytes).map_err(|e| FileError::new(path, FileProblem::NotText(e)))?;
    Ok(strip_bom(&text).to_string())
}

/// The text without a leading UTF-8 byte-order mark.
pub fn strip_bom(s: &str) -> &str {
    s.strip_prefix('\u{feff}').unwrap_or(s)
}

/// Writes an RGBA8 image as PNG, atomically.
pub fn write_png(path: &Path, w: u32, h: u32, rgba: &[u8]) -> Result<(), FileError> {
    write_target(path)?;
    if let Some(dir) = path.parent() {
        create_dir_all(dir)?;
    }
    let mut bytes = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut bytes),
        rgba,
        w,
        h,
        image::ExtendedColorType::Rgba8,
    )
    .map_err(|e| FileError::new(path, FileProblem::Encode(e.to_string())))?;
    write_atomic(path, &bytes)
}

/// Where the program keeps the user's files (settings, saves, the lab's jobs, the tuning cache):
/// `$XDG_DATA_HOME/morphogen`, else `~/.local/share/morphogen`.
pub fn data_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(p).join("morphogen");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/morphogen")
}

/// Reads a JSON file the program keeps for the user (settings, results). A missing file is the
/// default; an unreadable one is renamed aside (`NAME.corrupt-PID.json`, so that nothing writes
/// over it) and the message says so, and the program carries on from the default.
pub fn load_json_or_set_aside<T: serde::de::DeserializeOwned + Default>(path: &Path) -> (T, Option<String>) {
    if !exists(path) && !is_dir(path) {
        return (T::default(), None);
    }
    let bytes = match read(path) {
        Ok(b) => b,
        Err(e) => return (T::default(), Some(format!("{e}; it will not be written over"))),
    };
    let text = String::from_utf8_lossy(&bytes);
    match serde_json::from_str(strip_bom(&text)) {
        Ok(v) => (v, None),
        Err(e) => {
            let aside = path.with_extension(format!("corrupt-{}.json", std::process::id()));
            let msg = if rename(path, &aside).is_ok() {
                format!("{} was unreadable ({e}); kept as {} and started afresh", path.display(), aside.display())
            } else {
                format!("{} is unreadable ({e})", path.display())
            };
            (T::default(), Some(msg))
        }
    }
}
