//! The request pipeline: what a dashboard's request goes through (schema
//! checks → the running scenario → the replay's recorded answers → the
//! rules), what nothing answered, and the notifications the studio sent.
//! It publishes `/rules`, `/unmatched`, `/notifyHistory`,
//! `/schemaViolations`, `/scenario` and `/replay`.
//!
//! Each stage has its own lock, held for its own step only: a request
//! takes them one after the other, never two at once.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use super::Publisher;
use super::publisher::Recent;
use super::replay::ReplaySlot;
use super::schema_checks::Checks;
use crate::error::Result;
use crate::model::{SentNotification, UnmatchedRequest};
use crate::rules::{self, Decision, RequestInfo, Rule, RuleSet};
use crate::scenario::Running;
use crate::scenario::runner::Kept;
use crate::workspace::Workspace;

/// The stages and their lists.
pub(super) struct Pipeline {
    rules: Mutex<RuleSet>,
    checks: Mutex<Checks>,
    /// The scenario running now, one at a time, and the requests that came
    /// while none ran.
    scenario: Mutex<ScenarioSlot>,
    /// The recording loaded for replay.
    replay: Mutex<Option<ReplaySlot>>,
    unmatched: Mutex<Recent<UnmatchedRequest>>,
    notify_history: Mutex<Recent<SentNotification>>,
    publish: Publisher,
}

/// The running scenario, or the requests it will find kept when it starts.
#[derive(Default)]
pub(super) struct ScenarioSlot {
    pub(super) running: Option<Arc<Running>>,
    /// Requests no scenario step took, oldest first, while no scenario
    /// runs (a page's first request, sent as it connects, comes before the
    /// run that waited for the page can start; one that came as the last
    /// run ended): the next run's `expectRequest` steps may take them.
    pub(super) between: VecDeque<Kept>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pipeline {
    pub(super) fn new(workspace: &Workspace, publish: Publisher) -> Result<Pipeline> {
        Ok(Pipeline {
            rules: Mutex::new(RuleSet::new(workspace.rules.clone())?),
            checks: Mutex::new(Checks::new(workspace)?),
            scenario: Mutex::default(),
            replay: Mutex::default(),
            unmatched: Mutex::default(),
            notify_history: Mutex::default(),
            publish,
        })
    }

    /// Publishes the parts that come from the workspace: `/rules`, and
    /// `/notifyHistory` and `/unmatched`.
    pub(super) fn publish_workspace_part(&self) {
        self.publish.rules(lock(&self.rules).rules());
        self.publish.notify_history(&lock(&self.notify_history));
        self.publish.unmatched(&lock(&self.unmatched));
    }

    /// A workspace was opened: its rules, and empty lists.
    pub(super) fn reset(&self, rules: RuleSet) {
        *lock(&self.rules) = rules;
        lock(&self.notify_history).clear();
        lock(&self.unmatched).clear();
        self.publish_workspace_part();
    }

    /// The rules, in order.
    pub(super) fn rules(&self) -> Vec<Rule> {
        lock(&self.rules).rules().to_vec()
    }

    /// Replaces every rule.
    pub(super) fn set_rules(&self, rules: Vec<Rule>) -> Result<()> {
        let mut set = lock(&self.rules);
        set.set_rules(rules)?;
        self.publish.rules(set.rules());
        Ok(())
    }

    /// The rules' decision on `req` (counting the match).
    pub(super) fn decide(&self, req: &RequestInfo) -> Decision {
        rules::decide(&mut lock(&self.rules), req)
    }

    /// A request nothing answered.
    pub(super) fn unmatched(&self, entry: UnmatchedRequest) {
        let mut list = lock(&self.unmatched);
        list.push(entry);
        self.publish.unmatched(&list);
    }

    /// A notification the studio sent.
    pub(super) fn notified(&self, entry: SentNotification) {
        let mut list = lock(&self.notify_history);
        list.push(entry);
        self.publish.notify_history(&list);
    }

    /// The schema checks (`engine/schema_checks.rs` runs them).
    pub(super) fn checks(&self) -> MutexGuard<'_, Checks> {
        lock(&self.checks)
    }

    /// The scenario slot (`engine/scenarios.rs` fills and empties it).
    pub(super) fn scenario_slot(&self) -> MutexGuard<'_, ScenarioSlot> {
        lock(&self.scenario)
    }

    /// The replay slot (`engine/replay.rs` loads and plays it).
    pub(super) fn replay_slot(&self) -> MutexGuard<'_, Option<ReplaySlot>> {
        lock(&self.replay)
    }

    /// Whether a recording is loaded for replay.
    pub(super) fn replaying(&self) -> bool {
        lock(&self.replay).is_some()
    }

    /// The scenario running now.
    pub(super) fn scenario(&self) -> Option<Arc<Running>> {
        lock(&self.scenario).running.clone()
    }

    /// Stops watching the state for schema violations.
    pub(super) fn stop_checks(&self) {
        lock(&self.checks).stop();
    }
}
