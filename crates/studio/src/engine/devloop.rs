//! The dashboard loop inside the engine: the served folder's live reload
//! and the pages' console, published at `/console` (see `CONTROL.md`).

use std::sync::Arc;
use std::time::Duration;

use juggler::server::ServerBuilder;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{Engine, now_ms};
use crate::devloop::{Change, ConsoleLog, DevLoop, DevSink, PageSink, Report};
use crate::error::Result;
use crate::model::{ConsoleInfo, RELOAD_PATHS_SHOWN, ReloadInfo};

/// Entries of the console the model shows (the newest); the log keeps more
/// per page, all within fixed bounds.
const SHOWN: usize = 300;
/// The console is published at most this often (a page that floods errors
/// costs the control clients a few diffs a second, not one per error).
const PUBLISH_EVERY: Duration = Duration::from_millis(200);

/// The loop of a running server, with what stops it.
pub(super) struct Running {
    _devloop: DevLoop,
    cancel: CancellationToken,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// The pages' console: what they reported, how many are open, the last
/// live reload (the server host holds it).
#[derive(Default)]
pub(super) struct Console {
    log: ConsoleLog,
    open_pages: usize,
    last_reload: Option<ReloadInfo>,
    publish_pending: bool,
}

impl Engine {
    /// Adds the loop to the dashboard server being built, when the
    /// workspace serves a folder and has live reload on; the pages' client
    /// is then added to every HTML page served (never to the files).
    pub(super) fn with_devloop(
        &self,
        builder: ServerBuilder,
    ) -> Result<(ServerBuilder, Option<Running>)> {
        let settings = self.inner.workspace.server();
        let dir = match (&settings.static_dir, settings.live_reload) {
            (Some(dir), true) => self.inner.workspace.resolve(dir),
            _ => return Ok((builder, None)),
        };
        let cancel = CancellationToken::new();
        let sink: Arc<dyn DevSink> = Arc::new(self.clone());
        let devloop = DevLoop::start(Some(&dir), sink, cancel.clone(), TaskTracker::new())?;
        let builder = builder
            .transform_html(DevLoop::html_transform())
            .routes(devloop.router());
        Ok((
            builder,
            Some(Running {
                _devloop: devloop,
                cancel,
            }),
        ))
    }

    /// Forgets what the pages reported.
    pub fn console_clear(&self) {
        self.inner.host.console().log.clear();
        self.publish_console();
    }

    /// Forgets what the pages reported and the last reload, for another
    /// workspace; the count since the studio started goes on (a scenario
    /// step compares it).
    pub(super) fn console_restart(&self) {
        {
            let mut console = self.inner.host.console();
            console.log.clear();
            console.last_reload = None;
        }
        self.publish_console();
    }

    /// How many errors the pages have reported since the studio started
    /// (a scenario compares it before and after a step).
    pub fn console_errors(&self) -> u64 {
        self.inner.host.console().log.error_count()
    }

    /// The newest error, told as `LEVEL at PLACE: MESSAGE (page URL)`, when
    /// the pages reported more than `count` errors in all.
    pub fn console_errors_since(&self, count: u64) -> Option<String> {
        let console = self.inner.host.console();
        let log = &console.log;
        if log.error_count() <= count {
            return None;
        }
        let newest = log.entries().into_iter().rev().find(|e| e.level.is_error());
        Some(match newest {
            Some(e) => format!(
                "{} at {}: {} (page {})",
                e.level.as_str(),
                e.place(),
                e.message,
                e.url
            ),
            None => "an error that is no longer kept".into(),
        })
    }

    fn publish_console(&self) {
        let mut c = self.inner.host.console();
        c.publish_pending = false;
        self.inner.publish.console(&ConsoleInfo {
            entries: c.log.entries().into_iter().rev().take(SHOWN).collect(),
            errors: c.log.error_count(),
            open_pages: c.open_pages,
            last_reload: c.last_reload.clone(),
        });
    }

    /// Publishes soon, once for everything that happens until then.
    fn publish_console_soon(&self) {
        {
            let mut console = self.inner.host.console();
            if console.publish_pending {
                return;
            }
            console.publish_pending = true;
        }
        let engine = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(PUBLISH_EVERY).await;
            engine.publish_console();
        });
    }
}

impl PageSink for Engine {
    fn report(&self, page: u64, url: &str, report: Option<Report>) {
        let Some(report) = report else {
            return;
        };
        let entry = (self.inner.host.console())
            .log
            .push(page, url, report, now_ms());
        // `serve`'s output: where it happened, what, on which page.
        let level = entry.level.as_str();
        tracing::warn!(
            target: "dashboard",
            "{level} at {}: {} (page {})",
            entry.place(),
            entry.message,
            entry.url
        );
        self.publish_console_soon();
    }

    fn pages(&self, open: usize) {
        self.inner.host.console().open_pages = open;
        self.publish_console_soon();
    }
}

impl DevSink for Engine {
    fn writes(&self, path: &std::path::Path) -> bool {
        let same = |other: &std::path::Path| same_file(path, other);
        self.inner.workspace.path().is_some_and(|w| same(&w))
            || self
                .inner
                .traffic
                .state()
                .recordings
                .values()
                .any(|r| same(std::path::Path::new(&r.info.path)))
    }

    fn changed(&self, change: &Change, told: usize) {
        let (kind, verb) = match change {
            Change::Css(_) => ("css", "restyled"),
            Change::Reload(_) => ("reload", "reloaded"),
        };
        let plural = if told == 1 { "" } else { "s" };
        let all = change.paths();
        let shown = &all[..all.len().min(RELOAD_PATHS_SHOWN)];
        let more = match all.len() - shown.len() {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        tracing::info!(
            "{}{more} changed: {verb} {told} page{plural}",
            shown.join(", ")
        );
        self.inner.host.console().last_reload = Some(ReloadInfo {
            at: now_ms(),
            kind: kind.into(),
            paths: shown.to_vec(),
            changed: all.len(),
            pages: told,
        });
        self.publish_console_soon();
    }
}

/// Whether `a` (a watched path, canonical) names the file `b`.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    let canonical = |p: &std::path::Path| {
        let name = p.file_name()?;
        let parent = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => std::path::Path::new("."),
        };
        Some(std::fs::canonicalize(parent).ok()?.join(name))
    };
    a == b || canonical(b).is_some_and(|b| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Workspace;
    use juggler::path;
    use serde_json::Value;

    /// A copy into the served folder changes thousands of files: the model
    /// names a few and counts the rest (it carried every path, which filled
    /// the UI's toast and `serve`'s output).
    #[tokio::test]
    async fn a_reload_of_thousands_of_files_names_a_few() {
        let engine = Engine::new(Workspace::default(), None).expect("engine");
        let paths: Vec<String> = (0..5000).map(|i| format!("/vendor/f{i:04}.js")).collect();
        engine.changed(&Change::Reload(paths), 2);
        let reload = engine
            .inner
            .host
            .console()
            .last_reload
            .clone()
            .expect("a reload");
        assert_eq!(reload.paths.len(), RELOAD_PATHS_SHOWN);
        assert_eq!(reload.paths[0], "/vendor/f0000.js");
        assert_eq!((reload.changed, reload.pages), (5000, 2));
    }

    /// Another workspace starts with an empty console: the previous
    /// project's page errors stayed, counted in the Console's badge and the
    /// Server pane's note as the new project's.
    #[tokio::test]
    async fn another_workspace_starts_with_an_empty_console() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("other.json");
        std::fs::write(&file, r#"{"version": 1}"#).expect("write");
        let engine = Engine::new(Workspace::default(), None).expect("engine");
        let report = Report {
            level: crate::devloop::Level::Error,
            message: "boom".into(),
            source: None,
            line: None,
            column: None,
            stack: None,
        };
        engine.report(1, "http://127.0.0.1:1/", Some(report));
        engine.changed(&Change::Reload(vec!["/app.js".into()]), 1);
        engine.publish_console();
        let shown = || engine.model().get(path!["console", "entries"]);
        assert_eq!(shown().map(|e| e.as_array().map(Vec::len)), Some(Some(1)));

        engine.open_workspace(&file).await.expect("open");
        assert_eq!(shown(), Some(serde_json::json!([])));
        assert_eq!(
            engine.model().get(path!["console", "lastReload"]),
            Some(Value::Null)
        );
        assert_eq!(engine.console_errors(), 1, "scenarios count on");
    }

    /// The workspace file in the served folder (where `new` puts it) is
    /// one the studio writes: saving it reloads no page.
    #[tokio::test]
    async fn the_workspace_file_is_the_studios_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("workspace.json");
        std::fs::write(&file, "{}").expect("write");
        let engine = Engine::new(Workspace::default(), Some(file.clone())).expect("engine");
        let root = std::fs::canonicalize(dir.path()).expect("canonical");
        assert!(engine.writes(&root.join("workspace.json")));
        assert!(!engine.writes(&root.join("index.html")));
    }
}
