//! What a first-time user of the crate runs into: builder calls in any
//! order, errors that say why and what to do.

mod common;

use std::time::Duration;

use common::{next_conn, self_signed, serve, within};
use juggler::server::ServerBuilder;
use juggler::{ClientBuilder, ConnectFailure, Error, Generation, TransportConfig, Trust};
use serde_json::json;

/// A whole `TransportConfig` given after (or before) one setting keeps
/// that setting, on both builders.
#[tokio::test]
async fn transport_settings_compose_in_any_order() {
    let big = TransportConfig {
        max_message_size: 200 << 20,
        ..TransportConfig::default()
    };
    let (server, mut conns) = serve(
        ServerBuilder::new()
            .generation(Generation::V07)
            .max_message_size(1000)
            .transport(TransportConfig::default()),
    )
    .await;
    assert_eq!(server.config().transport.generation, Generation::V07);
    assert_eq!(server.config().transport.max_message_size, 1000);
    let c = ClientBuilder::new(server.url())
        .generation(Generation::V07)
        .transport(big.clone())
        .connect()
        .await
        .expect("connect");
    next_conn(&mut conns).await;
    assert_eq!(c.generation(), Generation::V07);
    assert_eq!(within(c.send("", json!(1))).await.ok(), Some(json!(1)));
    // The server's 1000-byte limit held through its `transport(..)`.
    let e = within(c.send("", "x".repeat(2000)))
        .await
        .expect_err("over the server's limit");
    assert!(matches!(e, Error::ConnectionClosed { .. }), "{e}");

    // The other order gives the same.
    let c = ClientBuilder::new(server.url())
        .transport(big)
        .generation(Generation::V07)
        .max_depth(7)
        .connect()
        .await
        .expect("connect");
    assert_eq!(c.generation(), Generation::V07);
    assert_eq!(within(c.send("", json!(2))).await.ok(), Some(json!(2)));
    server.shutdown().await;
}

/// A generation given wins over detection in either order: called before
/// `detect_generation`, it was ignored and the client detected.
#[tokio::test]
async fn a_given_generation_wins_over_detection_in_any_order() {
    // A quiet 0.6 server: detection would say 0.6.
    let (server, _conns) = serve(
        ServerBuilder::new()
            .generation(Generation::V06)
            .max_message_size(1000),
    )
    .await;
    for builder in [
        ClientBuilder::new(server.url())
            .generation(Generation::V07)
            .detect_generation(Duration::from_secs(5)),
        ClientBuilder::new(server.url())
            .detect_generation(Duration::from_secs(5))
            .generation(Generation::V07),
    ] {
        let c = within(builder.connect()).await.expect("connect");
        assert_eq!(c.generation(), Generation::V07);
    }
    server.shutdown().await;
}

/// The error a failed `send` gives carries why the connection closed: it
/// was only in `close_reason()`, the error said "connection closed".
#[tokio::test]
async fn a_closed_connection_says_why_in_the_error() {
    let (server, mut conns) = serve(ServerBuilder::new().generation(Generation::V06)).await;
    let c = ClientBuilder::new(server.url())
        .generation(Generation::V07)
        .connect()
        .await
        .expect("connect");
    let conn = next_conn(&mut conns).await;
    let e = within(c.send("x", 1)).await.expect_err("wrong generation");
    let Error::ConnectionClosed { reason } = &e else {
        panic!("not ConnectionClosed: {e}");
    };
    assert!(reason.contains("generation 0.7"), "{reason}");
    assert!(e.to_string().contains("set both to the same"), "{e}");
    // Later calls say the same, and so does the server's side.
    let again = c.send("x", 1).await.expect_err("closed").to_string();
    assert_eq!(again, e.to_string());
    within(conn.wait_closed()).await;
    let e = conn.notify("n", 1).await.expect_err("closed").to_string();
    assert!(e.contains("generation 0.7"), "{e}");
    assert_eq!(
        conn.close_reason().as_deref().map(|r| r.contains("0.7")),
        Some(true)
    );
    server.shutdown().await;
}

/// A state over the client's `max_message_size` ends the connection with
/// an error that names the setting, once ("protocol error: protocol
/// error:" it said for 0.7), in the same words for both generations.
#[tokio::test]
async fn an_oversized_message_names_the_limit_to_raise() {
    for generation in [Generation::V06, Generation::V07] {
        let (server, mut conns) = serve(
            ServerBuilder::new()
                .generation(generation)
                .autoflush(Some(Duration::ZERO))
                .max_message_size(1000),
        )
        .await;
        let c = ClientBuilder::new(server.url())
            .generation(generation)
            .max_message_size(1000)
            .connect()
            .await
            .expect("connect");
        let conn = next_conn(&mut conns).await;
        conn.state().set([], json!("x".repeat(5000)));
        within(c.wait_closed()).await;
        let e = c.send("", 1).await.expect_err("closed").to_string();
        assert!(
            e.contains("over the limit of 1000 bytes")
                && e.contains("ClientBuilder::max_message_size"),
            "{generation}: {e}"
        );
        assert_eq!(e.matches("protocol error").count(), 0, "{e}");

        // A request over the server's limit: the client hears why.
        let c = ClientBuilder::new(server.url())
            .generation(generation)
            .connect()
            .await
            .expect("connect");
        let e = within(c.send("", "y".repeat(2000)))
            .await
            .expect_err("closed")
            .to_string();
        assert!(
            e.contains("closed by peer: message of at least")
                && e.contains("over the limit of 1000 bytes (max_message_size)"),
            "{generation}: {e}"
        );
        server.shutdown().await;
    }
}

/// The connect error of `address`, checked to be of `kind` (`None`: not a
/// connect failure) and to say each of `hints`.
async fn refused(address: &str, kind: Option<ConnectFailure>, hints: &[&str]) -> Error {
    let e = within(
        ClientBuilder::new(address)
            .connect_timeout(Duration::from_millis(500))
            .connect(),
    )
    .await
    .expect_err("refused");
    let text = e.to_string();
    assert_eq!(e.connect_failure(), kind, "{text}");
    for hint in hints {
        assert!(text.contains(hint), "{hint:?} missing: {text}");
    }
    e
}

/// The usual mistakes of a first connect are named with what to do: a bare
/// "HTTP 302 Found", "URL scheme not supported", "received corrupt message
/// of type InvalidContentType", "httparse error: invalid HTTP version" and
/// a Debug-formatted certificate error said nothing of the fix.
#[tokio::test]
async fn connect_mistakes_say_what_to_do() {
    let (plain, _) = serve(ServerBuilder::new()).await;
    let port = plain.local_addr().port();
    for path in ["", "/"] {
        let address = format!("ws://127.0.0.1:{port}{path}");
        let e = refused(
            &address,
            Some(ConnectFailure::HttpStatus(302)),
            &["302", "/ws"],
        )
        .await;
        assert_eq!(e.http_status(), Some(302));
    }
    let e = refused(&format!("http://127.0.0.1:{port}/ws"), None, &["use ws://"]).await;
    assert!(matches!(e, Error::Config(_)), "{e}");
    let tls = Some(ConnectFailure::Tls);
    refused(&format!("wss://127.0.0.1:{port}/ws"), tls, &["use ws://"]).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let (pem, _) = self_signed(dir.path());
    let (tls_server, _) = serve(ServerBuilder::new().pem_file(&pem).expect("pem")).await;
    let port = tls_server.local_addr().port();
    let handshake = Some(ConnectFailure::Handshake);
    refused(
        &format!("ws://127.0.0.1:{port}/ws"),
        handshake,
        &["use wss://"],
    )
    .await;
    let trust = ["Trust::CaFile", "Trust::AcceptAny"];
    let e = refused(&format!("wss://localhost:{port}/ws"), tls, &trust).await;
    assert!(e.certificate_refused().is_some(), "{e}");
    assert!(!e.to_string().contains("Other("), "Debug format: {e}");
    assert!(!e.connect_failure().is_some_and(|k| k.is_transient()));
    // The trust the text names works.
    ClientBuilder::new(format!("wss://localhost:{port}/ws"))
        .trust(Trust::AcceptAny)
        .connect()
        .await
        .expect("AcceptAny");
    plain.shutdown().await;
    tls_server.shutdown().await;
}

/// Not reaching the server is one variant whatever the cause: a refused
/// port was `Error::WebSocket(Io(..))`, a timeout `Error::Io`.
#[tokio::test]
async fn unreachable_servers_are_one_transient_kind() {
    let listener = || tokio::net::TcpListener::bind("127.0.0.1:0");
    let gone = listener().await.expect("bind");
    let address = format!("ws://{}/ws", gone.local_addr().expect("addr"));
    drop(gone);
    let unreachable = Some(ConnectFailure::Unreachable);
    let e = refused(&address, unreachable, &["is the server running"]).await;
    assert!(e.connect_failure().is_some_and(|k| k.is_transient()));

    // Accepts TCP (the kernel's backlog) and never answers the handshake.
    let silent = listener().await.expect("bind");
    let address = format!("ws://{}/ws", silent.local_addr().expect("addr"));
    let e = refused(
        &address,
        Some(ConnectFailure::TimedOut),
        &["connect_timeout"],
    )
    .await;
    assert!(e.connect_failure().is_some_and(|k| k.is_transient()));
}

/// A port in use names the address and what to do; a PEM file without a
/// key says "TLS:" once.
#[tokio::test]
async fn server_set_up_errors_name_the_address_and_say_tls_once() {
    let (server, _) = serve(ServerBuilder::new()).await;
    let addr = server.local_addr();
    let e = ServerBuilder::new()
        .bind(addr)
        .await
        .err()
        .expect("in use")
        .to_string();
    assert!(e.contains(&addr.to_string()) && e.contains("port 0"), "{e}");
    server.shutdown().await;

    let dir = tempfile::tempdir().expect("tempdir");
    let (_, cert_pem) = self_signed(dir.path());
    let cert_only = dir.path().join("cert.pem");
    std::fs::write(&cert_only, cert_pem).expect("write");
    let e = ServerBuilder::new()
        .pem_file(&cert_only)
        .err()
        .expect("no key")
        .to_string();
    assert_eq!(e.matches("TLS").count(), 1, "{e}");
}

#[derive(Debug)]
struct MyError;

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("my error")
    }
}

impl std::error::Error for MyError {}

/// `?` in a handler takes any error, as the reference answers any
/// exception with its text (it compiled only for a few types), and the
/// reference's `connect(address, None)` compiles (it could not infer the
/// callback's type).
#[tokio::test]
async fn handlers_take_any_error_and_connect_takes_none() {
    fn boxed() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Err("boxed".into())
    }
    let (server, mut conns) = serve(ServerBuilder::new().on_request(
        |_conn, name, data| async move {
            match name.as_str() {
                "mine" => Err(MyError)?,
                "boxed" => boxed()?,
                "parse" => {
                    let n: i64 = data.as_str().unwrap_or_default().parse()?;
                    return Ok(json!(n));
                }
                "text" => return Err("some text".into()),
                _ => return Err(juggler::HandlerError(json!({"code": 7}))),
            }
            Ok(json!(null))
        },
    ))
    .await;
    let c = juggler::connect(&server.url(), None)
        .await
        .expect("connect");
    next_conn(&mut conns).await;
    for (name, data, answer) in [
        ("mine", json!(null), json!("my error")),
        ("boxed", json!(null), json!("boxed")),
        ("parse", json!("x"), json!("invalid digit found in string")),
        ("text", json!(null), json!("some text")),
        ("other", json!(null), json!({"code": 7})),
    ] {
        match within(c.send(name, data)).await {
            Err(Error::Juggler(got)) => assert_eq!(got, answer, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    assert_eq!(within(c.send("parse", "21")).await.ok(), Some(json!(21)));

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _c = juggler::connect(
        &server.url(),
        Some(std::sync::Arc::new(move |name, data| {
            let _ = tx.send((name, data));
        })),
    )
    .await
    .expect("connect");
    let conn = next_conn(&mut conns).await;
    conn.notify("hi", 1).await.expect("notify");
    assert_eq!(within(rx.recv()).await, Some(("hi".to_owned(), json!(1))));
    server.shutdown().await;
}
