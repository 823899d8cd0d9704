//! `notify.*`: notifications to the connections.

use super::{Reply, answer, done};
use crate::command::answer::Sent;
use crate::command::list::NotifyCommand;
use crate::engine::Engine;

/// Runs a `notify.*` command.
pub(crate) async fn run(engine: &Engine, command: NotifyCommand) -> Reply {
    match command {
        NotifyCommand::NotifySend(a) => {
            let targets = a.connections.unwrap_or_default();
            let sent = engine.notify(&a.name, a.data, &targets).await;
            answer(sent.map(|sent| Sent { sent }))
        }
        NotifyCommand::NotifyPresets(a) => done(engine.set_notify_presets(a.presets)),
        NotifyCommand::NotifyPresetSave(a) => done(engine.save_notify_preset(&a.name, a.data)),
        NotifyCommand::NotifyPresetRemove(a) => done(engine.remove_notify_preset(&a.name)),
        NotifyCommand::NotifyPresetText(a) => answer(engine.notify_preset_text(&a.name)),
    }
}
