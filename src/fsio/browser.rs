//! Files in the browser, which has no file system: a map of path to bytes in memory, kept in the
//! page's `localStorage` (base64, one key per file under [`PREFIX`]) so that the player's
//! creatures, settings, results, thumbnails and the lab's checkpoints survive a reload. Read
//! synchronously like a disk (the game reads files in the middle of a frame), and loaded from
//! storage once, on first use. A worker (the lab's training) has no `localStorage`: its writes go
//! to the sink it installs (`set_sink`), which posts them to the page.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;

use super::{FileError, FileProblem};

/// The keys of our files in `localStorage`.
pub const PREFIX: &str = "morphogen:";

/// Where a write goes besides memory: `Some(bytes)` written, `None` removed.
pub type Sink = fn(&Path, Option<&[u8]>);

#[derive(Default)]
struct Store {
    files: BTreeMap<PathBuf, Vec<u8>>,
    loaded: bool,
    sink: Option<Sink>,
}

thread_local! {
    static STORE: RefCell<Store> = RefCell::new(Store::default());
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn with<R>(f: impl FnOnce(&mut Store) -> R) -> R {
    STORE.with(|s| {
        let mut s = s.borrow_mut();
        if !s.loaded {
            s.loaded = true;
            if let Some(st) = storage() {
                let n = st.length().unwrap_or(0);
                for i in 0..n {
                    let Ok(Some(key)) = st.key(i) else { continue };
                    let Some(path) = key.strip_prefix(PREFIX) else { continue };
                    if let Ok(Some(v)) = st.get_item(&key)
                        && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(v)
                    {
                        s.files.insert(PathBuf::from(path), bytes);
                    }
                }
            }
        }
        f(&mut s)
    })
}

/// Sends every later write to `sink` instead of `localStorage` (a worker's store).
pub fn set_sink(sink: Sink) {
    with(|s| s.sink = Some(sink));
}

/// Puts a file in memory without writing it anywhere (what a worker is handed, a dropped file).
pub fn preload(path: &Path, bytes: Vec<u8>) {
    with(|s| s.files.insert(path.to_path_buf(), bytes));
}

pub fn read(path: &Path) -> Option<Vec<u8>> {
    with(|s| s.files.get(path).cloned())
}

pub fn len(path: &Path) -> Option<u64> {
    with(|s| s.files.get(path).map(|b| b.len() as u64))
}

pub fn is_dir(path: &Path) -> bool {
    with(|s| s.files.keys().any(|k| k.starts_with(path) && k != path))
}

/// Files written under this folder are handed to the browser as downloads (screenshots, GIFs, a
/// creature to keep), not stored.
pub const DOWNLOADS: &str = "/downloads";

/// Hands `bytes` to the browser as a download named `name`.
fn download(path: &Path, name: &str, bytes: &[u8]) -> Result<(), FileError> {
    use wasm_bindgen::JsCast;
    let fail = |what: &'static str| FileError::new(path, FileProblem::Download(what));
    let doc = web_sys::window().and_then(|w| w.document()).ok_or_else(|| fail("no document"))?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|_| fail("blob"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| fail("url"))?;
    let a: web_sys::HtmlAnchorElement =
        doc.create_element("a").map_err(|_| fail("link"))?.dyn_into().map_err(|_| fail("link"))?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Writes a file; an error when the browser's storage is full (the file stays in memory for this
/// visit, and the message says it will not survive a reload).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    if path.starts_with(DOWNLOADS) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "morphogen".into());
        return download(path, &name, bytes);
    }
    let sink = with(|s| {
        s.files.insert(path.to_path_buf(), bytes.to_vec());
        s.sink
    });
    if let Some(sink) = sink {
        sink(path, Some(bytes));
        return Ok(());
    }
    let Some(st) = storage() else { return Ok(()) };
    let value = base64::engine::general_purpose::STANDARD.encode(bytes);
    st.set_item(&format!("{PREFIX}{}", path.display()), &value)
        .map_err(|_| FileError::new(path, FileProblem::StorageFull { kb: value.len() / 1024 }))
}

pub fn remove(path: &Path) -> bool {
    let (had, sink) = with(|s| (s.files.remove(path).is_some(), s.sink));
    if let Some(sink) = sink {
        sink(path, None);
    } else if let Some(st) = storage() {
        let _ = st.remove_item(&format!("{PREFIX}{}", path.display()));
    }
    had
}

/// The files directly in `dir`, sorted.
pub fn list(dir: &Path) -> Vec<PathBuf> {
    with(|s| s.files.keys().filter(|k| k.parent() == Some(dir)).cloned().collect())
}
