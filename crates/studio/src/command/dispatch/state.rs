//! `state.*`: the shared state (or a connection's own) and its history.

use super::{Reply, answer, done};
use crate::command::list::StateCommand;
use crate::engine::{Edit, Engine, Target};

/// The state an edit is for.
fn target(connection: Option<u64>) -> Target {
    connection.map_or(Target::Shared, Target::Connection)
}

/// Runs a `state.*` command.
pub(crate) async fn run(engine: &Engine, command: StateCommand) -> Reply {
    match command {
        StateCommand::StateSet(a) => {
            done(engine.edit(target(a.connection), Edit::Set(a.path, a.value)))
        }
        StateCommand::StateRemove(a) => {
            done(engine.edit(target(a.connection), Edit::Remove(a.path)))
        }
        StateCommand::StatePatch(a) => done(engine.edit(target(a.connection), Edit::Patch(a.diff))),
        StateCommand::StateReplace(a) => done(engine.edit(
            target(a.connection),
            Edit::Set(juggler::Path::root(), a.value),
        )),
        StateCommand::StateText(a) => answer(engine.state_text(target(a.connection), &a.path)),
        StateCommand::ModelText(a) => answer(engine.model_text(&a.path)),
        StateCommand::StateSetText(a) => {
            done(engine.edit(target(a.connection), Edit::Set(a.path, a.value)))
        }
        StateCommand::StateUndo(()) => answer(engine.undo()),
        StateCommand::StateRedo(()) => answer(engine.redo()),
    }
}
