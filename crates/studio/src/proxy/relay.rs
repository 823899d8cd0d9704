//! One browser's relay through a proxy: its own upstream connection, the
//! upstream's state (with the overrides) and notifications mirrored to it,
//! its requests forwarded.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use juggler::Client;
use juggler::server::{Connection, HandlerError};
use serde_json::Value;
use tokio::sync::{Notify, mpsc};

use super::{Overrides, ProxySink, with_overrides};
use crate::error::Result;
use crate::remote::RemoteTarget;
use crate::traffic::{Peer, ProxySide};

/// Notifications from upstream waiting for a slow browser; past this the
/// browser's connection is closed (it reconnects and starts afresh).
const NOTIFY_BACKLOG: usize = 1024;

/// How long a browser's request waits for its upstream connection (a page
/// often asks something the moment it connects, before the proxy has
/// reached the upstream server).
const UPSTREAM_WAIT: Duration = Duration::from_secs(15);

/// The upstream connection of browser `conn`, once it stands; `None` when
/// the browser leaves or the upstream is not reached within
/// [`UPSTREAM_WAIT`].
pub(super) async fn upstream_of(
    upstreams: &Mutex<HashMap<u64, Client>>,
    ready: &Notify,
    conn: &Connection,
) -> Option<Client> {
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
/// or failure, goes back as it is.
pub(super) async fn forward(
    client: Option<Client>,
    name: &str,
    data: Value,
) -> std::result::Result<Value, HandlerError> {
    let client =
        client.ok_or_else(|| HandlerError::from("the upstream server is not connected"))?;
    match client.send(name, data).await {
        Ok(v) => Ok(v),
        Err(juggler::Error::Juggler(v)) => Err(HandlerError(v)),
        Err(e) => Err(HandlerError::from(format!("upstream: {e}"))),
    }
}

/// Serves one browser: connects upstream, mirrors its state (with the
/// overrides) and notifications, until either side closes.
pub(super) async fn relay(
    conn: Connection,
    proxy: String,
    target: RemoteTarget,
    overrides: Overrides,
    upstreams: Arc<Mutex<HashMap<u64, Client>>>,
    sink: Arc<dyn ProxySink>,
    ready: Arc<Notify>,
) {
    let id = conn.id();
    let upstream = match connect_upstream(id, &proxy, &target, &sink).await {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(proxy, upstream = target.url, error = %e, "proxy: cannot reach the upstream server");
            conn.close();
            return;
        }
    };
    let _guard = UpstreamGuard::register(upstream.client.clone(), id, upstreams, sink, &proxy);
    // Requests that came before the upstream stood wait for this.
    ready.notify_waiters();
    mirror(&conn, upstream, &overrides, &proxy).await;
}

/// A browser's upstream connection, with its notifications on the way.
struct Upstream {
    client: Client,
    notifications: mpsc::Receiver<(String, Value)>,
    /// Set when the browser fell [`NOTIFY_BACKLOG`] notifications behind.
    overflow: Arc<AtomicBool>,
}

/// Connects browser `id`'s own client to the upstream server, its traffic
/// tapped as that browser's upstream side.
async fn connect_upstream(
    id: u64,
    proxy: &str,
    target: &RemoteTarget,
    sink: &Arc<dyn ProxySink>,
) -> Result<Upstream> {
    let (tx, notifications) = mpsc::channel::<(String, Value)>(NOTIFY_BACKLOG);
    let overflow = Arc::new(AtomicBool::new(false));
    let flag = overflow.clone();
    let (tap_sink, tap_proxy) = (sink.clone(), proxy.to_owned());
    let client = target
        .client_builder()?
        .on_notify(move |name, data| {
            if tx.try_send((name, data)).is_err() {
                flag.store(true, Ordering::Relaxed);
            }
        })
        .on_traffic(move |t| {
            let peer = Peer::Proxy {
                proxy: tap_proxy.clone(),
                connection: id,
                side: ProxySide::Upstream,
            };
            tap_sink.traffic(peer, t);
        })
        .connect()
        .await?;
    Ok(Upstream {
        client,
        notifications,
        overflow,
    })
}

/// Mirrors the upstream's state (with the overrides) and notifications to
/// the browser until either side closes or the browser falls behind.
async fn mirror(conn: &Connection, mut upstream: Upstream, overrides: &Overrides, proxy: &str) {
    let client = upstream.client.clone();
    let mut watch = client.state().subscribe();
    let show = |state: Value| {
        let o = overrides.read().unwrap_or_else(|e| e.into_inner()).clone();
        conn.state()
            .set(juggler::Path::root(), with_overrides(state, &o));
    };
    show(client.state().data());
    loop {
        tokio::select! {
            state = watch.changed() => show(state),
            Some((name, data)) = upstream.notifications.recv() => {
                if conn.notify(&name, &data).await.is_err() {
                    break;
                }
            }
            _ = client.wait_closed() => {
                tracing::info!(proxy, connection = conn.id(), reason = client.close_reason().unwrap_or_default(), "proxy: upstream closed");
                conn.close();
                break;
            }
        }
        if upstream.overflow.load(Ordering::Relaxed) {
            tracing::warn!(
                proxy,
                connection = conn.id(),
                "proxy: the browser does not keep up with the notifications; closing it"
            );
            conn.close();
            break;
        }
    }
}

/// A browser's place among the proxy's upstream connections: whatever ends
/// its relay (the browser leaving drops it), the upstream connection goes
/// with it and the engine hears of it.
struct UpstreamGuard {
    client: Client,
    id: u64,
    upstreams: Arc<Mutex<HashMap<u64, Client>>>,
    sink: Arc<dyn ProxySink>,
    proxy: String,
}

impl UpstreamGuard {
    fn register(
        client: Client,
        id: u64,
        upstreams: Arc<Mutex<HashMap<u64, Client>>>,
        sink: Arc<dyn ProxySink>,
        proxy: &str,
    ) -> UpstreamGuard {
        let ids = {
            let mut map = upstreams.lock().unwrap_or_else(|e| e.into_inner());
            map.insert(id, client.clone());
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

pub(super) fn sorted_ids(map: &HashMap<u64, Client>) -> Vec<u64> {
    let mut ids: Vec<u64> = map.keys().copied().collect();
    ids.sort_unstable();
    ids
}
