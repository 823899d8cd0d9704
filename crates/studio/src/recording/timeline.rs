//! The state of a recording at any step, and the history of any path.
//!
//! Rebuilding step `n` applies the diffs from the nearest checkpoint before
//! it; checkpoints are kept every [`CHECKPOINT_EVERY`] state entries, so
//! seeking costs at most that many patches whatever the recording's length,
//! and memory stays a fraction of one state per step.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::format::{Entry, Event};
use crate::error::{Error, Result};

/// State entries between two kept states.
pub const CHECKPOINT_EVERY: usize = 64;

/// One change of one path.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct PathChange {
    /// The entry (index into the recording's entries) whose diff changed it.
    pub step: usize,
    /// Its time, milliseconds since the start.
    pub t: f64,
    /// The value at the path after the change; `null` when it was removed
    /// (see `present`).
    #[ts(as = "crate::ts::JsonValue")]
    pub value: Value,
    /// Whether the path exists after the change.
    pub present: bool,
}

/// A recording's states.
#[derive(Debug, Clone)]
pub struct Timeline {
    entries: Vec<Entry>,
    /// (entry index after which it holds, state): the state after applying
    /// every diff of `entries[..index]`.
    checkpoints: Vec<(usize, Value)>,
}

impl Timeline {
    /// Builds the timeline; fails, naming the entry, when a diff does not
    /// apply to the state before it.
    pub fn new(entries: Vec<Entry>) -> Result<Timeline> {
        let mut checkpoints = vec![(0, Value::Null)];
        let mut state = Value::Null;
        let mut since = 0;
        for (i, entry) in entries.iter().enumerate() {
            if let Event::State { diff } = &entry.event {
                apply(&mut state, diff, i)?;
                since += 1;
                if since == CHECKPOINT_EVERY {
                    checkpoints.push((i + 1, state.clone()));
                    since = 0;
                }
            }
        }
        Ok(Timeline {
            entries,
            checkpoints,
        })
    }

    /// The entries.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The state after the first `step` entries (0: before any, `len`:
    /// at the end).
    pub fn state_at(&self, step: usize) -> Result<Value> {
        let step = step.min(self.entries.len());
        let idx = self.checkpoints.partition_point(|(at, _)| *at <= step);
        let (from, base) = &self.checkpoints[idx.saturating_sub(1)];
        let mut state = base.clone();
        for (i, entry) in self.entries[*from..step].iter().enumerate() {
            if let Event::State { diff } = &entry.event {
                apply(&mut state, diff, from + i)?;
            }
        }
        Ok(state)
    }

    /// Every change of the value at `pointer` (RFC 6901; `""` the whole
    /// state), oldest first: each state entry whose diff touched the path,
    /// one of its ancestors or something under it, with the value after.
    /// Steps that left the value equal are left out.
    pub fn history(&self, pointer: &str) -> Result<Vec<PathChange>> {
        let mut out = Vec::new();
        let mut state = Value::Null;
        let mut last: Option<Value> = None;
        for (i, entry) in self.entries.iter().enumerate() {
            let Event::State { diff } = &entry.event else {
                continue;
            };
            apply(&mut state, diff, i)?;
            if !touches(diff, pointer) {
                continue;
            }
            let now = state.pointer(pointer).cloned();
            if now != last {
                out.push(PathChange {
                    step: i,
                    t: entry.t,
                    present: now.is_some(),
                    value: now.clone().unwrap_or(Value::Null),
                });
                last = now;
            }
        }
        Ok(out)
    }
}

fn apply(state: &mut Value, diff: &Value, step: usize) -> Result<()> {
    juggler::diff::patch(state, diff.clone()).map_err(|e| {
        Error::Invalid(format!(
            "entry {} of the recording: its state diff does not apply: {e}",
            step + 1
        ))
    })
}

/// Whether an op of `diff` changes `pointer`: its path is the pointer, an
/// ancestor of it, or under it.
fn touches(diff: &Value, pointer: &str) -> bool {
    let related = |p: &str| {
        p == pointer
            || (pointer.starts_with(p) && pointer.as_bytes().get(p.len()) == Some(&b'/'))
            || (p.starts_with(pointer) && p.as_bytes().get(pointer.len()) == Some(&b'/'))
            || p.is_empty()
            || pointer.is_empty()
    };
    diff.as_array().is_some_and(|ops| {
        ops.iter().any(|op| {
            ["path", "from"]
                .iter()
                .filter_map(|k| op.get(*k).and_then(Value::as_str))
                .any(related)
        })
    })
}
