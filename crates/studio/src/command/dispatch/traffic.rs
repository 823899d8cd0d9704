//! `traffic.*` and `console.clear`: the traffic log and the dashboard
//! console.

use serde_json::Value;

use super::{Reply, answer};
use crate::command::CommandError;
use crate::command::list::TrafficCommand;
use crate::engine::Engine;

/// Entries `traffic.query` answers with when not told.
const DEFAULT_LIMIT: usize = 500;

/// Runs a `traffic.*` or `console.*` command.
pub(crate) async fn run(engine: &Engine, command: TrafficCommand) -> Reply {
    match command {
        TrafficCommand::TrafficQuery(a) => Ok(engine.traffic_query(
            &a.filter.unwrap_or_default(),
            a.limit.unwrap_or(DEFAULT_LIMIT),
        )),
        // The control endpoint's run answers it for the client that sent it.
        TrafficCommand::TrafficFollow(_) => Err(CommandError::invalid(
            "traffic.follow is a control client's own: send it to the control endpoint",
        )),
        TrafficCommand::TrafficClear(()) => {
            engine.traffic_clear();
            Ok(Value::Null)
        }
        TrafficCommand::ConsoleClear(()) => {
            engine.console_clear();
            Ok(Value::Null)
        }
        TrafficCommand::TrafficPause(a) => {
            engine.traffic_pause(a.paused);
            Ok(Value::Null)
        }
        TrafficCommand::TrafficExport(a) => {
            answer(engine.traffic_export(&a.filter.unwrap_or_default()))
        }
    }
}
