//! The engine: one studio's live model. It owns the workspace, runs the
//! embedded juggler server, answers the dashboard's requests by the rules,
//! keeps the traffic log, runs remote sessions, and publishes all of it as
//! the [`Storage`] that the control endpoint serves (see `CONTROL.md`).
//!
//! Every change to the served state goes through the engine, which applies
//! it to the live state (the server diffs it out to dashboards as usual) and
//! mirrors the same operation into the model at `/state`.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use juggler::server::{Connection, HandlerError, ServerBuilder};
use juggler::{Server, Storage, path};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::broadcast;

use crate::error::{Error, Result};
use crate::history::History;
use crate::model::{
    ConnectionClosed, ConnectionInfo, ConnectionOpened, ConnectionStats, ReceivedNotification,
    RemoteInfo, RemoteNotify, SentNotification, SentRequest, ServerInfo, ServerStatus,
    UnmatchedRequest, WorkspaceInfo,
};
use crate::remote::{RemoteSession, RemoteSink, RemoteStatus, RemoteTarget};
use crate::rules::{self, Decision, Effect, NotifyTarget, RequestInfo, RuleSet};
use crate::traffic::{Peer, TrafficLimits, TrafficLog};
use crate::workspace::{self, Workspace};

/// How many sent notifications and unmatched requests the model keeps.
const RECENT: usize = 100;

mod devloop;
mod faults;
mod notify;
mod proxies;
mod publish;
mod recorder;
mod remotes;
mod replay;
mod requests;
mod scenarios;
mod schema_checks;
mod server;
mod state;
mod traffic_log;
mod workspace_file;

pub use replay::MAX_SPEED;
use server::display_addr;
pub use state::Edit;
use state::apply;

pub use crate::time::now_ms;

/// A cheap handle to the engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// The data of an event for control clients.
#[derive(Debug, Clone)]
pub enum EventData {
    /// An event's data.
    Value(Value),
    /// New entries of the traffic log, oldest first, each as its JSON
    /// text: written once, however many control clients get them.
    Entries(Arc<[Box<serde_json::value::RawValue>]>),
}

impl EventData {
    /// The data as a value (entries: a list of them).
    pub fn to_value(&self) -> Value {
        match self {
            EventData::Value(v) => v.clone(),
            EventData::Entries(entries) => Value::Array(
                entries
                    .iter()
                    .map(|e| serde_json::from_str(e.get()).unwrap_or(Value::Null))
                    .collect(),
            ),
        }
    }
}

struct Inner {
    model: Storage,
    events: broadcast::Sender<(String, EventData)>,
    /// The traffic log and the recorders: their own service and lock.
    traffic: Arc<traffic_log::TrafficService>,
    core: Mutex<Core>,
}

struct Core {
    workspace: Workspace,
    path: Option<PathBuf>,
    rules: RuleSet,
    history: History,
    /// The shared state's version that the undo history leads back from
    /// (right after the last edit, undo or redo). Anything else that changes
    /// the state (a replay) moves the version on, and the recorded steps no
    /// longer lead anywhere sure.
    history_version: u64,
    /// The served state when it is shared (also kept while stopped).
    doc: Storage,
    server: Option<Server>,
    remotes: HashMap<String, RemoteSession>,
    next_remote: u64,
    notify_history: VecDeque<Value>,
    unmatched: VecDeque<Value>,
    replay: Option<replay::ReplaySlot>,
    proxies: HashMap<String, crate::proxy::Proxy>,
    next_proxy: u64,
    scenario: Option<Arc<crate::scenario::Running>>,
    checks: schema_checks::Checks,
    faults: crate::model::FaultsInfo,
    /// What new connections start with (`/faults/all`).
    fault_template: juggler::server::Faults,
    /// The running server's live reload and console client.
    devloop: Option<devloop::Running>,
    console: devloop::Console,
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
    pub fn new(workspace: Workspace, path: Option<PathBuf>) -> Result<Self> {
        let rules = RuleSet::new(workspace.rules.clone())?;
        let checks = schema_checks::Checks::new(&workspace)?;
        let doc = Storage::with_data(workspace.initial_state.clone());
        let (events, _) = broadcast::channel(4096);
        let model = Storage::new();
        let log = TrafficLog::new(TrafficLimits::default());
        let traffic = traffic_log::TrafficService::new(log, model.clone(), events.clone());
        let engine = Engine {
            inner: Arc::new(Inner {
                model,
                events,
                traffic,
                core: Mutex::new(Core {
                    workspace,
                    path,
                    rules,
                    history: History::default(),
                    history_version: doc.version(),
                    doc,
                    server: None,
                    remotes: HashMap::new(),
                    next_remote: 1,
                    notify_history: VecDeque::new(),
                    unmatched: VecDeque::new(),
                    replay: None,
                    proxies: HashMap::new(),
                    next_proxy: 0,
                    scenario: None,
                    checks,
                    faults: Default::default(),
                    fault_template: Default::default(),
                    devloop: None,
                    console: Default::default(),
                }),
            }),
        };
        engine.publish_all();
        engine.watch_state_schema();
        Ok(engine)
    }

    /// Opens the workspace file at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let ws = Workspace::load(path)?;
        Self::new(ws, Some(path.to_owned()))
    }

    fn core(&self) -> MutexGuard<'_, Core> {
        self.inner.core.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The model the control endpoint serves.
    pub fn model(&self) -> Storage {
        self.inner.model.clone()
    }

    /// Events for control clients: `(name, data)` notifications.
    pub fn events(&self) -> broadcast::Sender<(String, EventData)> {
        self.inner.events.clone()
    }

    fn event(&self, name: &str, data: Value) {
        // No control client listening is fine.
        let _ = self
            .inner
            .events
            .send((name.to_owned(), EventData::Value(data)));
    }

    /// The workspace as it stands now (rules and state included).
    pub fn workspace(&self) -> Workspace {
        let core = self.core();
        let mut ws = core.workspace.clone();
        ws.rules = core.rules.rules().to_vec();
        ws.initial_state = core.doc.data();
        ws
    }

    /// The folder the server serves (`server.staticDir`, resolved against
    /// the workspace file's folder): the dashboard the builder edits.
    pub fn static_dir(&self) -> Option<PathBuf> {
        let core = self.core();
        let dir = core.workspace.server.static_dir.clone()?;
        Some(workspace::resolve(&Self::base_dir(&core), &dir))
    }

    fn base_dir(core: &Core) -> PathBuf {
        core.path
            .as_deref()
            .map(workspace::base_dir)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// Stops everything the engine runs.
    pub async fn shutdown(&self) {
        self.scenario_stop();
        self.core().checks.stop();
        self.replay_stop();
        self.proxies_shutdown().await;
        for id in self.recording_ids() {
            let _ = self.record_stop(&id);
        }
        let remotes: Vec<_> = self.core().remotes.drain().map(|(_, s)| s).collect();
        for r in remotes {
            r.stop();
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

impl Engine {}
