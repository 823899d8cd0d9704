//! The dashboard author's loop: while the studio serves a `static_dir`, it
//! watches it and tells the open pages (a changed stylesheet is swapped in
//! place, anything else reloads the page), and it hears from the pages
//! what goes wrong in them (their console). Both through a small client
//! that the studio adds to the HTML it serves — never to the files — which
//! keeps its own WebSocket beside the dashboard's juggler connection.
//!
//! - [`inject`]: the script tag, and when a request opts out;
//! - [`watch`]: the folder's changes, debounced and classified;
//! - [`pages`]: the open pages, their sockets and the routes;
//! - [`console`]: what the pages reported, within fixed bounds.

pub mod console;
pub mod inject;
pub mod pages;
pub mod watch;

use std::path::Path;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use console::{ConsoleEntry, ConsoleLog, Level, Report};
pub use pages::{PageSink, Pages};
pub use watch::Change;

use crate::error::Result;

/// What the loop tells whoever runs it (the engine).
pub trait DevSink: PageSink {
    /// The open pages were told about a change: `told` of them.
    fn changed(&self, change: &Change, told: usize);

    /// Whether the file at `path` (in the served folder) is one the studio
    /// writes itself (the workspace file, a recording): saving it must not
    /// reload the pages.
    fn writes(&self, _path: &Path) -> bool {
        false
    }
}

/// A running loop for one served folder; it stops (watcher, pages'
/// sockets) when `cancel` is cancelled, and the watcher when dropped.
pub struct DevLoop {
    pages: Pages,
    _watcher: Option<watch::Watcher>,
}

impl DevLoop {
    /// Starts watching `static_dir` (when there is one) and serving the
    /// pages' client.
    pub fn start(
        static_dir: Option<&Path>,
        sink: Arc<dyn DevSink>,
        cancel: CancellationToken,
        tracker: TaskTracker,
    ) -> Result<DevLoop> {
        let page_sink: Arc<dyn PageSink> = Arc::new(AsPageSink(sink.clone()));
        let pages = Pages::new(page_sink, cancel.clone(), tracker.clone());
        let watcher = match static_dir {
            Some(dir) => {
                let (tx, mut rx) = mpsc::channel(16);
                let writer = sink.clone();
                let ignore: watch::Ignore = Arc::new(move |p: &Path| writer.writes(p));
                let watcher = watch::Watcher::start(dir, tx, ignore)?;
                let pages = pages.clone();
                tracker.spawn(async move {
                    loop {
                        let change = tokio::select! {
                            _ = cancel.cancelled() => break,
                            c = rx.recv() => match c { Some(c) => c, None => break },
                        };
                        let told = pages.tell(&change);
                        sink.changed(&change, told);
                    }
                });
                Some(watcher)
            }
            None => None,
        };
        Ok(DevLoop {
            pages,
            _watcher: watcher,
        })
    }

    /// The open pages.
    pub fn pages(&self) -> &Pages {
        &self.pages
    }

    /// The routes to add to the dashboard's server.
    pub fn router(&self) -> axum::Router {
        self.pages.router()
    }

    /// The HTML transform for the dashboard's server: adds the client to
    /// every page unless the request opts out.
    pub fn html_transform()
    -> impl Fn(&http::request::Parts, bytes_of::Bytes) -> Option<bytes_of::Bytes> + Send + Sync + 'static
    {
        |req, page| {
            let header = req
                .headers
                .get("x-juggler-studio")
                .and_then(|v| v.to_str().ok());
            if inject::opted_out(req.uri.query(), header) {
                return None;
            }
            inject::inject(&page).map(bytes_of::Bytes::from)
        }
    }
}

/// The bytes type of the HTTP bodies (from axum).
mod bytes_of {
    pub use axum::body::Bytes;
}

/// A [`DevSink`] seen as the [`PageSink`] it extends.
struct AsPageSink(Arc<dyn DevSink>);

impl PageSink for AsPageSink {
    fn report(&self, page: u64, url: &str, report: Option<Report>) {
        self.0.report(page, url, report);
    }
    fn pages(&self, open: usize) {
        self.0.pages(open);
    }
}

#[cfg(test)]
mod tests;
