//! The camera over the world: wheel zooms about the cursor, middle or right drag pans, and the
//! mapping from a window position to a world cell that every tool uses.

use bevy::input::mouse::AccumulatedMouseMotion;
use bevy::input::mouse::AccumulatedMouseScroll;
use bevy::prelude::*;

/// Where the camera looks and how far it is zoomed: world units (cells) per window pixel.
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct ViewState {
    /// Camera position in world units (the world's centre is the origin, y up).
    pub center: Vec2,
    pub scale: f32,
}

impl Default for ViewState {
    fn default() -> Self {
        Self { center: Vec2::ZERO, scale: 0.25 }
    }
}

impl ViewState {
    /// The world point under a window position (pixels from the top left).
    pub fn window_to_world(&self, cursor: Vec2, window: Vec2) -> Vec2 {
        let d = cursor - window / 2.0;
        self.center + Vec2::new(d.x, -d.y) * self.scale
    }
    /// The cell coordinates (x right, y down, fractional) under a window position, for a world
    /// of `w` x `h` cells drawn centred on the origin.
    pub fn window_to_cell(&self, cursor: Vec2, window: Vec2, w: usize, h: usize) -> Vec2 {
        let p = self.window_to_world(cursor, window);
        Vec2::new(p.x + w as f32 / 2.0, h as f32 / 2.0 - p.y)
    }
    /// Zooms by `factor` keeping the world point under `cursor` where it is.
    pub fn zoom_about(&mut self, factor: f32, cursor: Vec2, window: Vec2) {
        let before = self.window_to_world(cursor, window);
        self.scale = (self.scale * factor).clamp(1.0 / 64.0, 16.0);
        let after = self.window_to_world(cursor, window);
        self.center += before - after;
    }
    /// Fits a world of `w` x `h` cells into the window, at a whole zoom when it is magnified.
    pub fn fit(w: usize, h: usize, window: Vec2) -> Self {
        let s = (w as f32 / window.x).max(h as f32 / window.y) * 1.1;
        let s = if s < 1.0 { 1.0 / (1.0 / s).floor() } else { s };
        Self { center: Vec2::ZERO, scale: s }
    }
}

pub struct ViewPlugin;

/// The camera's systems; tools run after them so that they map the cursor with this frame's view.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ViewUpdate;

impl Plugin for ViewPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, spawn_camera)
            .add_systems(Update, (zoom_and_pan, apply_view).chain().in_set(ViewUpdate).in_set(super::sim::EditWorld));
    }
}

fn spawn_camera(mut commands: Commands, opts: Res<super::PlayOptions>, windows: Query<&Window>) {
    // No multisampling: the world is one axis-aligned sprite drawn with nearest sampling, so four
    // samples a pixel change nothing on screen, and on a software renderer (lavapipe) they were
    // the larger part of a frame.
    commands.spawn((Camera2d, Msaa::Off));
    let size = windows.iter().next().map(|w| w.size()).unwrap_or(Vec2::new(1280.0, 800.0));
    // The side panel covers the left 300 pixels: centre the world in the rest.
    let mut v = ViewState::fit(opts.size.width, opts.size.height, size - Vec2::new(300.0, 0.0));
    v.center.x -= 150.0 * v.scale;
    commands.insert_resource(v);
}

fn zoom_and_pan(
    mut view: ResMut<ViewState>,
    scroll: Res<AccumulatedMouseScroll>,
    motion: Res<AccumulatedMouseMotion>,
    buttons: Res<ButtonInput<MouseButton>>,
    windows: Query<&Window>,
    focus: Res<super::shell::UiFocus>,
) {
    let Some(window) = windows.iter().next() else { return };
    if focus.pointer {
        return;
    }
    if let Some(cursor) = window.cursor_position()
        && scroll.delta.y != 0.0
    {
        let factor = 0.85f32.powf(scroll.delta.y.clamp(-5.0, 5.0));
        view.zoom_about(factor, cursor, window.size());
    }
    if buttons.pressed(MouseButton::Middle) || buttons.pressed(MouseButton::Right) {
        let s = view.scale;
        view.center += Vec2::new(-motion.delta.x, motion.delta.y) * s;
    }
}

fn apply_view(view: Res<ViewState>, mut cams: Query<(&mut Transform, &mut Projection), With<Camera2d>>) {
    for (mut t, mut p) in &mut cams {
        t.translation.x = view.center.x;
        t.translation.y = view.center.y;
        if let Projection::Orthographic(o) = &mut *p {
            o.scale = view.scale;
        }
    }
}
