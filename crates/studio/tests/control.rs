//! The control endpoint end to end: an engine with a workspace runs its
//! juggler server on `127.0.0.1:0`, a control endpoint serves its model,
//! and juggler clients play the studio UI (the control client) and the
//! dashboards (clients of the embedded server). Every wait is on a
//! condition, with a deadline.

mod common;

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

// ---- the endpoint's door ----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_refuses_missing_or_wrong_token_and_foreign_origin() {
    let rig = rig().await;
    let url = rig.endpoint.url();
    let bare = url.split('?').next().expect("url").to_owned();
    let port = url
        .trim_start_matches("ws://127.0.0.1:")
        .split('/')
        .next()
        .expect("port")
        .to_owned();
    let refused = |e: juggler::Error| e.to_string();

    let e = ClientBuilder::new(&bare).connect().await.map_err(refused);
    assert!(matches!(&e, Err(m) if m.contains("401")), "no token: {e:?}");
    let wrong = format!("{bare}?token={}", "0".repeat(64));
    let e = ClientBuilder::new(&wrong).connect().await.map_err(refused);
    assert!(
        matches!(&e, Err(m) if m.contains("401")),
        "wrong token: {e:?}"
    );
    let e = ClientBuilder::new(&url)
        .header("Origin", "http://evil.example")
        .connect()
        .await
        .map_err(refused);
    assert!(
        matches!(&e, Err(m) if m.contains("403")),
        "foreign origin: {e:?}"
    );
    let e = ClientBuilder::new(&url)
        .header("Origin", format!("http://localhost:{port}1"))
        .connect()
        .await
        .map_err(refused);
    assert!(
        matches!(&e, Err(m) if m.contains("403")),
        "another port: {e:?}"
    );

    // The studio's own origin, and no origin, get in.
    let own = ClientBuilder::new(&url)
        .header("Origin", format!("http://127.0.0.1:{port}"))
        .connect()
        .await
        .expect("own origin");
    assert_eq!(
        cmd(&own, "state.set", json!({"path": "x", "value": 1})).await,
        Value::Null
    );
    // An empty name is a ping, answered by juggler itself.
    assert_eq!(
        cmd(&rig.control, "", json!({"echo": 1})).await,
        json!({"echo": 1})
    );
    let e = cmd_err(&rig.control, "no.such.command", json!({})).await;
    assert_eq!(e.code, "unknownCommand");
    assert!(e.message.contains("CONTROL.md"), "{}", e.message);
}

// ---- state ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_commands_change_the_model_and_what_dashboards_see() {
    let rig = rig().await;
    let (dash, _notes) = client(&rig.dashboard_url).await;
    let view = dash.state();
    let model = rig.control.state();
    wait_at(view, "/counter", json!(0)).await;

    cmd(
        &rig.control,
        "state.set",
        json!({"path": ["a"], "value": {"b": 1}}),
    )
    .await;
    wait_at(model, "/state/a/b", json!(1)).await;
    wait_at(view, "/a/b", json!(1)).await;
    assert_eq!(
        rig.engine.model().data().pointer("/state/a/b"),
        Some(&json!(1))
    );

    cmd(
        &rig.control,
        "state.patch",
        json!({"diff": [
            {"op": "add", "path": "/list", "value": [1, 2]},
            {"op": "replace", "path": "/counter", "value": 5}
        ]}),
    )
    .await;
    wait_at(model, "/state/list", json!([1, 2])).await;
    wait_at(view, "/list", json!([1, 2])).await;
    wait_at(view, "/counter", json!(5)).await;

    cmd(&rig.control, "state.remove", json!({"path": ["a", "b"]})).await;
    wait_at(model, "/state/a", json!({})).await;
    wait_at(view, "/a", json!({})).await;
    wait_at(model, "/history/undo", json!(3)).await;

    // Undo the remove, then the patch; redo the patch.
    assert_eq!(
        cmd(&rig.control, "state.undo", json!({})).await,
        json!(true)
    );
    wait_at(view, "/a/b", json!(1)).await;
    wait_at(model, "/state/a/b", json!(1)).await;
    assert_eq!(
        cmd(&rig.control, "state.undo", json!({})).await,
        json!(true)
    );
    wait_gone(view, "/list").await;
    wait_at(view, "/counter", json!(0)).await;
    wait_gone(model, "/state/list").await;
    wait_at(model, "/history/undo", json!(1)).await;
    wait_at(model, "/history/redo", json!(2)).await;
    assert_eq!(
        cmd(&rig.control, "state.redo", json!({})).await,
        json!(true)
    );
    wait_at(view, "/list", json!([1, 2])).await;
    wait_at(model, "/state/counter", json!(5)).await;
    wait_at(model, "/history/redo", json!(1)).await;

    // A new change drops what could be redone.
    cmd(
        &rig.control,
        "state.replace",
        json!({"value": {"fresh": true}}),
    )
    .await;
    wait_at(view, "", json!({"fresh": true})).await;
    wait_at(model, "/state", json!({"fresh": true})).await;
    wait_at(model, "/history/redo", json!(0)).await;
    assert_eq!(
        cmd(&rig.control, "state.redo", json!({})).await,
        json!(false)
    );

    // Refusals change nothing.
    let e = cmd_err(
        &rig.control,
        "state.set",
        json!({"path": {"no": 1}, "value": 1}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    let e = cmd_err(
        &rig.control,
        "state.patch",
        json!({"diff": [{"op": "test", "path": "/fresh", "value": false},
                        {"op": "add", "path": "/x", "value": 1}]}),
    )
    .await;
    assert_eq!(e.code, "juggler", "{}", e.message);
    let e = cmd_err(&rig.control, "state.patch", json!({})).await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.starts_with("diff"), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "state.set",
        json!({"path": "x", "connection": 999}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("999"), "{}", e.message);
    assert_eq!(rig.engine.model().data()["state"], json!({"fresh": true}));
    check_model(&rig.engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_connection_state_starts_from_the_current_state_and_is_edited_apart() {
    let text = WORKSPACE.replace(
        r#""server": { "port": 0, "autoflush": 0 }"#,
        r#""server": { "port": 0, "autoflush": 0, "sharedState": false }"#,
    );
    let rig = rig_with(&text).await;
    let model = rig.control.state();
    // Changed after the server started: new connections start from it.
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "counter", "value": 7}),
    )
    .await;
    let (a, _) = client(&rig.dashboard_url).await;
    let id_a = new_connection(model, &[]).await;
    let (b, _) = client(&rig.dashboard_url).await;
    let id_b = new_connection(model, &[id_a]).await;
    wait_at(a.state(), "/counter", json!(7)).await;
    wait_at(b.state(), "/counter", json!(7)).await;

    cmd(
        &rig.control,
        "state.set",
        json!({"path": "mine", "value": "a", "connection": id_a}),
    )
    .await;
    wait_at(a.state(), "/mine", json!("a")).await;
    wait_at(
        model,
        &format!("/connections/{id_a}/state/mine"),
        json!("a"),
    )
    .await;
    // A rule's setState goes to the sender's own state.
    assert_eq!(
        within("set", b.send("set", json!(3))).await.expect("set"),
        json!("set 3")
    );
    wait_at(b.state(), "/fromRule", json!(3)).await;
    wait_at(
        model,
        &format!("/connections/{id_b}/state/fromRule"),
        json!(3),
    )
    .await;
    assert!(a.state().get(juggler::path!["fromRule"]).is_none());
    assert!(b.state().get(juggler::path!["mine"]).is_none());
    assert_eq!(rig.engine.model().data().pointer("/state/fromRule"), None);
    check_model(&rig.engine);
}

// ---- notifications ----------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_send_reaches_every_connection_or_the_chosen_ones() {
    let rig = rig().await;
    let model = rig.control.state();
    let (_a, mut notes_a) = client(&rig.dashboard_url).await;
    let id_a = new_connection(model, &[]).await;
    let (_b, mut notes_b) = client(&rig.dashboard_url).await;
    let id_b = new_connection(model, &[id_a]).await;

    let sent = cmd(
        &rig.control,
        "notify.send",
        json!({"name": "hello", "data": {"n": 1}}),
    )
    .await;
    assert_eq!(sent, json!({"sent": 2}));
    assert_eq!(next_named(&mut notes_a, "hello").await, json!({"n": 1}));
    assert_eq!(next_named(&mut notes_b, "hello").await, json!({"n": 1}));

    let sent = cmd(
        &rig.control,
        "notify.send",
        json!({"name": "only", "data": "b", "connections": [id_b]}),
    )
    .await;
    assert_eq!(sent, json!({"sent": 1}));
    cmd(&rig.control, "notify.send", json!({"name": "after"})).await;
    assert_eq!(next_named(&mut notes_b, "only").await, json!("b"));
    // `a` gets the broadcast after it, and never `only`.
    let (name, data) = within("a's next notification", notes_a.recv())
        .await
        .expect("open");
    assert_eq!((name.as_str(), data), ("after", Value::Null));

    let history = wait_for(model, "three entries in /notifyHistory", |m| {
        let list = m.get("notifyHistory")?.as_array()?;
        (list.len() == 3).then(|| list.clone())
    })
    .await;
    assert_eq!(history[1]["name"], json!("only"));
    assert_eq!(history[1]["targets"], json!([id_b]));
    assert_eq!(history[1]["sent"], json!(1));

    let e = cmd_err(
        &rig.control,
        "notify.send",
        json!({"name": "x", "connections": [id_a, 4242]}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    let e = cmd_err(&rig.control, "notify.send", json!({"data": 1})).await;
    assert!(e.message.starts_with("name"), "{}", e.message);
    check_model(&rig.engine);
}

// ---- rules ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_requests_get_the_rules_answers() {
    let mut rig = rig().await;
    let (dash, mut notes) = client(&rig.dashboard_url).await;
    let send = |name: &'static str, data: Value| {
        let dash = dash.clone();
        async move { within(name, dash.send(name, data)).await }
    };

    assert_eq!(
        send("respond", json!(null)).await.expect("respond"),
        json!({"ok": true})
    );
    assert_eq!(
        send("greet", json!({"name": "Ana"})).await.expect("greet"),
        json!("hello Ana")
    );
    assert_eq!(
        send("set", json!([1, 2])).await.expect("set"),
        json!("set [1,2]")
    );
    wait_at(dash.state(), "/fromRule", json!([1, 2])).await;
    wait_at(rig.control.state(), "/state/fromRule", json!([1, 2])).await;
    assert_eq!(
        send("notify.me", json!(5)).await.expect("notify"),
        json!("sent")
    );
    assert_eq!(next_named(&mut notes, "pong").await, json!({"got": 5}));
    let cycled: Vec<Value> = [
        send("cycle", json!(null)).await,
        send("cycle", json!(null)).await,
        send("cycle", json!(null)).await,
    ]
    .into_iter()
    .map(|r| r.expect("cycle"))
    .collect();
    assert_eq!(cycled, vec![json!("a"), json!("b"), json!("a")]);
    match send("fail.now", json!(null)).await {
        Err(juggler::Error::Juggler(data)) => assert_eq!(data, json!({"why": "refused"})),
        other => panic!("fail: {other:?}"),
    }
    let start = Instant::now();
    assert_eq!(
        send("sluggish", json!("echo me")).await.expect("slow"),
        json!("echo me")
    );
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "answered after {:?}, before the rule's delay",
        start.elapsed()
    );
    assert_eq!(
        send("pick", json!({"kind": "a", "extra": 1}))
            .await
            .expect("pick"),
        json!("picked a")
    );

    // No rule: `no rule for NAME`, logged, and an event.
    match send("pick", json!({"kind": "b"})).await {
        Err(juggler::Error::Juggler(data)) => assert_eq!(data, json!("no rule for pick")),
        other => panic!("unmatched: {other:?}"),
    }
    let event = next_named(&mut rig.events, "request.unmatched").await;
    assert_eq!(event["name"], json!("pick"));
    assert_eq!(event["data"], json!({"kind": "b"}));
    let unmatched = wait_for(rig.control.state(), "an entry in /unmatched", |m| {
        m.get("unmatched")?.as_array()?.first().cloned()
    })
    .await;
    assert_eq!(unmatched, event);
    let connection = unmatched["connectionId"].as_u64().expect("connectionId");
    assert!(
        rig.engine
            .model()
            .data()
            .pointer(&format!("/connections/{connection}"))
            .is_some()
    );

    // Make a rule from it, add it, and the request is answered.
    let rule = cmd(
        &rig.control,
        "rules.fromRequest",
        json!({"name": "pick", "data": {"kind": "b"}}),
    )
    .await;
    assert_eq!(
        rule["match"],
        json!({"name": {"exact": "pick"}, "data": {"kind": "b"}})
    );
    let test = cmd(
        &rig.control,
        "rules.test",
        json!({"rule": rule, "sample": {"name": "pick", "data": {"kind": "b"}}}),
    )
    .await;
    assert_eq!(test["matches"], json!(true));
    assert_eq!(
        test["answer"]["reply"],
        json!({"success": true, "data": null})
    );
    let mut rules = rig.engine.model().data()["rules"].clone();
    rules.as_array_mut().expect("rules").push(rule);
    cmd(&rig.control, "rules.set", json!({"rules": rules})).await;
    wait_for(rig.control.state(), "nine rules", |m| {
        (m.get("rules")?.as_array()?.len() == 9).then_some(())
    })
    .await;
    assert_eq!(
        send("pick", json!({"kind": "b"})).await.expect("pick b"),
        Value::Null
    );

    let e = cmd_err(
        &rig.control,
        "rules.set",
        json!({"rules": [{"id": "bad", "match": {"name": {"regex": "("}}, "action": "echo"}]}),
    )
    .await;
    assert_eq!(e.code, "rule", "{}", e.message);
    assert!(e.message.contains("match.name.regex"), "{}", e.message);
    let e = cmd_err(&rig.control, "rules.set", json!({"rules": [{"id": 1}]})).await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("[0].id"), "{}", e.message);
    assert_eq!(
        rig.engine.model().data()["rules"].as_array().map(Vec::len),
        Some(9)
    );
    check_model(&rig.engine);
}

// ---- traffic ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_pairs_requests_with_responses() {
    let mut rig = rig().await;
    cmd(&rig.control, "traffic.follow", json!({"on": true})).await;
    let (dash, _) = client(&rig.dashboard_url).await;
    assert_eq!(
        within("respond", dash.send("respond", json!({"q": 1})))
            .await
            .expect("respond"),
        json!({"ok": true})
    );
    let event = within("the response's traffic event", async {
        loop {
            let data = next_named(&mut rig.events, "traffic").await;
            if let Some(e) = entries_of(&data)
                .into_iter()
                .find(|e| e["kind"] == json!("response"))
            {
                return e;
            }
        }
    })
    .await;
    assert!(event["rttMs"].as_f64().is_some(), "{event}");

    let filter = json!({"kinds": ["request", "response"]});
    let entries = cmd(&rig.control, "traffic.query", json!({"filter": filter})).await;
    let entries = entries.as_array().expect("a list");
    let request = entries
        .iter()
        .find(|e| e["kind"] == json!("request") && e["name"] == json!("respond"))
        .unwrap_or_else(|| panic!("no request in {entries:?}"));
    assert_eq!(request["direction"], json!("in"));
    assert_eq!(request["data"], json!({"q": 1}));
    let response = entries
        .iter()
        .find(|e| e["kind"] == json!("response") && e["pair"] == request["seq"])
        .unwrap_or_else(|| panic!("no response paired with {request}"));
    assert_eq!(response["direction"], json!("out"));
    assert_eq!(response["success"], json!(true));
    assert_eq!(response["data"], json!({"ok": true}));
    assert_eq!(request["pair"], response["seq"]);
    let rtt = response["rttMs"].as_f64().expect("rttMs");
    assert!(rtt >= 0.0);
    assert_eq!(request["rttMs"], response["rttMs"]);
    assert_eq!(event["seq"], response["seq"]);

    let text = cmd(&rig.control, "traffic.export", json!({"filter": filter})).await;
    let text = text.as_str().expect("NDJSON text");
    assert!(text.ends_with('\n'));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(
        lines.contains(request) && lines.contains(response),
        "{text}"
    );
    let only = cmd(
        &rig.control,
        "traffic.query",
        json!({"filter": {"kinds": ["response"]}, "limit": 1}),
    )
    .await;
    assert_eq!(only.as_array().map(Vec::len), Some(1));

    cmd(&rig.control, "traffic.pause", json!({"paused": true})).await;
    wait_at(rig.control.state(), "/traffic/paused", json!(true)).await;
    cmd(&rig.control, "traffic.clear", json!({})).await;
    wait_at(rig.control.state(), "/traffic/entries", json!(0)).await;
    within("respond", dash.send("respond", json!(null)))
        .await
        .expect("respond");
    assert_eq!(
        cmd(&rig.control, "traffic.query", json!({})).await,
        json!([])
    );
    let e = cmd_err(&rig.control, "traffic.pause", json!({"paused": "yes"})).await;
    assert!(e.message.starts_with("paused"), "{}", e.message);
    check_model(&rig.engine);
}

/// The entries of a `traffic` notification's data (rows), as entries.
fn entries_of(data: &Value) -> Vec<Value> {
    let rows: Vec<TrafficRow> = serde_json::from_value(data.clone()).expect("a list of rows");
    rows.into_iter()
        .map(|r| json!(TrafficEntry::from(r)))
        .collect()
}

/// The seqs of the entries in a `traffic` notification's data.
fn seqs_of(data: &Value) -> Vec<u64> {
    entries_of(data)
        .iter()
        .filter_map(|e| e["seq"].as_u64())
        .collect()
}

/// The seqs of the request named `name` with `data` and of its response.
async fn request_seqs(rig: &Rig, data: Value) -> Vec<u64> {
    let entries = cmd(&rig.control, "traffic.query", json!({})).await;
    let entries = entries.as_array().expect("a list");
    let request = entries
        .iter()
        .find(|e| e["kind"] == json!("request") && e["data"] == data)
        .unwrap_or_else(|| panic!("no request {data} in {entries:?}"));
    let mut seqs = vec![request["seq"].as_u64().expect("seq")];
    seqs.extend(request["pair"].as_u64());
    seqs
}

/// The seqs of the `traffic` notifications that come until every one of
/// `want` did.
async fn traffic_until(events: &mut Events, want: &[u64]) -> Vec<u64> {
    let mut got = Vec::new();
    while !want.iter().all(|s| got.contains(s)) {
        got.extend(seqs_of(&next_named(events, "traffic").await));
    }
    got
}

/// A control client gets the log's new entries only while it follows the
/// traffic (`traffic.follow`), from the batch after it asked; the log and
/// its status in the model hold every frame either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_events_go_only_to_followers() {
    let mut rig = rig().await;
    let (dash, _) = client(&rig.dashboard_url).await;
    let (other, mut other_events) = client(&rig.endpoint.url()).await;
    let respond = |n: u64| {
        let dash = &dash;
        async move {
            within("respond", dash.send("respond", json!({"n": n})))
                .await
                .expect("respond");
        }
    };
    // Nobody follows: logged all the same.
    respond(1).await;
    let first = request_seqs(&rig, json!({"n": 1})).await;
    assert_eq!(first.len(), 2, "the request and its answer are logged");
    let last = first[1];
    wait_for(rig.control.state(), "the status to count them", |m| {
        (m["traffic"]["lastSeq"].as_u64() >= Some(last)).then_some(())
    })
    .await;

    // One follows: it gets what comes next, and only that.
    cmd(&rig.control, "traffic.follow", json!({"on": true})).await;
    cmd(&rig.control, "traffic.follow", json!({"on": true})).await;
    respond(2).await;
    let second = request_seqs(&rig, json!({"n": 2})).await;
    let got = traffic_until(&mut rig.events, &second).await;
    assert!(got.iter().all(|s| *s > last), "{got:?} after {last}");

    // It stops; the other starts: the other's first entries are the newest.
    cmd(&rig.control, "traffic.follow", json!({"on": false})).await;
    respond(3).await;
    // (A query logs what the taps handed over: the log holds the 3rd now.)
    let third = request_seqs(&rig, json!({"n": 3})).await;
    cmd(&other, "traffic.follow", json!({"on": true})).await;
    respond(4).await;
    let fourth = request_seqs(&rig, json!({"n": 4})).await;
    let from_other = seqs_of(&next_named(&mut other_events, "traffic").await);
    assert!(
        from_other.iter().all(|s| *s > third[1]),
        "{from_other:?}: nothing from before it followed"
    );
    // The first stopped following: its next entries are those after it
    // follows again, none of the 3rd or 4th request.
    cmd(&rig.control, "traffic.follow", json!({"on": true})).await;
    respond(5).await;
    let fifth = request_seqs(&rig, json!({"n": 5})).await;
    let got = traffic_until(&mut rig.events, &fifth).await;
    assert!(
        got.iter().all(|s| *s > fourth[1]),
        "{got:?}: nothing while it did not follow"
    );
    check_model(&rig.engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_traffic_comes_in_few_notifications_in_order() {
    let mut rig = rig().await;
    cmd(&rig.control, "traffic.follow", json!({"on": true})).await;
    let (dash, _) = client(&rig.dashboard_url).await;
    const N: usize = 300;
    let answers = (0..N).map(|i| dash.send("respond", json!({"i": i})));
    for a in futures_util::future::join_all(answers).await {
        a.expect("respond");
    }
    // Every request and its response, each entry once, in the order logged;
    // the entries logged close together share a notification.
    let mut seqs = Vec::new();
    let mut notifications = 0;
    within("the burst's traffic events", async {
        while seqs.len() < 2 * N {
            let data = next_named(&mut rig.events, "traffic").await;
            notifications += 1;
            for e in entries_of(&data) {
                if e["kind"] == json!("request") || e["kind"] == json!("response") {
                    seqs.push(e["seq"].as_u64().expect("seq"));
                }
            }
        }
    })
    .await;
    assert_eq!(seqs.len(), 2 * N);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(
        notifications < N,
        "{notifications} notifications for {} entries",
        2 * N
    );
}

// ---- connections --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_appear_in_the_model_and_leave_it() {
    let mut rig = rig().await;
    let model = rig.control.state();
    let (a, _) = client(&rig.dashboard_url).await;
    let id_a = new_connection(model, &[]).await;
    let opened = next_named(&mut rig.events, "connection.opened").await;
    assert_eq!(opened["id"], json!(id_a));
    let entry = rig.engine.model().data()["connections"][id_a.to_string()].clone();
    assert_eq!(entry["id"], json!(id_a));
    assert_eq!(entry["remote"], json!("127.0.0.1"));
    assert_eq!(entry["state"], Value::Null, "shared state: no own state");
    assert!(entry["connectedAt"].as_u64().is_some_and(|t| t > 0));
    check_model(&rig.engine);

    let (b, _) = client(&rig.dashboard_url).await;
    let id_b = new_connection(model, &[id_a]).await;
    // Its stats count what it sent.
    within("respond", b.send("respond", json!(null)))
        .await
        .expect("respond");
    let stats = format!("/connections/{id_b}/stats/messagesIn");
    wait_for(model, "stats of b", |m| {
        (m.pointer(&stats)?.as_u64()? >= 1).then_some(())
    })
    .await;

    a.close();
    wait_gone(model, &format!("/connections/{id_a}")).await;
    let closed = next_named(&mut rig.events, "connection.closed").await;
    assert_eq!(closed, json!({"id": id_a}));

    cmd(&rig.control, "connection.close", json!({"id": id_b})).await;
    within("b to close", b.wait_closed()).await;
    wait_at(model, "/connections", json!({})).await;
    let e = cmd_err(&rig.control, "connection.close", json!({"id": id_b})).await;
    assert_eq!(e.code, "invalid");
}

// ---- the server ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_settings_stop_start_restart() {
    let rig = rig().await;
    let model = rig.control.state();
    let before = rig.engine.model().data()["server"]["settings"].clone();

    for (settings, field) in [
        (json!({"autoflush": "soon"}), "autoflush"),
        (json!({"port": 70000}), "port"),
        (json!({"wsPath": "ws"}), "wsPath"),
        (json!({"generation": "0.8"}), "generation"),
        (json!({"maxConnections": 0}), "maxConnections"),
        (json!({"prot": 1}), "prot"),
    ] {
        let e = cmd_err(
            &rig.control,
            "server.settings",
            json!({"settings": settings}),
        )
        .await;
        assert_eq!(e.code, "invalid", "{settings}: {}", e.message);
        assert!(
            e.message.contains(field),
            "{settings}: the message does not name {field}: {}",
            e.message
        );
    }
    assert_eq!(rig.engine.model().data()["server"]["settings"], before);

    // A good change restarts the running server with it.
    let (dash, _) = client(&rig.dashboard_url).await;
    let mut settings = before.clone();
    settings["generation"] = json!("0.7");
    cmd(
        &rig.control,
        "server.settings",
        json!({"settings": settings}),
    )
    .await;
    within("the old connection to close", dash.wait_closed()).await;
    wait_at(model, "/server/settings/generation", json!("0.7")).await;
    wait_at(model, "/server/status", json!("running")).await;
    let url = rig.engine.model().data()["server"]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    let dash = ClientBuilder::new(&url)
        .generation(juggler::Generation::V07)
        .connect()
        .await
        .expect("connect with 0.7");
    wait_at(dash.state(), "/counter", json!(0)).await;

    cmd(&rig.control, "server.stop", json!({})).await;
    wait_at(model, "/server/status", json!("stopped")).await;
    wait_at(model, "/server/url", Value::Null).await;
    wait_at(model, "/connections", json!({})).await;
    let e = cmd_err(&rig.control, "notify.send", json!({"name": "x"})).await;
    assert!(e.message.contains("not running"), "{}", e.message);
    let started = cmd(&rig.control, "server.start", json!({})).await;
    let url = started["url"].as_str().expect("url").to_owned();
    wait_at(model, "/server/url", json!(url)).await;
    let dashboard = rig.engine.model().data()["server"]["dashboardUrl"].clone();
    assert!(
        dashboard
            .as_str()
            .is_some_and(|d| d.starts_with("http://127.0.0.1:")),
        "{dashboard}"
    );
    let e = cmd_err(&rig.control, "server.start", json!({})).await;
    assert!(e.message.contains("already running"), "{}", e.message);
    let restarted = cmd(&rig.control, "server.restart", json!({})).await;
    assert!(
        restarted["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("ws://"))
    );
    check_model(&rig.engine);
}

// ---- the workspace --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_save_writes_a_file_that_loads_back() {
    let rig = rig().await;
    let e = cmd_err(&rig.control, "workspace.save", json!({})).await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("choose where"), "{}", e.message);

    cmd(
        &rig.control,
        "state.set",
        json!({"path": "saved", "value": [1, "two"]}),
    )
    .await;
    let file = rig.dir.path().join("saved.workspace.json");
    let answer = cmd(
        &rig.control,
        "workspace.save",
        json!({"path": file.display().to_string()}),
    )
    .await;
    assert_eq!(answer, json!({"path": file.display().to_string()}));
    wait_at(
        rig.control.state(),
        "/workspace/path",
        json!(file.display().to_string()),
    )
    .await;
    let loaded = Workspace::load(&file).expect("the saved file loads");
    assert_eq!(loaded, rig.engine.workspace());
    assert_eq!(loaded.initial_state["saved"], json!([1, "two"]));
    assert_eq!(loaded.rules.len(), 8);
    let got = cmd(&rig.control, "workspace.get", json!({})).await;
    assert_eq!(got, serde_json::to_value(&loaded).expect("json"));

    // Saved again where it came from; a newer file there is not overwritten.
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "again", "value": true}),
    )
    .await;
    cmd(&rig.control, "workspace.save", json!({})).await;
    assert_eq!(
        Workspace::load(&file).expect("load").initial_state["again"],
        json!(true)
    );
    std::fs::write(&file, r#"{"version": 99}"#).expect("write");
    let e = cmd_err(&rig.control, "workspace.save", json!({})).await;
    assert_eq!(e.code, "workspace", "{}", e.message);
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        r#"{"version": 99}"#
    );
    check_model(&rig.engine);
}

// ---- remote sessions ------------------------------------------------------------

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_sessions_mirror_notify_send_and_disconnect() {
    let mut rig = rig().await;
    let model = rig.control.state();
    let (server, state) = remote_server().await;

    let answer = cmd(
        &rig.control,
        "remote.connect",
        json!({"target": {"url": server.url()}}),
    )
    .await;
    let id = answer["id"].as_str().expect("id").to_owned();
    let at = |p: &str| format!("/remotes/{id}{p}");
    wait_at(model, &at("/status"), json!({"kind": "connected"})).await;
    wait_at(model, &at("/state"), json!({"temp": 20})).await;
    wait_at(model, &at("/target/url"), json!(server.url())).await;

    state.set(juggler::path!["temp"], json!(21));
    wait_at(model, &at("/state/temp"), json!(21)).await;
    state.set(juggler::path!["alarms"], json!(["hot"]));
    wait_at(model, &at("/state"), json!({"temp": 21, "alarms": ["hot"]})).await;

    // The mirrored state came from it: the server knows the connection.
    let conn = server
        .connections()
        .into_iter()
        .next()
        .expect("the session's connection");
    conn.notify("alarm", json!({"level": 3}))
        .await
        .expect("notify");
    let event = next_named(&mut rig.events, "remote.notify").await;
    assert_eq!(
        event,
        json!({"session": id, "name": "alarm", "data": {"level": 3}})
    );
    let kept = wait_for(model, "the kept notification", |m| {
        m.pointer(&at("/notifications/0")).cloned()
    })
    .await;
    assert_eq!(kept["name"], json!("alarm"));
    assert_eq!(kept["data"], json!({"level": 3}));

    assert_eq!(
        cmd(
            &rig.control,
            "remote.send",
            json!({"id": id, "name": "echo", "data": [1, 2]}),
        )
        .await,
        json!([1, 2])
    );
    let e = cmd_err(
        &rig.control,
        "remote.send",
        json!({"id": id, "name": "boom"}),
    )
    .await;
    assert_eq!(e.code, "remoteError");
    assert_eq!(e.data, Some(json!({"bad": "boom"})));
    let e = cmd_err(
        &rig.control,
        "remote.send",
        json!({"id": "r999", "name": "echo"}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    // The requests and their answers are kept, oldest first.
    let requests = wait_for(model, "two remote requests in the model", |m| {
        let list = m.pointer(&at("/requests"))?.as_array()?.clone();
        (list.len() == 2).then_some(list)
    })
    .await;
    assert_eq!(requests[0]["name"], json!("echo"));
    assert_eq!(requests[0]["success"], json!(true));
    assert_eq!(requests[0]["answer"], json!([1, 2]));
    assert_eq!(requests[1]["success"], json!(false));
    assert_eq!(requests[1]["answer"], json!({"bad": "boom"}));
    assert!(requests[1]["rttMs"].as_f64().is_some());
    wait_for(model, "a round-trip time", |m| {
        m.pointer(&at("/rttMs"))?.as_f64()
    })
    .await;
    check_model(&rig.engine);

    cmd(&rig.control, "remote.disconnect", json!({"id": id})).await;
    wait_gone(model, &format!("/remotes/{id}")).await;
    within("the session's connection to close", conn.wait_closed()).await;
    let e = cmd_err(&rig.control, "remote.disconnect", json!({"id": id})).await;
    assert_eq!(e.code, "invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_sessions_that_cannot_connect() {
    let rig = rig().await;
    let model = rig.control.state();

    // Refused at once: nothing is left in the model.
    for target in [
        json!({"url": "http://127.0.0.1:1/ws"}),
        json!({"url": "ws://127.0.0.1:1/ws", "generation": "0.9"}),
    ] {
        let e = cmd_err(&rig.control, "remote.connect", json!({"target": target})).await;
        assert_eq!(e.code, "invalid", "{}", e.message);
    }
    let e = cmd_err(
        &rig.control,
        "remote.connect",
        json!({"target": {"nope": 1}}),
    )
    .await;
    assert!(e.message.starts_with("target"), "{}", e.message);
    assert_eq!(rig.engine.model().data()["remotes"], json!({}));

    // Nobody listens: the session says why and when it retries.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let answer = cmd(
        &rig.control,
        "remote.connect",
        json!({"url": format!("ws://127.0.0.1:{port}/ws"), "user": "me", "password": "secret"}),
    )
    .await;
    let id = answer["id"].as_str().expect("id").to_owned();
    let status = wait_for(model, "a disconnected status", |m| {
        let s = m.pointer(&format!("/remotes/{id}/status"))?;
        (s["kind"] == json!("disconnected")).then(|| s.clone())
    })
    .await;
    assert!(
        status["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{status}"
    );
    assert!(
        status["retryInMs"].as_u64().is_some_and(|ms| ms >= 500),
        "{status}"
    );
    let target = rig.engine.model().data()["remotes"][&id]["target"].clone();
    assert_eq!(target["user"], json!("me"));
    assert!(
        target.get("password").is_none(),
        "the password is published: {target}"
    );
    check_model(&rig.engine);
    cmd(&rig.control, "remote.disconnect", json!({"id": id})).await;
    wait_at(model, "/remotes", json!({})).await;
}

#[tokio::test]
async fn notify_presets_are_replaced_and_saved() {
    let rig = rig().await;
    let model = rig.control.state();
    let presets = json!([{"name": "alarm", "data": {"level": 3}}, {"name": "log", "data": "x"}]);
    cmd(&rig.control, "notify.presets", json!({"presets": presets})).await;
    wait_at(model, "/workspace/notifyPresets", presets.clone()).await;
    let ws = cmd(&rig.control, "workspace.get", json!({})).await;
    assert_eq!(ws["notifyPresets"], presets);
    let e = cmd_err(
        &rig.control,
        "notify.presets",
        json!({"presets": [{"nam": "x"}]}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("notify presets"), "{}", e.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_open_replaces_rules_state_and_settings_and_restarts_the_server() {
    let rig = rig().await;
    let model = rig.control.state();
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "before", "value": 1}),
    )
    .await;
    let dashboard = client(&rig.dashboard_url).await.0;
    wait_for(dashboard.state(), "the dashboard's state", |s| {
        s.get("before").map(|_| ())
    })
    .await;

    // A file that does not parse changes nothing and names the line.
    let bad = rig.dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"version\": 1,\n  \"rules\": 5\n}").expect("write");
    let e = cmd_err(
        &rig.control,
        "workspace.open",
        json!({"path": bad.display().to_string()}),
    )
    .await;
    assert_eq!(e.code, "workspace", "{}", e.message);
    assert!(e.message.contains("rules"), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "workspace.open",
        json!({"path": "/nonexistent/x.json"}),
    )
    .await;
    assert_eq!(e.code, "io", "{}", e.message);
    wait_at(model, "/state/before", json!(1)).await;
    assert_eq!(
        rig.engine.workspace().initial_state["before"],
        json!(1),
        "a failed open changed the state"
    );

    let file = rig.dir.path().join("other.json");
    std::fs::write(
        &file,
        r#"{"version": 1, "server": {"port": 0, "noCache": true},
            "initialState": {"other": true},
            "rules": [{"id": "only", "match": {"name": {"exact": "only"}}, "action": "echo"}],
            "notifyPresets": [{"name": "p", "data": 1}]}"#,
    )
    .expect("write");
    let answer = cmd(
        &rig.control,
        "workspace.open",
        json!({"path": file.display().to_string()}),
    )
    .await;
    assert_eq!(answer, json!({"path": file.display().to_string()}));
    wait_at(model, "/state", json!({"other": true})).await;
    wait_at(model, "/workspace/path", json!(file.display().to_string())).await;
    wait_at(model, "/server/settings/noCache", json!(true)).await;
    wait_at(model, "/server/status", json!("running")).await;
    assert_eq!(
        model
            .get(juggler::path!["rules"])
            .map(|r| r.as_array().map(Vec::len)),
        Some(Some(1))
    );
    assert_eq!(model.get(juggler::path!["history", "undo"]), Some(json!(0)));
    // The old server's dashboards were closed with it; a new one sees the
    // new state.
    within("the old dashboard to close", dashboard.wait_closed()).await;
    let url = model
        .get(juggler::path!["server", "url"])
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("server url");
    let fresh = client(&url).await.0;
    wait_for(fresh.state(), "the new state", |s| {
        s.get("other").map(|_| ())
    })
    .await;
    assert_eq!(
        fresh.send("only", json!("x")).await.expect("echo"),
        json!("x")
    );
    check_model(&rig.engine);
}

#[tokio::test]
async fn remote_bookmarks_are_replaced_and_saved() {
    let rig = rig().await;
    let model = rig.control.state();
    let bookmarks = json!([
        {"name": "plant", "url": "wss://plant.example:8443/ws", "generation": "0.7",
         "user": "op", "trust": {"caFile": "ca.pem"}},
        {"name": "local", "url": "ws://127.0.0.1:1234/ws", "generation": "0.6", "trust": "system"}
    ]);
    cmd(
        &rig.control,
        "remote.bookmarks",
        json!({"bookmarks": bookmarks}),
    )
    .await;
    wait_at(model, "/workspace/remotes", bookmarks.clone()).await;
    let ws = cmd(&rig.control, "workspace.get", json!({})).await;
    assert_eq!(ws["remotes"], bookmarks);
    let e = cmd_err(
        &rig.control,
        "remote.bookmarks",
        json!([{"name": "web", "url": "http://x/ws"}]),
    )
    .await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("ws://"), "{}", e.message);
    let e = cmd_err(&rig.control, "remote.bookmarks", json!([{"url": "ws://x"}])).await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("name"), "{}", e.message);
    wait_at(model, "/workspace/remotes", bookmarks).await;
}

// ---- record and replay -----------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_dashboard_session_replays_to_another_dashboard_state_for_state() {
    // Record what one dashboard of the first studio sees and asks.
    let rig = rig().await;
    let (dashboard, mut dash_events) = client(&rig.dashboard_url).await;
    wait_for(dashboard.state(), "the dashboard's state", |s| {
        s.get("counter").map(|_| ())
    })
    .await;
    let id = new_connection(rig.control.state(), &[]).await;
    let file = rig.dir.path().join("session.ndjson");
    let e = cmd_err(
        &rig.control,
        "record.start",
        json!({"path": file.display().to_string()}),
    )
    .await;
    assert_eq!(e.code, "invalid", "{}", e.message);
    let rec = cmd(
        &rig.control,
        "record.start",
        json!({"connection": id, "path": file.display().to_string()}),
    )
    .await;
    let rec_id = rec["id"].as_str().expect("id").to_owned();
    wait_at(
        rig.control.state(),
        &format!("/recordings/{rec_id}/peer"),
        json!({"connection": id}),
    )
    .await;
    for i in 1..=5 {
        cmd(
            &rig.control,
            "state.set",
            json!({"path": "counter", "value": i}),
        )
        .await;
        wait_at(dashboard.state(), "/counter", json!(i)).await;
    }
    cmd(
        &rig.control,
        "state.set",
        json!({"path": ["alarms"], "value": [{"id": 1, "active": true}]}),
    )
    .await;
    cmd(
        &rig.control,
        "notify.send",
        json!({"name": "alarm", "data": {"id": 1}}),
    )
    .await;
    next_named(&mut dash_events, "alarm").await;
    assert_eq!(
        dashboard
            .send("greet", json!({"name": "ann"}))
            .await
            .expect("greet"),
        json!("hello ann")
    );
    assert!(dashboard.send("fail.now", json!(1)).await.is_err());
    cmd(&rig.control, "state.remove", json!({"path": ["alarms", 0]})).await;
    wait_at(dashboard.state(), "/alarms", json!([])).await;
    let info = cmd(&rig.control, "record.stop", json!({"id": rec_id})).await;
    wait_gone(rig.control.state(), &format!("/recordings/{rec_id}")).await;
    let recording = studio::recording::Recording::read(&file).expect("the file reads back");
    assert_eq!(info["entries"], json!(recording.entries.len()));
    assert_eq!(recording.header.source, format!("connection {id}"));
    let kinds: Vec<&str> = recording.entries.iter().map(|e| e.event.kind()).collect();
    assert_eq!(kinds[0], "state", "{kinds:?}");
    for k in ["state", "notify", "request", "response"] {
        assert!(kinds.contains(&k), "no {k} in {kinds:?}");
    }
    let timeline = studio::recording::Timeline::new(recording.entries.clone()).expect("timeline");
    let end = timeline.state_at(usize::MAX).expect("state");
    assert_eq!(
        end,
        dashboard.state().data(),
        "the recording ends where the dashboard is"
    );

    // Replay it in a second studio, with no rules for those requests.
    let other = rig_with(r#"{"version": 1, "server": {"port": 0, "autoflush": 0}}"#).await;
    let (viewer, mut viewer_events) = client(&other.dashboard_url).await;
    let loaded = cmd(
        &other.control,
        "replay.load",
        json!({"path": file.display().to_string()}),
    )
    .await;
    assert_eq!(loaded["entries"], json!(recording.entries.len()));
    assert_eq!(loaded["step"], json!(0));
    // The served state is the workspace's, not the recording's, until a seek.
    assert_eq!(loaded["served"], json!(false));
    // Step by step: after each state entry the viewer has exactly the
    // recorded state, byte for byte.
    for step in 1..=recording.entries.len() {
        let entry = cmd(&other.control, "replay.step", json!({})).await;
        assert_eq!(
            entry["kind"],
            json!(recording.entries[step - 1].event.kind())
        );
        let want = timeline.state_at(step).expect("state");
        let want_text = serde_json::to_string(&want).expect("json");
        wait_for(viewer.state(), &format!("the state of step {step}"), |s| {
            (serde_json::to_string(s).ok()? == want_text).then_some(())
        })
        .await;
        if entry["kind"] == "notify" {
            assert_eq!(
                next_named(&mut viewer_events, "alarm").await,
                json!({"id": 1})
            );
        }
    }
    assert_eq!(
        cmd(&other.control, "replay.step", json!({})).await,
        Value::Null
    );
    wait_at(
        other.control.state(),
        "/replay/step",
        json!(recording.entries.len()),
    )
    .await;
    // Recorded requests get the recorded answers; others the rules', else null.
    assert_eq!(
        viewer
            .send("greet", json!({"name": "ann"}))
            .await
            .expect("recorded"),
        json!("hello ann")
    );
    match viewer.send("fail.now", json!(1)).await {
        Err(juggler::Error::Juggler(data)) => assert_eq!(data, json!({"why": "refused"})),
        other => panic!("expected the recorded failure, got {other:?}"),
    }
    // One the recording never saw, that no rule answers: null (the
    // workspace's "unanswered" default while replaying), not an error a
    // page would throw on.
    assert_eq!(
        viewer
            .send("greet", json!({"name": "bob"}))
            .await
            .expect("answered"),
        Value::Null
    );

    // Stepped from the workspace's state: `/state` is not said to be the
    // recording's.
    assert_eq!(
        other.control.state().data().pointer("/replay/served"),
        Some(&json!(false))
    );

    // Seek, then play to the end at speed.
    let seek = cmd(&other.control, "replay.seek", json!({"step": 2})).await;
    assert_eq!(seek["step"], json!(2));
    assert_eq!(
        seek["served"],
        json!(true),
        "a seek sets the recording's state"
    );
    let want = timeline.state_at(2).expect("state");
    wait_for(viewer.state(), "the sought state", |s| {
        (s == &want).then_some(())
    })
    .await;
    cmd(&other.control, "replay.play", json!({"speed": 1000})).await;
    wait_at(other.control.state(), "/replay/playing", json!(false)).await;
    wait_at(
        other.control.state(),
        "/replay/step",
        json!(recording.entries.len()),
    )
    .await;
    wait_for(viewer.state(), "the final state", |s| {
        (s == &end).then_some(())
    })
    .await;
    // Played on from the seek: `/state` is still exactly the recording's,
    // the Replay pane shows it as such...
    wait_at(other.control.state(), "/replay/served", json!(true)).await;
    // (The model's `/replay` and `/state` may come in different messages.)
    wait_at(other.control.state(), "/state", end.clone()).await;
    // ...until something else changes it.
    cmd(
        &other.control,
        "state.set",
        json!({"path": ["edited"], "value": true}),
    )
    .await;
    wait_at(other.control.state(), "/replay/served", json!(false)).await;
    // A seek makes it the recording's again.
    cmd(&other.control, "replay.seek", json!({"step": 1})).await;
    wait_at(other.control.state(), "/replay/served", json!(true)).await;
    // Seeking on from there applies the entries' diffs: the same state.
    for step in [3, recording.entries.len(), 2] {
        let seek = cmd(&other.control, "replay.seek", json!({"step": step})).await;
        assert_eq!(
            (seek["step"].clone(), seek["served"].clone()),
            (json!(step), json!(true))
        );
        let want = timeline.state_at(step).expect("state");
        wait_for(viewer.state(), &format!("the state of step {step}"), |s| {
            (s == &want).then_some(())
        })
        .await;
        wait_for(other.control.state(), "the model's /state", |m| {
            (m.pointer("/state") == Some(&want)).then_some(())
        })
        .await;
    }
    let e = cmd_err(&other.control, "replay.play", json!({"speed": 0})).await;
    assert_eq!(e.code, "invalid");

    // The timeline answers per-path questions.
    let history = cmd(
        &other.control,
        "timeline.history",
        json!({"pointer": "/counter"}),
    )
    .await;
    let values: Vec<Value> = history
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["value"].clone())
        .collect();
    assert_eq!(
        values,
        vec![json!(0), json!(1), json!(2), json!(3), json!(4), json!(5)]
    );
    let entries = cmd(
        &other.control,
        "timeline.entries",
        json!({"from": 1, "limit": 2}),
    )
    .await;
    assert_eq!(entries.as_array().map(Vec::len), Some(2));
    // Small entries are whole in a brief list too.
    let brief = cmd(
        &other.control,
        "timeline.entries",
        json!({"from": 1, "limit": 2, "brief": true}),
    )
    .await;
    assert_eq!(brief, entries);
    // The scrubber's times, without the entries.
    let times = cmd(&other.control, "timeline.times", json!({})).await;
    let recorded: Vec<f64> = recording.entries.iter().map(|e| e.t).collect();
    assert_eq!(times, json!(recorded));
    // Past the end: none, not an error.
    let past = cmd(
        &other.control,
        "timeline.entries",
        json!({"from": 1_000_000, "limit": 2}),
    )
    .await;
    assert_eq!(past, json!([]));
    cmd(&other.control, "replay.stop", json!({})).await;
    wait_at(other.control.state(), "/replay", Value::Null).await;
    let e = cmd_err(&other.control, "timeline.state", json!({"step": 0})).await;
    assert!(e.message.contains("replay.load"), "{}", e.message);
    check_model(&other.engine);
    check_model(&rig.engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_stops_when_its_connection_closes() {
    let rig = rig().await;
    let dashboard = client(&rig.dashboard_url).await.0;
    let id = new_connection(rig.control.state(), &[]).await;
    let file = rig.dir.path().join("closing.ndjson");
    let rec = cmd(
        &rig.control,
        "record.start",
        json!({"connection": id, "path": file.display().to_string()}),
    )
    .await;
    let rec_id = rec["id"].as_str().expect("id").to_owned();
    cmd(&rig.control, "state.set", json!({"path": "x", "value": 1})).await;
    wait_at(dashboard.state(), "/x", json!(1)).await;
    // Seen running first: "gone" before it appeared would prove nothing
    // (the recorder writes a batch of frames after the tap saw them).
    let running = format!("/recordings/{rec_id}/id");
    wait_at(rig.control.state(), &running, json!(rec_id)).await;
    drop(dashboard);
    wait_gone(rig.control.state(), &format!("/recordings/{rec_id}")).await;
    let recording = studio::recording::Recording::read(&file).expect("read");
    let tl = studio::recording::Timeline::new(recording.entries).expect("timeline");
    assert_eq!(tl.state_at(usize::MAX).expect("state")["x"], json!(1));
    let e = cmd_err(
        &rig.control,
        "record.start",
        json!({"connection": 999, "path": file.display().to_string()}),
    )
    .await;
    assert!(e.message.contains("no connection 999"), "{}", e.message);
}

// ---- proxy -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_relays_both_ways_logs_both_sides_and_overrides_paths() {
    let rig = rig().await;
    let model = rig.control.state();
    let (upstream, upstream_state) = remote_server().await;
    let e = cmd_err(
        &rig.control,
        "proxy.start",
        json!({"upstream": {"url": "http://nope"}}),
    )
    .await;
    assert!(e.message.contains("not a WebSocket URL"), "{}", e.message);
    let info = cmd(
        &rig.control,
        "proxy.start",
        json!({"upstream": {"url": upstream.url()}}),
    )
    .await;
    let id = info["id"].as_str().expect("id").to_owned();
    let url = info["url"].as_str().expect("url").to_owned();
    let (browser, mut browser_events) = client(&url).await;
    wait_at(browser.state(), "/temp", json!(20)).await;
    wait_at(model, &format!("/proxies/{id}/connections"), json!(1)).await;
    let browser_id = wait_for(model, "the browser's id", |m| {
        m.pointer(&format!("/proxies/{id}/browsers/0"))?.as_u64()
    })
    .await;
    // What the proxy sends this browser can be recorded.
    let file = rig.dir.path().join("proxied.ndjson");
    let rec = cmd(
        &rig.control,
        "record.start",
        json!({"proxy": id, "connection": browser_id, "path": file.display().to_string()}),
    )
    .await;

    // Upstream → browser: state and notifications.
    upstream_state.set(juggler::path!["temp"], json!(21));
    wait_at(browser.state(), "/temp", json!(21)).await;
    for conn in upstream.connections() {
        conn.notify("alarm", &json!({"level": 2}))
            .await
            .expect("notify");
    }
    assert_eq!(
        next_named(&mut browser_events, "alarm").await,
        json!({"level": 2})
    );
    // Browser → upstream: requests and their answers, failures included.
    assert_eq!(
        browser.send("echo", json!([1, 2])).await.expect("echo"),
        json!([1, 2])
    );
    match browser.send("boom", json!(null)).await {
        Err(juggler::Error::Juggler(data)) => assert_eq!(data, json!({"bad": "boom"})),
        other => panic!("expected the upstream's failure, got {other:?}"),
    }

    // What if: the browser sees the override, the upstream is untouched.
    cmd(
        &rig.control,
        "proxy.override",
        json!({"id": id, "pointer": "/temp", "value": 99}),
    )
    .await;
    wait_at(browser.state(), "/temp", json!(99)).await;
    upstream_state.set(juggler::path!["other"], json!(true));
    wait_at(browser.state(), "/other", json!(true)).await;
    assert_eq!(browser.state().get(juggler::path!["temp"]), Some(json!(99)));
    assert_eq!(upstream_state.get(juggler::path!["temp"]), Some(json!(21)));
    wait_at(
        model,
        &format!("/proxies/{id}/overrides"),
        json!({"/temp": 99}),
    )
    .await;
    cmd(
        &rig.control,
        "proxy.override",
        json!({"id": id, "pointer": "/temp"}),
    )
    .await;
    wait_at(browser.state(), "/temp", json!(21)).await;
    let info = cmd(&rig.control, "record.stop", json!({"id": rec["id"]})).await;
    assert!(info["entries"].as_u64().unwrap_or(0) >= 4, "{info}");
    let recording = studio::recording::Recording::read(&file).expect("read");
    let states: Vec<Value> = {
        let tl = studio::recording::Timeline::new(recording.entries.clone()).expect("timeline");
        (0..=recording.entries.len())
            .map(|i| tl.state_at(i).expect("state")["temp"].clone())
            .collect()
    };
    // The browser saw 20, 21, the override 99, then 21 again.
    assert!(
        states.contains(&json!(99)) && states.last() == Some(&json!(21)),
        "{states:?}"
    );
    let kinds: Vec<&str> = recording.entries.iter().map(|e| e.event.kind()).collect();
    assert!(
        kinds.contains(&"notify") && kinds.contains(&"request"),
        "{kinds:?}"
    );

    // Both sides are in the traffic log.
    let requests = cmd(
        &rig.control,
        "traffic.query",
        json!({"filter": {"kinds": ["request"], "name": "echo"}}),
    )
    .await;
    let sides: Vec<&str> = requests
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["peer"]["proxy"]["side"].as_str())
        .collect();
    assert!(
        sides.contains(&"browser") && sides.contains(&"upstream"),
        "{requests:#}"
    );
    // The filter `proxy` takes this proxy's traffic, both sides, and only it
    // (asked after the whole log, it holds at least that log's entries of it).
    let everything = cmd(&rig.control, "traffic.query", json!({})).await;
    let mine = cmd(
        &rig.control,
        "traffic.query",
        json!({"filter": {"proxy": id}}),
    )
    .await;
    let mine = mine.as_array().expect("list");
    let of_this_proxy = |e: &Value| e["peer"]["proxy"]["proxy"].as_str() == Some(id.as_str());
    assert!(mine.iter().all(of_this_proxy), "{mine:#?}");
    for side in ["browser", "upstream"] {
        assert!(
            mine.iter()
                .any(|e| e["peer"]["proxy"]["side"].as_str() == Some(side)),
            "no {side} side in {mine:#?}"
        );
    }
    let mine_seqs: Vec<&Value> = mine.iter().map(|e| &e["seq"]).collect();
    for e in everything.as_array().expect("list") {
        assert_eq!(
            of_this_proxy(e),
            mine_seqs.contains(&&e["seq"]),
            "{e:#} and {mine:#?}"
        );
    }
    let text = cmd(
        &rig.control,
        "traffic.export",
        json!({"filter": {"proxy": id, "kinds": ["request"], "name": "echo"}}),
    )
    .await;
    assert_eq!(
        text.as_str().expect("text").lines().count(),
        sides.len(),
        "{text}"
    );
    let none = cmd(
        &rig.control,
        "traffic.query",
        json!({"filter": {"proxy": "p-none"}}),
    )
    .await;
    assert_eq!(none, json!([]));

    // The browser leaves: its upstream connection goes too.
    drop(browser);
    wait_at(model, &format!("/proxies/{id}/connections"), json!(0)).await;
    wait_at(model, &format!("/proxies/{id}/browsers"), json!([])).await;
    within("the upstream connection to close", async {
        while !upstream.connections().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    check_model(&rig.engine);
    cmd(&rig.control, "proxy.stop", json!({"id": id})).await;
    wait_gone(model, &format!("/proxies/{id}")).await;
    assert!(
        ClientBuilder::new(&url).connect().await.is_err(),
        "the proxy stopped listening"
    );
}

// ---- fault injection -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_hold_state_skip_pings_refuse_and_drop() {
    let rig = rig().await;
    let model = rig.control.state();
    let first = client(&rig.dashboard_url).await.0;
    let id = new_connection(model, &[]).await;
    wait_at(first.state(), "/counter", json!(0)).await;

    // One connection: keep-alive pings go unanswered, named requests not.
    cmd(
        &rig.control,
        "faults.set",
        json!({"connection": id, "settings": {"ignoreEmptyRequests": true}}),
    )
    .await;
    wait_at(
        model,
        &format!("/faults/connections/{id}/ignoreEmptyRequests"),
        json!(true),
    )
    .await;
    assert!(
        tokio::time::timeout(Duration::from_millis(300), first.ping())
            .await
            .is_err(),
        "the ping was answered"
    );
    assert_eq!(
        within("respond", first.send("respond", json!(null)))
            .await
            .expect("answer"),
        json!({"ok": true})
    );
    let e = cmd_err(
        &rig.control,
        "faults.set",
        json!({"settings": {"holdStat": true}}),
    )
    .await;
    assert!(e.message.contains("holdStat"), "{}", e.message);

    // Every connection, new ones too: state is held back until cleared.
    cmd(
        &rig.control,
        "faults.set",
        json!({"settings": {"holdState": true}}),
    )
    .await;
    wait_at(model, "/faults/all/holdState", json!(true)).await;
    let second = client(&rig.dashboard_url).await.0;
    let id2 = new_connection(model, &[id]).await;
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "counter", "value": 7}),
    )
    .await;
    within("a request", second.send("respond", json!(null)))
        .await
        .expect("answer");
    assert_eq!(
        second.state().data(),
        Value::Null,
        "held state reached the new connection"
    );
    cmd(&rig.control, "faults.clear", json!({})).await;
    wait_at(second.state(), "/counter", json!(7)).await;
    wait_at(first.state(), "/counter", json!(7)).await;
    wait_at(
        model,
        "/faults",
        json!({"all": null, "connections": {}, "refuseUntil": null}),
    )
    .await;

    // Refuse new connections for a while; open ones go on.
    cmd(&rig.control, "server.refuse", json!({"ms": 60000})).await;
    let refused = ClientBuilder::new(&rig.dashboard_url).connect().await;
    let err = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("503") && err.contains("refusing"), "{err}");
    assert!(first.send("respond", json!(null)).await.is_ok());
    cmd(&rig.control, "server.refuse", json!({"ms": 0})).await;
    let third = client(&rig.dashboard_url).await.0;
    wait_at(third.state(), "/counter", json!(7)).await;

    // Drop one connection without a close frame.
    cmd(&rig.control, "connection.drop", json!({"id": id2})).await;
    within("the dropped connection to close", second.wait_closed()).await;
    wait_gone(model, &format!("/connections/{id2}")).await;
    let e = cmd_err(&rig.control, "connection.drop", json!({"id": id2})).await;
    assert_eq!(e.code, "invalid");
    check_model(&rig.engine);
}

// ---- scenarios and schemas, live ---------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_and_schemas_set_live_and_save_with_the_workspace() {
    let rig = rig().await;
    let model = rig.control.state();
    assert_eq!(model.data()["workspace"]["scenarios"], json!([]));
    assert_eq!(model.data()["workspace"]["schemas"], Value::Null);

    // Set scenarios, then run one: it passes.
    let scenarios = json!([
        {"name": "count", "description": "the counter moves",
         "steps": [
            {"setState": {"path": ["counter"], "value": 5}},
            {"expectState": {"path": ["counter"], "value": 5, "withinMs": 2000}}
         ]},
        {"name": "idle", "steps": [{"wait": {"ms": 1}}]}
    ]);
    cmd(
        &rig.control,
        "scenarios.set",
        json!({"scenarios": scenarios.clone()}),
    )
    .await;
    wait_at(model, "/workspace/scenarios", scenarios.clone()).await;
    let report = cmd(&rig.control, "scenario.run", json!({"name": "count"})).await;
    assert_eq!(report["passed"], json!(true), "{report}");
    assert_eq!(report["steps"], json!(2), "{report}");

    // A bad list is refused, naming the field, and changes nothing.
    let e = cmd_err(
        &rig.control,
        "scenarios.set",
        json!([{"name": "a", "steps": []}, {"name": "b", "steps": [{"wait": {"ms": "soon"}}]}]),
    )
    .await;
    assert_eq!(e.code, "invalid", "{}", e.message);
    assert!(
        e.message.contains("scenarios[1].steps[0].wait.ms"),
        "{}",
        e.message
    );
    let e = cmd_err(
        &rig.control,
        "scenarios.set",
        json!([{"name": "a", "steps": []}, {"name": "a", "steps": []}]),
    )
    .await;
    assert_eq!(e.code, "invalid", "{}", e.message);
    assert!(e.message.contains("scenarios[1].name"), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "scenarios.set",
        json!([{"name": "w", "steps": [{"wait": {"ms": 99_999_999}}]}]),
    )
    .await;
    assert!(
        e.message.contains("scenarios[0].steps[0].wait.ms"),
        "{}",
        e.message
    );
    assert_eq!(model.data()["workspace"]["scenarios"], scenarios);
    assert_eq!(
        json!(rig.engine.workspace().scenarios),
        scenarios,
        "a refused list changed the workspace"
    );

    // Refused while one runs.
    cmd(
        &rig.control,
        "scenarios.set",
        json!([{"name": "long", "steps": [{"wait": {"ms": 60000}}]}]),
    )
    .await;
    cmd(
        &rig.control,
        "scenario.run",
        json!({"name": "long", "wait": false}),
    )
    .await;
    let e = cmd_err(&rig.control, "scenarios.set", json!([])).await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("is running"), "{}", e.message);
    assert_eq!(
        cmd(&rig.control, "scenario.stop", json!({})).await,
        json!(true)
    );
    wait_at(model, "/scenario/running", json!(false)).await;
    cmd(&rig.control, "scenarios.set", json!(scenarios.clone())).await;
    wait_at(model, "/workspace/scenarios", scenarios.clone()).await;

    // A schema that does not compile is refused and changes nothing.
    let e = cmd_err(
        &rig.control,
        "schemas.set",
        json!({"schemas": {"state": {"type": "nonsense"}}}),
    )
    .await;
    assert_eq!(e.code, "invalid", "{}", e.message);
    assert!(e.message.contains("schemas.state"), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "schemas.set",
        json!({"schemas": {"state": {}, "extra": 1}}),
    )
    .await;
    assert!(
        e.message.starts_with("invalid schemas: schemas"),
        "{}",
        e.message
    );
    assert_eq!(model.data()["workspace"]["schemas"], Value::Null);

    // schemas.set: a state edit that breaks the schema shows up.
    let schemas = json!({
        "state": {"type": "object", "properties": {"counter": {"type": "integer"}}},
        "requests": {"greet": {"type": "object", "required": ["name"]}}
    });
    cmd(
        &rig.control,
        "schemas.set",
        json!({"schemas": schemas.clone()}),
    )
    .await;
    wait_at(model, "/workspace/schemas", schemas.clone()).await;
    assert_eq!(model.data()["schemaViolations"], json!([]));
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "counter", "value": "many"}),
    )
    .await;
    let found = wait_for(model, "a state violation", |m| {
        m["schemaViolations"]
            .as_array()?
            .iter()
            .find(|v| v["kind"] == json!("state"))
            .cloned()
    })
    .await;
    assert_eq!(found["pointer"], json!("/counter"), "{found}");
    // Set again: the list is reset, and the state still breaks the schema.
    cmd(&rig.control, "schemas.set", schemas.clone()).await;
    wait_for(model, "the violation found again after the reset", |m| {
        let list = m["schemaViolations"].as_array()?;
        (list.len() == 1 && list[0]["pointer"] == json!("/counter")).then_some(())
    })
    .await;
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "counter", "value": 1}),
    )
    .await;

    // workspace.save, then open again: both are kept.
    let file = rig.dir.path().join("live.workspace.json");
    cmd(
        &rig.control,
        "workspace.save",
        json!({"path": file.display().to_string()}),
    )
    .await;
    let loaded = Workspace::load(&file).expect("the saved file loads");
    assert_eq!(json!(loaded.scenarios), scenarios);
    assert_eq!(json!(loaded.schemas), schemas);
    let got = cmd(&rig.control, "workspace.get", json!({})).await;
    assert_eq!(got["scenarios"], scenarios);
    assert_eq!(got["schemas"], schemas);
    cmd(&rig.control, "schemas.set", json!(null)).await;
    cmd(&rig.control, "scenarios.set", json!([])).await;
    wait_at(model, "/workspace/schemas", Value::Null).await;
    wait_at(model, "/workspace/scenarios", json!([])).await;
    cmd(
        &rig.control,
        "workspace.open",
        json!({"path": file.display().to_string()}),
    )
    .await;
    wait_at(model, "/workspace/scenarios", scenarios.clone()).await;
    wait_at(model, "/workspace/schemas", schemas.clone()).await;
    let report = cmd(&rig.control, "scenario.run", json!({"name": "count"})).await;
    assert_eq!(report["passed"], json!(true), "{report}");
    check_model(&rig.engine);
}
