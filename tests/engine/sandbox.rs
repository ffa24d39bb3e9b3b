//! The game's systems on the CPU backend, without a window or a GPU: scripts run in order and
//! exactly, tools hit the cells under the cursor at any zoom and pan.

use bevy::input::ButtonState;
use bevy::input::mouse::MouseButtonInput;
use bevy::prelude::*;
use bevy::window::FileDragAndDrop;
use morphogen::app::PlayOptions;
use morphogen::app::capture::CaptureRequests;
use morphogen::app::library::{Library, LibraryPlugin};
use morphogen::app::script::{Script, ScriptPlugin};
use morphogen::app::shell::{Notices, UiFocus};
use morphogen::app::sim::{BackendDevice, Sandbox, SimPlugin};
use morphogen::app::tools::{Tool, ToolSettings, ToolsPlugin};
use morphogen::app::view::ViewState;
use morphogen::creature::{Creature, CreatureMeta};
use morphogen::nca::{ModelSpec, NcaConfig};
use morphogen::world::WorldSize;

use crate::common::*;

fn headless(size: WorldSize, dir: &std::path::Path) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, bevy::input::InputPlugin, bevy::state::app::StatesPlugin));
    app.init_state::<morphogen::app::Scene>();
    app.add_message::<FileDragAndDrop>();
    let mut opts = PlayOptions::new(size);
    opts.library = vec![dir.to_path_buf()];
    opts.captures_dir = dir.to_path_buf();
    app.insert_resource(opts);
    app.insert_resource(BackendDevice::<Cpu>(dev()));
    app.init_resource::<CaptureRequests>();
    app.init_resource::<UiFocus>().init_resource::<Notices>();
    app.add_plugins((SimPlugin::<Cpu>::default(), LibraryPlugin::<Cpu>::default()));
    app
}

fn write_creature(dir: &std::path::Path, name: &str, seed: u64) {
    let meta = CreatureMeta::new(
        name,
        ModelSpec::GROWING,
        morphogen::creature::CreatureMode::Grow,
        "test",
        NcaConfig::default(),
        [40, 40],
    );
    let c = Creature { meta, weights: random_weights(seed), target: None };
    c.save(&dir.join(format!("{name}.creature"))).unwrap();
}

#[test]
fn a_script_runs_its_actions_in_order_and_stops_on_its_step() {
    let dir = tmpdir("script");
    write_creature(&dir, "blobby", 3);
    let size = WorldSize::new(48, 40, true).unwrap();
    let mut app = headless(size, &dir);
    let text = r#"Script(actions: [
        Select("blobby"),
        Seed(x: 12, y: 20),
        Speed(PerFrame(3.0)),
        WaitSteps(7),
        Snapshot("a.png"),
        Wound(Disc(x: 12.5, y: 20.5, r: 4.0)),
        WaitSteps(2),
        Snapshot("b.png"),
        Quit,
    ])"#;
    let script = Script::parse(text, &dir).unwrap();
    app.add_plugins(ScriptPlugin::<Cpu>::new(script));
    let mut exited = false;
    for _ in 0..40 {
        app.update();
        if app.should_exit().is_some() {
            exited = true;
            break;
        }
    }
    assert!(exited, "the script should have quit");
    assert_eq!(app.should_exit(), Some(AppExit::Success));
    let sb = app.world().resource::<Sandbox<Cpu>>();
    // 7 steps, then 2: the world stopped exactly there although 3 steps run per frame.
    assert_eq!(sb.world.steps(), 9);
    assert_eq!(sb.world.species().len(), 1);
    let a = image::open(dir.join("a.png")).unwrap().to_rgba8();
    let b = image::open(dir.join("b.png")).unwrap().to_rgba8();
    assert_eq!((a.width(), a.height()), (48, 40));
    let differs = |img: &image::RgbaImage| img.pixels().filter(|p| p.0 != [247, 247, 242, 255]).count();
    assert!(differs(&a) > 0, "the seed should have grown into something visible");
    assert!(differs(&b) < differs(&a), "the wound should have removed cells");
    // Bad scripts are refused with the place of the error.
    let err = Script::parse("Script(actions: [Seed(x: 1)])", &dir).unwrap_err();
    assert!(err.contains("line 1"), "{err}");
    let err = Script::parse("Script(actions: [Explode])", &dir).unwrap_err();
    assert!(err.contains("Explode"), "{err}");
}

#[test]
fn a_failing_action_stops_the_script_with_an_error() {
    let dir = tmpdir("script-bad");
    std::fs::write(dir.join("junk.json"), "not a model").unwrap();
    let mut app = headless(WorldSize::new(32, 32, true).unwrap(), &dir);
    let script = Script::parse(r#"Script(actions: [Import("junk.json"), Quit])"#, &dir).unwrap();
    app.add_plugins(ScriptPlugin::<Cpu>::new(script));
    for _ in 0..5 {
        app.update();
    }
    assert_eq!(app.should_exit(), Some(AppExit::from_code(2)));
}

#[test]
fn tools_hit_the_cell_under_the_cursor_at_any_zoom_and_pan() {
    let dir = tmpdir("tools");
    let size = WorldSize::new(64, 48, false).unwrap();
    let mut app = headless(size, &dir);
    app.add_plugins(ToolsPlugin::<Cpu>::default());
    app.insert_resource(ToolSettings { tool: Tool::Eraser, eraser_radius: 0.5, ..Default::default() });
    let window_size = Vec2::new(1280.0, 720.0);
    let window = app.world_mut().spawn(Window::default()).id();
    app.update();
    for (scale, center, target) in [
        (0.25, Vec2::ZERO, (10, 7)),
        (0.05, Vec2::new(-20.0, 5.0), (12, 18)),
        (1.5, Vec2::new(7.0, -3.0), (40, 30)),
        (0.125, Vec2::new(30.0, -20.0), (63, 47)),
    ] {
        let view = ViewState { center, scale };
        app.insert_resource(view);
        // The window position of the target cell's centre, by inverting the view by hand.
        let (cx, cy) = (target.0 as f32 + 0.5, target.1 as f32 + 0.5);
        let world = Vec2::new(cx - 32.0, 24.0 - cy);
        let d = (world - center) / scale;
        let cursor = window_size / 2.0 + Vec2::new(d.x, -d.y);
        assert!(cursor.x >= 0.0 && cursor.y >= 0.0 && cursor.x < window_size.x && cursor.y < window_size.y, "{cursor}");
        app.world_mut().get_mut::<Window>(window).unwrap().set_cursor_position(Some(cursor));
        // As winit would deliver them: input messages, turned into button state by the input plugin.
        for state in [ButtonState::Pressed, ButtonState::Released] {
            app.world_mut().write_message(MouseButtonInput { button: MouseButton::Left, state, window });
            app.update();
        }
        let aux = app.world().resource::<Sandbox<Cpu>>().world.host_aux();
        let flashed: Vec<usize> = (0..size.cells()).filter(|&c| aux[c * 2 + 1] > 0.0).collect();
        assert_eq!(flashed, vec![target.1 * 64 + target.0], "scale {scale}, centre {center}");
        // Let the flash fade out before the next probe.
        app.world_mut().resource_mut::<Sandbox<Cpu>>().world.clear();
    }
}

#[test]
fn a_bad_drop_says_why_and_changes_nothing() {
    let dir = tmpdir("drops");
    write_creature(&dir, "good", 4);
    let mut app = headless(WorldSize::new(32, 32, true).unwrap(), &dir);
    app.update();
    assert_eq!(app.world().resource::<Library>().entries.len(), 1);
    let window = app.world_mut().spawn(Window::default()).id();
    // Not a creature, a truncated creature, and a demo model that is not one.
    std::fs::write(dir.join("notes.txt"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let good = std::fs::read(dir.join("good.creature")).unwrap();
    std::fs::write(dir.join("cut.creature"), &good[..good.len() / 2]).unwrap();
    std::fs::write(dir.join("model.json"), "[{\"oops\": 1}]").unwrap();
    for name in ["notes.txt", "cut.creature", "model.json"] {
        app.world_mut().write_message(FileDragAndDrop::DroppedFile { window, path_buf: dir.join(name) });
    }
    app.update();
    let lib = app.world().resource::<Library>();
    assert_eq!(lib.entries.len(), 1, "nothing bad joined the library");
    assert_eq!(lib.selected, Some(0));
    let said: Vec<&String> = app.world().resource::<Notices>().0.iter().map(|(_, m)| m).collect();
    for name in ["notes.txt", "cut.creature", "model.json"] {
        assert!(said.iter().any(|m| m.starts_with("not added") && m.contains(name)), "no message for {name}: {said:?}");
    }
    // A good drop still works afterwards, and selects the new creature.
    write_creature(&dir, "other", 5);
    app.world_mut().write_message(FileDragAndDrop::DroppedFile { window, path_buf: dir.join("other.creature") });
    app.update();
    let lib = app.world().resource::<Library>();
    assert_eq!(lib.entries.len(), 2);
    assert_eq!(lib.entries[lib.selected.unwrap()].name, "other");
}

#[test]
fn the_library_groups_ours_then_the_papers_three_sets_and_filters_by_name() {
    let dir = tmpdir("library-groups");
    write_creature(&dir, "zeta", 3);
    write_creature(&dir, "alpha", 4);
    let mut app = headless(WorldSize::new(64, 64, true).unwrap(), &dir);
    // The paper's models as the game ships them: built into the binary.
    app.world_mut().resource_mut::<PlayOptions>().library.push(morphogen::shipped::distill());
    app.update();
    let lib = app.world().resource::<Library>();
    use morphogen::app::library::Group;
    let groups: Vec<Group> = lib.entries.iter().map(|e| e.group).collect();
    assert!(groups.windows(2).all(|w| w[0] <= w[1]), "grouped in order: {groups:?}");
    let count = |g: Group| groups.iter().filter(|&&x| x == g).count();
    assert_eq!((count(Group::Ours), count(Group::Regenerating)), (2, 11));
    assert_eq!((count(Group::Persistent), count(Group::Growing)), (10, 10));
    assert_eq!(lib.entries[0].name, "alpha", "files in name order within a group");
    assert!(lib.entries.iter().filter(|e| e.group == Group::Regenerating).all(|e| e.name.starts_with("ex3_")));
    let mut lib = app.world_mut().resource_mut::<Library>();
    lib.filter = "LIZ".into();
    let names: Vec<&str> = lib.visible().iter().map(|&i| lib.entries[i].name.as_str()).collect();
    assert_eq!(names, ["ex3_lizard", "ex2_lizard", "ex1_lizard"]);
    // A dropped model joins its own set, not the end of the list.
    let e = morphogen::app::library::load_entry(&crate::common::distill("ex1_eye")).unwrap();
    lib.filter.clear();
    let i = lib.add(e);
    assert_eq!(lib.entries[i].group, Group::Growing);
    assert_eq!(lib.entries.len(), 33);
}

#[test]
fn the_opening_creature_is_laid_grown_into_the_middle_of_the_world() {
    let dir = tmpdir("opening");
    let mut app = headless(WorldSize::new(128, 128, true).unwrap(), &dir);
    app.update();
    let lizard = crate::common::distill("ex3_lizard");
    let e = morphogen::app::library::load_entry(&lizard).unwrap();
    app.world_mut().resource_mut::<Library>().add(e);
    let world = app.world_mut();
    let lib = std::mem::take(&mut *world.resource_mut::<Library>());
    let mut sb = world.resource_mut::<Sandbox<Cpu>>();
    morphogen::app::opening::grow_into(&mut sb, &lib, 0).unwrap();
    let alive = sb.world.alive_cells();
    assert!((500..=900).contains(&alive[0]), "a grown lizard, about 700 cells: {alive:?}");
    // Centred: as many living cells left of the middle as right of it, give or take its shape.
    let mask = sb.world.alive_mask(&sb.world.host_state(), 0);
    let left = (0..128 * 128).filter(|&c| mask[c] && c % 128 < 64).count();
    assert!(left > alive[0] / 4 && left < alive[0] * 3 / 4, "{left} of {}", alive[0]);
    // It lives on in the world.
    for _ in 0..50 {
        sb.world.step();
    }
    let later = sb.world.alive_cells()[0];
    assert!((later as f32 - alive[0] as f32).abs() < 0.1 * alive[0] as f32, "{later} vs {}", alive[0]);
}

#[test]
fn settings_round_trip_and_a_corrupt_file_is_set_aside() {
    use morphogen::app::settings::Settings;
    let dir = tmpdir("settings");
    let (s, msg) = Settings::load(&dir);
    assert_eq!((s.clone(), msg), (Settings::default(), None), "no file: the defaults, and nothing to say");
    let mine = Settings {
        speed: morphogen::app::speed::Speed::PerFrame(8.0),
        view: morphogen::world::ViewMode::Channel(9),
        eraser_radius: 12.0,
        last_creature: Some("ex3_fish".into()),
        window: [1600, 900],
        calm: true,
        ..Settings::default()
    };
    mine.save(&dir).unwrap();
    assert_eq!(Settings::load(&dir), (mine.clone(), None));
    // Values out of range come back inside it.
    let path = Settings::path(&dir);
    let text = std::fs::read_to_string(&path).unwrap().replace("12.0", "1e30");
    std::fs::write(&path, text).unwrap();
    assert_eq!(Settings::load(&dir).0.eraser_radius, 40.0);
    // A corrupt file is kept aside, with a message, and the defaults are used.
    std::fs::write(&path, "{ \"speed\": ").unwrap();
    let (s, msg) = Settings::load(&dir);
    assert_eq!(s, Settings::default());
    let msg = msg.expect("a message");
    assert!(msg.contains("settings.json") && msg.contains("corrupt"), "{msg}");
    assert!(!path.exists());
    let aside: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(aside.iter().any(|n| n.to_string_lossy().starts_with("settings.corrupt-")), "{aside:?}");
}
