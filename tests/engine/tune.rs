//! Kernel variants chosen by timing them on the device (`kernels::tune`), and `auto` choosing
//! where a training runs by measuring it (`backend::resolve_measured`): the choices against fake
//! timers, the cache kept and set aside, and the real timer on the adapter the tests run on.

use std::cell::Cell;
use std::time::Duration;

use burn::backend::Wgpu;
use burn::tensor::{Tensor, TensorData};
use morphogen::backend::{GpuInfo, Resolved, fastest};
use morphogen::kernels::fused::GemmBlock;
use morphogen::kernels::tune::{self, Cache, Class, Family, Mode, REPS, Tuner, Variant};
use morphogen::nca::{Border, NcaConfig};

use crate::common::*;

const STEP: Class = Class { family: Family::Step, cells: 4096, layers: 1 };

/// A timer that says `fast` takes 10 us and every other variant 30, counting its calls.
fn fake(fast: u32, calls: &Cell<usize>) -> impl FnMut(Variant) -> Option<Duration> + '_ {
    move |v| {
        calls.set(calls.get() + 1);
        Some(Duration::from_micros(if v == Variant::Lanes(fast) { 10 } else { 30 }))
    }
}

fn never(_: Variant) -> Option<Duration> {
    panic!("a kept choice is not timed again")
}

#[test]
fn the_tuner_keeps_the_variant_the_timer_says_is_fastest() {
    let dir = tmpdir("tune-fake");
    let path = dir.join("tune.ron");
    let calls = Cell::new(0);
    let mut t = Tuner::new(Some(path.clone()), Mode::On);
    assert_eq!(t.choose("gpu A", false, STEP, 7, fake(2, &calls)), Some(Variant::Lanes(2)));
    // Each variant once untimed (its compilation), then REPS times.
    assert_eq!(calls.get(), tune::variants(Family::Step).len() * (1 + REPS));
    assert!(t.said.iter().any(|s| s.contains("gpu A") && s.contains("2 lanes")), "{:?}", t.said);
    let kept = t.kept("gpu A")[&STEP.key()].clone();
    assert_eq!(kept.seconds.len(), tune::variants(Family::Step).len());

    // A later run reads the choice from the file and times nothing.
    let mut again = Tuner::new(Some(path.clone()), Mode::On);
    assert_eq!(again.choose("gpu A", false, STEP, 7, never), Some(Variant::Lanes(2)));
    // Another class, another adapter, another kernel source, or `redo`: timed anew.
    let big = Class { cells: 65536, ..STEP };
    assert_eq!(again.choose("gpu A", false, big, 7, fake(4, &calls)), Some(Variant::Lanes(4)));
    assert_eq!(again.choose("gpu B", false, STEP, 7, fake(1, &calls)), Some(Variant::Lanes(1)));
    assert_eq!(again.choose("gpu A", false, STEP, 8, fake(4, &calls)), Some(Variant::Lanes(4)));
    let mut redo = Tuner::new(Some(path.clone()), Mode::Redo);
    assert_eq!(redo.choose("gpu B", false, STEP, 7, fake(2, &calls)), Some(Variant::Lanes(2)));
    let (cache, said) = Cache::load(&path);
    assert!(said.is_none(), "{said:?}");
    assert_eq!(cache.adapters["gpu A"][&big.key()].variant, Variant::Lanes(4));
    assert_eq!(cache.adapters["gpu B"][&STEP.key()].variant, Variant::Lanes(2));

    // A software adapter keeps its default unless asked; `off` tunes nothing.
    let mut hw = Tuner::new(None, Mode::Hardware);
    assert_eq!(hw.choose("lavapipe", true, STEP, 7, never), None);
    assert_eq!(hw.choose("gpu C", false, STEP, 7, fake(4, &calls)), Some(Variant::Lanes(4)));
    let mut off = Tuner::new(Some(path), Mode::Off);
    assert_eq!(off.choose("gpu D", false, STEP, 7, never), None);
}

#[test]
fn a_variant_that_cannot_be_timed_is_passed_over() {
    let timer = |v: Variant| (v.lanes() != 1).then(|| Duration::from_micros(if v.lanes() == 4 { 5 } else { 9 }));
    let c = tune::pick(&tune::variants(Family::Step), timer, 0).expect("two variants timed");
    assert_eq!(c.variant, Variant::Lanes(4));
    assert_eq!(c.seconds.iter().map(|(v, _)| v.lanes()).collect::<Vec<_>>(), vec![2, 4]);
    assert!(tune::pick(&tune::variants(Family::Step), |_| None, 0).is_none());
    // The products' blocks are a family's variants as the lanes are.
    let blocks = tune::variants(Family::WgradIn);
    assert_eq!(blocks.len(), morphogen::kernels::fused::GemmBlock::ALL.len());
    let tall = Variant::Block(morphogen::kernels::fused::GemmBlock::TALL);
    let c = tune::pick(&blocks, |v| Some(Duration::from_micros(if v == tall { 3 } else { 8 })), 0).unwrap();
    assert_eq!((c.variant, c.variant.to_string()), (tall, "144x16 blocks".to_string()));
    assert!(Tuner::new(None, Mode::On).choose("gpu", false, STEP, 0, |_| None).is_none());
}

#[test]
fn a_corrupt_or_stale_tuning_cache_is_set_aside_with_a_message() {
    let dir = tmpdir("tune-aside");
    let path = dir.join("tune.ron");
    let aside = || {
        std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("set-aside"))
            .count()
    };
    std::fs::write(&path, "(build: \"0.1\", adapters: {\"gpu\": truncated").unwrap();
    let (c, said) = Cache::load(&path);
    let said = said.expect("a message");
    assert!(said.contains("tune.ron") && said.contains("not a tuning cache") && said.contains("kept as"), "{said}");
    assert!(c.adapters.is_empty() && !path.exists() && aside() == 1);

    let old = Cache { build: "0.0.1-old".into(), ..Default::default() };
    old.save(&path).unwrap();
    let (c, said) = Cache::load(&path);
    let said = said.expect("a message");
    assert!(said.contains("written by morphogen 0.0.1-old"), "{said}");
    assert!(c.adapters.is_empty() && c.build == tune::BUILD && !path.exists() && aside() == 2);

    // A tuner over a corrupt file says so once, and writes a good one in its place.
    std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
    let calls = Cell::new(0);
    let mut t = Tuner::new(Some(path.clone()), Mode::On);
    assert_eq!(t.choose("gpu", false, STEP, 1, fake(2, &calls)), Some(Variant::Lanes(2)));
    assert!(t.said[0].contains("kept as"), "{:?}", t.said);
    assert_eq!(Cache::load(&path).0.adapters["gpu"][&STEP.key()].variant, Variant::Lanes(2));
}

#[test]
fn shapes_fall_in_classes_by_powers() {
    assert_eq!(Class::of(Family::Step, 72, 72, 8), Class { family: Family::Step, cells: 16384, layers: 8 });
    assert_eq!(Class::of(Family::Back, 64, 64, 5), Class { family: Family::Back, cells: 4096, layers: 8 });
    assert_eq!(Class::of(Family::Step, 1, 1, 0), Class { family: Family::Step, cells: 64, layers: 1 });
    assert_ne!(Class::of(Family::Step, 256, 256, 1).key(), Class::of(Family::Back, 256, 256, 1).key());
}

fn gpu(index: usize, software: bool) -> Resolved {
    let name = format!("gpu {index}");
    Resolved::Gpu(GpuInfo { name, device_type: "Other".into(), api: "Vulkan".into(), software, index })
}

#[test]
fn auto_takes_the_path_that_measured_fastest() {
    let paths = || vec![Resolved::Cpu, gpu(0, false), gpu(1, true)];
    let secs = |cpu: f64, g0: Result<f64, String>, g1: f64| {
        move |p: &Resolved| match p {
            Resolved::Cpu => Ok(cpu),
            Resolved::Gpu(g) if g.index == 0 => g0.clone(),
            Resolved::Gpu(_) => Ok(g1),
        }
    };
    let (on, all) = fastest(paths(), secs(0.2, Ok(0.05), 0.9));
    assert_eq!(on, gpu(0, false));
    assert_eq!(all.len(), 3);
    // A slow GPU loses to the CPU; a software one that measured faster wins.
    assert_eq!(fastest(paths(), secs(0.2, Ok(0.5), 0.9)).0, Resolved::Cpu);
    assert_eq!(fastest(paths(), secs(0.2, Ok(0.5), 0.1)).0, gpu(1, true));
    // One that cannot be measured is passed over and said; none measured: the CPU.
    let (on, all) = fastest(paths(), secs(0.2, Err("no device".into()), 0.9));
    assert_eq!(on, Resolved::Cpu);
    let said = morphogen::backend::said(&on, &all, false);
    assert!(said.contains("not measured (no device)") && said.contains("took the cpu"), "{said}");
    assert_eq!(fastest(paths(), |_| Err("x".to_string())).0, Resolved::Cpu);
}

/// What `auto` measured for a training's shape is kept, so the next one starts at once; `redo`
/// measures again.
#[test]
fn auto_keeps_what_it_measured_for_the_next_training_of_that_shape() {
    use morphogen::backend::{BackendChoice, resolve_measured};
    let dir = tmpdir("tune-rates");
    let path = dir.join("tune.ron");
    let calls = Cell::new(0);
    // The CPU measures fastest, so no GPU is opened whatever the machine has.
    let measure = |p: &Resolved| {
        calls.set(calls.get() + 1);
        Ok(if *p == Resolved::Cpu { 0.1 } else { 0.4 })
    };
    let paths = morphogen::backend::paths().len();
    let run = |mode: Mode, job: &str| {
        tune::scoped(Tuner::new(Some(path.clone()), mode), || resolve_measured(BackendChoice::Auto, job, measure)).0
    };
    let (on, all, remembered) = run(Mode::On, "grow 40x40").unwrap();
    assert_eq!((on, all.len(), remembered, calls.get()), (Resolved::Cpu, paths, false, paths));
    let (on, all, remembered) = run(Mode::On, "grow 40x40").unwrap();
    assert_eq!((on, remembered, calls.get()), (Resolved::Cpu, true, paths), "nothing measured again");
    assert_eq!(all[0].secs, Ok(0.1));
    let said = morphogen::backend::said(&all[0].on, &all, remembered);
    assert!(said.contains("earlier") && said.contains("10.00 it/s"), "{said}");
    // Another shape, or `redo`, measures.
    run(Mode::On, "grow 72x72").unwrap();
    assert_eq!(calls.get(), 2 * paths);
    let (_, _, remembered) = run(Mode::Redo, "grow 40x40").unwrap();
    assert!(!remembered && calls.get() == 3 * paths);
    // A choice made outright is not measured.
    let (on, all, _) =
        tune::scoped(Tuner::new(None, Mode::On), || resolve_measured(BackendChoice::Cpu, "y", measure)).0.unwrap();
    assert!(on == Resolved::Cpu && all.is_empty());
}

/// The real timer on the tests' adapter (lavapipe in CI), forced on (a software adapter is not
/// tuned unless asked): a simulation and a training rollout tune the forward step and the step
/// back, keep the choice in the cache, and step as the untuned kernels do.
#[test]
fn the_step_kernels_are_tuned_on_the_device_that_runs_them() {
    use morphogen::simulation::Simulation;
    if !gpu_or_skip() {
        return;
    }
    let dir = tmpdir("tune-real");
    let path = dir.join("tune.ron");
    let device = morphogen::gpu_device::shared();
    let wt = random_weights(5);
    let cfg = NcaConfig { border: Border::Zero, angle: 0.0, fire_rate: 0.5 };
    let (n, h, w) = (2, 24, 24);
    let x0 = blob_state(n, h, w, 3);
    let dims = [n, h, w, 16];
    let run = || {
        let gpu_state = Tensor::<Wgpu, 4>::from_data(TensorData::new(x0.clone(), dims), &device);
        let mut g = Simulation::from_state(&wt, cfg, gpu_state, 4);
        g.run(3);
        g.host_state()
    };
    let target = morphogen::target::Target::from_file_for(
        &morphogen::shipped::path("assets/targets/lizard.png"),
        &morphogen::train::TrainConfig::default(),
    )
    .unwrap();
    let tc = morphogen::train::TrainConfig { batch: 2, min_steps: 4, max_steps: 4, ..Default::default() };
    let ((tuned, rollout), mut tuner) =
        tune::scoped(Tuner::new(Some(path.clone()), Mode::On), || (run(), morphogen::lab::estimate::gpu(&target, &tc)));
    rollout.expect("the probe rollout ran");
    let adapter = morphogen::kernels::lanes::opened(&device).expect("the shared device is registered").adapter;
    let kept = tuner.kept(&adapter);
    for family in [Family::Step, Family::Back, Family::WgradIn, Family::WgradOut, Family::Gather] {
        let (_, c) = kept.iter().find(|(k, _)| k.starts_with(&format!("{family:?} "))).expect("a choice");
        assert_eq!(c.seconds.len(), tune::variants(family).len(), "{family:?}: every variant timed: {c}");
        assert!(c.seconds.iter().all(|(_, s)| *s > 0.0), "{c}");
        let best = c.seconds.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
        assert_eq!(c.variant, best, "{c}");
    }
    assert_eq!(Cache::load(&path).0.adapters[&adapter], kept, "the file holds what was chosen");
    let used = tune::in_use(&device);
    assert!(["Step", "Back", "WgradIn", "WgradOut", "Gather"].iter().all(|f| used.contains(f)), "{used}");
    // The tuned variant steps as the default does (each lane count is held to the host elsewhere).
    let untuned = tune::scoped(Tuner::new(None, Mode::Off), run).0;
    let d = max_abs_diff(&tuned, &untuned);
    assert!(d < 1e-4, "tuned and untuned steps differ by {d}");
    // Timing the products (which add into their slots) in slots of their own leaves the gradient
    // as the defaults give it, and so does every block.
    let grads = |tuner: Tuner| tune::scoped(tuner, || small_gradient(&device)).0;
    let default = grads(Tuner::new(None, Mode::Off));
    close_to("timed anew", &grads(Tuner::new(None, Mode::Redo)), &default);
    for block in GemmBlock::ALL {
        let b = Variant::Block(block);
        close_to(&b.to_string(), &grads(Tuner::fixed(vec![(Family::WgradIn, b), (Family::WgradOut, b)])), &default);
    }
    for size in morphogen::kernels::fused::GROUPS {
        let g = Variant::Group(size);
        close_to(&g.to_string(), &grads(Tuner::fixed(vec![(Family::Gather, g)])), &default);
    }
}

/// A small training rollout's gradient on `device`.
fn small_gradient(device: &burn::backend::wgpu::WgpuDevice) -> Vec<f32> {
    use morphogen::kernels::fused::{self, Batch, Loss};
    let (n, h, w) = (2, 20, 20);
    let batch = Batch {
        spec: morphogen::nca::ModelSpec::GROWING,
        creatures: 1,
        per_creature: n,
        height: h,
        width: w,
        rule: NcaConfig::default(),
        fire: morphogen::nca::FireMasks::new(2, 0.5),
        steps: 4,
        each: None,
    };
    let x = Tensor::<Wgpu, 4>::from_data(TensorData::new(blob_state(n, h, w, 4), [n, h, w, 16]), device);
    let target: Vec<f32> = (0..h * w * 4).map(|i| (i % 7) as f32 / 7.0).collect();
    let tg = Tensor::<Wgpu, 1>::from_data(TensorData::new(target.clone(), [target.len()]), device);
    let params = [random_weights(5).to_device::<Wgpu>(device)];
    let out = fused::rollout_grad(x, morphogen::nca::NcaParams::flat(&params), &batch, Loss::Rgba(Box::new(tg)));
    out.expect("the rollout runs").grads.into_data().convert::<f32>().into_vec::<f32>().unwrap()
}

fn close_to(what: &str, got: &[f32], want: &[f32]) {
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let d = max_abs_diff(got, want);
    assert!(scale > 0.0 && d <= 1e-4 * scale, "{what}: the gradients differ by {d} (scale {scale})");
}

/// `auto` measures a training on every path and says so; a bad MORPHOGEN_TUNE is refused.
#[test]
fn train_auto_measures_every_path_and_says_which_it_took() {
    let dir = tmpdir("tune-auto");
    let out = dir.join("a.creature");
    let lizard = morphogen::shipped::path("assets/targets/lizard.png");
    let args = ["train", lizard.to_str().unwrap(), "--mode", "grow", "--iterations", "2", "--size", "16"];
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_morphogen"))
        .args(args)
        .args(["--out", out.to_str().unwrap()])
        .env("HOME", &dir)
        .output()
        .unwrap();
    let t = crate::cli::text(&o);
    assert!(o.status.success(), "{t}");
    let line = t.lines().find(|l| l.starts_with("auto measured")).unwrap_or_else(|| panic!("no auto line: {t}"));
    assert!(line.contains("CPU (") && line.contains("it/s"), "{line}");
    let gpus = morphogen::backend::probe_gpus();
    assert_eq!(line.matches("GPU: ").count(), gpus.len(), "every adapter measured: {line}");
    let took = if line.ends_with("took the cpu") { "CPU" } else { "GPU" };
    assert!(t.contains(&format!("on {took}")), "it trained where it said: {t}");

    if gpu_or_skip() {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_morphogen"))
            .args(args)
            .args(["--out", out.to_str().unwrap(), "--backend", "gpu"])
            .env("MORPHOGEN_TUNE", "sometimes")
            .output()
            .unwrap();
        let t = crate::cli::text(&o);
        assert!(!o.status.success() && t.contains("MORPHOGEN_TUNE=sometimes"), "{t}");
    }
}
