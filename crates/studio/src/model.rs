//! The layout of the control endpoint's model, and the data of its events.
//!
//! The engine publishes its model as the shared state of the control
//! endpoint's juggler server; [`Model`] is that document, section by
//! section. The engine builds every section from these types, so they are
//! the contract that `CONTROL.md` describes and that the UI reads through
//! the TypeScript bindings. A control client sees the model change path by
//! path (juggler state diffs), never as a whole.
//!
//! Events are juggler notifications to every control client: their data
//! are [`crate::traffic::TrafficEntry`] (`traffic`), [`ConnectionOpened`],
//! [`ConnectionClosed`], [`UnmatchedRequest`] (`request.unmatched`),
//! [`RemoteNotify`] (`remote.notify`) and [`EventsLagged`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::history::HistoryStatus;
use crate::remote::{RemoteStatus, RemoteTarget};
use crate::rules::Rule;
use crate::traffic::TrafficStatus;
use crate::workspace::{NotifyPreset, RemoteBookmark, ServerSettings};

/// The whole model: the state of the control endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct Model {
    /// The workspace file and the parts of it that have no section of
    /// their own.
    pub workspace: WorkspaceInfo,
    /// The embedded server.
    pub server: ServerInfo,
    /// The served state (shared), or, when state is per connection, the
    /// state new connections start from.
    #[ts(as = "crate::ts::JsonValue")]
    pub state: Value,
    /// Undo/redo of `state`.
    pub history: HistoryStatus,
    /// Open connections of the embedded server, by id (in decimal).
    pub connections: BTreeMap<String, ConnectionInfo>,
    /// The request rules, in order.
    pub rules: Vec<Rule>,
    /// Notifications sent from the studio (`notify.send` and rules), oldest
    /// first; the last 100.
    pub notify_history: Vec<SentNotification>,
    /// Requests no rule matched, oldest first; the last 100.
    pub unmatched: Vec<UnmatchedRequest>,
    /// Remote sessions, by session id (`r1`, `r2`…).
    pub remotes: BTreeMap<String, RemoteInfo>,
    /// The traffic log's counters (the entries come as `traffic` events
    /// and from `traffic.query`).
    pub traffic: TrafficStatus,
    /// Recordings being written, by id (`rec1`, `rec2`…).
    pub recordings: BTreeMap<String, RecordingInfo>,
    /// The recording loaded for replay, `null` when none.
    pub replay: Option<ReplayInfo>,
    /// Proxies to real juggler servers, by id (`p1`, `p2`…).
    pub proxies: BTreeMap<String, ProxyInfo>,
    /// The scenario running, or the last one run; `null` before the first.
    pub scenario: Option<crate::scenario::ScenarioStatus>,
    /// Schema violations found, oldest first; the last 100.
    pub schema_violations: Vec<crate::schemas::SchemaViolation>,
    /// Faults injected into the embedded server's connections.
    pub faults: FaultsInfo,
    /// What the dashboard's pages reported, and the last live reload.
    pub console: ConsoleInfo,
}

/// The dashboard's console: what its pages reported (uncaught errors,
/// rejections, `console.error`/`warn`, failed loads and requests) and the
/// live reload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct ConsoleInfo {
    /// The newest entries first (at most 300; each page keeps its last 200).
    pub entries: Vec<crate::devloop::ConsoleEntry>,
    /// Errors reported since the studio started (cleared entries too).
    #[ts(type = "number")]
    pub errors: u64,
    /// Pages open with the studio's client.
    pub open_pages: usize,
    /// The last change of the served folder that the pages were told.
    pub last_reload: Option<ReloadInfo>,
}

/// A change of the served folder that the open pages were told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct ReloadInfo {
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub at: u64,
    /// `"css"`: stylesheets swapped in place; `"reload"`: pages reloaded.
    pub kind: String,
    /// The URL paths that changed: the first [`RELOAD_PATHS_SHOWN`] of
    /// them (a build or a copy changes thousands).
    pub paths: Vec<String>,
    /// How many paths changed in all.
    pub changed: usize,
    /// How many pages were told.
    pub pages: usize,
}

/// How many changed paths [`ReloadInfo`] and `serve`'s output name.
pub const RELOAD_PATHS_SHOWN: usize = 10;

/// `/faults`: what is being done wrong on purpose.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct FaultsInfo {
    /// Faults of every connection, open or to come; `null` when none.
    pub all: Option<juggler::server::FaultSettings>,
    /// Faults of single connections, by id (decimal).
    pub connections: BTreeMap<String, juggler::server::FaultSettings>,
    /// New connections are refused (HTTP 503) until then (milliseconds
    /// since the Unix epoch); `null` when not refusing.
    #[ts(type = "number | null")]
    pub refuse_until: Option<u64>,
}

/// `/proxies/ID`: a proxy between browsers and a real juggler server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ProxyInfo {
    /// The proxy's id.
    pub id: String,
    /// The juggler endpoint browsers connect to (`ws://HOST:PORT/ws`).
    pub url: String,
    /// The dashboard page, when the proxy serves a folder.
    pub dashboard_url: Option<String>,
    /// The real server (never the password).
    pub upstream: RemoteTarget,
    /// What the browsers see instead of the upstream's value, by JSON
    /// pointer.
    #[ts(as = "BTreeMap<String, crate::ts::JsonValue>")]
    pub overrides: BTreeMap<String, Value>,
    /// Browsers connected now.
    pub connections: usize,
    /// Their connection ids on the proxy (for `record.start {proxy,
    /// connection}`).
    #[ts(type = "Array<number>")]
    pub browsers: Vec<u64>,
    /// The last try to reach the upstream (a browser connecting) failed:
    /// why, and when; `null` once one succeeds. A page then shows only
    /// "connecting…", and the proxy's card looked as if all was well.
    pub upstream_down: Option<UpstreamDown>,
}

/// Why the proxy could not reach its upstream server, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct UpstreamDown {
    /// The connect error, with what to do.
    pub reason: String,
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub at: u64,
}

/// `/recordings/ID`: a session being recorded to a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct RecordingInfo {
    /// The recording's id.
    pub id: String,
    /// What is recorded: `{"connection": ID}` or `{"remote": SESSION}`.
    pub peer: crate::traffic::Peer,
    /// The file.
    pub path: String,
    /// When it started, milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub started_at: u64,
    /// Entries written so far.
    #[ts(type = "number")]
    pub entries: u64,
    /// Bytes written so far.
    #[ts(type = "number")]
    pub bytes: u64,
}

/// `/replay`: the recording loaded for replay through the embedded server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ReplayInfo {
    /// The recording file.
    pub path: String,
    /// Its header: what was recorded, where and when.
    pub header: crate::recording::Header,
    /// Number of entries.
    pub entries: usize,
    /// Milliseconds from the first entry to the last.
    pub duration_ms: f64,
    /// Entries played so far: the dashboards see the state after them.
    pub step: usize,
    /// The time of the last entry played, milliseconds since the start.
    pub t: f64,
    /// Whether it is playing (else paused or finished).
    pub playing: bool,
    /// Playback speed: 1 is real time.
    pub speed: f64,
    /// The file's last line was cut short (a crash while recording) and
    /// was left out.
    pub truncated_tail: bool,
    /// Whether the served state (`/state`) is exactly the recording's state
    /// at `step`: a seek set it and nothing but the replay changed it
    /// since. The Replay pane then shows `/state` (it is in the model
    /// already) instead of fetching the recording's state.
    pub served: bool,
}

/// `/workspace`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct WorkspaceInfo {
    /// The workspace file, `null` until it is saved (the demo, a new
    /// workspace).
    pub path: Option<String>,
    /// Notifications ready to send.
    pub notify_presets: Vec<NotifyPreset>,
    /// Bookmarked remote servers.
    pub remotes: Vec<RemoteBookmark>,
    /// The workspace's scenarios (`scenarios.set` replaces them).
    pub scenarios: Vec<crate::scenario::Scenario>,
    /// The workspace's JSON Schemas, `null` when it has none
    /// (`schemas.set` replaces them).
    pub schemas: Option<crate::schemas::Schemas>,
    /// Whether `workspace.save` would write something else than what was
    /// last opened or saved: changes not saved.
    pub unsaved: bool,
}

/// Whether the embedded server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum ServerStatus {
    /// Serving.
    Running,
    /// Not serving.
    Stopped,
    /// Not serving: the last start failed (see `error`).
    Error,
}

/// `/server`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ServerInfo {
    /// Running, stopped, or failed to start.
    pub status: ServerStatus,
    /// Why the last start failed, when `status` is `error`.
    pub error: Option<String>,
    /// The settings (the workspace's `server`).
    pub settings: ServerSettings,
    /// The juggler endpoint, `ws://HOST:PORT/PATH`, while running.
    pub url: Option<String>,
    /// The dashboard page, `http://HOST:PORT/`, while running.
    pub dashboard_url: Option<String>,
    /// Something that keeps dashboards from working although the server
    /// runs (the served page's client speaks another generation).
    pub warning: Option<String>,
}

/// Traffic counters of one connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ConnectionStats {
    /// Messages received.
    #[ts(type = "number")]
    pub messages_in: u64,
    /// Messages sent.
    #[ts(type = "number")]
    pub messages_out: u64,
    /// Bytes (of JSON text) received.
    #[ts(type = "number")]
    pub bytes_in: u64,
    /// Bytes (of JSON text) sent.
    #[ts(type = "number")]
    pub bytes_out: u64,
}

impl From<juggler::server::ConnectionStats> for ConnectionStats {
    fn from(s: juggler::server::ConnectionStats) -> Self {
        ConnectionStats {
            messages_in: s.messages_in,
            messages_out: s.messages_out,
            bytes_in: s.bytes_in,
            bytes_out: s.bytes_out,
        }
    }
}

/// `/connections/ID`: one open connection of the embedded server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ConnectionInfo {
    /// The connection id (commands take it as `connection`, `id`).
    #[ts(type = "number")]
    pub id: u64,
    /// The peer's address, `IP:PORT`.
    pub remote: String,
    /// The `User-Agent` of its handshake, if any.
    pub user_agent: Option<String>,
    /// When it connected: milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub connected_at: u64,
    /// Traffic so far, refreshed every second.
    pub stats: ConnectionStats,
    /// Its own state when state is per connection; `null` when shared.
    #[ts(as = "crate::ts::JsonValue")]
    pub state: Value,
}

/// An entry of `/notifyHistory`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct SentNotification {
    /// When: milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub time: u64,
    /// The notification's name.
    pub name: String,
    /// Its data.
    #[ts(as = "crate::ts::JsonValue")]
    pub data: Value,
    /// The connections it was meant for; empty for all.
    #[ts(type = "Array<number>")]
    pub targets: Vec<u64>,
    /// How many connections it was sent to.
    pub sent: usize,
}

/// An entry of `/unmatched`, and the data of the `request.unmatched` event:
/// a request of a dashboard that no rule answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct UnmatchedRequest {
    /// When: milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub time: u64,
    /// The request's name.
    pub name: String,
    /// Its data.
    #[ts(as = "crate::ts::JsonValue")]
    pub data: Value,
    /// The connection that sent it.
    #[ts(type = "number")]
    pub connection_id: u64,
}

/// `/remotes/ID`: one remote session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct RemoteInfo {
    /// The session id.
    pub id: String,
    /// Where it connects (no password).
    pub target: RemoteTarget,
    /// Connecting, connected, disconnected (retrying) or stopped.
    pub status: RemoteStatus,
    /// The last ping's round-trip time in milliseconds (a ping every 5 s
    /// while connected); `null` before the first.
    pub rtt_ms: Option<f64>,
    /// The mirror of the remote server's state; `null` while connecting.
    #[ts(as = "crate::ts::JsonValue")]
    pub state: Value,
    /// Notifications received, oldest first; the last 100.
    pub notifications: Vec<ReceivedNotification>,
    /// Requests sent with `remote.send` and their answers, oldest first;
    /// the last 100.
    pub requests: Vec<SentRequest>,
}

/// A request a remote session sent, with its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct SentRequest {
    /// When it was sent: milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub time: u64,
    /// The request name.
    pub name: String,
    /// The request data.
    #[ts(as = "crate::ts::JsonValue")]
    pub data: Value,
    /// Whether the answer was `success: true`; `null` when none came (the
    /// connection closed first).
    pub success: Option<bool>,
    /// The answer's data, or the error text when none came.
    #[ts(as = "crate::ts::JsonValue")]
    pub answer: Value,
    /// Milliseconds from sending to the answer.
    pub rtt_ms: f64,
}

/// A notification a remote session received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ReceivedNotification {
    /// When: milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub time: u64,
    /// The notification's name.
    pub name: String,
    /// Its data.
    #[ts(as = "crate::ts::JsonValue")]
    pub data: Value,
}

/// Data of the `connection.opened` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ConnectionOpened {
    /// The connection id.
    #[ts(type = "number")]
    pub id: u64,
    /// The peer's address.
    pub remote: String,
}

/// Data of the `connection.closed` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ConnectionClosed {
    /// The connection id.
    #[ts(type = "number")]
    pub id: u64,
}

/// Data of the `remote.notify` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct RemoteNotify {
    /// The session that received it.
    pub session: String,
    /// The notification's name.
    pub name: String,
    /// Its data.
    #[ts(as = "crate::ts::JsonValue")]
    pub data: Value,
}

/// Data of the `events.lagged` event: this control client fell behind and
/// missed events (the model itself is never lost).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct EventsLagged {
    /// How many events were missed.
    #[ts(type = "number")]
    pub missed: u64,
}
