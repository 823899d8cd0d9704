//! `scenario.*`, `scenarios.set` and `schemas.set`: scenarios and schemas.

use serde_json::Value;

use super::{Reply, answer, done};
use crate::command::list::ScenarioCommand;
use crate::engine::Engine;

/// Runs a scenario or schema command.
pub(crate) async fn run(engine: &Engine, command: ScenarioCommand) -> Reply {
    match command {
        ScenarioCommand::ScenarioRun(a) => {
            if a.wait == Some(false) {
                engine.scenario_spawn(&a.name)?;
                return Ok(Value::Null);
            }
            answer(engine.scenario_run(&a.name).await)
        }
        ScenarioCommand::ScenarioStop(()) => Ok(Value::Bool(engine.scenario_stop())),
        ScenarioCommand::ScenariosSet(a) => done(engine.set_scenarios(a.scenarios)),
        ScenarioCommand::SchemasSet(a) => done(engine.set_schemas(a.schemas)),
    }
}
