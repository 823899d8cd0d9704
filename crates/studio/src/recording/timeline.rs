//! The state of a recording at any step, and the history of any path.
//!
//! Rebuilding step `n` applies the diffs from the nearest checkpoint before
//! it. A checkpoint costs a copy of the state, rebuilding costs the diffs
//! applied since one, so checkpoints are kept by size: once the diffs since
//! the last one add up to more than the state (and at least
//! [`CHECKPOINT_MIN_BYTES`]), a copy of the state is kept. A seek then costs
//! about two copies of the state whatever the recording's length, and a
//! recording of one big state and many small changes keeps no copy at all:
//! an entry whose diff sets the whole state (a recording's first entry, most
//! often) is itself the checkpoint after it.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::format::{Entry, Event};
use crate::error::{Error, Result};

/// Diff bytes (compact JSON) since the last checkpoint below which none is
/// kept, however small the state.
pub const CHECKPOINT_MIN_BYTES: usize = 64 * 1024;

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
    /// (entry index after which it holds, where the state is read): the
    /// state after applying every diff of `entries[..index]`.
    checkpoints: Vec<(usize, Checkpoint)>,
}

/// Where the state at a checkpoint is.
#[derive(Debug, Clone)]
enum Checkpoint {
    /// A copy kept.
    Kept(Value),
    /// The value of the last op of this entry's diff, which sets the whole
    /// state: nothing kept.
    Entry(usize),
}

impl Timeline {
    /// Builds the timeline; fails, naming the entry, when a diff does not
    /// apply to the state before it.
    pub fn new(entries: Vec<Entry>) -> Result<Timeline> {
        Timeline::with_checkpoint_bytes(entries, CHECKPOINT_MIN_BYTES)
    }

    /// [`Timeline::new`] with checkpoints kept after `min_bytes` of diffs
    /// at least (tests use small ones).
    pub(crate) fn with_checkpoint_bytes(entries: Vec<Entry>, min_bytes: usize) -> Result<Timeline> {
        let mut checkpoints = vec![(0, Checkpoint::Kept(Value::Null))];
        let mut state = Value::Null;
        // Compact JSON bytes: of the diffs since the last checkpoint, and
        // of the state at it.
        let (mut since, mut state_bytes) = (0usize, 0usize);
        for (i, entry) in entries.iter().enumerate() {
            let Event::State { diff } = &entry.event else {
                continue;
            };
            apply(&mut state, diff, i)?;
            let bytes = super::brief::json_len(diff, None).unwrap_or(0);
            if root_value(diff).is_some() {
                checkpoints.push((i + 1, Checkpoint::Entry(i)));
                (since, state_bytes) = (0, bytes);
                continue;
            }
            since += bytes;
            if since >= min_bytes.max(state_bytes) {
                checkpoints.push((i + 1, Checkpoint::Kept(state.clone())));
                since = 0;
                state_bytes = super::brief::json_len(&state, None).unwrap_or(0);
            }
        }
        Ok(Timeline {
            entries,
            checkpoints,
        })
    }

    /// How many states are kept or read from an entry (tests check the
    /// policy).
    #[cfg(test)]
    pub(crate) fn checkpoints(&self) -> (usize, usize) {
        let kept = self
            .checkpoints
            .iter()
            .filter(|(_, c)| matches!(c, Checkpoint::Kept(_)))
            .count();
        (kept, self.checkpoints.len() - kept)
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
        let mut state = match base {
            Checkpoint::Kept(v) => v.clone(),
            Checkpoint::Entry(i) => match &self.entries[*i].event {
                Event::State { diff } => root_value(diff).cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            },
        };
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

/// The whole state a diff leaves when its last op sets the root (`add` or
/// `replace` at `""`): the ops before it do not matter.
fn root_value(diff: &Value) -> Option<&Value> {
    let op = diff.as_array()?.last()?;
    let sets = matches!(
        op.get("op").and_then(Value::as_str),
        Some("add" | "replace")
    );
    (sets && op.get("path").and_then(Value::as_str) == Some("")).then(|| op.get("value"))?
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
