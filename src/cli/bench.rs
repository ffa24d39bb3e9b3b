//! `morphogen bench`: throughput per backend, as text or JSON lines.

use std::process::ExitCode;

use morphogen::backend::{BackendChoice, BackendJob, GpuBackend, Resolved, resolve, run_job};
use morphogen::bench::{
    cpu_side_by_side_iters_per_s, fused_creatures_iters_per_s, level_ticks_per_s, sim_cell_updates_per_s,
    time_to_grade, train_iters_per_s, train_real_iters_per_s, world_cell_updates_per_s,
};
use morphogen::kernels::profile::{KernelTime, measure_parts};
use morphogen::level::Level;
use morphogen::rule::{RuleBackend, TrainBackend};
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
    /// World sides for the level-play measure: `--level` in a world of that side, ticks/s beside
    /// its world's bare steps/s (given with no value, skips it).
    #[arg(long, default_value = "256", value_delimiter = ',', num_args = 0..)]
    level_sides: Vec<usize>,
    /// The level the level-play measure plays (default: the shipped "Two gardens", whose goal
    /// measures zone cover as well as shape).
    #[arg(long, default_value_os_t = morphogen::shipped::path("levels/07-two-gardens.ron"))]
    level: std::path::PathBuf,
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

/// Where a measure's figures go: JSON lines or text, each with the backend and the device.
struct Report<'a> {
    json: bool,
    label: &'a str,
    device: String,
}

impl Report<'_> {
    /// One figure: `fields` (with the backend and device added) as a JSON line, or `text`.
    fn figure(&self, mut fields: serde_json::Value, text: impl FnOnce() -> String) {
        // On a GPU, the variants of the step kernels that ran (`kernels::tune`): the figure
        // depends on them.
        let variant = match self.label {
            "gpu" => morphogen::kernels::tune::in_use(&morphogen::gpu_device::shared()),
            _ => String::new(),
        };
        if self.json {
            fields["backend"] = self.label.into();
            fields["device"] = self.device.clone().into();
            if !variant.is_empty() {
                fields["variant"] = variant.into();
            }
            println!("{fields}");
        } else if variant.is_empty() {
            println!("{}", text());
        } else {
            println!("{} [{variant}]", text());
        }
    }

    fn kernels(&self, measure: &str, rows: &[KernelTime]) {
        print_kernels(self.json, self.label, measure, rows, &self.device);
    }

    fn failure(&self, grid: Option<usize>, e: &str) {
        report_failure(self.json, self.label, grid, e);
    }
}

impl BackendJob for BenchJob<'_> {
    type Output = ();
    fn run<B: TrainBackend>(self, device: B::Device, on: &Resolved) {
        let a = self.args;
        let r = Report { json: a.json, label: on.label(), device: on.describe() };
        if a.time_to_grade {
            return time_to_grade_measure::<B>(&r, &device);
        }
        if !a.json {
            println!("{}", r.device);
        }
        simulation_measures::<B::InnerBackend>(a, &r, &device);
        // The sandbox's world and the levels on this backend: the WGSL kernels, or the host
        // kernels that step them on a software renderer.
        match on {
            Resolved::Gpu(_) => world_measures::<GpuBackend>(a, &r, &morphogen::gpu_device::shared()),
            Resolved::Cpu => world_measures::<morphogen::backend::CpuBackend>(a, &r, &Default::default()),
        }
        if a.train_iters > 0 {
            training_measures::<B>(a, &r, &device);
        }
        if a.creatures > 0 {
            creatures_measure(a, &r, on);
        }
    }
}

fn time_to_grade_measure<B: TrainBackend>(r: &Report, device: &B::Device) {
    let target = TrainConfig { mode: Mode::Regenerate, ..Default::default() };
    let measured = Target::from_file_for(&morphogen::shipped::path("assets/targets/lizard.png"), &target)
        .map_err(String::from)
        .and_then(|t| time_to_grade::<B>(device, t, 250));
    match measured {
        Ok((secs, iterations, passed)) => {
            let fields = serde_json::json!({"time_to_grade_s": secs, "iterations": iterations, "passed": passed});
            // Always JSON: the figure is read by scripts.
            Report { json: true, label: r.label, device: r.device.clone() }.figure(fields, String::new)
        }
        Err(e) => report_failure(true, r.label, None, &e),
    }
}

fn simulation_measures<B: RuleBackend>(a: &BenchArgs, r: &Report, device: &B::Device) {
    for &g in &a.sizes {
        match measure(a.kernel_times, || Ok(sim_cell_updates_per_s::<B>(device, g, a.seconds))) {
            Ok((cups, kernels)) => {
                r.figure(serde_json::json!({"grid": g, "cell_updates_per_s": cups}), || {
                    format!(
                        "  simulation {g:>5}x{g:<5} {:>10.3} M cell updates/s ({:.1} steps/s)",
                        cups / 1e6,
                        cups / (g * g) as f64
                    )
                });
                r.kernels(&format!("simulation {g}"), &kernels);
            }
            Err(e) => r.failure(Some(g), &e),
        }
    }
}

fn world_measures<B: RuleBackend>(a: &BenchArgs, r: &Report, device: &B::Device) {
    for &g in &a.sizes {
        for &s in &a.world_species {
            match measure(a.kernel_times, || world_cell_updates_per_s::<B>(device, g, s, a.seconds)) {
                Ok(((cups, alive), kernels)) => {
                    let steps = cups / (g * g) as f64;
                    let fields = serde_json::json!({"world": g, "species": s, "cell_updates_per_s": cups, "steps_per_s": steps, "alive_at_end": alive});
                    r.figure(fields, || {
                        format!(
                            "  world      {g:>5}x{g:<5} {s} species {:>10.3} M cell updates/s ({steps:.1} steps/s, {:.0}% alive at the end)",
                            cups / 1e6,
                            alive * 100.0
                        )
                    });
                    r.kernels(&format!("world {g} {s} species"), &kernels);
                }
                Err(e) => report_failure(a.json, "world", Some(g), &e),
            }
        }
    }
    for &side in &a.level_sides {
        let measured = Level::load(&a.level)
            .map_err(String::from)
            .and_then(|l| measure(a.kernel_times, || level_ticks_per_s::<B>(device, l, side, a.seconds)));
        match measured {
            Ok(((ticks, steps), kernels)) => {
                let fields = serde_json::json!({"level": a.level, "world": side, "level_ticks_per_s": ticks, "world_steps_per_s": steps});
                r.figure(fields, || {
                    format!(
                        "  level      {side:>5}x{side:<5} {}: {ticks:.1} ticks/s (its world alone {steps:.1} steps/s)",
                        a.level.display()
                    )
                });
                r.kernels(&format!("level {side}"), &kernels);
            }
            Err(e) => report_failure(a.json, "level", Some(side), &e),
        }
    }
}

fn training_measures<B: TrainBackend>(a: &BenchArgs, r: &Report, device: &B::Device) {
    let (ips, kernels) = match measure(a.kernel_times, || Ok(train_iters_per_s::<B>(device, a.train_iters))) {
        Ok(v) => v,
        Err(e) => return r.failure(None, &e),
    };
    r.figure(serde_json::json!({"train_iters_per_s": ips}), || {
        format!("  training   batch 8, 72x72, 80 steps: {ips:.3} iterations/s")
    });
    r.kernels("training from the seed", &kernels);
    let measured = morphogen::creature::Creature::load(&a.real)
        .map_err(|e| e.to_string())
        .and_then(|c| measure(a.kernel_times, || train_real_iters_per_s::<B>(device, &c, a.train_iters)));
    match measured {
        Ok((ips, kernels)) => {
            r.figure(serde_json::json!({"train_real_iters_per_s": ips, "creature": a.real}), || {
                format!(
                    "  training   real: {} (the paper's regenerate settings, a pool of grown creatures): {ips:.3} iterations/s",
                    a.real.display()
                )
            });
            r.kernels("training real", &kernels);
        }
        Err(e) => r.failure(None, &e),
    }
}

/// Several creatures trained at once: on a GPU in one fused rollout from the seed, on the CPU
/// side by side, each on its share of the cores.
fn creatures_measure(a: &BenchArgs, r: &Report, on: &Resolved) {
    let k = a.creatures;
    match on {
        Resolved::Cpu if a.train_iters > 0 => {
            let measured = morphogen::creature::Creature::load(&a.real)
                .map_err(|e| e.to_string())
                .and_then(|c| catch(|| cpu_side_by_side_iters_per_s(&c, k, a.train_iters)).and_then(|r| r));
            match measured {
                Ok(ips) => r.figure(
                    serde_json::json!({"train_creatures": k, "train_real_iters_per_s": ips, "creature": a.real}),
                    || format!("  training   real, {k} side by side (each on its share of the cores): {ips:.3} iterations/s summed"),
                ),
                Err(e) => r.failure(None, &e),
            }
        }
        Resolved::Cpu => {}
        Resolved::Gpu(_) => {
            let dev = morphogen::gpu_device::shared();
            match measure(a.kernel_times, || fused_creatures_iters_per_s(&dev, k, a.train_iters.max(1))) {
                Ok((ips, kernels)) => {
                    r.figure(serde_json::json!({"train_creatures": k, "train_iters_per_s": ips}), || {
                        format!("  training   {k} creatures at once: {ips:.3} iterations/s summed")
                    });
                    r.kernels(&format!("training {k} creatures"), &kernels);
                }
                Err(e) => r.failure(None, &e),
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
    if a.level_sides.iter().any(|&s| s < 3) {
        return Err("--level-sides: every world side must be at least 3".into());
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
