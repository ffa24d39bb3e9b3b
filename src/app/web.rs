//! The game in a web browser (`tests/scripts/web_build.sh` builds the page): the same app in a
//! canvas, its files in the page's storage (`fsio::browser`), captures and trained creatures
//! saved as downloads, files dropped on the page handed to the library and the lab.
//!
//! The world steps on the host kernels (one thread: the browser gives wasm no threads without
//! cross-origin isolation) and WebGL2 draws it, as the desktop does on a software renderer.

use std::path::PathBuf;

use bevy::prelude::*;

use super::{PlayOptions, WorldOn};
use crate::world::WorldSize;

/// The data folder in the page's storage.
pub const DATA: &str = "/morphogen";

/// What the page shows and a test reads: which path the world took.
fn tell_page(what: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document())
        && let Some(el) = doc.get_element_by_id("morphogen-path")
    {
        el.set_text_content(Some(what));
    }
    web_sys::console::info_1(&format!("morphogen: {what}").into());
}

/// Starts the game in the page's canvas `#morphogen`; in the lab's worker, serves the page. With
/// `?script=URL` the page plays that script (`app::script`: what the tests drive it with); its
/// reports and pictures go to the page's storage, where the test reads them.
pub fn start() {
    if crate::lab::worker::in_worker() {
        crate::lab::worker::serve();
        return;
    }
    let script = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| {
            q.trim_start_matches('?').split('&').find_map(|kv| kv.strip_prefix("script=").map(str::to_string))
        })
        .map(|u| js_sys::decode_uri_component(&u).map(String::from).unwrap_or(u));
    match script {
        None => run(None),
        Some(url) => wasm_bindgen_futures::spawn_local(async move {
            match fetch_text(&url).await.and_then(|t| super::script::Script::parse(&t, std::path::Path::new("/"))) {
                Ok(s) => run(Some(s)),
                Err(e) => tell_page(&format!("script {url}: {e}")),
            }
        }),
    }
}

fn run(script: Option<super::script::Script>) {
    let mut opts = PlayOptions::new(WorldSize::new(256, 256, true).expect("a valid size"));
    opts.data_dir = PathBuf::from(DATA);
    opts.captures_dir = PathBuf::from(crate::fsio::browser::DOWNLOADS);
    tell_page("the world steps on the CPU (host kernels); WebGL2 draws it");
    super::build(opts, WorldOn::Cpu, script).run();
}

/// A text file from the site.
async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let fail = |e: wasm_bindgen::JsValue| format!("{url}: {e:?}");
    let w = web_sys::window().ok_or("no window")?;
    let resp: web_sys::Response =
        JsFuture::from(w.fetch_with_str(url)).await.map_err(fail)?.dyn_into().map_err(fail)?;
    if !resp.ok() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    let text = JsFuture::from(resp.text().map_err(fail)?).await.map_err(fail)?;
    text.as_string().ok_or_else(|| format!("{url}: not text"))
}

/// The window as a canvas of the page, sized by the page.
pub(super) fn window(w: Window) -> Window {
    Window { canvas: Some("#morphogen".into()), fit_canvas_to_parent: true, prevent_default_event_handling: true, ..w }
}
