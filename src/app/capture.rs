//! Screenshots of the window and GIF recordings of the world, into the user's pictures folder
//! (or the data folder), written atomically, with the path shown.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};

use super::shell::Notices;
use super::sim::{Clock, Sandbox};
use crate::rule::RuleBackend;

pub use crate::fsio::write_png;

/// `$XDG_PICTURES_DIR/morphogen`, else `~/Pictures/morphogen`, else the data folder's captures.
pub fn default_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("XDG_PICTURES_DIR") {
        return PathBuf::from(p).join("morphogen");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    let pictures = home.join("Pictures");
    if pictures.is_dir() { pictures.join("morphogen") } else { data_dir().join("captures") }
}

pub use crate::fsio::data_dir;

/// What the keyboard, the UI and scripts ask of this plugin.
#[derive(Resource, Default)]
pub struct CaptureRequests {
    pub screenshot: bool,
    /// A path for the next window screenshot (scripts); otherwise a timestamped name.
    pub screenshot_path: Option<PathBuf>,
    pub toggle_recording: bool,
    pub recording: Option<Recording>,
    /// Captures still being written; a script waits for zero before it quits.
    pub in_flight: Arc<AtomicUsize>,
    /// Outcomes of finished captures, for the notices.
    pub done: Arc<std::sync::Mutex<Vec<String>>>,
}

pub struct Recording {
    pub frames: Vec<Vec<u8>>,
    pub every: u64,
    pub last_step: u64,
}

/// Longest recording kept, in frames.
const MAX_GIF_FRAMES: usize = 600;

backend_plugin!(CapturePlugin);

impl<B: RuleBackend> Plugin for CapturePlugin<B> {
    fn build(&self, app: &mut App) {
        app.init_resource::<CaptureRequests>()
            .add_systems(Update, (take_screenshots, record::<B>, report).after(super::sim::StepWorld));
    }
}

/// Runs `f` off the game's thread where there are threads (the desktop); in the browser, now.
fn detached(f: impl FnOnce() + Send + 'static) {
    #[cfg(not(target_arch = "wasm32"))]
    std::thread::spawn(f);
    #[cfg(target_arch = "wasm32")]
    f();
}

fn stamp_name(ext: &str) -> String {
    let t = web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    format!("morphogen-{t}.{ext}")
}

fn take_screenshots(mut commands: Commands, mut req: ResMut<CaptureRequests>, opts: Res<super::PlayOptions>) {
    if !req.screenshot {
        return;
    }
    req.screenshot = false;
    let path = req.screenshot_path.take().unwrap_or_else(|| opts.captures_dir.join(stamp_name("png")));
    let in_flight = req.in_flight.clone();
    let done = req.done.clone();
    in_flight.fetch_add(1, Ordering::SeqCst);
    commands.spawn(Screenshot::primary_window()).observe(move |ev: On<ScreenshotCaptured>| {
        let img = &ev.image;
        let outcome = match img.clone().try_into_dynamic() {
            Ok(d) => {
                let rgba = d.to_rgba8();
                write_png(&path, rgba.width(), rgba.height(), rgba.as_raw())
                    .map(|_| format!("screenshot saved to {}", path.display()))
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(format!("screenshot: {e}")),
        };
        done.lock().unwrap().push(outcome.unwrap_or_else(|e| format!("screenshot not saved: {e}")));
        in_flight.fetch_sub(1, Ordering::SeqCst);
    });
}

fn record<B: RuleBackend>(
    mut req: ResMut<CaptureRequests>,
    sandbox: Option<ResMut<Sandbox<B>>>,
    clock: Res<Clock>,
    opts: Res<super::PlayOptions>,
    mut notices: ResMut<Notices>,
) {
    let Some(mut sandbox) = sandbox else { return };
    if std::mem::take(&mut req.toggle_recording) {
        match req.recording.take() {
            None => {
                req.recording = Some(Recording { frames: Vec::new(), every: 2, last_step: 0 });
                notices.say("recording: press G again to stop");
            }
            Some(rec) => {
                let size = sandbox.world.size();
                let path = opts.captures_dir.join(stamp_name("gif"));
                let (in_flight, done) = (req.in_flight.clone(), req.done.clone());
                in_flight.fetch_add(1, Ordering::SeqCst);
                notices.say(format!("writing {} frames to {}", rec.frames.len(), path.display()));
                detached(move || {
                    let r = write_gif(&path, size.width as u32, size.height as u32, &rec.frames);
                    done.lock().unwrap().push(
                        r.map(|_| format!("recording saved to {}", path.display()))
                            .unwrap_or_else(|e| format!("recording not saved: {e}")),
                    );
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                });
            }
        }
    }
    let view = clock.view;
    if let Some(rec) = req.recording.as_mut() {
        let steps = sandbox.world.steps();
        if steps >= rec.last_step + rec.every && rec.frames.len() < MAX_GIF_FRAMES {
            rec.last_step = steps;
            let frame = sandbox.world.snapshot(view);
            rec.frames.push(frame);
        }
    }
}

/// Encodes RGBA8 frames as an endless GIF at 25 frames per second.
pub fn write_gif(path: &Path, w: u32, h: u32, frames: &[Vec<u8>]) -> Result<(), String> {
    use image::codecs::gif::{GifEncoder, Repeat};
    let mut bytes = Vec::new();
    {
        let mut enc = GifEncoder::new_with_speed(&mut bytes, 10);
        enc.set_repeat(Repeat::Infinite).map_err(|e| e.to_string())?;
        for f in frames {
            let buf = image::RgbaImage::from_raw(w, h, f.clone()).ok_or("frame size")?;
            let frame = image::Frame::from_parts(buf, 0, 0, image::Delay::from_numer_denom_ms(40, 1));
            enc.encode_frame(frame).map_err(|e| e.to_string())?;
        }
    }
    if let Some(dir) = path.parent() {
        crate::fsio::create_dir_all(dir)?;
    }
    // The error names the file already.
    Ok(crate::fsio::write_atomic(path, &bytes)?)
}

fn report(req: Res<CaptureRequests>, mut notices: ResMut<Notices>) {
    let msgs: Vec<String> = std::mem::take(&mut *req.done.lock().unwrap());
    for m in msgs {
        notices.say(m);
    }
}
