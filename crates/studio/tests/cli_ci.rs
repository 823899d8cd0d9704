//! `juggler-studio` under CI: stderr a file or a pipe, stopped by SIGTERM,
//! exit codes and reports a script reads. On `127.0.0.1:0`, every wait
//! bounded.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use common::cli::{CLI_DEADLINE, Running};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a file");
    path
}

/// `juggler-studio ARGS…` with stdout and stderr piped (as a CI runner
/// has them), `RUST_LOG=info`, and `env` set.
fn spawn(args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut cmd = Command::new(cargo_bin!("juggler-studio"));
    cmd.args(args);
    start(cmd, env)
}

/// Starts `cmd` with stdout and stderr piped, `RUST_LOG=info`, no
/// `NO_COLOR` unless `env` (set last) has it.
fn start(mut cmd: Command, env: &[(&str, &str)]) -> Running {
    cmd.env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    Running::of(cmd.spawn().expect("start juggler-studio"))
}

fn send_signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {sig} failed");
}

/// Waits for the exit (bounded): its exit code (None: killed by a signal)
/// and all it wrote to stderr.
fn finish(run: &mut Running) -> (Option<i32>, String) {
    let start = Instant::now();
    let status = loop {
        if let Some(status) = run.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            start.elapsed() < CLI_DEADLINE,
            "juggler-studio did not exit; stdout so far: {:?}",
            run.seen
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    run.rest(Duration::from_secs(5));
    let mut err = String::new();
    if let Some(mut stderr) = run.child.stderr.take() {
        let _ = stderr.read_to_string(&mut err);
    }
    (status.code(), err)
}

/// Log lines in a CI log (stderr a pipe) carry no colour codes; they did,
/// and only `NO_COLOR=1` turned them off.
#[test]
fn log_lines_to_a_pipe_have_no_colour_codes() {
    let mut serve = spawn(&["serve", "--port", "0", "--control-port", "0"], &[]);
    serve.until("Press Ctrl+C");
    // SIGTERM, as a CI runner stops a job: a graceful stop, like Ctrl+C.
    send_signal(&serve.child, "-TERM");
    let (code, err) = finish(&mut serve);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("studio server started"), "{err}");
    assert!(err.contains("studio server stopped"), "{err}");
    assert!(!err.contains('\x1b'), "colour codes in {err:?}");
}

/// A recording of `n` state changes, 10 ms apart.
fn recording(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from(
        r#"{"format":"juggler-studio-recording","version":1,"generation":"0.6","startedAt":1796356571028,"url":"ws://127.0.0.1:1/ws","source":"test"}"#,
    );
    text.push('\n');
    text.push_str(
        r#"{"t":0.0,"kind":"state","diff":[{"op":"replace","path":"","value":{"n":0}}]}"#,
    );
    text.push('\n');
    for i in 1..n {
        text.push_str(&format!(
            r#"{{"t":{}.0,"kind":"state","diff":[{{"op":"replace","path":"/n","value":{i}}}]}}"#,
            i * 10
        ));
        text.push('\n');
    }
    write(dir, "rec.ndjson", &text)
}

/// `replay` to a non-terminal stderr: no `\r` progress bar redrawn per
/// entry (there were one or more per entry), a plain line now and then.
#[test]
fn replay_to_a_pipe_prints_no_progress_bar() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rec = recording(dir.path(), 200);
    let rec = rec.to_str().expect("utf-8 path");
    let mut replay = spawn(
        &["replay", rec, "--speed", "20", "--port", "0", "--exit"],
        &[],
    );
    let (code, err) = finish(&mut replay);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        replay.seen.iter().any(|l| l.contains("Replay finished")),
        "{:?}",
        replay.seen
    );
    assert!(!err.contains('\r'), "a progress bar in {err:?}");
    let lines = err.lines().filter(|l| l.contains("entries, t =")).count();
    assert!((1..=5).contains(&lines), "{lines} progress lines in {err}");
    assert!(err.contains("200/200 entries"), "{err}");
    // No dashboard was there to see it play: said, with what waits for one.
    assert!(
        err.contains("playing with no dashboard connected") && err.contains("--wait-for 1"),
        "{err}"
    );
}

// ---- run ------------------------------------------------------------------------

const SLOW: &str = r#"{
  "version": 1,
  "server": { "port": 8080 },
  "scenarios": [ { "name": "slow", "steps": [ { "wait": { "ms": 60000 } } ] } ]
}
"#;

/// A page that connects and does nothing else.
const PAGE: &str = r#"<!doctype html><html><body>
<script>const ws = new WebSocket(`ws://${location.host}/ws`);</script>
</body></html>
"#;

/// Processes whose command line mentions `dir` (Chromium's profile is in
/// it): their ids and command lines.
fn processes_in(dir: &Path) -> Vec<(String, String)> {
    let dir = dir.to_string_lossy();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| {
            let e = e.ok()?;
            let raw = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&raw).replace('\0', " ");
            let pid = e.file_name().to_string_lossy().into_owned();
            cmd.contains(dir.as_ref()).then_some((pid, cmd))
        })
        .collect()
}

/// How `run --browser` of the scenario "slow" went when sent a signal.
struct Signalled {
    _dir: tempfile::TempDir,
    /// Its temporary files' folder (`TMPDIR`): Chromium's profile.
    tmp: PathBuf,
    code: Option<i32>,
    out: String,
    err: String,
}

/// `run --browser` of the scenario "slow" with its temporary files in a
/// folder of its own, sent `sig` once the page in Chromium has a renderer.
fn signal_run_in_chromium(sig: &str) -> Signalled {
    let dir = tempfile::tempdir().expect("temp dir");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).expect("mkdir");
    let mut run = run_slow_in_chromium(dir.path(), &tmp);
    send_signal(&run.child, sig);
    let (code, err) = finish(&mut run);
    Signalled {
        _dir: dir,
        tmp,
        code,
        out: run.seen.join("\n"),
        err,
    }
}

fn run_slow_in_chromium(dir: &Path, tmp: &Path) -> Running {
    let chromium = Path::new(studio::scenario::browser::CHROMIUM);
    assert!(
        chromium.is_file(),
        "this test needs Chromium at {}: install it (`apt-get install chromium`)",
        chromium.display()
    );
    let page = dir.join("page");
    std::fs::create_dir(&page).expect("mkdir");
    write(&page, "index.html", PAGE);
    let ws = write(dir, "ws.json", SLOW);
    let tmp_str = tmp.to_str().expect("utf-8 path");
    let mut run = spawn(
        &[
            "run",
            ws.to_str().expect("utf-8 path"),
            "--scenario",
            "slow",
            "--browser",
            "--port",
            "0",
            "--static-dir",
            page.to_str().expect("utf-8 path"),
        ],
        &[("TMPDIR", tmp_str)],
    );
    run.until("Waiting for");
    let start = Instant::now();
    while !processes_in(tmp)
        .iter()
        .any(|(_, cmd)| cmd.contains("--type=renderer"))
    {
        assert!(
            start.elapsed() < CLI_DEADLINE,
            "Chromium did not start: {:?}",
            processes_in(tmp)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    run
}

/// Waits until no process mentions `tmp` any more, and fails naming those
/// left (killed, not to be left to the machine).
fn assert_none_left(tmp: &Path, within: Duration) {
    let start = Instant::now();
    let left = loop {
        let left = processes_in(tmp);
        if left.is_empty() || start.elapsed() > within {
            break left;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    for (pid, _) in &left {
        let _ = Command::new("kill").args(["-KILL", pid]).status();
    }
    assert!(left.is_empty(), "left running: {left:?}");
}

/// SIGTERM (a CI runner's timeout or cancel) stops `run --browser` as Ctrl+C
/// does: Chromium is stopped, its profile removed, the report printed, and
/// the exit code says "stopped" (130), not "failed". It died at once,
/// leaving Chromium running under PID 1 and its profile behind.
#[test]
fn sigterm_stops_run_and_its_browser() {
    // Bound whole: the folder lives as long as `run`.
    let run = signal_run_in_chromium("-TERM");
    let (tmp, code, out, err) = (&run.tmp, run.code, &run.out, &run.err);
    assert_none_left(tmp, Duration::from_secs(5));
    assert_eq!(code, Some(130), "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("STOPPED: scenario"), "{out}");
    let profiles: Vec<_> = std::fs::read_dir(tmp)
        .expect("read tmp")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("juggler-studio-browser")
        })
        .collect();
    assert!(profiles.is_empty(), "profile left: {profiles:?}");
}

/// A studio killed outright (SIGKILL, a crash) takes its Chromium with it:
/// the kernel's parent-death signal, as the studio cannot act.
#[test]
fn a_killed_run_takes_its_browser_along() {
    let run = signal_run_in_chromium("-KILL");
    assert_eq!(run.code, None, "killed by the signal");
    assert_none_left(&run.tmp, Duration::from_secs(10));
}

#[test]
fn run_help_documents_the_exit_codes_and_reports() {
    let out = Command::new(cargo_bin!("juggler-studio"))
        .args(["run", "--help"])
        .output()
        .expect("run --help");
    let help = String::from_utf8_lossy(&out.stdout);
    for code in [
        "0 every step passed",
        "1 a step failed",
        "2 it could not run",
        "130 stopped",
        "--all",
        "--junit <FILE>",
        "--json <FILE>",
    ] {
        assert!(help.contains(code), "{code:?} in {help}");
    }
    let out = Command::new(cargo_bin!("juggler-studio"))
        .arg("--help")
        .output()
        .expect("--help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("run ws.json --all --browser --junit"),
        "{help}"
    );
}

/// No dashboard connected in time: the run had nothing to test, which is
/// "unusable" (2), not "the dashboard failed a check" (1, as it was).
#[test]
fn no_dashboard_in_time_is_unusable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = write(dir.path(), "ws.json", SLOW);
    let mut run = spawn(
        &[
            "run",
            ws.to_str().expect("utf-8 path"),
            "--scenario",
            "slow",
            "--port",
            "0",
            "--timeout",
            "0.3",
        ],
        &[],
    );
    let (code, err) = finish(&mut run);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("0 of 1 dashboard(s) connected within 0.3 s"),
        "{err}"
    );
}

// ---- replay ---------------------------------------------------------------------

/// `replay` without a workspace answers as the recording does, or with null
/// and a warning: not with the demo dashboard's rules, which greeted
/// `hello` and whose `pump.toggle` wrote `/plant` into the replayed state.
#[test]
fn replay_without_a_workspace_has_no_demo_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rec = recording(dir.path(), 3);
    let page = dir.path().join("page");
    std::fs::create_dir(&page).expect("mkdir");
    write(&page, "index.html", PAGE);
    let mut replay = spawn(
        &[
            "replay",
            rec.to_str().expect("utf-8 path"),
            "--static-dir",
            page.to_str().expect("utf-8 path"),
            "--port",
            "0",
        ],
        &[("RUST_LOG", "warn")],
    );
    let url = replay.printed("juggler:");
    replay.until("Serving on");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let dash = tokio::time::timeout(CLI_DEADLINE, juggler::ClientBuilder::new(&url).connect())
            .await
            .expect("in time")
            .expect("the dashboard connects");
        common::wait_for(dash.state(), "the replayed state", |v| {
            v.get("n").is_some().then_some(())
        })
        .await;
        for (name, data) in [
            ("hello", serde_json::json!({"who": "x"})),
            ("pump.toggle", serde_json::json!({"index": 0})),
        ] {
            let answer = tokio::time::timeout(CLI_DEADLINE, dash.send(name, data))
                .await
                .expect("answered in time")
                .expect("answered");
            assert_eq!(answer, serde_json::Value::Null, "{name}");
        }
        // A rule's setState would reach the dashboard with its answer.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let state = dash.state().data();
        assert_eq!(
            state,
            serde_json::json!({"n": 2}),
            "the replayed state only"
        );
    });
    send_signal(&replay.child, "-TERM");
    let (code, err) = finish(&mut replay);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err.matches("nothing answers this request").count(),
        2,
        "{err}"
    );
}

// ---- run: several scenarios, reports for CI --------------------------------------

const TWO: &str = r#"{
  "version": 1,
  "server": { "port": 8080 },
  "initialState": { "mode": "idle" },
  "scenarios": [
    { "name": "ok", "steps": [ { "setState": { "path": "mode", "value": "ready" } },
                              { "expectState": { "path": "mode", "value": "ready", "withinMs": 1000 } } ] },
    { "name": "bad <one>", "steps": [
        { "expectState": { "path": "mode", "value": "idle", "withinMs": 1000 } },
        { "expectRequest": { "name": "go", "withinMs": 300 } } ] }
  ]
}
"#;

/// `run --all --junit --json`: every scenario in the file's order, each in
/// a fresh studio (the second sees the initial state, not what the first
/// set), a JUnit testcase and a JSON entry per scenario, the failed step's
/// message in both; there were neither --all nor report files.
#[test]
fn run_all_writes_junit_and_json_reports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = write(dir.path(), "ws.json", TWO);
    let (junit, json) = (dir.path().join("junit.xml"), dir.path().join("run.json"));
    let mut run = spawn(
        &[
            "run",
            ws.to_str().expect("utf-8 path"),
            "--all",
            "--port",
            "0",
            "--wait-for",
            "0",
            "--junit",
            junit.to_str().expect("utf-8 path"),
            "--json",
            json.to_str().expect("utf-8 path"),
        ],
        &[("RUST_LOG", "warn")],
    );
    let (code, err) = finish(&mut run);
    let out = run.seen.join("\n");
    assert_eq!(code, Some(1), "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("1 passed, 1 failed, 0 unusable, 0 stopped, 0 not run (of 2 scenarios)"),
        "{out}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report"))
            .expect("valid JSON");
    assert_eq!(report["exitCode"], 1, "{report}");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    let outcomes: Vec<_> = scenarios
        .iter()
        .map(|s| (s["name"].as_str(), s["outcome"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (Some("ok"), Some("passed")),
            (Some("bad <one>"), Some("failed"))
        ]
    );
    // Fresh: the first scenario's "ready" is not what the second starts from.
    assert_eq!(scenarios[1]["report"]["results"][0]["ok"], true, "{report}");
    let failed = &scenarios[1]["report"]["results"][1];
    assert_eq!(failed["ok"], false, "{report}");
    assert!(
        failed["message"]
            .as_str()
            .is_some_and(|m| m.contains("go: no such request within 300 ms")),
        "{report}"
    );
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report");
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains(r#"tests="2" failures="1" errors="0""#),
        "{xml}"
    );
    assert!(xml.contains(r#"<testcase name="ok""#), "{xml}");
    assert!(xml.contains(r#"<testcase name="bad &lt;one&gt;""#), "{xml}");
    assert!(
        xml.contains(r#"<failure message="step 2 expectRequest go: no such request within 300 ms"#),
        "{xml}"
    );
    assert!(
        xml.contains("✓  1 expectState"),
        "steps in system-out: {xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    assert_eq!(xml.matches("</testcase>").count(), 2, "{xml}");
}

/// `--scenario` repeated runs those, in the order given; a name the
/// workspace lacks stops the run before any starts (2). No dashboard:
/// each is unusable, with why in the reports.
#[test]
fn run_repeated_scenarios_in_order_and_unusable_ones_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = write(dir.path(), "ws.json", TWO);
    let ws = ws.to_str().expect("utf-8 path");
    let json = dir.path().join("run.json");
    let json_arg = json.to_str().expect("utf-8 path");
    let mut run = spawn(
        &[
            "run",
            ws,
            "--scenario",
            "nope",
            "--scenario",
            "ok",
            "--port",
            "0",
            "--json",
            json_arg,
        ],
        &[("RUST_LOG", "warn")],
    );
    let (code, err) = finish(&mut run);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--scenario \"nope\""), "{err}");
    assert!(!json.exists(), "nothing ran");

    let mut run = spawn(
        &[
            "run",
            ws,
            "--scenario",
            "bad <one>",
            "--scenario",
            "ok",
            "--timeout",
            "0.3",
            "--port",
            "0",
            "--json",
            json_arg,
        ],
        &[("RUST_LOG", "warn")],
    );
    let (code, err) = finish(&mut run);
    assert_eq!(code, Some(2), "{err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report"))
            .expect("valid JSON");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 2, "{report}");
    assert_eq!(scenarios[0]["name"], "bad <one>", "{report}");
    assert_eq!(scenarios[1]["name"], "ok", "{report}");
    for s in scenarios {
        assert_eq!(s["outcome"], "unusable", "{report}");
        assert!(
            s["error"]
                .as_str()
                .is_some_and(|e| e.contains("0 of 1 dashboard(s) connected within 0.3 s")),
            "{report}"
        );
    }
}

// ---- --ready-file ------------------------------------------------------------------

/// Waits (bounded) for `path` to hold the ready JSON of `child`.
fn ready_file(path: &Path, child: &Child) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && v["pid"] == child.id()
        {
            return v;
        }
        assert!(
            start.elapsed() < CLI_DEADLINE,
            "no ready file at {} (it has {text:?})",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `--ready-file`: serve, proxy and replay write their addresses as JSON
/// once listening, an old file replaced; the proxy's juggler address is
/// its own, not the upstream (which came first in its text, and a script's
/// grep took it). There was nothing but the text.
#[test]
fn serve_proxy_and_replay_write_a_ready_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ready.json");
    let file_arg = file.to_str().expect("utf-8 path");
    let rec = recording(dir.path(), 3);
    let upstream = "ws://127.0.0.1:9/ws";
    let page = dir.path().join("page");
    std::fs::create_dir(&page).expect("mkdir");
    write(&page, "index.html", PAGE);
    let page = page.to_str().expect("utf-8 path");
    let runs: [&[&str]; 3] = [
        &["serve", "--port", "0", "--ui", "--ready-file", file_arg],
        &[
            "proxy",
            upstream,
            "--generation",
            "0.7",
            "--static-dir",
            page,
            "--port",
            "0",
            "--ui",
            "--ready-file",
            file_arg,
        ],
        &[
            "replay",
            rec.to_str().expect("utf-8 path"),
            "--port",
            "0",
            "--ready-file",
            file_arg,
        ],
    ];
    for args in runs {
        std::fs::write(&file, "left by an earlier run").expect("write");
        let mut running = spawn(args, &[("RUST_LOG", "warn")]);
        let ready = ready_file(&file, &running.child);
        let printed = running.printed("juggler:");
        assert_eq!(ready["juggler"], printed.as_str(), "{args:?}: {ready}");
        assert_ne!(ready["juggler"], upstream, "{ready}");
        assert_eq!(
            ready["control"],
            running.printed("control:").as_str(),
            "{ready}"
        );
        assert_eq!(
            ready["dashboard"],
            running.printed("dashboard:").as_str(),
            "{ready}"
        );
        match args[0] {
            "serve" => assert_eq!(ready["ui"], running.printed("ui:").as_str(), "{ready}"),
            "proxy" => {
                assert_eq!(ready["upstream"], upstream, "{ready}");
                assert_eq!(ready["ui"], running.printed("ui:").as_str(), "{ready}");
            }
            _ => {}
        }
        send_signal(&running.child, "-TERM");
        let (code, err) = finish(&mut running);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        // Gone once stopped: a script checking for it must not find a dead studio's addresses.
        assert!(
            !file.exists(),
            "{args:?}: the ready file outlived its studio"
        );
    }
}

/// A ready file that another studio took over meanwhile (the same path
/// given to both) is that one's: the first one's stop leaves it.
#[test]
fn a_stopping_studio_leaves_a_ready_file_it_no_longer_owns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ready.json");
    let mut running = spawn(
        &[
            "serve",
            "--port",
            "0",
            "--ready-file",
            file.to_str().expect("utf-8 path"),
        ],
        &[("RUST_LOG", "warn")],
    );
    ready_file(&file, &running.child);
    std::fs::write(&file, "{\"pid\": 1}").expect("write");
    send_signal(&running.child, "-TERM");
    let (code, err) = finish(&mut running);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("still there"),
        "{\"pid\": 1}"
    );
}

/// `run --ready-file`: a script that plays the dashboard itself reads where
/// to connect from the file.
#[test]
fn run_writes_a_ready_file_a_dashboard_connects_by() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = write(dir.path(), "ws.json", TWO);
    let file = dir.path().join("ready.json");
    let mut run = spawn(
        &[
            "run",
            ws.to_str().expect("utf-8 path"),
            "--scenario",
            "ok",
            "--port",
            "0",
            "--ready-file",
            file.to_str().expect("utf-8 path"),
        ],
        &[("RUST_LOG", "warn")],
    );
    let ready = ready_file(&file, &run.child);
    assert_eq!(ready["scenario"], "ok", "{ready}");
    let url = ready["juggler"].as_str().expect("a juggler URL").to_owned();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dash = rt.block_on(async {
        tokio::time::timeout(CLI_DEADLINE, juggler::ClientBuilder::new(&url).connect())
            .await
            .expect("in time")
            .expect("the dashboard connects")
    });
    let (code, err) = finish(&mut run);
    drop(dash);
    assert_eq!(code, Some(0), "{err}\n{:?}", run.seen);
    assert!(!file.exists(), "the ready file outlived the run");
}

// ---- on a terminal ---------------------------------------------------------------

/// `juggler-studio ARGS…` on a terminal (util-linux `script` gives it a
/// pseudo-terminal), `env` set; what the terminal showed is its stdout.
fn spawn_on_terminal(args: &[&str], env: &[(&str, &str)]) -> Running {
    let bin = cargo_bin!("juggler-studio");
    let command = std::iter::once(bin.to_str().expect("utf-8 path"))
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new("script");
    cmd.args(["-qefc", &command, "/dev/null"]);
    start(cmd, env)
}

/// On a terminal the replay's progress bar is redrawn in place, log lines
/// are coloured (not with NO_COLOR), and a log line written while the bar
/// is drawn starts on a line of its own: the warning was glued to the end
/// of the bar.
#[test]
fn on_a_terminal_the_bar_stays_and_log_lines_start_their_own_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rec = recording(dir.path(), 300);
    let rec = rec.to_str().expect("utf-8 path");
    let args = ["replay", rec, "--port", "0", "--wait-for", "1", "--exit"];
    for no_colour in [false, true] {
        let env: &[(&str, &str)] = if no_colour { &[("NO_COLOR", "1")] } else { &[] };
        let mut replay = spawn_on_terminal(&args, env);
        let url = replay.printed("juggler:");
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let dash =
                tokio::time::timeout(CLI_DEADLINE, juggler::ClientBuilder::new(&url).connect())
                    .await
                    .expect("in time")
                    .expect("the dashboard connects");
            // While the bar is drawn (3 s of recording): a request nothing
            // answers, which logs a warning.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let _ = dash.send("nobody.answers", serde_json::json!(1)).await;
            dash.wait_closed().await;
        });
        let (code, _) = finish(&mut replay);
        let screen = replay.seen.join("\n");
        assert_eq!(code, Some(0), "{screen:?}");
        assert!(
            screen.contains("\r  ["),
            "a bar redrawn in place: {screen:?}"
        );
        let warning = screen
            .lines()
            .find(|l| l.contains("nothing answers this request"))
            .unwrap_or_else(|| panic!("no warning in {screen:?}"));
        assert!(!warning.contains("entries, t ="), "glued: {warning:?}");
        assert_eq!(screen.contains('\x1b'), !no_colour, "{screen:?}");
    }
}
