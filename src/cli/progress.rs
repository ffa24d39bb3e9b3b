//! A one-line progress bar on stderr (plain lines when stderr is not a terminal).

use std::io::{IsTerminal, Write};
use std::time::Instant;

use morphogen::lab::estimate::hms;

pub struct Progress {
    total: u64,
    start_iter: u64,
    started: Instant,
    last_print: Option<Instant>,
    tty: bool,
    /// Put before every line: the creature's name when several train at once.
    prefix: String,
}

impl Progress {
    pub fn new(total: u64, start_iter: u64) -> Self {
        let tty = std::io::stderr().is_terminal();
        Self { total, start_iter, started: Instant::now(), last_print: None, tty, prefix: String::new() }
    }

    /// Plain lines that start with `name`, for a training that shares the terminal with others.
    pub fn named(mut self, name: &str) -> Self {
        self.prefix = format!("{name}: ");
        self.tty = false;
        self
    }

    pub fn update(&mut self, iter: u64, loss: f32, lr: f32) {
        let now = Instant::now();
        let every = if self.tty { 0.2 } else { 10.0 };
        if self.last_print.is_some_and(|t| now.duration_since(t).as_secs_f64() < every) && iter < self.total {
            return;
        }
        self.last_print = Some(now);
        let elapsed = now.duration_since(self.started).as_secs_f64();
        let rate = (iter - self.start_iter) as f64 / elapsed.max(1e-9);
        let eta = (self.total - iter.min(self.total)) as f64 / rate;
        let frac = iter as f64 / self.total.max(1) as f64;
        let filled = (frac * 24.0).round() as usize;
        let bar: String = "#".repeat(filled.min(24)) + &".".repeat(24 - filled.min(24));
        let line = format!(
            "{}[{bar}] {iter}/{} loss {loss:.5} (log10 {:.2}) lr {lr:.0e} {rate:.2} it/s ETA {}",
            self.prefix,
            self.total,
            (loss as f64).log10(),
            hms(eta)
        );
        let mut err = std::io::stderr();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    pub fn message(&self, msg: &str) {
        if self.tty {
            eprint!("\r\x1b[2K");
        }
        eprintln!("{}{msg}", self.prefix);
    }

    pub fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}
