//! Where a draft could train, and how fast each path would be: the CPU measured at once (a few
//! milliseconds), every GPU adapter (software ones included) on a thread of its own, since a
//! software renderer compiles the kernels and steps for seconds. The lab lists them, takes the
//! fastest by default (`auto`, as `morphogen train` does), and lets the user pick another.

use std::sync::{Arc, Mutex};

use crate::backend::{Measured, Resolved};
use crate::lab::estimate;
use crate::target::Target;
use crate::train::TrainConfig;

pub struct PathEstimates {
    /// What has been measured so far, in the order of `backend::paths` (the CPU first).
    measured: Arc<Mutex<Vec<Measured>>>,
    /// The paths being measured.
    expected: usize,
}

impl PathEstimates {
    /// Measures the draft's training on each of `paths`: the CPU here, the GPUs on a thread (in
    /// the browser, which has no threads and trains on the CPU, only the CPU).
    pub fn measure(paths: Vec<Resolved>, target: &Target, cfg: &TrainConfig) -> PathEstimates {
        let (cpu, gpus): (Vec<Resolved>, Vec<Resolved>) = paths.into_iter().partition(|p| *p == Resolved::Cpu);
        let here: Vec<Measured> =
            cpu.into_iter().map(|on| Measured { secs: estimate::per_iteration(&on, target, cfg), on }).collect();
        let expected = here.len() + if cfg!(target_arch = "wasm32") { 0 } else { gpus.len() };
        let measured = Arc::new(Mutex::new(here));
        #[cfg(not(target_arch = "wasm32"))]
        if !gpus.is_empty() {
            let (into, target, cfg, asked) = (measured.clone(), target.clone(), cfg.clone(), gpus.clone());
            let spawned = std::thread::Builder::new().name("lab: measuring the GPUs".into()).spawn(move || {
                for on in gpus {
                    let m = Measured { secs: estimate::per_iteration(&on, &target, &cfg), on };
                    into.lock().unwrap_or_else(|e| e.into_inner()).push(m);
                }
            });
            if let Err(e) = spawned {
                let mut m = measured.lock().unwrap_or_else(|e| e.into_inner());
                let why = format!("cannot start a thread to measure it: {e}");
                m.extend(asked.into_iter().map(|on| Measured { on, secs: Err(why.clone()) }));
            }
        }
        PathEstimates { measured, expected }
    }

    /// Each path's figure so far.
    pub fn all(&self) -> Vec<Measured> {
        self.measured.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether every path has its figure.
    pub fn done(&self) -> bool {
        self.all().len() >= self.expected
    }

    /// The fastest path measured so far, with its seconds an iteration.
    pub fn fastest(&self) -> Option<(Resolved, f64)> {
        let all = self.all();
        all.iter().filter_map(|m| m.secs.as_ref().ok().map(|s| (m.on.clone(), *s))).min_by(|a, b| a.1.total_cmp(&b.1))
    }
}
