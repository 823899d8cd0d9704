//! A client that is not told the server's wire generation tells it from
//! what the server sends: its first frame, or, from a server that says
//! nothing, the answer to a 0.7 ping (a 0.6 server closes that connection
//! and the client connects again as 0.6).

mod common;

use std::time::Duration;

use common::{converged, within};
use juggler::server::ServerBuilder;
use juggler::{ClientBuilder, Generation};
use serde_json::{Value, json};

const LIMIT: Duration = Duration::from_secs(5);

async fn server(generation: Generation, state: Option<Value>) -> juggler::Server {
    // Not `common::serve`: that installs its own connection handler.
    ServerBuilder::new()
        .generation(generation)
        .autoflush(Some(Duration::ZERO))
        .on_connection(move |conn| {
            let state = state.clone();
            async move {
                if let Some(s) = state {
                    conn.state().set(juggler::Path::root(), s);
                }
            }
        })
        .on_request(|_, _, data| async move { Ok(data) })
        .bind("127.0.0.1:0")
        .await
        .expect("bind")
}

#[tokio::test]
async fn each_generation_is_told_with_or_without_a_first_state() {
    for generation in [Generation::V06, Generation::V07] {
        for state in [None, Some(json!({"ready": true}))] {
            let server = server(generation, state.clone()).await;
            let client = within(
                ClientBuilder::new(server.url())
                    .detect_generation(LIMIT)
                    .connect(),
            )
            .await
            .expect("connect");
            assert_eq!(client.generation(), generation, "{generation:?} {state:?}");
            // The frame read to tell it is not lost: the first state is mirrored.
            if let Some(s) = &state {
                converged(&client, s).await;
            }
            let echoed = within(client.send("echo", json!([1, "x"])))
                .await
                .expect("echo");
            assert_eq!(echoed, json!([1, "x"]));
            server.shutdown().await;
        }
    }
}

#[tokio::test]
async fn a_given_generation_is_not_second_guessed() {
    let server = server(Generation::V07, None).await;
    let client = ClientBuilder::new(server.url())
        .detect_generation(LIMIT)
        .generation(Generation::V07)
        .connect()
        .await
        .expect("connect");
    assert_eq!(client.generation(), Generation::V07);
    server.shutdown().await;
}

/// A WebSocket server that accepts and then says nothing, ever.
#[tokio::test]
async fn a_server_that_never_speaks_is_named_with_what_to_do() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((tcp, _)) = listener.accept().await {
            let ws = tokio_tungstenite::accept_async(tcp).await;
            // Hold it open and read nothing.
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(ws);
        }
    });
    let err = within(
        ClientBuilder::new(format!("ws://{addr}/ws"))
            .detect_generation(Duration::from_millis(800))
            .connect(),
    )
    .await
    .expect_err("no generation");
    let text = err.to_string();
    assert!(text.contains("--generation 0.6 or 0.7"), "{text}");
}
