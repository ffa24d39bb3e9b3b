//! Self-organising textures: the sliced-Wasserstein loss and its gradient, the texture model's
//! step on every path, and a short training that makes a texture which holds and heals.

use burn::tensor::{Int, Tensor, TensorData};
use morphogen::nca::{Border, FireMasks, ModelSpec, NcaConfig, Weights, nca_step};
use morphogen::train::swd::{Example, Image, SwdOptions, loss};
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::common::*;

/// A smooth, colourful, tileable test image: stripes and blobs.
fn pattern(w: usize, h: usize, phase: f32) -> Image {
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32 / w as f32 * std::f32::consts::TAU, y as f32 / h as f32 * std::f32::consts::TAU);
            let a = (3.0 * fx + phase).sin() * 0.5 + 0.5;
            let b = (2.0 * fy + (fx * 2.0).sin()).cos() * 0.5 + 0.5;
            rgb.extend([0.2 + 0.6 * a, 0.8 * b, 0.3 + 0.4 * a * b]);
        }
    }
    Image::new(w, h, rgb, true)
}

const OPTS: SwdOptions = SwdOptions { levels: 3, patch: 5, projections: 32 };

#[test]
fn the_loss_is_zero_for_the_same_image_and_blind_to_where_the_pattern_sits() {
    let img = pattern(48, 40, 0.0);
    let example = Example::new(img.clone(), OPTS.levels);
    let (same, g) = loss(&img, &example, &OPTS, 5);
    assert!(same.abs() < 1e-9, "{same}");
    assert!(g.iter().all(|v| v.abs() < 1e-9));
    // Rolled by (7, 13): the same patches on a torus, in other places.
    let mut rolled = img.clone();
    for y in 0..img.h {
        for x in 0..img.w {
            let (sy, sx) = ((y + 7) % img.h, (x + 13) % img.w);
            rolled.rgb[(y * img.w + x) * 3..][..3].copy_from_slice(&img.rgb[(sy * img.w + sx) * 3..][..3]);
        }
    }
    let grey = Image { rgb: vec![0.5; img.rgb.len()], ..img.clone() };
    let (rolled_loss, _) = loss(&rolled, &example, &OPTS, 5);
    let (grey_loss, _) = loss(&grey, &example, &OPTS, 5);
    let pixel_mse = rolled.rgb.iter().zip(&img.rgb).map(|(a, b)| (a - b) * (a - b)).sum::<f32>() / img.rgb.len() as f32;
    assert!(grey_loss > 1e-3, "{grey_loss}");
    assert!(rolled_loss <= 1e-6 * grey_loss, "rolled {rolled_loss}, grey {grey_loss}");
    assert!(pixel_mse > 0.01, "the roll moved the pixels: {pixel_mse}");
}

#[test]
fn the_loss_gradient_matches_finite_differences() {
    let target = Example::new(pattern(24, 24, 0.0), OPTS.levels);
    let mut rng = StdRng::seed_from_u64(4);
    let img = Image { rgb: (0..24 * 24 * 3).map(|_| rng.random_range(0.0..1.0)).collect(), ..pattern(24, 24, 0.0) };
    let (_, g) = loss(&img, &target, &OPTS, 9);
    let h = 1e-3f32;
    let mut checked = 0;
    for k in 0..40 {
        let i = (k * 97 + 13) % img.rgb.len();
        let (mut a, mut b) = (img.clone(), img.clone());
        a.rgb[i] += h;
        b.rgb[i] -= h;
        let fd =
            ((loss(&a, &target, &OPTS, 9).0 as f64 - loss(&b, &target, &OPTS, 9).0 as f64) / (2.0 * h as f64)) as f32;
        // Sorting is piecewise linear: a step can cross a tie, so allow a little slack.
        let tol = 2e-3 + 0.05 * fd.abs().max(g[i].abs());
        assert!((fd - g[i]).abs() < tol, "pixel value {i}: finite difference {fd}, gradient {}", g[i]);
        checked += (g[i].abs() > 1e-6) as usize;
    }
    assert!(checked > 20, "most sampled gradients are non-zero ({checked})");
}

#[test]
fn the_loss_gradient_matches_burn_autodiff() {
    // One level of the loss written again with burn tensors: patches as a gather, projections as
    // a matmul, the sort as a gather by the host's sorting order (a sort's gradient is its
    // permutation), the example's sorted projections as constants.
    use morphogen::train::swd::{directions, level, resample};
    let (w, h, k, p) = (12usize, 10usize, 3usize, 6usize);
    let d = 3 * k * k;
    let mut rng = StdRng::seed_from_u64(2);
    let img = Image::new(w, h, (0..w * h * 3).map(|_| rng.random_range(0.0..1.0)).collect(), true);
    let example = Image { wrap: false, ..pattern(16, 14, 1.0) };
    let dirs = directions(&mut StdRng::seed_from_u64(3), d, p);
    let (ours, g) = level(&img, &example, k, &dirs, p);

    // Patch rows of the generated image (every pixel, wrapping) and of the example (inside).
    let patch_index = |im: &Image, wrap: bool| -> Vec<i64> {
        let (ys, xs) = if wrap { (im.h, im.w) } else { (im.h - k + 1, im.w - k + 1) };
        let mut idx = Vec::new();
        for y in 0..ys {
            for x in 0..xs {
                for dy in 0..k {
                    for dx in 0..k {
                        for c in 0..3 {
                            idx.push(((((y + dy) % im.h) * im.w + (x + dx) % im.w) * 3 + c) as i64);
                        }
                    }
                }
            }
        }
        idx
    };
    let dev = dev();
    let ia = patch_index(&img, true);
    let na = ia.len() / d;
    let x = Tensor::<CpuAd, 1>::from_data(TensorData::new(img.rgb.clone(), [img.rgb.len()]), &dev).require_grad();
    let dirs_t = Tensor::<CpuAd, 2>::from_data(TensorData::new(dirs.clone(), [d, p]), &dev);
    let pa = x.clone().select(0, Tensor::<CpuAd, 1, Int>::from_data(TensorData::new(ia, [na * d]), &dev));
    let proj = pa.reshape([na, d]).matmul(dirs_t);
    // The host side: sorting orders, and the example's sorted projections resampled.
    let ph: Vec<f32> = proj.clone().inner().into_data().convert::<f32>().into_vec().unwrap();
    let ib = patch_index(&example, false);
    let nb = ib.len() / d;
    let mut order = Vec::new();
    let mut want = Vec::new();
    for j in 0..p {
        let mut o: Vec<usize> = (0..na).collect();
        o.sort_by(|&u, &v| ph[u * p + j].total_cmp(&ph[v * p + j]));
        let mut sb: Vec<f32> = (0..nb)
            .map(|i| (0..d).map(|q| example.rgb[ib[i * d + q] as usize] * dirs[q * p + j]).sum::<f32>())
            .collect();
        sb.sort_by(f32::total_cmp);
        order.extend(o.iter().map(|&i| (i * p + j) as i64));
        want.extend(resample(&sb, na));
    }
    let sorted =
        proj.reshape([na * p]).select(0, Tensor::<CpuAd, 1, Int>::from_data(TensorData::new(order, [na * p]), &dev));
    let diff = sorted - Tensor::<CpuAd, 1>::from_data(TensorData::new(want, [na * p]), &dev);
    let l = (diff.clone() * diff).mean();
    let burn_loss: f32 = l.clone().into_scalar();
    let grads = l.backward();
    let burn_g: Vec<f32> = x.grad(&grads).unwrap().into_data().convert::<f32>().into_vec().unwrap();
    assert!(((ours as f32) - burn_loss).abs() < 1e-5 * burn_loss.max(1e-3), "loss {ours} vs burn {burn_loss}");
    let scale = burn_g.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let d = max_abs_diff(&g, &burn_g);
    assert!(scale > 0.0 && d < 1e-4 * scale, "gradients differ by {d} (largest {scale})");
}

#[test]
fn optimising_pixels_directly_matches_the_example() {
    let example_img = pattern(64, 64, 0.4);
    let example = Example::new(Image { wrap: false, ..example_img.clone() }, 4);
    let opts = SwdOptions { levels: 4, patch: 5, projections: 32 };
    let mut rng = StdRng::seed_from_u64(1);
    let mut img = Image { rgb: (0..64 * 64 * 3).map(|_| rng.random_range(0.3..0.7)).collect(), ..example_img.clone() };
    let (start, _) = loss(&img, &example, &opts, 0);
    // Adam on the pixels.
    let (mut m, mut v) = (vec![0.0f32; img.rgb.len()], vec![0.0f32; img.rgb.len()]);
    for t in 1..=300 {
        let (_, g) = loss(&img, &example, &opts, t);
        for i in 0..img.rgb.len() {
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
            let (mh, vh) = (m[i] / (1.0 - 0.9f32.powi(t as i32)), v[i] / (1.0 - 0.999f32.powi(t as i32)));
            img.rgb[i] -= 0.01 * mh / (vh.sqrt() + 1e-8);
        }
    }
    let (end, _) = loss(&img, &example, &opts, 0);
    assert!(end * 10.0 < start, "loss {start} -> {end}");
    for c in 0..3 {
        let mean = |im: &Image| im.rgb.iter().skip(c).step_by(3).sum::<f32>() / (im.w * im.h) as f32;
        assert!(
            (mean(&img) - mean(&example_img)).abs() < 0.03,
            "channel {c}: {} vs {}",
            mean(&img),
            mean(&example_img)
        );
    }
}

#[test]
fn the_texture_model_steps_alike_on_every_path() {
    let spec = ModelSpec::TEXTURE;
    let mut w = Weights::init(spec, 3);
    let mut rng = StdRng::seed_from_u64(5);
    w.w2.iter_mut().for_each(|v| *v = rng.random_range(-0.05..0.05));
    let (n, h, wd) = (2, 11, 13);
    let x: Vec<f32> = (0..n * h * wd * 12).map(|_| rng.random_range(-0.5..0.5)).collect();
    let cfg = NcaConfig { fire_rate: 0.5, angle: 0.3, border: Border::Wrap };
    let params = w.to_device::<Cpu>(&dev());
    let fire = FireMasks::new(6, 0.5);
    let mut dense = tensor4(x.clone(), [n, h, wd, 12]);
    let mut host_x = x.clone();
    for t in 0..4 {
        let f = fire.mask(t, n, h * wd);
        dense = nca_step(dense, &params, &cfg, &f);
        host_x = morphogen::nca::host_kernel::step_host(&host_x, [n, h, wd], &w, &cfg, &f);
    }
    let d = max_abs_diff(&host(&dense), &host_x);
    assert!(d < 1e-5, "dense and host differ by {d}");
    assert!(max_abs_diff(&host_x, &x) > 1e-3, "the steps changed the state");
}

#[test]
fn a_short_texture_training_makes_a_texture_that_holds_and_heals() {
    use morphogen::eval::{EvalOptions, evaluate_texture, texture_losses};
    use morphogen::train::{Mode, TrainConfig, Trainer};
    let dir = tmpdir("texture-train");
    // One of the shipped examples (made by tests/scripts/make_textures.py), at 32 pixels.
    let png = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/textures/spots.png");
    let target = morphogen::target::Target::example(&morphogen::target::decode_file(&png).unwrap(), 32).unwrap();
    let cfg = TrainConfig {
        grid: 32,
        batch: 4,
        pool_size: 64,
        min_steps: 32,
        max_steps: 64,
        iterations: 400,
        swd_levels: 3,
        lr_schedule: vec![morphogen::train::config::LrStep { at: 300, lr: 3e-4 }],
        ..TrainConfig::defaults(Mode::Texture)
    };
    let mut t = Trainer::<CpuAd>::new("spots", cfg, target, dev()).unwrap();
    let mut losses = Vec::new();
    while !t.done() {
        losses.push(t.iterate().unwrap().loss);
    }
    let first = losses[..5].iter().sum::<f32>() / 5.0;
    let last = losses[losses.len() - 20..].iter().sum::<f32>() / 20.0;
    eprintln!("texture training loss: {first} -> {last}");
    assert!(last <= 0.5 * first, "the loss should at least halve: {first} -> {last}");

    let c = t.creature();
    let path = dir.join("spots.creature");
    c.save(&path).unwrap();
    let c = morphogen::creature::Creature::load(&path).unwrap();
    assert_eq!(c.weights.spec, ModelSpec::TEXTURE);
    let opts = EvalOptions { trials: 2, ..Default::default() };
    let r = evaluate_texture::<Cpu>(&c, &opts, &dev()).unwrap();
    eprintln!("texture report: {r:?}");
    assert!(r.loss_held <= 1.5 * r.loss_grown, "it holds for 500 more steps: {r:?}");
    let n = r.heal_steps.expect("it heals from a wound");
    assert!(n <= 300, "healed in {n} steps");
    // The report's losses are the example's own measure: a grey world is far worse.
    let grey = morphogen::simulation::Simulation::<Cpu>::from_seed(
        &Weights::zeros(ModelSpec::TEXTURE),
        c.meta.rule,
        [1, 32, 32],
        0,
        &dev(),
    );
    let ex = Example::new(Image::new(c.target.as_ref().unwrap().width, 32, c.target.as_ref().unwrap().rgb(), false), 4);
    assert!(texture_losses(&grey, &ex, 1)[0] > 5.0 * r.loss_grown);
}
