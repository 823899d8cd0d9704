//! The control endpoint end to end: an engine with a workspace runs its
//! juggler server on `127.0.0.1:0`, a control endpoint serves its model,
//! and juggler clients play the studio UI (the control client) and the
//! dashboards (clients of the embedded server). Every wait is on a
//! condition, with a deadline.

#[path = "../common/mod.rs"]
mod common;

mod builder;
mod connections;
mod door;
mod faults;
mod notify;
mod proxy;
mod record;
mod remote;
mod rules;
mod scenarios;
mod server;
mod state;
mod traffic;
mod workspace;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Events, check_model, client, wait_for, within};
use juggler::{Client, ClientBuilder, ServerBuilder, Storage};
use serde_json::{Value, json};
use studio::command::CommandError;
use studio::control::{CommandHandler, ControlEndpoint};
use studio::traffic::{TrafficEntry, TrafficRow};
use studio::{Engine, Workspace};
use tokio::net::TcpListener;

const WORKSPACE: &str = r#"{
  "version": 1,
  "server": { "port": 0, "autoflush": 0 },
  "initialState": { "counter": 0 },
  "rules": [
    { "id": "respond", "match": { "name": { "exact": "respond" } },
      "action": { "respond": { "value": { "ok": true } } } },
    { "id": "greet", "match": { "name": { "exact": "greet" } },
      "action": { "template": { "value": "hello {{data.name}}" } } },
    { "id": "set", "match": { "name": { "exact": "set" } },
      "action": { "setState": { "path": ["fromRule"], "value": "{{data}}",
                                "respond": "set {{data}}" } } },
    { "id": "notify", "match": { "name": { "exact": "notify.me" } },
      "action": { "notify": { "name": "pong", "data": { "got": "{{data}}" },
                              "respond": "sent" } } },
    { "id": "cycle", "match": { "name": { "exact": "cycle" } },
      "action": { "cycle": { "values": ["a", "b"] } } },
    { "id": "fail", "match": { "name": { "glob": "fail.*" } },
      "action": { "fail": { "value": { "why": "refused" } } } },
    { "id": "slow", "match": { "name": { "regex": "slow|sluggish" } },
      "delayMs": 150, "action": "echo" },
    { "id": "pick-a", "match": { "name": { "exact": "pick" }, "data": { "kind": "a" } },
      "action": { "respond": { "value": "picked a" } } }
  ]
}"#;

/// One studio: engine, embedded server, control endpoint, control client.
struct Rig {
    engine: Engine,
    endpoint: ControlEndpoint,
    control: Client,
    events: Events,
    /// The embedded server's juggler URL.
    dashboard_url: String,
    dir: tempfile::TempDir,
}

async fn rig_with(text: &str) -> Rig {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = Workspace::parse(text, "test.json", dir.path()).expect("workspace");
    let engine = Engine::new(ws, None).expect("engine");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let dashboard_url = engine
        .start_server(Some(listener))
        .await
        .expect("start the server");
    let handler_engine = engine.clone();
    let commands: CommandHandler = Arc::new(move |caller, name, data| {
        let engine = handler_engine.clone();
        Box::pin(async move { studio::commands::run(&engine, &caller, &name, data).await })
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = ControlEndpoint::start(
        listener,
        engine.model(),
        commands,
        engine.events(),
        engine.traffic_feed(),
        None,
    )
    .expect("control endpoint");
    let (control, events) = client(&endpoint.url()).await;
    wait_for(control.state(), "the model to arrive", |m| {
        m.get("server").map(|_| ())
    })
    .await;
    Rig {
        engine,
        endpoint,
        control,
        events,
        dashboard_url,
        dir,
    }
}

async fn rig() -> Rig {
    rig_with(WORKSPACE).await
}

/// Waits until the value at `pointer` is `want`.
async fn wait_at(storage: &Storage, pointer: &str, want: Value) {
    let what = format!("{pointer} to be {want}");
    wait_for(storage, &what, |v| {
        (v.pointer(pointer) == Some(&want)).then_some(())
    })
    .await;
}

/// Waits until nothing is at `pointer`.
async fn wait_gone(storage: &Storage, pointer: &str) {
    let what = format!("{pointer} to go");
    wait_for(storage, &what, |v| {
        v.pointer(pointer).is_none().then_some(())
    })
    .await;
}

/// The next notification called `name` (others are skipped).
async fn next_named(events: &mut Events, name: &str) -> Value {
    within(&format!("a {name:?} notification"), async {
        loop {
            let (n, data) = events.recv().await.expect("the connection closed");
            if n == name {
                return data;
            }
        }
    })
    .await
}

async fn cmd(control: &Client, name: &str, data: Value) -> Value {
    within(name, control.send(name, data))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn cmd_err(control: &Client, name: &str, data: Value) -> CommandError {
    match within(name, control.send(name, data)).await {
        Err(juggler::Error::Juggler(data)) => serde_json::from_value(data.clone())
            .unwrap_or_else(|e| panic!("{name}: the error {data} is not {{code, message}}: {e}")),
        other => panic!("{name}: expected an error answer, got {other:?}"),
    }
}

/// The id of the connection that appears after `before` connections.
async fn new_connection(model: &Storage, known: &[u64]) -> u64 {
    wait_for(model, "a new connection in /connections", |m| {
        m.get("connections")?
            .as_object()?
            .values()
            .filter_map(|c| c.get("id")?.as_u64())
            .find(|id| !known.contains(id))
    })
    .await
}

/// A plain juggler server to inspect: shared state `{"temp": 20}`, answers
/// `echo` with its data and `boom` with an error.
async fn remote_server() -> (juggler::Server, Storage) {
    let state = Storage::with_data(json!({"temp": 20}));
    let server = ServerBuilder::new()
        .shared_state(state.clone())
        .autoflush(Some(Duration::ZERO))
        .on_request(|_conn, name, data| async move {
            match name.as_str() {
                "echo" => Ok(data),
                _ => Err(juggler::HandlerError(json!({"bad": name}))),
            }
        })
        .serve(TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .expect("remote server");
    (server, state)
}
