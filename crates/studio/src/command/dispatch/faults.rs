//! `connection.*`, `faults.*` and `server.refuse`: connections of the
//! studio's server, and faults on them.

use serde_json::Value;

use super::{Reply, done};
use crate::command::list::FaultsCommand;
use crate::engine::Engine;

/// Runs a connection or fault command.
pub(crate) async fn run(engine: &Engine, command: FaultsCommand) -> Reply {
    match command {
        FaultsCommand::ConnectionClose(a) => done(engine.close_connection(a.id)),
        FaultsCommand::ConnectionDrop(a) => done(engine.drop_connection(a.id)),
        FaultsCommand::FaultsSet(a) => done(engine.faults_set(a.connection, a.settings)),
        FaultsCommand::FaultsClear(()) => {
            engine.faults_clear();
            Ok(Value::Null)
        }
        FaultsCommand::ServerRefuse(a) => done(engine.refuse_for(a.ms)),
    }
}
