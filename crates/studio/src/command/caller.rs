//! The control client that sent a command, as far as a command changes
//! what that client gets: whether it follows the traffic log.

use std::sync::Arc;

use tokio::sync::watch;

/// One control client's switches; cheap to clone. The control endpoint
/// makes one per connection and reads it (see `control.rs`).
#[derive(Clone, Debug)]
pub struct Caller {
    follow: Arc<watch::Sender<bool>>,
}

impl Default for Caller {
    fn default() -> Self {
        Caller {
            follow: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl Caller {
    /// Starts (`true`) or stops sending this client the traffic log's new
    /// entries.
    pub fn follow_traffic(&self, on: bool) {
        self.follow
            .send_if_modified(|now| std::mem::replace(now, on) != on);
    }

    /// Whether the client follows the traffic, changes included.
    pub fn following(&self) -> watch::Receiver<bool> {
        self.follow.subscribe()
    }
}
