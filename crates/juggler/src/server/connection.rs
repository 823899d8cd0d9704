//! One juggler connection on the server: the cheap [`Connection`] handle
//! that the application holds. The task that owns the socket is in
//! [`super::driver`]; the handle reaches it through a bounded queue.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::NotifyOverflow;
use super::faults::Faults;
use crate::error::{Error, Result};
use crate::link::Counters;
use crate::storage::Storage;
use crate::tap::Out;

/// Server-wide unique number of a connection, counting from 1.
pub type ConnectionId = u64;

/// What the HTTP handshake told about the peer.
pub(crate) struct Info {
    pub(crate) remote: String,
    pub(crate) user_agent: Option<String>,
    /// The accepted socket's TCP keepalive idle time, read back from it.
    pub(crate) tcp_keepalive: Option<Duration>,
}

/// Everything the socket task sends on request of others. Notifications and
/// answers share this one queue, so a notification that a handler sends goes
/// out before that handler's answer (as with the reference).
pub(super) enum Outgoing {
    Text(Out),
    Answer(Out),
    Flush(oneshot::Sender<()>),
}

/// Traffic of one connection so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ConnectionStats {
    /// Messages received (0.7: reassembled messages).
    pub messages_in: u64,
    /// Messages sent.
    pub messages_out: u64,
    /// Text bytes received.
    pub bytes_in: u64,
    /// Text bytes sent.
    pub bytes_out: u64,
}

/// A handle to one connection; cheap to clone.
#[derive(Clone)]
pub struct Connection {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) id: ConnectionId,
    pub(super) info: Info,
    pub(super) connected_at: SystemTime,
    pub(super) state: Storage,
    pub(super) out: mpsc::Sender<Outgoing>,
    pub(super) cancel: CancellationToken,
    pub(super) closed: CancellationToken,
    pub(super) counters: Arc<Counters>,
    pub(super) faults: Faults,
    pub(super) overflow: NotifyOverflow,
    /// A traffic tap watches: outgoing messages keep their parts for it.
    pub(super) tapped: bool,
    /// Since when notifications have found the send queue full (`Close`).
    pub(super) full_since: Mutex<Option<Instant>>,
    /// The close frame's reason when the connection was closed for a
    /// policy (a full queue, `close_with`), once it was; once the
    /// connection has closed, why it did.
    pub(super) close_reason: Mutex<Option<String>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.inner.id)
            .field("remote", &self.inner.info.remote)
            .finish()
    }
}

impl Connection {
    /// Server-wide unique id.
    pub fn id(&self) -> ConnectionId {
        self.inner.id
    }

    /// The client's address: `Forwarded`, else `X-Forwarded-For`, else the
    /// socket's peer (as the reference).
    pub fn remote(&self) -> &str {
        &self.inner.info.remote
    }

    /// The client's `User-Agent`, if it sent one.
    pub fn user_agent(&self) -> Option<&str> {
        self.inner.info.user_agent.as_deref()
    }

    /// When the connection was accepted.
    pub fn connected_at(&self) -> SystemTime {
        self.inner.connected_at
    }

    /// The server state this connection mirrors (shared or its own). The
    /// [`subscribe`](Storage::subscribe) watch of its own state ends
    /// (`changed` returns `None`) when the connection closes; a shared
    /// state's never does.
    pub fn state(&self) -> &Storage {
        &self.inner.state
    }

    /// Traffic so far.
    pub fn stats(&self) -> ConnectionStats {
        let c = &self.inner.counters;
        ConnectionStats {
            messages_in: c.messages_in.load(Ordering::Relaxed),
            messages_out: c.messages_out.load(Ordering::Relaxed),
            bytes_in: c.bytes_in.load(Ordering::Relaxed),
            bytes_out: c.bytes_out.load(Ordering::Relaxed),
        }
    }

    /// Sends every state change made before the call; returns once sent.
    pub async fn flush(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.inner
            .out
            .send(Outgoing::Flush(tx))
            .await
            .map_err(|_| self.closed())?;
        rx.await.map_err(|_| self.closed())
    }

    /// Sends a notification. While the send queue is full it waits
    /// ([`NotifyOverflow::Wait`], the default), or waits at most the
    /// `Close` policy's time and then closes the connection.
    pub async fn notify(&self, name: &str, data: impl Serialize) -> Result<()> {
        let text = encode_notify(name, data, self.inner.tapped)?;
        self.send_notify(text).await
    }

    /// As [`Connection::notify`], with data that is already JSON text: it
    /// goes into the message as it is (no `Value` is built), for data
    /// written once and sent to many connections.
    pub async fn notify_raw(&self, name: &str, data: &serde_json::value::RawValue) -> Result<()> {
        let out = Out::notify_json(name, data.get(), self.inner.tapped);
        self.send_notify(out).await
    }

    /// As [`Connection::notify_raw`], with JSON text the caller wrote
    /// itself and vouches for (as a serializer of its own would): it is
    /// checked in debug builds only, so text from anywhere else belongs in
    /// `notify_raw`. It saves parsing what was just written.
    pub async fn notify_json(&self, name: &str, data: &str) -> Result<()> {
        debug_assert!(
            serde_json::from_str::<serde::de::IgnoredAny>(data).is_ok(),
            "notify_json: not JSON text"
        );
        let out = Out::notify_json(name, data, self.inner.tapped);
        self.send_notify(out).await
    }

    async fn send_notify(&self, text: Out) -> Result<()> {
        if self.inner.closed.is_cancelled() {
            return Err(self.closed());
        }
        let out = &self.inner.out;
        let NotifyOverflow::Close(_) = self.inner.overflow else {
            return out
                .send(Outgoing::Text(text))
                .await
                .map_err(|_| self.closed());
        };
        if self.inner.cancel.is_cancelled() {
            return Err(self.closed());
        }
        let item = match out.try_send(Outgoing::Text(text)) {
            Ok(()) => {
                self.queue_has_room();
                return Ok(());
            }
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(self.closed()),
            Err(mpsc::error::TrySendError::Full(item)) => item,
        };
        let left = self.queue_full_left();
        match tokio::time::timeout(left, out.send(item)).await {
            Ok(Ok(())) => {
                self.queue_has_room();
                Ok(())
            }
            Ok(Err(_)) => Err(self.closed()),
            Err(_) => {
                self.close_for_overflow();
                Err(self.closed())
            }
        }
    }

    /// Sends a notification, or fails at once with [`Error::QueueFull`] when
    /// the send queue is full (and, with [`NotifyOverflow::Close`], closes
    /// the connection, failing with [`Error::ConnectionClosed`], once the
    /// queue has been full for the policy's time).
    pub fn try_notify(&self, name: &str, data: impl Serialize) -> Result<()> {
        let text = encode_notify(name, data, self.inner.tapped)?;
        match self.inner.out.try_send(Outgoing::Text(text)) {
            Ok(()) => {
                self.queue_has_room();
                Ok(())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(self.closed()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                if let NotifyOverflow::Close(_) = self.inner.overflow {
                    if self.queue_full_left().is_zero() {
                        self.close_for_overflow();
                        return Err(self.closed());
                    }
                }
                Err(Error::QueueFull)
            }
        }
    }

    /// Messages waiting in the send queue (notifications, answers, flush
    /// requests): never more than [`super::ServerConfig::send_queue_size`].
    pub fn queued(&self) -> usize {
        self.inner.out.max_capacity() - self.inner.out.capacity()
    }

    /// The TCP keepalive idle time of the accepted socket, as read back
    /// from the socket (`None`: keepalive off).
    pub fn tcp_keepalive(&self) -> Option<Duration> {
        self.inner.info.tcp_keepalive
    }

    fn queue_has_room(&self) {
        *self
            .inner
            .full_since
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// How much longer the queue may stay full under the `Close` policy.
    fn queue_full_left(&self) -> Duration {
        let NotifyOverflow::Close(grace) = self.inner.overflow else {
            return Duration::MAX;
        };
        let now = Instant::now();
        let mut since = self
            .inner
            .full_since
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let since = *since.get_or_insert(now);
        grace.saturating_sub(now - since)
    }

    fn close_for_overflow(&self) {
        let NotifyOverflow::Close(grace) = self.inner.overflow else {
            return;
        };
        self.close_with(format!(
            "send queue full for {grace:?}: the client does not read its notifications"
        ));
    }

    /// The faults injected into this connection (none by default).
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// Drops the connection without a close frame, as a failing network
    /// would (fault injection); the client sees an abnormal closure.
    pub fn drop_connection(&self) {
        self.inner.faults.mark_dropped();
        self.inner.cancel.cancel();
    }

    /// Starts closing the connection.
    pub fn close(&self) {
        self.inner.cancel.cancel();
    }

    /// Starts closing the connection with a reason the client sees in the
    /// close frame (code 1008, the first 120 bytes): why it is refused
    /// service, for a browser's developer tools and the client's close
    /// handler.
    pub fn close_with(&self, reason: impl Into<String>) {
        let mut why = self
            .inner
            .close_reason
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if why.is_none() {
            *why = Some(reason.into());
        }
        drop(why);
        self.close();
    }

    /// Whether the connection is still open.
    pub fn is_open(&self) -> bool {
        !self.inner.closed.is_cancelled() && !self.inner.cancel.is_cancelled()
    }

    /// Waits until the connection is closed.
    pub async fn wait_closed(&self) {
        self.inner.closed.cancelled().await;
    }

    /// Why the connection closed, once it has.
    pub fn close_reason(&self) -> Option<String> {
        if !self.inner.closed.is_cancelled() {
            return None;
        }
        self.inner
            .close_reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn closed(&self) -> Error {
        Error::closed(self.close_reason())
    }
}

fn encode_notify(name: &str, data: impl Serialize, tapped: bool) -> Result<Out> {
    let data = serde_json::to_value(data)?;
    Ok(Out::notify(name, data, tapped))
}
