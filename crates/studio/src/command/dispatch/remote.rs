//! `remote.*`: sessions with remote servers.

use super::{Reply, answer, done};
use crate::command::answer::Started;
use crate::command::list::RemoteCommand;
use crate::engine::Engine;

/// Runs a `remote.*` command.
pub(crate) async fn run(engine: &Engine, command: RemoteCommand) -> Reply {
    match command {
        RemoteCommand::RemoteConnect(a) => {
            answer(engine.remote_connect(a.target).map(|id| Started { id }))
        }
        RemoteCommand::RemoteDisconnect(a) => done(engine.remote_disconnect(&a.id)),
        RemoteCommand::RemoteReconnect(a) => done(engine.remote_reconnect(&a.id, a.target)),
        // The remote's answer goes as it came (it may be deep).
        RemoteCommand::RemoteSend(a) => Ok(engine.remote_send(&a.id, &a.name, a.data).await?),
        RemoteCommand::RemoteText(a) => answer(engine.remote_text(&a.id, &a.path)),
        RemoteCommand::RemoteBookmarks(a) => done(engine.set_remote_bookmarks(a.bookmarks)),
    }
}
