//! Watching the static folder: file changes, debounced, told as what the
//! open pages should do. A changed stylesheet alone is swapped in place;
//! anything else reloads the page. Editor scratch files (vim's `.swp` and
//! `4913`, emacs's `#file#` and `.#file`, `file~`, `.tmp`), version
//! control folders, a Python venv and bytecode, and the files the studio
//! writes there itself (the workspace file, recordings) are ignored.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
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
    // Version control, and a Python back end's files beside the page
    // (`juggler-studio new` makes one: its venv and bytecode are no page's).
    let hidden_vcs = rel.components().any(|c| {
        matches!(c, Component::Normal(p)
            if [".git", ".hg", ".svn", ".venv", "__pycache__"].iter().any(|v| p == *v))
    });
    let Some(name) = rel.file_name().map(|n| n.to_string_lossy()) else {
        return true;
    };
    hidden_vcs
        || name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || name == ".DS_Store"
        || [
            ".swp",
            ".swo",
            ".swx",
            ".tmp",
            ".part",
            ".crdownload",
            ".pyc",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// A running watch of one folder; stops when dropped.
pub struct Watcher {
    _watcher: Arc<Mutex<notify::RecommendedWatcher>>,
}

/// A burst's raw event: whether it created its paths, and the paths.
type Raw = (bool, Vec<PathBuf>);

/// Files of the folder that are not the dashboard's (the workspace file,
/// a recording being written there): their changes are not told.
pub type Ignore = Arc<dyn Fn(&Path) -> bool + Send + Sync>;

impl Watcher {
    /// Watches `root` (recursively) and sends each burst's [`Change`] to
    /// `tx` (a burst ends after [`DEBOUNCE`] of quiet); a full channel
    /// drops the burst (the next one reloads anyway). Needs a tokio
    /// runtime: the debouncing runs as a task until the watcher is dropped.
    ///
    /// A build that deletes the folder and makes it again (`rm -rf dist`,
    /// or a new `dist` renamed into place) leaves a watch on a folder that
    /// is gone: the root's parent is watched too, and when the root is a
    /// different folder after a burst, it is watched again and the pages
    /// reload.
    pub fn start(root: &Path, tx: mpsc::Sender<Change>, ignore: Ignore) -> Result<Watcher> {
        let root = std::fs::canonicalize(root).map_err(|e| Error::Io {
            path: root.to_owned(),
            action: "cannot serve the static folder (check the path: `staticDir` in the \
                     workspace is relative to the workspace file, `--static-dir` to the \
                     current folder)"
                .into(),
            source: e,
        })?;
        let (raw_tx, raw_rx) = mpsc::unbounded_channel::<Raw>();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            if let Ok(event) = event
                && changes_content(&event.kind)
            {
                let created = matches!(event.kind, EventKind::Create(_));
                let _ = raw_tx.send((created, event.paths));
            }
        })
        .map_err(|e| Error::Invalid(format!("cannot start the file watcher: {e}")))?;
        watch_root(&mut watcher, &root)?;
        if let Some(parent) = root.parent() {
            // Only to see the root itself go and come back: a parent that
            // cannot be watched leaves live reload as it was before.
            let _ = watcher.watch(parent, RecursiveMode::NonRecursive);
        }
        // Taken now: the task may first run after the folder changed.
        let folder = identity(&root);
        let watcher = Arc::new(Mutex::new(watcher));
        tokio::spawn(debounce(
            root,
            raw_rx,
            tx,
            Arc::downgrade(&watcher),
            folder,
            ignore,
        ));
        Ok(Watcher { _watcher: watcher })
    }
}

fn watch_root(watcher: &mut notify::RecommendedWatcher, root: &Path) -> Result<()> {
    watcher.watch(root, RecursiveMode::Recursive).map_err(|e| {
        Error::Invalid(format!(
            "cannot watch {} for live reload: {e} (on Linux, raise \
             fs.inotify.max_user_watches, or set \"liveReload\": false)",
            root.display()
        ))
    })
}

/// Which folder `root` is now (device and inode), `None` when it is gone.
fn identity(root: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(root)
        .ok()
        .filter(|m| m.is_dir())
        .map(|m| (m.dev(), m.ino()))
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
    mut raw: mpsc::UnboundedReceiver<Raw>,
    tx: mpsc::Sender<Change>,
    watcher: Weak<Mutex<notify::RecommendedWatcher>>,
    mut folder: Option<(u64, u64)>,
    ignore: Ignore,
) {
    while let Some(first) = raw.recv().await {
        let mut burst = Vec::new();
        let mut created = HashSet::new();
        let mut take = |(made, paths): Raw| {
            if made {
                created.extend(paths.iter().cloned());
            }
            burst.extend(paths);
        };
        take(first);
        loop {
            match tokio::time::timeout(DEBOUNCE, raw.recv()).await {
                Ok(Some(more)) => take(more),
                Ok(None) => return,
                Err(_) => break,
            }
        }
        // A file made and gone within the burst is a tool's scratch file
        // (`sed -i`'s `sedXXXXXX`, an editor's save-by-rename): not a change.
        burst.retain(|p| (!created.contains(p) || p.exists()) && !ignore(p));
        let now = identity(&root);
        let change = if now != folder {
            folder = now;
            match (now, watcher.upgrade()) {
                (Some(_), Some(w)) => {
                    let mut w = w.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = w.unwatch(&root);
                    if let Err(e) = watch_root(&mut w, &root) {
                        tracing::warn!("{e}");
                    }
                    // What was copied in before the new watch is unknown:
                    // the whole folder changed.
                    Some(Change::Reload(vec!["/".into()]))
                }
                (Some(_), None) => return,
                (None, _) => classify(&root, &burst),
            }
        } else {
            classify(&root, &burst)
        };
        if let Some(change) = change {
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
            ".venv/lib/python3.11/site-packages/x.py",
            "__pycache__/server.cpython-311.pyc",
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
        let _watcher = Watcher::start(dir.path(), tx, Arc::new(|_: &Path| false)).expect("watch");
        // Serving a page reads it: no change.
        std::fs::read(dir.path().join("index.html")).expect("read");
        std::fs::write(dir.path().join("style.css"), "a{color:red}").expect("write");
        let got = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
        assert_eq!(
            got.ok().flatten(),
            Some(Change::Css(vec!["/style.css".into()]))
        );
    }

    /// The next change told within 10 s.
    async fn next(rx: &mut mpsc::Receiver<Change>) -> Option<Change> {
        tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .ok()
            .flatten()
    }

    #[tokio::test]
    async fn a_folder_deleted_and_made_again_is_still_watched() {
        let parent = tempfile::tempdir().expect("tempdir");
        let root = parent.path().join("dist");
        std::fs::create_dir(&root).expect("mkdir");
        std::fs::write(root.join("index.html"), "<p>1").expect("write");
        let (tx, mut rx) = mpsc::channel(8);
        let _watcher = Watcher::start(&root, tx, Arc::new(|_: &Path| false)).expect("watch");
        // A clean build: the folder goes, then comes back with new files.
        std::fs::remove_dir_all(&root).expect("rm");
        assert!(matches!(next(&mut rx).await, Some(Change::Reload(_))));
        std::fs::create_dir(&root).expect("mkdir");
        std::fs::write(root.join("index.html"), "<p>2").expect("write");
        assert_eq!(next(&mut rx).await, Some(Change::Reload(vec!["/".into()])));
        // An edit after the rebuild is seen (it was not, before).
        tokio::time::sleep(DEBOUNCE * 2).await;
        std::fs::write(root.join("app.js"), "1").expect("write");
        assert_eq!(
            next(&mut rx).await,
            Some(Change::Reload(vec!["/app.js".into()]))
        );
    }

    #[tokio::test]
    async fn a_folder_renamed_into_place_is_watched() {
        let parent = tempfile::tempdir().expect("tempdir");
        let root = parent.path().join("dist");
        let next_build = parent.path().join("dist.new");
        std::fs::create_dir(&root).expect("mkdir");
        std::fs::create_dir(&next_build).expect("mkdir");
        std::fs::write(next_build.join("style.css"), "a{}").expect("write");
        let (tx, mut rx) = mpsc::channel(8);
        let _watcher = Watcher::start(&root, tx, Arc::new(|_: &Path| false)).expect("watch");
        std::fs::remove_dir(&root).expect("rmdir");
        std::fs::rename(&next_build, &root).expect("rename");
        let mut got = next(&mut rx).await;
        if got != Some(Change::Reload(vec!["/".into()])) {
            got = next(&mut rx).await;
        }
        assert_eq!(got, Some(Change::Reload(vec!["/".into()])));
        tokio::time::sleep(DEBOUNCE * 2).await;
        std::fs::write(root.join("style.css"), "a{color:red}").expect("write");
        assert_eq!(
            next(&mut rx).await,
            Some(Change::Css(vec!["/style.css".into()]))
        );
    }

    #[tokio::test]
    async fn a_save_through_a_scratch_file_tells_the_saved_file_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("style.css"), "a{}").expect("write");
        let (tx, mut rx) = mpsc::channel(8);
        let _watcher = Watcher::start(dir.path(), tx, Arc::new(|_: &Path| false)).expect("watch");
        // What `sed -i` does: a new file in the same folder, renamed over.
        let scratch = dir.path().join("sedAb12Cd");
        std::fs::write(&scratch, "a{color:red}").expect("write");
        std::fs::rename(&scratch, dir.path().join("style.css")).expect("rename");
        assert_eq!(
            next(&mut rx).await,
            Some(Change::Css(vec!["/style.css".into()]))
        );
    }

    #[tokio::test]
    async fn the_files_the_studio_writes_there_are_not_told() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = std::fs::canonicalize(dir.path()).expect("canonical");
        let workspace = root.join("workspace.json");
        let ignored = workspace.clone();
        let (tx, mut rx) = mpsc::channel(8);
        let _watcher =
            Watcher::start(&root, tx, Arc::new(move |p: &Path| p == ignored)).expect("watch");
        std::fs::write(&workspace, "{}").expect("write");
        std::fs::write(root.join("app.js"), "1").expect("write");
        assert_eq!(
            next(&mut rx).await,
            Some(Change::Reload(vec!["/app.js".into()]))
        );
        std::fs::write(&workspace, "{\"a\": 1}").expect("write");
        let told = tokio::time::timeout(DEBOUNCE * 5, rx.recv()).await;
        assert!(told.is_err(), "a save of the workspace was told: {told:?}");
    }
}
