//! The protocol state of one server connection, without I/O: which version
//! of the state the client has, which requests are pending, and in what
//! order state, notifications and answers go out.
//!
//! The connection's task ([`super::connection`]) feeds it [`Core`]'s event
//! methods in the order things happened and carries out what
//! [`Core::poll_action`] returns (wait, queue a message, flush), moving
//! bytes and nothing else — the shape of rumqttc's `MqttState` and of
//! quinn-proto. Faults shape the outgoing messages here, at one place
//! ([`FaultSettings::shape`]).

use std::collections::VecDeque;
use std::time::Duration;

use super::faults::{FaultSettings, Kind, Shape};
use crate::link::End;
use crate::message::{Message, RequestId, Spans};
use crate::storage::{Storage, Tracker};
use crate::tap::{MessageView, Out};
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;

/// Messages taken from a queue (or frames from the socket) before one
/// flush: a burst costs one write, a flood cannot starve the rest.
pub(crate) const BATCH: usize = 64;

/// What the core needs of the server's settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// See [`super::ServerConfig::autoflush`].
    pub(crate) autoflush: Option<Duration>,
    /// Requests read and not yet answered before reading stops (≥ 1).
    pub(crate) max_pending: usize,
    /// Requests are answered concurrently, in any order.
    pub(crate) parallel: bool,
    /// Deepest nesting of an incoming message.
    pub(crate) max_depth: usize,
}

/// What the driver does next.
#[derive(Debug, PartialEq)]
pub(crate) enum Action {
    /// Wait this long (an injected delay); cancellable.
    Delay(Duration),
    /// Queue one message on the link (not yet flushed).
    Send(Out),
    /// Send what is queued.
    Flush,
}

/// How a request that was read gets its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// On a task of its own (parallel requests): answers in any order.
    Spawn,
    /// Behind the requests the sequential worker already has.
    Worker,
    /// Polled once right away; one that has to wait goes to the worker
    /// ([`Core::moved_to_worker`]).
    Inline,
}

/// A request to answer.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) id: RequestId,
    pub(crate) name: String,
    pub(crate) data: Value,
    pub(crate) route: Route,
    /// Where the big containers of `data` are in the message's text
    /// (empty for small messages): see [`crate::raw_text`].
    pub(crate) spans: Spans,
}

/// Where an answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answered {
    /// The inline poll of [`Route::Inline`] had it at once.
    Inline,
    /// The worker, or a spawned task.
    Queued,
}

/// A step decided but not yet carried out. State is read when its step is
/// reached, after the delays before it, as it would be by a loop that
/// waited there.
#[derive(Debug)]
enum Step {
    Delay(Duration),
    /// The changes the client has not seen, as one state message: always
    /// (`sync`), or only with autoflush 0 before a notification or answer.
    CatchUp {
        before_message: bool,
    },
    Send(Out),
    Flush,
}

/// The protocol state of one connection.
pub(crate) struct Core {
    settings: Settings,
    state: Storage,
    /// Keeps the storage's change log while this connection syncs from it.
    _tracker: Tracker,
    /// The storage's latest version (read, never awaited: the driver waits
    /// on its own receiver).
    version: watch::Receiver<u64>,
    /// The state version the client has; `None` before the first sync.
    synced: Option<u64>,
    /// When the autoflush delay of pending changes runs out.
    deadline: Option<Instant>,
    /// Requests read and not yet answered.
    pending: usize,
    /// Of those, how many the sequential worker has (answers keep their
    /// order, so a request is answered inline only when it has none).
    in_worker: usize,
    fault: FaultSettings,
    steps: VecDeque<Step>,
    /// Something was queued since the last flush.
    unflushed: bool,
}

impl Core {
    pub(crate) fn new(settings: Settings, state: Storage, fault: FaultSettings) -> Core {
        Core {
            settings,
            _tracker: state.track(),
            version: state.version_rx(),
            state,
            synced: None,
            deadline: None,
            pending: 0,
            in_worker: 0,
            fault,
            steps: VecDeque::new(),
            unflushed: false,
        }
    }

    /// The next thing to do, if any. Carry each out before asking again.
    pub(crate) fn poll_action(&mut self) -> Option<Action> {
        while let Some(step) = self.steps.pop_front() {
            match step {
                Step::Delay(d) => return Some(Action::Delay(d)),
                Step::Send(text) => {
                    self.unflushed = true;
                    return Some(Action::Send(text));
                }
                Step::Flush => {
                    self.unflushed = false;
                    return Some(Action::Flush);
                }
                Step::CatchUp { before_message } => {
                    if let Some(action) = self.catch_up(before_message) {
                        return Some(action);
                    }
                }
            }
        }
        None
    }

    /// The connection is open: a state that is already set (a shared one,
    /// or set by the connection handler) goes out like any change.
    pub(crate) fn opened(&mut self, now: Instant) {
        self.state_changed(now);
    }

    /// The storage has a new version.
    pub(crate) fn state_changed(&mut self, now: Instant) {
        if self.held() {
            // Seen, not sent: `needs_sync` still tells it is owed.
            self.version.borrow_and_update();
            return;
        }
        match self.settings.autoflush {
            Some(d) if d.is_zero() => self.sync(),
            Some(d) if self.deadline.is_none() && self.needs_sync() => {
                self.deadline = Some(now + d);
            }
            Some(_) | None => {}
        }
    }

    /// When [`Core::timer`] is due: the autoflush delay of pending changes.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The autoflush deadline passed.
    pub(crate) fn timer(&mut self) {
        self.sync();
    }

    /// The application asked to send every change made so far
    /// ([`super::Connection::flush`]); done once the actions are carried out.
    pub(crate) fn flush_requested(&mut self) {
        self.sync();
    }

    /// New fault settings; state held back goes out once holding stops.
    pub(crate) fn faults_changed(&mut self, fault: FaultSettings) {
        self.fault = fault;
        if !self.held() && self.needs_sync() {
            self.sync();
        }
    }

    /// The fault settings in force.
    pub(crate) fn faults(&self) -> &FaultSettings {
        &self.fault
    }

    /// A notification from the application, in its queue's order.
    pub(crate) fn notify(&mut self, out: impl Into<Out>) {
        self.message(Kind::Notify, out.into());
    }

    /// An answer; every request read gets exactly one.
    pub(crate) fn answered(&mut self, out: impl Into<Out>, from: Answered) {
        self.pending = self.pending.saturating_sub(1);
        if from == Answered::Queued && !self.settings.parallel {
            self.in_worker = self.in_worker.saturating_sub(1);
        }
        self.message(Kind::Answer, out.into());
    }

    /// Whether another frame may be read: fewer than `max_pending`
    /// requests wait for their answers.
    pub(crate) fn can_read(&self) -> bool {
        self.pending < self.settings.max_pending.max(1)
    }

    /// Requests read and not yet answered.
    pub(crate) fn pending(&self) -> usize {
        self.pending
    }

    /// One whole incoming message: the request to answer (`None`: nothing
    /// to answer), or why the connection must close. `observe` sees the
    /// request as decoded (a traffic tap), before anything else happens.
    pub(crate) fn receive(
        &mut self,
        text: &str,
        observe: impl FnOnce(MessageView<'_>),
    ) -> Result<Option<Request>, End> {
        let (msg, spans) = Message::decode_with_spans(text, self.settings.max_depth)
            .map_err(|e| End::Protocol(e.to_string()))?;
        let Message::Request { id, name, data } = msg else {
            return Err(End::Protocol(
                "unexpected message type: a client sends only requests".into(),
            ));
        };
        observe(MessageView::Request {
            id: &id,
            name: &name,
            data: &data,
        });
        if name.is_empty() && self.fault.shape(Kind::EmptyRequest) == Shape::Hold {
            return Ok(None);
        }
        self.pending += 1;
        let route = if self.settings.parallel {
            Route::Spawn
        } else if self.in_worker > 0 {
            self.in_worker += 1;
            Route::Worker
        } else {
            Route::Inline
        };
        Ok(Some(Request {
            id,
            name,
            data,
            route,
            spans,
        }))
    }

    /// An [`Route::Inline`] request had to wait and went to the worker.
    pub(crate) fn moved_to_worker(&mut self) {
        self.in_worker += 1;
    }

    /// A batch of events is over: flush what it queued.
    pub(crate) fn end_batch(&mut self) {
        if self.unflushed || self.steps.iter().any(|s| matches!(s, Step::Send(_))) {
            self.steps.push_back(Step::Flush);
        }
    }

    /// A notification or an answer: its delay, then (autoflush 0) the state
    /// changes made before it, then itself.
    fn message(&mut self, kind: Kind, out: Out) {
        if let Shape::Delay(d) = self.fault.shape(kind) {
            self.steps.push_back(Step::Delay(d));
        }
        self.steps.push_back(Step::CatchUp {
            before_message: true,
        });
        self.steps.push_back(Step::Send(out));
    }

    /// Sends the state changes the client has not seen, and flushes.
    fn sync(&mut self) {
        self.steps.push_back(Step::CatchUp {
            before_message: false,
        });
        self.steps.push_back(Step::Flush);
    }

    fn held(&self) -> bool {
        self.fault.shape(Kind::State) == Shape::Hold
    }

    fn needs_sync(&self) -> bool {
        Some(*self.version.borrow()) != self.synced
    }

    /// Resolves a [`Step::CatchUp`] now that it is reached.
    fn catch_up(&mut self, before_message: bool) -> Option<Action> {
        let text = if before_message {
            let owed = self.settings.autoflush == Some(Duration::ZERO)
                && self.needs_sync()
                && !self.held();
            if !owed {
                return None;
            }
            self.take_state()?
        } else if self.held() {
            self.deadline = None;
            self.version.borrow_and_update();
            return None;
        } else {
            self.take_state()?
        };
        match self.fault.shape(Kind::State) {
            Shape::Delay(d) => {
                self.steps.push_front(Step::Send(text));
                Some(Action::Delay(d))
            }
            _ => {
                self.unflushed = true;
                Some(Action::Send(text))
            }
        }
    }

    /// The `state` message that brings the client up to date, if any.
    fn take_state(&mut self) -> Option<Out> {
        self.deadline = None;
        self.version.borrow_and_update();
        let (version, message) = self.state.catch_up(self.synced);
        self.synced = Some(version);
        message.map(Out::from)
    }
}

#[cfg(test)]
#[path = "core_tests.rs"]
mod tests;
