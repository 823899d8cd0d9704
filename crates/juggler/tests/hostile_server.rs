//! Our client against a hostile server: whatever the server sends, the
//! client closes with a reason that says what went wrong, its pending
//! requests fail instead of hanging, its mirrored state is left as it was,
//! nothing panics, and another client connection (to a well-behaved server)
//! keeps working meanwhile.

mod common;

use std::time::Duration;

use common::{converged, serve, within};
use futures_util::{SinkExt, StreamExt};
use juggler::server::ServerBuilder;
use juggler::{Client, ClientBuilder, Error, Generation, TransportConfig};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The client's message size limit in these tests.
const LIMIT: usize = 64 * 1024;

/// What the hostile server does after reading the client's first request.
#[derive(Clone)]
enum Abuse {
    /// Send these frames.
    Frames(Vec<Message>),
    /// Send 0.7 continuation segments forever.
    EndlessSegments,
}

/// A one-connection raw WebSocket server: reads the client's first
/// request, answers a state first (so there is something to keep), then
/// abuses the client; returns the close code the client sent, if any.
async fn hostile(
    abuse: Abuse,
    generation: Generation,
) -> (String, tokio::task::JoinHandle<Option<CloseCode>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}/ws", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.ok()?;
        let mut ws = tokio_tungstenite::accept_async(tcp).await.ok()?;
        let prefix = if generation == Generation::V07 {
            "0"
        } else {
            ""
        };
        let state =
            json!({"type": "state", "diff": [{"op": "replace", "path": "", "value": {"kept": 1}}]});
        ws.send(Message::text(format!("{prefix}{state}")))
            .await
            .ok()?;
        // Wait for a request before the abuse, so one is pending.
        loop {
            match ws.next().await? {
                Ok(Message::Text(t)) if t.as_str().contains("\"request\"") => break,
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        match abuse {
            Abuse::Frames(frames) => {
                for f in frames {
                    if ws.send(f).await.is_err() {
                        break;
                    }
                }
            }
            Abuse::EndlessSegments => {
                let segment = format!("1{}", "s".repeat(8 * 1024));
                while ws.send(Message::text(segment.clone())).await.is_ok() {}
            }
        }
        let mut code = None;
        while let Some(Ok(frame)) = ws.next().await {
            if let Message::Close(f) = frame {
                code = f.map(|f| f.code);
                break;
            }
        }
        code
    });
    (url, task)
}

async fn our_client(url: &str, generation: Generation) -> Client {
    ClientBuilder::new(url)
        .transport(TransportConfig {
            generation,
            max_message_size: LIMIT,
            ..TransportConfig::default()
        })
        .connect()
        .await
        .expect("connect")
}

fn text(generation: Generation, v: Value) -> Message {
    match generation {
        Generation::V06 => Message::text(v.to_string()),
        Generation::V07 => Message::text(format!("0{v}")),
    }
}

#[tokio::test]
async fn every_hostile_frame_closes_the_client_with_a_reason() {
    let v06 = Generation::V06;
    let v07 = Generation::V07;
    let notify = json!({"type": "notify", "name": "n", "data": 1});
    let cases: Vec<(&str, Generation, Abuse, &str, Option<CloseCode>)> = vec![
        (
            "invalid JSON",
            v06,
            Abuse::Frames(vec![Message::text("{\"type\": \"notify\",")]),
            "invalid JSON",
            Some(CloseCode::Protocol),
        ),
        (
            "a non-object",
            v06,
            Abuse::Frames(vec![Message::text("[1, 2]")]),
            "not a JSON object",
            Some(CloseCode::Protocol),
        ),
        (
            "an unknown type",
            v07,
            Abuse::Frames(vec![text(v07, json!({"type": "bogus", "data": 1}))]),
            "bogus",
            Some(CloseCode::Protocol),
        ),
        (
            "a state whose patch does not apply",
            v06,
            Abuse::Frames(vec![text(
                v06,
                json!({"type": "state", "diff": [
                    {"op": "add", "path": "/new", "value": 2},
                    {"op": "remove", "path": "/missing/deep"}
                ]}),
            )]),
            "state diff does not apply",
            Some(CloseCode::Protocol),
        ),
        (
            "a request (servers send none)",
            v06,
            Abuse::Frames(vec![text(
                v06,
                json!({"type": "request", "id": 1, "name": "x", "data": null}),
            )]),
            "unexpected request",
            Some(CloseCode::Protocol),
        ),
        (
            "a 0.7 frame on a 0.6 connection",
            v06,
            Abuse::Frames(vec![Message::text(format!("0{notify}"))]),
            "generation 0.7",
            Some(CloseCode::Protocol),
        ),
        (
            "a 0.6 frame on a 0.7 connection",
            v07,
            Abuse::Frames(vec![Message::text(notify.to_string())]),
            "0.6 message on a 0.7 connection",
            Some(CloseCode::Protocol),
        ),
        (
            "a binary frame",
            v06,
            Abuse::Frames(vec![Message::binary(b"{}".to_vec())]),
            "binary frame",
            Some(CloseCode::Protocol),
        ),
        (
            "a frame beyond the client's limit",
            v06,
            Abuse::Frames(vec![Message::text(format!(
                "{{\"type\":\"notify\",\"name\":\"n\",\"data\":\"{}\"}}",
                "h".repeat(2 * LIMIT)
            ))]),
            "limit",
            None,
        ),
        (
            "endless 0.7 segments",
            v07,
            Abuse::EndlessSegments,
            "over the limit of 65536 bytes",
            Some(CloseCode::Size),
        ),
    ];

    // The well-behaved side: a real server and a client that keeps using it.
    let (good_server, _conns) = serve(
        ServerBuilder::new()
            .autoflush(Some(Duration::ZERO))
            .on_request(|conn, _name, data| async move {
                conn.state()
                    .set([juggler::Step::from("last")], data.clone());
                Ok(data)
            }),
    )
    .await;
    let good = common::client(&good_server).await;

    for (n, (what, generation, abuse, expect, code)) in cases.into_iter().enumerate() {
        let (url, server) = hostile(abuse, generation).await;
        let c = our_client(&url, generation).await;
        converged(&c, &json!({"kept": 1})).await;
        let pending = c.send("anything", 1);
        let result = within(pending).await;
        assert!(
            matches!(result, Err(Error::ConnectionClosed { .. })),
            "{what}: the pending request fails: {result:?}"
        );
        within(c.wait_closed()).await;
        let reason = c.close_reason().unwrap_or_default();
        assert!(reason.contains(expect), "{what}: reason {reason:?}");
        assert_eq!(c.state().data(), json!({"kept": 1}), "{what}: state kept");
        assert!(
            matches!(
                c.send("after", 1).await,
                Err(Error::ConnectionClosed { .. })
            ),
            "{what}: later requests fail at once"
        );
        let seen = within(server).await.expect("server task");
        if code.is_some() {
            assert_eq!(seen, code, "{what}: close code");
        }
        // The other connection is untouched.
        assert_eq!(good.send("echo", n).await.expect("good client"), json!(n));
        converged(&good, &json!({"last": n})).await;
    }
    good_server.shutdown().await;
}

/// A response to an id the client never sent is ignored, as the reference
/// does (it may be a late answer the client gave up on): the connection
/// stays, and the real answer still arrives.
#[tokio::test]
async fn a_response_to_an_unknown_id_is_ignored() {
    for generation in [Generation::V06, Generation::V07] {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("ws://{}/ws", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.expect("accept");
            let mut ws = tokio_tungstenite::accept_async(tcp).await.expect("ws");
            let Some(Ok(Message::Text(t))) = ws.next().await else {
                panic!("no request")
            };
            let body = t.as_str().trim_start_matches(['0', '1']);
            let request: Value = serde_json::from_str(body).expect("json");
            let id = request["id"].clone();
            for (id, data) in [(json!(999_999), json!("stray")), (id, json!("real"))] {
                let m = json!({"type": "response", "id": id, "success": true, "data": data});
                ws.send(text(generation, m)).await.expect("send");
            }
            // Hold the connection until the client closes it.
            while let Some(Ok(_)) = ws.next().await {}
        });
        let c = our_client(&url, generation).await;
        assert_eq!(within(c.send("x", 1)).await.expect("answer"), json!("real"));
        assert!(c.is_open());
        c.close();
        within(c.wait_closed()).await;
        within(server).await.expect("server task");
    }
}
