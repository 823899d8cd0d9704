//! The control endpoint's commands, typed: each is one juggler request
//! whose `name` says what to do and whose `data` holds its arguments;
//! errors come back as `success: false` with a [`CommandError`] (see
//! `CONTROL.md`).
//!
//! - [`list`]: every command, declared once (the [`Command`] enum, the name
//!   list [`COMMANDS`] and the TypeScript [`CommandMap`] come from it);
//! - [`args`] and [`answer`]: what commands take and answer;
//! - [`error`]: the typed error;
//! - `dispatch`: one function per command group, running it on the engine.

// A `CommandError` is the wire value of a failed command (with its optional
// field, detail, id and remote data): built once on the failure path of a
// request and sent; its size does not matter there, and boxing it would only
// make every command's code read worse.
#![allow(
    clippy::result_large_err,
    reason = "CommandError is the failure answer, built once per failed request"
)]

pub mod answer;
pub mod args;
mod caller;
mod dispatch;
pub mod error;
mod fields;
pub mod list;

pub use caller::{Caller, Follower, Following};
pub use error::{CommandError, ErrorCode};
pub use list::{COMMANDS, Command, CommandMap, Grouped, dispatch};

use serde_json::Value;

use crate::engine::Engine;

/// Runs one control command given as a request's `name` and `data`, sent
/// by `caller`: its answer, or its error as the JSON value sent back.
pub async fn run(
    engine: &Engine,
    caller: &Caller,
    name: &str,
    data: Value,
) -> Result<Value, Value> {
    let answer = match Command::parse(name, data) {
        // What the client itself gets is the caller's, not the engine's.
        Ok(Command::TrafficFollow(a)) => {
            caller.follow_traffic(a.on);
            Ok(Value::Null)
        }
        Ok(command) => dispatch(engine, command).await,
        Err(e) => Err(e),
    };
    answer.map_err(|e| serde_json::json!(e))
}

#[cfg(test)]
mod tests;
