//! `juggler-studio run WORKSPACE --scenario NAME`: a dashboard played by a
//! juggler client (or a tiny page in headless Chromium) passes or fails a
//! scenario, and the exit code and the report say so. On `127.0.0.1:0`,
//! every wait bounded.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::cli::Running;

use assert_cmd::cargo::{cargo_bin, cargo_bin_cmd};
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::json;

/// Startup of a debug build on a busy machine can be slow.
const DEADLINE: Duration = Duration::from_secs(60);

const WORKSPACE: &str = r#"{
  "version": 1,
  "server": { "port": 8080, "autoflush": 0 },
  "initialState": { "mode": "idle" },
  "scenarios": [
    { "name": "smoke", "description": "the dashboard asks to go once it is ready",
      "steps": [
        { "setState": { "path": "mode", "value": "ready" } },
        { "notify": { "name": "hello", "data": { "n": 1 } } },
        { "expectRequest": { "name": "go", "data": { "n": 1 }, "withinMs": 20000,
                             "respond": "ok" } }
      ] },
    { "name": "never", "steps": [
        { "expectRequest": { "name": "go", "withinMs": 300 } } ] },
    { "name": "page", "steps": [
        { "setState": { "path": "mode", "value": "ready" } },
        { "expectRequest": { "name": "page.ready", "data": { "seen": "ready" },
                             "withinMs": 30000, "respond": "ok" } }
      ] }
  ]
}
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a file");
    path
}

fn studio() -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("juggler-studio");
    cmd.timeout(DEADLINE).env("RUST_LOG", "warn");
    cmd
}

/// A `run` in the background: its stdout line by line, its stderr at the
/// end; killed if the test ends first.
struct Run(Running);

impl Run {
    fn start(args: &[&str]) -> Run {
        let child = Command::new(cargo_bin!("juggler-studio"))
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start juggler-studio run");
        Run(Running::of(child))
    }

    /// The address printed on the line starting with `label`.
    fn printed(&mut self, label: &str) -> String {
        self.0.printed(label)
    }

    /// Waits for the exit: status, all of stdout, stderr.
    fn finish(mut self) -> (ExitStatus, String, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.0.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "juggler-studio run did not exit; stdout so far: {:?}",
                self.0.seen
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let out = self.0.rest(Duration::from_secs(5)).join("\n");
        let mut err = String::new();
        if let Some(mut stderr) = self.0.child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        (status, out, err)
    }
}

#[test]
fn help_lists_run() {
    studio()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("run").and(contains("juggler-studio run ws.json --scenario")));
    studio().args(["run", "--help"]).assert().success().stdout(
        contains("--scenario")
            .and(contains("--wait-for"))
            .and(contains("--browser")),
    );
}

#[test]
fn a_passing_scenario_exits_0_with_its_steps() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = write(dir.path(), "ws.json", WORKSPACE);
    let ws = ws.to_str().expect("utf-8 path");
    let mut run = Run::start(&["run", ws, "--scenario", "smoke", "--port", "0"]);
    let url = run.printed("juggler:");
    assert!(url.starts_with("ws://127.0.0.1:"), "{url}");

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let by_scenario = rt.block_on(async {
        let (tx, mut notes) = tokio::sync::mpsc::unbounded_channel();
        let client = juggler::ClientBuilder::new(&url)
            .on_notify(move |name, data| {
                let _ = tx.send((name.to_owned(), data.clone()));
            })
            .connect()
            .await
            .expect("the dashboard connects");
        let mut watch = client.state().subscribe();
        let until = tokio::time::Instant::now() + DEADLINE;
        while client.state().get(juggler::path!["mode"]) != Some(json!("ready")) {
            tokio::time::timeout_at(until, watch.changed())
                .await
                .expect("the scenario sets the mode")
                .expect("the dashboard stays connected");
        }
        let note = tokio::time::timeout_at(until, notes.recv())
            .await
            .expect("a notification");
        assert_eq!(note, Some(("hello".to_owned(), json!({"n": 1}))));
        // The expectation starts right after the notification: ask until
        // the scenario answers. A machine under load may let the first ask
        // arrive before the step began: the rules answer it (an error
        // here), the step still passes on it, and the run ends.
        let by_scenario = loop {
            match client.send("go", json!({"n": 1})).await {
                Ok(answer) => {
                    assert_eq!(answer, json!("ok"));
                    break true;
                }
                Err(_) if client.close_reason().is_some() => break false,
                Err(e) => {
                    assert!(tokio::time::Instant::now() < until, "never answered: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        // Connected until the run ends.
        client.wait_closed().await;
        by_scenario
    });
    let (status, out, err) = run.finish();
    assert_eq!(status.code(), Some(0), "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("✓  1 setState"), "{out}");
    assert!(out.contains("✓  2 notify"), "{out}");
    assert!(out.contains("✓  3 expectRequest"), "{out}");
    let how = if by_scenario {
        "go {\"n\":1} answered by the scenario"
    } else {
        "go {\"n\":1} (it came before this step started) answered by the rules"
    };
    assert!(out.contains(how), "{out}");
    assert!(
        out.contains("PASSED: scenario \"smoke\", 3/3 steps"),
        "{out}"
    );
}

#[test]
fn a_failed_expectation_exits_1_with_the_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = write(dir.path(), "ws.json", WORKSPACE);
    studio()
        .arg("run")
        .arg(&ws)
        .args(["--scenario", "never", "--port", "0", "--wait-for", "0"])
        .assert()
        .code(1)
        .stdout(
            contains("✗  1 expectRequest")
                .and(contains(
                    "step 1 expectRequest go: no such request within 300 ms; no requests seen \
                     meanwhile",
                ))
                .and(contains("FAILED at step 1")),
        );
    // No dashboard in time: nothing was tested (2), saying what to do.
    studio()
        .arg("run")
        .arg(&ws)
        .args(["--scenario", "smoke", "--port", "0", "--timeout", "0.3"])
        .assert()
        .code(2)
        .stderr(contains("0 of 1 dashboard(s) connected within 0.3 s").and(contains("--browser")));
}

#[test]
fn usage_and_workspace_errors_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = write(dir.path(), "ws.json", WORKSPACE);
    studio()
        .arg("run")
        .arg(&ws)
        .args(["--scenario", "nope", "--port", "0"])
        .assert()
        .code(2)
        .stderr(contains("--scenario \"nope\"").and(contains("smoke, never, page")));
    let bad = write(
        dir.path(),
        "bad.json",
        r#"{"version": 1, "scenarios": [{"name": "a", "steps": [{"wait": {"ms": -1}}]}]}"#,
    );
    studio()
        .arg("run")
        .arg(&bad)
        .args(["--scenario", "a"])
        .assert()
        .code(2)
        .stderr(contains("scenarios[0].steps[0].wait.ms"));
    studio()
        .args(["run", "/no/such/ws.json", "--scenario", "a"])
        .assert()
        .code(2)
        .stderr(contains("cannot read the workspace file"));
    studio()
        .arg("check")
        .arg(&ws)
        .assert()
        .code(0)
        .stdout(contains("3 scenarios)"));
}

/// A dashboard page with a raw juggler 0.6 client: when a state message
/// says "ready", it sends `page.ready`; it asks again until answered `ok`.
const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>scenario page</title></head>
<body><p id="status">connecting</p>
<script>
  const ws = new WebSocket(`ws://${location.host}/ws`);
  let nextId = 1;
  let asked = false;
  function ask() {
    ws.send(JSON.stringify({type: "request", id: nextId++, name: "page.ready",
                            data: {seen: "ready"}}));
  }
  ws.onopen = () => { document.getElementById("status").textContent = "open"; };
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "state" && !asked && JSON.stringify(msg.diff).includes('"ready"')) {
      asked = true;
      ask();
    } else if (msg.type === "response" && !(msg.success && msg.data === "ok")) {
      setTimeout(ask, 200);
    }
  };
</script></body></html>
"#;

/// `run --browser` of the scenario "page" on `page`: exit code, stdout,
/// stderr.
fn run_page_in_chromium(page: &str, timeout: &str) -> (Option<i32>, String, String) {
    let chromium = Path::new(studio::scenario::browser::CHROMIUM);
    assert!(
        chromium.is_file(),
        "this test needs Chromium at {}: install it (`apt-get install chromium`; \
         scripts/test.sh does)",
        chromium.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let page_dir = dir.path().join("page");
    std::fs::create_dir(&page_dir).expect("mkdir");
    write(&page_dir, "index.html", page);
    let ws = write(dir.path(), "ws.json", WORKSPACE);
    let out = studio()
        .timeout(Duration::from_secs(120))
        .arg("run")
        .arg(&ws)
        .args([
            "--scenario",
            "page",
            "--port",
            "0",
            "--browser",
            "--timeout",
            timeout,
        ])
        .arg("--static-dir")
        .arg(&page_dir)
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn browser_runs_headless_chromium_on_the_dashboard() {
    let (code, stdout, stderr) = run_page_in_chromium(PAGE, "60");
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("browser:   headless Chromium"), "{stdout}");
    assert!(
        stdout.contains("page.ready {\"seen\":\"ready\"} answered by the scenario"),
        "{stdout}"
    );
    assert!(stdout.contains("PASSED"), "{stdout}");
}

/// An error the page logs while it loads fails the run, though every step
/// passes (it came before the first step, where no step counted it).
#[test]
fn an_error_the_page_logs_while_loading_fails_the_run() {
    let page = PAGE.replace(
        "<script>\n",
        "<script>\n  console.error(\"boom while loading\");\n",
    );
    assert_ne!(page, PAGE);
    let (code, stdout, stderr) = run_page_in_chromium(&page, "60");
    assert_eq!(code, Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("boom while loading"), "{stdout}");
    assert!(stdout.contains("FAILED"), "{stdout}");
}

/// A page that connects to the wrong address: the run says the page in
/// Chromium did not connect and where the endpoint is (it said to open
/// the page or pass --browser, which was given).
#[test]
fn a_page_that_does_not_connect_is_told_where_to_connect() {
    let page = PAGE.replace("/ws`", "/wrong`");
    assert_ne!(page, PAGE);
    let (code, stdout, stderr) = run_page_in_chromium(&page, "3");
    assert_eq!(code, Some(2), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("did not connect"), "{stderr}");
    assert!(stderr.contains("/ws, generation 0.6"), "{stderr}");
    assert!(!stderr.contains("pass --browser"), "{stderr}");
}
