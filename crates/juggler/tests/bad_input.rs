//! Whatever a peer sends costs at most its own connection: it is closed with
//! a close frame that says why, and a well-behaved connection open during the
//! abuse keeps working with an exact state.

mod common;

use std::time::Duration;

use common::{client, converged, next_conn, serve, within};
use futures_util::{SinkExt, StreamExt};
use juggler::Generation;
use juggler::server::ServerBuilder;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Sends `frame` on a raw WebSocket and returns the close frame's code and
/// reason that the server answers with.
async fn abuse(url: &str, frame: Message) -> (Option<CloseCode>, String) {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    // A send may already fail when the server closes first on huge frames.
    let _ = ws.send(frame).await;
    within(async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(Some(f)))) => return (Some(f.code), f.reason.to_string()),
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => {
                    return (None, String::new());
                }
                Some(Ok(_)) => continue,
            }
        }
    })
    .await
}

#[tokio::test]
async fn each_bad_frame_closes_only_its_connection() {
    for generation in [Generation::V06, Generation::V07] {
        let (server, mut conns) = serve(
            ServerBuilder::new()
                .generation(generation)
                .max_message_size(1024 * 1024)
                .autoflush(Some(Duration::ZERO)),
        )
        .await;
        let good = client(&server).await;
        let good_conn = next_conn(&mut conns).await;
        let wrap = |s: &str| match generation {
            Generation::V06 => s.to_owned(),
            Generation::V07 => format!("0{s}"),
        };
        let cases: Vec<(&str, Message, &str)> = vec![
            (
                "invalid JSON",
                Message::text(wrap("{not json")),
                "invalid JSON",
            ),
            (
                "non-object",
                Message::text(wrap("[1,2,3]")),
                "not a JSON object",
            ),
            (
                "unknown type",
                Message::text(wrap(r#"{"type":"bogus","id":1}"#)),
                "unknown variant",
            ),
            (
                "missing id",
                Message::text(wrap(r#"{"type":"request","name":"a","data":1}"#)),
                "missing field `id`",
            ),
            (
                "string id",
                Message::text(wrap(r#"{"type":"request","id":"1","name":"a","data":1}"#)),
                "request",
            ),
            (
                "missing name",
                Message::text(wrap(r#"{"type":"request","id":1,"data":1}"#)),
                "missing field `name`",
            ),
            (
                "numeric name",
                Message::text(wrap(r#"{"type":"request","id":1,"name":7,"data":1}"#)),
                "request",
            ),
            (
                "response from a client",
                Message::text(wrap(
                    r#"{"type":"response","id":1,"success":true,"data":1}"#,
                )),
                "only requests",
            ),
            ("binary frame", Message::binary(vec![1u8, 2, 3]), "binary"),
            (
                "over-limit frame",
                Message::text(wrap(&format!(
                    "{{\"x\":\"{}\"}}",
                    "a".repeat(2 * 1024 * 1024)
                ))),
                "",
            ),
        ];
        let mut cases = cases;
        match generation {
            Generation::V06 => cases.push((
                "0.7 frame on 0.6",
                Message::text(r#"0{"type":"request","id":1,"name":"","data":1}"#),
                "peer speaks generation 0.7",
            )),
            Generation::V07 => {
                cases.push((
                    "0.6 frame on 0.7",
                    Message::text(r#"{"type":"request","id":1,"name":"","data":1}"#),
                    "0.6 message",
                ));
                cases.push((
                    "unknown 0.7 frame type",
                    Message::text("9abc"),
                    "frame type",
                ));
            }
        }
        for (i, (what, frame, reason)) in cases.into_iter().enumerate() {
            let (code, got) = abuse(&server.url(), frame).await;
            if what == "over-limit frame" {
                // tungstenite refuses it while reading: the socket goes away
                // (a close code is sent where the stream still allows it).
                assert!(
                    code.is_none() || code != Some(CloseCode::Normal),
                    "{what}: {code:?}"
                );
            } else {
                assert_eq!(code, Some(CloseCode::Protocol), "{generation} {what}");
                assert!(got.contains(reason), "{generation} {what}: reason {got:?}");
            }
            // The good connection is untouched and its state exact.
            good_conn.state().set(juggler::path!["round"], json!(i));
            converged(&good, &json!({"round": i})).await;
            assert_eq!(good.send("", json!(i)).await.ok(), Some(json!(i)), "{what}");
        }
        assert!(server.is_open());
        assert_eq!(
            server.connections().len(),
            1,
            "only the good connection is left"
        );
        server.shutdown().await;
    }
}

#[tokio::test]
async fn plain_http_on_the_ws_path_is_refused_politely() {
    let (server, _) = serve(ServerBuilder::new()).await;
    let res = tokio_tungstenite::connect_async(format!("ws://{}/nope", server.local_addr())).await;
    assert!(res.is_err());
    let addr = server.local_addr();
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    s.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut buf = String::new();
    within(s.read_to_string(&mut buf)).await.expect("read");
    assert!(buf.starts_with("HTTP/1.1 400"), "{buf}");
    assert!(buf.contains("WebSocket"), "{buf}");
    server.shutdown().await;
}

#[tokio::test]
async fn garbage_bytes_on_the_socket_do_not_hurt_the_server() {
    let (server, _) = serve(ServerBuilder::new()).await;
    use tokio::io::AsyncWriteExt;
    for junk in [
        &b"\x16\x03\x01\x00\xff garbage"[..],
        b"\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
    ] {
        let mut s = tokio::net::TcpStream::connect(server.local_addr())
            .await
            .expect("connect");
        let _ = s.write_all(junk).await;
    }
    let c = client(&server).await;
    assert_eq!(c.send("", 1).await.ok(), Some(json!(1)));
    server.shutdown().await;
}

/// A 0.6 peer that says nothing for `idle_timeout` is closed (a peer that
/// vanished without closing leaves nothing behind); one that pings stays.
#[tokio::test]
async fn silent_06_peers_are_closed_after_the_idle_timeout() {
    let (server, mut conns) =
        serve(ServerBuilder::new().idle_timeout(Some(Duration::from_millis(300)))).await;
    let (mut silent, _) = tokio_tungstenite::connect_async(server.url())
        .await
        .expect("connect");
    let silent_conn = next_conn(&mut conns).await;
    let talker = client(&server).await;
    let talker_conn = next_conn(&mut conns).await;
    let pinging = async {
        for _ in 0..12 {
            talker.send("", 1).await.expect("ping");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    within(async { tokio::join!(pinging, silent_conn.wait_closed()) }).await;
    assert!(!silent_conn.is_open());
    assert!(talker_conn.is_open(), "a peer that talks is kept");
    // The silent peer is told why.
    let reason = within(async {
        loop {
            match silent.next().await {
                Some(Ok(Message::Close(Some(f)))) => return (f.code, f.reason.to_string()),
                None | Some(Err(_)) | Some(Ok(Message::Close(None))) => panic!("no close frame"),
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert_eq!(reason.0, CloseCode::Away);
    assert!(reason.1.contains("idle"), "{}", reason.1);
    server.shutdown().await;
}
