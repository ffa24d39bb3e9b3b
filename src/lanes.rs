//! Several jobs at once on the CPU, each on its own share of the cores: `k` threads, each running
//! its job inside a rayon pool of `cores / k` threads, so that the host kernels a job calls spread
//! over its share and no further. Two real trainings side by side on two cores run 4-11% more
//! iterations in all than one training on both (`docs/BENCHMARKS.md`): a training's parts outside
//! its grids' parallel work, and its unequal grids, leave cores idle that a second one fills. The
//! results do not depend on the share: the host kernels sum in a fixed order.

/// Runs `job(lane)` for every lane `0..k` at once, each in a thread pool of its share of the
/// cores; the results in lane order (a lane that panicked gives an error).
pub fn side_by_side<T: Send>(k: usize, job: impl Fn(usize) -> Result<T, String> + Sync) -> Vec<Result<T, String>> {
    let k = k.max(1);
    let share = (rayon::current_num_threads() / k).max(1);
    let job = &job;
    std::thread::scope(|s| {
        let running: Vec<_> = (0..k)
            .map(|lane| {
                s.spawn(move || {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(share)
                        .build()
                        .map_err(|e| format!("cannot start a thread pool: {e}"))?;
                    pool.install(|| job(lane))
                })
            })
            .collect();
        running.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a job's thread panicked".into()))).collect()
    })
}
