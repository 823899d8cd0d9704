//! One browser's relay through a proxy: its own upstream connection, the
//! upstream's state (with the overrides) and notifications mirrored to it,
//! its requests forwarded.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use juggler::server::{Connection, HandlerError};
use juggler::{Client, Direction, MessageView, Patch};
use serde_json::Value;
use tokio::sync::Notify;

use super::{Overrides, ProxySink, with_overrides};
use crate::error::Result;
use crate::remote::RemoteTarget;
use crate::traffic::{Peer, ProxySide};

/// What the upstream sent and the browser has not been shown, in bytes;
/// past this the browser's connection is closed (it does not read, or
/// reads far slower than the upstream writes; it reconnects and starts
/// afresh). A burst from a live back end fits many times over.
const MAX_BACKLOG_BYTES: usize = 64 * 1024 * 1024;

/// How long a browser's request waits for its upstream connection (a page
/// often asks something the moment it connects, before the proxy has
/// reached the upstream server).
const UPSTREAM_WAIT: Duration = Duration::from_secs(15);

/// The proxy's upstream connections, by browser connection id.
pub(super) type Upstreams = Arc<Mutex<HashMap<u64, Upstream>>>;

/// One browser's upstream connection and what it sent on the way.
#[derive(Clone)]
pub(super) struct Upstream {
    pub(super) client: Client,
    feed: Arc<Feed>,
}

impl Upstream {
    /// Shows the browser the state again (the overrides changed), after
    /// what came before.
    pub(super) fn reshow(&self) {
        self.feed.push(Upward::Reshow, 0);
    }
}

/// A message from upstream, as the browser must see it.
enum Upward {
    /// A state message: its diff.
    State(Value),
    Notify(String, Value),
    /// The answer to the browser's request being forwarded: the request's
    /// handler returns it, after everything before it was shown.
    Answer,
    /// The overrides changed.
    Reshow,
}

/// The upstream's messages in the order they came (the client's traffic
/// tap sees each before the client acts on it), shown to the browser one
/// at a time by whoever holds the turn: the relay, or the request whose
/// answer is next. So the browser gets state changes, notifications and
/// answers in the upstream's order (each part on its own path, they
/// overtook each other: an answer before the state change made for it).
#[derive(Default)]
struct Feed {
    queue: Mutex<Backlog>,
    /// A message came, or an answer was taken.
    wake: Notify,
    /// The upstream state as shown so far.
    turn: tokio::sync::Mutex<Value>,
    /// Ids of the forwarded requests not answered yet.
    forwarded: Mutex<HashSet<u64>>,
    /// Ids of the browser's pings not answered yet (their answers are
    /// not forwarded ones).
    pings: Mutex<HashSet<String>>,
    /// A forwarded answer went out to the browser.
    written: Notify,
    overflow: AtomicBool,
}

#[derive(Default)]
struct Backlog {
    items: VecDeque<(Upward, usize)>,
    bytes: usize,
    /// Answers taken by their requests that the browser's connection has
    /// not written yet: nothing after them is shown until it has (the
    /// server writes an answer after its handler returned, and a message
    /// shown meanwhile went out first).
    unsent: usize,
}

impl Feed {
    fn push(&self, item: Upward, size: usize) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.bytes += size;
        q.items.push_back((item, size));
        if q.bytes > MAX_BACKLOG_BYTES {
            self.overflow.store(true, Ordering::Relaxed);
        }
        drop(q);
        self.wake.notify_one();
    }

    /// The next message, unless it is an answer and `answer` is false
    /// (the relay leaves answers to their requests), or an answer taken
    /// before is not written yet.
    fn pop(&self, answer: bool) -> Pop {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.unsent > 0 {
            return Pop::Unsent;
        }
        if !answer && matches!(q.items.front(), Some((Upward::Answer, _))) {
            return Pop::Empty;
        }
        let Some((item, size)) = q.items.pop_front() else {
            return Pop::Empty;
        };
        q.bytes -= size;
        if matches!(item, Upward::Answer) {
            q.unsent += 1;
        }
        Pop::Item(item)
    }

    /// Sees one message of the browser's connection (the proxy server's
    /// traffic tap): a forwarded request's answer going out lets what
    /// came after it through.
    fn browser_tapped(&self, t: &juggler::Tapped<'_>) {
        let key = |id: &serde_json::Number| id.to_string();
        match (t.direction, t.message) {
            (Direction::In, MessageView::Request { id, name: "", .. }) => {
                self.pings
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key(id));
            }
            (Direction::Out, MessageView::Response { id, .. }) => {
                let ping = self
                    .pings
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&key(id));
                if ping {
                    return;
                }
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                q.unsent = q.unsent.saturating_sub(1);
                drop(q);
                self.written.notify_waiters();
                self.wake.notify_one();
            }
            _ => {}
        }
    }

    /// Sees one message of the upstream connection (its traffic tap).
    fn tapped(&self, t: &juggler::Tapped<'_>) {
        match (t.direction, t.message) {
            (Direction::Out, MessageView::Request { id, name, .. }) if !name.is_empty() => {
                if let Some(id) = id.as_u64() {
                    self.forwarded
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id);
                }
            }
            (Direction::In, MessageView::Response { id, .. }) => {
                let ours = id.as_u64().is_some_and(|id| {
                    self.forwarded
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&id)
                });
                if ours {
                    self.push(Upward::Answer, 0);
                }
            }
            (
                Direction::In,
                MessageView::State {
                    diff: Patch::Value(diff),
                },
            ) => {
                self.push(Upward::State(diff.clone()), t.size);
            }
            (Direction::In, MessageView::Notify { name, data }) => {
                self.push(Upward::Notify(name.to_owned(), data.clone()), t.size);
            }
            _ => {}
        }
    }

    /// Shows the browser one message; `Err` when its connection is gone.
    async fn show(
        &self,
        item: Upward,
        shown: &mut Value,
        conn: &Connection,
        overrides: &Overrides,
    ) -> std::result::Result<(), ()> {
        match item {
            Upward::State(diff) => {
                if let Err(e) = juggler::diff::patch(shown, diff) {
                    // The client closes on the same error; the browser follows.
                    tracing::warn!(connection = conn.id(), error = %e, "proxy: an upstream state diff does not apply");
                    return Err(());
                }
                set_shown(shown, conn, overrides);
            }
            Upward::Reshow => set_shown(shown, conn, overrides),
            Upward::Notify(name, data) => {
                conn.notify(&name, &data).await.map_err(drop)?;
                // A state change is sent as soon as the connection sees
                // it: it must not overtake this notification.
                conn.flush().await.map_err(drop)?;
            }
            Upward::Answer => {}
        }
        Ok(())
    }

    /// Shows what came before the answer to the request being forwarded,
    /// and takes that answer.
    async fn until_answer(&self, conn: &Connection, overrides: &Overrides) {
        let mut shown = self.turn.lock().await;
        loop {
            // Enabled before looking, so an answer written between the
            // look and the wait is not missed.
            let written = self.written.notified();
            tokio::pin!(written);
            written.as_mut().enable();
            match self.pop(true) {
                Pop::Item(Upward::Answer) | Pop::Empty => break,
                Pop::Item(item) => {
                    if self.show(item, &mut shown, conn, overrides).await.is_err() {
                        break;
                    }
                }
                // The previous request's answer is still on its way out.
                Pop::Unsent => tokio::select! {
                    _ = &mut written => {}
                    _ = conn.wait_closed() => break,
                },
            }
        }
        drop(shown);
        self.wake.notify_one();
    }
}

/// What [`Feed::pop`] found.
enum Pop {
    Item(Upward),
    /// Nothing the caller may show now.
    Empty,
    /// An answer taken before is not written yet.
    Unsent,
}

/// The proxy server's traffic tap for browser `conn`: its relay learns when
/// a forwarded answer went out.
pub(super) fn browser_tapped(upstreams: &Upstreams, conn: u64, t: &juggler::Tapped<'_>) {
    let relevant = matches!(
        (t.direction, t.message),
        (Direction::Out, MessageView::Response { .. })
            | (Direction::In, MessageView::Request { .. })
    );
    if !relevant {
        return;
    }
    let feed = upstreams
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&conn)
        .map(|u| u.feed.clone());
    if let Some(feed) = feed {
        feed.browser_tapped(t);
    }
}

fn set_shown(shown: &Value, conn: &Connection, overrides: &Overrides) {
    let o = overrides.read().unwrap_or_else(|e| e.into_inner()).clone();
    conn.state()
        .set(juggler::Path::root(), with_overrides(shown.clone(), &o));
}

/// The upstream connection of browser `conn`, once it stands; `None` when
/// the browser leaves or the upstream is not reached within
/// [`UPSTREAM_WAIT`].
pub(super) async fn upstream_of(
    upstreams: &Mutex<HashMap<u64, Upstream>>,
    ready: &Notify,
    conn: &Connection,
) -> Option<Upstream> {
    let wait = async {
        loop {
            // Enabled before looking, so an upstream that stands between
            // the look and the wait is not missed.
            let notified = ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let found = upstreams
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&conn.id())
                .cloned();
            if found.is_some() {
                return found;
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = conn.wait_closed() => return None,
            }
        }
    };
    tokio::time::timeout(UPSTREAM_WAIT, wait)
        .await
        .ok()
        .flatten()
}

/// Forwards one browser request upstream; the upstream's answer, success
/// or failure, goes back as it is, after what the upstream sent before it.
pub(super) async fn forward(
    upstream: Option<Upstream>,
    conn: &Connection,
    overrides: &Overrides,
    name: &str,
    data: Value,
) -> std::result::Result<Value, HandlerError> {
    let upstream =
        upstream.ok_or_else(|| HandlerError::from("the upstream server is not connected"))?;
    let answer = upstream.client.send(name, data).await;
    if answer.is_ok() || matches!(answer, Err(juggler::Error::Juggler(_))) {
        upstream.feed.until_answer(conn, overrides).await;
    }
    match answer {
        Ok(v) => Ok(v),
        Err(juggler::Error::Juggler(v)) => Err(HandlerError(v)),
        Err(e) => Err(HandlerError::from(format!("upstream: {e}"))),
    }
}

/// Serves one browser: connects upstream, shows it the upstream's state
/// (with the overrides) and notifications, until either side closes.
pub(super) async fn relay(
    conn: Connection,
    proxy: String,
    target: RemoteTarget,
    overrides: Overrides,
    upstreams: Upstreams,
    sink: Arc<dyn ProxySink>,
    ready: Arc<Notify>,
) {
    let id = conn.id();
    let upstream = match connect_upstream(id, &proxy, &target, &sink).await {
        Ok(u) => {
            sink.upstream(&proxy, Ok(()));
            u
        }
        Err(e) => {
            tracing::warn!(proxy, upstream = target.url, error = %e, "proxy: cannot reach the upstream server");
            sink.upstream(&proxy, Err(e.to_string()));
            conn.close_with(format!("the proxy cannot reach the upstream server: {e}"));
            return;
        }
    };
    let _guard = UpstreamGuard::register(upstream.clone(), id, upstreams, sink, &proxy);
    // Requests that came before the upstream stood wait for this.
    ready.notify_waiters();
    mirror(&conn, &upstream, &overrides, &proxy).await;
}

/// Connects browser `id`'s own client to the upstream server, its traffic
/// tapped as that browser's upstream side and fed to the browser.
async fn connect_upstream(
    id: u64,
    proxy: &str,
    target: &RemoteTarget,
    sink: &Arc<dyn ProxySink>,
) -> Result<Upstream> {
    let feed = Arc::new(Feed::default());
    let (tap_feed, tap_sink, tap_proxy) = (feed.clone(), sink.clone(), proxy.to_owned());
    let client = target
        .client_builder()?
        .on_traffic(move |t| {
            tap_feed.tapped(t);
            let peer = Peer::Proxy {
                proxy: tap_proxy.clone(),
                connection: id,
                side: ProxySide::Upstream,
            };
            tap_sink.traffic(peer, t);
        })
        .connect()
        .await?;
    Ok(Upstream { client, feed })
}

/// Shows the browser what the upstream sends (answers aside: their
/// requests show them) until either side closes or the browser falls
/// [`MAX_BACKLOG_BYTES`] behind.
async fn mirror(conn: &Connection, upstream: &Upstream, overrides: &Overrides, proxy: &str) {
    let feed = &upstream.feed;
    loop {
        {
            let mut shown = feed.turn.lock().await;
            while let Pop::Item(item) = feed.pop(false) {
                if feed.show(item, &mut shown, conn, overrides).await.is_err() {
                    return;
                }
                if feed.overflow.load(Ordering::Relaxed) {
                    break;
                }
            }
        }
        if feed.overflow.load(Ordering::Relaxed) {
            tracing::warn!(
                proxy,
                connection = conn.id(),
                "proxy: the browser does not keep up with the upstream ({} MiB behind); closing it",
                MAX_BACKLOG_BYTES >> 20
            );
            conn.close_with("the browser does not keep up with the upstream");
            return;
        }
        tokio::select! {
            _ = feed.wake.notified() => {}
            _ = upstream.client.wait_closed() => {
                let reason = upstream.client.close_reason().unwrap_or_default();
                tracing::info!(proxy, connection = conn.id(), reason, "proxy: upstream closed");
                conn.close_with(format!("the upstream server closed the connection: {reason}"));
                return;
            }
            _ = conn.wait_closed() => return,
        }
    }
}

/// A browser's place among the proxy's upstream connections: whatever ends
/// its relay (the browser leaving drops it), the upstream connection goes
/// with it and the engine hears of it.
struct UpstreamGuard {
    client: Client,
    id: u64,
    upstreams: Upstreams,
    sink: Arc<dyn ProxySink>,
    proxy: String,
}

impl UpstreamGuard {
    fn register(
        upstream: Upstream,
        id: u64,
        upstreams: Upstreams,
        sink: Arc<dyn ProxySink>,
        proxy: &str,
    ) -> UpstreamGuard {
        let client = upstream.client.clone();
        let ids = {
            let mut map = upstreams.lock().unwrap_or_else(|e| e.into_inner());
            map.insert(id, upstream);
            sorted_ids(&map)
        };
        sink.connections(proxy, ids);
        UpstreamGuard {
            client,
            id,
            upstreams,
            sink,
            proxy: proxy.to_owned(),
        }
    }
}

impl Drop for UpstreamGuard {
    fn drop(&mut self) {
        self.client.close();
        let mut map = self.upstreams.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&self.id);
        let ids = sorted_ids(&map);
        drop(map);
        self.sink.connections(&self.proxy, ids);
        self.sink.closed(&self.proxy, self.id);
    }
}

pub(super) fn sorted_ids(map: &HashMap<u64, Upstream>) -> Vec<u64> {
    let mut ids: Vec<u64> = map.keys().copied().collect();
    ids.sort_unstable();
    ids
}
