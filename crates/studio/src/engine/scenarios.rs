//! The engine's side of scenarios: one run at a time, the `/scenario`
//! section, the `scenario.step` event, and the hook that offers the
//! dashboards' requests to the running scenario before the rules.

use std::sync::Arc;

use juggler::Storage;
use juggler::server::HandlerError;
use serde_json::{Value, json};

use super::{Edit, Engine, Target};
use crate::error::{Error, Result};
use crate::rules::RequestInfo;
use crate::scenario::runner::{self, Offer};
use crate::scenario::{Running, Scenario, ScenarioReport, ScenarioStatus, StepResult};

impl Engine {
    /// Runs the workspace's scenario `name` against the embedded server's
    /// dashboards, and answers its report when it ends. One at a time.
    pub async fn scenario_run(&self, name: &str) -> Result<ScenarioReport> {
        let (scenario, running) = self.scenario_begin(name)?;
        // Dropped midway (the caller gave up): the run ends with it.
        struct End(Engine, Arc<Running>);
        impl Drop for End {
            fn drop(&mut self) {
                self.1.stop();
                self.0.scenario_clear(&self.1);
                if let Some(mut status) = self.1.status()
                    && status.running
                {
                    status.running = false;
                    status.stopped = true;
                    status.passed = Some(false);
                    self.0.publish_scenario(Some(&status));
                }
            }
        }
        let _end = End(self.clone(), running.clone());
        Ok(runner::run(self, &scenario, &running).await)
    }

    /// Starts the scenario `name` in the background; its report comes in
    /// `/scenario` and `scenario.step` events.
    pub fn scenario_spawn(&self, name: &str) -> Result<()> {
        // Checked here so that the caller hears of a bad name at once.
        let (scenario, running) = self.scenario_begin(name)?;
        let engine = self.clone();
        tokio::spawn(async move {
            runner::run(&engine, &scenario, &running).await;
            engine.scenario_clear(&running);
        });
        Ok(())
    }

    fn scenario_begin(&self, name: &str) -> Result<(Scenario, Arc<Running>)> {
        // The slot stays locked until the run is in it: one run at a time.
        let mut slot = self.inner.requests.scenario_slot();
        if let Some(r) = &slot.running {
            return Err(Error::Invalid(format!(
                "scenario {:?} is running: wait for its end, or send scenario.stop",
                r.name
            )));
        }
        if !self.inner.host.is_running() {
            return Err(Error::Invalid(
                "the server is not running: start it, then run the scenario".into(),
            ));
        }
        let scenario = self.inner.workspace.scenario(name)?;
        // A request of a page that has gone since is no request of the
        // dashboards this run tests.
        let before = std::mem::take(&mut slot.between)
            .into_iter()
            .filter(|(id, _, _)| self.inner.host.connection(*id).is_ok())
            .collect();
        let running = Running::new(name, before);
        slot.running = Some(running.clone());
        Ok((scenario, running))
    }

    /// Replaces the workspace's scenarios (`scenarios.set`), checked as
    /// when a workspace file is loaded (errors name the field, as
    /// `scenarios[1].steps[0].wait.ms`); nothing changes on an error.
    /// Refused while a scenario runs.
    pub fn set_scenarios(&self, scenarios: Value) -> Result<()> {
        let scenarios: Vec<Scenario> = crate::json::from_value(&scenarios)
            .map_err(|e| super::schema_checks::field_error("invalid scenarios", "scenarios", &e))?;
        let problems = crate::scenario::check_all(&scenarios);
        if let Some((field, detail)) = problems.first() {
            let text: Vec<_> = problems.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            return Err(Error::Field {
                field: field.clone(),
                detail: detail.clone(),
                text: format!("invalid scenarios: {}", text.join("; ")),
            });
        }
        // Under the scenario slot's lock: a run cannot start in between.
        let slot = self.inner.requests.scenario_slot();
        if let Some(r) = &slot.running {
            return Err(Error::Invalid(format!(
                "scenario {:?} is running: wait for its end, or send scenario.stop, then \
                 change the scenarios",
                r.name
            )));
        }
        self.inner.workspace.set_scenarios(scenarios);
        Ok(())
    }

    /// Stops the running scenario at its current step; `false` when none
    /// runs.
    pub fn scenario_stop(&self) -> bool {
        match self.inner.requests.scenario() {
            Some(r) => {
                r.stop();
                true
            }
            None => false,
        }
    }

    /// Before the replay and the rules: the running scenario's answer to a
    /// request it expects, if it gives one.
    pub(super) fn scenario_offer(
        &self,
        req: &RequestInfo,
    ) -> Option<std::result::Result<Value, HandlerError>> {
        // Under the slot's lock: a run starting or ending now either gets
        // the request or leaves it for the next (`scenario_begin`,
        // `scenario_clear`), none loses it.
        // Kept between runs only for a step that may take it: a copy of
        // every request (some megabytes big) is no cost to pay for nothing.
        let keep = self.inner.workspace.expects_requests();
        let mut slot = self.inner.requests.scenario_slot();
        let Some(running) = &slot.running else {
            if keep {
                let kept = (req.connection_id, req.name.clone(), req.data.clone());
                runner::keep(&mut slot.between, kept);
            }
            return None;
        };
        match running.offer(req.connection_id, &req.name, &req.data) {
            Offer::Answer(v) => Some(Ok(v)),
            Offer::NotTaken | Offer::TakenRulesAnswer => None,
        }
    }

    /// Tells the running scenario of a schema violation.
    pub(super) fn scenario_violation(&self, text: String) {
        if let Some(r) = self.inner.requests.scenario() {
            r.violation(text);
        }
    }

    /// The run `running` is over: another may start.
    pub(crate) fn scenario_clear(&self, running: &Running) {
        let mut slot = self.inner.requests.scenario_slot();
        if slot
            .running
            .as_ref()
            .is_some_and(|r| std::ptr::eq(Arc::as_ptr(r), running))
        {
            slot.running = None;
            // What no step of it took is the next run's, as if it had come
            // after this one.
            slot.between = running.take_kept();
        }
    }

    pub(crate) fn publish_scenario(&self, status: Option<&ScenarioStatus>) {
        self.inner.publish.scenario(status);
    }

    /// A scenario's change of the state: with state per connection, a
    /// dashboard already open sees it too (not only those that connect
    /// later), as when a back end changes what every page shows.
    fn scenario_edit(&self, edit: &Edit) -> std::result::Result<(), String> {
        self.edit_by(Target::Shared, edit.clone(), "a scenario")
            .map_err(|e| e.to_string())?;
        if !self.is_shared() {
            for conn in self.inner.host.connections() {
                match self.edit_by(Target::Connection(conn.id()), edit.clone(), "a scenario") {
                    Ok(()) => {}
                    // It closed meanwhile: nothing of it to change.
                    Err(_) if self.inner.host.connection(conn.id()).is_err() => {}
                    Err(e) => return Err(format!("connection {}: {e}", conn.id())),
                }
            }
        }
        self.check_state_schema_now();
        Ok(())
    }

    pub(crate) fn scenario_step_event(&self, result: &StepResult) {
        self.event("scenario.step", json!(result));
    }
}

impl runner::ScenarioHost for Engine {
    fn set_state(&self, path: juggler::Path, value: Value) -> std::result::Result<(), String> {
        self.scenario_edit(&Edit::Set(path, value))
    }

    fn patch_state(&self, diff: Value) -> std::result::Result<(), String> {
        self.scenario_edit(&Edit::Patch(diff))
    }

    async fn notify(
        &self,
        name: &str,
        data: Value,
        connections: &[u64],
    ) -> std::result::Result<usize, String> {
        Engine::notify(self, name, data, connections)
            .await
            .map_err(|e| e.to_string())
    }

    fn connections(&self) -> (usize, juggler::StorageWatch) {
        // Watch first, then count: a change in between is not missed.
        let watch = self.inner.publish.subscribe();
        (self.inner.publish.connection_count(), watch)
    }

    fn checked_states(&self) -> Vec<(Option<u64>, Storage)> {
        let open = if self.is_shared() {
            Vec::new()
        } else {
            self.inner.host.connections()
        };
        if open.is_empty() {
            return vec![(None, Engine::served_state(self))];
        }
        open.iter()
            .map(|c| (Some(c.id()), c.state().clone()))
            .collect()
    }

    fn console_errors(&self) -> u64 {
        Engine::console_errors(self)
    }

    fn console_errors_since(&self, count: u64) -> Option<String> {
        Engine::console_errors_since(self, count)
    }

    fn publish_status(&self, status: &ScenarioStatus) {
        self.publish_scenario(Some(status));
    }

    fn step_done(&self, result: &StepResult) {
        self.scenario_step_event(result);
    }

    fn finished(&self, running: &Running) {
        self.scenario_clear(running);
    }
}
