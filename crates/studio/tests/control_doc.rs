//! `CONTROL.md` matches the code: it documents every command of
//! `studio::commands::COMMANDS` and no other, every top-level key of the
//! model the engine publishes and no other, and every event the engine
//! sends and no other.
//!
//! The document's `## Commands`, `## Model` and `## Events` sections hold
//! one `### \`NAME\`` heading per command, per model key (as `/key`) and
//! per event.

use std::collections::BTreeSet;
use std::path::Path;

use studio::commands::COMMANDS;
use studio::{Engine, Workspace};

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The `### \`NAME\`` headings of the `## SECTION` section.
fn headings(doc: &str, section: &str) -> BTreeSet<String> {
    let mut inside = false;
    let mut found = BTreeSet::new();
    let mut seen_section = false;
    for line in doc.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            inside = title.trim() == section;
            seen_section |= inside;
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(title) = line.strip_prefix("### ") {
            let title = title.trim();
            let name = title
                .strip_prefix('`')
                .and_then(|t| t.strip_suffix('`'))
                .unwrap_or_else(|| {
                    panic!("CONTROL.md, {section}: heading {title:?} is not one `NAME`")
                });
            assert!(
                found.insert(name.to_owned()),
                "CONTROL.md, {section}: {name} twice"
            );
        }
    }
    assert!(seen_section, "CONTROL.md has no `## {section}` section");
    found
}

fn compare(what: &str, documented: &BTreeSet<String>, actual: &BTreeSet<String>) {
    let missing: Vec<_> = actual.difference(documented).collect();
    let extra: Vec<_> = documented.difference(actual).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "CONTROL.md does not match the code's {what}: undocumented {missing:?}, \
         documented but not in the code {extra:?}"
    );
}

#[test]
fn every_command_is_documented() {
    let doc = read("CONTROL.md");
    let actual: BTreeSet<String> = COMMANDS.iter().map(|c| (*c).to_owned()).collect();
    assert_eq!(actual.len(), COMMANDS.len(), "COMMANDS repeats a name");
    compare("commands", &headings(&doc, "Commands"), &actual);
}

#[test]
fn every_model_key_is_documented() {
    let doc = read("CONTROL.md");
    let engine = Engine::new(Workspace::default(), None).expect("engine");
    let data = engine.model().data();
    let actual: BTreeSet<String> = data
        .as_object()
        .expect("the model is an object")
        .keys()
        .map(|k| format!("/{k}"))
        .collect();
    compare("model keys", &headings(&doc, "Model"), &actual);
}

/// The events are the names the engine passes to `Engine::event` and the
/// control endpoint's own: `events.lagged` and the followers' `traffic`.
#[test]
fn every_event_is_documented() {
    let doc = read("CONTROL.md");
    let mut actual = BTreeSet::new();
    // engine.rs and every file of the engine's folder, whatever its split.
    let engine_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let mut sources = vec![("src/engine.rs".to_owned(), ".event(")];
    let mut files: Vec<_> = std::fs::read_dir(&engine_dir)
        .expect("src/engine")
        .flatten()
        .map(|e| format!("src/engine/{}", e.file_name().to_string_lossy()))
        .filter(|f| f.ends_with(".rs"))
        .collect();
    files.sort();
    sources.extend(files.into_iter().map(|f| (f, ".event(")));
    sources.push(("src/control.rs".to_owned(), ".notify("));
    // The traffic log's entries go as the text the log wrote.
    sources.push(("src/control.rs".to_owned(), ".notify_json("));
    for (file, call) in sources {
        let text = read(&file);
        for piece in text.split(call).skip(1) {
            let piece = piece.trim_start();
            if let Some(rest) = piece.strip_prefix('"') {
                let name = rest.split('"').next().unwrap_or_default();
                actual.insert(name.to_owned());
            }
        }
    }
    assert!(
        actual.contains("traffic") && actual.contains("events.lagged"),
        "found events {actual:?}"
    );
    compare("events", &headings(&doc, "Events"), &actual);
}
