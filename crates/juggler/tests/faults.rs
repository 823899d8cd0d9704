//! Faults injected on purpose into one connection: each does what it says,
//! only to that connection, and stops when it is turned off.

mod common;

use std::time::{Duration, Instant};

use common::{client, converged, next_conn, serve, within};
use futures_util::{SinkExt, StreamExt};
use juggler::Generation;
use juggler::server::{FaultSettings, ServerBuilder};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

fn echo_server(generation: Generation) -> ServerBuilder {
    ServerBuilder::new()
        .generation(generation)
        .autoflush(Some(Duration::ZERO))
        .on_request(|_conn, _name, data| async move { Ok(data) })
}

#[tokio::test]
async fn delays_apply_to_their_kind_of_message() {
    let (server, mut conns) = serve(echo_server(Generation::V06)).await;
    let c = client(&server).await;
    let conn = next_conn(&mut conns).await;
    let other = client(&server).await;
    conn.faults().set(FaultSettings {
        delay_response_ms: 300,
        ..Default::default()
    });
    let t = Instant::now();
    assert_eq!(
        within(c.send("echo", json!(1))).await.expect("answer"),
        json!(1)
    );
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    // Another connection is not delayed: it answers while this one waits.
    let slow = tokio::spawn({
        let c = c.clone();
        async move { c.send("echo", json!(2)).await }
    });
    assert_eq!(
        within(other.send("echo", json!(3))).await.expect("answer"),
        json!(3)
    );
    assert!(
        !slow.is_finished(),
        "the faulty connection answered at once"
    );
    assert_eq!(within(slow).await.expect("join").expect("answer"), json!(2));

    conn.faults().set(FaultSettings {
        delay_state_ms: 300,
        ..Default::default()
    });
    let t = Instant::now();
    conn.state().set(juggler::path!["x"], json!(1));
    converged(&c, &json!({"x": 1})).await;
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );

    conn.faults().set(FaultSettings {
        delay_notify_ms: 300,
        ..Default::default()
    });
    assert_eq!(conn.faults().get().delay_notify_ms, 300);
    conn.faults().set(FaultSettings::default());
    assert!(!conn.faults().get().is_active());
}

#[tokio::test]
async fn held_state_goes_out_when_released() {
    let (server, mut conns) = serve(echo_server(Generation::V06)).await;
    let c = client(&server).await;
    let conn = next_conn(&mut conns).await;
    conn.state().set(juggler::path!["v"], json!(0));
    converged(&c, &json!({"v": 0})).await;
    conn.faults().set(FaultSettings {
        hold_state: true,
        ..Default::default()
    });
    // The fault is in force once a request sent after it is answered.
    within(c.send("sync", json!(null))).await.expect("answer");
    for v in 1..=5 {
        conn.state().set(juggler::path!["v"], json!(v));
    }
    // Answers go through, state does not.
    within(c.send("probe", json!(null))).await.expect("answer");
    assert_eq!(c.state().data(), json!({"v": 0}));
    conn.faults().set(FaultSettings::default());
    converged(&c, &json!({"v": 5})).await;
}

#[tokio::test]
async fn empty_name_requests_can_go_unanswered() {
    let (server, mut conns) = serve(echo_server(Generation::V06)).await;
    let c = client(&server).await;
    let conn = next_conn(&mut conns).await;
    within(c.ping()).await.expect("a ping is answered");
    conn.faults().set(FaultSettings {
        ignore_empty_requests: true,
        ..Default::default()
    });
    within(c.send("sync", json!(null))).await.expect("answer");
    let ping = tokio::time::timeout(Duration::from_millis(300), c.ping()).await;
    assert!(ping.is_err(), "the ping was answered: {ping:?}");
    assert_eq!(
        within(c.send("named", json!(7))).await.expect("answer"),
        json!(7)
    );
}

/// A raw 0.7 connection to `url`.
async fn raw07(
    url: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    tokio_tungstenite::connect_async(url)
        .await
        .expect("connect")
        .0
}

/// The next text frame.
async fn next_text(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> String {
    within(async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => return t.to_string(),
                Some(Ok(_)) => continue,
                other => panic!("connection ended: {other:?}"),
            }
        }
    })
    .await
}

#[tokio::test]
async fn pings_07_can_go_unanswered_and_segments_can_be_tiny() {
    let (server, mut conns) = serve(echo_server(Generation::V07)).await;
    let mut ws = raw07(&server.url()).await;
    let conn = next_conn(&mut conns).await;
    // Pings are answered…
    ws.send(Message::text("2abc")).await.expect("send");
    assert_eq!(next_text(&mut ws).await, "3abc");

    conn.faults().set(FaultSettings {
        ignore_pings: true,
        segment_size: Some(1),
        ..Default::default()
    });
    ws.send(Message::text("2ping")).await.expect("send");
    let request = r#"0{"type":"request","id":2,"name":"echo","data":"seg"}"#;
    ws.send(Message::text(request)).await.expect("send");
    // No "3ping" comes: the next frames are the answer, one character each.
    let mut answer = String::new();
    loop {
        let frame = next_text(&mut ws).await;
        assert!(frame != "3ping", "the ping was answered");
        assert!(
            frame.chars().count() <= 2,
            "a segment of more than 1 character: {frame:?}"
        );
        answer.push_str(&frame[1..]);
        if frame.starts_with('0') {
            break;
        }
    }
    let msg: Value = serde_json::from_str(&answer).expect("the segments make one JSON message");
    assert_eq!(msg["id"], json!(2));
    assert_eq!(msg["data"], json!("seg"));
}

#[tokio::test]
async fn a_dropped_connection_ends_without_a_close_frame() {
    let (server, mut conns) = serve(echo_server(Generation::V06)).await;
    let mut ws = raw07(&server.url()).await;
    let conn = next_conn(&mut conns).await;
    let good = client(&server).await;
    conn.drop_connection();
    let end = within(async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(f))) => return format!("close frame {f:?}"),
                Some(Ok(_)) => continue,
                None => return "ended".to_owned(),
                Some(Err(e)) => return format!("error {e}"),
            }
        }
    })
    .await;
    assert!(!end.starts_with("close frame"), "{end}");
    within(conn.wait_closed()).await;
    assert_eq!(
        within(good.send("still", json!(1))).await.expect("answer"),
        json!(1)
    );
}

#[tokio::test]
async fn default_faults_apply_before_anything_is_sent() {
    let template = juggler::server::Faults::new(FaultSettings {
        hold_state: true,
        ..Default::default()
    });
    let (server, mut conns) = serve(
        echo_server(Generation::V06)
            .shared_state(juggler::Storage::with_data(json!({"a": 1})))
            .default_faults(template.clone()),
    )
    .await;
    let c = client(&server).await;
    let conn = next_conn(&mut conns).await;
    within(c.send("probe", json!(null))).await.expect("answer");
    assert_eq!(
        c.state().data(),
        Value::Null,
        "the initial state was not held"
    );
    // The template does not reach open connections; their own faults do.
    template.set(FaultSettings::default());
    within(c.send("probe", json!(null))).await.expect("answer");
    assert_eq!(c.state().data(), Value::Null);
    conn.faults().set(FaultSettings::default());
    converged(&c, &json!({"a": 1})).await;
}
