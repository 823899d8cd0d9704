//! `record.*` and `replay.*`: recordings and their replay.

use serde_json::Value;

use super::{Reply, answer};
use crate::command::answer::Started;
use crate::command::list::ReplayCommand;
use crate::engine::Engine;

/// Runs a `record.*` or `replay.*` command.
pub(crate) async fn run(engine: &Engine, command: ReplayCommand) -> Reply {
    match command {
        ReplayCommand::RecordStart(a) => {
            let peer = a.peer()?;
            answer(engine.record_start(peer, a.path).map(|id| Started { id }))
        }
        ReplayCommand::RecordStop(a) => answer(engine.record_stop(&a.id)),
        ReplayCommand::ReplayLoad(a) => {
            let info = engine.replay_load(&a.path).await?;
            if a.play.unwrap_or(false) {
                return answer(engine.replay_play(a.speed));
            }
            answer(Ok(info))
        }
        ReplayCommand::ReplayPlay(a) => answer(engine.replay_play(a.speed)),
        ReplayCommand::ReplayPause(()) => answer(engine.replay_pause()),
        ReplayCommand::ReplayStep(()) => answer(engine.replay_step().await),
        ReplayCommand::ReplaySeek(a) => answer(engine.replay_seek(a.step)),
        ReplayCommand::ReplayStop(()) => {
            engine.replay_stop();
            Ok(Value::Null)
        }
        ReplayCommand::ReplayMock(a) => {
            answer(engine.replay_mock(&a.out, a.how(), a.force.unwrap_or(false)))
        }
    }
}
