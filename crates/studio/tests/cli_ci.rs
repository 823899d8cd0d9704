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
    cmd.args(args)
        .env("RUST_LOG", "info")
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
    send_signal(&serve.child, "-INT");
    let (code, err) = finish(&mut serve);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("studio server started"), "{err}");
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
}
