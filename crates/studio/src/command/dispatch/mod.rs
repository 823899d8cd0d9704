//! Runs the commands on the engine: one module per group, each one
//! function `run` over its group's commands.

pub(super) mod faults;
pub(super) mod notify;
pub(super) mod proxy;
pub(super) mod remote;
pub(super) mod replay;
pub(super) mod rules;
pub(super) mod scenario;
pub(super) mod server;
pub(super) mod state;
pub(super) mod timeline;
pub(super) mod traffic;
pub(super) mod workspace;

use serde::Serialize;
use serde_json::Value;

use super::error::CommandError;

/// What a command answers: the answer's JSON, or the error.
pub(super) type Reply = Result<Value, CommandError>;

/// The answer of a command that answers `null`.
fn done(result: crate::Result<()>) -> Reply {
    result.map(|()| Value::Null).map_err(CommandError::from)
}

/// A typed answer as JSON. (Answers that are JSON already, such as a
/// state, go as they are: turning them into JSON again would walk them.)
fn answer<T: Serialize>(result: crate::Result<T>) -> Reply {
    let value = result?;
    serde_json::to_value(value)
        .map_err(|e| CommandError::invalid(format!("cannot encode the answer: {e}")))
}
