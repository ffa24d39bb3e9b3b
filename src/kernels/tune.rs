//! Kernel variants chosen by timing them on the device that runs them (the step kernels' lanes a
//! cell, the weight-gradient products' blocks, the gather's workgroup), as cuDNN's benchmark mode
//! and cubecl's matmul autotune do: our kernels were tuned on one lent GPU, and a player's GPU is
//! another. A family's variants compute the same thing (the tests hold each to the host
//! reference); they differ where the device's compiler and scheduler decide. The first time a
//! device runs a family at a shape class, each variant runs once untimed (that compiles it), then
//! [`REPS`] times timed alone (device timestamps where the adapter has them, as `--kernel-times`
//! times), and the fastest is kept for the process and in the cache file (`tune.ron` in the data
//! folder), by adapter and driver, so later runs start at once. A choice is remade when its
//! kernel's source changed; a cache written by another version of morphogen, or unreadable, is set
//! aside with a message.
//!
//! `MORPHOGEN_TUNE`: unset, a hardware GPU is tuned and a software one (lavapipe) keeps its
//! default (one lane: its figures judge correctness, and its speed is the CPU's, whose host kernels
//! the game and `auto` take there); `on` tunes every adapter; `redo` tunes again over the cache;
//! `off` keeps each device's default. `MORPHOGEN_LANES` and a test's `lanes::scoped` stand above
//! all of it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use burn::backend::wgpu::WgpuDevice;
use serde::{Deserialize, Serialize};

use crate::fsio;
use crate::kernels::lanes;
use crate::kernels::train_kernels::{GROUPS, GemmBlock};

/// Timed runs of each variant after its untimed one; the best counts.
pub const REPS: usize = 3;

/// Kernels whose variants are timed against one another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Family {
    /// The forward step (`shaders/step.wgsl`): the world's, a simulation's, a training's.
    Step,
    /// A training's step back through the network (`shaders/train_back.wgsl`).
    Back,
    /// The first weight-gradient product of a step back (features x hidden units: w1, b1).
    WgradIn,
    /// The second (hidden units x channels: w2, b2).
    WgradOut,
    /// A training's step back through perception (`shaders/train_gather.wgsl`).
    Gather,
}

/// One way to build a family's kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Variant {
    /// The invocations that share a cell's network (the step kernels).
    Lanes(u32),
    /// The block of the product one workgroup computes (the weight-gradient products).
    Block(GemmBlock),
    /// The invocations of a linear kernel's workgroup.
    Group(u32),
}

impl Variant {
    /// Its lane count (1 for a variant that is not about lanes).
    pub fn lanes(self) -> u32 {
        match self {
            Variant::Lanes(n) => n,
            _ => 1,
        }
    }

    /// Its block (`WIDE` for a variant that is not about blocks).
    pub fn block(self) -> GemmBlock {
        match self {
            Variant::Block(b) => b,
            _ => GemmBlock::WIDE,
        }
    }

    /// Its workgroup's invocations (256 for a variant that is not about them).
    pub fn group(self) -> u32 {
        match self {
            Variant::Group(n) => n,
            _ => 256,
        }
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Variant::Lanes(1) => write!(f, "1 lane"),
            Variant::Lanes(n) => write!(f, "{n} lanes"),
            Variant::Block(b) => write!(f, "{}x{} blocks", b.rows, b.cols),
            Variant::Group(n) => write!(f, "groups of {n}"),
        }
    }
}

/// Every variant of a family.
pub fn variants(family: Family) -> Vec<Variant> {
    match family {
        Family::Step | Family::Back => lanes::ALLOWED.iter().map(|&n| Variant::Lanes(n)).collect(),
        Family::WgradIn | Family::WgradOut => GemmBlock::ALL.iter().map(|&b| Variant::Block(b)).collect(),
        Family::Gather => GROUPS.iter().map(|&n| Variant::Group(n)).collect(),
    }
}

/// The shapes one choice holds for: a family at a grid's cells rounded up to a power of 4 and its
/// layers (species, samples) to a power of 2; within a class the fastest variant rarely changes,
/// and each class is timed once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Class {
    pub family: Family,
    pub cells: usize,
    pub layers: usize,
}

impl Class {
    pub fn of(family: Family, width: usize, height: usize, layers: usize) -> Class {
        let mut cells = 64;
        while cells < width * height {
            cells *= 4;
        }
        Class { family, cells, layers: layers.max(1).next_power_of_two() }
    }

    /// The class as the cache file names it.
    pub fn key(&self) -> String {
        format!("{:?} {} cells x {}", self.family, self.cells, self.layers)
    }
}

/// What `MORPHOGEN_TUNE` asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Hardware adapters are tuned, software ones keep their default.
    Hardware,
    /// Every adapter is tuned.
    On,
    /// Tuned again, over what the cache holds.
    Redo,
    /// Every device keeps its default.
    Off,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        match s.trim() {
            "" | "auto" => Ok(Mode::Hardware),
            "on" => Ok(Mode::On),
            "redo" => Ok(Mode::Redo),
            "off" => Ok(Mode::Off),
            v => Err(format!("MORPHOGEN_TUNE={v}: expected off, on or redo")),
        }
    }
}

/// `MORPHOGEN_TUNE`, read once.
fn env_mode() -> &'static Result<Mode, String> {
    static MODE: OnceLock<Result<Mode, String>> = OnceLock::new();
    MODE.get_or_init(|| std::env::var("MORPHOGEN_TUNE").map_or(Ok(Mode::Hardware), |v| v.parse()))
}

/// Checks `MORPHOGEN_TUNE` (the CLI refuses a bad value before any work).
pub fn check_env() -> Result<(), String> {
    env_mode().clone().map(|_| ())
}

/// A family's timing at a class on one device: the variant kept and each variant's best seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub variant: Variant,
    pub seconds: Vec<(Variant, f64)>,
    /// The kernel's source it was timed with (a hash): another source is timed again.
    pub source: u64,
}

impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let each: Vec<String> = self.seconds.iter().map(|(v, s)| format!("{v} {:.1} us", s * 1e6)).collect();
        write!(f, "{} ({})", self.variant, each.join(", "))
    }
}

/// Times every variant with `time` (one dispatch of it, timed alone; `None` when it could not be
/// timed): once untimed, then [`REPS`] times, and keeps the fastest. `None` when no variant could
/// be timed.
pub fn pick(variants: &[Variant], mut time: impl FnMut(Variant) -> Option<Duration>, source: u64) -> Option<Choice> {
    let mut seconds = Vec::new();
    for &v in variants {
        time(v);
        let best = (0..REPS).filter_map(|_| time(v)).min();
        if let Some(d) = best {
            seconds.push((v, d.as_secs_f64()));
        }
    }
    let (variant, _) = *seconds.iter().min_by(|a, b| a.1.total_cmp(&b.1))?;
    Some(Choice { variant, seconds, source })
}

/// The cache file: the version of morphogen that wrote it, and each adapter's choices by class.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cache {
    pub build: String,
    pub adapters: BTreeMap<String, BTreeMap<String, Choice>>,
    /// What `auto` measured for a training of each shape (`lab::estimate::job_key`): seconds an
    /// iteration on each path by its name, so that the next training of that shape starts at once.
    #[serde(default)]
    pub auto: BTreeMap<String, BTreeMap<String, f64>>,
}

/// The build a cache must come from to be read.
pub const BUILD: &str = env!("CARGO_PKG_VERSION");

impl Cache {
    /// The cache at `path`: empty when there is none; one that cannot be read, or that another
    /// build wrote, is renamed aside (`tune.set-aside-PID-N.ron`) and the message says so.
    pub fn load(path: &Path) -> (Cache, Option<String>) {
        let fresh = Cache { build: BUILD.into(), ..Default::default() };
        if !fsio::exists(path) {
            return (fresh, None);
        }
        let read = fsio::read_text(path, "tuning cache").map_err(|e| e.to_string()).and_then(|t| {
            ron::from_str::<Cache>(&t).map_err(|e| format!("{}: not a tuning cache ({e})", path.display()))
        });
        let why = match read {
            Ok(c) if c.build == BUILD => return (c, None),
            Ok(c) => format!("{} was written by morphogen {}, not {BUILD}", path.display(), c.build),
            Err(e) => e,
        };
        // A name no earlier one took: every set-aside cache stays for the user to look at.
        let name = |k: u32| path.with_extension(format!("set-aside-{}-{k}.ron", std::process::id()));
        let aside = (0..).map(name).find(|p| !fsio::exists(p)).unwrap_or_else(|| name(0));
        let kept = match fsio::rename(path, &aside) {
            Ok(()) => format!("kept as {}", aside.display()),
            Err(e) => format!("and cannot be moved aside ({e})"),
        };
        (fresh, Some(format!("{why}; {kept}; the kernels are timed again")))
    }

    /// Writes the cache whole, atomically.
    pub fn save(&self, path: &Path) -> Result<(), fsio::FileError> {
        let pretty = ron::ser::PrettyConfig::default().compact_arrays(true).compact_structs(true);
        let text = ron::ser::to_string_pretty(self, pretty)
            .map_err(|e| fsio::FileError::new(path, fsio::FileProblem::Encode(e.to_string())))?;
        if let Some(dir) = path.parent() {
            fsio::create_dir_all(dir)?;
        }
        fsio::write_atomic(path, text.as_bytes())
    }
}

/// Where a process keeps its choices: the cache file, loaded on first use, and its mode.
pub struct Tuner {
    path: Option<PathBuf>,
    mode: Mode,
    /// Variants given outright, by family, above everything else ([`Tuner::fixed`]).
    fixed: Vec<(Family, Variant)>,
    cache: Option<Cache>,
    /// What each device launches at each class and source, once decided (none: its default), so
    /// that a launch after the first formats no key and reads no cache: a step launches several.
    memo: Vec<(WgpuDevice, Class, u64, Option<Variant>)>,
    /// What it said (a cache set aside, a choice made), for the caller to show.
    pub said: Vec<String>,
}

impl Tuner {
    /// A tuner over the cache at `path` (none: choices for this process only).
    pub fn new(path: Option<PathBuf>, mode: Mode) -> Tuner {
        Tuner { path, mode, fixed: Vec::new(), cache: None, memo: Vec::new(), said: Vec::new() }
    }

    /// A tuner that times nothing and gives `fixed`'s variant to each family named there (the
    /// others keep their defaults): how a test holds every variant to the reference, and how a
    /// comparison runs each in turn.
    pub fn fixed(fixed: Vec<(Family, Variant)>) -> Tuner {
        Tuner { fixed, ..Tuner::new(None, Mode::Off) }
    }

    fn cache(&mut self) -> &mut Cache {
        if self.cache.is_none() {
            let (c, msg) = match &self.path {
                Some(p) => Cache::load(p),
                None => (Cache { build: BUILD.into(), ..Default::default() }, None),
            };
            self.said.extend(msg);
            self.cache = Some(c);
        }
        self.cache.get_or_insert_with(Cache::default)
    }

    /// The variant for `class` on `adapter`: the one kept, else timed now with `time` (and kept);
    /// `None` where this tuner's mode leaves the adapter untuned, or nothing could be timed.
    pub fn choose(
        &mut self,
        adapter: &str,
        software: bool,
        class: Class,
        source: u64,
        time: impl FnMut(Variant) -> Option<Duration>,
    ) -> Option<Variant> {
        if let Some((_, v)) = self.fixed.iter().find(|(f, _)| *f == class.family) {
            return Some(*v);
        }
        match self.mode {
            Mode::Off => return None,
            Mode::Hardware if software => return None,
            _ => {}
        }
        let key = class.key();
        let redo = self.mode == Mode::Redo;
        let kept = self.cache().adapters.get(adapter).and_then(|a| a.get(&key)).cloned();
        if let Some(c) = kept.filter(|c| c.source == source && !redo) {
            return Some(c.variant);
        }
        let chosen = pick(&variants(class.family), time, source)?;
        self.said.push(format!("tuned {key} on {adapter}: {chosen}"));
        self.cache().adapters.entry(adapter.to_string()).or_default().insert(key, chosen.clone());
        // Timed once in this process however the file fares.
        if self.mode == Mode::Redo {
            self.mode = Mode::On;
        }
        if let Some(p) = self.path.clone()
            && let Err(e) = self.cache().save(&p)
        {
            self.said.push(format!("the tuning is not kept: {e}"));
        }
        Some(chosen.variant)
    }

    /// What `auto` measured earlier for `job` on each of `paths`, when it holds a figure for every
    /// one of them (and the mode neither measures again nor keeps nothing).
    pub fn rates(&mut self, job: &str, paths: &[String]) -> Option<Vec<f64>> {
        if matches!(self.mode, Mode::Redo | Mode::Off) {
            return None;
        }
        let kept = self.cache().auto.get(job)?;
        paths.iter().map(|p| kept.get(p).copied()).collect()
    }

    /// Keeps what `auto` measured for `job` (a path not measured is left out, to be measured next
    /// time); nothing is kept with the mode `off`.
    pub fn keep_rates(&mut self, job: &str, rates: Vec<(String, f64)>) {
        if self.mode == Mode::Off {
            return;
        }
        self.cache().auto.insert(job.to_string(), rates.into_iter().collect());
        if let Some(p) = self.path.clone()
            && let Err(e) = self.cache().save(&p)
        {
            self.said.push(format!("the measure is not kept: {e}"));
        }
    }

    /// What it holds for `adapter`, by class.
    pub fn kept(&mut self, adapter: &str) -> BTreeMap<String, Choice> {
        self.cache().adapters.get(adapter).cloned().unwrap_or_default()
    }
}

/// The process's tuner: `MORPHOGEN_TUNE`'s mode over the data folder's cache.
static PROCESS: Mutex<Option<Tuner>> = Mutex::new(None);

thread_local! {
    /// A tuner of this thread's own, while [`scoped`] runs.
    static SCOPED: RefCell<Option<Tuner>> = const { RefCell::new(None) };
}

/// The process's cache file.
pub fn cache_path() -> PathBuf {
    fsio::data_dir().join("tune.ron")
}

/// Runs `f` with the kernels launched from this thread tuned by `tuner` (its own cache and mode)
/// instead of the process's; the tuner back afterwards, with what it chose.
pub fn scoped<R>(tuner: Tuner, f: impl FnOnce() -> R) -> (R, Tuner) {
    struct Restore(Option<Tuner>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            SCOPED.with(|s| *s.borrow_mut() = outer);
        }
    }
    let restore = Restore(SCOPED.with(|s| s.borrow_mut().replace(tuner)));
    let out = f();
    let mine = SCOPED.with(|s| s.borrow_mut().take());
    drop(restore);
    (out, mine.expect("the scoped tuner is put back"))
}

/// The variant of `class` that `device` launches: for the step kernels [`lanes::overridden`]
/// above all; else the tuned one (timed now with `time` the first time); else `default`, the
/// device's untuned choice. What the tuner says goes to standard error.
pub fn variant(
    device: &WgpuDevice,
    class: Class,
    source: u64,
    default: Variant,
    mut time: impl FnMut(Variant) -> Option<Duration>,
) -> Variant {
    let forced = match default {
        Variant::Lanes(_) => lanes::overridden().map(Variant::Lanes),
        _ => None,
    };
    let tuned = forced.or_else(|| {
        with_tuner(|t| {
            let known = t.memo.iter().find(|(d, c, s, _)| d == device && *c == class && *s == source);
            if let Some((.., v)) = known {
                return *v;
            }
            let v = lanes::opened(device).and_then(|o| t.choose(&o.adapter, o.software, class, source, &mut time));
            t.said.drain(..).for_each(|s| eprintln!("morphogen: {s}"));
            t.memo.push((device.clone(), class, source, v));
            v
        })
    });
    let v = tuned.unwrap_or(default);
    note_use(device, class.family, v);
    v
}

/// [`Tuner::rates`] on this thread's tuner or the process's.
pub fn remembered(job: &str, paths: &[String]) -> Option<Vec<f64>> {
    with_tuner(|t| t.rates(job, paths))
}

/// [`Tuner::keep_rates`] on this thread's tuner or the process's.
pub fn remember(job: &str, rates: Vec<(String, f64)>) {
    with_tuner(|t| {
        t.keep_rates(job, rates);
        t.said.drain(..).for_each(|s| eprintln!("morphogen: {s}"));
    })
}

/// Runs `f` on this thread's [`scoped`] tuner, else on the process's.
fn with_tuner<R>(f: impl FnOnce(&mut Tuner) -> R) -> R {
    if SCOPED.with(|s| s.borrow().is_some()) {
        return SCOPED.with(|s| f(s.borrow_mut().as_mut().expect("checked just above")));
    }
    let mut p = PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    // A bad MORPHOGEN_TUNE was refused by the CLI and warned of by the game: no tuning then.
    let mode = env_mode().clone().unwrap_or(Mode::Off);
    f(p.get_or_insert_with(|| Tuner::new(Some(cache_path()), mode)))
}

/// The variant each family last launched on each device.
static IN_USE: Mutex<Vec<(WgpuDevice, Family, Variant)>> = Mutex::new(Vec::new());

fn note_use(device: &WgpuDevice, family: Family, v: Variant) {
    let mut u = IN_USE.lock().unwrap_or_else(|e| e.into_inner());
    match u.iter_mut().find(|(d, f, _)| d == device && *f == family) {
        Some(e) => e.2 = v,
        None => u.push((device.clone(), family, v)),
    }
}

/// The variants `device` last launched, by family ("Step 4 lanes, Back 2 lanes, WgradIn 64x32
/// blocks, ..."; empty before any launch): what a GPU figure of `bench` ran.
pub fn in_use(device: &WgpuDevice) -> String {
    let u = IN_USE.lock().unwrap_or_else(|e| e.into_inner());
    let mut each: Vec<(Family, Variant)> = u.iter().filter(|(d, _, _)| d == device).map(|(_, f, v)| (*f, *v)).collect();
    each.sort_by_key(|(f, _)| *f);
    each.iter().map(|(f, v)| format!("{f:?} {v}")).collect::<Vec<_>>().join(", ")
}

/// A kernel source's hash (FNV-1a), stable across builds and runs, for [`Choice::source`].
pub fn source_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}
