//! What a scenario run reports: one result per step, the model's
//! `/scenario` section, and the text `juggler-studio run` prints.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The result of one step (also the data of the `scenario.step` event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct StepResult {
    /// The step's place in `steps`, from 0 (messages say `step index+1`).
    pub index: usize,
    /// Its kind: `setState`, `expectRequest`…
    pub kind: String,
    /// Whether it passed.
    pub ok: bool,
    /// How long it took, in milliseconds.
    pub ms: f64,
    /// What it did, or, when it failed, why: `step 4 expectRequest
    /// pump.start: no such request within 2000 ms; …`.
    pub message: String,
}

/// `/scenario`: the scenario running, or the last one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ScenarioStatus {
    /// The scenario's name.
    pub name: String,
    /// Whether it is still running.
    pub running: bool,
    /// The index of the step running now (when done: how many ran).
    pub step: usize,
    /// How many steps it has.
    pub steps: usize,
    /// When it started, milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub started_at: u64,
    /// The results of the steps done, in order.
    pub results: Vec<StepResult>,
    /// `null` while running, then whether every step passed.
    pub passed: Option<bool>,
    /// Whether `scenario.stop` stopped it.
    pub stopped: bool,
}

/// The answer of `scenario.run`: how the run went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ScenarioReport {
    /// The scenario's name.
    pub name: String,
    /// Whether every step ran and passed.
    pub passed: bool,
    /// Whether `scenario.stop` stopped it.
    pub stopped: bool,
    /// How many steps it has (a failed step ends the run: the rest do not
    /// run, and have no result).
    pub steps: usize,
    /// How long it took, in milliseconds.
    pub duration_ms: f64,
    /// The results of the steps that ran, in order.
    pub results: Vec<StepResult>,
}

impl ScenarioReport {
    /// The report as text: a line per step, `✓`/`✗`, its time and message,
    /// then the verdict.
    pub fn to_text(&self) -> String {
        let width = self.results.iter().map(|r| r.kind.len()).max().unwrap_or(0);
        let mut out = String::new();
        for r in &self.results {
            let mark = if r.ok { '✓' } else { '✗' };
            out.push_str(&format!(
                "  {mark} {:>2} {:<width$} {:>7} ms  {}\n",
                r.index + 1,
                r.kind,
                format!("{:.0}", r.ms),
                r.message
            ));
        }
        let ran = self.results.len();
        let ok = self.results.iter().filter(|r| r.ok).count();
        let verdict = if self.passed {
            format!(
                "PASSED: scenario {:?}, {ok}/{} steps in {:.0} ms",
                self.name, self.steps, self.duration_ms
            )
        } else if self.stopped {
            format!(
                "STOPPED: scenario {:?} after {ran} of {} steps",
                self.name, self.steps
            )
        } else {
            let at = self
                .results
                .iter()
                .find(|r| !r.ok)
                .map(|r| format!(" at step {}", r.index + 1))
                .unwrap_or_default();
            format!(
                "FAILED{at}: scenario {:?}, {ok}/{} steps passed",
                self.name, self.steps
            )
        };
        out.push_str(&verdict);
        out.push('\n');
        out
    }
}
