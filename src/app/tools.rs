//! The mouse tools and the keyboard shortcuts. Positions become cells through the view's
//! mapping; the tool turns a press, a drag or a click into edits queued for the next step.

use bevy::prelude::*;

use super::library::{Library, plant, species_for};
use super::shell::{Notices, UiFocus};
use super::sim::{Clock, EditWorld, Sandbox};
use super::speed::Speed;
use super::view::ViewState;
use crate::rule::RuleBackend;
use crate::world::{EditOp, Shape, ViewMode, WorldSize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Tool {
    #[default]
    Eraser,
    Scalpel,
    Seed,
    Wall,
    Stamp,
    Rotate,
    /// Paints the selected creature's rule onto living cells: they keep their state and obey it.
    Graft,
}

impl Tool {
    pub const ALL: [(Tool, &'static str, KeyCode, &'static str); 7] = [
        (Tool::Eraser, "Eraser", KeyCode::KeyE, "E"),
        (Tool::Scalpel, "Scalpel", KeyCode::KeyC, "C"),
        (Tool::Seed, "Seed", KeyCode::KeyS, "S"),
        (Tool::Wall, "Wall", KeyCode::KeyW, "W"),
        (Tool::Stamp, "Stamp", KeyCode::KeyT, "T"),
        (Tool::Rotate, "Rotate", KeyCode::KeyR, "R"),
        (Tool::Graft, "Graft", KeyCode::KeyF, "F"),
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Stamp {
    /// The half of the world to the right of the cursor (as the paper's half cuts).
    #[default]
    Half,
    /// The paper's 16 x 16 square.
    Square,
    Ring,
}

#[derive(Resource, Debug, Clone)]
pub struct ToolSettings {
    pub tool: Tool,
    pub eraser_radius: f32,
    pub scalpel_width: f32,
    pub wall_radius: f32,
    pub stamp: Stamp,
    pub stamp_angle_deg: f32,
}

impl Default for ToolSettings {
    fn default() -> Self {
        Self {
            tool: Tool::Eraser,
            eraser_radius: 6.0,
            scalpel_width: 2.0,
            wall_radius: 1.5,
            stamp: Stamp::Half,
            stamp_angle_deg: 0.0,
        }
    }
}

/// Drag state between frames.
#[derive(Resource, Default, Debug)]
pub struct ToolDrag {
    /// Cell position where the current press started, and where it was last frame.
    pub start: Option<Vec2>,
    pub last: Option<Vec2>,
    /// The last press (when, in which of this system's frames, where), for double clicks.
    pub last_click: Option<(web_time::Instant, u64, Vec2)>,
    /// Frames this system has seen: on a slow machine the two presses of a double click arrive
    /// in one frame or in the next, whatever the clock says between frames.
    pub frame: u64,
}

/// Two presses this close in time (or in one frame or the next) and space are a double click:
/// it plants the selected creature.
const DOUBLE_CLICK: std::time::Duration = std::time::Duration::from_millis(400);
const DOUBLE_CLICK_CELLS: f32 = 3.0;

fn cells_of(shape: Shape, size: WorldSize, op: EditOp) -> Vec<(u32, EditOp)> {
    shape.cells(size).into_iter().map(|c| (c, op)).collect()
}

/// The shape a stamp makes at (x, y).
pub fn stamp_shape(stamp: Stamp, x: f32, y: f32, angle_deg: f32, size: WorldSize) -> Shape {
    match stamp {
        Stamp::Half => Shape::Half { x, y, side: angle_deg.to_radians(), reach: (size.width.max(size.height)) as f32 },
        Stamp::Square => Shape::Square { x, y, half: 8.0 },
        Stamp::Ring => Shape::Ring { x, y, r_in: 8.0, r_out: 12.0 },
    }
}

/// Edits of a drag segment from `from` to `to` (cell coordinates) with a painting tool.
pub fn stroke(
    tool: Tool,
    s: &ToolSettings,
    from: Vec2,
    to: Vec2,
    erase_walls: bool,
    size: WorldSize,
) -> Vec<(u32, EditOp)> {
    let line = |r: f32| Shape::Line { x0: from.x, y0: from.y, x1: to.x, y1: to.y, width: 2.0 * r };
    match tool {
        Tool::Eraser => cells_of(line(s.eraser_radius), size, EditOp::Erase),
        Tool::Wall => cells_of(line(s.wall_radius), size, if erase_walls { EditOp::WallOff } else { EditOp::WallOn }),
        _ => Vec::new(),
    }
}

/// Picks a library entry: it is what the seed tool (and a double click) plants.
pub fn pick(lib: &mut Library, tools: &mut ToolSettings, i: usize) {
    if i < lib.entries.len() {
        lib.selected = Some(i);
        tools.tool = Tool::Seed;
    }
}

/// Keys 1-9: the first nine creatures the library shows.
const DIGITS: [KeyCode; 9] = [
    KeyCode::Digit1,
    KeyCode::Digit2,
    KeyCode::Digit3,
    KeyCode::Digit4,
    KeyCode::Digit5,
    KeyCode::Digit6,
    KeyCode::Digit7,
    KeyCode::Digit8,
    KeyCode::Digit9,
];

backend_plugin!(ToolsPlugin);

impl<B: RuleBackend> Plugin for ToolsPlugin<B> {
    fn build(&self, app: &mut App) {
        app.init_resource::<ToolSettings>().init_resource::<ToolDrag>().add_systems(
            Update,
            (keyboard, mouse::<B>)
                .in_set(EditWorld)
                .after(super::view::ViewUpdate)
                .run_if(in_state(super::Scene::Sandbox)),
        );
    }
}

fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<UiFocus>,
    mut settings: ResMut<ToolSettings>,
    mut clock: ResMut<Clock>,
    mut capture: ResMut<super::capture::CaptureRequests>,
    mut lib: ResMut<Library>,
) {
    if focus.keyboard {
        return;
    }
    if let Some(k) = DIGITS.iter().position(|&d| keys.just_pressed(d))
        && let Some(&i) = lib.visible().get(k)
    {
        pick(&mut lib, &mut settings, i);
    }
    for (tool, _, key, _) in Tool::ALL {
        if keys.just_pressed(key) {
            settings.tool = tool;
        }
    }
    if keys.just_pressed(KeyCode::Space) {
        clock.paused = !clock.paused;
    }
    if keys.just_pressed(KeyCode::Period) {
        clock.paused = true;
        clock.step_once = true;
    }
    let level = clock.speed.level();
    if keys.just_pressed(KeyCode::Equal) || keys.just_pressed(KeyCode::NumpadAdd) {
        clock.speed = Speed::from_level(level + 1);
    }
    if keys.just_pressed(KeyCode::Minus) || keys.just_pressed(KeyCode::NumpadSubtract) {
        clock.speed = Speed::from_level(level.saturating_sub(1));
    }
    if keys.just_pressed(KeyCode::KeyV) {
        clock.view = match clock.view {
            ViewMode::Rgba => ViewMode::Alpha,
            ViewMode::Alpha => ViewMode::Channel(4),
            ViewMode::Channel(c) if c < 15 => ViewMode::Channel(c + 1),
            ViewMode::Channel(_) => ViewMode::Rgba,
        };
    }
    if keys.just_pressed(KeyCode::KeyP) || keys.just_pressed(KeyCode::F12) {
        capture.screenshot = true;
    }
    if keys.just_pressed(KeyCode::KeyG) {
        capture.toggle_recording = true;
    }
}

#[allow(clippy::too_many_arguments)]
fn mouse<B: RuleBackend>(
    windows: Query<&Window>,
    view: Option<Res<ViewState>>,
    buttons: Res<ButtonInput<MouseButton>>,
    mut button_events: MessageReader<bevy::input::mouse::MouseButtonInput>,
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<UiFocus>,
    settings: Res<ToolSettings>,
    mut drag: ResMut<ToolDrag>,
    sandbox: Option<ResMut<Sandbox<B>>>,
    lib: Res<Library>,
    mut notices: ResMut<Notices>,
) {
    // Presses counted from this frame's input messages, read every frame so none goes stale:
    // `just_pressed` says only that there was at least one.
    let presses = button_events
        .read()
        .filter(|e| e.button == MouseButton::Left && e.state == bevy::input::ButtonState::Pressed)
        .count();
    drag.frame += 1;
    let (Some(window), Some(view), Some(mut sandbox)) = (windows.iter().next(), view, sandbox) else { return };
    let Some(cursor) = window.cursor_position() else { return };
    let size = sandbox.world.size();
    let cell = view.window_to_cell(cursor, window.size(), size.width, size.height);
    if presses > 0 || buttons.just_pressed(MouseButton::Left) {
        if focus.pointer {
            return;
        }
        if pressed(&mut drag, presses, cell) && settings.tool != Tool::Seed {
            // A double click plants with any tool but the seed (whose single click already
            // plants), and does nothing else: an eraser would wipe the seed.
            plant_at(&mut sandbox, &lib, cell, &mut notices, "pick a creature in the library first");
            drag.start = None;
            drag.last = None;
            return;
        }
    }
    let Some(start) = drag.start else { return };
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    let at = Pointer { start, cell, shift };
    use_tool(&buttons, at, &settings, &mut drag, &mut sandbox, &lib, &mut notices);
    if buttons.just_released(MouseButton::Left) || !buttons.pressed(MouseButton::Left) {
        drag.start = None;
        drag.last = None;
    }
}

/// A press of the left button at `cell` (`presses` of them this frame) starts a drag; whether it
/// made a double click.
fn pressed(drag: &mut ToolDrag, presses: usize, cell: Vec2) -> bool {
    drag.start = Some(cell);
    drag.last = Some(cell);
    let (now, frame) = (web_time::Instant::now(), drag.frame);
    let double = presses >= 2
        || drag.last_click.is_some_and(|(t, f, at)| {
            (now - t < DOUBLE_CLICK || f + 1 >= frame) && at.distance(cell) < DOUBLE_CLICK_CELLS
        });
    drag.last_click = if double { None } else { Some((now, frame, cell)) };
    double
}

/// Plants the selected creature at `cell`, or says why not (`none`: with nothing selected).
fn plant_at<B: RuleBackend>(sb: &mut Sandbox<B>, lib: &Library, cell: Vec2, notices: &mut Notices, none: &str) {
    match lib.selected {
        Some(e) => {
            if let Err(msg) = plant(sb, lib, e, cell.x.floor() as i64, cell.y.floor() as i64) {
                notices.say(msg);
            }
        }
        None => notices.say(none),
    }
}

/// Where a drag is: where it started, the cell under the pointer now, and whether Shift is held.
#[derive(Clone, Copy)]
struct Pointer {
    start: Vec2,
    cell: Vec2,
    shift: bool,
}

/// What the chosen tool does with the drag this frame.
fn use_tool<B: RuleBackend>(
    buttons: &ButtonInput<MouseButton>,
    Pointer { start, cell, shift }: Pointer,
    settings: &ToolSettings,
    drag: &mut ToolDrag,
    sb: &mut Sandbox<B>,
    lib: &Library,
    notices: &mut Notices,
) {
    let size = sb.world.size();
    let held = buttons.pressed(MouseButton::Left) || buttons.just_released(MouseButton::Left);
    match settings.tool {
        Tool::Eraser | Tool::Wall => {
            if held {
                let from = drag.last.unwrap_or(cell);
                sb.pending.extend(stroke(settings.tool, settings, from, cell, shift, size));
                drag.last = Some(cell);
            }
        }
        Tool::Scalpel => {
            if buttons.just_released(MouseButton::Left) {
                let cut =
                    Shape::Line { x0: start.x, y0: start.y, x1: cell.x, y1: cell.y, width: settings.scalpel_width };
                sb.pending.extend(cells_of(cut, size, EditOp::Erase));
            }
        }
        Tool::Seed => {
            if buttons.just_pressed(MouseButton::Left) {
                let none = "pick a creature in the library first (or drop a creature file on the window)";
                plant_at(sb, lib, cell, notices, none);
            }
        }
        Tool::Stamp => {
            if buttons.just_pressed(MouseButton::Left) {
                let shape = stamp_shape(settings.stamp, cell.x, cell.y, settings.stamp_angle_deg, size);
                sb.pending.extend(cells_of(shape, size, EditOp::Erase));
            }
        }
        Tool::Graft => {
            if held && let Some(e) = lib.selected {
                match species_for(sb, lib, e) {
                    Ok(s) => {
                        let from = drag.last.unwrap_or(cell);
                        let width = 2.0 * settings.eraser_radius;
                        let line = Shape::Line { x0: from.x, y0: from.y, x1: cell.x, y1: cell.y, width };
                        sb.pending.extend(cells_of(line, size, EditOp::Graft(s)));
                    }
                    Err(msg) => notices.say(msg),
                }
                drag.last = Some(cell);
            }
        }
        Tool::Rotate => {
            if buttons.pressed(MouseButton::Left)
                && let Some(last) = drag.last
                && let Some(e) = lib.selected.and_then(|e| lib.entries.get(e))
                && let Some(s) = sb.world.find_species(&e.name)
            {
                // Half a degree per cell dragged to the right.
                let a = sb.world.species()[s].angle + (cell.x - last.x) * 0.5f32.to_radians();
                sb.world.set_angle(s, a);
            }
            drag.last = Some(cell);
        }
    }
}
