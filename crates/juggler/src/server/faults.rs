//! Faults injected into one connection on purpose, to watch how a
//! dashboard copes with a slow, lossy or misbehaving server: delayed
//! messages, held-back state, unanswered pings, tiny segments, a dropped
//! socket. Off by default; every change takes effect at once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// What to do wrong. The default does nothing wrong.
///
/// With the `ts` feature it derives `ts_rs::TS`, so that the studio exports
/// this one definition to TypeScript (into the folder it exports to).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export_to = "./"))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct FaultSettings {
    /// Wait this long before sending each state message (milliseconds).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub delay_state_ms: u64,
    /// Wait this long before sending each notification (milliseconds).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub delay_notify_ms: u64,
    /// Wait this long before sending each response (milliseconds).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub delay_response_ms: u64,
    /// Hold state changes back (as if the autoflush never ran); they go out
    /// together when this is turned off.
    pub hold_state: bool,
    /// 0.7: leave the client's transport pings unanswered (the client
    /// should close on its ping timeout).
    pub ignore_pings: bool,
    /// Leave requests with an empty name unanswered (the keep-alive of the
    /// browser client).
    pub ignore_empty_requests: bool,
    /// 0.7: cut every message into segments of at most this many
    /// characters (e.g. 1). `None`: the connection's own setting.
    pub segment_size: Option<usize>,
}

impl FaultSettings {
    /// Whether anything is set.
    pub fn is_active(&self) -> bool {
        self != &FaultSettings::default()
    }

    /// The one place where faults touch the protocol: what happens to one
    /// message of `kind` (the connection's core asks for every state
    /// message, notification, answer and empty-name request; its driver
    /// for every 0.7 ping).
    pub(crate) fn shape(&self, kind: Kind) -> Shape {
        let delay = |ms: u64| {
            if ms == 0 {
                Shape::Pass
            } else {
                Shape::Delay(Duration::from_millis(ms.min(600_000)))
            }
        };
        match kind {
            Kind::State if self.hold_state => Shape::Hold,
            Kind::State => delay(self.delay_state_ms),
            Kind::Notify => delay(self.delay_notify_ms),
            Kind::Answer => delay(self.delay_response_ms),
            Kind::EmptyRequest if self.ignore_empty_requests => Shape::Hold,
            Kind::Ping if self.ignore_pings => Shape::Hold,
            Kind::EmptyRequest | Kind::Ping => Shape::Pass,
        }
    }
}

/// A message as faults see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Outgoing: a state message.
    State,
    /// Outgoing: a notification.
    Notify,
    /// Outgoing: a response.
    Answer,
    /// Incoming: a request with an empty name (the browser's keep-alive).
    EmptyRequest,
    /// Incoming: a 0.7 transport ping.
    Ping,
}

/// What faults do to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Nothing.
    Pass,
    /// Wait this long before sending it.
    Delay(Duration),
    /// Outgoing state: hold it back (it goes out once released). Incoming:
    /// leave it unanswered.
    Hold,
}

/// The faults of one connection: a cheap handle shared by the
/// [`Connection`](super::Connection) and its socket task.
#[derive(Clone)]
pub struct Faults {
    tx: Arc<watch::Sender<FaultSettings>>,
    /// Set by `drop_connection`: the socket task drops the socket without
    /// a close frame, like a network that went away.
    dropped: Arc<Mutex<bool>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            tx: Arc::new(watch::Sender::new(FaultSettings::default())),
            dropped: Arc::default(),
        }
    }
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Faults").field(&*self.tx.borrow()).finish()
    }
}

impl Faults {
    /// Faults with these settings.
    pub fn new(settings: FaultSettings) -> Self {
        let f = Faults::default();
        f.set(settings);
        f
    }

    /// Replaces the settings.
    pub fn set(&self, settings: FaultSettings) {
        self.tx.send_replace(settings);
    }

    /// The current settings.
    pub fn get(&self) -> FaultSettings {
        self.tx.borrow().clone()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<FaultSettings> {
        self.tx.subscribe()
    }

    pub(crate) fn mark_dropped(&self) {
        *self.dropped.lock().unwrap_or_else(|e| e.into_inner()) = true;
    }

    pub(crate) fn is_dropped(&self) -> bool {
        *self.dropped.lock().unwrap_or_else(|e| e.into_inner())
    }
}
