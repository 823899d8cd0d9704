//! Runs a scenario against an engine: each step's action on the served
//! state or the dashboards, its waits, and its verdict. The engine offers
//! every dashboard request to the running scenario ([`Running::offer`])
//! before its rules, and tells it of every schema violation
//! ([`Running::violation`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Notify;
use tokio::time::sleep_until;
use tokio_util::sync::CancellationToken;

use super::expect::short;
use super::{Expectation, Scenario, ScenarioReport, ScenarioStatus, Step, StepResult, StepTarget};
use crate::time::now_ms;

/// What a scenario run needs of the studio, and no more: the engine
/// implements it (`engine/scenarios.rs`), so the runner does not depend on
/// the engine that runs it.
pub(crate) trait ScenarioHost: Send + Sync {
    /// Sets the served state at `path` (with state per connection: the
    /// template new connections start from and every open connection's
    /// own); then checks it against the workspace's schema at once.
    fn set_state(&self, path: juggler::Path, value: Value) -> Result<(), String>;
    /// Applies a JSON Patch to the served state (as `set_state` does);
    /// then checks its schema.
    fn patch_state(&self, diff: Value) -> Result<(), String>;
    /// Sends a notification to these connections (none: all); how many got it.
    fn notify(
        &self,
        name: &str,
        data: Value,
        connections: &[u64],
    ) -> impl Future<Output = Result<usize, String>> + Send;
    /// How many dashboards are connected, and a way to wait for a change.
    fn connections(&self) -> (usize, juggler::StorageWatch);
    /// The states an `expectState` step reads: the shared state; with
    /// state per connection, every open connection's own (named by its
    /// id), or the template while none is open.
    fn checked_states(&self) -> Vec<(Option<u64>, juggler::Storage)>;
    /// Errors the dashboard's pages have reported so far.
    fn console_errors(&self) -> u64;
    /// The first error reported after the first `count`, if any.
    fn console_errors_since(&self, count: u64) -> Option<String>;
    /// Shows the run's status (in the model).
    fn publish_status(&self, status: &ScenarioStatus);
    /// Tells of a finished step (an event).
    fn step_done(&self, result: &StepResult);
    /// The run is over: the host forgets it.
    fn finished(&self, running: &Running);
}

/// A scenario being run: what the engine's request path and schema checks
/// talk to.
pub(crate) struct Running {
    pub(crate) name: String,
    cancel: CancellationToken,
    state: Mutex<RunState>,
    /// A request was offered to the expectation.
    request_seen: Notify,
    /// A schema violation was recorded.
    violated: Notify,
}

/// Requests kept for `expectRequest` steps still to come.
pub(crate) const EARLY_KEPT: usize = 256;

/// A dashboard's request that no step took (yet): which connection sent
/// it, its name and data.
pub(crate) type Kept = (u64, String, Value);

/// Keeps `request` after the others, forgetting the oldest beyond
/// [`EARLY_KEPT`].
pub(crate) fn keep(list: &mut VecDeque<Kept>, request: Kept) {
    if list.len() == EARLY_KEPT {
        list.pop_front();
    }
    list.push_back(request);
}

#[derive(Default)]
struct RunState {
    expect: Option<Expectation>,
    respond: Option<Value>,
    /// Requests of this run that no expectation took yet, oldest first: a
    /// later `expectRequest` step takes its request from here when it came
    /// before the step started (a quick dashboard), or before the run did
    /// (the page's first request, sent as it connected).
    early: VecDeque<Kept>,
    /// The current expectation was met by a request from `early` (already
    /// answered by the rules).
    early_hit: bool,
    violations: Vec<String>,
    status: Option<ScenarioStatus>,
}

/// What the scenario does with a dashboard's request.
pub(crate) enum Offer {
    /// Not expected: the replay or the rules answer it.
    NotTaken,
    /// Expected, and the rules answer it.
    TakenRulesAnswer,
    /// Expected, and the scenario answers it with this value.
    Answer(Value),
}

impl Running {
    /// A run whose steps may take the requests `before` (oldest first),
    /// which came before it started.
    pub(crate) fn new(name: &str, before: VecDeque<Kept>) -> Arc<Running> {
        Arc::new(Running {
            name: name.to_owned(),
            cancel: CancellationToken::new(),
            state: Mutex::new(RunState {
                early: before,
                ..RunState::default()
            }),
            request_seen: Notify::new(),
            violated: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, RunState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ends the run at the step running now.
    pub(crate) fn stop(&self) {
        self.cancel.cancel();
    }

    /// Offers connection `connection`'s request to the step waiting for
    /// one; a request that no step takes now is kept for the steps to come.
    pub(crate) fn offer(&self, connection: u64, name: &str, data: &Value) -> Offer {
        let mut st = self.lock();
        let taken = st.expect.as_mut().is_some_and(|e| e.offer(name, data));
        let offer = if !taken {
            keep(&mut st.early, (connection, name.to_owned(), data.clone()));
            Offer::NotTaken
        } else {
            match st.respond.clone() {
                Some(v) => Offer::Answer(v),
                None => Offer::TakenRulesAnswer,
            }
        };
        drop(st);
        self.request_seen.notify_one();
        offer
    }

    /// Sets up the expectation of an `expectRequest` step: met at once by
    /// the oldest kept request that fits, if any — unless the step answers
    /// with `respond`: a kept request was answered by the rules already, so
    /// only one that comes while the step waits can get the step's answer.
    pub(crate) fn expect(&self, name: &str, data: Option<Value>, respond: Option<Value>) {
        let mut st = self.lock();
        let mut expectation = Expectation::new(name, data);
        let hit = if respond.is_some() {
            None
        } else {
            st.early
                .iter()
                .position(|(_, n, d)| expectation.fits(n, d))
                .and_then(|i| st.early.remove(i))
        };
        st.early_hit = hit.is_some();
        if let Some((_, n, d)) = hit {
            expectation.offer(&n, &d);
        }
        st.expect = Some(expectation);
        st.respond = respond;
    }

    /// Whether the current expectation is met (tests).
    #[cfg(test)]
    pub(crate) fn met(&self) -> bool {
        self.lock()
            .expect
            .as_ref()
            .is_some_and(|e| e.matched().is_some())
    }

    /// The requests no step took, oldest first: the next run's (the run is
    /// over).
    pub(crate) fn take_kept(&self) -> VecDeque<Kept> {
        std::mem::take(&mut self.lock().early)
    }

    /// A schema violation happened: it fails the step running now.
    pub(crate) fn violation(&self, text: String) {
        self.lock().violations.push(text);
        self.violated.notify_one();
    }

    fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().violations)
    }

    async fn next_violation(&self) -> String {
        loop {
            let notified = self.violated.notified();
            let found = self.take_violations();
            if !found.is_empty() {
                return found.join("; ");
            }
            notified.await;
        }
    }

    /// The status as published last (the engine finishes it if the run is
    /// dropped midway).
    pub(crate) fn status(&self) -> Option<ScenarioStatus> {
        self.lock().status.clone()
    }

    fn publish(&self, host: &impl ScenarioHost, status: &ScenarioStatus) {
        self.lock().status = Some(status.clone());
        host.publish_status(status);
    }
}

/// Runs `scenario`'s steps in order until one fails, the run is stopped, or
/// all passed.
pub(crate) async fn run(
    engine: &impl ScenarioHost,
    scenario: &Scenario,
    running: &Running,
) -> ScenarioReport {
    let started = Instant::now();
    let mut status = ScenarioStatus {
        name: scenario.name.clone(),
        running: true,
        step: 0,
        steps: scenario.steps.len(),
        started_at: now_ms(),
        results: Vec::new(),
        passed: None,
        stopped: false,
    };
    running.publish(engine, &status);
    // Violations before the run do not count.
    running.take_violations();
    let mut stopped = false;
    for (index, step) in scenario.steps.iter().enumerate() {
        status.step = index;
        if let Step::ExpectRequest {
            name,
            data,
            respond,
            ..
        } = step
        {
            // Before the step shows in the model: a dashboard (or a test)
            // that sees it may send the request at once.
            running.expect(name, data.clone(), respond.clone());
        }
        running.publish(engine, &status);
        let t0 = Instant::now();
        let console_errors = engine.console_errors();
        let outcome = tokio::select! {
            r = run_step(engine, running, step) => r,
            v = running.next_violation() => Err(format!("schema violation: {v}")),
            () = running.cancel.cancelled() => Err("stopped (scenario.stop)".to_owned()),
        };
        let outcome = match outcome {
            Ok(m) => match running.take_violations() {
                v if v.is_empty() => Ok(m),
                v => Err(format!("schema violation: {}", v.join("; "))),
            },
            Err(e) => Err(e),
        };
        let outcome = match outcome {
            Ok(m) if !scenario.allow_console_errors => {
                match engine.console_errors_since(console_errors) {
                    Some(error) => Err(format!(
                        "the dashboard logged an error: {error} (set \"allowConsoleErrors\": true \
                         on the scenario to let it pass)"
                    )),
                    None => Ok(m),
                }
            }
            other => other,
        };
        {
            let mut st = running.lock();
            st.expect = None;
            st.respond = None;
        }
        stopped = running.cancel.is_cancelled();
        let result = StepResult {
            index,
            kind: step.kind().to_owned(),
            ok: outcome.is_ok(),
            ms: t0.elapsed().as_secs_f64() * 1000.0,
            message: match outcome {
                Ok(m) => m,
                Err(e) => format!("step {} {}: {e}", index + 1, step.title()),
            },
        };
        engine.step_done(&result);
        let ok = result.ok;
        status.results.push(result);
        if !ok {
            break;
        }
    }
    let passed = !stopped
        && status.results.len() == scenario.steps.len()
        && status.results.iter().all(|r| r.ok);
    status.step = status.results.len();
    status.running = false;
    status.passed = Some(passed);
    status.stopped = stopped;
    engine.finished(running);
    running.publish(engine, &status);
    ScenarioReport {
        name: scenario.name.clone(),
        passed,
        stopped,
        steps: scenario.steps.len(),
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        results: status.results,
    }
}

fn deadline(ms: u64) -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_millis(ms)
}

/// Runs one step: what it did, or why it failed (without the `step N
/// kind` prefix).
async fn run_step(
    engine: &impl ScenarioHost,
    running: &Running,
    step: &Step,
) -> Result<String, String> {
    match step {
        Step::SetState { path, value } => {
            let p = juggler::Path::from_json(path).map_err(|e| e.to_string())?;
            engine.set_state(p, value.clone())?;
            Ok(format!("{} = {}", super::pointer_of(path), short(value)))
        }
        Step::Patch { diff } => {
            let n = diff.as_array().map(Vec::len).unwrap_or(0);
            engine.patch_state(diff.clone())?;
            Ok(format!("{n} operation(s) applied"))
        }
        Step::ReplaceState { value } => {
            engine.set_state(juggler::Path::root(), value.clone())?;
            Ok(format!("state = {}", short(value)))
        }
        Step::Notify { name, data, target } => {
            let ids: &[u64] = match target {
                StepTarget::All(_) => &[],
                StepTarget::Connections(ids) => ids,
            };
            let sent = engine.notify(name, data.clone(), ids).await?;
            Ok(format!("{name} sent to {sent} connection(s)"))
        }
        Step::Wait { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            Ok(format!("waited {ms} ms"))
        }
        Step::WaitForConnections { count, within_ms } => {
            let until = deadline(*within_ms);
            loop {
                let (n, mut watch) = engine.connections();
                if n >= *count {
                    return Ok(format!("{n} connection(s)"));
                }
                // The version only: a copy of the model (the state in it)
                // at every change of it was the state's size ten times.
                tokio::select! {
                    _ = watch.changed_version() => {}
                    () = sleep_until(until) => {
                        return Err(format!(
                            "only {n} of {count} dashboard(s) connected within {within_ms} ms"
                        ));
                    }
                }
            }
        }
        Step::ExpectRequest {
            name,
            within_ms,
            respond,
            ..
        } => {
            // The expectation was set up before the step began.
            let until = deadline(*within_ms);
            loop {
                let notified = running.request_seen.notified();
                {
                    let st = running.lock();
                    if let Some(expect) = &st.expect
                        && let Some(got) = expect.matched()
                    {
                        let by = if st.early_hit {
                            "(it came before this step started) answered by the rules"
                        } else if respond.is_some() {
                            "answered by the scenario"
                        } else {
                            "answered by the rules"
                        };
                        return Ok(format!("{name} {} {by}", short(got)));
                    }
                }
                tokio::select! {
                    () = notified => {}
                    () = sleep_until(until) => {
                        let st = running.lock();
                        return Err(st
                            .expect
                            .as_ref()
                            .map(|e| e.failure(*within_ms))
                            .unwrap_or_default());
                    }
                }
            }
        }
        Step::ExpectState {
            path,
            value,
            within_ms,
        } => {
            let p = juggler::Path::from_json(path).map_err(|e| e.to_string())?;
            let until = deadline(*within_ms);
            loop {
                // Watch first, then read: a change in between is not missed.
                let (_, mut joined) = engine.connections();
                let states = engine.checked_states();
                let mut watches: Vec<_> = states.iter().map(|(_, s)| s.subscribe()).collect();
                let differing = states.iter().find_map(|(id, doc)| {
                    let now = doc.get(&p);
                    (!now.as_ref().is_some_and(|v| super::json_equal(v, value)))
                        .then_some((*id, now))
                });
                let Some((id, now)) = differing else {
                    let on = match states.as_slice() {
                        [(Some(_), _), ..] => format!(" on {} connection(s)", states.len()),
                        _ => String::new(),
                    };
                    return Ok(format!(
                        "{} = {}{on}",
                        super::pointer_of(path),
                        short(value)
                    ));
                };
                let any_change = futures_util::future::select_all(
                    watches.iter_mut().map(|w| Box::pin(w.changed_version())),
                );
                tokio::select! {
                    _ = any_change => {}
                    _ = joined.changed_version() => {}
                    () = sleep_until(until) => {
                        let was = match now {
                            Some(v) => format!("is {}", short(&v)),
                            None => "is missing".to_owned(),
                        };
                        let whose = match id {
                            Some(id) => format!("connection {id}'s state"),
                            None => "the state".to_owned(),
                        };
                        return Err(format!(
                            "{whose} there {was}, not {}, after {within_ms} ms",
                            short(value)
                        ));
                    }
                }
            }
        }
    }
}
