//! `proxy --record/--log` and `--wait` (proxy, record, connect): a
//! terminal (or CI) user records the back end through the proxy and mocks
//! it, and starts the studio together with a back end still starting.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::cargo_bin;
use common::cli::{Running, mock_of, slow_back_end, spawn};
use juggler::{ClientBuilder, Generation};
use serde_json::json;

const DEADLINE: Duration = Duration::from_secs(30);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, f)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// README's "record the back end, then mock" from a terminal: `proxy
/// --record FILE --log` records a browser's session and prints its
/// traffic; `mock FILE` makes rules of it (there was no way but the
/// control endpoint by hand).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_record_and_log_make_a_mock_from_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let _back_end = slow_back_end(dir.path(), port, 300);
    let upstream = format!("ws://127.0.0.1:{port}/ws");
    let file = dir.path().join("session.ndjson");
    let file_arg = file.to_str().expect("utf-8 path");
    let mut proxy = Running::start(&[
        "proxy", &upstream, "--wait", "30", "--record", file_arg, "--log",
    ]);
    let url = proxy.printed("juggler:");
    let browser = within(
        "connect through the proxy",
        ClientBuilder::new(&url)
            .generation(Generation::V06)
            .connect(),
    )
    .await
    .expect("the browser connects");
    let slow = within("slow", browser.send("slow", json!({"n": 1}))).await;
    assert_eq!(slow.expect("slow answered"), json!("done"));
    let failed = within("nope", browser.send("nope", json!(1))).await;
    assert!(failed.is_err(), "{failed:?}");
    browser.close();
    browser.wait_closed().await;
    let wanted = [
        "browser 1 connected".to_owned(),
        format!("browser 1: recording to {file_arg}"),
        "browser 1 → request #1 slow (".to_owned(),
        "browser 1 ← answer #1 slow (".to_owned(),
        "browser 1 ← error #2 nope (".to_owned(),
        "browser 1 left".to_owned(),
        format!("browser 1: {file_arg} complete ("),
    ];
    // The traffic's lines and the browsers' come from two watchers: in
    // either order, one line at a time, until each has come.
    while let Some(missing) = wanted
        .iter()
        .find(|w| !proxy.seen.iter().any(|l| l.starts_with(w.as_str())))
    {
        let missing = missing.clone();
        let before = proxy.seen.len();
        proxy.until("browser");
        assert!(proxy.seen.len() > before, "no {missing:?} yet");
    }
    let ws = mock_of(&file, &dir.path().join("mock.json"), &[]);
    let slow_rule = ws.rules.iter().find(|r| r.id == "mock slow");
    assert!(
        slow_rule.is_some_and(|r| r.delay_ms >= 300),
        "{:?}",
        ws.rules
    );
    assert!(
        ws.rules.iter().any(|r| r.id == "mock nope"),
        "{:?}",
        ws.rules
    );
}

/// Runs `juggler-studio ARGS` to its end: exit code, stdout, stderr.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(cargo_bin!("juggler-studio"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run juggler-studio");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// A back end that is not up yet: without --wait, the proxy's error says
/// to wait for it (--wait) or to give its generation.
#[test]
fn the_proxy_says_how_to_wait_for_a_back_end_not_up_yet() {
    let upstream = format!("ws://127.0.0.1:{}/ws", free_port());
    let (code, _, stderr) = run(&["proxy", &upstream]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("--wait SECONDS") && stderr.contains("--generation 0.6 or 0.7"),
        "{stderr}"
    );
}

/// `--wait`: record, connect and proxy wait for a back end that comes up
/// a moment later (they failed at once), saying so on stderr.
#[test]
fn record_connect_and_proxy_wait_for_a_back_end_that_starts_late() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let upstream = format!("ws://127.0.0.1:{port}/ws");
    let rec = dir.path().join("late.ndjson");
    let rec_arg = rec.to_str().expect("utf-8 path").to_owned();
    let record = spawn(&[
        "record",
        &upstream,
        "-o",
        &rec_arg,
        "--duration",
        "1",
        "--wait",
        "30",
    ]);
    let connect = spawn(&[
        "connect", &upstream, "--send", "slow", "null", "--wait", "30",
    ]);
    let proxy = Running::of(spawn(&["proxy", &upstream, "--port", "0", "--wait", "30"]));
    // Late: each has tried and failed at least once.
    std::thread::sleep(Duration::from_millis(1500));
    let _back_end = slow_back_end(dir.path(), port, 300);
    for (what, child) in [("record", record), ("connect", connect)] {
        let out = child.wait_with_output().expect("it ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{what}: {stderr}");
        assert!(stderr.contains("waiting for"), "{what}: {stderr}");
        if what == "connect" {
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "\"done\"");
        }
    }
    let recording = studio::recording::Recording::read(&rec).expect("the recording");
    let tl = studio::recording::Timeline::new(recording.entries).expect("timeline");
    assert_eq!(tl.state_at(usize::MAX).expect("state"), json!({"up": true}));
    let mut proxy = proxy;
    let url = proxy.printed("juggler:");
    assert!(url.starts_with("ws://"), "{url}");
}
