//! Scenarios: timelines in the workspace file that drive the embedded
//! server's dashboards and check what they do.
//!
//! ```json
//! "scenarios": [
//!   { "name": "start pump", "description": "the start button works",
//!     "steps": [
//!       { "waitForConnections": { "count": 1, "withinMs": 10000 } },
//!       { "setState": { "path": ["pumps", 0, "running"], "value": false } },
//!       { "notify": { "name": "alarm", "data": { "level": 2 } } },
//!       { "expectRequest": { "name": "pump.start", "data": { "pump": 0 },
//!                            "withinMs": 2000, "respond": { "ok": true } } },
//!       { "expectState": { "path": ["pumps", 0, "running"], "value": true,
//!                          "withinMs": 1000 } }
//!     ] }
//! ]
//! ```
//!
//! Each step is an object with one member, the step's kind:
//! - `setState {path, value}`, `patch {diff}`, `replaceState {value}`:
//!   change the served (shared) state;
//! - `notify {name, data?, target?}`: send a notification to `"all"`
//!   dashboards (the default) or a list of connection ids;
//! - `wait {ms}`;
//! - `waitForConnections {count, withinMs}`: at least `count` dashboards
//!   are connected;
//! - `expectRequest {name, data?, withinMs, respond?}`: a dashboard sends
//!   a request of that name whose data contains `data` (the JSON subset
//!   match of the rules, [`crate::rules::data_matches`]) within `withinMs`
//!   of the step's start, or — for a step without `respond` — sent
//!   earlier and not taken by a step yet (the oldest that fits; it was
//!   answered by the rules then): earlier in the run (a quick dashboard),
//!   or before it by a dashboard still connected (a page's first request,
//!   sent as it connects, which can beat the run's start). With `respond`
//!   the scenario answers it with that value, else the rules (or a replay)
//!   answer it as usual;
//! - `expectState {path, value, withinMs}`: the served state at `path`
//!   equals `value` within `withinMs` (for example after a rule's
//!   `setState` answered an expected request).
//!
//! Steps run one after the other; the first that fails ends the run. A
//! schema violation ([`crate::schemas`]) while a step runs fails it, and so
//! does an error that a dashboard page logged meanwhile (its Console),
//! unless the scenario has `"allowConsoleErrors": true`.
//!
//! The pure parts live here and in [`expect`] and [`report`]; the runner
//! is [`runner`], which drives whatever implements its narrow
//! `ScenarioHost` (the engine does), and the `juggler-studio run` command is
//! [`crate::app::run_scenario`] (with a headless browser from [`browser`]).

/// Headless Chromium for `juggler-studio run --browser`.
pub mod browser;
/// The `juggler-studio run` command.
pub mod expect;
pub mod report;
pub(crate) mod runner;

use std::collections::HashSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

pub use expect::Expectation;
pub use report::{ScenarioReport, ScenarioStatus, StepResult};
pub(crate) use runner::Running;

/// The longest a step may wait: one hour.
pub const MAX_MS: u64 = 3_600_000;

/// A named timeline of steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct Scenario {
    /// Unique name (`juggler-studio run --scenario NAME`, `scenario.run`).
    pub name: String,
    /// What it checks, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub description: Option<String>,
    /// The steps, run in order.
    pub steps: Vec<Step>,
    /// Whether a step passes although a dashboard page logged an error
    /// meanwhile (an uncaught exception, an unhandled rejection, a failed
    /// load or `console.error`, as the Console shows). Default false: such
    /// a step fails.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub allow_console_errors: bool,
}

/// One step of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
#[ts(export_to = crate::ts::DIR)]
pub enum Step {
    /// Set the served state at a path (missing objects are created). With
    /// state per connection: the state new connections start from and
    /// every open connection's own.
    SetState {
        /// A state path: a string, an integer or a list of them.
        #[ts(as = "crate::ts::JsonValue")]
        path: Value,
        /// The value.
        #[ts(as = "crate::ts::JsonValue")]
        value: Value,
    },
    /// Apply a JSON Patch (RFC 6902) to the served state (as `setState`
    /// does with state per connection).
    Patch {
        /// The operations: `[{op, path, value?, from?}…]`.
        #[ts(as = "crate::ts::JsonValue")]
        diff: Value,
    },
    /// Replace the whole served state (as `setState` does with state per
    /// connection).
    ReplaceState {
        /// The new state.
        #[ts(as = "crate::ts::JsonValue")]
        value: Value,
    },
    /// Send a notification to dashboards.
    Notify {
        /// The notification's name.
        name: String,
        /// Its data. Default `null`.
        #[serde(default)]
        #[ts(as = "crate::ts::JsonValue")]
        data: Value,
        /// `"all"` (the default) or a list of connection ids.
        #[serde(default)]
        target: StepTarget,
    },
    /// Wait.
    Wait {
        /// Milliseconds.
        #[ts(type = "number")]
        #[schemars(range(max = 3_600_000))]
        ms: u64,
    },
    /// Wait until at least `count` dashboards are connected.
    WaitForConnections {
        /// How many.
        count: usize,
        /// How long to wait at most, in milliseconds.
        #[ts(type = "number")]
        #[schemars(range(min = 1, max = 3_600_000))]
        within_ms: u64,
    },
    /// Wait for a dashboard's request.
    ExpectRequest {
        /// The request's name (exact).
        name: String,
        /// A JSON subset its data must contain; absent or `null`: any data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional, as = "Option<crate::ts::JsonValue>")]
        data: Option<Value>,
        /// How long to wait at most, in milliseconds from the step's start.
        #[ts(type = "number")]
        #[schemars(range(min = 1, max = 3_600_000))]
        within_ms: u64,
        /// Answer the request with this value; absent: the rules answer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional, as = "Option<crate::ts::JsonValue>")]
        respond: Option<Value>,
    },
    /// Wait until the served state at `path` equals `value`. With state
    /// per connection: every open connection's own state (while none is
    /// open, the state new connections start from).
    ExpectState {
        /// A state path: a string, an integer or a list of them.
        #[ts(as = "crate::ts::JsonValue")]
        path: Value,
        /// The value expected (numbers compare by value).
        #[ts(as = "crate::ts::JsonValue")]
        value: Value,
        /// How long to wait at most, in milliseconds.
        #[ts(type = "number")]
        #[schemars(range(min = 1, max = 3_600_000))]
        within_ms: u64,
    },
}

/// Who a scenario's notification goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(untagged)]
#[ts(export_to = crate::ts::DIR)]
pub enum StepTarget {
    /// Every connected dashboard: `"all"`.
    All(AllConnections),
    /// These connections, by id.
    Connections(#[ts(as = "Vec<f64>")] Vec<u64>),
}

impl Default for StepTarget {
    fn default() -> Self {
        StepTarget::All(AllConnections::All)
    }
}

/// The word `"all"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum AllConnections {
    /// Every connection.
    All,
}

impl Step {
    /// The step's kind, as written in the file (`setState`…).
    pub fn kind(&self) -> &'static str {
        match self {
            Step::SetState { .. } => "setState",
            Step::Patch { .. } => "patch",
            Step::ReplaceState { .. } => "replaceState",
            Step::Notify { .. } => "notify",
            Step::Wait { .. } => "wait",
            Step::WaitForConnections { .. } => "waitForConnections",
            Step::ExpectRequest { .. } => "expectRequest",
            Step::ExpectState { .. } => "expectState",
        }
    }

    /// The kind and what it is about, for messages:
    /// `expectRequest pump.start`, `setState /pumps/0`.
    pub fn title(&self) -> String {
        match self {
            Step::SetState { path, .. } | Step::ExpectState { path, .. } => {
                format!("{} {}", self.kind(), pointer_of(path))
            }
            Step::Notify { name, .. } | Step::ExpectRequest { name, .. } => {
                format!("{} {name}", self.kind())
            }
            Step::Wait { ms } => format!("wait {ms} ms"),
            Step::WaitForConnections { count, .. } => format!("waitForConnections {count}"),
            Step::Patch { .. } | Step::ReplaceState { .. } => self.kind().to_owned(),
        }
    }

    /// What is wrong with this step: `(field, message)` pairs, the field
    /// relative to the step (`expectRequest.withinMs`).
    pub fn check(&self) -> Vec<(String, String)> {
        let kind = self.kind();
        let mut out = Vec::new();
        let mut problem = |field: &str, message: String| {
            out.push((format!("{kind}.{field}"), message));
        };
        let within = |ms: u64| -> Option<String> {
            if ms == 0 {
                Some("0 ms leaves no time: write how long to wait, as 2000".into())
            } else if ms > MAX_MS {
                Some(format!(
                    "{ms} ms is more than an hour ({MAX_MS}): write a shorter time"
                ))
            } else {
                None
            }
        };
        match self {
            Step::SetState { path, .. } | Step::ExpectState { path, .. } => {
                if let Err(e) = juggler::Path::from_json(path) {
                    problem(
                        "path",
                        format!("{e}: write a path as \"name\", 3 or [\"pumps\", 0, \"speed\"]"),
                    );
                }
                if let Step::ExpectState { within_ms, .. } = self
                    && let Some(m) = within(*within_ms)
                {
                    problem("withinMs", m);
                }
            }
            Step::Patch { diff } => {
                if let Some(m) = patch_problem(diff) {
                    problem("diff", m);
                }
            }
            Step::ReplaceState { .. } => {}
            Step::Notify { name, target, .. } => {
                if name.is_empty() {
                    problem("name", "the name is empty: name the notification".into());
                }
                if matches!(target, StepTarget::Connections(ids) if ids.is_empty()) {
                    problem(
                        "target",
                        "an empty list sends to no one: write \"all\" or connection ids".into(),
                    );
                }
            }
            Step::Wait { ms } => {
                if *ms > MAX_MS {
                    problem(
                        "ms",
                        format!("{ms} ms is more than an hour ({MAX_MS}): write a shorter time"),
                    );
                }
            }
            Step::WaitForConnections { within_ms, .. } => {
                if let Some(m) = within(*within_ms) {
                    problem("withinMs", m);
                }
            }
            Step::ExpectRequest {
                name, within_ms, ..
            } => {
                if name.is_empty() {
                    problem(
                        "name",
                        "the name is empty: name the request expected".into(),
                    );
                }
                if let Some(m) = within(*within_ms) {
                    problem("withinMs", m);
                }
            }
        }
        out
    }
}

/// A state path as an RFC 6901 pointer (`/pumps/0`), or the path's JSON
/// when it is not one.
pub fn pointer_of(path: &Value) -> String {
    match juggler::Path::from_json(path) {
        Ok(p) => p.to_pointer(),
        Err(_) => path.to_string(),
    }
}

/// Why `diff` is not a JSON Patch, if it is not.
fn patch_problem(diff: &Value) -> Option<String> {
    let Some(ops) = diff.as_array() else {
        return Some(
            "not a list: write a JSON Patch, as [{\"op\": \"replace\", \"path\": \"/a\", \
             \"value\": 1}]"
                .into(),
        );
    };
    for (i, op) in ops.iter().enumerate() {
        let name = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let needs: &[&str] = match name {
            "add" | "replace" | "test" => &["path", "value"],
            "remove" => &["path"],
            "move" | "copy" => &["path", "from"],
            _ => {
                return Some(format!(
                    "[{i}]: op {:?} is not add, remove, replace, move, copy or test",
                    op.get("op").unwrap_or(&Value::Null)
                ));
            }
        };
        for key in needs {
            let present = match *key {
                "value" => op.get("value").is_some(),
                _ => op.get(*key).is_some_and(Value::is_string),
            };
            if !present {
                return Some(format!("[{i}]: a {name} operation needs {key:?}"));
            }
        }
    }
    None
}

/// What is wrong with a workspace's scenarios: `(field, message)` pairs
/// with the field from the file's root (`scenarios[0].steps[2].wait.ms`).
pub fn check_all(scenarios: &[Scenario]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut names = HashSet::new();
    for (i, s) in scenarios.iter().enumerate() {
        if s.name.trim().is_empty() {
            out.push((
                format!("scenarios[{i}].name"),
                "the name is empty: name the scenario".into(),
            ));
        } else if !names.insert(s.name.as_str()) {
            out.push((
                format!("scenarios[{i}].name"),
                format!(
                    "another scenario is named {:?}: give each its own name",
                    s.name
                ),
            ));
        }
        for (j, step) in s.steps.iter().enumerate() {
            for (field, message) in step.check() {
                out.push((format!("scenarios[{i}].steps[{j}].{field}"), message));
            }
        }
    }
    out
}

/// Whether two JSON values are equal, numbers by value (`1` equals `1.0`).
pub fn json_equal(a: &Value, b: &Value) -> bool {
    crate::rules::data_matches(a, b) && crate::rules::data_matches(b, a)
}

#[cfg(test)]
mod tests;
