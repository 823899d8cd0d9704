//! The engine: one studio's live model, published as the [`Storage`] that
//! the control endpoint serves (see `CONTROL.md`).
//!
//! It is made of services, each owning its state behind its own lock and
//! publishing its sections of the model through the one typed
//! [`Publisher`]: the workspace file ([`WorkspaceStore`]), the served state
//! and its undo history ([`StateStore`]), the embedded server with its
//! faults and console ([`ServerHost`]), the request pipeline ([`Pipeline`]:
//! schema checks → scenario → replay → rules), the remote sessions
//! ([`Remotes`]), the proxies ([`Proxies`]), and the traffic log with the
//! recorders (`TrafficService`). [`Engine`] composes them:
//! its methods (one file per concern) call one service after another.
//!
//! Every change to the served state goes through the engine, which applies
//! it to the live state (the server diffs it out to dashboards as usual) and
//! mirrors the same operation into the model at `/state`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use juggler::Storage;
use serde_json::Value;
use tokio::sync::broadcast;

use crate::error::Result;
use crate::traffic::{Peer, TrafficLimits, TrafficLog};
use crate::workspace::Workspace;

mod devloop;
mod edit;
mod faults;
mod fingerprint;
mod host;
mod notify;
mod pipeline;
mod proxies;
mod publisher;
#[cfg(test)]
mod publisher_tests;
mod recorder;
mod remotes;
mod replay;
mod requests;
mod scenarios;
mod schema_checks;
mod server;
mod state;
mod traffic_log;
mod vendored;
mod workspace_file;
mod workspace_store;

pub use edit::Edit;
use edit::apply;
use host::ServerHost;
use pipeline::Pipeline;
use proxies::Proxies;
pub(crate) use publisher::Publisher;
use remotes::Remotes;
pub use replay::MAX_SPEED;
use state::StateStore;
use workspace_store::WorkspaceStore;

pub use crate::time::now_ms;

/// A cheap handle to the engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// An event for control clients: a notification's name and data.
pub type Event = (String, Value);

/// New entries of the traffic log, oldest first, as the JSON text of lists:
/// written once, however many control clients follow the traffic, and only
/// while one does (see [`Engine::traffic_feed`]).
pub type TrafficFeed = broadcast::Sender<Arc<[crate::traffic::EntryChunk]>>;

/// The engine's services, each owning its state behind its own lock.
///
/// Lock order: a service's lock is held only for its own work, and the
/// engine calls one service after another rather than one inside another.
/// Where two are held together, it is in this order (never the reverse):
/// `requests` (the scenario slot) → `workspace` and `host` (a run cannot
/// start while the scenarios change, nor without a server); `traffic` (the
/// traffic log and recorders) → nothing else but the publisher. The [`Publisher`] comes last
/// of all: any service may publish under its own lock, and it calls no
/// service.
struct Inner {
    publish: Publisher,
    events: broadcast::Sender<Event>,
    /// The workspace file: its settings, presets, bookmarks, scenarios and
    /// schemas, and where it was read from.
    workspace: WorkspaceStore,
    /// The served state and its undo history.
    state: StateStore,
    /// The embedded server, its faults, its pages' console.
    host: ServerHost,
    /// What answers the dashboards' requests: schema checks, the running
    /// scenario, the replay, the rules; what nothing answered and the
    /// notifications sent.
    requests: Pipeline,
    /// The remote sessions.
    remotes: Remotes,
    /// The proxies.
    proxies: Proxies,
    /// The traffic log and the recordings: the taps hand it their frames
    /// without any other lock.
    traffic: Arc<traffic_log::TrafficService>,
}

/// Where a state edit goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The shared state (or, when state is per connection, the template
    /// that new connections start from).
    Shared,
    /// One connection's own state.
    Connection(u64),
}

impl Target {
    fn from_data(data: &Value) -> Target {
        match data.get("connection").and_then(Value::as_u64) {
            Some(id) => Target::Connection(id),
            None => Target::Shared,
        }
    }
}

impl Engine {
    /// An engine on `workspace` (read from `path`, if it came from a file).
    pub fn new(mut workspace: Workspace, path: Option<PathBuf>) -> Result<Self> {
        let publish = Publisher::new();
        let requests = Pipeline::new(&workspace, publish.clone())?;
        // The state store holds the only copy of the state.
        let state = StateStore::new(
            std::mem::take(&mut workspace.initial_state),
            publish.clone(),
        );
        let state_as_loaded = state.fingerprint();
        let (events, _) = broadcast::channel(4096);
        let (feed, _) = broadcast::channel(traffic_log::FEED_CHUNKS);
        let engine = Engine {
            inner: Arc::new(Inner {
                traffic: traffic_log::TrafficService::new(
                    TrafficLog::new(TrafficLimits::default()),
                    publish.clone(),
                    events.clone(),
                    feed,
                ),
                events,
                state,
                requests,
                host: ServerHost::new(publish.clone()),
                remotes: Remotes::new(publish.clone()),
                proxies: Proxies::new(publish.clone()),
                workspace: WorkspaceStore::new(workspace, state_as_loaded, path, publish.clone()),
                publish,
            }),
        };
        engine.publish_all();
        engine.watch_state_schema();
        engine.watch_unsaved();
        Ok(engine)
    }

    /// Opens the workspace file at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let ws = Workspace::load(path)?;
        Self::new(ws, Some(path.to_owned()))
    }

    /// The model the control endpoint serves.
    pub fn model(&self) -> Storage {
        self.inner.publish.model()
    }

    /// Events for control clients: `(name, data)` notifications.
    pub fn events(&self) -> broadcast::Sender<Event> {
        self.inner.events.clone()
    }

    /// The traffic log's new entries, for the control clients that follow
    /// the traffic (a pane that lists entries is open): a client subscribes
    /// while it follows. With no subscriber the log does not write entries
    /// out at all: a UI that shows no traffic costs the dashboards' server
    /// nothing per frame.
    pub fn traffic_feed(&self) -> TrafficFeed {
        self.inner.traffic.feed()
    }

    fn event(&self, name: &str, data: Value) {
        // No control client listening is fine.
        let _ = self.inner.events.send((name.to_owned(), data));
    }

    /// The workspace as it stands now (rules and state included).
    pub fn workspace(&self) -> Workspace {
        let mut ws = self.workspace_without_state();
        ws.initial_state = self.inner.state.data();
        ws
    }

    /// [`Engine::workspace`] with its state `null`: no copy of the state
    /// (of a big state, ten times its text).
    pub fn workspace_without_state(&self) -> Workspace {
        let mut ws = self.inner.workspace.snapshot();
        ws.rules = self.inner.requests.rules();
        ws
    }

    /// The folder the server serves (`server.staticDir`, resolved against
    /// the workspace file's folder): the dashboard the builder edits.
    pub fn static_dir(&self) -> Option<PathBuf> {
        self.inner.workspace.static_dir()
    }

    /// Publishes every section of the model (the engine starts).
    fn publish_all(&self) {
        let p = &self.inner.publish;
        self.publish_workspace();
        p.connections().clear();
        p.remotes().clear();
        p.traffic(&self.inner.traffic.state().log.status());
        p.recordings().clear();
        p.replay(None);
        p.proxies().clear();
        p.faults(&Default::default());
        p.scenario(None);
        p.schema_violations(&Default::default());
        p.console(&Default::default());
        self.publish_server(None);
    }

    /// The sections that come from the workspace file: `/workspace`,
    /// `/rules`, `/state`, `/history`, and the recent lists it starts empty.
    fn publish_workspace(&self) {
        self.inner.workspace.publish();
        self.inner.requests.publish_workspace_part();
        self.inner.state.publish();
    }

    /// Stops everything the engine runs.
    pub async fn shutdown(&self) {
        self.scenario_stop();
        self.inner.requests.stop_checks();
        self.replay_stop();
        self.proxies_shutdown().await;
        for id in self.recording_ids() {
            let _ = self.record_stop(&id);
        }
        for session in self.inner.remotes.drain() {
            session.stop();
        }
        let _ = self.stop_server().await;
    }
}

impl Target {
    /// Reads the target of a control command's data (`connection`: id).
    pub fn of(data: &Value) -> Target {
        Target::from_data(data)
    }
}
