//! Only the dashboard's own pages may talk to the studio's servers (the
//! hole of CVE-2025-24010 in Vite's dev server: cross-site WebSocket
//! hijacking and DNS rebinding): `serve`, `replay` and the browser side of
//! `proxy` refuse a foreign `Host` on every route and a foreign `Origin` on
//! the WebSocket by default, say in their log what to change, and let
//! `--allow-origin` widen it.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use assert_cmd::cargo::cargo_bin;
use common::cli::Running;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const FOREIGN: &str = "http://evil.example";

/// `juggler-studio ARGS…` with stderr kept (for the refusals' log lines).
fn start(args: &[&str]) -> Running {
    let child = Command::new(cargo_bin!("juggler-studio"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start juggler-studio");
    Running::of(child)
}

/// The status of `GET path` with this `Host` (and `Origin`).
async fn get(url: &str, path: &str, host: &str, origin: Option<&str>) -> u16 {
    let addr = url
        .trim_start_matches("ws://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("an address")
        .to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let origin = origin
        .map(|o| format!("Origin: {o}\r\n"))
        .unwrap_or_default();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{origin}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    String::from_utf8_lossy(&buf)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Whether a WebSocket handshake with this `Origin` is accepted.
async fn handshake(ws_url: &str, origin: Option<&str>) -> Result<(), u16> {
    let mut req = ws_url.into_client_request().expect("request");
    if let Some(origin) = origin {
        req.headers_mut()
            .insert("Origin", origin.parse().expect("header"));
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => Ok(()),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("handshake: {e}"),
    }
}

/// The checks on one server whose juggler URL is `ws_url`; `allowed` when
/// it was started with `--allow-origin` for the foreign site.
async fn check(ws_url: &str, allowed: bool) {
    let own_host = ws_url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .expect("host:port")
        .to_owned();
    let own_origin = format!("http://{own_host}");
    let port = own_host.rsplit_once(':').map(|(_, p)| p).expect("a port");
    let localhost = format!("localhost:{port}");
    assert_eq!(
        handshake(ws_url, Some(&own_origin)).await,
        Ok(()),
        "own page"
    );
    assert_eq!(handshake(ws_url, None).await, Ok(()), "no Origin (a tool)");
    assert_ne!(get(ws_url, "/", &localhost, None).await, 403, "localhost");
    // The dashboard loop's socket (live reload, the console) and client.
    let studio_socket = ws_url.replace("/ws", "/__studio/socket");
    let foreign_socket = handshake(&studio_socket, Some(FOREIGN)).await;
    let foreign_client = get(ws_url, "/__studio/client.js", "evil.example", None).await;
    let foreign_ws = handshake(ws_url, Some(FOREIGN)).await;
    let foreign_page = get(ws_url, "/", "evil.example", None).await;
    let foreign_fetch = get(ws_url, "/", &own_host, Some(FOREIGN)).await;
    if allowed {
        assert_eq!(foreign_ws, Ok(()), "allowed by --allow-origin");
        assert_ne!(foreign_page, 403);
        assert_ne!(foreign_fetch, 403);
    } else {
        assert_eq!(foreign_ws, Err(403), "a foreign Origin on /ws");
        assert_eq!(
            foreign_socket,
            Err(403),
            "a foreign Origin on the studio's socket"
        );
        assert_eq!(
            foreign_client, 403,
            "a foreign Host for the studio's client"
        );
        assert_eq!(foreign_page, 403, "a foreign Host (DNS rebinding)");
        assert_eq!(foreign_fetch, 403, "a foreign page's request");
    }
}

/// Stops the process and returns its stderr.
fn stderr_of(mut running: Running) -> String {
    let _ = running.child.kill();
    let _ = running.child.wait();
    let mut text = String::new();
    if let Some(mut err) = running.child.stderr.take() {
        let _ = err.read_to_string(&mut text);
    }
    text
}

fn assert_says_what_to_change(log: &str) {
    let line = log
        .lines()
        .find(|l| l.contains("refused a request"))
        .unwrap_or_else(|| panic!("no refusal logged: {log}"));
    assert!(
        line.contains("evil.example")
            && line.contains("server.allowedOrigins")
            && line.contains("--allow-origin"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_replay_and_proxy_answer_only_their_own_pages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let recording = dir.path().join("r.ndjson");
    std::fs::write(
        &recording,
        "{\"format\":\"juggler-studio-recording\",\"version\":1,\"generation\":\"0.6\",\
         \"startedAt\":1,\"url\":null,\"source\":\"test\"}\n\
         {\"t\":0,\"kind\":\"state\",\"diff\":[{\"op\":\"replace\",\"path\":\"\",\"value\":1}]}\n",
    )
    .expect("write a recording");
    let rec = recording.to_str().expect("utf-8");
    for allowed in [false, true] {
        let extra: &[&str] = if allowed {
            &["--allow-origin", FOREIGN]
        } else {
            &[]
        };
        fn with<'a>(args: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
            [args, extra].concat()
        }

        let mut serve = start(&with(
            &["serve", "--port", "0", "--control-port", "0"],
            extra,
        ));
        let url = serve.printed("juggler:");
        check(&url, allowed).await;
        // The demo's folder is served with live reload: its own pages
        // reach the studio's socket.
        let own = url.replace("ws://", "http://").replace("/ws", "");
        assert_eq!(
            handshake(&url.replace("/ws", "/__studio/socket"), Some(&own)).await,
            Ok(()),
            "the studio's socket from its own page"
        );

        let mut replay = start(&with(&["replay", rec, "--port", "0"], extra));
        check(&replay.printed("juggler:"), allowed).await;

        let mut proxy = start(&with(
            &["proxy", &url, "--port", "0", "--control-port", "0"],
            extra,
        ));
        check(&proxy.printed("juggler:"), allowed).await;

        for running in [serve, replay, proxy] {
            let log = stderr_of(running);
            if !allowed {
                assert_says_what_to_change(&log);
            }
        }
    }
}
