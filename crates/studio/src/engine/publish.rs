//! Publishing the engine's state into the model that the control endpoint serves.

use super::*;

impl Engine {
    /// The sections that come from the workspace file: `/workspace`,
    /// `/rules`, `/state`, `/history`, and the recent lists it starts empty.
    pub(super) fn publish_workspace(&self, core: &Core) {
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

    pub(super) fn publish_all(&self) {
        let core = self.core();
        self.publish_workspace(&core);
        let m = &self.inner.model;
        m.set(path!["connections"], json!({}));
        m.set(path!["remotes"], json!({}));
        m.set(
            path!["traffic"],
            json!(self.inner.traffic.state().log.status()),
        );
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

    pub(super) fn publish_server(&self, error: Option<String>) {
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

    pub(super) fn publish_history(&self, core: &Core) {
        self.inner
            .model
            .set(path!["history"], json!(core.history.status()));
    }
}
