//! `server.*`: the studio's juggler server.

use super::{Reply, answer, done};
use crate::command::answer::ServerUrl;
use crate::command::list::ServerCommand;
use crate::engine::Engine;

/// Runs a `server.*` command.
pub(crate) async fn run(engine: &Engine, command: ServerCommand) -> Reply {
    match command {
        ServerCommand::ServerStart(()) => start(engine).await,
        ServerCommand::ServerStop(()) => done(engine.stop_server().await),
        ServerCommand::ServerRestart(()) => {
            engine.stop_server().await?;
            start(engine).await
        }
        ServerCommand::ServerSettings(args) => {
            done(engine.set_server_settings(args.settings).await)
        }
    }
}

async fn start(engine: &Engine) -> Reply {
    answer(engine.start_server(None).await.map(|url| ServerUrl { url }))
}
