//! Files from the page in the browser, which hands a program bytes, never paths: files dropped on
//! the page and those chosen with the page's file chooser are read into the page's storage under
//! `/dropped/` (`fsio::browser`) and delivered as Bevy's `FileDragAndDrop`, so the library and the
//! lab take them as they take a file dropped on the desktop's window.

use std::cell::RefCell;
use std::path::PathBuf;

use bevy::prelude::*;
use bevy::window::{FileDragAndDrop, PrimaryWindow};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Where files handed over by the page are kept.
const DROPPED: &str = "/dropped";

thread_local! {
    /// Files read and waiting for the next frame.
    static ARRIVED: RefCell<Vec<PathBuf>> = const { RefCell::new(Vec::new()) };
}

/// Reads each file (the browser does it asynchronously) and queues it for the game.
fn take_files(files: web_sys::FileList) {
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        wasm_bindgen_futures::spawn_local(async move {
            let Ok(buf) = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await else { return };
            let path = PathBuf::from(DROPPED).join(file.name());
            crate::fsio::browser::preload(&path, js_sys::Uint8Array::new(&buf).to_vec());
            ARRIVED.with(|a| a.borrow_mut().push(path));
        });
    }
}

/// Opens the page's file chooser; what is chosen arrives as a drop.
pub fn pick_file() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(input) = doc.create_element("input") else { return };
    let Ok(input) = input.dyn_into::<web_sys::HtmlInputElement>() else { return };
    input.set_type("file");
    input.set_accept("image/*,.creature,.json");
    let chosen = input.clone();
    let on_change = Closure::<dyn FnMut()>::new(move || {
        if let Some(files) = chosen.files() {
            take_files(files);
        }
    });
    input.set_onchange(Some(on_change.as_ref().unchecked_ref()));
    on_change.forget();
    input.click();
}

/// Listens for files dropped anywhere on the page.
fn listen() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let over = Closure::<dyn FnMut(web_sys::DragEvent)>::new(|e: web_sys::DragEvent| e.prevent_default());
    let drop = Closure::<dyn FnMut(web_sys::DragEvent)>::new(|e: web_sys::DragEvent| {
        e.prevent_default();
        if let Some(files) = e.data_transfer().and_then(|d| d.files()) {
            take_files(files);
        }
    });
    let _ = doc.add_event_listener_with_callback("dragover", over.as_ref().unchecked_ref());
    let _ = doc.add_event_listener_with_callback("drop", drop.as_ref().unchecked_ref());
    over.forget();
    drop.forget();
}

fn deliver(mut drops: MessageWriter<FileDragAndDrop>, window: Query<Entity, With<PrimaryWindow>>) {
    let Ok(window) = window.single() else { return };
    for path_buf in ARRIVED.with(|a| std::mem::take(&mut *a.borrow_mut())) {
        drops.write(FileDragAndDrop::DroppedFile { window, path_buf });
    }
}

pub struct BrowserFilesPlugin;

impl Plugin for BrowserFilesPlugin {
    fn build(&self, app: &mut App) {
        listen();
        app.add_systems(PreUpdate, deliver);
    }
}
