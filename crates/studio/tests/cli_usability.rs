//! The command line as an outside team met it in CI (clitester's
//! FINDINGS.md): defaults that work for both generations, exit codes that
//! tell a bad session, messages that say what to pass.

mod common;

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_cmd::cargo::cargo_bin;
use common::cli::{CLI_DEADLINE, Running};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// A recording of generation `generation` with one state.
fn recording(dir: &Path, generation: &str) -> PathBuf {
    let text = format!(
        "{{\"format\":\"juggler-studio-recording\",\"version\":1,\"generation\":\"{generation}\",\
         \"startedAt\":1796356571028,\"url\":\"ws://127.0.0.1:1/ws\",\"source\":\"test\"}}\n\
         {{\"t\":0.0,\"kind\":\"state\",\"diff\":[{{\"op\":\"replace\",\"path\":\"\",\"value\":{{\"n\":0}}}}]}}\n"
    );
    write(dir, &format!("rec{generation}.ndjson"), &text)
}

/// The body of `GET url` (plain HTTP, the whole response read).
fn http_body(url: &str) -> String {
    let rest = url.trim_start_matches("http://");
    let (addr, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(CLI_DEADLINE)).expect("timeout");
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

/// `juggler-studio ARGS…` with stdout and stderr piped (RUST_LOG=warn).
fn spawn(args: &[&str]) -> std::process::Child {
    Command::new(cargo_bin!("juggler-studio"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start juggler-studio")
}

/// F13: `replay REC` without --workspace (--help's example) served the
/// 0.6 demo page, whose client cannot connect to the 0.7 server a 0.7
/// recording gets, and warned to set a generation the recording does not
/// have. Now the demo page's client is the recording's generation.
#[test]
fn replay_without_a_workspace_serves_a_demo_page_of_the_recordings_generation() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (generation, version) in [("0.7", "0.7.0"), ("0.6", "0.6.18")] {
        let rec = recording(dir.path(), generation);
        let mut child = spawn(&["replay", rec.to_str().expect("utf-8"), "--port", "0"]);
        let stderr = child.stderr.take().expect("piped stderr");
        let mut replay = Running::of(child);
        let dashboard = replay.printed("dashboard:");
        let package = http_body(&format!("{dashboard}vendor/@hat-open/juggler/package.json"));
        assert!(
            package.contains(&format!("\"version\": \"{version}\"")),
            "{generation}: {package}"
        );
        let page = http_body(&format!("{dashboard}index.html"));
        assert!(page.contains(version), "{page}");
        drop(replay);
        let mut err = String::new();
        let _ = std::io::BufReader::new(stderr).read_to_string(&mut err);
        assert!(!err.contains("cannot connect"), "{generation}: {err}");
        assert!(!err.contains("server.generation"), "{generation}: {err}");
    }
}
