//! `timeline.*`: the loaded recording's timeline.

use super::{Reply, answer};
use crate::command::list::TimelineCommand;
use crate::engine::Engine;

/// Entries `timeline.entries` answers with when not told, and at most.
const DEFAULT_LIMIT: usize = 500;
const MAX_LIMIT: usize = 10_000;

/// Runs a `timeline.*` command.
pub(crate) async fn run(engine: &Engine, command: TimelineCommand) -> Reply {
    match command {
        // A state goes as it is (it may be deep).
        TimelineCommand::TimelineState(a) => Ok(engine.timeline_state(a.step)?),
        TimelineCommand::TimelineHistory(a) => answer(engine.timeline_history(&a.pointer)),
        TimelineCommand::TimelineEntries(a) => engine.timeline_entries(
            a.from.unwrap_or(0),
            a.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT),
            |entries| answer(Ok(entries)),
        )?,
    }
}
