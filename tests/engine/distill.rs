//! The paper's own creatures, imported from the Distill demo's models shipped in assets/distill/.

use morphogen::nca::sim::rgba_mse;
use morphogen::nca::{NcaConfig, Simulation, StepMode, Wound};

use crate::common::*;

fn lizard() -> morphogen::nca::Weights {
    let text = std::fs::read_to_string(distill("ex3_lizard")).expect("the Distill models in assets/distill");
    morphogen::distill::parse(&text).unwrap()
}

#[test]
fn the_imported_ex3_lizard_grows_persists_and_regrows() {
    let w = lizard();
    let mut sim =
        Simulation::<Cpu>::from_seed(&w, NcaConfig::default(), [2, 72, 72], 42, &dev()).with_mode(StepMode::Host);
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
        let mut cut =
            Simulation::<Cpu>::from_state(&w, NcaConfig::default(), grown.clone(), 7).with_mode(StepMode::Host);
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
