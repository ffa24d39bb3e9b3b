use burn::backend::{Autodiff, NdArray};
use burn::tensor::{Tensor, TensorData};
use morphogen::nca::{CHANNELS, Weights};
use rand::{Rng, SeedableRng, rngs::StdRng};

pub type Cpu = NdArray<f32>;
pub type CpuAd = Autodiff<Cpu>;

pub fn dev() -> burn::backend::ndarray::NdArrayDevice {
    Default::default()
}

pub fn tensor4(v: Vec<f32>, dims: [usize; 4]) -> Tensor<Cpu, 4> {
    Tensor::from_data(TensorData::new(v, dims), &dev())
}

pub fn host(t: &Tensor<Cpu, 4>) -> Vec<f32> {
    morphogen::nca::sim::to_host(t)
}

/// Whether the GPU tests can run: a wgpu adapter (lavapipe in CI). Without one they skip, except
/// where `MORPHOGEN_REQUIRE_GPU` is set (CI), which makes a missing adapter a failure.
pub fn gpu_or_skip() -> bool {
    match morphogen::backend::probe_gpu() {
        Ok(info) => {
            eprintln!("GPU adapter: {info}");
            true
        }
        Err(e) => {
            assert!(std::env::var_os("MORPHOGEN_REQUIRE_GPU").is_none(), "a GPU adapter is required here: {e}");
            eprintln!("skipping: {e}");
            false
        }
    }
}

/// Weights with a non-zero last layer, so that steps change the state.
pub fn random_weights(seed: u64) -> Weights {
    let mut w = Weights::init(morphogen::nca::ModelSpec::GROWING, seed);
    let mut rng = StdRng::seed_from_u64(seed + 1);
    w.w2.iter_mut().for_each(|v| *v = rng.random_range(-0.05..0.05));
    w.b2.iter_mut().for_each(|v| *v = rng.random_range(-0.01..0.01));
    w
}

/// A random state in which a blob in the middle is alive and everything else is zero.
pub fn blob_state(n: usize, h: usize, w: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut v = vec![0.0; n * h * w * CHANNELS];
    for b in 0..n {
        for y in h / 4..3 * h / 4 {
            for x in w / 4..3 * w / 4 {
                let i = ((b * h + y) * w + x) * CHANNELS;
                for c in 0..CHANNELS {
                    v[i + c] = rng.random_range(-0.5..1.0);
                }
                v[i + 3] = rng.random_range(0.2..1.0);
            }
        }
    }
    v
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// A model of the Distill article's demo, shipped in `assets/distill/` (e.g. "ex3_lizard").
pub fn distill(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/distill").join(format!("{name}.json"))
}

pub fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("morphogen-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
