//! The engine's schema checks: the served state after it changes (at most
//! every 100 ms, by a task watching the document), each request's data as
//! it comes, `/schemaViolations` and the `schema.violation` event.

use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

use juggler::Storage;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::publisher::Recent;
use super::{Engine, Inner, now_ms};
use crate::error::{Error, Result};
use crate::rules::RequestInfo;
use crate::schemas::{Compiled, Found, SchemaViolation, Schemas, ViolationKind};
use crate::workspace::Workspace;

/// The shortest time between two checks of the state.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// The compiled schemas and what the checks found.
pub(super) struct Checks {
    compiled: Arc<Compiled>,
    /// What the last check of the state found: a violation is recorded
    /// when it appears, not again while it stays.
    last_state: HashSet<Found>,
    violations: Recent<SchemaViolation>,
    watch: CancellationToken,
}

impl Checks {
    pub(super) fn new(ws: &Workspace) -> Result<Checks> {
        Checks::of(ws.schemas.as_ref())
    }

    fn of(schemas: Option<&Schemas>) -> Result<Checks> {
        let compiled = Compiled::new(schemas).map_err(|problems| {
            let text: Vec<_> = problems.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            Error::Invalid(text.join("; "))
        })?;
        Ok(Checks {
            compiled: Arc::new(compiled),
            last_state: HashSet::new(),
            violations: Recent::default(),
            watch: CancellationToken::new(),
        })
    }

    /// Stops watching the state.
    pub(super) fn stop(&self) {
        self.watch.cancel();
    }
}

impl Engine {
    /// Starts watching the served state when there is a schema of it and
    /// a runtime to watch in (the previous watch stops).
    pub(super) fn watch_state_schema(&self) {
        let cancel = {
            let mut checks = self.inner.requests.checks();
            checks.watch.cancel();
            checks.watch = CancellationToken::new();
            if !checks.compiled.has_state() {
                return;
            }
            checks.watch.clone()
        };
        let doc = self.inner.state.served();
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(watch(weak, doc, cancel));
    }

    /// Checks the served state against its schema now, recording the
    /// violations that were not there at the last check.
    pub(crate) fn check_state_schema_now(&self) {
        let compiled = self.inner.requests.checks().compiled.clone();
        let doc = self.inner.state.served();
        if !compiled.has_state() {
            return;
        }
        let found: HashSet<Found> = doc
            .read(|state| compiled.check_state(state))
            .into_iter()
            .collect();
        let fresh: Vec<Found> = {
            let mut checks = self.inner.requests.checks();
            let fresh = found
                .iter()
                .filter(|f| !checks.last_state.contains(f))
                .cloned()
                .collect();
            checks.last_state = found;
            fresh
        };
        let mut fresh = fresh;
        fresh.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        for f in fresh {
            self.record_violation(SchemaViolation {
                time: now_ms(),
                kind: ViolationKind::State,
                name: None,
                connection_id: None,
                pointer: f.pointer,
                message: f.message,
            });
        }
    }

    /// Checks a dashboard's request data against the schema of its name.
    pub(super) fn check_request_schema(&self, req: &RequestInfo) {
        let compiled = self.inner.requests.checks().compiled.clone();
        for f in compiled.check_request(&req.name, &req.data) {
            self.record_violation(SchemaViolation {
                time: req.now,
                kind: ViolationKind::Request,
                name: Some(req.name.clone()),
                connection_id: Some(req.connection_id),
                pointer: f.pointer,
                message: f.message,
            });
        }
    }

    fn record_violation(&self, v: SchemaViolation) {
        let text = v.describe();
        tracing::info!("schema violation: {text}");
        let entry = json!(v);
        {
            let mut checks = self.inner.requests.checks();
            checks.violations.push(v);
            self.inner.publish.schema_violations(&checks.violations);
        }
        self.event("schema.violation", entry);
        self.scenario_violation(text);
    }

    /// Replaces the workspace's schemas (`schemas.set`): the whole
    /// `schemas` object (`null`, or one without schemas, removes them),
    /// checked as when a workspace file is loaded; nothing changes when
    /// one does not compile. The checks start again: the violations found
    /// so far are forgotten, and the state is checked at once.
    pub fn set_schemas(&self, schemas: Value) -> Result<()> {
        let schemas: Option<Schemas> = crate::json::from_value(&schemas)
            .map_err(|e| field_error("invalid schemas", "schemas", &e))?;
        let schemas = schemas.filter(|s| s.state.is_some() || !s.requests.is_empty());
        let checks = Checks::of(schemas.as_ref())?;
        self.inner.workspace.set_schemas(schemas);
        self.reset_checks(checks);
        Ok(())
    }

    /// Replaces the schemas (a workspace was opened): what was found
    /// before is forgotten.
    pub(super) fn reset_checks(&self, checks: Checks) {
        let old = std::mem::replace(&mut *self.inner.requests.checks(), checks);
        old.stop();
        (self.inner.publish).schema_violations(&Recent::default());
        self.watch_state_schema();
    }
}

/// A serde error as `CONTEXT: FIELD: MESSAGE`, the field written from
/// `top` as in a workspace file (`scenarios[1].steps[0].wait`,
/// `schemas.state`).
pub(super) fn field_error(
    context: &str,
    top: &str,
    e: &serde_path_to_error::Error<serde_json::Error>,
) -> Error {
    let field = crate::error::join_field(top, &e.path().to_string());
    Error::field(context, field, e.inner().to_string())
}

async fn watch(engine: Weak<Inner>, doc: Storage, cancel: CancellationToken) {
    let mut changes = doc.subscribe();
    loop {
        let Some(inner) = engine.upgrade() else {
            return;
        };
        Engine { inner }.check_state_schema_now();
        tokio::select! {
            // Checked in place, not from a copy of the state.
            _ = changes.changed_version() => {}
            () = cancel.cancelled() => return,
        }
        tokio::select! {
            () = tokio::time::sleep(DEBOUNCE) => {}
            () = cancel.cancelled() => return,
        }
    }
}
