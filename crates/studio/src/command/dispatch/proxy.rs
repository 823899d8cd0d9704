//! `proxy.*`: proxies in front of real servers.

use serde_json::Value;

use super::{Reply, answer, done};
use crate::command::list::ProxyCommand;
use crate::engine::Engine;

/// Runs a `proxy.*` command.
pub(crate) async fn run(engine: &Engine, command: ProxyCommand) -> Reply {
    match command {
        ProxyCommand::ProxyStart(a) => {
            let id = engine.proxy_start(a.settings).await?;
            // The proxy as the model shows it (`/proxies/ID`).
            Ok(engine
                .model()
                .get(juggler::path!["proxies", id.as_str()])
                .unwrap_or(Value::Null))
        }
        ProxyCommand::ProxyStop(a) => done(engine.proxy_stop(&a.id).await),
        ProxyCommand::ProxyOverride(a) => done(engine.proxy_override(&a.id, &a.pointer, a.value)),
        ProxyCommand::ProxyMock(a) => answer(engine.proxy_mock(
            &a.id,
            a.connection,
            &a.mock.out,
            a.mock.how(),
            a.mock.force.unwrap_or(false),
        )),
    }
}
