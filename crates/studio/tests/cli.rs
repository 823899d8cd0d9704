//! The `juggler-studio` binary: `--help`, `check`, `serve` and `connect`,
//! on `127.0.0.1:0`, every wait bounded.

mod common;

use std::io::BufReader;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::cli::{Running, http_body};

use assert_cmd::cargo::{cargo_bin, cargo_bin_cmd};
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::{Value, json};

/// Startup of a debug build on a busy machine can be slow.
const DEADLINE: Duration = Duration::from_secs(60);

fn studio() -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("juggler-studio");
    cmd.timeout(DEADLINE).env("RUST_LOG", "warn");
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a file");
    path
}

const GOOD: &str = r#"{
  "version": 1,
  "server": { "port": 8080, "autoflush": 0 },
  "initialState": { "counter": 0 },
  "rules": [
    { "id": "hello", "match": { "name": { "exact": "hello" } },
      "action": { "template": { "value": "hello {{data.name}}" } } }
  ]
}
"#;

// ---- help ---------------------------------------------------------------------

/// A workspace file that does not exist: the error says what to do.
#[test]
fn serve_on_a_missing_workspace_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.json");
    studio()
        .args(["serve", "--port", "0", "--control-port", "0"])
        .arg(&missing)
        .assert()
        .failure()
        .stderr(
            contains("nope.json: cannot read the workspace file").and(contains(
                "check the path, or start without a workspace file for the demo",
            )),
        );
}

/// `run` and `replay --workspace` on a missing workspace said to start
/// without one "for the demo", which only `serve` does.
#[test]
fn run_and_replay_on_a_missing_workspace_say_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.json");
    studio()
        .args(["run", "--all"])
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(
            contains("nope.json: cannot read the workspace file")
                .and(contains("`juggler-studio new DIR` makes a project"))
                .and(contains("for the demo").not()),
        );
    let rec = dir.path().join("rec.ndjson");
    std::fs::write(
        &rec,
        concat!(
            r#"{"format":"juggler-studio-recording","version":1,"generation":"0.7","#,
            r#""startedAt":1796356571028,"url":"ws://127.0.0.1:1/ws","source":"test"}"#,
            "\n"
        ),
    )
    .expect("write");
    studio()
        .arg("replay")
        .arg(&rec)
        .args(["--port", "0", "--workspace"])
        .arg(&missing)
        .assert()
        .failure()
        .stderr(
            contains("nope.json: cannot read the workspace file")
                .and(contains("leave the workspace out"))
                .and(contains("for the demo").not()),
        );
}

/// `serve --generation` overrides the workspace's for one run, as the
/// README says (serve refused the option: outside tester's U24).
#[test]
fn serve_takes_the_generation_for_one_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = dir.path().join("ws.json");
    std::fs::write(&ws, r#"{"version": 1, "server": {"port": 0}}"#).expect("write");
    let mut serve = Running::start(&[
        "serve",
        ws.to_str().expect("utf-8 path"),
        "--generation",
        "0.7",
        "--control-port",
        "0",
    ]);
    let url = serve.printed("juggler:");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let generation = rt.block_on(async {
        let client = tokio::time::timeout(
            Duration::from_secs(20),
            juggler::ClientBuilder::new(&url)
                .detect_generation(Duration::from_secs(5))
                .connect(),
        )
        .await
        .expect("in time")
        .expect("connects");
        client.generation()
    });
    assert_eq!(generation, juggler::Generation::V07);
    drop(serve);
    let saved = std::fs::read_to_string(&ws).expect("read");
    assert!(
        !saved.contains("0.7"),
        "not saved into the workspace: {saved}"
    );
}

/// `check` on a path that does not exist says what to give instead.
#[test]
fn check_on_a_missing_file_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    studio()
        .arg("check")
        .arg(dir.path().join("nope.json"))
        .assert()
        .failure()
        .stderr(
            contains("nope.json: cannot read the file").and(contains(
                "check the path: give a workspace file (see `juggler-studio new`) or a builder's dashboard.json",
            )),
        );
}

#[test]
fn help_teaches_the_subcommands() {
    studio().arg("--help").assert().success().stdout(
        contains("serve")
            .and(contains("connect"))
            .and(contains("check"))
            .and(contains("Examples"))
            .and(contains("juggler-studio serve ws.json --port 0")),
    );
    studio()
        .args(["connect", "--help"])
        .assert()
        .success()
        .stdout(
            contains("--send")
                .and(contains("NAME"))
                .and(contains("DATA")),
        );
    studio()
        .arg("frobnicate")
        .assert()
        .failure()
        .stderr(contains("serve").or(contains("--help")));
}

// ---- check ----------------------------------------------------------------------

#[test]
fn check_accepts_a_good_workspace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "good.json", GOOD);
    studio()
        .arg("check")
        .arg(&file)
        .assert()
        .code(0)
        .stdout(contains("ok").and(contains("1 rules")));
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("workspace.example.json");
    studio().arg("check").arg(&example).assert().code(0);
}

#[test]
fn check_names_the_line_and_field_of_a_corrupt_workspace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        dir.path(),
        "bad.json",
        "{\n  \"version\": 1,\n  \"server\": {\n    \"port\": \"eighty\"\n  }\n}\n",
    );
    studio()
        .arg("check")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(contains("bad.json:4:").and(contains("server.port")));

    let file = write(
        dir.path(),
        "rule.json",
        "{\n  \"version\": 1,\n  \"rules\": [\n    { \"id\": \"r\", \"match\": { \"name\": { \"regex\": \"(\" } },\n      \"action\": \"echo\" }\n  ]\n}\n",
    );
    studio()
        .arg("check")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(contains("rule.json:4:").and(contains("rules[0].match.name.regex")));

    let file = write(
        dir.path(),
        "broken.json",
        "{\n  \"version\": 1,\n  \"server\": {\n",
    );
    studio()
        .arg("check")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(contains("broken.json:"));

    studio()
        .arg("check")
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(2)
        .stderr(contains("missing.json").and(contains("cannot read")));
}

#[test]
fn check_refuses_a_future_version_and_leaves_it_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "{ \"version\": 7, \"server\": { \"newThing\": true } }\n";
    let file = write(dir.path(), "future.json", text);
    studio().arg("check").arg(&file).assert().code(2).stderr(
        contains("version 7")
            .and(contains("newer Juggler Studio"))
            .and(contains("not changed")),
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), text);
}

/// What loads but is likely a mistake passed `check` silently: widgets on
/// top of each other, a request no rule of the workspace beside answers, a
/// colour name no browser knows, a `{{` never closed. Now each is a warning
/// with its line and field, and the exit status stays 0.
#[test]
fn check_warns_of_what_loads_but_is_likely_a_mistake() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "workspace.json",
        r#"{ "version": 1, "initialState": { "a": 1, "rows": [] },
  "rules": [ { "id": "ack", "match": { "name": { "glob": "device.*" } }, "action": "echo" } ] }"#,
    );
    let text = r#"{
  "version": 1,
  "title": "t",
  "widgets": [
    { "id": "a", "type": "value", "x": 0, "y": 0, "w": 4, "h": 2, "path": "/a" },
    { "id": "b", "type": "lamp", "x": 2, "y": 1, "w": 2, "h": 2, "path": "/a",
      "colors": [ { "value": 1, "color": "purplish" } ] },
    { "id": "c", "type": "button", "x": 6, "y": 0, "w": 2, "h": 1, "label": "Go",
      "send": { "name": "pump.start" } },
    { "id": "d", "type": "table", "x": 0, "y": 4, "w": 6, "h": 3, "path": "/rows",
      "columns": [ { "key": "id" } ],
      "rowAction": { "label": "Ack", "send": { "name": "device.ack", "data": { "id": "{{row.id" } } } }
  ]
}
"#;
    let file = write(dir.path(), "dashboard.json", text);
    let out = studio().arg("check").arg(&file).assert().code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).expect("utf-8");
    let name = file.display().to_string();
    for want in [
        format!("{name}:6:5: warning: widgets[1]: \"b\" overlaps widgets[0] (\"a\")"),
        format!("{name}:7:42: warning: widgets[1].colors[0].color: \"purplish\" is no CSS colour"),
        format!("{name}:9:25: warning: widgets[2].send.name: no enabled rule of"),
        format!(
            "{name}:12:86: warning: widgets[3].rowAction.send.data.id: \"{{{{row.id\" opens a placeholder that is never closed"
        ),
    ] {
        assert!(stdout.contains(&want), "{want}\n  not in\n{stdout}");
    }
    assert!(stdout.contains("4 warnings"), "{stdout}");
    assert!(
        !stdout.contains("device.ack\""),
        "a glob rule answers it: {stdout}"
    );
}

// ---- serve ----------------------------------------------------------------------

#[test]
fn serve_prints_the_dashboard_juggler_and_control_urls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "ws.json", GOOD);
    let file = file.to_str().expect("utf-8 path");
    let mut running = Running::start(&["serve", file, "--port", "0", "--control-port", "0"]);
    running.until("Press Ctrl+C");
    let dashboard = running.printed("dashboard:");
    let juggler_url = running.printed("juggler:");
    let control = running.printed("control:");
    assert!(dashboard.starts_with("http://127.0.0.1:"), "{dashboard}");
    assert!(
        !dashboard.ends_with(":8080/"),
        "--port 0 is ignored: {dashboard}"
    );
    assert!(
        juggler_url.starts_with("ws://127.0.0.1:") && juggler_url.ends_with("/ws"),
        "{juggler_url}"
    );
    let token = control
        .strip_prefix("ws://127.0.0.1:")
        .and_then(|rest| rest.split_once("/control?token="))
        .map(|(_, token)| token)
        .unwrap_or_else(|| panic!("control URL {control}"));
    assert!(
        token.len() == 64 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "{token}"
    );

    // The printed URLs work: a change through the control URL reaches a
    // dashboard on the juggler URL, and a rule answers it.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let dash = tokio::time::timeout(
            DEADLINE,
            juggler::ClientBuilder::new(&juggler_url).connect(),
        )
        .await
        .expect("in time")
        .expect("connect to the juggler URL");
        let ctl = tokio::time::timeout(DEADLINE, juggler::ClientBuilder::new(&control).connect())
            .await
            .expect("in time")
            .expect("connect to the control URL");
        ctl.send("state.set", json!({"path": "counter", "value": 41}))
            .await
            .expect("state.set");
        let mut watch = dash.state().subscribe();
        let seen = tokio::time::timeout(DEADLINE, async {
            let mut value = dash.state().data();
            while value.pointer("/counter") != Some(&json!(41)) {
                value = watch
                    .changed()
                    .await
                    .expect("the dashboard stays connected");
            }
        })
        .await;
        assert!(seen.is_ok(), "the dashboard saw {}", dash.state().data());
        assert_eq!(
            dash.send("hello", json!({"name": "CLI"}))
                .await
                .expect("hello"),
            json!("hello CLI")
        );
    });
}

/// `--static-dir` on the command line is relative to where the command
/// runs, as every path there is (it was read from the workspace's folder).
#[test]
fn serve_reads_a_relative_static_dir_from_the_current_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("ws")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("site")).expect("mkdir");
    write(&dir.path().join("ws"), "ws.json", GOOD);
    write(
        &dir.path().join("site"),
        "index.html",
        "<p>the site from the current folder</p>",
    );
    let mut running = Running::start_in(
        dir.path(),
        &[
            "serve",
            "ws/ws.json",
            "--static-dir",
            "site",
            "--port",
            "0",
            "--control-port",
            "0",
        ],
    );
    running.until("Press Ctrl+C");
    let dashboard = running.printed("dashboard:");
    let body = http_body(&format!("{dashboard}index.html"));
    assert!(
        body.contains("the site from the current folder"),
        "{dashboard}: {body}"
    );
}

// ---- connect --------------------------------------------------------------------

/// A juggler server for `connect` to talk to: `echo` answers its data,
/// anything else fails with `{"unknown": NAME}`.
fn server(rt: &tokio::runtime::Runtime) -> juggler::Server {
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        juggler::ServerBuilder::new()
            .shared_state(juggler::Storage::with_data(json!({"hello": "state"})))
            .on_request(|_conn, name, data| async move {
                match name.as_str() {
                    "echo" => Ok(data),
                    _ => Err(juggler::HandlerError(json!({"unknown": name}))),
                }
            })
            .serve(listener)
            .expect("serve")
    })
}

#[test]
fn connect_send_prints_the_answer_and_fails_on_an_error_answer() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = server(&rt);
    let url = server.url();

    let out = studio()
        .args(["connect", &url, "--send", "echo", r#"{"a": [1, "x"]}"#])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let answer: Value = serde_json::from_slice(&out).expect("the answer is JSON");
    assert_eq!(answer, json!({"a": [1, "x"]}));

    studio()
        .args(["connect", &url, "--json", "--send", "echo", "\"text\""])
        .assert()
        .code(0)
        .stdout("\"text\"\n");

    studio()
        .args(["connect", &url, "--send", "nope", "null"])
        .assert()
        .code(1)
        .stderr(contains("error answer").and(contains("\"unknown\": \"nope\"")));
    // With --json, a script reads the failure on stdout too.
    studio()
        .args(["connect", &url, "--json", "--send", "nope", "null"])
        .assert()
        .code(1)
        .stdout("{\"error\":{\"unknown\":\"nope\"}}\n");
}

/// Watching a server that closes the connection ends with exit 1, so a
/// script learns it (it was 0, as for Ctrl+C).
#[test]
fn connect_exits_1_when_the_server_closes() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = scripted_server(&rt);
    studio()
        .args(["connect", &server.url(), "--json"])
        .assert()
        .code(1)
        .stdout(contains("\"notify\""))
        .stderr(contains("the server closed the connection"));
}

/// `connect URL | head`: once the reader of its output is gone, it ends
/// quietly with 0 at the next line it prints (it panicked, "failed printing
/// to stdout: Broken pipe").
#[test]
fn connect_ends_quietly_when_its_output_is_no_longer_read() {
    use std::io::BufRead;
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let state = juggler::Storage::with_data(json!({"n": 0}));
    let server = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        juggler::ServerBuilder::new()
            .shared_state(state.clone())
            .serve(listener)
            .expect("serve")
    });
    for json in [true, false] {
        let mut args = vec!["connect".to_owned(), server.url()];
        if json {
            args.push("--json".into());
        }
        let mut child = Command::new(cargo_bin!("juggler-studio"))
            .args(&args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start");
        // The state changes all along: each change is a line to print.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ticker = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    state.set(juggler::path!["n"], json!(n));
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("the first state");
        assert!(first.contains("state"), "{first}");
        // The reader is gone (dropped above).
        let deadline = std::time::Instant::now() + common::cli::CLI_DEADLINE;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("connect did not end");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        ticker.join().expect("ticker");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
            .expect("stderr");
        assert!(status.success(), "{status}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn connect_with_invalid_data_says_what_to_do() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = server(&rt);
    studio()
        .args(["connect", &server.url(), "--send", "echo", "{a: 1}"])
        .assert()
        .failure()
        .stderr(contains("DATA must be JSON").and(contains("'{\"a\": 1}'")));
    // The data is checked before connecting: no server needed to hear it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    studio()
        .args([
            "connect",
            &format!("ws://127.0.0.1:{port}/ws"),
            "--send",
            "echo",
            "not json",
        ])
        .assert()
        .failure()
        .stderr(contains("DATA must be JSON"));
    // Nobody listening: it says so, and what to check.
    studio()
        .args([
            "connect",
            &format!("ws://127.0.0.1:{port}/ws"),
            "--send",
            "echo",
            "1",
        ])
        .assert()
        .failure()
        .stderr(contains("cannot connect").and(contains("check the URL")));
    // A password in the URL is not printed back.
    studio()
        .args([
            "connect",
            &format!("ws://alice:hunter2@127.0.0.1:{port}/ws"),
        ])
        .assert()
        .failure()
        .stderr(contains("alice:***@").and(contains("hunter2").not()));
}

// ---- record and replay -----------------------------------------------------------

/// A server that, to each connection, changes the state five times, sends
/// a notification, then closes the connection.
fn scripted_server(rt: &tokio::runtime::Runtime) -> juggler::Server {
    scripted_server_of(rt, juggler::Generation::V06)
}

fn scripted_server_of(
    rt: &tokio::runtime::Runtime,
    generation: juggler::Generation,
) -> juggler::Server {
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        juggler::ServerBuilder::new()
            .generation(generation)
            .autoflush(None)
            .on_connection(|conn| async move {
                for n in 1..=5 {
                    conn.state().set(juggler::path!["n"], json!(n));
                    let _ = conn.flush().await;
                }
                let _ = conn.notify("done", json!({"n": 5})).await;
                let _ = conn.flush().await;
                conn.close();
            })
            .serve(listener)
            .expect("serve")
    })
}

/// A recording of a 0.7 server replays on a 0.7 server when no workspace
/// says otherwise: the dashboard made for that server connects unchanged
/// (it was served 0.6, and a 0.7 page could not connect).
#[test]
fn replay_speaks_the_recorded_generation() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = scripted_server_of(&rt, juggler::Generation::V07);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("v07.ndjson");
    studio()
        .args(["record", &server.url(), "--generation", "0.7", "--out"])
        .arg(&file)
        .assert()
        .success();
    let mut running = Running::start(&[
        "replay",
        "--speed",
        "1000",
        "--port",
        "0",
        file.to_str().expect("utf-8 path"),
    ]);
    let url = running.printed("juggler:");
    rt.block_on(async {
        let dash = tokio::time::timeout(
            DEADLINE,
            juggler::ClientBuilder::new(&url)
                .generation(juggler::Generation::V07)
                .connect(),
        )
        .await
        .expect("in time")
        .expect("a 0.7 dashboard connects");
        let mut watch = dash.state().subscribe();
        let played = tokio::time::timeout(DEADLINE, async {
            while dash.state().get(juggler::path!["n"]) != Some(json!(5)) {
                watch
                    .changed()
                    .await
                    .expect("the dashboard stays connected");
            }
        })
        .await;
        assert!(played.is_ok(), "the dashboard has {}", dash.state().data());
    });
}

#[test]
fn record_writes_a_session_that_replay_plays_to_the_end() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = scripted_server(&rt);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bug.ndjson");
    studio()
        .args(["record", &server.url(), "--out"])
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("entries").and(contains("the server closed the connection")));
    let recording = studio::recording::Recording::read(&file).expect("the recording reads");
    let kinds: Vec<&str> = recording.entries.iter().map(|e| e.event.kind()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "notify").count(),
        1,
        "{kinds:?}"
    );
    let timeline = studio::recording::Timeline::new(recording.entries).expect("timeline");
    assert_eq!(
        timeline.state_at(usize::MAX).expect("state"),
        json!({"n": 5})
    );
    assert_eq!(
        timeline.history("/n").expect("history").len(),
        5,
        "every change of /n is in the recording"
    );

    studio()
        .args(["replay", "--speed", "1000", "--port", "0", "--exit"])
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("Replay finished").and(contains("dashboard: http://")));

    // A wrong path: said before any server starts, with what to give.
    studio()
        .env_remove("RUST_LOG")
        .args(["replay", "--port", "0", "--exit"])
        .arg(dir.path().join("missing.ndjson"))
        .assert()
        .failure()
        .stderr(
            contains("missing.ndjson: cannot read the recording")
                .and(contains("juggler-studio record URL --out FILE"))
                .and(contains("server started").not()),
        );

    let bad = write(dir.path(), "bad.ndjson", "{\"nope\": 1}\n");
    // (The server started and stopped: the file watcher's INFO lines about
    // watches it could not remove are not the user's news.)
    studio()
        .env_remove("RUST_LOG")
        .args(["replay", "--port", "0", "--exit"])
        .arg(&bad)
        .assert()
        .failure()
        .stderr(
            contains("bad.ndjson:1: not a Juggler Studio recording")
                .and(contains("notify::").not()),
        );
    studio()
        .args(["replay", "--speed", "0", "--exit"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(contains("--speed 0"));
}

/// `serve --host 0.0.0.0` says what it exposes and how to restrict it; on
/// loopback it says nothing of the kind.
#[test]
fn serve_beyond_loopback_warns_about_what_is_exposed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "ws.json", GOOD);
    for (host, warns) in [("0.0.0.0", true), ("127.0.0.1", false)] {
        let mut child = Command::new(cargo_bin!("juggler-studio"))
            .arg("serve")
            .arg(&file)
            .args(["--host", host, "--port", "0", "--control-port", "0"])
            .env("RUST_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start juggler-studio serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut running = Running::of(child);
        running.until("Press Ctrl+C");
        // The warning goes out before "Press Ctrl+C"; stop the process so
        // that its stderr ends, then read all of it.
        let _ = running.child.kill();
        let _ = running.child.wait();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut text).expect("read");
        let warning = text.lines().find(|l| l.starts_with("warning:"));
        if !warns {
            assert_eq!(warning, None, "{text}");
            continue;
        }
        let warning = warning.unwrap_or_else(|| panic!("no warning in {text:?}"));
        for needle in [
            "0.0.0.0",
            "state",
            "requests",
            "static folder",
            "allowedOrigins",
            "htpasswdFile",
            "refused until",
            "--allow-origin",
        ] {
            assert!(warning.contains(needle), "{needle:?} missing: {warning}");
        }
    }
}

#[test]
fn record_to_a_server_that_cannot_be_reached_leaves_the_file_alone() {
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "kept.ndjson", "an earlier recording\n");
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    studio()
        .args(["record", &format!("ws://127.0.0.1:{port}/ws"), "--out"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(contains("cannot connect").and(contains("check the URL")));
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "an earlier recording\n",
        "a failed connection truncated the file"
    );
}

/// What the command line gives for one run (`--port 0`, `--host`,
/// `--static-dir`, `--allow-origin`) is no edit of the workspace: the
/// workspace starts with nothing to save, and a save wrote them into the
/// file as if the user had chosen them (the next plain `serve` listened on
/// any free port and served the other folder). Now a save writes the
/// file's settings back, but a setting the user edits since is saved.
#[test]
fn serve_overrides_are_not_saved_unless_edited() {
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in ["site", "other", "third"] {
        std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
    }
    let file = write(
        dir.path(),
        "ws.json",
        r#"{ "version": 1,
  "server": { "host": "127.0.0.1", "port": 8123, "staticDir": "site", "autoflush": 0 },
  "initialState": { "counter": 0 } }"#,
    );
    let other = dir.path().join("other");
    let mut running = Running::start(&[
        "serve",
        file.to_str().expect("utf-8 path"),
        "--port",
        "0",
        "--host",
        "localhost",
        "--static-dir",
        other.to_str().expect("utf-8 path"),
        "--allow-origin",
        "http://example.test",
        "--control-port",
        "0",
    ]);
    running.until("Press Ctrl+C");
    let control = running.printed("control:");
    let saved = || -> Value {
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json")
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let ctl = tokio::time::timeout(DEADLINE, juggler::ClientBuilder::new(&control).connect())
            .await
            .expect("in time")
            .expect("connect to the control URL");
        let at = |pointer: &'static str, want: Value| {
            let model = ctl.state();
            async move {
                let mut watch = model.subscribe();
                let seen = tokio::time::timeout(DEADLINE, async {
                    let mut value = model.data();
                    while value.pointer(pointer) != Some(&want) {
                        value = watch
                            .changed()
                            .await
                            .expect("the control connection stays open");
                    }
                })
                .await;
                assert!(seen.is_ok(), "{pointer} never {want}: {}", model.data());
            }
        };
        at("/server/settings/port", json!(0)).await;
        at("/workspace/unsaved", json!(false)).await;

        ctl.send("state.set", json!({"path": "counter", "value": 5}))
            .await
            .expect("state.set");
        at("/workspace/unsaved", json!(true)).await;
        ctl.send("workspace.save", json!({})).await.expect("save");
        at("/workspace/unsaved", json!(false)).await;
        let s = saved();
        assert_eq!(s["initialState"]["counter"], json!(5), "{s}");
        assert_eq!(s["server"]["port"], json!(8123), "{s}");
        assert_eq!(s["server"]["host"], json!("127.0.0.1"), "{s}");
        assert_eq!(s["server"]["staticDir"], json!("site"), "{s}");
        assert_eq!(s["server"]["allowedOrigins"], Value::Null, "{s}");

        // The served folder edited in the Server pane is the user's: saved,
        // the settings not edited as the file has them.
        let mut settings = ctl.state().data()["server"]["settings"].clone();
        settings["staticDir"] = json!("third");
        settings["pingDelay"] = json!(7);
        ctl.send("server.settings", json!({ "settings": settings }))
            .await
            .expect("server.settings");
        at("/workspace/unsaved", json!(true)).await;
        ctl.send("workspace.save", json!({})).await.expect("save");
        let s = saved();
        assert_eq!(s["server"]["staticDir"], json!("third"), "{s}");
        assert_eq!(s["server"]["pingDelay"], json!(7.0), "{s}");
        assert_eq!(s["server"]["port"], json!(8123), "{s}");
        assert_eq!(s["server"]["host"], json!("127.0.0.1"), "{s}");
    });
}
