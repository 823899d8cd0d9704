//! `juggler-studio mock` on a recording of the real back end (the
//! reference `hat-juggler`, both generations, from the venvs that
//! `scripts/test.sh` makes): a dashboard that sends the mock the same
//! requests sees the same answers and the same state changes as it did
//! from the real back end.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::cli::{Running, mock_of, slow_back_end};
use juggler::{Client, ClientBuilder, Generation};
use serde_json::{Value, json};

const DEADLINE: Duration = Duration::from_secs(30);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python of a venv with the reference (made by scripts/test.sh).
fn python(generation: &str) -> PathBuf {
    let venv = if generation == "0.7" {
        "ref07"
    } else {
        "ref06"
    };
    let path = repo().join(".venv").join(venv).join("bin/python");
    assert!(
        path.exists(),
        "{} is missing: run scripts/test.sh once (it makes .venv/ref06 and .venv/ref07 \
         with the reference hat-juggler)",
        path.display()
    );
    path
}

/// The reference's bench server, on a free port.
fn reference(generation: &str) -> (Running, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = std::process::Command::new(python(generation))
        .arg(repo().join("tests/interop/reference_bench_server.py"))
        .args(["--port", &port.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the reference server");
    let mut running = Running::of(child);
    let url = running.printed("READY");
    (running, url)
}

async fn connect(url: &str, generation: Generation) -> Client {
    tokio::time::timeout(
        DEADLINE,
        ClientBuilder::new(url).generation(generation).connect(),
    )
    .await
    .expect("in time")
    .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, f)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// The requests a dashboard sends: some change the state, one fails.
fn requests() -> Vec<(&'static str, Value)> {
    vec![
        ("state.set", json!({"path": ["pump", "on"], "value": true})),
        ("echo", json!({"hello": [1, 2.5, "x"]})),
        (
            "state.set",
            json!({"path": ["alarms"], "value": [{"id": 7, "text": "low"}]}),
        ),
        ("state.set", json!({"path": ["pump", "on"], "value": false})),
        ("no.such.request", json!(1)),
        (
            "state.set",
            json!({"path": ["alarms", 0, "acked"], "value": true}),
        ),
    ]
}

/// What a dashboard sees for each request: the answer (or the error) and
/// the state after it. `send` sends a request and gives the answer; the
/// state is read from `state` once it stops changing for the request.
async fn session<F, Fut>(send: F, state: impl Fn() -> Value) -> Vec<(Result<Value, Value>, Value)>
where
    F: Fn(&'static str, Value) -> Fut,
    Fut: Future<Output = Result<Value, Value>>,
{
    let mut seen = Vec::new();
    for (name, data) in requests() {
        let answer = send(name, data.clone()).await;
        let want = expected_after(&seen, name, &data);
        let settled = tokio::time::timeout(DEADLINE, async {
            while state() != want {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert!(
            settled.is_ok(),
            "timed out: the state after {name} {data}: want {want}, have {}",
            state()
        );
        seen.push((answer, state()));
    }
    seen
}

/// The state the bench contract leads to after this request.
fn expected_after(seen: &[(Result<Value, Value>, Value)], name: &str, data: &Value) -> Value {
    let before = seen.last().map(|(_, s)| s.clone()).unwrap_or(Value::Null);
    if name != "state.set" {
        return before;
    }
    let storage = juggler::Storage::with_data(before);
    let path = juggler::Path::from_json(&data["path"]).expect("a path");
    storage.set(path, data["value"].clone());
    storage.data()
}

/// A dashboard's request: its answer, or the error's data.
async fn ask(dashboard: &Client, name: &'static str, data: Value) -> Result<Value, Value> {
    dashboard.send(name, data).await.map_err(|e| match e {
        juggler::Error::Juggler(v) => v,
        other => panic!("{name}: {other}"),
    })
}

async fn cmd(control: &Client, name: &str, data: Value) -> Value {
    within(name, control.send(name, data))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Starts a proxy to `upstream`: its id and its browsers' address.
async fn start_proxy(control: &Client, upstream: &str) -> (String, String) {
    let settings = json!({"settings": {"upstream": {"url": upstream}}});
    let proxy = cmd(control, "proxy.start", settings).await;
    let id = proxy["id"].as_str().expect("a proxy id").to_owned();
    let url = proxy["url"].as_str().expect("the proxy's url").to_owned();
    (id, url)
}

async fn mock_matches_the_back_end(generation_text: &str) {
    let generation: Generation = generation_text.parse().expect("a generation");
    let dir = tempfile::tempdir().expect("temp dir");
    let (_reference, reference_url) = reference(generation_text);

    // Record a studio session with the real back end.
    let mut studio = Running::start(&["serve", "--port", "0", "--control-port", "0"]);
    let control = connect(&studio.printed("control:"), Generation::V06).await;
    let remote = cmd(
        &control,
        "remote.connect",
        json!({"target": {"url": reference_url, "generation": generation_text}}),
    )
    .await;
    let id = remote["id"].as_str().expect("a session id").to_owned();
    let pointer = format!("/remotes/{id}/status/kind");
    within("the session to connect", async {
        while control.state().data().pointer(&pointer) != Some(&json!("connected")) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let recording = dir.path().join("backend.ndjson");
    let rec = cmd(
        &control,
        "record.start",
        json!({"path": recording, "remote": id}),
    )
    .await;
    let state_pointer = format!("/remotes/{id}/state");
    let real = session(
        |name, data| {
            let (control, id) = (&control, &id);
            async move {
                match control
                    .send("remote.send", json!({"id": id, "name": name, "data": data}))
                    .await
                {
                    Ok(v) => Ok(v),
                    Err(juggler::Error::Juggler(e)) => Err(e["data"].clone()),
                    Err(e) => panic!("{name}: {e}"),
                }
            }
        },
        || {
            let model = control.state().data();
            model
                .pointer(&state_pointer)
                .cloned()
                .unwrap_or(Value::Null)
        },
    )
    .await;
    cmd(&control, "record.stop", json!({"id": rec["id"]})).await;

    // The mock, served, and a dashboard sending it the same requests.
    let workspace = dir.path().join("mock.json");
    mock_of(&recording, &workspace, &[]);
    served_mock_matches(&workspace, generation, &real).await;
    drop(studio);
}

/// Serves the mock in `workspace` and sends it the same requests: the
/// answers and states match `real`'s.
async fn served_mock_matches(
    workspace: &Path,
    generation: Generation,
    real: &[(Result<Value, Value>, Value)],
) {
    let ws_arg = workspace.to_str().expect("utf-8 path");
    let mut served = Running::start(&["serve", ws_arg, "--port", "0", "--control-port", "0"]);
    let dashboard = connect(&served.printed("juggler:"), generation).await;
    let mocked = session(
        |name, data| ask(&dashboard, name, data),
        || dashboard.state().data(),
    )
    .await;
    for (i, ((name, data), (real, mocked))) in
        requests().iter().zip(real.iter().zip(&mocked)).enumerate()
    {
        assert_eq!(
            real, mocked,
            "request {i}: {name} {data} (generation {generation})"
        );
    }
}

/// "Make a workspace from this session" (`proxy.mock`): a dashboard talks
/// to the real back end through the studio's proxy, unrecorded; the mock
/// rebuilt from the traffic log answers and changes state as it did.
async fn proxy_session_mock_matches_the_back_end(generation_text: &str) {
    let generation: Generation = generation_text.parse().expect("a generation");
    let dir = tempfile::tempdir().expect("temp dir");
    let (_reference, reference_url) = reference(generation_text);
    let mut studio = Running::start(&["serve", "--port", "0", "--control-port", "0"]);
    let control = connect(&studio.printed("control:"), Generation::V06).await;
    // No generation given: the proxy tells the upstream's.
    let (id, proxy_url) = start_proxy(&control, &reference_url).await;
    let dashboard = connect(&proxy_url, generation).await;
    // A recording of the browser side names the generation it speaks.
    let browsers = format!("/proxies/{id}/browsers/0");
    let browser = within("the browser on the proxy", async {
        loop {
            if let Some(b) = control.state().data().pointer(&browsers).cloned() {
                return b;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let recording = dir.path().join("browser.ndjson");
    let rec = cmd(
        &control,
        "record.start",
        json!({"path": recording, "proxy": id, "connection": browser}),
    )
    .await;
    cmd(&control, "record.stop", json!({"id": rec["id"]})).await;
    let header = std::fs::read_to_string(&recording).expect("the recording");
    let header: Value =
        serde_json::from_str(header.lines().next().unwrap_or_default()).expect("a header line");
    assert_eq!(header["generation"], json!(generation_text), "{header}");
    let real = session(
        |name, data| ask(&dashboard, name, data),
        || dashboard.state().data(),
    )
    .await;
    let workspace = dir.path().join("from-proxy.json");
    let made = cmd(&control, "proxy.mock", json!({"id": id, "out": workspace})).await;
    assert_eq!(made["path"], json!(workspace), "{made}");
    assert!(made["rules"].as_u64().is_some_and(|n| n > 0), "{made}");
    let again = control
        .send("proxy.mock", json!({"id": id, "out": workspace}))
        .await;
    assert!(
        again
            .as_ref()
            .is_err_and(|e| e.to_string().contains("exists")),
        "{again:?}"
    );
    let ws = studio::workspace::Workspace::load(&workspace).expect("a valid workspace");
    assert_eq!(
        Generation::from(ws.server.generation),
        generation,
        "the browser side's generation"
    );
    served_mock_matches(&workspace, generation, &real).await;
    drop(studio);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_of_the_reference_answers_and_changes_state_as_it_did_06() {
    mock_matches_the_back_end("0.6").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_of_the_reference_answers_and_changes_state_as_it_did_07() {
    mock_matches_the_back_end("0.7").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_of_a_proxy_session_answers_and_changes_state_as_it_did_06() {
    proxy_session_mock_matches_the_back_end("0.6").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_of_a_proxy_session_answers_and_changes_state_as_it_did_07() {
    proxy_session_mock_matches_the_back_end("0.7").await;
}

/// `proxy.mock` of a session with an answer larger than the traffic log
/// keeps of one message: the request got no rule, and the answer says so
/// (it was left out of `unanswered` with no word of why) and what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_mock_names_the_requests_whose_answer_was_too_big_for_the_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_reference, reference_url) = reference("0.7");
    let mut studio = Running::start(&["serve", "--port", "0", "--control-port", "0"]);
    let control = connect(&studio.printed("control:"), Generation::V06).await;
    let (id, proxy_url) = start_proxy(&control, &reference_url).await;
    let dashboard = connect(&proxy_url, Generation::V07).await;
    let big = json!({"items": "x".repeat(2_200_000)});
    let answer = ask(&dashboard, "echo", big.clone()).await;
    assert_eq!(answer.as_ref().map(|a| a == &big), Ok(true), "the echo");
    ask(&dashboard, "state.set", json!({"path": ["a"], "value": 1}))
        .await
        .expect("state.set answered");
    let workspace = dir.path().join("from-proxy.json");
    let made = cmd(&control, "proxy.mock", json!({"id": id, "out": workspace})).await;
    assert_eq!(made["tooBig"], json!(["echo"]), "{made}");
    assert_eq!(made["unanswered"], json!([]), "{made}");
    let note = made["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("echo") && note.contains("--record"),
        "the note says which request and what to do: {made}"
    );
    let ws = studio::workspace::Workspace::load(&workspace).expect("a valid workspace");
    assert!(
        ws.rules.iter().any(|r| r.id == "mock state.set"),
        "{:?}",
        ws.rules
    );
    drop(studio);
}

/// `proxy.mock` keeps the back end's latency: a request answered 600 ms
/// late becomes a rule that waits about as long (it waited 0 ms); with
/// `latency: false`, 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_mock_waits_as_long_as_the_back_end_took() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut studio = slow_back_end(dir.path(), 0, 600);
    let upstream = studio.printed("juggler:");
    let control = connect(&studio.printed("control:"), Generation::V06).await;
    let (id, proxy_url) = start_proxy(&control, &upstream).await;
    let dashboard = connect(&proxy_url, Generation::V06).await;
    assert_eq!(
        ask(&dashboard, "slow", json!(null)).await,
        Ok(json!("done"))
    );
    let delays = |workspace: &Path| {
        let ws = studio::workspace::Workspace::load(workspace).expect("a valid workspace");
        ws.rules
            .iter()
            .map(|r| (r.id.clone(), r.delay_ms))
            .collect::<Vec<_>>()
    };
    let kept = dir.path().join("kept.json");
    cmd(&control, "proxy.mock", json!({"id": id, "out": kept})).await;
    let kept = delays(&kept);
    assert!(
        matches!(kept.as_slice(), [(id, ms)] if id == "mock slow" && (600..2000).contains(ms)),
        "{kept:?}"
    );
    let at_once = dir.path().join("at-once.json");
    let data = json!({"id": id, "out": at_once, "latency": false});
    cmd(&control, "proxy.mock", data).await;
    assert_eq!(delays(&at_once), vec![("mock slow".to_owned(), 0)]);
    drop(studio);
}

/// `proxy.mock` of a proxy that serves a page: the workspace serves it too
/// (its staticDir was null, so `serve` of it served no page), relative to
/// the workspace when inside its folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_mock_serves_the_page_the_proxy_served() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("web");
    std::fs::create_dir(&page).expect("mkdir");
    std::fs::write(page.join("index.html"), "<p>mine</p>").expect("write");
    let mut studio = slow_back_end(dir.path(), 0, 0);
    let upstream = studio.printed("juggler:");
    let control = connect(&studio.printed("control:"), Generation::V06).await;
    let settings = json!({"settings": {"upstream": {"url": upstream}, "staticDir": page}});
    let proxy = cmd(&control, "proxy.start", settings).await;
    let (id, proxy_url) = (
        proxy["id"].as_str().expect("an id").to_owned(),
        proxy["url"].as_str().expect("a url").to_owned(),
    );
    let dashboard = connect(&proxy_url, Generation::V06).await;
    assert_eq!(
        ask(&dashboard, "slow", json!(null)).await,
        Ok(json!("done"))
    );
    let out = dir.path().join("mock.json");
    cmd(&control, "proxy.mock", json!({"id": id, "out": out})).await;
    let ws = studio::workspace::Workspace::load(&out).expect("a valid workspace");
    assert_eq!(ws.server.static_dir.as_deref(), Some("web"));
    drop(studio);
}

/// `juggler-studio mock` keeps the recorded latency (a request answered
/// 3 s later got delayMs 0), and `--no-latency` answers at once.
#[test]
fn the_mock_of_a_recording_waits_as_long_as_the_back_end_took() {
    let dir = tempfile::tempdir().expect("temp dir");
    let recording = dir.path().join("slow.ndjson");
    let lines = [
        json!({"format": "juggler-studio-recording", "version": 1, "generation": "0.7",
               "startedAt": 1, "url": null, "source": "test"}),
        json!({"t": 0.0, "kind": "state", "diff": [{"op": "replace", "path": "", "value": {}}]}),
        json!({"t": 1505.0, "kind": "request", "id": 2, "name": "slow", "data": null}),
        json!({"t": 4509.0, "kind": "response", "id": 2, "success": true, "data": "done"}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&recording, text).expect("write the recording");
    let delay_with = |extra: &[&str]| {
        let ws = mock_of(&recording, &dir.path().join("mock.json"), extra);
        ws.rules.iter().map(|r| r.delay_ms).collect::<Vec<_>>()
    };
    assert_eq!(delay_with(&[]), vec![3004]);
    assert_eq!(delay_with(&["--no-latency"]), vec![0]);
}
