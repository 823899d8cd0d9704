//! What a first-time user of the crate runs into: builder calls in any
//! order, errors that say why and what to do.

mod common;

use std::time::Duration;

use common::{next_conn, serve, within};
use juggler::server::ServerBuilder;
use juggler::{ClientBuilder, Error, Generation, TransportConfig};
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
