//! The workspace: rules, save, open, and a new dashboard project.

use super::*;

impl Engine {
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
}
