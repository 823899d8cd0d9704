//! The workspace service: the workspace file's settings, presets,
//! bookmarks, scenarios and schemas, and where the file is; published at
//! `/workspace` (and `/server`'s settings through the server host). Its
//! rules and state live in the request pipeline and the state store,
//! which keep them live; [`super::Engine::workspace`] puts them together.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::Publisher;
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
    workspace: Workspace,
    path: Option<PathBuf>,
}

impl File {
    fn base_dir(&self) -> PathBuf {
        self.path
            .as_deref()
            .map(workspace::base_dir)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

impl WorkspaceStore {
    pub(super) fn new(
        workspace: Workspace,
        path: Option<PathBuf>,
        publish: Publisher,
    ) -> WorkspaceStore {
        WorkspaceStore {
            file: Mutex::new(File { workspace, path }),
            publish,
        }
    }

    fn file(&self) -> MutexGuard<'_, File> {
        self.file.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The workspace as loaded and changed since (its rules and state as
    /// they were loaded).
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
        });
    }

    /// Replaces the workspace with one read from `path`.
    pub(super) fn replace(&self, workspace: Workspace, path: &Path) {
        *self.file() = File {
            workspace,
            path: Some(path.to_owned()),
        };
        self.publish();
    }

    /// The workspace is saved at `path` from now on.
    pub(super) fn saved_at(&self, path: &Path) {
        self.file().path = Some(path.to_owned());
        self.publish.workspace_path(path);
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

    /// The server listens at `host`:`port` from now on.
    pub(super) fn set_listen(&self, host: String, port: u16) {
        let mut file = self.file();
        file.workspace.server.host = host;
        file.workspace.server.port = port;
    }

    pub(super) fn set_notify_presets(&self, presets: Vec<NotifyPreset>) {
        let mut file = self.file();
        self.publish.notify_presets(&presets);
        file.workspace.notify_presets = presets;
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
