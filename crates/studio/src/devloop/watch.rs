//! Watching the static folder: file changes, debounced, told as what the
//! open pages should do. A changed stylesheet alone is swapped in place;
//! anything else reloads the page. Editor scratch files (vim's `.swp` and
//! `4913`, emacs's `#file#` and `.#file`, `file~`, `.tmp`) and version
//! control folders are ignored.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use notify::event::{MetadataKind, ModifyKind};
use notify::{Event, EventKind, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

use crate::error::{Error, Result};

/// How long the watcher waits for a burst of writes (an editor's save, a
/// build) to end before it tells the pages.
pub const DEBOUNCE: Duration = Duration::from_millis(120);

/// What the pages should do about a burst of changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Only these stylesheets changed: swap them in place. URL paths
    /// (`/style.css`).
    Css(Vec<String>),
    /// Something else changed (these files): reload.
    Reload(Vec<String>),
}

impl Change {
    /// The URL paths that changed.
    pub fn paths(&self) -> &[String] {
        match self {
            Change::Css(p) | Change::Reload(p) => p,
        }
    }
}

/// What a burst of changed files under `root` means; `None` when every
/// one is ignored.
pub fn classify(root: &Path, changed: &[PathBuf]) -> Option<Change> {
    let mut paths: Vec<String> = changed
        .iter()
        .filter_map(|p| p.strip_prefix(root).ok())
        .filter(|rel| !ignored(rel))
        .map(url_path)
        .collect();
    paths.sort();
    paths.dedup();
    if paths.is_empty() {
        return None;
    }
    if paths
        .iter()
        .all(|p| p.to_ascii_lowercase().ends_with(".css"))
    {
        Some(Change::Css(paths))
    } else {
        Some(Change::Reload(paths))
    }
}

/// The URL path of a file under the root, as a page's `link.href` has it
/// (each segment percent-encoded).
fn url_path(rel: &Path) -> String {
    /// What a browser escapes in a path segment.
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'%');
    let mut out = String::new();
    for c in rel.components() {
        if let Component::Normal(part) = c {
            out.push('/');
            let part = part.to_string_lossy();
            out.extend(percent_encoding::utf8_percent_encode(&part, SEGMENT));
        }
    }
    out
}

/// Scratch files of editors and version control, never served.
fn ignored(rel: &Path) -> bool {
    let hidden_vcs = rel.components().any(
        |c| matches!(c, Component::Normal(p) if [".git", ".hg", ".svn"].iter().any(|v| p == *v)),
    );
    let Some(name) = rel.file_name().map(|n| n.to_string_lossy()) else {
        return true;
    };
    hidden_vcs
        || name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || name == ".DS_Store"
        || [".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// A running watch of one folder; stops when dropped.
pub struct Watcher {
    _watcher: notify::RecommendedWatcher,
}

impl Watcher {
    /// Watches `root` (recursively) and sends each burst's [`Change`] to
    /// `tx` (a burst ends after [`DEBOUNCE`] of quiet); a full channel
    /// drops the burst (the next one reloads anyway). Needs a tokio
    /// runtime: the debouncing runs as a task until the watcher is dropped.
    pub fn start(root: &Path, tx: mpsc::Sender<Change>) -> Result<Watcher> {
        let root = std::fs::canonicalize(root).map_err(|e| Error::Io {
            path: root.to_owned(),
            action: "cannot watch the static folder for live reload".into(),
            source: e,
        })?;
        let (raw_tx, raw_rx) = mpsc::unbounded_channel();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            if let Ok(event) = event
                && changes_content(&event.kind)
            {
                let _ = raw_tx.send(event.paths);
            }
        })
        .map_err(|e| Error::Invalid(format!("cannot start the file watcher: {e}")))?;
        watcher
            .watch(&root, RecursiveMode::Recursive)
            .map_err(|e| {
                Error::Invalid(format!(
                    "cannot watch {} for live reload: {e} (on Linux, raise \
                     fs.inotify.max_user_watches, or set \"liveReload\": false)",
                    root.display()
                ))
            })?;
        tokio::spawn(debounce(root, raw_rx, tx));
        Ok(Watcher { _watcher: watcher })
    }
}

/// Reading a file (an access) changes nothing: only writes, creations,
/// removals, renames and a touched modification time count.
fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(m)) => {
            matches!(m, MetadataKind::WriteTime | MetadataKind::Any)
        }
        EventKind::Modify(_) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

/// Gathers paths until [`DEBOUNCE`] passes without one, then tells the
/// burst; ends when the watcher (the sender) is dropped.
async fn debounce(
    root: PathBuf,
    mut raw: mpsc::UnboundedReceiver<Vec<PathBuf>>,
    tx: mpsc::Sender<Change>,
) {
    while let Some(first) = raw.recv().await {
        let mut burst = first;
        loop {
            match tokio::time::timeout(DEBOUNCE, raw.recv()).await {
                Ok(Some(more)) => burst.extend(more),
                Ok(None) => return,
                Err(_) => break,
            }
        }
        if let Some(change) = classify(&root, &burst) {
            let _ = tx.try_send(change);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(root: &str, files: &[&str]) -> Option<Change> {
        let root = Path::new(root);
        let files: Vec<PathBuf> = files.iter().map(|f| root.join(f)).collect();
        classify(root, &files)
    }

    #[test]
    fn stylesheets_alone_swap_anything_else_reloads() {
        assert_eq!(
            change("/d", &["style.css", "theme/dark.CSS"]),
            Some(Change::Css(vec![
                "/style.css".into(),
                "/theme/dark.CSS".into()
            ]))
        );
        assert_eq!(
            change("/d", &["style.css", "app.js"]),
            Some(Change::Reload(vec!["/app.js".into(), "/style.css".into()]))
        );
        assert_eq!(
            change("/d", &["index.html"]),
            Some(Change::Reload(vec!["/index.html".into()]))
        );
        assert_eq!(
            change("/d", &["my style.css"]),
            Some(Change::Css(vec!["/my%20style.css".into()]))
        );
    }

    #[test]
    fn editor_scratch_files_and_version_control_are_ignored() {
        for f in [
            ".app.js.swp",
            "4913",
            "app.js~",
            ".#app.js",
            "#app.js#",
            "x.tmp",
            ".git/index",
            "sub/.git/HEAD",
        ] {
            assert_eq!(change("/d", &[f]), None, "{f}");
        }
        assert_eq!(
            change("/d", &[".style.css.swp", "style.css"]),
            Some(Change::Css(vec!["/style.css".into()]))
        );
        assert_eq!(
            change("/d", &["/elsewhere/app.js"]),
            None,
            "outside the folder"
        );
    }

    #[tokio::test]
    async fn a_saved_file_is_told_once_and_reading_one_is_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("style.css"), "a{}").expect("write");
        std::fs::write(dir.path().join("index.html"), "<p>").expect("write");
        let (tx, mut rx) = mpsc::channel(8);
        let _watcher = Watcher::start(dir.path(), tx).expect("watch");
        // Serving a page reads it: no change.
        std::fs::read(dir.path().join("index.html")).expect("read");
        std::fs::write(dir.path().join("style.css"), "a{color:red}").expect("write");
        let got = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
        assert_eq!(
            got.ok().flatten(),
            Some(Change::Css(vec!["/style.css".into()]))
        );
    }
}
