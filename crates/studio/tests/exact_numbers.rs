//! Numbers and nesting come out of the studio exactly as they went in: a
//! float that Python and JavaScript print as `123456789.12345679`, a
//! 100-digit integer and an array nested 1,000 deep, through the studio's
//! server (state, echo), its model (the State pane's tree), the traffic log,
//! a recording and its replay, a saved workspace file, and the proxy — run
//! through the `juggler-studio` binary as a user would.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::cli::Running;
use juggler::{Client, ClientBuilder};
use serde_json::{Value, json};

const DEADLINE: Duration = Duration::from_secs(60);
const FLOAT: &str = "123456789.12345679";
const ULP: &str = "0.9424502837770503";
const BIG: &str = "1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890";
const DEPTH: usize = 1_000;

fn deep_text() -> String {
    format!("{}{FLOAT}{}", "[".repeat(DEPTH), "]".repeat(DEPTH))
}

/// The values, as JSON text: `{"f": …, "u": …, "i": …, "deep": …}`.
fn values_text() -> String {
    format!(
        r#"{{"f":{FLOAT},"u":{ULP},"i":{BIG},"deep":{}}}"#,
        deep_text()
    )
}

fn values() -> Value {
    juggler::json::from_str(&values_text(), DEPTH + 10).expect("the values parse")
}

/// `text` holds every value character for character.
fn assert_exact(text: &str, what: &str) {
    for needle in [FLOAT, ULP, BIG, &deep_text()] {
        let shown: String = needle.chars().take(40).collect();
        assert!(text.contains(needle), "{what} lost {shown}…");
    }
}

async fn connect(url: &str) -> Client {
    tokio::time::timeout(DEADLINE, ClientBuilder::new(url).connect())
        .await
        .expect("in time")
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

async fn send(client: &Client, name: &str, data: Value) -> Value {
    tokio::time::timeout(DEADLINE, client.send(name, data))
        .await
        .expect("in time")
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Waits until the value at `pointer` of the client's state is `want`
/// (compared as text: exact numbers compare by their digits).
async fn wait_text(client: &Client, pointer: &str, want: &str) {
    let mut watch = client.state().subscribe();
    let found = tokio::time::timeout(DEADLINE, async {
        loop {
            let data = client.state().data();
            if data.pointer(pointer).map(Value::to_string).as_deref() == Some(want) {
                return;
            }
            let closed = client.close_reason();
            assert!(watch.changed().await.is_some(), "closed: {closed:?}");
        }
    })
    .await;
    let have = client.state().data().pointer(pointer).map(|v| {
        let t = v.to_string();
        t.chars().take(80).collect::<String>()
    });
    assert!(found.is_ok(), "{pointer} is {have:?}");
}

fn write_workspace(dir: &Path) -> PathBuf {
    let text = format!(
        r#"{{
  "version": 1,
  "server": {{ "port": 0, "autoflush": 0 }},
  "initialState": {},
  "rules": [
    {{ "id": "echo", "match": {{ "name": {{ "exact": "echo" }} }}, "action": "echo" }}
  ]
}}
"#,
        values_text()
    );
    let path = dir.join("exact.json");
    std::fs::write(&path, text).expect("write the workspace");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_and_nesting_come_out_as_they_went_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = write_workspace(dir.path());
    let ws_arg = ws.to_str().expect("utf-8 path");
    let mut serve = Running::start(&["serve", ws_arg, "--port", "0", "--control-port", "0"]);
    let juggler_url = serve.printed("juggler:");
    let control_url = serve.printed("control:");
    let values = values();

    // The server: the initial state from the file, and an echo.
    let dash = connect(&juggler_url).await;
    wait_text(&dash, "/i", BIG).await;
    assert_exact(&dash.state().data().to_string(), "the dashboard's state");
    let echoed = send(&dash, "echo", values.clone()).await;
    assert_exact(&echoed.to_string(), "the echo");

    // The model (the State pane's tree), and a state edit through it.
    let control = connect(&control_url).await;
    wait_text(&control, "/state/i", BIG).await;
    assert_exact(&control.state().data()["state"].to_string(), "the model");
    send(
        &control,
        "state.set",
        json!({"path": ["copy"], "value": values}),
    )
    .await;
    wait_text(&dash, "/copy/f", FLOAT).await;
    assert_exact(&dash.state().data()["copy"].to_string(), "an edit's diff");

    // The traffic log.
    let log = send(&control, "traffic.export", json!({})).await;
    assert_exact(log.as_str().expect("NDJSON text"), "the traffic log");

    // A recording of the dashboard's connection, then its replay.
    let recording = dir.path().join("exact.ndjson");
    let model = control.state().data();
    let conn = model["connections"]
        .as_object()
        .and_then(|c| c.keys().next().cloned())
        .expect("the dashboard's connection");
    let conn: u64 = conn.parse().expect("a connection id");
    let rec = send(
        &control,
        "record.start",
        json!({"path": recording, "connection": conn}),
    )
    .await;
    send(
        &control,
        "state.set",
        json!({"path": ["again"], "value": values}),
    )
    .await;
    wait_text(&dash, "/again/i", BIG).await;
    send(&control, "record.stop", json!({"id": rec["id"]})).await;
    let text = std::fs::read_to_string(&recording).expect("read the recording");
    assert_exact(&text, "the recording");
    let rec_arg = recording.to_str().expect("utf-8 path");
    let mut replay = Running::start(&["replay", rec_arg, "--speed", "100", "--port", "0"]);
    let replay_url = replay.printed("juggler:");
    let watcher = connect(&replay_url).await;
    wait_text(&watcher, "/again/i", BIG).await;
    assert_exact(&watcher.state().data()["again"].to_string(), "the replay");

    // The workspace file saved, and read back by `check` and `serve`.
    let saved = dir.path().join("saved.json");
    send(&control, "workspace.save", json!({"path": saved})).await;
    let text = std::fs::read_to_string(&saved).expect("read the saved workspace");
    // Pretty-printed: compare its compact form.
    let file: Value = juggler::json::from_str(&text, DEPTH + 10).expect("the file parses");
    assert_exact(&file.to_string(), "the saved workspace");
    let saved_arg = saved.to_str().expect("utf-8 path");
    let mut reopen = Running::start(&["serve", saved_arg, "--port", "0", "--control-port", "0"]);
    let reopened = connect(&reopen.printed("juggler:")).await;
    wait_text(&reopened, "/again/i", BIG).await;
    assert_exact(
        &reopened.state().data().to_string(),
        "the reopened workspace",
    );

    // The proxy, in front of the studio's own server.
    let mut proxy = Running::start(&["proxy", &juggler_url, "--port", "0", "--control-port", "0"]);
    let browser = connect(&proxy.printed("juggler:")).await;
    wait_text(&browser, "/again/i", BIG).await;
    assert_exact(&browser.state().data().to_string(), "the proxied state");
    let echoed = send(&browser, "echo", values.clone()).await;
    assert_exact(&echoed.to_string(), "an echo through the proxy");
}
