//! The workspace service: the workspace file's settings, presets,
//! bookmarks, scenarios and schemas, and where the file is; published at
//! `/workspace` (and `/server`'s settings through the server host). Its
//! rules and state live in the request pipeline and the state store,
//! which keep them live; [`super::Engine::workspace`] puts them together.
//! It keeps no copy of the state: what it needs to know of the state as
//! saved, and of the file's bytes, is their [`Fingerprint`].

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::Publisher;
use super::fingerprint::Fingerprint;
use crate::error::{Error, Result};
use crate::model::WorkspaceInfo;
use crate::scenario::Scenario;
use crate::schemas::Schemas;
use crate::workspace::{self, NotifyPreset, RemoteBookmark, ServerSettings, Workspace};

/// The workspace file and its place.
pub(super) struct WorkspaceStore {
    file: Mutex<File>,
    publish: Publisher,
}

struct File {
    /// Its `initial_state` is always `null`: the state store holds the
    /// state.
    workspace: Workspace,
    path: Option<PathBuf>,
    /// The workspace as last loaded or saved, in the form a save writes,
    /// its state left out (`null`): with `saved_state`, what tells whether
    /// there are changes not saved.
    saved: Workspace,
    /// The state as last loaded or saved.
    saved_state: Fingerprint,
    /// The file's bytes when it was loaded or saved here (`None`: there
    /// was no file to read): a save over a file that no longer has them
    /// would lose someone else's change.
    disk: Option<Fingerprint>,
    /// Whether the workspace differs from `saved`, as last published.
    unsaved: bool,
    /// Server settings given for this run only (the command line's
    /// `--port`, `--host`, `--static-dir`…; the address a new dashboard
    /// keeps listening on): no edit, so not saved while they stand.
    overrides: Vec<Override>,
}

/// A server setting given for this run over the file's.
struct Override {
    /// The setting's name in the file (`port`, `staticDir`…).
    field: String,
    /// What this run was given.
    given: serde_json::Value,
    /// What the file has.
    file: serde_json::Value,
}

impl File {
    fn new(
        mut workspace: Workspace,
        state: Fingerprint,
        path: Option<PathBuf>,
        disk: Option<Fingerprint>,
    ) -> File {
        workspace.initial_state = serde_json::Value::Null;
        File {
            saved: saved_form(workspace.clone()),
            saved_state: state,
            workspace,
            path,
            disk,
            unsaved: false,
            overrides: Vec::new(),
        }
    }

    fn base_dir(&self) -> PathBuf {
        self.path
            .as_deref()
            .map(workspace::base_dir)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

impl WorkspaceStore {
    /// The store of `workspace`, whose state (left out of it) is
    /// `state`.
    pub(super) fn new(
        workspace: Workspace,
        state: Fingerprint,
        path: Option<PathBuf>,
        publish: Publisher,
    ) -> WorkspaceStore {
        let disk = path.as_deref().and_then(|p| Fingerprint::of_file(p).ok());
        WorkspaceStore {
            file: Mutex::new(File::new(workspace, state, path, disk)),
            publish,
        }
    }

    fn file(&self) -> MutexGuard<'_, File> {
        self.file.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The workspace as loaded and changed since, its state `null` (its
    /// rules as they were loaded).
    pub(super) fn snapshot(&self) -> Workspace {
        self.file().workspace.clone()
    }

    /// The workspace file, when there is one.
    pub(super) fn path(&self) -> Option<PathBuf> {
        self.file().path.clone()
    }

    /// The folder relative paths of the workspace are read from.
    pub(super) fn base_dir(&self) -> PathBuf {
        self.file().base_dir()
    }

    /// `path` resolved against the workspace's folder.
    pub(super) fn resolve(&self, path: &str) -> PathBuf {
        workspace::resolve(&self.base_dir(), path)
    }

    /// The server settings.
    pub(super) fn server(&self) -> ServerSettings {
        self.file().workspace.server.clone()
    }

    /// Whether the dashboards share one state.
    pub(super) fn shared_state(&self) -> bool {
        self.file().workspace.server.shared_state
    }

    /// The served folder, resolved.
    pub(super) fn static_dir(&self) -> Option<PathBuf> {
        let file = self.file();
        let dir = file.workspace.server.static_dir.as_deref()?;
        Some(workspace::resolve(&file.base_dir(), dir))
    }

    /// Publishes `/workspace`.
    pub(super) fn publish(&self) {
        let file = self.file();
        let ws = &file.workspace;
        self.publish.workspace(&WorkspaceInfo {
            path: file.path.as_ref().map(|p| p.display().to_string()),
            notify_presets: ws.notify_presets.clone(),
            remotes: ws.remotes.clone(),
            scenarios: ws.scenarios.clone(),
            schemas: ws.schemas.clone(),
            unsaved: file.unsaved,
        });
    }

    /// Replaces the workspace with one read from `path` (its state, left
    /// out of it, is `state`), whose bytes were `disk`.
    pub(super) fn replace(
        &self,
        workspace: Workspace,
        state: Fingerprint,
        path: &Path,
        disk: Option<Fingerprint>,
    ) {
        *self.file() = File::new(workspace, state, Some(path.to_owned()), disk);
        self.publish();
    }

    /// Fails when the file at `path` is the workspace file and no longer
    /// holds what was loaded or saved there. A file gone is no loss.
    pub(super) fn check_disk(&self, path: &Path) -> Result<()> {
        let file = self.file();
        if file.path.as_deref() != Some(path) {
            return Ok(());
        }
        match Fingerprint::of_file(path) {
            Ok(now) if file.disk != Some(now) => Err(Error::ChangedOnDisk {
                path: path.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// `saved` was written to `path` as bytes whose fingerprint is
    /// `disk`: the workspace is saved there from now on.
    pub(super) fn saved_at(&self, path: &Path, mut saved: Workspace, disk: Fingerprint) {
        let state = Fingerprint::of_value(&std::mem::take(&mut saved.initial_state));
        let mut file = self.file();
        file.path = Some(path.to_owned());
        file.saved = saved;
        file.saved_state = state;
        file.disk = Some(disk);
        self.publish.workspace_path(path);
    }

    /// Whether the workspace has changes not saved, as last noted.
    pub(super) fn unsaved(&self) -> bool {
        self.file().unsaved
    }

    /// Publishes whether `current` (the workspace in the form a save
    /// writes, its state `null`) and `state` differ from the ones last
    /// loaded or saved.
    pub(super) fn note_unsaved(&self, current: &Workspace, state: Fingerprint) {
        let mut file = self.file();
        let unsaved = *current != file.saved || state != file.saved_state;
        if unsaved != file.unsaved {
            file.unsaved = unsaved;
            self.publish.workspace_unsaved(unsaved);
        }
    }

    /// Replaces the server settings, checked as the workspace file's.
    pub(super) fn set_server(&self, settings: ServerSettings) -> Result<()> {
        let mut file = self.file();
        let mut ws = file.workspace.clone();
        ws.server = settings;
        let problems = ws.validate(&file.base_dir());
        if let Some(p) = problems.first() {
            return Err(Error::field("", p.field.clone(), p.message.clone()));
        }
        file.workspace = ws;
        Ok(())
    }

    /// Changes the server settings for this run only: a save writes the
    /// file's value of each setting `change` changed, unless it was edited
    /// since (then the edit is saved).
    pub(super) fn override_server(&self, change: impl FnOnce(&mut ServerSettings)) {
        let mut file = self.file();
        let before = settings_fields(&file.workspace.server);
        change(&mut file.workspace.server);
        for (field, given) in settings_fields(&file.workspace.server) {
            let was = before.get(&field).cloned().unwrap_or_default();
            if given == was {
                continue;
            }
            match file.overrides.iter_mut().find(|o| o.field == field) {
                Some(o) => o.given = given,
                None => file.overrides.push(Override {
                    field,
                    given,
                    file: was,
                }),
            }
        }
    }

    /// `ws` as a save writes it: the demo's folder left out, and each
    /// setting given for this run only and not edited since as the file has
    /// it.
    pub(super) fn saved_form(&self, ws: Workspace) -> Workspace {
        let mut ws = saved_form(ws);
        let file = self.file();
        if file.overrides.is_empty() {
            return ws;
        }
        let mut fields = settings_fields(&ws.server);
        for o in &file.overrides {
            if fields.get(&o.field) == Some(&o.given) {
                fields.insert(o.field.clone(), o.file.clone());
            }
        }
        match serde_json::from_value(serde_json::Value::Object(fields)) {
            Ok(server) => ws.server = server,
            // Cannot happen (the fields are the settings' own); saving
            // the overrides is the lesser harm than not saving.
            Err(e) => tracing::warn!("the server settings as the file has them: {e}"),
        }
        ws
    }

    pub(super) fn set_notify_presets(&self, presets: Vec<NotifyPreset>) {
        let mut file = self.file();
        self.publish.notify_presets(&presets);
        file.workspace.notify_presets = presets;
    }

    /// Changes the notify presets in place: the others stay as held (a
    /// client's copy of them may have rounded numbers).
    pub(super) fn edit_notify_presets<T>(
        &self,
        edit: impl FnOnce(&mut Vec<NotifyPreset>) -> crate::error::Result<T>,
    ) -> crate::error::Result<T> {
        let mut file = self.file();
        let out = edit(&mut file.workspace.notify_presets)?;
        self.publish.notify_presets(&file.workspace.notify_presets);
        Ok(out)
    }

    /// Reads the notify presets as held.
    pub(super) fn read_notify_presets<T>(&self, read: impl FnOnce(&[NotifyPreset]) -> T) -> T {
        read(&self.file().workspace.notify_presets)
    }

    pub(super) fn set_remote_bookmarks(&self, bookmarks: Vec<RemoteBookmark>) {
        let mut file = self.file();
        self.publish.remote_bookmarks(&bookmarks);
        file.workspace.remotes = bookmarks;
    }

    /// Replaces the scenarios (the caller holds the scenario slot, so that
    /// no run starts in between).
    pub(super) fn set_scenarios(&self, scenarios: Vec<Scenario>) {
        let mut file = self.file();
        self.publish.scenarios(&scenarios);
        file.workspace.scenarios = scenarios;
    }

    /// The scenario `name`, or an error that lists the ones there are.
    pub(super) fn scenario(&self, name: &str) -> Result<Scenario> {
        let file = self.file();
        let all = &file.workspace.scenarios;
        if let Some(found) = all.iter().find(|s| s.name == name) {
            return Ok(found.clone());
        }
        let names: Vec<_> = all.iter().map(|s| format!("{:?}", s.name)).collect();
        Err(Error::Invalid(if names.is_empty() {
            format!("no scenario named {name:?}: the workspace has no scenarios")
        } else {
            format!(
                "no scenario named {name:?}; the workspace has {}",
                names.join(", ")
            )
        }))
    }

    /// Whether a scenario has an `expectRequest` step: only then are the
    /// requests that come between runs kept for the next one.
    pub(super) fn expects_requests(&self) -> bool {
        self.file().workspace.scenarios.iter().any(|s| {
            s.steps
                .iter()
                .any(|step| matches!(step, crate::scenario::Step::ExpectRequest { .. }))
        })
    }

    pub(super) fn set_schemas(&self, schemas: Option<Schemas>) {
        let mut file = self.file();
        self.publish.schemas(schemas.as_ref());
        file.workspace.schemas = schemas;
    }

    /// What a request gets that nothing answers, when the workspace says.
    pub(super) fn unanswered(&self) -> Option<workspace::Unanswered> {
        self.file().workspace.unanswered
    }
}

/// The server settings as the file's fields.
fn settings_fields(settings: &ServerSettings) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(settings) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// `ws` as a save writes it, whatever this run was given.
fn saved_form(mut ws: Workspace) -> Workspace {
    // The demo's page is in a temporary folder gone when this studio
    // ends: a workspace that named it could not be served again.
    if ws
        .server
        .static_dir
        .as_deref()
        .is_some_and(crate::demo::is_unpacked)
    {
        ws.server.static_dir = None;
    }
    ws
}
