//! Slow and dead peers: a client that stops reading costs a bounded queue
//! (and, with `NotifyOverflow::Close`, its connection); a peer that stops
//! answering pings is closed and forgotten; accepted sockets get TCP
//! keepalive; a server that stops still answers the requests it has read.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use common::{client, next_conn, serve, within};
use futures_util::StreamExt;
use juggler::server::{Connection, ServerBuilder};
use juggler::{ClientBuilder, Error, Generation, NotifyOverflow, Server, TransportConfig};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A raw WebSocket whose socket has a tiny receive buffer; the caller
/// decides whether it ever reads.
async fn raw_small_buffer(
    server: &Server,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let stream = socket
        .connect(server.local_addr())
        .await
        .expect("tcp connect");
    let (ws, _) = tokio_tungstenite::client_async(server.url(), stream)
        .await
        .expect("handshake");
    ws
}

/// Notifies `conn` until `notify` fails, watching the send queue; returns
/// (notifications sent, the longest queue seen, the error).
async fn flood(conn: &Connection, payload: &serde_json::Value) -> (u64, usize, Error) {
    let mut sent = 0;
    let mut longest = 0;
    loop {
        longest = longest.max(conn.queued());
        match conn.notify("flood", payload).await {
            Ok(()) => sent += 1,
            Err(e) => return (sent, longest, e),
        }
    }
}

#[tokio::test]
async fn a_stuck_reader_is_closed_while_others_keep_receiving() {
    const QUEUE: usize = 8;
    let (server, mut conns) = serve(
        ServerBuilder::new()
            .send_queue_size(QUEUE)
            .notify_overflow(NotifyOverflow::Close(Duration::from_millis(200))),
    )
    .await;
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let good = ClientBuilder::new(server.url())
        .on_notify(move |_, _| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .connect()
        .await
        .expect("connect");
    let good_conn = next_conn(&mut conns).await;
    let mut stuck = raw_small_buffer(&server).await;
    let stuck_conn = next_conn(&mut conns).await;

    let payload = json!("x".repeat(16 * 1024));
    // The stuck reader: the socket buffers fill, then the queue, then
    // notify fails once the queue has been full for 200 ms.
    let (sent, longest, err) = within(flood(&stuck_conn, &payload)).await;
    assert!(matches!(err, Error::ConnectionClosed { .. }), "{err}");
    assert!(longest <= QUEUE, "queue grew to {longest}");
    assert!(sent > 0);
    within(stuck_conn.wait_closed()).await;
    // Meanwhile the good client gets every one of its notifications.
    for _ in 0..500 {
        good_conn.notify("flood", &payload).await.expect("notify");
    }
    within(async {
        while received.load(Ordering::Relaxed) < 500 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(good.send("", 1).await.expect("ping"), json!(1));
    let open: Vec<_> = server.connections().iter().map(Connection::id).collect();
    assert_eq!(open, vec![good_conn.id()], "the stuck connection is gone");
    // What reaches the stuck reader once it reads: its backlog, then the
    // close (1008, with the reason), or a reset if the close frame could
    // not be written in time.
    let close = within(async {
        while let Some(frame) = stuck.next().await {
            if let Ok(Message::Close(f)) = frame {
                return f;
            }
            if frame.is_err() {
                return None;
            }
        }
        None
    })
    .await;
    if let Some(f) = close {
        assert_eq!(f.code, CloseCode::Policy);
        assert!(f.reason.contains("send queue full"), "{}", f.reason);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn with_wait_a_stuck_reader_holds_a_bounded_queue_and_stays_open() {
    const QUEUE: usize = 4;
    let (server, mut conns) = serve(ServerBuilder::new().send_queue_size(QUEUE)).await;
    let _stuck = raw_small_buffer(&server).await;
    let conn = next_conn(&mut conns).await;
    let payload = json!("y".repeat(16 * 1024));
    // try_notify fills the socket and then the queue, and then says QueueFull.
    let full = within(async {
        loop {
            match conn.try_notify("flood", &payload) {
                Ok(()) => tokio::task::yield_now().await,
                Err(e) => return e,
            }
        }
    })
    .await;
    assert!(matches!(full, Error::QueueFull), "{full}");
    assert_eq!(conn.queued(), QUEUE);
    // notify waits; the connection stays open and the queue stays bounded.
    let waiting = tokio::time::timeout(Duration::from_millis(200), conn.notify("flood", &payload));
    assert!(waiting.await.is_err(), "notify waits for room");
    assert!(conn.is_open());
    assert_eq!(conn.queued(), QUEUE);
    server.shutdown().await;
}

#[tokio::test]
async fn close_policy_zero_closes_at_the_first_full_queue() {
    let (server, mut conns) = serve(
        ServerBuilder::new()
            .send_queue_size(2)
            .notify_overflow(NotifyOverflow::Close(Duration::ZERO)),
    )
    .await;
    let _stuck = raw_small_buffer(&server).await;
    let conn = next_conn(&mut conns).await;
    let payload = json!("z".repeat(16 * 1024));
    let err = within(async {
        loop {
            if let Err(e) = conn.try_notify("flood", &payload) {
                return e;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(matches!(err, Error::ConnectionClosed { .. }), "{err}");
    within(conn.wait_closed()).await;
    within(async {
        while !server.connections().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    server.shutdown().await;
}

/// 0.7: a peer that stops answering pings is closed (1001, "ping timeout")
/// and disappears from `connections()`.
#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_closed_and_forgotten() {
    let transport = TransportConfig {
        generation: Generation::V07,
        ping_delay: Duration::from_millis(100),
        ping_timeout: Duration::from_millis(200),
        ..TransportConfig::default()
    };
    let (server, mut conns) = serve(ServerBuilder::new().transport(transport)).await;
    let talker = client(&server).await;
    let talker_conn = next_conn(&mut conns).await;
    // A raw peer: reads (so it sees the pings) but never answers.
    let (mut mute, _) = tokio_tungstenite::connect_async(server.url())
        .await
        .expect("connect");
    let mute_conn = next_conn(&mut conns).await;
    let mut pings = 0;
    let close = within(async {
        while let Some(Ok(frame)) = mute.next().await {
            match frame {
                Message::Text(t) if t.as_str().starts_with('2') => pings += 1,
                Message::Close(f) => return f,
                _ => {}
            }
        }
        None
    })
    .await
    .expect("a close frame");
    assert!(pings >= 1);
    assert_eq!(close.code, CloseCode::Away);
    assert!(close.reason.contains("ping timeout"), "{}", close.reason);
    within(mute_conn.wait_closed()).await;
    within(async {
        while server.connections().len() != 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(server.connections()[0].id(), talker_conn.id());
    // Our client answers pings: it is still there after several rounds.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(talker.is_open());
    assert_eq!(talker.send("", 2).await.expect("ping"), json!(2));
    server.shutdown().await;
}

#[tokio::test]
async fn accepted_sockets_have_tcp_keepalive() {
    let cases = [
        (None, Some(Duration::from_secs(60))),
        (
            Some(Some(Duration::from_secs(15))),
            Some(Duration::from_secs(15)),
        ),
        (Some(None), None),
    ];
    for (setting, expect) in cases {
        let mut builder = ServerBuilder::new();
        if let Some(s) = setting {
            builder = builder.tcp_keepalive(s);
        }
        let (server, mut conns) = serve(builder).await;
        let _c = client(&server).await;
        let conn = next_conn(&mut conns).await;
        assert_eq!(conn.tcp_keepalive(), expect, "setting {setting:?}");
        server.shutdown().await;
    }
}

/// Stopping the server answers the requests it has already read, within
/// `shutdown_timeout`; what takes longer fails with a connection error.
#[tokio::test]
async fn shutdown_drains_pending_responses() {
    let started = Arc::new(AtomicUsize::new(0));
    let seen = started.clone();
    let (server, _conns) = serve(
        ServerBuilder::new()
            .parallel_requests(true)
            .shutdown_timeout(Duration::from_millis(1500))
            .on_request(move |_conn, name, data| {
                seen.fetch_add(1, Ordering::SeqCst);
                async move {
                    let ms = if name == "slow" { 10_000 } else { 300 };
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    Ok(data)
                }
            }),
    )
    .await;
    let c = client(&server).await;
    let quick = tokio::spawn({
        let c = c.clone();
        async move { c.send("quick", 7).await }
    });
    let slow = tokio::spawn({
        let c = c.clone();
        async move { c.send("slow", 8).await }
    });
    within(async {
        while started.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    within(server.shutdown()).await;
    let quick = within(quick).await.expect("task");
    assert_eq!(quick.expect("answered during the drain"), json!(7));
    let slow = within(slow).await.expect("task");
    assert!(
        matches!(slow, Err(Error::ConnectionClosed { .. })),
        "past shutdown_timeout: {slow:?}"
    );
}
