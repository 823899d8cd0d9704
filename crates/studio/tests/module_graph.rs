//! The studio crate's modules form no import cycle: each top-level module
//! (`src/NAME.rs` with its `src/NAME/` folder) names others with
//! `crate::OTHER`, and following those names never leads back. A cycle
//! ties concerns together so that neither can change (or be tested) alone;
//! this test names the modules of the first one it finds.
//!
//! Test code (`tests.rs`, `*_tests.rs`, what follows `#[cfg(test)]`) may
//! reach anywhere and is left out, and so are comments.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its tests.
fn non_test_code(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name == "tests.rs" || name.ends_with("_tests.rs") {
        return String::new();
    }
    let text = fs::read_to_string(path).expect("read a source file");
    let code = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text,
    };
    // Comments name modules without depending on them (doc links).
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module → the modules it names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let module_of = |path: &Path| -> Option<String> {
        let first = path.strip_prefix(&root).ok()?.components().next()?;
        let first = first.as_os_str().to_str()?;
        let name = first.strip_suffix(".rs").unwrap_or(first);
        (!matches!(name, "lib" | "bin")).then(|| name.to_owned())
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(from) = module_of(file) else {
            continue;
        };
        let code = non_test_code(file);
        let named = edges.entry(from.clone()).or_default();
        for piece in code.split("crate::").skip(1) {
            let to: String = piece
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if to != from && modules.contains(&to) {
                named.insert(to);
            }
        }
    }
    edges
}

/// A cycle through `start`, if any (depth-first).
fn cycle_from(
    edges: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    let here = path.last().cloned().unwrap_or_else(|| start.to_owned());
    for next in edges.get(&here).into_iter().flatten() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(start.to_owned());
            return Some(cycle);
        }
        if !path.contains(next) && next.as_str() > start {
            path.push(next.clone());
            if let Some(c) = cycle_from(edges, start, path) {
                return Some(c);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn no_module_imports_itself_back() {
    let edges = graph();
    assert!(
        edges.contains_key("engine") && edges["engine"].contains("traffic"),
        "the graph was not read: {edges:?}"
    );
    for start in edges.keys() {
        let mut path = vec![start.clone()];
        if let Some(cycle) = cycle_from(&edges, start, &mut path) {
            panic!("an import cycle: {}", cycle.join(" → "));
        }
    }
}
