//! The control client that sent a command, as far as a command changes
//! what that client gets: whether it follows the traffic log.

use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc};

use crate::engine::TrafficFeed;
use crate::traffic::EntryChunk;

/// What a client's event task reads the traffic log's new entries from:
/// `None` while it does not follow the traffic.
pub type Following = Option<Follower>;

/// One `traffic.follow {on: true}` of a client: the feed as from then.
#[derive(Debug)]
pub struct Follower {
    rx: broadcast::Receiver<Arc<[EntryChunk]>>,
    /// Which follow of the client this is.
    generation: u64,
    switch: Arc<Switch>,
}

impl Follower {
    /// The next batch of entries.
    pub async fn recv(&mut self) -> Result<Arc<[EntryChunk]>, broadcast::error::RecvError> {
        self.rx.recv().await
    }

    /// Whether this follow still holds: once the client stopped (or
    /// followed anew), nothing more goes out from it, whenever its event
    /// task gets to the switch.
    pub fn current(&self) -> bool {
        *lock(&self.switch.state) == (true, self.generation)
    }
}

/// One control client's switches; cheap to clone. The control endpoint
/// makes one per connection (see `control.rs`); a detached one (the
/// default: tests, a connection that closed) changes nothing.
#[derive(Clone, Debug, Default)]
pub struct Caller {
    switch: Option<Arc<Switch>>,
}

#[derive(Debug)]
struct Switch {
    feed: TrafficFeed,
    /// Whether the client follows, and its follows so far.
    state: Mutex<(bool, u64)>,
    to_events: mpsc::UnboundedSender<Following>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Caller {
    /// A client's caller on `feed`, and what its event task reads its
    /// switches from.
    pub fn new(feed: TrafficFeed) -> (Caller, mpsc::UnboundedReceiver<Following>) {
        let (to_events, switches) = mpsc::unbounded_channel();
        let switch = Switch {
            feed,
            state: Mutex::new((false, 0)),
            to_events,
        };
        let caller = Caller {
            switch: Some(Arc::new(switch)),
        };
        (caller, switches)
    }

    /// Starts (`true`) or stops sending this client the traffic log's new
    /// entries. It subscribes here, before the command is answered: every
    /// batch logged after the answer reaches the client, however late its
    /// event task gets to the switch.
    pub fn follow_traffic(&self, on: bool) {
        let Some(s) = &self.switch else {
            return;
        };
        let mut state = lock(&s.state);
        if state.0 == on {
            return;
        }
        *state = (on, state.1 + u64::from(on));
        let following = on.then(|| Follower {
            rx: s.feed.subscribe(),
            generation: state.1,
            switch: s.clone(),
        });
        // The event task is gone with its connection: nothing to switch.
        let _ = s.to_events.send(following);
    }
}
