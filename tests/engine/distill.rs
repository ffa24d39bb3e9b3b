//! The paper's own creatures, imported from the Distill demo's models shipped in assets/distill/.

use morphogen::nca::sim::rgba_mse;
use morphogen::nca::{NcaConfig, Wound};
use morphogen::simulation::Simulation;

use crate::common::*;

fn lizard() -> morphogen::nca::Weights {
    let text = std::fs::read_to_string(distill("ex3_lizard")).expect("the Distill models in assets/distill");
    morphogen::distill::parse(&text).unwrap()
}

#[test]
fn the_imported_ex3_lizard_grows_persists_and_regrows() {
    let w = lizard();
    let mut sim = Simulation::<Cpu>::from_seed(&w, NcaConfig::default(), [2, 72, 72], 42, &dev());
    sim.run(200);
    let alive = sim.alive_counts();
    eprintln!("alive at 200: {alive:?}");
    for a in &alive {
        assert!((600..=760).contains(a), "about 680 alive cells expected, got {a}");
    }
    let grown = sim.state();
    sim.run(300);
    let drift = rgba_mse(&sim.state(), &grown);
    assert!(drift.iter().all(|&d| d < 1e-3), "stable after growing: {drift:?}");

    for wound in [Wound::Left, Wound::Bottom] {
        let mut cut = Simulation::<Cpu>::from_state(&w, NcaConfig::default(), grown.clone(), 7);
        cut.apply_keep_mask([wound.keep_mask(72, 72), wound.keep_mask(72, 72)].concat());
        let wounded = rgba_mse(&cut.state(), &grown);
        assert!(wounded.iter().all(|&e| e > 0.01), "{wound:?} removed a real part: {wounded:?}");
        let after = cut.alive_counts();
        assert!(after.iter().zip(&alive).all(|(a, b)| *a < b * 3 / 4));
        cut.run(200);
        let err = rgba_mse(&cut.state(), &grown);
        assert!(err.iter().all(|&e| e < 2e-3), "{wound:?}: regrown within 2e-3: {err:?}");
    }
}

#[test]
fn the_growing_only_lizard_is_a_different_creature() {
    let text = std::fs::read_to_string(distill("ex1_lizard")).unwrap();
    let w1 = morphogen::distill::parse(&text).unwrap();
    assert_ne!(w1, lizard());
}

#[test]
fn malformed_demo_models_give_clear_errors() {
    let text = std::fs::read_to_string(distill("ex3_lizard")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(morphogen::distill::parse("{}").unwrap_err().contains("not a Distill demo model"));
    let mut one = v.clone();
    one.as_array_mut().unwrap().pop();
    assert!(morphogen::distill::parse(&one.to_string()).unwrap_err().contains("expected 2 layers"));
    let mut short = v.clone();
    short[0]["data_b64"] = serde_json::Value::String("AAAA".into());
    assert!(morphogen::distill::parse(&short.to_string()).unwrap_err().contains("bytes of data"));
    let mut garbage = v.clone();
    garbage[1]["data_b64"] = serde_json::Value::String("!!!not base64!!!".into());
    assert!(morphogen::distill::parse(&garbage.to_string()).unwrap_err().contains("base64"));
    v[0]["in_ch"] = serde_json::json!(47);
    assert!(morphogen::distill::parse(&v.to_string()).unwrap_err().contains("expected 48->128"));
}

#[test]
fn our_creatures_export_to_the_demo_format_and_grow_the_same_after_the_round_trip() {
    let ours = morphogen::creature::Creature::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/creatures/lizard.creature"),
    )
    .unwrap();
    let json = morphogen::distill::export(&ours.weights).unwrap();
    let back = morphogen::distill::parse(&json).unwrap();
    // Each value moves by at most half a quantisation step of its tensor's scale.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for (a, b, scale) in [
        (&ours.weights.w1, &back.w1, v[0]["weight_scale"].as_f64().unwrap() as f32),
        (&ours.weights.b1, &back.b1, v[0]["bias_scale"].as_f64().unwrap() as f32),
        (&ours.weights.w2, &back.w2, v[1]["weight_scale"].as_f64().unwrap() as f32),
        (&ours.weights.b2, &back.b2, v[1]["bias_scale"].as_f64().unwrap() as f32),
    ] {
        let err = max_abs_diff(a, b);
        assert!(err <= scale / 255.0 * 0.5 + 1e-6, "quantisation error {err} for scale {scale}");
        assert!(err > 0.0, "a float creature is not exactly representable");
    }
    // Grown from the seed, both are the same creature within the quantisation's error.
    let grow = |w: &morphogen::nca::Weights| {
        let mut sim = Simulation::<Cpu>::from_seed(w, NcaConfig::default(), [1, 72, 72], 5, &dev());
        sim.run(200);
        (sim.state(), sim.alive_counts()[0])
    };
    let (a, na) = grow(&ours.weights);
    let (b, nb) = grow(&back);
    let mse = rgba_mse(&a, &b)[0];
    eprintln!("round trip: alive {na} vs {nb}, RGBA MSE {mse:.2e}");
    assert!(na > 300 && (na as f32 - nb as f32).abs() < 0.05 * na as f32, "{na} vs {nb}");
    assert!(mse < 2e-3, "{mse}");
    // A texture cannot run in the demo.
    let tex = morphogen::nca::Weights::init(morphogen::nca::ModelSpec::TEXTURE, 1);
    assert!(morphogen::distill::export(&tex).unwrap_err().contains("paper's model only"));

    // Through the command line, there and back.
    let dir = tmpdir("export-distill");
    let json_path = dir.join("lizard.json");
    let run = |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_morphogen")).args(args).output().unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/creatures/lizard.creature");
    let o = run(&["export-distill", src.to_str().unwrap(), "--out", json_path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let creature = dir.join("back.creature");
    let o = run(&["import-distill", json_path.to_str().unwrap(), "--out", creature.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(morphogen::creature::Creature::load(&creature).unwrap().weights, back);
}

#[test]
fn thumbnails_show_the_creature_grown_and_are_rendered_once() {
    let dir = tmpdir("thumbnails");
    let w = lizard();
    let path = morphogen::thumbnail::cache_path(&dir, &w, 0.5, 0.0);
    assert!(!path.exists());
    let t0 = std::time::Instant::now();
    let (tw, th, rgba) = morphogen::thumbnail::cached(&dir, &w, 0.5, 0.0).unwrap();
    let rendered = t0.elapsed();
    assert!(path.exists(), "the thumbnail is kept in the cache folder");
    assert_eq!(tw, th);
    assert!((30..=72).contains(&tw), "cropped to the lizard: {tw}");
    let opaque = rgba.chunks_exact(4).filter(|p| p[3] > 200).count();
    let green = rgba.chunks_exact(4).filter(|p| p[3] > 200 && p[1] > p[0] && p[1] > p[2]).count();
    assert!(opaque > tw * th / 5 && green > opaque / 2, "a green lizard: {opaque} opaque, {green} green");
    // The second time it comes from the file, unchanged.
    let t1 = std::time::Instant::now();
    let again = morphogen::thumbnail::cached(&dir, &w, 0.5, 0.0).unwrap();
    eprintln!("rendered in {rendered:?}, read back in {:?}", t1.elapsed());
    assert_eq!(again, (tw, th, rgba));
    // Another rule, or another fire rate, is another picture.
    assert_ne!(morphogen::thumbnail::cache_path(&dir, &w, 0.4, 0.0), path);
    // A texture fills a wrapped grid from nothing: the whole grid, opaque (an untrained rule
    // leaves it the grey of an all-zero state).
    let tex = morphogen::nca::Weights::init(morphogen::nca::ModelSpec::TEXTURE, 1);
    let (w, h, px) = morphogen::thumbnail::render(&tex, 0.5, 0.0).unwrap();
    assert_eq!((w, h), (72, 72));
    assert!(px.chunks_exact(4).all(|p| p[3] == 255 && p[0] == 128), "an opaque grey grid");
}
