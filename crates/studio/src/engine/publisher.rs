//! The one writer of the model that the control endpoint serves (its
//! layout is [`crate::model::Model`], described in `CONTROL.md`): one typed
//! method per section, and per part of a keyed section's entry. Each
//! section's name and type are declared once, below; the services publish
//! through these methods and never name a path of the model themselves.
//!
//! The publisher is a leaf of the engine's lock order: a service may call
//! it while holding its own lock (to publish what it just changed in the
//! same step), and it calls no service. Its own lock only makes a
//! read-modify-write of one keyed entry whole, so that an update of an
//! entry that is being removed cannot bring it back half-made.

use std::collections::{BTreeMap, VecDeque};
use std::marker::PhantomData;
use std::path::Path as FilePath;
use std::sync::{Arc, Mutex, MutexGuard};

use juggler::{Path, Storage, StorageWatch, path};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::edit::{Edit, apply, apply_owned, ops_under};
use crate::error::Result;
use crate::history::HistoryStatus;
use crate::model::{
    ConnectionInfo, ConnectionStats, ConsoleInfo, FaultsInfo, ProxyInfo, ReceivedNotification,
    RecordingInfo, RemoteInfo, ReplayInfo, SentNotification, SentRequest, ServerInfo,
    UnmatchedRequest, WorkspaceInfo,
};
use crate::remote::{RemoteStatus, RemoteTarget};
use crate::rules::Rule;
use crate::scenario::{Scenario, ScenarioStatus};
use crate::schemas::{SchemaViolation, Schemas};
use crate::traffic::TrafficStatus;
use crate::workspace::{NotifyPreset, RemoteBookmark};

/// How many entries a list of recent things keeps (sent notifications,
/// unmatched requests, schema violations, a remote session's requests and
/// notifications).
pub(super) const RECENT: usize = 100;

/// A top-level section of the model that holds a `T`.
struct Section<T: ?Sized>(&'static str, PhantomData<fn(&T)>);

impl<T: Serialize + ?Sized> Section<T> {
    const fn new(name: &'static str) -> Self {
        Section(name, PhantomData)
    }

    fn path(&self) -> Path {
        path![self.0]
    }

    fn set(&self, model: &Storage, value: &T) {
        model.set(self.path(), to_json(value));
    }
}

impl<T: Serialize> Section<Option<T>> {
    /// Sets a section that may be `null`.
    fn set_option(&self, model: &Storage, value: Option<&T>) {
        model.set(self.path(), to_json(&value));
    }
}

/// A section of the model that holds `T`s by id.
struct Keyed<T>(&'static str, PhantomData<fn(&T)>);

impl<T: Serialize> Keyed<T> {
    const fn new(name: &'static str) -> Self {
        Keyed(name, PhantomData)
    }

    fn entry(&self, id: &str) -> Path {
        path![self.0, id]
    }

    /// A field of one entry (named as on the wire: the entry's camelCase
    /// field).
    fn part(&self, id: &str, field: &str) -> Path {
        path![self.0, id, field]
    }

    /// The section's entries, written through `publisher`.
    fn of<'a>(&self, publisher: &'a Publisher) -> Entries<'a, T> {
        Entries {
            publisher,
            name: self.0,
            kind: PhantomData,
        }
    }
}

/// The entries of one keyed section, written whole.
pub(crate) struct Entries<'a, T> {
    publisher: &'a Publisher,
    name: &'static str,
    kind: PhantomData<fn(&T)>,
}

impl<T: Serialize> Entries<'_, T> {
    /// No entries.
    pub(crate) fn clear(&self) {
        let _keyed = self.publisher.keyed();
        self.publisher.model.set(path![self.name], json!({}));
    }

    /// Adds or replaces the entry `id`.
    pub(crate) fn put(&self, id: &str, entry: &T) {
        self.publisher
            .model
            .set(path![self.name, id], to_json(entry));
    }

    /// Removes the entry `id`.
    pub(crate) fn gone(&self, id: &str) {
        self.publisher.remove_entry(path![self.name, id]);
    }
}

// The sections, each named once with its type.
const WORKSPACE: Section<WorkspaceInfo> = Section::new("workspace");
const SERVER: Section<ServerInfo> = Section::new("server");
const STATE: Section<Value> = Section::new("state");
const HISTORY: Section<HistoryStatus> = Section::new("history");
const CONNECTIONS: Keyed<ConnectionInfo> = Keyed::new("connections");
const RULES: Section<[Rule]> = Section::new("rules");
const NOTIFY_HISTORY: Section<Recent<SentNotification>> = Section::new("notifyHistory");
const UNMATCHED: Section<Recent<UnmatchedRequest>> = Section::new("unmatched");
const REMOTES: Keyed<RemoteInfo> = Keyed::new("remotes");
const TRAFFIC: Section<TrafficStatus> = Section::new("traffic");
const RECORDINGS: Keyed<RecordingInfo> = Keyed::new("recordings");
const REPLAY: Section<Option<ReplayInfo>> = Section::new("replay");
const PROXIES: Keyed<ProxyInfo> = Keyed::new("proxies");
const SCENARIO: Section<Option<ScenarioStatus>> = Section::new("scenario");
const SCHEMA_VIOLATIONS: Section<Recent<SchemaViolation>> = Section::new("schemaViolations");
const FAULTS: Section<FaultsInfo> = Section::new("faults");
const CONSOLE: Section<ConsoleInfo> = Section::new("console");

/// The newest entries of a list, at most [`RECENT`], oldest first.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub(super) struct Recent<T>(VecDeque<T>);

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Recent(VecDeque::new())
    }
}

impl<T> Recent<T> {
    /// Adds `entry`, dropping the oldest beyond [`RECENT`].
    pub(super) fn push(&mut self, entry: T) {
        self.0.push_back(entry);
        while self.0.len() > RECENT {
            self.0.pop_front();
        }
    }

    pub(super) fn clear(&mut self) {
        self.0.clear();
    }
}

/// The model and what writes it. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Publisher {
    model: Storage,
    /// Held for a read-modify-write of a keyed entry, and for its removal.
    keyed: Arc<Mutex<()>>,
    /// Told of each change to what a workspace save writes (`/workspace`,
    /// `/rules`, `/state`, `/server`): the engine then works out whether
    /// there are changes not saved, once for a burst of them.
    saved_parts: Arc<watch::Sender<()>>,
}

impl Publisher {
    pub(super) fn new() -> Publisher {
        Publisher {
            model: Storage::new(),
            keyed: Arc::default(),
            saved_parts: Arc::new(watch::Sender::new(())),
        }
    }

    /// The model itself (the control endpoint serves it).
    pub(super) fn model(&self) -> Storage {
        self.model.clone()
    }

    /// Watches every change of the model.
    pub(super) fn subscribe(&self) -> StorageWatch {
        self.model.subscribe()
    }

    /// Wakes when what a workspace save writes may have changed; ends
    /// with the publisher.
    pub(super) fn saved_parts(&self) -> watch::Receiver<()> {
        self.saved_parts.subscribe()
    }

    fn touched(&self) {
        self.saved_parts.send_replace(());
    }

    fn keyed(&self) -> MutexGuard<'_, ()> {
        self.keyed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the model has a value at `at`, looked at in place: `get`
    /// copies it, and a connection's entry holds its own state (a remote
    /// session's, its server's), copied every second by the counters.
    fn has(&self, at: &Path) -> bool {
        self.read(at, |found| found.is_some())
    }

    /// `f` of the value at `at`, if any, in place (see [`Publisher::has`]).
    fn read<R>(&self, at: &Path, f: impl FnOnce(Option<&Value>) -> R) -> R {
        self.model
            .read(|model| f(juggler::path::get(model, at.steps())))
    }

    /// Sets `part` of a keyed entry while the entry is there: an update
    /// racing with the entry's removal does not bring it back.
    fn set_if_present(&self, entry: Path, part: Path, value: Value) {
        let _keyed = self.keyed();
        if self.has(&entry) {
            self.model.set(part, value);
        }
    }

    /// Appends to a bounded list in a keyed entry, whole (two appends at
    /// once both land).
    fn push_if_present(&self, at: Path, entry: Value) {
        let _keyed = self.keyed();
        if let Some(Value::Array(mut list)) = self.model.get(&at) {
            list.push(entry);
            let excess = list.len().saturating_sub(RECENT);
            list.drain(..excess);
            self.model.set(&at, Value::Array(list));
        }
    }

    fn remove_entry(&self, entry: Path) {
        let _keyed = self.keyed();
        self.model.remove(entry);
    }

    // ---- /workspace

    pub(super) fn workspace(&self, info: &WorkspaceInfo) {
        WORKSPACE.set(&self.model, info);
        self.touched();
    }

    pub(super) fn workspace_unsaved(&self, unsaved: bool) {
        self.model
            .set(path![WORKSPACE.0, "unsaved"], json!(unsaved));
    }

    pub(super) fn workspace_path(&self, file: &FilePath) {
        let at = path![WORKSPACE.0, "path"];
        self.model.set(at, json!(file.display().to_string()));
        self.touched();
    }

    pub(super) fn notify_presets(&self, presets: &[NotifyPreset]) {
        let at = path![WORKSPACE.0, "notifyPresets"];
        self.model.set(at, to_json(presets));
        self.touched();
    }

    pub(super) fn remote_bookmarks(&self, bookmarks: &[RemoteBookmark]) {
        self.model
            .set(path![WORKSPACE.0, "remotes"], to_json(bookmarks));
        self.touched();
    }

    pub(super) fn scenarios(&self, scenarios: &[Scenario]) {
        let at = path![WORKSPACE.0, "scenarios"];
        self.model.set(at, to_json(scenarios));
        self.touched();
    }

    pub(super) fn schemas(&self, schemas: Option<&Schemas>) {
        self.model
            .set(path![WORKSPACE.0, "schemas"], to_json(&schemas));
        self.touched();
    }

    // ---- /server, /faults, /console

    pub(super) fn server(&self, info: &ServerInfo) {
        SERVER.set(&self.model, info);
        self.touched();
    }

    pub(super) fn faults(&self, info: &FaultsInfo) {
        FAULTS.set(&self.model, info);
    }

    pub(super) fn console(&self, info: &ConsoleInfo) {
        CONSOLE.set(&self.model, info);
    }

    // ---- /state, /history

    /// The whole served state, moved in: through [`Section::set`] it was
    /// copied once more (a big state's copy is ten times its text).
    pub(super) fn state(&self, state: Value) {
        self.model.set(STATE.path(), state);
        self.touched();
    }

    /// Mirrors operations applied to the served state.
    pub(super) fn state_ops(&self, ops: &[juggler::path::Op]) -> juggler::Result<()> {
        let pointer = format!("/{}", STATE.0);
        self.touched();
        self.model.apply_ops(ops_under(&pointer, ops))
    }

    /// Mirrors an edit of the served state.
    pub(super) fn state_edit(&self, edit: Edit) -> Result<()> {
        self.touched();
        apply_owned(&self.model, edit.under(&STATE.path()))
    }

    pub(super) fn history(&self, status: &HistoryStatus) {
        HISTORY.set(&self.model, status);
    }

    // ---- /rules and the request pipeline's lists

    pub(super) fn rules(&self, rules: &[Rule]) {
        RULES.set(&self.model, rules);
        self.touched();
    }

    pub(super) fn notify_history(&self, list: &Recent<SentNotification>) {
        NOTIFY_HISTORY.set(&self.model, list);
    }

    pub(super) fn unmatched(&self, list: &Recent<UnmatchedRequest>) {
        UNMATCHED.set(&self.model, list);
    }

    pub(super) fn schema_violations(&self, list: &Recent<SchemaViolation>) {
        SCHEMA_VIOLATIONS.set(&self.model, list);
    }

    pub(super) fn scenario(&self, status: Option<&ScenarioStatus>) {
        SCENARIO.set_option(&self.model, status);
    }

    pub(super) fn replay(&self, info: Option<&ReplayInfo>) {
        REPLAY.set_option(&self.model, info);
    }

    /// `/state` is no longer the loaded recording's state (see
    /// [`ReplayInfo::served`]).
    pub(super) fn replay_diverged(&self) {
        if self.read(&REPLAY.path(), |v| v.is_some_and(Value::is_object)) {
            self.model.set(path![REPLAY.0, "served"], json!(false));
        }
    }

    /// The traffic log's counters.
    pub(crate) fn traffic(&self, status: &TrafficStatus) {
        TRAFFIC.set(&self.model, status);
    }

    // ---- /connections

    pub(super) fn connections(&self) -> Entries<'_, ConnectionInfo> {
        CONNECTIONS.of(self)
    }

    /// A connection's entry, with its own state when it has one: moved
    /// in, where the entry's `to_json` would copy it once more.
    pub(super) fn connection_opened(&self, id: &str, info: &ConnectionInfo, state: Option<Value>) {
        let mut entry = to_json(info);
        if let (Some(state), Some(fields)) = (state, entry.as_object_mut()) {
            fields.insert("state".to_owned(), state);
        }
        self.model.set(CONNECTIONS.entry(id), entry);
    }

    /// A connection's counters, while it is open.
    pub(super) fn connection_stats(&self, id: u64, stats: &ConnectionStats) {
        let key = id.to_string();
        let part = CONNECTIONS.part(&key, "stats");
        self.set_if_present(CONNECTIONS.entry(&key), part, to_json(stats));
    }

    /// Mirrors an edit of a connection's own state.
    pub(super) fn connection_state_edit(&self, id: u64, edit: Edit) -> Result<()> {
        let at = CONNECTIONS.part(&id.to_string(), "state");
        apply_owned(&self.model, edit.under(&at))
    }

    /// How many connections the model shows.
    pub(super) fn connection_count(&self) -> usize {
        self.read(&path![CONNECTIONS.0], |c| {
            c.and_then(Value::as_object).map_or(0, |o| o.len())
        })
    }

    // ---- /remotes

    pub(super) fn remotes(&self) -> Entries<'_, RemoteInfo> {
        REMOTES.of(self)
    }

    fn remote_part(&self, id: &str, part: Path, value: Value) {
        self.set_if_present(REMOTES.entry(id), part, value);
    }

    /// The generation a session speaks, once the server told it.
    pub(super) fn remote_generation(&self, id: &str, generation: &str) {
        let part = path![REMOTES.0, id, "target", "generation"];
        self.remote_part(id, part, json!(generation));
    }

    /// The generation a session was last shown to speak (its target's,
    /// or the one "auto" found).
    pub(super) fn remote_shown_generation(&self, id: &str) -> Option<String> {
        let shown = self
            .model()
            .get(path![REMOTES.0, id, "target", "generation"])?;
        shown.as_str().map(str::to_owned)
    }

    /// Where a session connects now (a reconnect changed it).
    pub(super) fn remote_target(&self, id: &str, target: &RemoteTarget) {
        self.remote_part(id, REMOTES.part(id, "target"), to_json(target));
    }

    pub(super) fn remote_status(&self, id: &str, status: &RemoteStatus) {
        self.remote_part(id, REMOTES.part(id, "status"), to_json(status));
    }

    pub(super) fn remote_rtt(&self, id: &str, ms: f64) {
        self.remote_part(id, REMOTES.part(id, "rttMs"), json!(ms));
    }

    /// The session's state is gone (it reconnects).
    pub(super) fn remote_state_reset(&self, id: &str) {
        self.remote_part(id, REMOTES.part(id, "state"), Value::Null);
    }

    /// A state diff the session received.
    pub(super) fn remote_state_diff(&self, id: &str, diff: &Value) -> Result<()> {
        let edit = Edit::Patch(diff.clone()).under(&REMOTES.part(id, "state"));
        apply(&self.model, &edit)
    }

    pub(super) fn remote_request(&self, id: &str, sent: &SentRequest) {
        self.push_if_present(REMOTES.part(id, "requests"), to_json(sent));
    }

    pub(super) fn remote_notification(&self, id: &str, received: &ReceivedNotification) {
        let at = REMOTES.part(id, "notifications");
        self.push_if_present(at, to_json(received));
    }

    // ---- /recordings

    pub(crate) fn recordings(&self) -> Entries<'_, RecordingInfo> {
        RECORDINGS.of(self)
    }

    /// What a recording has written so far.
    pub(crate) fn recording_progress(&self, id: &str, entries: u64, bytes: u64) {
        let _keyed = self.keyed();
        if self.has(&RECORDINGS.entry(id)) {
            self.model
                .set(RECORDINGS.part(id, "entries"), json!(entries));
            self.model.set(RECORDINGS.part(id, "bytes"), json!(bytes));
        }
    }

    // ---- /proxies

    pub(super) fn proxies(&self) -> Entries<'_, ProxyInfo> {
        PROXIES.of(self)
    }

    pub(super) fn proxy_overrides(&self, id: &str, overrides: &BTreeMap<String, Value>) {
        let part = PROXIES.part(id, "overrides");
        self.set_if_present(PROXIES.entry(id), part, to_json(overrides));
    }

    /// The browsers connected to a proxy now.
    pub(super) fn proxy_browsers(&self, id: &str, ids: &[u64]) {
        let _keyed = self.keyed();
        if self.has(&PROXIES.entry(id)) {
            self.model
                .set(PROXIES.part(id, "connections"), json!(ids.len()));
            self.model.set(PROXIES.part(id, "browsers"), json!(ids));
        }
    }

    /// `/proxies/ID/upstreamDown`: why the proxy last failed to reach its
    /// upstream, or `null` once it did (set only when it changes).
    pub(super) fn proxy_upstream(&self, id: &str, down: Option<&crate::model::UpstreamDown>) {
        let _keyed = self.keyed();
        let at = PROXIES.part(id, "upstreamDown");
        let was_down = self.read(&at, |v| v.is_some_and(|v| !v.is_null()));
        if self.has(&PROXIES.entry(id)) && (down.is_some() || was_down) {
            self.model.set(at, to_json(&down));
        }
    }
}

/// A model type as JSON. They are plain data with string keys, which
/// always serialize; should one not, the section says `null` and the log
/// says why, rather than the engine stopping.
fn to_json<T: Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| {
        tracing::error!("a model section did not serialize: {e}");
        Value::Null
    })
}
