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
