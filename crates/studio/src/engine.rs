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
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
use crate::traffic::{Frame, Peer, TrafficFilter, TrafficLimits, TrafficLog};
use crate::workspace::{self, Workspace};

/// How many sent notifications and unmatched requests the model keeps.
const RECENT: usize = 100;

mod devloop;
mod faults;
mod proxies;
mod recorder;
mod replay;
mod scenarios;
mod schema_checks;

pub use replay::MAX_SPEED;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A cheap handle to the engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    model: Storage,
    events: broadcast::Sender<(String, Value)>,
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
    traffic: TrafficLog,
    /// The served state when it is shared (also kept while stopped).
    doc: Storage,
    server: Option<Server>,
    remotes: HashMap<String, RemoteSession>,
    next_remote: u64,
    notify_history: VecDeque<Value>,
    unmatched: VecDeque<Value>,
    recordings: HashMap<String, recorder::ActiveRecording>,
    next_recording: u64,
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
        let engine = Engine {
            inner: Arc::new(Inner {
                model: Storage::new(),
                events,
                core: Mutex::new(Core {
                    workspace,
                    path,
                    rules,
                    history: History::default(),
                    history_version: doc.version(),
                    traffic: TrafficLog::new(TrafficLimits::default()),
                    doc,
                    server: None,
                    remotes: HashMap::new(),
                    next_remote: 1,
                    notify_history: VecDeque::new(),
                    unmatched: VecDeque::new(),
                    recordings: HashMap::new(),
                    next_recording: 0,
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
    pub fn events(&self) -> broadcast::Sender<(String, Value)> {
        self.inner.events.clone()
    }

    fn event(&self, name: &str, data: Value) {
        // No control client listening is fine.
        let _ = self.inner.events.send((name.to_owned(), data));
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

    // ---- model -----------------------------------------------------------

    /// The sections that come from the workspace file: `/workspace`,
    /// `/rules`, `/state`, `/history`, and the recent lists it starts empty.
    fn publish_workspace(&self, core: &Core) {
        let m = &self.inner.model;
        m.set(
            path!["workspace"],
            json!(WorkspaceInfo {
                path: core.path.as_ref().map(|p| p.display().to_string()),
                notify_presets: core.workspace.notify_presets.clone(),
                remotes: core.workspace.remotes.clone(),
                scenarios: core.workspace.scenarios.clone(),
                schemas: core.workspace.schemas.clone(),
            }),
        );
        m.set(path!["rules"], json!(core.rules.rules()));
        m.set(path!["state"], core.doc.data());
        m.set(path!["notifyHistory"], json!([]));
        m.set(path!["unmatched"], json!([]));
        self.publish_history(core);
    }

    fn publish_all(&self) {
        let core = self.core();
        self.publish_workspace(&core);
        let m = &self.inner.model;
        m.set(path!["connections"], json!({}));
        m.set(path!["remotes"], json!({}));
        m.set(path!["traffic"], json!(core.traffic.status()));
        m.set(path!["recordings"], json!({}));
        m.set(path!["replay"], Value::Null);
        m.set(path!["proxies"], json!({}));
        m.set(path!["faults"], json!(core.faults));
        m.set(path!["scenario"], Value::Null);
        m.set(path!["schemaViolations"], json!([]));
        m.set(
            path!["console"],
            json!(crate::model::ConsoleInfo::default()),
        );
        drop(core);
        self.publish_server(None);
    }

    fn publish_server(&self, error: Option<String>) {
        let core = self.core();
        let settings = &core.workspace.server;
        let (status, url, dashboard) = match &core.server {
            Some(s) => {
                let http = if core.workspace.server.pem_file.is_some() {
                    "https"
                } else {
                    "http"
                };
                (
                    ServerStatus::Running,
                    Some(s.url()),
                    Some(format!("{http}://{}/", display_addr(s.local_addr()))),
                )
            }
            None if error.is_some() => (ServerStatus::Error, None, None),
            None => (ServerStatus::Stopped, None, None),
        };
        self.inner.model.set(
            path!["server"],
            json!(ServerInfo {
                status,
                error,
                settings: settings.clone(),
                url,
                dashboard_url: dashboard,
            }),
        );
    }

    fn publish_history(&self, core: &Core) {
        self.inner
            .model
            .set(path!["history"], json!(core.history.status()));
    }

    // ---- server ------------------------------------------------------------

    /// Starts the embedded server with the workspace's settings, on
    /// `listener` if given (tests bind `127.0.0.1:0`), else on the settings'
    /// host and port.
    pub async fn start_server(&self, listener: Option<TcpListener>) -> Result<String> {
        if self.core().server.is_some() {
            return Err(Error::Invalid(
                "the server is already running: stop it first, or restart".into(),
            ));
        }
        let result = self.try_start(listener).await;
        match &result {
            Ok(_) => self.publish_server(None),
            Err(e) => self.publish_server(Some(e.to_string())),
        }
        result
    }

    async fn try_start(&self, listener: Option<TcpListener>) -> Result<String> {
        let (config, shared, bind) = {
            let core = self.core();
            let settings = core.workspace.server.clone();
            let config = settings.server_config(&Self::base_dir(&core))?;
            (config, settings.shared_state, settings.bind_address())
        };
        let listener = match listener {
            Some(l) => l,
            None => TcpListener::bind(&bind).await.map_err(|e| {
                Error::Invalid(format!(
                    "cannot listen on {bind}: {e}; choose another port in the server settings \
                     (0 picks a free one)"
                ))
            })?,
        };
        let mut builder = ServerBuilder::with_config(config);
        if shared {
            builder = builder.shared_state(self.core().doc.clone());
        }
        let on_conn = self.clone();
        let on_req = self.clone();
        let on_traffic = self.clone();
        let on_handshake = self.clone();
        builder = builder
            .default_faults(self.core().fault_template.clone())
            .check_handshake(move |_parts| match on_handshake.refusing() {
                Some(why) => Err((http::StatusCode::SERVICE_UNAVAILABLE, why)),
                None => Ok(()),
            })
            .on_connection(move |conn| {
                let engine = on_conn.clone();
                async move { engine.connected(conn, shared).await }
            })
            .on_request(move |conn, name, data| {
                let engine = on_req.clone();
                async move { engine.answer(conn, name, data).await }
            })
            .on_traffic(move |id, direction, text| {
                on_traffic.traffic(Peer::Connection(id), direction.into(), text);
            });
        let (builder, devloop) = self.with_devloop(builder)?;
        let server = builder.serve(listener)?;
        self.core().devloop = devloop;
        let url = server.url();
        tracing::info!(url, "studio server started");
        self.core().server = Some(server.clone());
        let engine = self.clone();
        tokio::spawn(async move { engine.refresh_stats(server).await });
        Ok(url)
    }

    /// Stops the embedded server (connections are closed cleanly).
    pub async fn stop_server(&self) -> Result<()> {
        let server = self.core().server.take();
        // Its pages' sockets close with it; the folder is no longer watched.
        self.core().devloop = None;
        if let Some(server) = server {
            server.shutdown().await;
            tracing::info!("studio server stopped");
        }
        self.inner.model.set(path!["connections"], json!({}));
        self.publish_server(None);
        Ok(())
    }

    /// Replaces the server settings (validated like the workspace file);
    /// a running server restarts with them.
    pub async fn set_server_settings(&self, settings: Value) -> Result<()> {
        let settings: workspace::ServerSettings = serde_path_to_error::deserialize(settings)
            .map_err(|e| Error::serde("invalid server settings", "server", &e))?;
        let running = {
            let mut core = self.core();
            let mut ws = core.workspace.clone();
            ws.server = settings;
            let problems = ws.validate(&Self::base_dir(&core));
            if let Some(p) = problems.first() {
                return Err(Error::field("", p.field.clone(), p.message.clone()));
            }
            core.workspace = ws;
            core.server.is_some()
        };
        if running {
            self.stop_server().await?;
            self.start_server(None).await?;
        } else {
            self.publish_server(None);
        }
        Ok(())
    }

    async fn refresh_stats(&self, server: Server) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while server.is_open() {
            tick.tick().await;
            for conn in server.connections() {
                let key = conn.id().to_string();
                // Under the engine's lock, like the removal when the
                // connection closes: no stats entry can outlive it.
                let _core = self.core();
                if self
                    .inner
                    .model
                    .get(path!["connections", key.as_str()])
                    .is_some()
                {
                    self.inner.model.set(
                        path!["connections", key.as_str(), "stats"],
                        json!(ConnectionStats::from(conn.stats())),
                    );
                }
            }
        }
    }

    async fn connected(&self, conn: Connection, shared: bool) {
        let key = conn.id().to_string();
        if !shared {
            // Each connection starts from `/state` as it is now.
            let initial = self.core().doc.data();
            conn.state().set([], initial);
        }
        let since = conn
            .connected_at()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.inner.model.set(
            path!["connections", key.as_str()],
            json!(ConnectionInfo {
                id: conn.id(),
                remote: conn.remote().to_owned(),
                user_agent: conn.user_agent().map(str::to_owned),
                connected_at: since,
                stats: conn.stats().into(),
                state: if shared {
                    Value::Null
                } else {
                    conn.state().data()
                },
            }),
        );
        self.event(
            "connection.opened",
            json!(ConnectionOpened {
                id: conn.id(),
                remote: conn.remote().to_owned(),
            }),
        );
        // The handler is dropped when the connection closes: the guard's
        // drop removes the entry.
        struct Gone(Engine, u64);
        impl Drop for Gone {
            fn drop(&mut self) {
                let key = self.1.to_string();
                let core = self.0.core();
                self.0
                    .inner
                    .model
                    .remove(path!["connections", key.as_str()]);
                drop(core);
                self.0.record_stop_peer(&Peer::Connection(self.1));
                self.0.faults_closed(self.1);
                self.0
                    .event("connection.closed", json!(ConnectionClosed { id: self.1 }));
            }
        }
        let _gone = Gone(self.clone(), conn.id());
        std::future::pending::<()>().await;
    }

    fn connection(&self, id: u64) -> Result<Connection> {
        let server = self.core().server.clone();
        server
            .and_then(|s| s.connections().into_iter().find(|c| c.id() == id))
            .ok_or_else(|| Error::Invalid(format!("no connection {id}: it may have closed")))
    }

    // ---- requests ----------------------------------------------------------

    /// What a request gets that nothing answers (see
    /// [`workspace::Workspace::unanswered`]).
    fn unanswered(&self) -> workspace::Unanswered {
        let core = self.core();
        match core.workspace.unanswered {
            Some(choice) => choice,
            None if core.replay.is_some() => workspace::Unanswered::Null,
            None => workspace::Unanswered::Error,
        }
    }

    /// Says that nothing answered `req` and it got `null`: in serve's
    /// output and on the request's pair in the traffic log.
    fn note_unanswered(&self, req: &RequestInfo) {
        const NOTE: &str = "nothing answers this request: answered null (add a rule, or set the \
                            workspace's \"unanswered\": \"error\")";
        tracing::warn!(request = %req.name, "{NOTE}");
        let peer = Peer::Connection(req.connection_id);
        self.core()
            .traffic
            .annotate_pending(&peer, &req.name, &req.data, NOTE);
    }

    async fn answer(
        &self,
        conn: Connection,
        name: String,
        data: Value,
    ) -> std::result::Result<Value, HandlerError> {
        let req = RequestInfo {
            name: name.clone(),
            data,
            connection_id: conn.id(),
            now: now_ms(),
        };
        self.check_request_schema(&req);
        if let Some(reply) = self.scenario_offer(&req) {
            return reply;
        }
        if let Some((success, data)) = self.replay_answer(&req.name, &req.data) {
            return if success {
                Ok(data)
            } else {
                Err(HandlerError(data))
            };
        }
        let decision = rules::decide(&mut self.core().rules, &req);
        let answer = match decision {
            Decision::NoRule => {
                let entry = json!(UnmatchedRequest {
                    time: req.now,
                    name: req.name.clone(),
                    data: req.data.clone(),
                    connection_id: req.connection_id,
                });
                self.push_recent(path!["unmatched"], |c| &mut c.unmatched, entry.clone());
                self.event("request.unmatched", entry);
                return match self.unanswered() {
                    workspace::Unanswered::Error => {
                        tracing::info!(request = %name, "no rule for request");
                        rules::no_rule_reply(&name)
                            .into_result()
                            .map_err(HandlerError)
                    }
                    workspace::Unanswered::Null => {
                        self.note_unanswered(&req);
                        Ok(Value::Null)
                    }
                };
            }
            Decision::Answer(a) => a,
        };
        if answer.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(u64::from(answer.delay_ms))).await;
        }
        for effect in answer.effects {
            match effect {
                Effect::SetState { path, value } => {
                    let target = if self.is_shared() {
                        Target::Shared
                    } else {
                        Target::Connection(conn.id())
                    };
                    self.edit(target, Edit::Set(path, value))
                        .map_err(|e| HandlerError::from(e.to_string()))?;
                }
                Effect::Notify { name, data, target } => {
                    let targets = match target {
                        NotifyTarget::Sender => vec![conn.id()],
                        NotifyTarget::All => Vec::new(),
                    };
                    self.notify(&name, data, &targets)
                        .await
                        .map_err(|e| HandlerError::from(e.to_string()))?;
                }
            }
        }
        answer.reply.into_result().map_err(HandlerError)
    }

    fn is_shared(&self) -> bool {
        self.core().workspace.server.shared_state
    }

    fn push_recent(
        &self,
        at: juggler::Path,
        list: impl FnOnce(&mut Core) -> &mut VecDeque<Value>,
        entry: Value,
    ) {
        let mut core = self.core();
        let l = list(&mut core);
        l.push_back(entry);
        while l.len() > RECENT {
            l.pop_front();
        }
        let all: Vec<_> = l.iter().cloned().collect();
        drop(core);
        self.inner.model.set(at, Value::Array(all));
    }

    // ---- traffic -------------------------------------------------------------

    fn traffic(&self, peer: Peer, direction: crate::traffic::Direction, text: &str) {
        let Some(frame) = Frame::from_message_text(now_ms() as f64, peer, direction, text) else {
            return;
        };
        self.record_frame(&frame);
        let mut core = self.core();
        let entry = core.traffic.push(frame).map(|e| json!(e));
        let status = json!(core.traffic.status());
        drop(core);
        if let Some(entry) = entry {
            self.event("traffic", entry);
        }
        self.inner.model.set(path!["traffic"], status);
    }

    /// Entries of the traffic log that pass `filter`, newest last.
    pub fn traffic_query(&self, filter: &TrafficFilter, limit: usize) -> Value {
        json!(self.core().traffic.latest(filter, limit))
    }

    /// The traffic log (filtered) as NDJSON text.
    pub fn traffic_export(&self, filter: &TrafficFilter) -> Result<String> {
        let mut out = Vec::new();
        self.core()
            .traffic
            .export_ndjson(filter, &mut out)
            .map_err(|e| Error::Invalid(format!("export failed: {e}")))?;
        String::from_utf8(out).map_err(|e| Error::Invalid(e.to_string()))
    }

    // ---- state ---------------------------------------------------------------

    /// Applies `edit` to the target state; shared edits are undoable.
    pub fn edit(&self, target: Target, edit: Edit) -> Result<()> {
        match target {
            Target::Shared => {
                let mut core = self.core();
                if core.doc.version() != core.history_version {
                    // Steps recorded before an unrecorded change would undo
                    // on top of it: they go, this edit starts afresh.
                    core.history.clear();
                }
                // The operations the edit made and the ones that undo it,
                // read from what it touched: no copy of the document.
                let applied = match edit {
                    Edit::Set(p, v) => core.doc.set_undoable(&p, v)?,
                    Edit::Remove(p) => core.doc.remove_undoable(&p)?,
                    Edit::Patch(diff) => core.doc.patch_undoable(diff)?,
                };
                if applied.is_empty() {
                    return Ok(());
                }
                // Mirror into the model with the same operations.
                let mirrored = self
                    .inner
                    .model
                    .apply_ops(ops_under("/state", &applied.forward));
                core.history.record(applied.forward, applied.backward);
                core.history_version = core.doc.version();
                if let Err(e) = mirrored {
                    self.resync_state(&core, &e);
                }
                self.publish_history(&core);
                Ok(())
            }
            Target::Connection(id) => {
                let conn = self.connection(id)?;
                apply(conn.state(), &edit)?;
                let key = id.to_string();
                apply(
                    &self.inner.model,
                    &edit.under(&path!["connections", key.as_str(), "state"]),
                )?;
                Ok(())
            }
        }
    }

    /// Undoes the last edit of the shared state.
    pub fn undo(&self) -> Result<bool> {
        self.step(true)
    }

    /// Redoes the last undone edit of the shared state.
    pub fn redo(&self) -> Result<bool> {
        self.step(false)
    }

    fn step(&self, back: bool) -> Result<bool> {
        let mut core = self.core();
        let what = if back { "undo" } else { "redo" };
        let has_step = if back {
            core.history.can_undo()
        } else {
            core.history.can_redo()
        };
        if has_step && core.doc.version() != core.history_version {
            // Inverse operations applied to a state that something else
            // changed could apply and do damage (an array index that moved):
            // refuse and say why.
            core.history.clear();
            self.publish_history(&core);
            return Err(Error::History(format!(
                "cannot {what}: the state was changed since the last edit by something that \
                 does not record undo steps (a replay); the undo history has been cleared"
            )));
        }
        let ops = if back {
            core.history.undo_ops()
        } else {
            core.history.redo_ops()
        };
        let Some(ops) = ops else { return Ok(false) };
        // Only the step's operations go to the state, the model and every
        // connection: an undo costs what the change cost.
        let mirror = ops_under("/state", &ops);
        if let Err(e) = core.doc.apply_ops(ops) {
            core.history.clear();
            self.publish_history(&core);
            return Err(Error::History(format!(
                "cannot {what}: the state changed without being recorded ({e}); the undo \
                 history has been cleared"
            )));
        }
        core.history_version = core.doc.version();
        if let Err(e) = self.inner.model.apply_ops(mirror) {
            self.resync_state(&core, &e);
        }
        self.publish_history(&core);
        Ok(true)
    }

    /// Puts the whole state in the model again, when the same operations
    /// applied to the state did not apply to its mirror (a bug: they are
    /// kept in step).
    fn resync_state(&self, core: &Core, e: &juggler::Error) {
        tracing::warn!("a state change did not apply to the model's /state: {e}");
        self.inner.model.set(path!["state"], core.doc.data());
    }

    // ---- notifications -------------------------------------------------------

    /// Sends a notification to `targets` (empty: every connection).
    /// Returns how many connections it was sent to.
    pub async fn notify(&self, name: &str, data: Value, targets: &[u64]) -> Result<usize> {
        let server = self.core().server.clone().ok_or_else(|| {
            Error::Invalid("the server is not running: start it, then send".into())
        })?;
        let conns: Vec<_> = server
            .connections()
            .into_iter()
            .filter(|c| targets.is_empty() || targets.contains(&c.id()))
            .collect();
        if !targets.is_empty() && conns.len() < targets.len() {
            return Err(Error::Invalid(format!(
                "some of the connections {targets:?} are gone; choose open ones"
            )));
        }
        let mut sent = 0;
        for conn in &conns {
            if conn.notify(name, &data).await.is_ok() {
                sent += 1;
            }
        }
        let entry = json!(SentNotification {
            time: now_ms(),
            name: name.to_owned(),
            data,
            targets: targets.to_vec(),
            sent,
        });
        self.push_recent(path!["notifyHistory"], |c| &mut c.notify_history, entry);
        Ok(sent)
    }

    // ---- rules ---------------------------------------------------------------

    /// Replaces all rules.
    pub fn set_rules(&self, rules: Value) -> Result<()> {
        let rules: Vec<rules::Rule> = serde_path_to_error::deserialize(rules)
            .map_err(|e| Error::serde("invalid rules", "rules", &e))?;
        let mut core = self.core();
        core.rules.set_rules(rules)?;
        let all = json!(core.rules.rules());
        drop(core);
        self.inner.model.set(path!["rules"], all);
        Ok(())
    }

    /// Runs a rule against a sample request without side effects.
    pub fn test_rule(&self, rule: Value, sample: Value) -> Result<rules::RuleTest> {
        let rule: rules::Rule = serde_json::from_value(rule)
            .map_err(|e| Error::Invalid(format!("invalid rule: {e}")))?;
        let sample: RequestInfo = serde_json::from_value(sample)
            .map_err(|e| Error::Invalid(format!("invalid sample request: {e}")))?;
        rules::test_rule(&rule, &sample)
    }

    // ---- remotes ---------------------------------------------------------------

    /// Connects a remote session; returns its id.
    pub fn remote_connect(&self, target: RemoteTarget) -> Result<String> {
        let id = {
            let mut core = self.core();
            let id = format!("r{}", core.next_remote);
            core.next_remote += 1;
            id
        };
        self.inner.model.set(
            path!["remotes", id.as_str()],
            json!(RemoteInfo {
                id: id.clone(),
                target: target.clone(),
                status: RemoteStatus::Connecting { attempt: 1 },
                rtt_ms: None,
                state: Value::Null,
                notifications: Vec::new(),
                requests: Vec::new(),
            }),
        );
        let sink: Arc<dyn RemoteSink> = Arc::new(self.clone());
        let session = match RemoteSession::start(id.clone(), target, sink) {
            Ok(session) => session,
            Err(e) => {
                self.inner.model.remove(path!["remotes", id.as_str()]);
                return Err(e);
            }
        };
        self.core().remotes.insert(id.clone(), session);
        Ok(id)
    }

    /// Stops a remote session and forgets it.
    pub fn remote_disconnect(&self, id: &str) -> Result<()> {
        let session = self
            .core()
            .remotes
            .remove(id)
            .ok_or_else(|| Error::Invalid(format!("no remote session {id:?}")))?;
        session.stop();
        self.inner.model.remove(path!["remotes", id]);
        self.record_stop_peer(&Peer::Remote(id.to_owned()));
        Ok(())
    }

    /// Sends a request on a remote session.
    pub async fn remote_send(&self, id: &str, name: &str, data: Value) -> Result<Value> {
        let session = self
            .core()
            .remotes
            .get(id)
            .cloned()
            .ok_or_else(|| Error::Invalid(format!("no remote session {id:?}")))?;
        let time = now_ms();
        let started = std::time::Instant::now();
        let result = session.send(name, data.clone()).await;
        let (success, answer) = match &result {
            Ok(v) => (Some(true), v.clone()),
            Err(Error::Juggler(juggler::Error::Juggler(v))) => (Some(false), v.clone()),
            Err(e) => (None, Value::String(e.to_string())),
        };
        let entry = SentRequest {
            time,
            name: name.to_owned(),
            data,
            success,
            answer,
            rtt_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        let at = path!["remotes", id, "requests"];
        // Under the engine's lock: two answers arriving together both land.
        let core = self.core();
        if let Some(Value::Array(mut list)) = self.inner.model.get(&at) {
            list.push(json!(entry));
            let excess = list.len().saturating_sub(RECENT);
            list.drain(..excess);
            self.inner.model.set(&at, Value::Array(list));
        }
        drop(core);
        result
    }

    /// Replaces the notify presets (saved with the workspace).
    pub fn set_notify_presets(&self, presets: Value) -> Result<()> {
        let presets: Vec<workspace::NotifyPreset> = serde_path_to_error::deserialize(presets)
            .map_err(|e| Error::serde("invalid notify presets", "notifyPresets", &e))?;
        let mut core = self.core();
        core.workspace.notify_presets = presets.clone();
        drop(core);
        self.inner
            .model
            .set(path!["workspace", "notifyPresets"], json!(presets));
        Ok(())
    }

    /// Replaces the remote-server bookmarks (saved with the workspace).
    pub fn set_remote_bookmarks(&self, bookmarks: Value) -> Result<()> {
        let bookmarks: Vec<workspace::RemoteBookmark> = serde_path_to_error::deserialize(bookmarks)
            .map_err(|e| Error::serde("invalid bookmarks", "remotes", &e))?;
        if let Some((i, b)) = bookmarks
            .iter()
            .enumerate()
            .find(|(_, b)| !(b.url.starts_with("ws://") || b.url.starts_with("wss://")))
        {
            let detail = "the url must start with ws:// or wss://";
            return Err(Error::Field {
                field: format!("remotes[{i}].url"),
                detail: detail.into(),
                text: format!("invalid bookmarks: {:?}: {detail}", b.name),
            });
        }
        self.core().workspace.remotes = bookmarks.clone();
        self.inner
            .model
            .set(path!["workspace", "remotes"], json!(bookmarks));
        Ok(())
    }

    // ---- workspace ---------------------------------------------------------------

    /// Saves the workspace (to `path`, or where it came from).
    pub fn save(&self, path: Option<PathBuf>) -> Result<PathBuf> {
        let ws = self.workspace();
        let target = {
            let core = self.core();
            path.or_else(|| core.path.clone()).ok_or_else(|| {
                Error::Invalid("this workspace has no file yet: choose where to save it".into())
            })?
        };
        ws.save(&target)?;
        self.core().path = Some(target.clone());
        self.inner.model.set(
            path!["workspace", "path"],
            json!(target.display().to_string()),
        );
        Ok(target)
    }

    /// Replaces the workspace with the file at `path`: its settings, rules,
    /// state (undo history cleared), presets and bookmarks. Remote sessions
    /// go on. A running server restarts with the new settings; nothing
    /// changes when the file cannot be used.
    pub async fn open_workspace(&self, path: &Path) -> Result<PathBuf> {
        let ws = Workspace::load(path)?;
        let rules = RuleSet::new(ws.rules.clone())?;
        let checks = schema_checks::Checks::new(&ws)?;
        let running = self.core().server.is_some();
        if running {
            self.stop_server().await?;
        }
        {
            let mut core = self.core();
            core.doc = Storage::with_data(ws.initial_state.clone());
            core.rules = rules;
            core.history = History::default();
            core.history_version = core.doc.version();
            core.notify_history.clear();
            core.unmatched.clear();
            core.workspace = ws;
            core.path = Some(path.to_owned());
            self.publish_workspace(&core);
        }
        self.reset_checks(checks);
        self.publish_server(None);
        if running {
            self.start_server(None).await?;
        }
        Ok(path.to_owned())
    }

    /// Creates a dashboard project in `dir` (see [`crate::scaffold`]), opens
    /// its workspace and serves it; returns the workspace file and how many
    /// files were written.
    pub async fn dashboard_new(
        &self,
        dir: &Path,
        generation: juggler::Generation,
        title: &str,
        builder: bool,
    ) -> Result<(PathBuf, usize)> {
        let created = crate::scaffold::create(&crate::scaffold::NewDashboard {
            dir: dir.to_owned(),
            generation,
            title: title.to_owned(),
            force: false,
            builder,
        })?;
        let workspace = dir.join("workspace.json");
        // A running server goes on where it listened (the pages open in
        // browsers, a --port given on the command line), now serving the
        // new dashboard.
        let listened = self.core().server.as_ref().map(|s| s.local_addr());
        self.stop_server().await?;
        self.open_workspace(&workspace).await?;
        if let Some(addr) = listened {
            let mut core = self.core();
            core.workspace.server.host = addr.ip().to_string();
            core.workspace.server.port = addr.port();
        }
        self.start_server(None).await?;
        Ok((workspace, created.written.len()))
    }

    /// Stops everything the engine runs.
    pub async fn shutdown(&self) {
        self.scenario_stop();
        self.core().checks.stop();
        self.replay_stop();
        self.proxies_shutdown().await;
        let ids: Vec<String> = self.core().recordings.keys().cloned().collect();
        for id in ids {
            let _ = self.record_stop(&id);
        }
        let remotes: Vec<_> = self.core().remotes.drain().map(|(_, s)| s).collect();
        for r in remotes {
            r.stop();
        }
        let _ = self.stop_server().await;
    }
}

fn display_addr(addr: std::net::SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("127.0.0.1:{}", addr.port())
    } else {
        addr.to_string()
    }
}

/// One change of a state document.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Set the value at a path.
    Set(juggler::Path, Value),
    /// Remove the value at a path.
    Remove(juggler::Path),
    /// Apply a JSON Patch (RFC 6902).
    Patch(Value),
}

impl Edit {
    /// The same edit on a document nested at `prefix`.
    fn under(&self, prefix: &juggler::Path) -> Edit {
        let join = |p: &juggler::Path| {
            let mut steps = prefix.0.clone();
            steps.extend(p.0.iter().cloned());
            juggler::Path(steps)
        };
        match self {
            Edit::Set(p, v) => Edit::Set(join(p), v.clone()),
            Edit::Remove(p) => Edit::Remove(join(p)),
            Edit::Patch(diff) => {
                let mut pointer = String::new();
                for step in &prefix.0 {
                    pointer.push('/');
                    match step {
                        juggler::Step::Key(k) => juggler::path::escape_segment(k, &mut pointer),
                        juggler::Step::Index(i) => pointer.push_str(&i.to_string()),
                    }
                }
                let ops = diff
                    .as_array()
                    .map(|ops| {
                        ops.iter()
                            .map(|op| {
                                let mut op = op.clone();
                                for key in ["path", "from"] {
                                    if let Some(p) = op.get(key).and_then(Value::as_str) {
                                        let joined = format!("{pointer}{p}");
                                        op[key] = Value::String(joined);
                                    }
                                }
                                op
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Edit::Patch(Value::Array(ops))
            }
        }
    }
}

/// `ops` on a document nested at the JSON pointer `prefix`.
fn ops_under(prefix: &str, ops: &[juggler::path::Op]) -> Vec<juggler::path::Op> {
    use juggler::path::Op;
    ops.iter()
        .map(|op| match op {
            Op::Add(p, v) => Op::Add(format!("{prefix}{p}"), v.clone()),
            Op::Remove(p) => Op::Remove(format!("{prefix}{p}")),
            Op::Replace(p, v) => Op::Replace(format!("{prefix}{p}"), v.clone()),
        })
        .collect()
}

fn apply(storage: &Storage, edit: &Edit) -> Result<()> {
    match edit {
        Edit::Set(p, v) => storage.set(p, v.clone()),
        Edit::Remove(p) => storage.remove(p),
        Edit::Patch(diff) => storage.patch(diff)?,
    }
    Ok(())
}

impl RemoteSink for Engine {
    fn generation(&self, session: &str, generation: juggler::Generation) {
        if self.inner.model.get(path!["remotes", session]).is_some() {
            self.inner.model.set(
                path!["remotes", session, "target", "generation"],
                json!(crate::remote::generation_name(generation)),
            );
        }
    }

    fn status(&self, session: &str, status: RemoteStatus) {
        if self.inner.model.get(path!["remotes", session]).is_some() {
            self.inner
                .model
                .set(path!["remotes", session, "status"], json!(status));
        }
    }

    fn state_reset(&self, session: &str) {
        if self.inner.model.get(path!["remotes", session]).is_some() {
            self.inner
                .model
                .set(path!["remotes", session, "state"], Value::Null);
        }
    }

    fn state_diff(&self, session: &str, diff: &Value) {
        let edit = Edit::Patch(diff.clone()).under(&path!["remotes", session, "state"]);
        if let Err(e) = apply(&self.inner.model, &edit) {
            tracing::warn!(session, "remote state diff did not apply to the model: {e}");
        }
    }

    fn notification(&self, session: &str, name: &str, data: &Value) {
        let entry = json!(ReceivedNotification {
            time: now_ms(),
            name: name.to_owned(),
            data: data.clone(),
        });
        let at = path!["remotes", session, "notifications"];
        if let Some(Value::Array(mut list)) = self.inner.model.get(&at) {
            list.push(entry.clone());
            let excess = list.len().saturating_sub(RECENT);
            list.drain(..excess);
            self.inner.model.set(&at, Value::Array(list));
        }
        self.event(
            "remote.notify",
            json!(RemoteNotify {
                session: session.to_owned(),
                name: name.to_owned(),
                data: data.clone(),
            }),
        );
    }

    fn rtt(&self, session: &str, rtt: Duration) {
        if self.inner.model.get(path!["remotes", session]).is_some() {
            self.inner.model.set(
                path!["remotes", session, "rttMs"],
                json!(rtt.as_secs_f64() * 1000.0),
            );
        }
    }

    fn traffic(&self, session: &str, direction: juggler::Direction, text: &str) {
        Engine::traffic(
            self,
            Peer::Remote(session.to_owned()),
            direction.into(),
            text,
        );
    }
}

impl Target {
    /// Reads the target of a control command's data (`connection`: id).
    pub fn of(data: &Value) -> Target {
        Target::from_data(data)
    }
}

impl Engine {
    /// Empties the traffic log.
    pub fn traffic_clear(&self) {
        let mut core = self.core();
        core.traffic.clear();
        let status = json!(core.traffic.status());
        drop(core);
        self.inner.model.set(path!["traffic"], status);
    }

    /// Pauses or resumes the traffic log.
    pub fn traffic_pause(&self, paused: bool) {
        let mut core = self.core();
        core.traffic.set_paused(paused);
        let status = json!(core.traffic.status());
        drop(core);
        self.inner.model.set(path!["traffic"], status);
    }

    /// Closes one connection of the embedded server.
    pub fn close_connection(&self, id: u64) -> Result<()> {
        self.connection(id)?.close();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine_with(state: Value) -> Engine {
        let ws = Workspace {
            initial_state: state,
            ..Workspace::default()
        };
        Engine::new(ws, None).expect("engine")
    }

    /// An undo after a change the history did not record (a replay) is
    /// refused and clears the history, instead of applying inverse
    /// operations on top of that change (here: re-inserting at an index
    /// that now holds something else).
    #[tokio::test]
    async fn an_unrecorded_change_ends_the_undo_history() {
        let engine = engine_with(json!({"list": [1, 2, 3]}));
        engine
            .edit(Target::Shared, Edit::Remove(path!["list", 0]))
            .expect("edit");
        engine.served_state().set(path!["list", 0], json!(9));
        let err = engine.undo().expect_err("refused");
        assert!(err.to_string().contains("replay"), "{err}");
        assert_eq!(engine.served_state().data(), json!({"list": [9, 3]}));
        assert_eq!(engine.core().history.status().undo, 0);
        assert_eq!(
            engine.model().get(path!["history", "undo"]),
            Some(json!(0)),
            "the UI learns the history is gone"
        );
    }

    /// An edit after an unrecorded change starts the history afresh: its
    /// own undo works, the steps before the change are gone.
    #[tokio::test]
    async fn an_edit_after_an_unrecorded_change_starts_afresh() {
        let engine = engine_with(json!({"a": 1}));
        engine
            .edit(Target::Shared, Edit::Set(path!["a"], json!(2)))
            .expect("edit");
        engine.served_state().set(path!["b"], json!(true));
        engine
            .edit(Target::Shared, Edit::Set(path!["c"], json!(3)))
            .expect("edit");
        assert!(engine.undo().expect("undo"));
        assert_eq!(engine.served_state().data(), json!({"a": 2, "b": true}));
        assert!(!engine.undo().expect("nothing older"));
        assert!(engine.redo().expect("redo"));
        assert_eq!(
            engine.served_state().data(),
            json!({"a": 2, "b": true, "c": 3})
        );
    }
}
