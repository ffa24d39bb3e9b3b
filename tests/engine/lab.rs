//! The lab on the CPU backend with tiny settings: images in, creatures out, trainings that
//! survive a kill, pause, roll back, and refuse bad images. Both the lab itself (`morphogen::lab`)
//! and its Bevy scene (drops, scripts, the library) without a window.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use bevy::window::FileDragAndDrop;
use image::{DynamicImage, Rgba, RgbaImage};
use morphogen::app::PlayOptions;
use morphogen::app::Scene;
use morphogen::app::capture::CaptureRequests;
use morphogen::app::lab::preview::Preview;
use morphogen::app::lab::{LabOptions, LabPlugin, LabState};
use morphogen::app::library::{Library, LibraryPlugin};
use morphogen::app::script::{Script, ScriptPlugin};
use morphogen::app::shell::{Notices, UiFocus};
use morphogen::app::sim::{BackendDevice, Sandbox, SimPlugin};
use morphogen::backend::{BackendChoice, Resolved};
use morphogen::creature::Creature;
use morphogen::lab::{JobState, Lab};
use morphogen::target::{Target, TargetOptions};
use morphogen::train::checkpoint::Checkpoint;
use morphogen::train::session::Stop;
use morphogen::train::{Mode, TrainConfig};
use morphogen::world::WorldSize;

use crate::common::*;

fn tiny(iterations: u64, checkpoint_every: u64) -> TrainConfig {
    TrainConfig {
        mode: Mode::Regenerate,
        iterations,
        batch: 2,
        pool_size: 8,
        min_steps: 8,
        max_steps: 12,
        damage_n: 1,
        checkpoint_every,
        seed: 3,
        target: TargetOptions { size: 8, padding: 4, ..Default::default() },
        ..Default::default()
    }
}

/// A red disc on a transparent square.
fn disc_png(dir: &Path, name: &str) -> PathBuf {
    let img = RgbaImage::from_fn(24, 24, |x, y| {
        let d = ((x as f32 - 11.5).powi(2) + (y as f32 - 11.5).powi(2)).sqrt();
        if d < 10.0 { Rgba([220, 40 + (y * 6) as u8, 30, 255]) } else { Rgba([0, 0, 0, 0]) }
    });
    let p = dir.join(name);
    img.save(&p).unwrap();
    p
}

fn disc_target() -> Target {
    let img = image::open(disc_png(&tmpdir("lab-disc"), "d.png")).unwrap();
    Target::from_image(&img, &tiny(1, 1).target).unwrap()
}

/// Polls the lab until `done` says so (or fails after a minute).
fn poll_until(lab: &mut Lab, what: &str, mut done: impl FnMut(&mut Lab) -> bool) {
    let t0 = Instant::now();
    while !done(lab) {
        lab.poll();
        assert!(t0.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn iteration(lab: &Lab, id: u64) -> u64 {
    lab.job(id).unwrap().live().iteration
}

#[test]
fn a_killed_training_resumes_losing_at_most_one_checkpoint_interval() {
    let data = tmpdir("lab-kill");
    let mut lab = Lab::new(&data, Resolved::Cpu);
    let id = lab.enqueue("disc", tiny(60, 10), disc_target()).unwrap();
    // Queued trainings are files from the start.
    assert_eq!(std::fs::read_dir(data.join("lab")).unwrap().count(), 1);
    poll_until(&mut lab, "iteration 27", |l| iteration(l, id) >= 27);
    // Killed: the thread ends without writing anything more.
    lab.halt(Stop::Abandon);
    let reached = iteration(&lab, id);
    assert_eq!(lab.job(id).unwrap().state, JobState::Abandoned);
    drop(lab);

    let mut lab = Lab::new(&data, Resolved::Cpu);
    assert_eq!(lab.unfinished.len(), 1, "the killed training is listed");
    let u = lab.unfinished[0].clone();
    assert_eq!(u.summary.name, "disc");
    assert_eq!(u.summary.iterations, 60);
    assert!(
        u.summary.iteration <= reached && reached - u.summary.iteration < 10,
        "reached {reached}, resumes from {}",
        u.summary.iteration
    );
    assert!(u.summary.iteration >= 20);
    let ck = Checkpoint::load(&u.path).unwrap();
    assert_eq!(ck.history.len() as u64, ck.iteration);
    assert!(ck.pool.is_some(), "the pool survives the kill");

    let id = lab.resume(&u.path).unwrap();
    assert!(lab.unfinished.is_empty());
    poll_until(&mut lab, "the resumed training to finish", |l| !l.job(id).unwrap().is_active());
    let JobState::Saved { name, path } = lab.job(id).unwrap().state.clone() else {
        panic!("{:?}", lab.job(id).unwrap().state)
    };
    assert_eq!(name, "disc");
    assert_eq!(path, data.join("creatures/disc.creature"));
    let c = Creature::load(&path).unwrap();
    assert_eq!(c.meta.iterations, 60);
    assert!(c.target.is_some());
    assert_eq!(lab.job(id).unwrap().live().history.len(), 60, "the loss history carries over the kill");
    assert!(!u.path.exists(), "the finished training's checkpoint is gone");
    // A second result of the same name does not overwrite the first.
    let id2 = lab.enqueue("disc", tiny(3, 10), disc_target()).unwrap();
    poll_until(&mut lab, "the second training", |l| !l.job(id2).unwrap().is_active());
    assert!(matches!(&lab.job(id2).unwrap().state, JobState::Saved { name, .. } if name == "disc 2"));
}

#[test]
fn pause_holds_a_training_with_a_checkpoint_and_stop_keeps_it_resumable() {
    let data = tmpdir("lab-pause");
    let mut lab = Lab::new(&data, Resolved::Cpu);
    let a = lab.enqueue("first", tiny(100_000, 1000), disc_target()).unwrap();
    let b = lab.enqueue("second", tiny(5, 1000), disc_target()).unwrap();
    poll_until(&mut lab, "the first to run", |l| iteration(l, a) >= 3);
    assert_eq!(lab.job(b).unwrap().state, JobState::Queued, "one training at a time");
    lab.pause(a, true);
    std::thread::sleep(Duration::from_millis(300));
    let held = iteration(&lab, a);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(iteration(&lab, a), held, "a paused training does not advance");
    let ckpt = lab.job(a).unwrap().ckpt.clone();
    assert_eq!(Checkpoint::peek(&ckpt).unwrap().iteration, held, "pausing writes a checkpoint");
    lab.pause(a, false);
    poll_until(&mut lab, "the first to go on", |l| iteration(l, a) > held);
    lab.stop(a, Stop::Checkpoint);
    poll_until(&mut lab, "the first to stop", |l| l.job(a).unwrap().state == JobState::Stopped);
    let stopped_at = iteration(&lab, a);
    assert_eq!(Checkpoint::peek(&ckpt).unwrap().iteration, stopped_at);
    // The queue moves on to the next.
    poll_until(&mut lab, "the second to finish", |l| matches!(l.job(b).unwrap().state, JobState::Saved { .. }));
    // And the stopped one carries on from where it stopped.
    let a2 = lab.resume(&ckpt).unwrap();
    poll_until(&mut lab, "the first to resume", |l| iteration(l, a2) > stopped_at);
    lab.stop(a2, Stop::Finish);
    poll_until(&mut lab, "finish now", |l| !l.job(a2).unwrap().is_active());
    let JobState::Saved { path, .. } = lab.job(a2).unwrap().state.clone() else { panic!() };
    assert!(Creature::load(&path).unwrap().meta.iterations > stopped_at);
    assert!(!ckpt.exists());
}

#[test]
fn a_diverging_training_rolls_back_says_so_and_fails_cleanly() {
    let data = tmpdir("lab-nan");
    let mut lab = Lab::new(&data, Resolved::Cpu);
    let mut cfg = tiny(50, 2);
    cfg.lr = 1e30;
    cfg.lr_schedule = vec![morphogen::train::config::LrStep { at: 1, lr: 1e30 }];
    let id = lab.enqueue("boom", cfg, disc_target()).unwrap();
    let mut said = Vec::new();
    let t0 = Instant::now();
    while lab.job(id).unwrap().is_active() {
        for e in lab.poll() {
            said.push(format!("{e:?}"));
        }
        assert!(t0.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(2));
    }
    said.extend(lab.poll().into_iter().map(|e| format!("{e:?}")));
    assert!(said.iter().any(|m| m.contains("rolled back to the last good checkpoint")), "{said:?}");
    assert!(
        matches!(&lab.job(id).unwrap().state, JobState::Failed(e) if e.contains("diverged")),
        "{:?}",
        lab.job(id).unwrap().state
    );
    // The checkpoint of the last good state is still there to resume with other settings.
    assert_eq!(Lab::new(&data, Resolved::Cpu).unfinished.len(), 1);
}

fn headless_lab(data: &Path) -> App {
    headless_lab_on(data, BackendChoice::Cpu)
}

fn headless_lab_on(data: &Path, backend: BackendChoice) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, bevy::input::InputPlugin, StatesPlugin));
    app.init_state::<Scene>();
    app.add_message::<FileDragAndDrop>();
    let mut opts = PlayOptions::new(WorldSize::new(48, 48, true).unwrap());
    opts.library = vec![data.join("shipped")];
    opts.captures_dir = data.to_path_buf();
    opts.data_dir = data.to_path_buf();
    app.insert_resource(opts);
    app.insert_resource(LabOptions { data_dir: data.to_path_buf(), backend, defaults: tiny(20, 5) });
    app.insert_resource(BackendDevice::<Cpu>(dev()));
    app.init_resource::<CaptureRequests>();
    app.init_resource::<UiFocus>().init_resource::<Notices>();
    app.add_plugins((SimPlugin::<Cpu>::default(), LibraryPlugin::<Cpu>::default(), LabPlugin::<Cpu>::default()));
    app
}

fn drop_file(app: &mut App, p: &Path) {
    app.world_mut()
        .write_message(FileDragAndDrop::DroppedFile { window: Entity::PLACEHOLDER, path_buf: p.to_path_buf() });
    app.update();
    app.update();
}

fn last_notice(app: &App) -> String {
    app.world().resource::<Notices>().0.last().map(|(_, m)| m.clone()).unwrap_or_default()
}

#[test]
fn a_script_drops_an_image_trains_it_and_plants_the_result() {
    let data = tmpdir("lab-script");
    let png = disc_png(&data, "blob.png");
    let mut app = headless_lab(&data);
    let text = format!(
        r#"Script(actions: [
        Scene(Lab),
        Drop("{}"),
        LabSettings((name: Some("Blob"), iterations: Some(24), checkpoint_every: Some(8), background: Some("keep"))),
        Train,
        WaitTrained,
        Scene(Sandbox),
        Select("Blob"),
        Seed(x: 24, y: 24),
        WaitSteps(10),
        Quit,
    ])"#,
        png.display()
    );
    app.add_plugins(ScriptPlugin::<Cpu>::new(Script::parse(&text, &data).unwrap()));
    let mut drafted = false;
    let mut trained_while_drafted = false;
    let mut previewed = false;
    let t0 = Instant::now();
    while app.should_exit().is_none() {
        app.update();
        let st = app.world().resource::<LabState>();
        if let Some(d) = &st.draft {
            drafted = true;
            // The prepared target is there at once: 8 pixels and 4 of padding a side.
            let t = d.prepared.as_ref().unwrap();
            assert_eq!((t.width, t.height), (16, 16));
            trained_while_drafted |= st.lab.running().is_some();
        }
        previewed |= app.world().resource::<Preview<Cpu>>().image.is_some();
        assert!(t0.elapsed() < Duration::from_secs(120), "the script did not finish: {}", last_notice(&app));
    }
    assert_eq!(app.should_exit(), Some(AppExit::Success), "{}", last_notice(&app));
    assert!(drafted && trained_while_drafted);
    assert!(previewed, "the preview world showed the weights");
    assert_eq!(*app.world().resource::<State<Scene>>().get(), Scene::Sandbox);
    let lib = app.world().resource::<Library>();
    let i = lib.find("Blob").expect("the trained creature is in the library");
    assert_eq!(lib.entries[i].source, data.join("creatures/Blob.creature"));
    assert!(lib.entries[i].thumbnail.is_some());
    let c = Creature::load(&data.join("creatures/Blob.creature")).unwrap();
    assert_eq!((c.meta.iterations, c.meta.name.as_str()), (24, "Blob"));
    let sb = app.world().resource::<Sandbox<Cpu>>();
    assert_eq!(sb.world.species()[0].name, "Blob", "the result was planted");
    assert!(sb.world.steps() >= 10);
    assert!(sb.world.alive_cells()[0] > 0, "it lives");
    let st = app.world().resource::<LabState>();
    let live = st.lab.jobs[0].live();
    assert_eq!(live.history.len(), 24);
    assert!(live.batch.is_some(), "the batch view reached the lab");
    assert!(live.snapshot.as_ref().is_some_and(|s| s.iteration == 24), "the preview has the final weights");
    drop(live);
    assert!(std::fs::read_dir(data.join("lab")).unwrap().next().is_none(), "no checkpoint left behind");

    // The next start of the app finds the creature in the user's folder.
    let mut again = headless_lab(&data);
    again.update();
    assert!(again.world().resource::<Library>().find("Blob").is_some());
}

#[test]
fn bad_images_are_refused_with_a_message_and_change_nothing() {
    let data = tmpdir("lab-bad");
    let good = disc_png(&data, "good.png");
    let mut app = headless_lab(&data);
    app.update();
    drop_file(&mut app, &good);
    assert_eq!(*app.world().resource::<State<Scene>>().get(), Scene::Lab, "an image opens the lab");
    let name = |app: &App| app.world().resource::<LabState>().draft.as_ref().map(|d| d.name.clone());
    assert_eq!(name(&app).as_deref(), Some("good"));
    // The estimate is measured as soon as the image is in.
    let est = app.world().resource::<LabState>().estimate_total().expect("a CPU estimate");
    assert!(est.secs_per_iteration > 0.0 && est.total_secs.is_finite());

    let text = data.join("notes.png");
    std::fs::write(&text, "this is not a picture").unwrap();
    let png = std::fs::read(&good).unwrap();
    let truncated = data.join("truncated.png");
    std::fs::write(&truncated, &png[..png.len() / 2]).unwrap();
    // A PNG whose header claims 40000 x 40000 pixels: refused before decoding.
    let mut huge = png.clone();
    huge[16..20].copy_from_slice(&40000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&40000u32.to_be_bytes());
    let crc = crc32fast::hash(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.to_be_bytes());
    let enormous = data.join("enormous.png");
    std::fs::write(&enormous, &huge).unwrap();
    let clear = data.join("clear.png");
    DynamicImage::ImageRgba8(RgbaImage::new(16, 16)).save(&clear).unwrap();

    for (p, says) in
        [(&text, "not an image"), (&truncated, "corrupt"), (&enormous, "too large"), (&clear, "fully transparent")]
    {
        drop_file(&mut app, p);
        let n = last_notice(&app);
        assert!(n.contains(says) && n.contains(p.file_name().unwrap().to_str().unwrap()), "{}: {n}", p.display());
        assert_eq!(name(&app).as_deref(), Some("good"), "{} changed the draft", p.display());
        assert!(app.world().resource::<LabState>().lab.jobs.is_empty());
    }
    assert!(app.world().resource::<Library>().entries.is_empty(), "nothing reached the library");
}

#[test]
fn an_unreadable_checkpoint_is_reported_and_left_alone() {
    let data = tmpdir("lab-unreadable");
    std::fs::create_dir_all(data.join("lab")).unwrap();
    let bad = data.join("lab/broken-1.ckpt");
    std::fs::write(&bad, b"MORPHCKP but then nothing").unwrap();
    let mut lab = Lab::new(&data, Resolved::Cpu);
    assert!(lab.unfinished.is_empty());
    let said: Vec<String> = lab.poll().into_iter().map(|e| format!("{e:?}")).collect();
    assert!(said.iter().any(|m| m.contains("skipped unreadable training") && m.contains("broken-1.ckpt")), "{said:?}");
    assert!(bad.exists(), "nothing is deleted");
}

/// With `auto`, the lab measures the draft on the CPU and on every adapter (the GPUs on a thread
/// of their own), trains on the fastest unless the user picks another path, and the training
/// takes the path picked.
#[test]
fn the_lab_measures_every_path_and_trains_where_the_user_picks() {
    let data = tmpdir("lab-paths");
    let good = disc_png(&data, "good.png");
    let mut app = headless_lab_on(&data, BackendChoice::Auto);
    app.update();
    drop_file(&mut app, &good);
    let started = std::time::Instant::now();
    while !app.world().resource::<LabState>().estimate.as_ref().is_some_and(|(_, e)| e.done()) {
        assert!(started.elapsed().as_secs() < 300, "the GPUs were measured within 5 minutes");
        std::thread::sleep(std::time::Duration::from_millis(50));
        app.update();
    }
    let st = app.world().resource::<LabState>();
    let all = st.estimate.as_ref().unwrap().1.all();
    assert_eq!(all.len(), 1 + morphogen::backend::probe_gpus().len(), "{all:?}");
    assert_eq!(all[0].on, Resolved::Cpu);
    let measured: Vec<(f64, Resolved)> =
        all.iter().filter_map(|m| m.secs.clone().ok().map(|s| (s, m.on.clone()))).collect();
    let fastest = measured.iter().min_by(|a, b| a.0.total_cmp(&b.0)).map(|(_, on)| on.clone());
    assert_eq!(Some(st.draft_path()), fastest, "{all:?}");
    let est = st.estimate_total().expect("the fastest path's estimate");
    assert!(est.secs_per_iteration > 0.0);

    // The user picks the slowest path measured: the training is queued there.
    let measured: Vec<(f64, Resolved)> =
        all.iter().filter_map(|m| m.secs.clone().ok().map(|s| (s, m.on.clone()))).collect();
    let slowest = measured.iter().max_by(|a, b| a.0.total_cmp(&b.0)).unwrap().1.clone();
    let id = app.world_mut().resource_scope(|world, mut st: Mut<LabState>| {
        st.path_pick = Some(slowest.clone());
        assert_eq!(st.draft_path(), slowest);
        st.train(world.resource::<Library>()).expect("queued")
    });
    let mut st = app.world_mut().resource_mut::<LabState>();
    assert_eq!(st.lab.job(id).unwrap().on, Some(slowest));
    // Not trained here: the CPU lab tests train; this one is about where.
    st.lab.stop(id, Stop::Checkpoint);
}
