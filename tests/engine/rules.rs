//! The rules of the automaton, one at a time.

use std::f32::consts::FRAC_PI_2;

use morphogen::nca::perceive::perceive;
use morphogen::nca::sim::{alive_counts, seed_state};
use morphogen::nca::{Border, CHANNELS, FireMasks, ModelSpec, NcaConfig, Weights, Wound, nca_step};
use morphogen::simulation::Simulation;

use crate::common::*;

/// Naive cross-correlation with an explicit 3x3 kernel, written independently of the engine.
fn xcorr(x: &[f32], h: usize, w: usize, c: usize, k: [[f32; 3]; 3], wrap: bool) -> Vec<f32> {
    let mut out = vec![0.0; h * w];
    for y in 0..h as isize {
        for xx in 0..w as isize {
            let mut s = 0.0;
            for dy in -1..=1isize {
                for dx in -1..=1isize {
                    let (mut yy, mut xs) = (y + dy, xx + dx);
                    if wrap {
                        yy = yy.rem_euclid(h as isize);
                        xs = xs.rem_euclid(w as isize);
                    } else if yy < 0 || xs < 0 || yy >= h as isize || xs >= w as isize {
                        continue;
                    }
                    s += k[(dy + 1) as usize][(dx + 1) as usize] * x[((yy as usize) * w + xs as usize) * CHANNELS + c];
                }
            }
            out[y as usize * w + xx as usize] = s;
        }
    }
    out
}

const KX: [[f32; 3]; 3] = [[-0.125, 0.0, 0.125], [-0.25, 0.0, 0.25], [-0.125, 0.0, 0.125]];
const KY: [[f32; 3]; 3] = [[-0.125, -0.25, -0.125], [0.0, 0.0, 0.0], [0.125, 0.25, 0.125]];

fn check_perception(border: Border) {
    let (h, w) = (7, 6);
    let x = blob_state(1, h, w, 3);
    // Put values on the edges too, so that the border mode matters.
    let mut x = x;
    for c in 0..CHANNELS {
        x[c] = 0.7 + c as f32 * 0.01;
        x[((h - 1) * w + w - 1) * CHANNELS + c] = -0.3;
    }
    let f = host(&perceive(tensor4(x.clone(), [1, h, w, CHANNELS]), &ModelSpec::GROWING, 0.0, border));
    let wrap = border == Border::Wrap;
    for c in 0..CHANNELS {
        let gx = xcorr(&x, h, w, c, KX, wrap);
        let gy = xcorr(&x, h, w, c, KY, wrap);
        for i in 0..h * w {
            assert_eq!(f[i * 48 + c], x[i * CHANNELS + c], "identity band, channel {c}");
            assert!((f[i * 48 + 16 + c] - gx[i]).abs() < 1e-6, "sobel-x band, channel {c}, cell {i}");
            assert!((f[i * 48 + 32 + c] - gy[i]).abs() < 1e-6, "sobel-y band, channel {c}, cell {i}");
        }
    }
}

#[test]
fn perception_matches_sobel_cross_correlation_zero_border() {
    check_perception(Border::Zero);
}

#[test]
fn perception_matches_sobel_cross_correlation_wrap_border() {
    check_perception(Border::Wrap);
}

#[test]
fn perception_of_a_single_bright_cell_has_the_right_signs() {
    // One cell at (2, 2) with channel 0 = 1: the cell to its left sees the value rise to the
    // right (+x gradient), the cell above sees it rise downward (+y gradient).
    let mut x = vec![0.0; 5 * 5 * CHANNELS];
    x[(2 * 5 + 2) * CHANNELS] = 1.0;
    let f = host(&perceive(tensor4(x, [1, 5, 5, CHANNELS]), &ModelSpec::GROWING, 0.0, Border::Zero));
    let at = |y: usize, xx: usize, band: usize| f[(y * 5 + xx) * 48 + band * 16];
    assert_eq!(at(2, 2, 0), 1.0);
    assert_eq!(at(2, 1, 1), 0.25);
    assert_eq!(at(2, 3, 1), -0.25);
    assert_eq!(at(1, 2, 2), 0.25);
    assert_eq!(at(3, 2, 2), -0.25);
    assert_eq!(at(1, 1, 1), 0.125);
    assert_eq!(at(1, 1, 2), 0.125);
    // A rotated perception turns the gradient pair: at 90 degrees (gx, gy) -> (-gy, gx).
    let mut x = vec![0.0; 5 * 5 * CHANNELS];
    x[(2 * 5 + 2) * CHANNELS] = 1.0;
    let r = host(&perceive(tensor4(x, [1, 5, 5, CHANNELS]), &ModelSpec::GROWING, FRAC_PI_2, Border::Zero));
    let rat = |y: usize, xx: usize, band: usize| r[(y * 5 + xx) * 48 + band * 16];
    assert!((rat(2, 1, 1) - 0.0).abs() < 1e-6 && (rat(2, 1, 2) - 0.25).abs() < 1e-6);
    assert!((rat(1, 2, 1) + 0.25).abs() < 1e-6 && (rat(1, 2, 2) - 0.0).abs() < 1e-6);
}

/// Rotates an `[h, w, c]` host grid by 90 degrees clockwise on screen: new[r][c] = old[h-1-c][r].
fn rot_cw(x: &[f32], h: usize, w: usize, ch: usize) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    for r in 0..w {
        for c in 0..h {
            let src = ((h - 1 - c) * w + r) * ch;
            let dst = (r * h + c) * ch;
            out[dst..dst + ch].copy_from_slice(&x[src..src + ch]);
        }
    }
    out
}

/// The inverse: 90 degrees counter-clockwise (`[h, w]` in, `[w, h]` out).
fn rot_ccw(x: &[f32], h: usize, w: usize, ch: usize) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    for y in 0..h {
        for xx in 0..w {
            let src = (y * w + xx) * ch;
            let dst = ((w - 1 - xx) * h + y) * ch;
            out[dst..dst + ch].copy_from_slice(&x[src..src + ch]);
        }
    }
    out
}

#[test]
fn rotating_perception_by_90_degrees_equals_rotating_the_grid() {
    let (h, w) = (12, 9);
    let weights = random_weights(5);
    let params = weights.to_device::<Cpu>(&dev());
    let x = blob_state(1, h, w, 11);
    let fire = FireMasks::new(9, 0.5).mask(0, 1, h * w);
    let fire_f: Vec<f32> = fire.iter().map(|&b| b as u8 as f32).collect();
    for border in [Border::Zero, Border::Wrap] {
        let rotated_rule = NcaConfig { angle: FRAC_PI_2, border, ..Default::default() };
        let direct = host(&nca_step(tensor4(x.clone(), [1, h, w, CHANNELS]), &params, &rotated_rule, &fire));

        let xr = rot_cw(&x, h, w, CHANNELS);
        let fire_r: Vec<bool> = rot_cw(&fire_f, h, w, 1).into_iter().map(|v| v > 0.5).collect();
        let plain = NcaConfig { border, ..Default::default() };
        let stepped = host(&nca_step(tensor4(xr, [1, w, h, CHANNELS]), &params, &plain, &fire_r));
        let back = rot_ccw(&stepped, w, h, CHANNELS);
        let d = max_abs_diff(&direct, &back);
        assert!(d < 1e-5, "{border:?}: max difference {d}");
        // And the step did something, so the comparison means something.
        assert!(max_abs_diff(&direct, &x) > 1e-3);
    }
}

#[test]
fn rotation_helpers_are_inverse() {
    let v: Vec<f32> = (0..12).map(|i| i as f32).collect();
    assert_eq!(rot_ccw(&rot_cw(&v, 3, 4, 1), 4, 3, 1), v);
    // Clockwise: the top-left corner goes to the top-right.
    assert_eq!(rot_cw(&v, 3, 4, 1)[2], v[0]);
}

#[test]
fn alive_masking_kills_cells_without_a_living_neighbourhood() {
    let (h, w) = (9, 9);
    let mut x = vec![0.0; h * w * CHANNELS];
    let set = |x: &mut Vec<f32>, y: usize, xx: usize, a: f32| {
        let i = (y * w + xx) * CHANNELS;
        x[i + 3] = a;
        x[i + 5] = 0.3;
    };
    set(&mut x, 1, 1, 0.05); // faint and alone: dies
    set(&mut x, 6, 6, 0.5); // alive
    set(&mut x, 6, 7, 0.02); // faint, but next to a living cell: survives
    let zero = Weights::zeros(ModelSpec::GROWING).to_device::<Cpu>(&dev());
    let out =
        host(&nca_step(tensor4(x.clone(), [1, h, w, CHANNELS]), &zero, &NcaConfig::default(), &vec![true; h * w]));
    let cell = |v: &[f32], y: usize, xx: usize| v[(y * w + xx) * CHANNELS..(y * w + xx + 1) * CHANNELS].to_vec();
    assert!(cell(&out, 1, 1).iter().all(|&v| v == 0.0), "isolated faint cell must die");
    assert_eq!(cell(&out, 6, 6), cell(&x, 6, 6));
    assert_eq!(cell(&out, 6, 7), cell(&x, 6, 7));

    // The mask also applies after the update: a rule that drives alpha down kills the cell.
    let mut w_kill = Weights::zeros(ModelSpec::GROWING);
    w_kill.b2[3] = -1.0;
    let kill = w_kill.to_device::<Cpu>(&dev());
    let out = host(&nca_step(tensor4(x, [1, h, w, CHANNELS]), &kill, &NcaConfig::default(), &vec![true; h * w]));
    assert!(out.iter().all(|&v| v == 0.0), "after-update alpha below threshold everywhere: all dead");
}

#[test]
fn a_zero_initialised_model_changes_nothing() {
    let (h, w) = (16, 16);
    let fresh = Weights::init(ModelSpec::GROWING, 1);
    assert!(fresh.w2.iter().chain(&fresh.b2).all(|&v| v == 0.0), "last layer starts at zero");
    let x = blob_state(2, h, w, 4);
    let mut sim =
        Simulation::<Cpu>::from_state(&fresh, NcaConfig::default(), tensor4(x.clone(), [2, h, w, CHANNELS]), 3);
    sim.run(10);
    assert_eq!(sim.host_state(), x);
}

#[test]
fn the_seed_is_one_cell_with_hidden_channels_set() {
    let s = seed_state(&ModelSpec::GROWING, 1, 72, 72);
    let live: Vec<usize> =
        s.chunks_exact(CHANNELS).enumerate().filter(|(_, c)| c.iter().any(|&v| v != 0.0)).map(|(i, _)| i).collect();
    assert_eq!(live, vec![36 * 72 + 36]);
    let c = &s[live[0] * CHANNELS..(live[0] + 1) * CHANNELS];
    assert_eq!(&c[..3], &[0.0, 0.0, 0.0]);
    assert!(c[3..].iter().all(|&v| v == 1.0));
}

#[test]
fn fire_rate_is_respected() {
    let m = FireMasks::new(1, 0.5).mask(0, 1, 100_000);
    let on = m.iter().filter(|&&b| b).count() as f32 / 1e5;
    assert!((on - 0.5).abs() < 0.01, "{on}");
    // Another step draws another mask, and the same step the same one.
    assert_ne!(FireMasks::new(1, 0.5).mask(1, 1, 1000), m[..1000]);
    assert_eq!(FireMasks::new(1, 0.5).mask(0, 1, 1000), m[..1000]);
    assert!(FireMasks::new(1, 0.0).mask(0, 1, 1000).iter().all(|&b| !b));
    assert!(FireMasks::new(1, 1.0).mask(0, 1, 1000).iter().all(|&b| b));
}

#[test]
fn runs_repeat_exactly_for_a_seed() {
    let w = random_weights(3);
    let start = blob_state(2, 24, 24, 1);
    let run = |seed| {
        let x = tensor4(start.clone(), [2, 24, 24, CHANNELS]);
        let mut s = Simulation::<Cpu>::from_state(&w, NcaConfig::default(), x, seed);
        s.run(20);
        s.host_state()
    };
    let (a, b, c) = (run(7), run(7), run(8));
    assert!(a == b, "same seed, same run");
    assert!(max_abs_diff(&a, &c) > 1e-3, "another seed, another run");
    assert!(max_abs_diff(&a, &start) > 1e-3, "the runs did something");
}

#[test]
fn wound_shapes_cover_the_right_cells() {
    let (h, w) = (72, 72);
    let removed = |wd: Wound| wd.keep_mask(h, w).iter().filter(|&&k| k == 0.0).count();
    assert_eq!(removed(Wound::Left), 72 * 36);
    assert_eq!(removed(Wound::Right), 72 * 36);
    assert_eq!(removed(Wound::Top), 72 * 36);
    assert_eq!(removed(Wound::Bottom), 72 * 36);
    assert_eq!(removed(Wound::Square { size: 16 }), 256);
    let left = Wound::Left.keep_mask(h, w);
    assert_eq!(left[0], 0.0);
    assert_eq!(left[35], 0.0);
    assert_eq!(left[36], 1.0);
    let sq = Wound::Square { size: 16 }.keep_mask(h, w);
    assert_eq!(sq[28 * 72 + 28], 0.0);
    assert_eq!(sq[27 * 72 + 28], 1.0);
    assert_eq!(sq[43 * 72 + 43], 0.0);
    assert_eq!(sq[44 * 72 + 43], 1.0);
    // A disc of radius 0.25 (in [-1, 1] grid units) centred: about pi * (0.25 * 35.5)^2 cells.
    let d = removed(Wound::Disc { cx: 0.0, cy: 0.0, r: 0.25 }) as f32;
    let expect = std::f32::consts::PI * (0.25 * 35.5f32).powi(2);
    assert!((d - expect).abs() / expect < 0.1, "{d} vs {expect}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    use rand::SeedableRng;
    for _ in 0..100 {
        match Wound::random_disc(&mut rng) {
            Wound::Disc { cx, cy, r } => {
                assert!((-0.5..0.5).contains(&cx) && (-0.5..0.5).contains(&cy) && (0.1..0.4).contains(&r))
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn alive_counts_use_the_alpha_threshold() {
    let mut s = vec![0.0; 2 * 4 * CHANNELS];
    s[3] = 0.11;
    s[CHANNELS + 3] = 0.1;
    s[4 * CHANNELS + 3] = 0.9;
    assert_eq!(alive_counts(&s, CHANNELS, 2), vec![1, 1]);
}

/// A state whose living cells touch the grid's edges (the wrapped neighbours matter).
fn edge_state(n: usize, h: usize, w: usize) -> Vec<f32> {
    let mut v = blob_state(n, h, w, 21);
    for b in 0..n {
        for (y, x) in [(0, 0), (0, w - 1), (h - 1, 3), (5, w - 1)] {
            let i = ((b * h + y) * w + x) * CHANNELS;
            v[i + 3] = 0.8;
            v[i + 6] = -0.4;
        }
    }
    v
}

#[test]
fn the_host_step_agrees_with_the_tensor_reference() {
    let (n, h, w) = (2, 19, 23);
    let weights = random_weights(12);
    let params = weights.to_device::<Cpu>(&dev());
    for border in [Border::Zero, Border::Wrap] {
        for (label, start) in [("centred", blob_state(n, h, w, 8)), ("edges", edge_state(n, h, w))] {
            let cfg = NcaConfig { border, angle: -0.7, fire_rate: 0.6 };
            let mut dense = tensor4(start.clone(), [n, h, w, CHANNELS]);
            let mut host_state = start.clone();
            let fire = FireMasks::new(31, cfg.fire_rate);
            for t in 0..6 {
                let f = fire.mask(t, n, h * w);
                dense = nca_step(dense, &params, &cfg, &f);
                host_state = morphogen::nca::host_kernel::step_host(&host_state, [n, h, w], &weights, &cfg, &f);
            }
            let d = host(&dense);
            assert!(max_abs_diff(&d, &start) > 1e-3, "{border:?} {label}: the steps did something");
            let dh = max_abs_diff(&d, &host_state);
            assert!(dh < 1e-5, "{border:?} {label}: host {dh}");
        }
    }
}

#[test]
fn a_simulation_on_the_host_matches_the_tensor_reference() {
    let w = random_weights(6);
    let cfg = NcaConfig::default();
    let mut s = Simulation::<Cpu>::from_seed(&w, cfg, [2, 30, 30], 5, &dev());
    s.apply_keep_mask(Wound::Left.keep_mask(30, 30).repeat(2));
    let start = s.host_state();
    let params = w.to_device::<Cpu>(&dev());
    let mut reference = s.state();
    let fire = FireMasks::new(5, cfg.fire_rate);
    for t in 0..12 {
        reference = nca_step(reference, &params, &cfg, &fire.mask(t, 2, 30 * 30));
    }
    s.run(12);
    let (a, b) = (host(&reference), s.host_state());
    assert!(max_abs_diff(&a, &start) > 1e-3, "the steps did something");
    assert!(max_abs_diff(&a, &b) < 1e-5);
    assert_eq!(alive_counts(&a, CHANNELS, 2), s.alive_counts());
}
