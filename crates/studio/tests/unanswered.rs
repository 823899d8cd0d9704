//! A request that nothing answers (no scenario, no replayed answer, no
//! rule): in a replay — whose recording, made with `record`, holds no
//! requests — it gets `null` and a warning by default, so that a page goes
//! on; outside a replay, and wherever the workspace says `"unanswered":
//! "error"`, it gets the error "no rule for NAME". Rules still come first.

use std::time::Duration;

use juggler::ClientBuilder;
use serde_json::{Value, json};
use studio::engine::Engine;
use studio::traffic::{TrafficEntry, TrafficFilter, TrafficKind};
use studio::workspace::{Unanswered, Workspace};

const RECORDING: &str = "{\"format\":\"juggler-studio-recording\",\"version\":1,\"generation\":\"0.6\",\
    \"startedAt\":1,\"url\":\"ws://plant/ws\",\"source\":\"record ws://plant/ws\"}\n\
    {\"t\":0,\"kind\":\"state\",\"diff\":[{\"op\":\"replace\",\"path\":\"\",\"value\":{\"a\":1}}]}\n";

async fn ask(unanswered: Option<Unanswered>, replay: bool, name: &str) -> Result<Value, String> {
    ask_and_log(unanswered, replay, name).await.0
}

/// The answer, and the traffic log after it.
async fn ask_and_log(
    unanswered: Option<Unanswered>,
    replay: bool,
    name: &str,
) -> (Result<Value, String>, Vec<TrafficEntry>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let recording = dir.path().join("r.ndjson");
    std::fs::write(&recording, RECORDING).expect("write the recording");
    let ws: Workspace = serde_json::from_value(json!({
        "version": 1,
        "server": {"port": 0, "autoflush": 0},
        "rules": [{"id": "known", "match": {"name": {"exact": "known"}},
                   "action": {"respond": {"value": {"ok": true}}}}],
    }))
    .expect("a workspace");
    let ws = Workspace { unanswered, ..ws };
    let engine = Engine::new(ws, None).expect("engine");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = engine.start_server(Some(listener)).await.expect("start");
    if replay {
        engine
            .replay_load(&recording)
            .await
            .expect("load the recording");
    }
    let client = ClientBuilder::new(url).connect().await.expect("connect");
    let answer = tokio::time::timeout(Duration::from_secs(10), client.send(name, json!({"x": 1})))
        .await
        .expect("an answer in time");
    engine.stop_server().await.expect("stop");
    let log = engine.traffic_query(&TrafficFilter::default(), 100);
    let log = serde_json::from_value(log).expect("traffic entries");
    (answer.map_err(|e| e.to_string()), log)
}

#[tokio::test]
async fn a_replay_answers_what_it_never_saw_with_null_unless_told_otherwise() {
    assert_eq!(ask(None, true, "log.query").await, Ok(Value::Null));
    let refused = ask(Some(Unanswered::Error), true, "log.query").await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("no rule for log.query")),
        "{refused:?}"
    );
    // Rules come first.
    assert_eq!(ask(None, true, "known").await, Ok(json!({"ok": true})));
}

#[tokio::test]
async fn outside_a_replay_an_unanswered_request_is_an_error_unless_told_otherwise() {
    let refused = ask(None, false, "log.query").await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("no rule for log.query")),
        "{refused:?}"
    );
    assert_eq!(
        ask(Some(Unanswered::Null), false, "log.query").await,
        Ok(Value::Null)
    );
}

/// The warning that goes with a `null` answer is in the traffic log, on
/// both halves of the exchange, not only in serve's output.
#[tokio::test]
async fn a_null_answer_carries_its_warning_in_the_traffic_log() {
    let (answer, log) = ask_and_log(None, true, "log.query").await;
    assert_eq!(answer, Ok(Value::Null));
    let half = |kind| {
        log.iter()
            .find(|e| e.kind == kind && matches!(e.peer, studio::traffic::Peer::Connection(_)))
            .unwrap_or_else(|| panic!("a {kind:?} in {log:?}"))
    };
    for kind in [TrafficKind::Request, TrafficKind::Response] {
        let note = half(kind).note.as_deref().unwrap_or_default();
        assert!(note.contains("answered null"), "{kind:?}: {note:?}");
    }
    // A rule's answer carries none.
    let (_, log) = ask_and_log(None, true, "known").await;
    assert!(log.iter().all(|e| e.note.is_none()), "{log:?}");
}

/// The Replay pane's "Make a workspace from this recording" (`replay.mock`):
/// the loaded recording's mock, written once, refused over an existing file
/// unless forced.
#[tokio::test]
async fn the_loaded_recording_becomes_a_workspace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let recording = dir.path().join("r.ndjson");
    std::fs::write(&recording, RECORDING).expect("write the recording");
    let engine = Engine::new(Workspace::default(), None).expect("engine");
    assert!(
        engine
            .replay_mock("x.json", Default::default(), false)
            .is_err(),
        "nothing loaded"
    );
    engine.replay_load(&recording).await.expect("load");
    let out = dir.path().join("mock.json");
    let out_text = out.to_str().expect("utf-8");
    let made = engine
        .replay_mock(out_text, Default::default(), false)
        .expect("written");
    assert_eq!(made["path"], json!(out_text));
    let ws = Workspace::load(&out).expect("a valid workspace");
    assert_eq!(ws.initial_state, json!({"a": 1}));
    assert_eq!(ws.unanswered, Some(Unanswered::Null));
    let again = engine.replay_mock(out_text, Default::default(), false);
    assert!(again.is_err_and(|e| e.to_string().contains("exists")));
    engine
        .replay_mock(out_text, Default::default(), true)
        .expect("forced");
}
