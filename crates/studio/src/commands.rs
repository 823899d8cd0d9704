//! The control endpoint's requests: each command is one juggler request
//! whose name says what to do; errors come back as `success: false` with
//! `{code, message}` (see `CONTROL.md`).

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::dashboard::folder;
use crate::engine::{Edit, Engine, Target};
use crate::error::Error;
use crate::remote::RemoteTarget;
use crate::rules;
use crate::traffic::{Peer, TrafficFilter};

/// Every command name, for `CONTROL.md`'s check and for clients.
pub const COMMANDS: &[&str] = &[
    "server.start",
    "server.stop",
    "server.restart",
    "server.settings",
    "state.set",
    "state.remove",
    "state.patch",
    "state.replace",
    "state.undo",
    "state.redo",
    "notify.send",
    "notify.presets",
    "remote.bookmarks",
    "rules.set",
    "rules.test",
    "rules.fromRequest",
    "traffic.query",
    "traffic.clear",
    "console.clear",
    "traffic.pause",
    "traffic.export",
    "remote.connect",
    "remote.disconnect",
    "remote.send",
    "workspace.get",
    "workspace.save",
    "workspace.open",
    "dashboard.new",
    "connection.close",
    "connection.drop",
    "faults.set",
    "faults.clear",
    "server.refuse",
    "proxy.start",
    "proxy.stop",
    "proxy.override",
    "proxy.mock",
    "record.start",
    "record.stop",
    "replay.load",
    "replay.play",
    "replay.pause",
    "replay.step",
    "replay.seek",
    "replay.stop",
    "replay.mock",
    "timeline.state",
    "timeline.history",
    "timeline.entries",
    "scenario.run",
    "scenario.stop",
    "scenarios.set",
    "schemas.set",
    "dashboard.load",
    "dashboard.save",
];

fn failure(code: &str, message: impl Into<String>) -> Value {
    json!({"code": code, "message": message.into()})
}

fn invalid(e: impl std::fmt::Display) -> Value {
    failure("invalid", e.to_string())
}

fn from_error(e: Error) -> Value {
    let code = match &e {
        Error::Workspace { .. } | Error::FutureVersion { .. } => "workspace",
        Error::Rule { .. } => "rule",
        Error::Io { .. } => "io",
        Error::History(_) => "history",
        Error::Juggler(juggler::Error::Juggler(data)) => {
            return json!({"code": "remoteError", "message": e.to_string(), "data": data});
        }
        Error::Juggler(_) => "juggler",
        Error::Invalid(_) | Error::Dashboard { .. } => "invalid",
    };
    failure(code, e.to_string())
}

fn arg<T: for<'de> Deserialize<'de>>(data: &Value, key: &str) -> Result<T, Value> {
    let v = data.get(key).cloned().unwrap_or(Value::Null);
    serde_json::from_value(v).map_err(|e| invalid(format!("{key}: {e}")))
}

fn path_arg(data: &Value) -> Result<juggler::Path, Value> {
    juggler::Path::from_json(data.get("path").unwrap_or(&json!([]))).map_err(invalid)
}

/// The builder's folder: the one given, else the server's `staticDir`.
fn dashboard_dir(engine: &Engine, dir: Option<PathBuf>) -> Result<PathBuf, Value> {
    dir.or_else(|| engine.static_dir()).ok_or_else(|| {
        invalid("the server serves no folder (server.staticDir): set one, or give the dashboard's folder as dir")
    })
}

/// Runs one control command.
pub async fn run(engine: &Engine, name: &str, data: Value) -> Result<Value, Value> {
    let target = Target::of(&data);
    match name {
        "server.start" => engine
            .start_server(None)
            .await
            .map(|url| json!({"url": url}))
            .map_err(from_error),
        "server.stop" => engine
            .stop_server()
            .await
            .map(|_| Value::Null)
            .map_err(from_error),
        "server.restart" => {
            engine.stop_server().await.map_err(from_error)?;
            engine
                .start_server(None)
                .await
                .map(|url| json!({"url": url}))
                .map_err(from_error)
        }
        "server.settings" => engine
            .set_server_settings(data.get("settings").cloned().unwrap_or(data))
            .await
            .map(|_| Value::Null)
            .map_err(from_error),
        "state.set" => {
            let value = data.get("value").cloned().unwrap_or(Value::Null);
            engine
                .edit(target, Edit::Set(path_arg(&data)?, value))
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "state.remove" => engine
            .edit(target, Edit::Remove(path_arg(&data)?))
            .map(|_| Value::Null)
            .map_err(from_error),
        "state.patch" => {
            let diff = data
                .get("diff")
                .cloned()
                .ok_or_else(|| invalid("diff: a JSON Patch array is required"))?;
            engine
                .edit(target, Edit::Patch(diff))
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "state.replace" => {
            let value = data.get("value").cloned().unwrap_or(Value::Null);
            engine
                .edit(target, Edit::Set(juggler::Path::root(), value))
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "state.undo" => engine.undo().map(Value::Bool).map_err(from_error),
        "state.redo" => engine.redo().map(Value::Bool).map_err(from_error),
        "notify.send" => {
            let name: String = arg(&data, "name")?;
            let targets: Option<Vec<u64>> = arg(&data, "connections")?;
            let payload = data.get("data").cloned().unwrap_or(Value::Null);
            engine
                .notify(&name, payload, targets.as_deref().unwrap_or(&[]))
                .await
                .map(|sent| json!({"sent": sent}))
                .map_err(from_error)
        }
        "notify.presets" => engine
            .set_notify_presets(data.get("presets").cloned().unwrap_or(data))
            .map(|_| Value::Null)
            .map_err(from_error),
        "remote.bookmarks" => engine
            .set_remote_bookmarks(data.get("bookmarks").cloned().unwrap_or(data))
            .map(|_| Value::Null)
            .map_err(from_error),
        "rules.set" => engine
            .set_rules(data.get("rules").cloned().unwrap_or(data))
            .map(|_| Value::Null)
            .map_err(from_error),
        "scenarios.set" => engine
            .set_scenarios(data.get("scenarios").cloned().unwrap_or(data))
            .map(|_| Value::Null)
            .map_err(from_error),
        "schemas.set" => {
            let schemas = match data.as_object() {
                Some(o) if o.contains_key("schemas") => o["schemas"].clone(),
                _ => data,
            };
            engine
                .set_schemas(schemas)
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "rules.test" => engine
            .test_rule(
                data.get("rule").cloned().unwrap_or(Value::Null),
                data.get("sample").cloned().unwrap_or(Value::Null),
            )
            .map_err(from_error),
        "rules.fromRequest" => {
            let name: String = arg(&data, "name")?;
            Ok(json!(rules::rule_from_request(
                &name,
                data.get("data").unwrap_or(&Value::Null)
            )))
        }
        "traffic.query" => {
            let filter: TrafficFilter =
                arg::<Option<TrafficFilter>>(&data, "filter")?.unwrap_or_default();
            let limit: Option<usize> = arg(&data, "limit")?;
            Ok(engine.traffic_query(&filter, limit.unwrap_or(500)))
        }
        "traffic.clear" => {
            engine.traffic_clear();
            Ok(Value::Null)
        }
        "console.clear" => {
            engine.console_clear();
            Ok(Value::Null)
        }
        "traffic.pause" => {
            let paused: bool = arg(&data, "paused")?;
            engine.traffic_pause(paused);
            Ok(Value::Null)
        }
        "traffic.export" => {
            let filter: TrafficFilter =
                arg::<Option<TrafficFilter>>(&data, "filter")?.unwrap_or_default();
            engine
                .traffic_export(&filter)
                .map(Value::String)
                .map_err(from_error)
        }
        "remote.connect" => {
            let target: RemoteTarget =
                serde_json::from_value(data.get("target").cloned().unwrap_or(data))
                    .map_err(|e| invalid(format!("target: {e}")))?;
            engine
                .remote_connect(target)
                .map(|id| json!({"id": id}))
                .map_err(from_error)
        }
        "remote.disconnect" => {
            let id: String = arg(&data, "id")?;
            engine
                .remote_disconnect(&id)
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "remote.send" => {
            let id: String = arg(&data, "id")?;
            let name: String = arg(&data, "name")?;
            let payload = data.get("data").cloned().unwrap_or(Value::Null);
            engine
                .remote_send(&id, &name, payload)
                .await
                .map_err(from_error)
        }
        "workspace.get" => Ok(json!(engine.workspace())),
        "workspace.save" => {
            let path: Option<PathBuf> = arg(&data, "path")?;
            engine
                .save(path)
                .map(|p| json!({"path": p.display().to_string()}))
                .map_err(from_error)
        }
        "workspace.open" => {
            let path: PathBuf = arg(&data, "path")?;
            engine
                .open_workspace(&path)
                .await
                .map(|p| json!({"path": p.display().to_string()}))
                .map_err(from_error)
        }
        "dashboard.new" => {
            let dir: PathBuf = arg(&data, "dir")?;
            let generation: Option<String> = arg(&data, "generation")?;
            let generation = match generation.as_deref() {
                None => juggler::Generation::V06,
                Some(g) => g
                    .parse()
                    .map_err(|e: juggler::Error| invalid(format!("generation: {e}")))?,
            };
            let name: Option<String> = arg(&data, "name")?;
            let name = name.unwrap_or_else(|| crate::scaffold::DEFAULT_TITLE.to_owned());
            let builder: Option<bool> = arg(&data, "builder")?;
            engine
                .dashboard_new(&dir, generation, &name, builder.unwrap_or(false))
                .await
                .map(|(p, n)| json!({"path": p.display().to_string(), "files": n}))
                .map_err(from_error)
        }
        "connection.close" => {
            let id: u64 = arg(&data, "id")?;
            engine
                .close_connection(id)
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "proxy.start" => {
            let settings: crate::proxy::ProxySettings =
                serde_path_to_error::deserialize(data.get("settings").cloned().unwrap_or(data))
                    .map_err(|e| invalid(format!("invalid proxy settings: {e}")))?;
            let id = engine.proxy_start(settings).await.map_err(from_error)?;
            Ok(engine
                .model()
                .get(juggler::path!["proxies", id.as_str()])
                .unwrap_or(Value::Null))
        }
        "proxy.stop" => {
            let id: String = arg(&data, "id")?;
            engine
                .proxy_stop(&id)
                .await
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "proxy.override" => {
            let id: String = arg(&data, "id")?;
            let pointer: String = arg(&data, "pointer")?;
            let value = data.get("value").cloned();
            engine
                .proxy_override(&id, &pointer, value)
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "proxy.mock" => {
            let id: String = arg(&data, "id")?;
            let connection: Option<u64> = arg(&data, "connection")?;
            let out: String = arg(&data, "out")?;
            let answers: Option<crate::mock::Answers> = arg(&data, "answers")?;
            let force: Option<bool> = arg(&data, "force")?;
            engine
                .proxy_mock(
                    &id,
                    connection,
                    &out,
                    answers.unwrap_or_default(),
                    force.unwrap_or(false),
                )
                .map_err(from_error)
        }
        "connection.drop" => {
            let id: u64 = arg(&data, "id")?;
            engine
                .drop_connection(id)
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "faults.set" => {
            let connection: Option<u64> = arg(&data, "connection")?;
            let settings: juggler::server::FaultSettings = serde_path_to_error::deserialize(
                data.get("settings").cloned().unwrap_or(json!({})),
            )
            .map_err(|e| invalid(format!("settings: {e}")))?;
            engine
                .faults_set(connection, settings)
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "faults.clear" => {
            engine.faults_clear();
            Ok(Value::Null)
        }
        "server.refuse" => {
            let ms: u64 = arg(&data, "ms")?;
            engine
                .refuse_for(ms)
                .map(|_| Value::Null)
                .map_err(from_error)
        }
        "record.start" => {
            let path: PathBuf = arg(&data, "path")?;
            let peer = match (
                arg::<Option<u64>>(&data, "connection")?,
                arg::<Option<String>>(&data, "remote")?,
                arg::<Option<String>>(&data, "proxy")?,
            ) {
                (Some(id), None, None) => Peer::Connection(id),
                (None, Some(id), None) => Peer::Remote(id),
                (Some(connection), None, Some(proxy)) => Peer::Proxy {
                    proxy,
                    connection,
                    side: crate::traffic::ProxySide::Browser,
                },
                _ => {
                    return Err(invalid(
                        "record.start needs `connection` (an id), `remote` (a session id), or \
                         `proxy` with `connection`",
                    ));
                }
            };
            engine
                .record_start(peer, path)
                .map(|id| json!({"id": id}))
                .map_err(from_error)
        }
        "record.stop" => {
            let id: String = arg(&data, "id")?;
            engine
                .record_stop(&id)
                .map(|info| json!(info))
                .map_err(from_error)
        }
        "replay.load" => {
            let path: PathBuf = arg(&data, "path")?;
            let info = engine.replay_load(&path).await.map_err(from_error)?;
            if arg::<Option<bool>>(&data, "play")?.unwrap_or(false) {
                let speed: Option<f64> = arg(&data, "speed")?;
                return engine
                    .replay_play(speed)
                    .map(|i| json!(i))
                    .map_err(from_error);
            }
            Ok(json!(info))
        }
        "replay.play" => {
            let speed: Option<f64> = arg(&data, "speed")?;
            engine
                .replay_play(speed)
                .map(|i| json!(i))
                .map_err(from_error)
        }
        "replay.pause" => engine.replay_pause().map(|i| json!(i)).map_err(from_error),
        "replay.step" => engine
            .replay_step()
            .await
            .map(|e| json!(e))
            .map_err(from_error),
        "replay.seek" => {
            let step: usize = arg(&data, "step")?;
            engine
                .replay_seek(step)
                .map(|i| json!(i))
                .map_err(from_error)
        }
        "replay.stop" => {
            engine.replay_stop();
            Ok(Value::Null)
        }
        "replay.mock" => {
            let out: String = arg(&data, "out")?;
            let answers: Option<crate::mock::Answers> = arg(&data, "answers")?;
            let force: Option<bool> = arg(&data, "force")?;
            engine
                .replay_mock(&out, answers.unwrap_or_default(), force.unwrap_or(false))
                .map_err(from_error)
        }
        "timeline.state" => {
            let step: usize = arg(&data, "step")?;
            engine.timeline_state(step).map_err(from_error)
        }
        "timeline.history" => {
            let pointer: String = arg(&data, "pointer")?;
            engine
                .timeline_history(&pointer)
                .map(|h| json!(h))
                .map_err(from_error)
        }
        "timeline.entries" => {
            let from: Option<usize> = arg(&data, "from")?;
            let limit: Option<usize> = arg(&data, "limit")?;
            engine
                .timeline_entries(from.unwrap_or(0), limit.unwrap_or(500).min(10_000))
                .map(|e| json!(e))
                .map_err(from_error)
        }
        "scenario.run" => {
            let name: String = arg(&data, "name")?;
            if arg::<Option<bool>>(&data, "wait")? == Some(false) {
                engine.scenario_spawn(&name).map_err(from_error)?;
                return Ok(Value::Null);
            }
            engine
                .scenario_run(&name)
                .await
                .map(|r| json!(r))
                .map_err(from_error)
        }
        "scenario.stop" => Ok(Value::Bool(engine.scenario_stop())),
        "dashboard.load" => {
            let dir: Option<PathBuf> = arg(&data, "dir")?;
            let dir = dashboard_dir(engine, dir)?;
            folder::open(&dir).map(|o| json!(o)).map_err(from_error)
        }
        "dashboard.save" => {
            let args: folder::SaveDashboard = serde_json::from_value(data).map_err(invalid)?;
            let dir = dashboard_dir(engine, args.dir.map(PathBuf::from))?;
            folder::save(&dir, args.dashboard, args.base.as_deref())
                .map(|s| json!(s))
                .map_err(from_error)
        }
        other => Err(failure(
            "unknownCommand",
            format!("unknown command {other:?}; see CONTROL.md for the list"),
        )),
    }
}
