//! Which juggler generation the served page's own client speaks, read from
//! the `@hat-open/juggler` package it vendors: a workspace that serves 0.6
//! (the default) to a page on the current npm client (0.7) leaves the page
//! failing with "unsupported data type" and nothing else to go on.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use juggler::Generation;

/// How deep under the served folder the package is looked for, and how
/// many entries are read at most (a folder of thousands of files costs a
/// bounded look, once per start).
const MAX_DEPTH: usize = 5;
const MAX_ENTRIES: usize = 5_000;

/// What to tell when the page's vendored client speaks another
/// generation than the server, `None` when it speaks the same or none is
/// found.
pub(super) fn mismatch(dir: &Path, serves: Generation) -> Option<String> {
    let (package, version) = find(dir)?;
    let speaks = match version.split('.').take(2).collect::<Vec<_>>()[..] {
        ["0", "6"] => Generation::V06,
        ["0", "7"] => Generation::V07,
        _ => return None,
    };
    (speaks != serves).then(|| {
        let rel = package.strip_prefix(dir).unwrap_or(&package);
        format!(
            "the page's client ({}, @hat-open/juggler {version}) speaks juggler {speaks} and this \
             server {serves}: the page cannot connect; set the workspace's server.generation to \
             \"{speaks}\" (the Server pane)",
            rel.display()
        )
    })
}

/// The first `@hat-open/juggler` package folder under `dir`, with its
/// version.
fn find(dir: &Path) -> Option<(PathBuf, String)> {
    let mut queue = VecDeque::from([(dir.to_path_buf(), 0usize)]);
    let mut seen = 0;
    while let Some((folder, depth)) = queue.pop_front() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                return None;
            }
            let path = entry.path();
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let name = entry.file_name();
            if name == "juggler" && folder.file_name().is_some_and(|p| p == "@hat-open") {
                let text = std::fs::read_to_string(path.join("package.json")).ok()?;
                let package: serde_json::Value = serde_json::from_str(&text).ok()?;
                let version = package.get("version")?.as_str()?.to_owned();
                return Some((path, version));
            }
            let hidden = name.to_string_lossy().starts_with('.') || name == "__pycache__";
            if depth + 1 < MAX_DEPTH && !hidden {
                queue.push_back((path, depth + 1));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(version: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let package = dir.path().join("vendor/@hat-open/juggler");
        std::fs::create_dir_all(&package).expect("mkdir");
        std::fs::write(
            package.join("package.json"),
            format!("{{\"name\": \"@hat-open/juggler\", \"version\": \"{version}\"}}"),
        )
        .expect("write");
        dir
    }

    #[test]
    fn a_page_on_another_generation_is_told() {
        let dir = folder("0.7.0");
        let told = mismatch(dir.path(), Generation::V06).expect("told");
        assert!(told.contains("vendor/@hat-open/juggler"), "{told}");
        assert!(
            told.contains("speaks juggler 0.7 and this server 0.6"),
            "{told}"
        );
        assert!(told.contains("server.generation to \"0.7\""), "{told}");
        assert_eq!(mismatch(dir.path(), Generation::V07), None);
        assert_eq!(mismatch(folder("0.6.18").path(), Generation::V06), None);
        assert_eq!(
            mismatch(
                tempfile::tempdir().expect("tempdir").path(),
                Generation::V06
            ),
            None
        );
    }
}
