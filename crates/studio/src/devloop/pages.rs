//! The open pages of the dashboard under development: each runs the
//! studio's client, which keeps a WebSocket to [`SOCKET_PATH`] on the
//! dashboard's own server. One task per page owns its socket and waits on
//! the page's reports, the studio's messages to it and the end of the
//! studio; everyone else holds [`Pages`], a cheap handle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::console::Report;
use super::inject::{CLIENT_PATH, SOCKET_PATH};
use super::watch::Change;

/// The client script.
const CLIENT_JS: &str = include_str!("client.js");
/// Messages waiting for a page that does not read: a page that far behind
/// misses the rest (the next reload catches it up).
const QUEUE: usize = 16;
/// Reports taken from one page per second; the rest are counted, not kept.
const REPORTS_PER_SECOND: u32 = 200;
/// Longest message a page may send.
const MAX_MESSAGE: usize = 64 * 1024;

/// What a page tells the studio.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum FromPage {
    Hello { url: String },
    Console(Report),
}

/// What the studio tells a page.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum ToPage {
    Reload,
    Css { paths: Vec<String> },
}

/// What happens on the pages, for whoever runs them (the engine).
pub trait PageSink: Send + Sync + 'static {
    /// A page reported a problem (`None` when its rate limit dropped it).
    fn report(&self, page: u64, url: &str, report: Option<Report>);
    /// The set of open pages changed: how many there are now.
    fn pages(&self, open: usize);
}

struct Page {
    url: String,
    tx: mpsc::Sender<ToPage>,
}

/// The open pages.
#[derive(Clone)]
pub struct Pages {
    inner: Arc<Mutex<Inner>>,
    sink: Arc<dyn PageSink>,
    cancel: CancellationToken,
    tracker: TaskTracker,
}

#[derive(Default)]
struct Inner {
    next: u64,
    pages: HashMap<u64, Page>,
}

impl Pages {
    /// No pages yet; `cancel` ends every page's task.
    pub fn new(sink: Arc<dyn PageSink>, cancel: CancellationToken, tracker: TaskTracker) -> Pages {
        Pages {
            inner: Arc::default(),
            sink,
            cancel,
            tracker,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many pages are open.
    pub fn count(&self) -> usize {
        self.lock().pages.len()
    }

    /// The open pages' addresses, by id.
    pub fn list(&self) -> Vec<(u64, String)> {
        let mut out: Vec<_> = self
            .lock()
            .pages
            .iter()
            .map(|(id, p)| (*id, p.url.clone()))
            .collect();
        out.sort();
        out
    }

    /// Tells every open page about `change`; how many were told.
    pub fn tell(&self, change: &Change) -> usize {
        let message = match change {
            Change::Css(paths) => ToPage::Css {
                paths: paths.clone(),
            },
            Change::Reload(_) => ToPage::Reload,
        };
        let inner = self.lock();
        inner
            .pages
            .values()
            .filter(|p| p.tx.try_send(message.clone()).is_ok())
            .count()
    }

    /// The routes of the client script and the pages' socket, for the
    /// dashboard's server.
    pub fn router(&self) -> Router {
        let pages = self.clone();
        Router::new()
            .route(
                CLIENT_PATH,
                get(|| async {
                    (
                        [(http::header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                        CLIENT_JS,
                    )
                }),
            )
            .route(
                SOCKET_PATH,
                get(move |ws: WebSocketUpgrade| {
                    let pages = pages.clone();
                    async move {
                        ws.max_message_size(MAX_MESSAGE)
                            .on_upgrade(move |socket| pages.serve(socket))
                            .into_response()
                    }
                }),
            )
    }

    async fn serve(self, socket: WebSocket) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = {
            let mut inner = self.lock();
            inner.next += 1;
            let id = inner.next;
            inner.pages.insert(
                id,
                Page {
                    url: String::new(),
                    tx,
                },
            );
            id
        };
        self.sink.pages(self.count());
        let task = self.clone();
        self.tracker
            .spawn(async move { task.drive(id, socket, rx).await });
    }

    /// The page's task: its reports in, the studio's messages out, until
    /// either side goes.
    async fn drive(self, id: u64, mut socket: WebSocket, mut rx: mpsc::Receiver<ToPage>) {
        let mut limit = RateLimit::new(REPORTS_PER_SECOND);
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => break,
                out = rx.recv() => {
                    let Some(out) = out else { break };
                    let text = serde_json::to_string(&out).unwrap_or_default();
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => self.received(id, &text, &mut limit),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
            }
        }
        self.lock().pages.remove(&id);
        self.sink.pages(self.count());
    }

    fn received(&self, id: u64, text: &str, limit: &mut RateLimit) {
        match serde_json::from_str::<FromPage>(text) {
            Ok(FromPage::Hello { url }) => {
                if let Some(page) = self.lock().pages.get_mut(&id) {
                    page.url = url;
                }
            }
            Ok(FromPage::Console(report)) => {
                let url = self
                    .lock()
                    .pages
                    .get(&id)
                    .map(|p| p.url.clone())
                    .unwrap_or_default();
                let kept = limit.take().then_some(report);
                self.sink.report(id, &url, kept);
            }
            Err(e) => tracing::debug!(page = id, "ignored a message from a page: {e}"),
        }
    }
}

/// At most `per_second` in any second.
struct RateLimit {
    per_second: u32,
    window: Instant,
    taken: u32,
}

impl RateLimit {
    fn new(per_second: u32) -> Self {
        RateLimit {
            per_second,
            window: Instant::now(),
            taken: 0,
        }
    }

    fn take(&mut self) -> bool {
        if self.window.elapsed() >= Duration::from_secs(1) {
            self.window = Instant::now();
            self.taken = 0;
        }
        self.taken += 1;
        self.taken <= self.per_second
    }
}
