//! The sandbox world (no Bevy): its host kernels against the engine's reference step, the rules
//! between species and walls, brushes, and the WGSL kernels against the host ones.

use burn::backend::Wgpu;
use morphogen::nca::{Border, CHANNELS, NcaConfig, nca_step};
use morphogen::rule::RuleBackend;
use morphogen::world::{EditOp, Shape, SpeciesRule, ViewMode, World, WorldSize};

use crate::common::*;

fn rule(name: &str, seed: u64, fire_rate: f32, angle: f32) -> SpeciesRule {
    SpeciesRule { name: name.into(), weights: random_weights(seed), angle, fire_rate }
}

fn seed_at<B: RuleBackend>(world: &mut World<B>, s: usize, x: f32, y: f32, r: f32) {
    let cells = Shape::Disc { x, y, r }.cells(world.size());
    let edits: Vec<_> = cells.into_iter().map(|c| (c, EditOp::Seed(s))).collect();
    world.edit(&edits);
}

#[test]
fn one_species_world_steps_like_the_engine() {
    for (wrap, border) in [(false, Border::Zero), (true, Border::Wrap)] {
        let size = WorldSize::new(24, 20, wrap).unwrap();
        let mut world = World::<Cpu>::new(size, 3, &dev());
        world.add_species(rule("a", 5, 1.0, 0.3)).unwrap();
        let x = blob_state(1, 20, 24, 8);
        world.set_state(x.clone()).unwrap();
        let cfg = NcaConfig { fire_rate: 1.0, angle: 0.3, border };
        let params = random_weights(5).to_device::<Cpu>(&dev());
        let mut reference = tensor4(x, [1, 20, 24, CHANNELS]);
        for _ in 0..3 {
            world.step();
            reference = nca_step(reference, &params, &cfg, &vec![true; 480]);
        }
        let (a, b) = (world.host_state(), host(&reference));
        let worst = a.iter().zip(&b).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "wrap={wrap}: world and engine differ by {worst}");
        assert!(world.alive_cells()[0] > 50, "the blob should live");
    }
}

#[test]
fn species_never_share_a_cell_and_walls_stay_dead() {
    let size = WorldSize::new(48, 32, true).unwrap();
    let mut world = World::<Cpu>::new(size, 1, &dev());
    let a = world.add_species(rule("a", 11, 0.5, 0.0)).unwrap();
    let b = world.add_species(rule("b", 12, 0.5, 0.0)).unwrap();
    // A blob of each, side by side, touching; a wall across the top rows.
    let mut x = vec![0.0f32; 2 * 48 * 32 * CHANNELS];
    let blob = blob_state(1, 32, 48, 2);
    for y in 8..24 {
        for xx in 12..36 {
            let s = if xx < 24 { a } else { b };
            let i = (y * 48 + xx) * CHANNELS;
            let j = ((s * 32 + y) * 48 + xx) * CHANNELS;
            x[j..j + CHANNELS].copy_from_slice(&blob[i..i + CHANNELS]);
            x[j + 3] = 0.9;
        }
    }
    world.set_state(x).unwrap();
    let wall = Shape::Line { x0: 0.0, y0: 10.5, x1: 48.0, y1: 10.5, width: 1.0 }.cells(size);
    assert_eq!(wall.len(), 48);
    world.edit(&wall.iter().map(|&c| (c, EditOp::WallOn)).collect::<Vec<_>>());
    for _ in 0..12 {
        world.step();
        let s = world.host_state();
        let cells = size.cells();
        let alive = |sp: usize, c: usize| s[(sp * cells + c) * CHANNELS + 3] > 0.1;
        for c in 0..cells {
            assert!(!(alive(a, c) && alive(b, c)), "cell {c} is alive for both species at step {}", world.steps());
        }
        for &c in &wall {
            for sp in [a, b] {
                assert!(
                    s[(sp * cells + c as usize) * CHANNELS..][..CHANNELS].iter().all(|v| *v == 0.0),
                    "wall cell {c} holds state"
                );
            }
        }
    }
    let alive = world.alive_cells();
    assert!(alive[a] > 0 && alive[b] > 0, "both species should survive: {alive:?}");
    // Removing the wall reopens the cells; erasing clears every species.
    world.edit(&wall.iter().map(|&c| (c, EditOp::WallOff)).collect::<Vec<_>>());
    assert!(world.host_aux().chunks(2).all(|p| p[0] == 0.0));
    let everything = Shape::Square { x: 24.0, y: 16.0, half: 40.0 }.cells(size);
    assert_eq!(everything.len(), size.cells());
    world.edit(&everything.iter().map(|&c| (c, EditOp::Erase)).collect::<Vec<_>>());
    assert_eq!(world.alive_cells(), vec![0, 0]);
}

#[test]
fn brushes_cover_the_cells_they_should() {
    let size = WorldSize::new(64, 64, false).unwrap();
    let disc = Shape::Disc { x: 32.0, y: 32.0, r: 10.0 }.cells(size);
    assert!((disc.len() as f32 - std::f32::consts::PI * 100.0).abs() < 20.0, "disc of r 10 covers {}", disc.len());
    let one = Shape::Disc { x: 5.5, y: 7.5, r: 0.5 }.cells(size);
    assert_eq!(one, vec![7 * 64 + 5]);
    // A clipped disc at the corner, and the same wrapping around on a torus.
    let corner = Shape::Disc { x: 0.0, y: 0.0, r: 4.0 }.cells(size);
    let torus = Shape::Disc { x: 0.0, y: 0.0, r: 4.0 }.cells(WorldSize { wrap: true, ..size });
    assert!(torus.len() > 3 * corner.len() && torus.contains(&(63 * 64 + 63)));
    let cut = Shape::Line { x0: 10.0, y0: 20.5, x1: 30.0, y1: 20.5, width: 1.0 }.cells(size);
    assert_eq!(cut.len(), 22, "10..30 and the round caps");
    assert!(cut.iter().all(|c| c / 64 == 20));
    let half = Shape::Half { x: 32.0, y: 32.0, side: 0.0, reach: 100.0 }.cells(size);
    assert_eq!(half.len(), 32 * 64, "the right half");
    assert!(half.iter().all(|c| c % 64 >= 32));
    let ring = Shape::Ring { x: 32.0, y: 32.0, r_in: 5.0, r_out: 8.0 }.cells(size);
    assert!(!ring.contains(&(32 * 64 + 32)) && ring.contains(&(32 * 64 + 38)));
    // On a torus a half-plane is half the world, not all of it.
    let torus_half = Shape::Half { x: 32.0, y: 32.0, side: 0.0, reach: 1000.0 }.cells(WorldSize { wrap: true, ..size });
    assert_eq!(torus_half.len(), 32 * 64);
    // A huge shape on a torus walks the world once.
    let huge = Shape::Disc { x: 0.0, y: 0.0, r: 1e6 }.cells(WorldSize { wrap: true, ..size });
    assert_eq!(huge.len(), 64 * 64);
}

#[test]
fn the_wgsl_world_matches_the_host_world() {
    if !gpu_or_skip() {
        return;
    }
    // A cell's network on one invocation (a software adapter's choice) and spread over several
    // (a hardware GPU's).
    for n in morphogen::kernels::lanes::ALLOWED {
        morphogen::kernels::lanes::scoped(n, wgsl_world_matches_host_world);
    }
}

fn wgsl_world_matches_host_world() {
    let gdev = morphogen::gpu_device::shared();
    let size = WorldSize::new(40, 36, true).unwrap();
    let mut cpu = World::<Cpu>::new(size, 9, &dev());
    let mut gpu = World::<Wgpu>::new(size, 9, &gdev);
    for w in [&mut cpu as &mut dyn AnyWorld, &mut gpu] {
        w.setup();
    }
    for step in 0..10 {
        cpu.step();
        gpu.step();
        if step == 5 {
            let cut: Vec<_> = Shape::Line { x0: 0.0, y0: 18.0, x1: 40.0, y1: 18.0, width: 3.0 }
                .cells(size)
                .into_iter()
                .map(|c| (c, EditOp::Erase))
                .collect();
            cpu.edit(&cut);
            gpu.edit(&cut);
        }
        if step == 7 {
            // Half of species a's creature takes species b's rule, on both.
            let graft: Vec<_> = Shape::Disc { x: 12.0, y: 10.0, r: 1.5 }
                .cells(size)
                .into_iter()
                .map(|c| (c, EditOp::Graft(1)))
                .collect();
            cpu.edit(&graft);
            gpu.edit(&graft);
        }
    }
    let (a, b) = (cpu.host_state(), gpu.host_state());
    let worst = a.iter().zip(&b).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
    let lanes = morphogen::kernels::lanes::of(&gdev);
    assert!(worst < 1e-3, "GPU and CPU worlds differ by {worst} ({lanes} lanes a cell)");
    assert!(cpu.alive_cells().iter().all(|&n| n > 20), "{:?}", cpu.alive_cells());
    for view in [ViewMode::Rgba, ViewMode::Alpha, ViewMode::Channel(7)] {
        let (p, q) = (cpu.snapshot(view), gpu.snapshot(view));
        assert_eq!(p.len(), q.len());
        eprintln!("{:?}\n{:?}", &p[..16], &q[..16]);
        let off = p.iter().zip(&q).filter(|(x, y)| x.abs_diff(**y) > 2).count();
        assert!(off < p.len() / 200, "{view:?}: {off} bytes differ");
    }
    // The display buffer is reachable for a copy on the device.
    let frame = gpu.pack(ViewMode::Rgba);
    let morphogen::world::Frame::Device(t) = frame else { panic!("the wgpu world packs on the device") };
    let buf = <Wgpu as RuleBackend>::frame_buffer(&t).expect("frame buffer");
    assert!(buf.size >= (64 * 36 * 4) as u64);
}

/// The same setup on both worlds.
trait AnyWorld {
    fn setup(&mut self);
}
impl<B: RuleBackend> AnyWorld for World<B> {
    fn setup(&mut self) {
        let a = self.add_species(rule("a", 21, 0.5, 0.0)).unwrap();
        let b = self.add_species(rule("b", 22, 0.5, 1.0)).unwrap();
        seed_at(self, a, 10.0, 10.0, 3.0);
        seed_at(self, b, 30.0, 26.0, 3.0);
        let wall: Vec<_> = Shape::Square { x: 20.0, y: 5.0, half: 2.0 }
            .cells(self.size())
            .into_iter()
            .map(|c| (c, EditOp::WallOn))
            .collect();
        self.edit(&wall);
    }
}

#[test]
fn grafted_cells_keep_their_state_and_take_the_other_rule() {
    let size = WorldSize::new(48, 40, false).unwrap();
    let mut world = World::<Cpu>::new(size, 4, &dev());
    let a = world.add_species(rule("a", 31, 0.5, 0.0)).unwrap();
    let b = world.add_species(rule("b", 32, 0.5, 0.0)).unwrap();
    seed_at(&mut world, a, 16.0, 20.0, 5.0);
    let before = world.host_state();
    let alive_a = world.alive_mask(&before, a);
    let n_a = alive_a.iter().filter(|&&x| x).count();
    assert!(n_a > 30, "{n_a}");
    // A graft on the left part of a's cells and on empty ground beside it.
    let disc = Shape::Disc { x: 11.0, y: 20.0, r: 4.0 }.cells(size);
    world.edit(&disc.iter().map(|&c| (c, EditOp::Graft(b))).collect::<Vec<_>>());
    let after = world.host_state();
    let cells = size.cells();
    let stride = morphogen::world::STATE_STRIDE;
    let mut moved = 0;
    for &c in &disc {
        let c = c as usize;
        let at = |s: usize| (s * cells + c) * stride;
        if alive_a[c] && before[at(a) + 3] > 0.1 {
            // The state moved whole from a's layer to b's.
            assert_eq!(&after[at(b)..at(b) + CHANNELS], &before[at(a)..at(a) + CHANNELS]);
            assert!(after[at(a)..at(a) + CHANNELS].iter().all(|&v| v == 0.0));
            moved += 1;
        } else if before[at(a)..at(a) + CHANNELS].iter().all(|&v| v == 0.0) {
            // Nothing lived there: a graft plants nothing.
            assert!(after[at(b)..at(b) + CHANNELS].iter().all(|&v| v == 0.0));
        }
    }
    assert!(moved > 5, "{moved}");
    let counts = world.alive_cells();
    assert!(counts[b] > 0 && counts[a] < n_a, "{counts:?}");
    // From the next step on, the grafted cells follow b's rule: stepping differs from a world
    // where they kept a's.
    let mut kept = World::<Cpu>::new(size, 4, &dev());
    kept.add_species(rule("a", 31, 0.5, 0.0)).unwrap();
    kept.add_species(rule("b", 31, 0.5, 0.0)).unwrap();
    kept.set_state(after.clone()).unwrap();
    world.step();
    kept.step();
    let diff = world.host_state().iter().zip(kept.host_state()).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    assert!(diff > 1e-3, "the grafted cells must obey the other rule: {diff}");

    // Swap rule: the whole species keeps its cells and state, and takes the other rule and name.
    let state = world.host_state();
    world.set_rule(a, "c", &random_weights(33)).unwrap();
    assert_eq!(world.species().len(), 2);
    assert_eq!(world.species()[a].name, "c");
    assert_eq!(world.host_state(), state);
}

#[test]
fn calm_mode_draws_no_wound_flash() {
    let size = WorldSize::new(32, 32, false).unwrap();
    let picture = |calm: bool| {
        let mut world = World::<Cpu>::new(size, 4, &dev());
        world.calm = calm;
        let a = world.add_species(rule("a", 31, 0.5, 0.0)).unwrap();
        seed_at(&mut world, a, 16.0, 16.0, 6.0);
        let wound: Vec<_> =
            Shape::Disc { x: 16.0, y: 16.0, r: 4.0 }.cells(size).into_iter().map(|c| (c, EditOp::Erase)).collect();
        world.edit(&wound);
        let frame = world.pack(ViewMode::Rgba).to_host(size);
        let flash = world.host_aux().chunks_exact(2).filter(|c| c[1] != 0.0).count();
        // The flash's orange: red well above green and blue.
        let orange = frame.chunks_exact(4).filter(|p| p[0] > 200 && p[1] < 190 && p[2] < 170).count();
        (orange, flash)
    };
    let (flashing, left) = picture(false);
    let (calm, none) = picture(true);
    assert!(flashing > 20 && left > 20, "a wound flashes: {flashing} pixels, {left} cells still to fade");
    assert_eq!((calm, none), (0, 0), "calm: no flash drawn, none left to fade");
}

#[test]
fn host_views_take_the_cpu_array_only_when_no_one_else_holds_it() {
    // The host world updates the array `into_host` returns in place: a tensor still held
    // elsewhere must keep its values.
    use burn::tensor::{Tensor, TensorData};
    use morphogen::nca::sim::to_host;
    use morphogen::rule::RuleBackend;
    let into_host = <Cpu as RuleBackend>::into_host::<1>;
    let with_host = |t: &Tensor<Cpu, 1>, f: fn(&[f32]) -> f32| <Cpu as RuleBackend>::with_host(t, f);
    let dev = Default::default();
    let a = Tensor::<Cpu, 1>::from_data(TensorData::new(vec![1.0f32, 2.0, 3.0], [3]), &dev);
    let kept = a.clone();
    let mut v = into_host(a);
    v[0] = 9.0;
    assert_eq!(to_host(&kept), [1.0, 2.0, 3.0]);
    assert_eq!(with_host(&kept, |s: &[f32]| s.iter().sum::<f32>()), 6.0);
    // A slice of a larger array is not laid out from its start: its own values come back.
    let tail = kept.clone().narrow(0, 1, 2);
    assert_eq!(into_host(tail), [2.0, 3.0]);
    assert_eq!(to_host(&kept.narrow(0, 0, 2)), [1.0, 2.0]);
    let alone = Tensor::<Cpu, 1>::from_data(TensorData::new(vec![4.0f32, 5.0, 6.0], [3]), &dev).narrow(0, 1, 2);
    assert_eq!(into_host(alone), [5.0, 6.0]);
}

/// The census a level reads each step (sums on the world's device) against the same measures
/// taken from a full host copy of the state, on the host world and on the wgpu one.
#[test]
fn a_census_measures_what_the_host_state_shows() {
    census_matches_host::<Cpu>(&dev());
    if gpu_or_skip() {
        census_matches_host::<Wgpu>(&morphogen::gpu_device::shared());
    }
}

fn census_matches_host<B: RuleBackend>(device: &B::Device) {
    use morphogen::level::score::shape_similarity;
    let size = WorldSize::new(40, 36, true).unwrap();
    let mut w = World::<B>::new(size, 9, device);
    w.setup();
    for _ in 0..4 {
        w.step();
    }
    let reference = w.alive_mask(&w.host_state(), 0);
    let zones: Vec<Vec<u32>> = [(10.0, 10.0, 4.0), (30.0, 26.0, 6.0), (2.0, 33.0, 1.0)]
        .iter()
        .map(|&(x, y, half)| Shape::Square { x, y, half }.cells(size))
        .collect();
    let census = w.census(0, &reference, vec![0, 1], &zones);
    let mut seen_partial = false;
    for step in 0..12 {
        if step == 3 {
            seed_at(&mut w, 0, 20.0, 30.0, 2.0);
            let cut: Vec<_> =
                Shape::Disc { x: 10.0, y: 10.0, r: 2.0 }.cells(size).into_iter().map(|c| (c, EditOp::Erase)).collect();
            w.edit(&cut);
        }
        w.step();
        let x = w.host_state();
        let masks = [w.alive_mask(&x, 0), w.alive_mask(&x, 1)];
        let want_shape = shape_similarity(&masks[0], &reference);
        let want_covers: Vec<f32> = zones
            .iter()
            .map(|z| z.iter().filter(|&&c| masks.iter().any(|m| m[c as usize])).count() as f32 / z.len() as f32)
            .collect();
        let got = w.measure(&census);
        assert!(
            (got.shape - want_shape).abs() < 1e-6,
            "step {step}: shape {} on the device, {want_shape} on the host",
            got.shape
        );
        assert_eq!(got.covers.len(), zones.len());
        for (g, h) in got.covers.iter().zip(&want_covers) {
            assert!(
                (g - h).abs() < 1e-6,
                "step {step}: covers {:?} on the device, {want_covers:?} on the host",
                got.covers
            );
        }
        seen_partial |= want_shape > 0.0 && want_shape < 1.0 && want_covers.iter().any(|&c| c > 0.0 && c < 1.0);
    }
    assert!(seen_partial, "the measures should have been neither empty nor full at some step");
    // More zones than a mask on the device holds (12,000 x 1,440 cells): counted all the same.
    let many: Vec<Vec<u32>> = (0..12_000u32).map(|k| vec![k * 7 % size.cells() as u32]).collect();
    let got = w.measure(&w.census(0, &reference, vec![0, 1], &many));
    let x = w.host_state();
    let masks = [w.alive_mask(&x, 0), w.alive_mask(&x, 1)];
    let want: Vec<f32> = many.iter().map(|z| masks.iter().any(|m| m[z[0] as usize]) as u8 as f32).collect();
    assert!(want.contains(&1.0) && want.contains(&0.0), "some zones covered, some not");
    assert_eq!(got.covers, want);
}

/// A change the world cannot take is refused with its kind (and the sentence the UI shows), and
/// the world is left as it was.
#[test]
fn a_world_refuses_what_it_cannot_run_by_kind() {
    use morphogen::world::{MAX_SPECIES, RuleProblem, WorldError};
    assert_eq!(
        WorldSize::new(4, 64, true),
        Err(WorldError::Size { width: 4, height: 64, max: morphogen::world::MAX_SIDE })
    );
    let mut w = World::<Cpu>::new(WorldSize::new(32, 32, true).unwrap(), 1, &dev());
    let e = w.add_species(rule("wild", 1, 1.5, 0.0)).unwrap_err();
    assert_eq!(
        e,
        WorldError::Rule { name: "wild".into(), problem: RuleProblem::FireOrAngle { fire_rate: 1.5, angle: 0.0 } }
    );
    assert!(e.to_string().starts_with("wild: fire rate 1.5 must be in [0, 1]"), "{e}");
    let mut nan = rule("nan", 2, 0.5, 0.0);
    nan.weights.w1[0] = f32::NAN;
    assert!(matches!(w.add_species(nan), Err(WorldError::Rule { problem: RuleProblem::Weights(_), .. })));
    let mut texture = rule("tex", 3, 0.5, 0.0);
    texture.weights.spec.alive_masking = false;
    assert_eq!(w.set_rule(0, "x", &random_weights(4)), Err(WorldError::NoSuchSpecies(0)));
    for k in 0..MAX_SPECIES {
        w.add_species(rule(&format!("s{k}"), k as u64, 0.5, 0.0)).unwrap();
    }
    assert_eq!(w.add_species(rule("one more", 9, 0.5, 0.0)), Err(WorldError::Full { max: MAX_SPECIES }));
    assert!(matches!(
        w.set_rule(0, "tex", &texture.weights),
        Err(WorldError::Rule { problem: RuleProblem::TextureChannels { .. }, .. })
    ));
    assert_eq!(w.species()[0].name, "s0", "a refused rule changes nothing");
    assert_eq!(w.set_state(vec![0.0; 5]), Err(WorldError::StateLength { got: 5, want: MAX_SPECIES * 32 * 32 * 16 }));

    // A GPU's binding limit: the sentence says how many species fit.
    let mut small = World::<Cpu>::new(WorldSize::new(64, 64, true).unwrap(), 1, &dev());
    small.set_buffer_limit(3 * 64 * 64 * 16 * 4);
    for k in 0..3 {
        small.add_species(rule(&format!("s{k}"), k, 0.5, 0.0)).unwrap();
    }
    let e = small.add_species(rule("fourth", 4, 0.5, 0.0)).unwrap_err();
    assert!(matches!(&e, WorldError::OverBuffer { species: 4, .. }), "{e:?}");
    assert!(e.to_string().contains("room for 3 species at this size"), "{e}");
}
