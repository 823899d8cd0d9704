//! `timeline.*`: the loaded recording's timeline.

use super::{Reply, answer};
use crate::command::list::TimelineCommand;
use crate::engine::Engine;
use crate::recording::{Entry, brief};

/// Entries `timeline.entries` answers with when not told, and at most.
const DEFAULT_LIMIT: usize = 500;
const MAX_LIMIT: usize = 10_000;
/// Times `timeline.times` answers with, at most (and when not told).
const MAX_TIMES: usize = 100_000;

/// Runs a `timeline.*` command.
pub(crate) async fn run(engine: &Engine, command: TimelineCommand) -> Reply {
    match command {
        // A state goes as it is (it may be deep).
        TimelineCommand::TimelineState(a) => Ok(engine.timeline_state(a.step)?),
        TimelineCommand::TimelineHistory(a) => answer(engine.timeline_history(&a.pointer)),
        TimelineCommand::TimelineEntries(a) => engine.timeline_entries(
            a.from.unwrap_or(0),
            a.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT),
            |entries| {
                if a.brief.unwrap_or(false) {
                    let brief: Vec<Entry> = entries
                        .iter()
                        .map(|e| brief::brief(e, brief::BRIEF_MAX_BYTES))
                        .collect();
                    answer(Ok(brief))
                } else {
                    answer(Ok(entries))
                }
            },
        )?,
        TimelineCommand::TimelineTimes(a) => engine.timeline_entries(
            a.from.unwrap_or(0),
            a.limit.unwrap_or(MAX_TIMES).min(MAX_TIMES),
            |entries| answer(Ok(entries.iter().map(|e| e.t).collect::<Vec<f64>>())),
        )?,
    }
}
