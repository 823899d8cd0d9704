//! The TypeScript bindings committed in `ui/src/bindings/` are exactly what
//! the Rust types export (see `studio::bindings`).
//!
//! - `bindings_are_current` exports every type into a scratch folder and
//!   compares it with the committed folder, byte for byte, file for file.
//!   No test of this crate writes the committed folder during a normal
//!   `cargo test` (the types are not `#[ts(export)]`, and `export_bindings`
//!   writes only when named), so stale bindings cannot be hidden by a
//!   rewrite in the same run.
//! - `export_bindings`, run by name (`cargo test -p studio
//!   export_bindings`), rewrites the committed folder.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use studio::bindings::{UI_DIR, export_all_to};

const FIX: &str = "run `cargo test -p studio export_bindings` and commit ui/src/bindings";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn committed_dir() -> PathBuf {
    repo_root().join(UI_DIR)
}

/// The `.ts` files of `dir`, by name.
fn ts_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".ts") && entry.path().is_file() {
            let bytes = fs::read(entry.path()).expect("read a bindings file");
            out.insert(name, bytes);
        }
    }
    out
}

/// Every binding, freshly exported into a scratch folder.
fn fresh() -> BTreeMap<String, Vec<u8>> {
    let scratch = tempfile::tempdir().expect("scratch folder");
    export_all_to(scratch.path()).expect("export the bindings");
    let files = ts_files(scratch.path());
    assert!(
        files.contains_key("Model.ts") && files.contains_key("JsonValue.ts"),
        "the export wrote {:?}",
        files.keys().collect::<Vec<_>>()
    );
    files
}

#[test]
fn bindings_are_current() {
    let fresh = fresh();
    let committed = ts_files(&committed_dir());
    let mut problems = Vec::new();
    for (name, text) in &fresh {
        match committed.get(name) {
            None => problems.push(format!("{name} is missing")),
            Some(old) if old != text => problems.push(format!("{name} differs")),
            Some(_) => {}
        }
    }
    for name in committed.keys() {
        if !fresh.contains_key(name) {
            problems.push(format!("{name} exports no type"));
        }
    }
    assert!(
        problems.is_empty(),
        "ui/src/bindings is stale ({}): {FIX}",
        problems.join(", ")
    );
}

/// Each type that derives `TS` for the UI (`#[ts(export_to = …)]`) is
/// exported by `export_all_to`, and none asks ts-rs for its own export
/// test (which would rewrite `ui/src/bindings` on every `cargo test`).
#[test]
fn every_ui_type_is_exported_and_none_exports_itself() {
    let fresh = fresh();
    let mut sources = Vec::new();
    collect_rs(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut sources,
    );
    let mut problems = Vec::new();
    for file in sources {
        let text = fs::read_to_string(&file).expect("read a source file");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim();
            if !line.starts_with("#[ts(") {
                continue;
            }
            let args = line.trim_start_matches("#[ts(").trim_end_matches(")]");
            if args.split(',').any(|arg| arg.trim() == "export") {
                problems.push(format!(
                    "{}:{}: drop `export` (list the type in studio::bindings::export_all_to)",
                    file.display(),
                    i + 1
                ));
            }
            if !line.contains("export_to") {
                continue;
            }
            // The TypeScript name: `rename = "…"`, else the Rust name of
            // the item the attribute is on.
            let renamed = line
                .split("rename = \"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_owned);
            let item = lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| l.starts_with("pub struct ") || l.starts_with("pub enum "))
                .and_then(|l| l.split_whitespace().nth(2))
                .map(|n| n.trim_end_matches(['{', '(', ';']).to_owned());
            let Some(name) = renamed.or(item) else {
                problems.push(format!("{}:{}: no item found", file.display(), i + 1));
                continue;
            };
            if !fresh.contains_key(&format!("{name}.ts")) {
                problems.push(format!(
                    "{name} ({}) is not exported: add it to studio::bindings::export_all_to",
                    file.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Rewrites `ui/src/bindings/` from the Rust types, removing files of types
/// that are gone. Only when named on the command line (`cargo test -p studio
/// export_bindings`): in a plain `cargo test` it does nothing, so that
/// `bindings_are_current` sees the committed files.
#[test]
fn export_bindings() {
    let asked = std::env::args()
        .skip(1)
        .any(|arg| arg.contains("export_bindings"));
    if !asked {
        eprintln!("export_bindings: not named on the command line; nothing written");
        return;
    }
    let fresh = fresh();
    let dir = committed_dir();
    fs::create_dir_all(&dir).expect("create ui/src/bindings");
    for name in ts_files(&dir).keys() {
        if !fresh.contains_key(name) {
            fs::remove_file(dir.join(name)).expect("remove a stale binding");
        }
    }
    for (name, text) in &fresh {
        fs::write(dir.join(name), text).expect("write a binding");
    }
    eprintln!(
        "export_bindings: wrote {} files into {}",
        fresh.len(),
        dir.display()
    );
}
