//! The workspace: rules, save, open, and a new dashboard project.

use std::path::{Path, PathBuf};

use juggler::json::without_position;
use serde_json::Value;

use super::Engine;
use super::fingerprint::Fingerprint;
use super::schema_checks::Checks;
use crate::error::{Error, Result};
use crate::rules::{self, RequestInfo, RuleSet};
use crate::workspace::Workspace;

/// How often, at most, changes not saved are looked for.
const UNSAVED_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

impl Engine {
    /// Replaces all rules.
    pub fn set_rules(&self, rules: Value) -> Result<()> {
        let rules: Vec<rules::Rule> = crate::json::from_value(&rules)
            .map_err(|e| Error::serde("invalid rules", "rules", &e))?;
        self.inner.requests.set_rules(rules)
    }

    /// Replaces every rule from their JSON text, read straight from it:
    /// through a `Value`, an integer `-0` in a rule's value would become `0`.
    pub fn set_rules_text(&self, text: &str) -> Result<()> {
        let rules = juggler::json::deserialize_with(text, juggler::json::DEFAULT_MAX_DEPTH, |de| {
            serde_path_to_error::deserialize::<_, Vec<rules::Rule>>(&mut *de)
        })
        .map_err(|e| Error::field("invalid rules", "rulesText", e.to_string()))?
        // The field names the place; the text is most often a client's one
        // line (the UI's), whose columns say nothing to its user.
        .map_err(|e| {
            let path = e.path().clone();
            let e = serde_path_to_error::Error::new(path, without_position(e.into_inner()));
            Error::serde("invalid rules", "rules", &e)
        })?;
        self.inner.requests.set_rules(rules)
    }

    /// The rules as pretty-printed JSON text, numbers exactly as held (the
    /// UI's copy of `/rules` has them as doubles).
    pub fn rules_text(&self) -> Result<String> {
        serde_json::to_string_pretty(&self.inner.requests.rules())
            .map_err(|e| Error::Invalid(format!("cannot write the rules as JSON: {e}")))
    }

    /// Runs a rule against a sample request without side effects.
    pub fn test_rule(&self, rule: Value, sample: Value) -> Result<rules::RuleTest> {
        let rule: rules::Rule = crate::json::from_value(&rule)
            .map_err(|e| Error::Invalid(format!("invalid rule: {e}")))?;
        let sample: RequestInfo = crate::json::from_value(&sample)
            .map_err(|e| Error::Invalid(format!("invalid sample request: {e}")))?;
        let mut test = rules::test_rule(&rule, &sample)?;
        if test.matches {
            test.shadowed_by = rules::shadowed_by(&self.inner.requests.rules(), &rule, &sample);
        }
        Ok(test)
    }

    /// Saves the workspace (to `path`, or where it came from). Refuses to
    /// overwrite the workspace file when it changed on disk since it was
    /// loaded or saved, unless `force`.
    pub fn save(&self, path: Option<PathBuf>, force: bool) -> Result<PathBuf> {
        let ws = self.inner.workspace.saved_form(self.workspace());
        let target = path
            .or_else(|| self.inner.workspace.path())
            .ok_or_else(|| {
                Error::Invalid("this workspace has no file yet: choose where to save it".into())
            })?;
        if !force {
            self.inner.workspace.check_disk(&target)?;
        }
        ws.save(&target)?;
        let disk = Fingerprint::of_written(|w| ws.write_json(w));
        self.inner.workspace.saved_at(&target, ws, disk);
        self.refresh_unsaved();
        Ok(target)
    }

    /// Whether the workspace has changes not saved: a save would write
    /// something else than what was last loaded or saved.
    pub fn unsaved(&self) -> bool {
        self.refresh_unsaved();
        self.inner.workspace.unsaved()
    }

    /// Keeps `/workspace/unsaved` up to date while the engine lives (with
    /// a runtime to run on; without one it changes on save and open only).
    pub(super) fn watch_unsaved(&self) {
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let mut changed = self.inner.publish.saved_parts();
        let weak = std::sync::Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            while changed.changed().await.is_ok() {
                // A burst of changes (a dashboard writing the state many
                // times a second) costs one comparison, not one each.
                tokio::time::sleep(UNSAVED_EVERY).await;
                let Some(inner) = weak.upgrade() else { return };
                Engine { inner }.refresh_unsaved();
            }
        });
    }

    /// Changes the server settings for this run only (the command line's
    /// `--port`, `--host`, `--static-dir`…): they are not edits, so the
    /// workspace does not become unsaved, and a save writes the file's
    /// values unless the user edits those settings since. Call before the
    /// server starts.
    pub fn override_server(&self, change: impl FnOnce(&mut crate::workspace::ServerSettings)) {
        self.inner.workspace.override_server(change);
        self.publish_server(None);
        self.refresh_unsaved();
    }

    /// Publishes `/workspace/unsaved` as it is now.
    pub(super) fn refresh_unsaved(&self) {
        let current = self
            .inner
            .workspace
            .saved_form(self.workspace_without_state());
        let state = self.inner.state.fingerprint();
        self.inner.workspace.note_unsaved(&current, state);
    }

    /// Replaces the workspace with the file at `path`: its settings, rules,
    /// state (undo history cleared), presets and bookmarks. Remote sessions
    /// go on. A running server restarts with the new settings; nothing
    /// changes when the file cannot be used.
    pub async fn open_workspace(&self, path: &Path) -> Result<PathBuf> {
        // Read before the load: a change in between then reads as a change
        // on disk (a refused save), never as none.
        let disk = Fingerprint::of_file(path).ok();
        let mut ws = Workspace::load(path)?;
        let rules = RuleSet::new(ws.rules.clone())?;
        let checks = Checks::new(&ws)?;
        let running = self.inner.host.is_running();
        if running {
            self.stop_server().await?;
        }
        // One service after the other, each whole on its own; the server
        // is stopped, so no dashboard sees a mix.
        self.inner
            .state
            .reset(std::mem::take(&mut ws.initial_state));
        let state = self.inner.state.fingerprint();
        self.inner.requests.reset(rules);
        self.inner.workspace.replace(ws, state, path, disk);
        self.refresh_unsaved();
        self.reset_checks(checks);
        // What the previous project's pages reported is no concern of this
        // one: its console and reload note would read as this one's.
        self.console_restart();
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
        // That address is this run's, not the project's: the new
        // workspace starts with nothing to save.
        let listened = self.inner.host.server().map(|s| s.local_addr());
        self.stop_server().await?;
        self.open_workspace(&workspace).await?;
        if let Some(addr) = listened {
            self.override_server(|s| {
                s.host = addr.ip().to_string();
                s.port = addr.port();
            });
        }
        self.start_server(None).await?;
        Ok((workspace, created.written.len()))
    }
}
