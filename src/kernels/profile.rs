//! Where a GPU's time goes, kernel by kernel. While [`record`] runs a closure, every dispatch that
//! [`launch`](super::launch::launch) queues from that thread is timed on its own: by the device's
//! timestamp queries where the adapter has them, else by waiting for the stream before and after
//! it. An earlier breakdown in `docs/BENCHMARKS.md` came from a throw-away build that waited for
//! each dispatch; a lent GPU's sitting is too short to make such a build there, so the breakdown
//! is a flag of `morphogen bench` (`--kernel-times`).
//!
//! Timing a dispatch alone closes the compute pass around it and (without timestamps) empties
//! the queue, so a recorded run can be slower than a plain one: the shares are the figure, and a
//! measure's own figure printed above its kernels is the recorded run's. Off (the default), a
//! launch pays one thread-local read.

use std::cell::RefCell;
use std::thread::LocalKey;
use std::time::Duration;

/// One kernel's dispatches during a recording.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelTime {
    /// The kernel's name as its enum writes it (`Back`, `Step`, ...).
    pub kernel: String,
    pub dispatches: u64,
    pub seconds: f64,
    /// Whether the device's timestamps measured it (else the host's clock around a wait).
    pub device_timed: bool,
}

type Table = RefCell<Option<Vec<KernelTime>>>;

thread_local! {
    /// This thread's recording, while [`record`] runs.
    static TABLE: Table = const { RefCell::new(None) };
    /// Set while a caller of [`measure_parts`] waits for the kernels of the parts marked
    /// [`measured`]: their tables, summed.
    static WANTED: Table = const { RefCell::new(None) };
}

/// Runs `f` with a fresh table in `key`: its result and what it put there. The outer table goes
/// back however `f` ends, so that a panic leaves nothing recording.
fn collect<T>(key: &'static LocalKey<Table>, f: impl FnOnce() -> T) -> (T, Vec<KernelTime>) {
    struct Restore(&'static LocalKey<Table>, Option<Vec<KernelTime>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.1.take();
            self.0.with(|t| *t.borrow_mut() = outer);
        }
    }
    let restore = Restore(key, key.with(|t| t.borrow_mut().replace(Vec::new())));
    let out = f();
    let mine = key.with(|t| t.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    (out, mine)
}

/// Runs `f` with every launch from this thread timed: its result and the kernels' times, in the
/// order each kernel was first launched. An inner recording takes the launches it covers.
pub fn record<T>(f: impl FnOnce() -> T) -> (T, Vec<KernelTime>) {
    collect(&TABLE, f)
}

/// Whether this thread is recording.
pub(crate) fn recording() -> bool {
    TABLE.with(|t| t.borrow().is_some())
}

/// Adds one dispatch of `kernel` to this thread's recording.
pub(crate) fn add(kernel: String, took: Duration, device_timed: bool) {
    TABLE.with(|t| {
        if let Some(rows) = t.borrow_mut().as_mut() {
            merge(rows, KernelTime { kernel, dispatches: 1, seconds: took.as_secs_f64(), device_timed });
        }
    });
}

/// Adds `r` to its kernel's row of `rows` (a new row at the end for a kernel not yet in it).
fn merge(rows: &mut Vec<KernelTime>, r: KernelTime) {
    match rows.iter_mut().find(|a| a.kernel == r.kernel) {
        Some(a) => {
            a.dispatches += r.dispatches;
            a.seconds += r.seconds;
            a.device_timed &= r.device_timed;
        }
        None => rows.push(r),
    }
}

/// Runs a benchmark `f` and, when `on`, records the kernels of the parts of it that it marks
/// [`measured`] (the timed loop, not its set-up and warm-up, whose first launches compile the
/// kernels): its result and those kernels' times (empty when off or when nothing ran on the GPU).
pub fn measure_parts<T>(on: bool, f: impl FnOnce() -> T) -> (T, Vec<KernelTime>) {
    if on { collect(&WANTED, f) } else { (f(), Vec::new()) }
}

/// The part of a benchmark that its figure times: recorded when its caller asked
/// ([`measure_parts`]), else run as it is.
pub fn measured<T>(f: impl FnOnce() -> T) -> T {
    if WANTED.with(|w| w.borrow().is_none()) {
        return f();
    }
    let (out, rows) = record(f);
    WANTED.with(|w| {
        if let Some(all) = w.borrow_mut().as_mut() {
            rows.into_iter().for_each(|r| merge(all, r));
        }
    });
    out
}
