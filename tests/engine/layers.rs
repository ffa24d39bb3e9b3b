//! Modules import one another in one direction only (docs/ARCHITECTURE.md, "Layers"): no circle
//! among the library's modules, file by file (`nca::sim`, `kernels::fused`, `train::config`, ...),
//! nor among the binary's; among the app's features (`app::lab`, `app::shell`, ...) none either,
//! and none among the files of one module (`lab::panel`, `lab::live`, ...). Read from the source,
//! so a new import that closes a circle fails here, with the circle named.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every module under `src/<under>`, by path (`app::lab::panel`), with its source minus comments
/// (the crate roots, `lib.rs` and `main.rs`, left out: they only declare the modules).
fn modules(under: &str) -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
                let rel = p.strip_prefix(&src).unwrap().with_extension("");
                let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
                if parts.last().is_some_and(|l| l == "mod") {
                    parts.pop();
                }
                if parts.is_empty() || parts == ["lib"] || parts == ["main"] {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                let code: String = text.lines().map(|l| l.split("//").next().unwrap()).collect::<Vec<_>>().join("\n");
                out.insert(parts.join("::"), code);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(under), &mut out);
    out
}

/// The paths a module's source names: `crate::a::b` as written, `super::x` resolved.
fn references(module: &str, is_dir: bool, code: &str) -> Vec<String> {
    let ident =
        |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':').collect::<String>();
    let mut refs = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        refs.push(ident(&code[i + "crate::".len()..]).trim_end_matches(':').to_string());
    }
    // `super` is the parent of a file's module, the grandparent of a folder's.
    let mut parent: Vec<&str> = module.split("::").collect();
    parent.pop();
    if is_dir {
        parent.pop();
    }
    for (i, _) in code.match_indices("super::") {
        if code[..i].ends_with("super::") {
            continue;
        }
        let tail = ident(&code[i + "super::".len()..]);
        let mut base = parent.clone();
        let mut rest = tail.as_str();
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        refs.push(format!("{}::{}", base.join("::"), rest.trim_end_matches(':')));
    }
    refs
}

/// The longest module path that `r` starts with.
fn resolve<'a>(r: &str, mods: &'a BTreeMap<String, String>) -> Option<&'a String> {
    let parts: Vec<&str> = r.split("::").collect();
    (1..=parts.len()).rev().find_map(|k| mods.get_key_value(&parts[..k].join("::")).map(|(m, _)| m))
}

/// A circle in `g`, if there is one.
fn circle(g: &Graph) -> Option<Vec<String>> {
    fn visit(v: &str, g: &Graph, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == v) {
            let mut c = path[i..].to_vec();
            c.push(v.to_string());
            return Some(c);
        }
        if done.contains(v) {
            return None;
        }
        path.push(v.to_string());
        for w in g.get(v).into_iter().flatten() {
            if let Some(c) = visit(w, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(v.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|v| visit(v, g, &mut Vec::new(), &mut done))
}

/// Module to module, for every import of one module by another of `mods`.
fn imports(mods: &BTreeMap<String, String>) -> Graph {
    let mut g = Graph::new();
    for (m, code) in mods {
        let is_dir = mods.keys().any(|k| k.starts_with(&format!("{m}::")));
        for r in references(m, is_dir, code) {
            if let Some(to) = resolve(&r, mods).filter(|to| *to != m) {
                g.entry(m.clone()).or_default().insert(to.clone());
            }
        }
    }
    g
}

#[test]
fn the_library_and_the_binary_import_their_modules_in_one_direction_only() {
    // The library: every module under src but the binary's (`cli`, which names the library as
    // `morphogen::`).
    let mut lib = modules("");
    lib.retain(|m, _| !(m == "cli" || m.starts_with("cli::")));
    assert!(lib.len() > 100 && lib.contains_key("nca::sim") && lib.contains_key("rule"));
    let g = imports(&lib);
    assert!(g.values().map(|v| v.len()).sum::<usize>() > 300, "the reader is broken");
    assert!(g["simulation"].contains("rule"), "a simulation steps through the rule's backend");
    if let Some(c) = circle(&g) {
        panic!("the library's modules import each other in a circle: {}", c.join(" -> "));
    }
    let mut bin = modules("");
    bin.retain(|m, _| m == "cli" || m.starts_with("cli::"));
    assert!(bin.len() > 8 && bin.contains_key("cli::zoo"));
    if let Some(c) = circle(&imports(&bin)) {
        panic!("the binary's modules import each other in a circle: {}", c.join(" -> "));
    }
}

#[test]
fn the_app_modules_import_each_other_in_one_direction_only() {
    let mods = modules("app");
    assert!(mods.len() > 30 && mods.contains_key("app::shell") && mods.contains_key("app::lab::panel"));
    let top = |m: &str| m.split("::").take(2).collect::<Vec<_>>().join("::");
    let parent = |m: &str| m.rsplit_once("::").map_or(String::new(), |(p, _)| p.to_string());
    let (mut features, mut files) = (Graph::new(), Graph::new());
    let mut edges = 0;
    for (m, code) in &mods {
        let is_dir = mods.keys().any(|k| k.starts_with(&format!("{m}::")));
        for r in references(m, is_dir, code) {
            let Some(to) = resolve(&r, &mods) else { continue };
            if to == m {
                continue;
            }
            edges += 1;
            if top(to) != top(m) {
                features.entry(top(m)).or_default().insert(top(to));
            }
            if parent(to) == parent(m) {
                files.entry(m.clone()).or_default().insert(to.clone());
            }
        }
    }
    assert!(edges > 100, "only {edges} imports found: the reader is broken");
    assert!(features["app::lab"].contains("app::shell"), "lab uses the shell's notices");
    assert!(files["app::lab::panel"].contains("app::lab::live"), "the lab panel draws the live figures");
    if let Some(c) = circle(&features) {
        panic!("the app's modules import each other in a circle: {}", c.join(" -> "));
    }
    if let Some(c) = circle(&files) {
        panic!("files of one module import each other in a circle: {}", c.join(" -> "));
    }
}

/// docs/ARCHITECTURE.md stays true to the code: every module its table names is a file of `src`,
/// and every type it cites (a word in backticks that starts with a capital) is defined there, but
/// for the few of Bevy and the WGSL it names.
#[test]
fn the_architecture_names_modules_and_types_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap();
    let all: String = modules("").values().cloned().collect::<Vec<_>>().join("\n");
    let mut missing = Vec::new();
    let mut cited = 0;
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let m = line[3..].split('`').next().unwrap();
        let path = root.join("src").join(m.replace("::", "/"));
        let exists = path.with_extension("rs").exists() || path.join("mod.rs").exists();
        if !m.contains([' ', '*']) && !exists {
            missing.push(format!("module {m}"));
        }
    }
    let words: BTreeSet<&str> = doc.split('`').skip(1).step_by(2).collect();
    for w in words {
        let name: String = w.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.starts_with(|c: char| c.is_ascii_uppercase()) || !name.chars().any(|c| c.is_ascii_lowercase()) {
            continue;
        }
        // Bevy's, egui's, burn's and wgpu's, which the text names beside ours.
        const THEIRS: [&str; 10] = [
            "PrepareResources",
            "PostUpdate",
            "Update",
            "Render",
            "FileDragAndDrop",
            "WgpuSetup",
            "SourceTemplate",
            "NdArray",
            "Wgpu",
            "Autodiff",
        ];
        if THEIRS.contains(&name.as_str()) {
            continue;
        }
        cited += 1;
        let keyword = ["struct", "enum", "trait", "type", "fn", "const", "mod", "backend_plugin!("]
            .iter()
            .any(|k| all.contains(&format!("{k} {name}")) || all.contains(&format!("{k}{name}")));
        // An enum's variant, or a struct declared by `gpu_struct!`: a line that starts with it.
        let variant = all.lines().map(str::trim_start).any(|l| {
            l.strip_prefix(name.as_str()).is_some_and(|r| [",", " {", "(", " ="].iter().any(|e| r.starts_with(e)))
        });
        let defined = keyword || variant;
        if !defined {
            missing.push(format!("type {name}"));
        }
    }
    assert!(cited > 50, "only {cited} types cited: the reader is broken");
    assert!(missing.is_empty(), "docs/ARCHITECTURE.md names what src does not define: {}", missing.join(", "));
}
