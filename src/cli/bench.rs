//! `morphogen bench`: throughput per backend, as text or JSON lines.

use std::process::ExitCode;

use morphogen::backend::{BackendChoice, BackendJob, GpuBackend, Resolved, resolve, run_job};
use morphogen::bench::{
    cpu_side_by_side_iters_per_s, fused_creatures_iters_per_s, sim_cell_updates_per_s, time_to_grade,
    train_iters_per_s, train_real_iters_per_s, world_cell_updates_per_s,
};
use morphogen::kernels::profile::{KernelTime, measure_parts};
use morphogen::rule::TrainBackend;
use morphogen::target::Target;
use morphogen::train::{Mode, TrainConfig};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    /// all (every backend available), cpu or gpu.
    #[arg(long, default_value = "all")]
    backend: String,
    /// Grid sides for the simulation measure (given with no value, skips it).
    #[arg(long, default_value = "72,256,1024", value_delimiter = ',', num_args = 0..)]
    sizes: Vec<usize>,
    /// Seconds per simulation measure.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Species counts for the sandbox world-kernel measure (the WGSL kernels on a GPU, the host
    /// kernels on the CPU; given with no value, skips it).
    #[arg(long, default_value = "1,4", value_delimiter = ',', num_args = 0..)]
    world_species: Vec<usize>,
    /// Timed training iterations (after one warm-up); 0 skips training.
    #[arg(long, default_value_t = 3)]
    train_iters: usize,
    /// The creature whose target, weights and grown states the real-training measure uses (default:
    /// the shipped lizard).
    #[arg(long, default_value_os_t = morphogen::shipped::creatures().join("lizard.creature"))]
    real: std::path::PathBuf,
    /// Instead of the throughputs: train the lizard with the paper's settings until it meets the
    /// zoo's bar (graded every 250 iterations from the first drop of the learning rate) and
    /// report the wall time and iterations it took.
    #[arg(long)]
    time_to_grade: bool,
    /// Creatures trained at once, summed iterations/s (0 skips it): on a GPU from the seed in one
    /// fused rollout; on the CPU the real training side by side, each on its share of the cores.
    #[arg(long, default_value_t = 0)]
    creatures: usize,
    /// Also time every GPU kernel of each measure's timed part on its own (device timestamps
    /// where the adapter has them) and print each kernel's dispatches and share after the
    /// measure's figure, which timing them lowers: run it apart from the figures you report.
    #[arg(long)]
    kernel_times: bool,
}

struct BenchJob<'a> {
    args: &'a BenchArgs,
}

impl BackendJob for BenchJob<'_> {
    type Output = ();
    fn run<B: TrainBackend>(self, device: B::Device, on: &Resolved) {
        let a = self.args;
        let label = on.label();
        // On a GPU, how the step kernels were built (`kernels::lanes`): the figures depend on it.
        let device_name = match on {
            Resolved::Gpu(_) => {
                format!(
                    "{}, {} lanes a cell",
                    on.describe(),
                    morphogen::kernels::lanes::of(&morphogen::gpu_device::shared())
                )
            }
            Resolved::Cpu => on.describe(),
        };
        if a.time_to_grade {
            let target = TrainConfig { mode: Mode::Regenerate, ..Default::default() };
            let measured = Target::from_file_for(&morphogen::shipped::path("assets/targets/lizard.png"), &target)
                .and_then(|t| time_to_grade::<B>(&device, t, 250));
            match measured {
                Ok((secs, iterations, passed)) => println!(
                    "{}",
                    serde_json::json!({"backend": label, "time_to_grade_s": secs, "iterations": iterations, "passed": passed, "device": device_name})
                ),
                Err(e) => report_failure(true, label, None, &e),
            }
            return;
        }
        if !a.json {
            println!("{device_name}");
        }
        for &g in &a.sizes {
            let measured =
                measure(a.kernel_times, || Ok(sim_cell_updates_per_s::<B::InnerBackend>(&device, g, a.seconds)));
            let (cups, kernels) = match measured {
                Ok(v) => v,
                Err(e) => {
                    report_failure(a.json, label, Some(g), &e);
                    continue;
                }
            };
            if a.json {
                println!(
                    "{}",
                    serde_json::json!({"backend": label, "grid": g, "cell_updates_per_s": cups, "device": device_name})
                );
            } else {
                println!(
                    "  simulation {g:>5}x{g:<5} {:>10.3} M cell updates/s ({:.1} steps/s)",
                    cups / 1e6,
                    cups / (g * g) as f64
                );
            }
            print_kernels(a.json, label, &format!("simulation {g}"), &kernels, &device_name);
        }
        {
            for &g in &a.sizes {
                for &s in &a.world_species {
                    // The sandbox's world on this backend: the WGSL kernels, or the host kernels that
                    // step it on a software renderer.
                    let r = measure(a.kernel_times, || match on {
                        Resolved::Gpu(_) => {
                            world_cell_updates_per_s::<GpuBackend>(&morphogen::gpu_device::shared(), g, s, a.seconds)
                        }
                        Resolved::Cpu => world_cell_updates_per_s::<morphogen::backend::CpuBackend>(
                            &Default::default(),
                            g,
                            s,
                            a.seconds,
                        ),
                    });
                    match r {
                        Ok(((cups, alive), kernels)) => {
                            if a.json {
                                println!(
                                    "{}",
                                    serde_json::json!({"backend": label, "world": g, "species": s, "cell_updates_per_s": cups, "steps_per_s": cups / (g * g) as f64, "alive_at_end": alive, "device": device_name})
                                );
                            } else {
                                println!(
                                    "  world      {g:>5}x{g:<5} {s} species {:>10.3} M cell updates/s ({:.1} steps/s, {:.0}% alive at the end)",
                                    cups / 1e6,
                                    cups / (g * g) as f64,
                                    alive * 100.0
                                );
                            }
                            print_kernels(a.json, label, &format!("world {g} {s} species"), &kernels, &device_name);
                        }
                        Err(e) => report_failure(a.json, "world", Some(g), &e),
                    }
                }
            }
        }
        if a.train_iters > 0 {
            let measured = measure(a.kernel_times, || Ok(train_iters_per_s::<B>(&device, a.train_iters)));
            let (ips, kernels) = match measured {
                Ok(v) => v,
                Err(e) => return report_failure(a.json, label, None, &e),
            };
            if a.json {
                println!("{}", serde_json::json!({"backend": label, "train_iters_per_s": ips, "device": device_name}));
            } else {
                println!("  training   batch 8, 72x72, 80 steps: {ips:.3} iterations/s");
            }
            print_kernels(a.json, label, "training from the seed", &kernels, &device_name);
            match morphogen::creature::Creature::load(&a.real)
                .map_err(|e| e.to_string())
                .and_then(|c| measure(a.kernel_times, || train_real_iters_per_s::<B>(&device, &c, a.train_iters)))
            {
                Ok((ips, kernels)) => {
                    if a.json {
                        println!(
                            "{}",
                            serde_json::json!({"backend": label, "train_real_iters_per_s": ips, "creature": a.real, "device": device_name})
                        );
                    } else {
                        println!(
                            "  training   real: {} (the paper's regenerate settings, a pool of grown creatures): {ips:.3} iterations/s",
                            a.real.display()
                        );
                    }
                    print_kernels(a.json, label, "training real", &kernels, &device_name);
                }
                Err(e) => report_failure(a.json, label, None, &e),
            }
        }
        if a.creatures > 0 && matches!(on, Resolved::Cpu) && a.train_iters > 0 {
            let r = morphogen::creature::Creature::load(&a.real)
                .map_err(|e| e.to_string())
                .and_then(|c| catch(|| cpu_side_by_side_iters_per_s(&c, a.creatures, a.train_iters)).and_then(|r| r));
            match r {
                Ok(ips) if a.json => println!(
                    "{}",
                    serde_json::json!({"backend": label, "train_creatures": a.creatures, "train_real_iters_per_s": ips, "creature": a.real, "device": device_name})
                ),
                Ok(ips) => println!(
                    "  training   real, {} side by side (each on its share of the cores): {ips:.3} iterations/s summed",
                    a.creatures
                ),
                Err(e) => report_failure(a.json, label, None, &e),
            }
        }
        if a.creatures > 0 && matches!(on, Resolved::Gpu(_)) {
            let dev = morphogen::gpu_device::shared();
            let iters = a.train_iters.max(1);
            let r = measure(a.kernel_times, || fused_creatures_iters_per_s(&dev, a.creatures, iters));
            match r {
                Ok((ips, kernels)) => {
                    if a.json {
                        println!(
                            "{}",
                            serde_json::json!({"backend": label, "train_creatures": a.creatures, "train_iters_per_s": ips, "device": device_name})
                        );
                    } else {
                        println!("  training   {} creatures at once: {ips:.3} iterations/s summed", a.creatures);
                    }
                    print_kernels(
                        a.json,
                        label,
                        &format!("training {} creatures", a.creatures),
                        &kernels,
                        &device_name,
                    );
                }
                Err(e) => report_failure(a.json, label, None, &e),
            }
        }
    }
}

/// A backend that fails one measure (out of GPU memory, say) must not end the whole benchmark.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())
    })
}

/// A measure under [`catch`], with its kernels' times when asked (`--kernel-times`).
fn measure<T>(kernel_times: bool, f: impl FnOnce() -> Result<T, String>) -> Result<(T, Vec<KernelTime>), String> {
    catch(|| measure_parts(kernel_times, f)).and_then(|(r, kernels)| r.map(|r| (r, kernels)))
}

/// Each kernel's dispatches and share of a measure's recorded GPU time (`--kernel-times`);
/// nothing for a measure that ran no kernel of ours (the CPU, or the option off).
fn print_kernels(json: bool, backend: &str, measure: &str, rows: &[KernelTime], device: &str) {
    let total: f64 = rows.iter().map(|r| r.seconds).sum();
    if rows.is_empty() || total <= 0.0 {
        return;
    }
    if !json {
        let how = if rows.iter().all(|r| r.device_timed) { "device timestamps" } else { "host clock, waiting" };
        println!("    kernels of {measure} ({how}), {:.1} ms in all:", total * 1e3);
    }
    for r in rows {
        let share = r.seconds / total;
        if json {
            println!(
                "{}",
                serde_json::json!({"backend": backend, "kernel_times": measure, "kernel": r.kernel, "dispatches": r.dispatches, "seconds": r.seconds, "share": share, "device_timed": r.device_timed, "device": device})
            );
        } else {
            println!(
                "      {:<10} {:>7} dispatches {:>10.1} ms {:>6.1}% {:>10.1} us each",
                r.kernel,
                r.dispatches,
                r.seconds * 1e3,
                share * 100.0,
                r.seconds * 1e6 / r.dispatches as f64
            );
        }
    }
}

fn report_failure(json: bool, backend: &str, grid: Option<usize>, e: &str) {
    let first = e.lines().next().unwrap_or(e);
    if json {
        println!("{}", serde_json::json!({"backend": backend, "grid": grid, "error": first}));
    } else {
        println!("  {backend} {}: failed: {first}", grid.map(|g| format!("grid {g}")).unwrap_or("training".into()));
    }
}

pub fn run(a: BenchArgs) -> Result<ExitCode, String> {
    if a.sizes.iter().any(|&s| s < 3) {
        return Err("--sizes: every grid side must be at least 3".into());
    }
    let mut targets = vec![];
    match a.backend.as_str() {
        "all" => {
            targets.push(resolve(BackendChoice::Cpu)?);
            match resolve(BackendChoice::Gpu) {
                Ok(g) => targets.push(g),
                Err(e) => eprintln!("no GPU backend: {e}"),
            }
        }
        other => targets.push(resolve(other.parse()?)?),
    }
    for on in &targets {
        run_job(on, BenchJob { args: &a });
    }
    Ok(ExitCode::SUCCESS)
}
