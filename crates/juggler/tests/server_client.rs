//! The reference's own test list, against this crate's server and client.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{client, converged, next_conn, serve, within};
use juggler::server::{HandlerError, ServerBuilder};
use juggler::{ClientBuilder, Error, Generation, Message, Storage};
use serde_json::{Value, json};

fn generations() -> [Generation; 2] {
    [Generation::V06, Generation::V07]
}

#[tokio::test]
async fn connect_listen_with_1_2_5_clients() {
    for generation in generations() {
        for n in [1, 2, 5] {
            let (server, mut conns) = serve(ServerBuilder::new().generation(generation)).await;
            let mut clients = Vec::new();
            for _ in 0..n {
                clients.push(client(&server).await);
                next_conn(&mut conns).await;
            }
            assert_eq!(server.connections().len(), n);
            let ids: std::collections::HashSet<_> =
                server.connections().iter().map(|c| c.id()).collect();
            assert_eq!(ids.len(), n, "ids are unique");
            server.shutdown().await;
            for c in &clients {
                within(c.wait_closed()).await;
            }
        }
    }
}

#[tokio::test]
async fn close_from_client() {
    for generation in generations() {
        let (server, mut conns) = serve(ServerBuilder::new().generation(generation)).await;
        let c = client(&server).await;
        let conn = next_conn(&mut conns).await;
        c.close();
        within(conn.wait_closed()).await;
        within(c.wait_closed()).await;
        assert!(!conn.is_open());
        assert!(server.is_open(), "the server goes on");
        assert!(server.connections().is_empty());
        server.shutdown().await;
    }
}

#[tokio::test]
async fn close_from_connection() {
    for generation in generations() {
        let (server, mut conns) = serve(ServerBuilder::new().generation(generation)).await;
        let c = client(&server).await;
        let conn = next_conn(&mut conns).await;
        conn.close();
        within(c.wait_closed()).await;
        within(conn.wait_closed()).await;
        assert!(matches!(
            c.send("x", 1).await,
            Err(Error::ConnectionClosed { .. })
        ));
        assert!(matches!(
            conn.notify("n", 1).await,
            Err(Error::ConnectionClosed { .. })
        ));
        assert!(matches!(
            conn.flush().await,
            Err(Error::ConnectionClosed { .. })
        ));
        server.shutdown().await;
    }
}

#[tokio::test]
async fn close_from_server() {
    let (server, mut conns) = serve(ServerBuilder::new()).await;
    let c1 = client(&server).await;
    let c2 = client(&server).await;
    let conn1 = next_conn(&mut conns).await;
    let conn2 = next_conn(&mut conns).await;
    within(server.shutdown()).await;
    for conn in [&conn1, &conn2] {
        assert!(!conn.is_open());
    }
    within(c1.wait_closed()).await;
    within(c2.wait_closed()).await;
    // A closed server refuses new connections.
    assert!(ClientBuilder::new(server.url()).connect().await.is_err());
}

#[tokio::test]
async fn notify_and_big_notify() {
    for generation in generations() {
        let (server, mut conns) = serve(ServerBuilder::new().generation(generation)).await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let c = ClientBuilder::new(server.url())
            .generation(generation)
            .on_notify(move |name, data| {
                let _ = tx.send((name, data));
            })
            .connect()
            .await
            .expect("connect");
        let conn = next_conn(&mut conns).await;
        for (name, data) in [
            ("a", json!(null)),
            ("b", json!({"x": [1, 2]})),
            ("", json!("é")),
        ] {
            conn.notify(name, &data).await.expect("notify");
            assert_eq!(within(rx.recv()).await, Some((name.to_owned(), data)));
        }
        let big = json!("x".repeat(9 * 1024 * 1024));
        conn.notify("big", &big).await.expect("big notify");
        assert_eq!(within(rx.recv()).await, Some(("big".to_owned(), big)));
        drop(c);
        server.shutdown().await;
    }
}

#[tokio::test]
async fn request_response() {
    for generation in generations() {
        let builder = ServerBuilder::new().generation(generation).on_request(
            |_conn, name, data| async move {
                match name.as_str() {
                    "echo" => Ok(data),
                    "fail" => Err(HandlerError::from("it failed")),
                    "fail_value" => Err(HandlerError(json!({"code": 7}))),
                    "panic" => panic!("handler bug"),
                    other => Err(format!("unknown {other}").into()),
                }
            },
        );
        let (server, _conns) = serve(builder).await;
        let c = client(&server).await;
        assert_eq!(
            c.send("echo", json!([1, "2"])).await.ok(),
            Some(json!([1, "2"]))
        );
        match c.send("fail", 1).await {
            Err(Error::Juggler(data)) => assert_eq!(data, json!("it failed")),
            other => panic!("{other:?}"),
        }
        match c.send("fail_value", 1).await {
            Err(Error::Juggler(data)) => assert_eq!(data, json!({"code": 7})),
            other => panic!("{other:?}"),
        }
        match c.send("panic", 1).await {
            Err(Error::Juggler(data)) => assert!(data.to_string().contains("panicked")),
            other => panic!("{other:?}"),
        }
        // An empty name is a ping: answered by the library with the data.
        assert_eq!(
            c.send("", json!({"p": 1})).await.ok(),
            Some(json!({"p": 1}))
        );
        assert!(c.ping().await.is_ok());
        server.shutdown().await;
    }
}

#[tokio::test]
async fn request_without_handler_is_not_implemented() {
    let (server, _conns) = serve(ServerBuilder::new()).await;
    let c = client(&server).await;
    match c.send("anything", 1).await {
        Err(Error::Juggler(data)) => assert_eq!(data, json!("request handler not implemented")),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.send("", 5).await.ok(), Some(json!(5)));
    server.shutdown().await;
}

#[tokio::test]
async fn pending_requests_fail_when_the_connection_closes() {
    let builder = ServerBuilder::new().on_request(|conn, _name, _data| async move {
        conn.close();
        std::future::pending::<()>().await;
        Ok(Value::Null)
    });
    let (server, _conns) = serve(builder).await;
    let c = client(&server).await;
    let c2 = c.clone();
    let a = tokio::spawn(async move { c2.send("hang", 1).await });
    let b = c.send("hang", 2).await;
    assert!(matches!(b, Err(Error::ConnectionClosed { .. })), "{b:?}");
    assert!(matches!(
        within(a).await.expect("join"),
        Err(Error::ConnectionClosed { .. })
    ));
    server.shutdown().await;
}

#[tokio::test]
async fn sequential_requests_answer_in_order() {
    let builder = ServerBuilder::new().on_request(|_conn, _name, data| async move {
        // Later requests finish sooner, but answers keep the order.
        let ms = 30 - data.as_u64().unwrap_or(0) * 3;
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(data)
    });
    let (server, _conns) = serve(builder).await;
    let c = client(&server).await;
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..10u64 {
        let c = c.clone();
        let order = order.clone();
        tasks.push(tokio::spawn(async move {
            let v = c.send("slow", i).await.expect("answer");
            order.lock().expect("lock").push(v);
        }));
        tokio::task::yield_now().await;
    }
    for t in tasks {
        within(t).await.expect("join");
    }
    let got = order.lock().expect("lock").clone();
    assert_eq!(got, (0..10).map(|i| json!(i)).collect::<Vec<_>>());
    server.shutdown().await;
}

#[tokio::test]
async fn parallel_requests_overlap() {
    let gate = Arc::new(tokio::sync::Barrier::new(3));
    let g = gate.clone();
    let builder =
        ServerBuilder::new()
            .parallel_requests(true)
            .on_request(move |_conn, _name, data| {
                let g = g.clone();
                async move {
                    // Three requests must be inside the handler at once.
                    g.wait().await;
                    Ok(data)
                }
            });
    let (server, _conns) = serve(builder).await;
    let c = client(&server).await;
    let (a, b, d) =
        within(async { tokio::join!(c.send("p", 1), c.send("p", 2), c.send("p", 3)) }).await;
    assert_eq!(
        (a.ok(), b.ok(), d.ok()),
        (Some(json!(1)), Some(json!(2)), Some(json!(3)))
    );
    server.shutdown().await;
}

#[tokio::test]
async fn state_autoflush_zero_and_small() {
    for generation in generations() {
        for autoflush in [Duration::ZERO, Duration::from_millis(10)] {
            let (server, mut conns) = serve(
                ServerBuilder::new()
                    .generation(generation)
                    .autoflush(Some(autoflush)),
            )
            .await;
            let c = client(&server).await;
            let conn = next_conn(&mut conns).await;
            conn.state().set([], json!(123));
            converged(&c, &json!(123)).await;
            conn.state().set(juggler::path!["a", 2], json!("x"));
            converged(&c, &json!({"a": [null, null, "x"]})).await;
            conn.state().remove(juggler::path!["a", 0]);
            converged(&c, &json!({"a": [null, "x"]})).await;
            conn.state().remove([]);
            converged(&c, &json!(null)).await;
            server.shutdown().await;
        }
    }
}

#[tokio::test]
async fn state_autoflush_none_waits_for_flush() {
    let (server, mut conns) = serve(ServerBuilder::new().autoflush(None)).await;
    let c = client(&server).await;
    let conn = next_conn(&mut conns).await;
    conn.state().set([], json!({"a": 1}));
    // Nothing goes out until flush: a ping round trip proves the server
    // already handled everything before it.
    c.ping().await.expect("ping");
    assert_eq!(c.state().data(), json!(null));
    within(conn.flush()).await.expect("flush");
    converged(&c, &json!({"a": 1})).await;
    server.shutdown().await;
}

#[tokio::test]
async fn flush_returns_after_the_state_is_sent() {
    let (server, mut conns) =
        serve(ServerBuilder::new().autoflush(Some(Duration::from_secs(3600)))).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let c = ClientBuilder::new(server.url())
        .on_notify(move |_, _| {
            let _ = tx.send(());
        })
        .connect()
        .await
        .expect("connect");
    let conn = next_conn(&mut conns).await;
    conn.state().set(juggler::path!["n"], json!(1));
    within(conn.flush()).await.expect("flush");
    // A notification sent after flush arrives after the state.
    conn.notify("after", 1).await.expect("notify");
    within(rx.recv()).await;
    assert_eq!(c.state().data(), json!({"n": 1}));
    server.shutdown().await;
}

#[tokio::test]
async fn rapid_changes_converge_exactly() {
    for generation in generations() {
        let (server, mut conns) = serve(
            ServerBuilder::new()
                .generation(generation)
                .autoflush(Some(Duration::ZERO)),
        )
        .await;
        let c = client(&server).await;
        let conn = next_conn(&mut conns).await;
        for i in 0..10_000 {
            conn.state().set(juggler::path!["items", i % 7], json!(i));
            if i % 1000 == 0 {
                tokio::task::yield_now().await;
            }
        }
        let expect = conn.state().data();
        converged(&c, &expect).await;
        server.shutdown().await;
    }
}

#[tokio::test]
async fn shared_state() {
    let state = Storage::new();
    let (server, mut conns) = serve(
        ServerBuilder::new()
            .shared_state(state.clone())
            .autoflush(Some(Duration::ZERO)),
    )
    .await;
    let clients = [
        client(&server).await,
        client(&server).await,
        client(&server).await,
    ];
    let conn = next_conn(&mut conns).await;
    conn.state().set(juggler::path!["x"], json!(1));
    state.set(juggler::path!["y"], json!([1, 2]));
    for c in &clients {
        converged(c, &json!({"x": 1, "y": [1, 2]})).await;
    }
    // A late joiner gets the whole state at once.
    let late = client(&server).await;
    converged(&late, &json!({"x": 1, "y": [1, 2]})).await;
    server.shutdown().await;
}

#[tokio::test]
async fn per_connection_state_is_separate() {
    let (server, mut conns) = serve(ServerBuilder::new().autoflush(Some(Duration::ZERO))).await;
    let a = client(&server).await;
    let conn_a = next_conn(&mut conns).await;
    let b = client(&server).await;
    let conn_b = next_conn(&mut conns).await;
    conn_a.state().set([], json!("a"));
    conn_b.state().set([], json!("b"));
    converged(&a, &json!("a")).await;
    converged(&b, &json!("b")).await;
    server.shutdown().await;
}

#[tokio::test]
async fn connection_handler_runs_until_the_connection_closes() {
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let builder = ServerBuilder::new()
        .autoflush(Some(Duration::ZERO))
        .on_connection(move |conn| {
            let done_tx = done_tx.clone();
            async move {
                struct Guard(tokio::sync::mpsc::UnboundedSender<()>);
                impl Drop for Guard {
                    fn drop(&mut self) {
                        let _ = self.0.send(());
                    }
                }
                let _guard = Guard(done_tx);
                let mut i = 0;
                loop {
                    conn.state().set(juggler::path!["tick"], json!(i));
                    i += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        });
    let server = builder.bind("127.0.0.1:0").await.expect("bind");
    let c = client(&server).await;
    let mut watch = c.state().subscribe();
    within(watch.changed()).await;
    c.close();
    within(done_rx.recv()).await;
    server.shutdown().await;
}

#[tokio::test]
async fn remote_address_and_user_agent() {
    let (server, mut conns) = serve(ServerBuilder::new()).await;
    let _c = ClientBuilder::new(server.url())
        .header("X-Forwarded-For", "203.0.113.7, 198.51.100.2")
        .header("User-Agent", "juggler-test")
        .connect()
        .await
        .expect("connect");
    let conn = next_conn(&mut conns).await;
    assert_eq!(conn.remote(), "198.51.100.2");
    assert_eq!(conn.user_agent(), Some("juggler-test"));
    let _plain = client(&server).await;
    let conn = next_conn(&mut conns).await;
    assert_eq!(conn.remote(), "127.0.0.1");
    server.shutdown().await;
}

#[tokio::test]
async fn stats_count_traffic() {
    let (server, mut conns) = serve(ServerBuilder::new()).await;
    let c = client(&server).await;
    let conn = next_conn(&mut conns).await;
    c.send("", 1).await.expect("ping");
    let s = conn.stats();
    assert_eq!((s.messages_in, s.messages_out), (1, 1));
    assert!(s.bytes_in > 0 && s.bytes_out > 0);
    assert_eq!(c.stats().messages_out, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn max_connections_refuses_with_503() {
    let (server, _conns) = serve(ServerBuilder::new().max_connections(1)).await;
    let _first = client(&server).await;
    let err = ClientBuilder::new(server.url())
        .connect()
        .await
        .expect_err("second is refused");
    assert!(err.to_string().contains("503"), "{err}");
    server.shutdown().await;
}

#[tokio::test]
async fn allowed_origins_refuse_foreign_pages() {
    let (server, _conns) =
        serve(ServerBuilder::new().allowed_origins(vec!["http://good.example".into()])).await;
    let ok = ClientBuilder::new(server.url())
        .header("Origin", "http://good.example")
        .connect()
        .await;
    assert!(ok.is_ok());
    let err = ClientBuilder::new(server.url())
        .header("Origin", "http://evil.example")
        .connect()
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("403"), "{err}");
    server.shutdown().await;
}

/// Regression: answers once had their own queue and overtook the
/// notifications that the same handler had sent before returning.
#[tokio::test]
async fn notifications_sent_by_a_handler_arrive_before_its_answer() {
    for parallel in [false, true] {
        let builder = ServerBuilder::new().parallel_requests(parallel).on_request(
            |conn, _name, data| async move {
                let n = data.as_u64().unwrap_or(0);
                for i in 0..n {
                    conn.notify("n", i).await?;
                }
                Ok(json!(n))
            },
        );
        let (server, _conns) = serve(builder).await;
        let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let seen = count.clone();
        let c = ClientBuilder::new(server.url())
            .on_notify(move |_, _| {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })
            .connect()
            .await
            .expect("connect");
        for round in 1..=5u64 {
            let before = count.load(std::sync::atomic::Ordering::SeqCst);
            c.send("burst", 50).await.expect("answer");
            let after = count.load(std::sync::atomic::Ordering::SeqCst);
            assert_eq!(after - before, 50, "round {round}, parallel {parallel}");
        }
        server.shutdown().await;
    }
}

/// A tapped message as text: its direction, kind and parts, and whether
/// its size is that of the message written from those parts.
fn tapped(t: &juggler::Tapped<'_>) -> String {
    use juggler::{MessageView, Patch};
    let (text, encoded) = match t.message {
        MessageView::Request { id, name, data } => (
            format!("request {id} {name} {data}"),
            Message::Request {
                id: id.clone(),
                name: name.into(),
                data: data.clone(),
            },
        ),
        MessageView::Response { id, success, data } => (
            format!("response {id} {success} {data}"),
            Message::Response {
                id: id.clone(),
                success,
                data: data.clone(),
            },
        ),
        MessageView::State { diff } => {
            let diff: Value = match diff {
                Patch::Value(v) => v.clone(),
                Patch::Text(t) => serde_json::from_str(t).expect("a JSON patch"),
            };
            (format!("state {diff}"), Message::State { diff })
        }
        MessageView::Notify { name, data } => (
            format!("notify {name} {data}"),
            Message::Notify {
                name: name.into(),
                data: data.clone(),
            },
        ),
    };
    let size = if encoded.encode().len() == t.size {
        ""
    } else {
        " (wrong size)"
    };
    format!("{:?} {text}{size}", t.direction)
}

#[tokio::test]
async fn traffic_taps_see_every_message_both_sides() {
    let seen_server = Arc::new(Mutex::new(Vec::new()));
    let s = seen_server.clone();
    let builder = ServerBuilder::new()
        .autoflush(Some(Duration::ZERO))
        .on_traffic(move |id, t| {
            s.lock().expect("lock").push(format!("{id}: {}", tapped(t)));
        })
        .on_request(|conn, _name, data| async move {
            conn.state().set([], data.clone());
            conn.notify("n", 1).await?;
            Ok(data)
        });
    let server = builder.bind("127.0.0.1:0").await.expect("bind");
    let seen_client = Arc::new(Mutex::new(Vec::new()));
    let s = seen_client.clone();
    let c = ClientBuilder::new(server.url())
        .generation(Generation::V06)
        .on_traffic(move |t| s.lock().expect("lock").push(tapped(t)))
        .connect()
        .await
        .expect("connect");
    c.send("x", json!({"a": 1})).await.expect("answer");
    let server_seen = seen_server.lock().expect("lock").clone();
    let conn = server_seen[0].split(':').next().unwrap_or("").to_owned();
    let with_conn = |s: &str| format!("{conn}: {s}");
    assert_eq!(
        server_seen,
        vec![
            with_conn(r#"In request 1 x {"a":1}"#),
            with_conn(r#"Out state [{"op":"replace","path":"","value":{"a":1}}]"#),
            with_conn("Out notify n 1"),
            with_conn(r#"Out response 1 true {"a":1}"#),
        ]
    );
    assert_eq!(
        *seen_client.lock().expect("lock"),
        vec![
            r#"Out request 1 x {"a":1}"#.to_owned(),
            r#"In state [{"op":"replace","path":"","value":{"a":1}}]"#.into(),
            "In notify n 1".into(),
            r#"In response 1 true {"a":1}"#.into(),
        ]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn handshake_check_can_refuse() {
    let builder = ServerBuilder::new().check_handshake(|parts| {
        if parts.uri.query() == Some("token=good") {
            Ok(())
        } else {
            Err((http::StatusCode::FORBIDDEN, "wrong token".into()))
        }
    });
    let (server, _) = serve(builder).await;
    let ok = ClientBuilder::new(format!("{}?token=good", server.url()))
        .connect()
        .await;
    assert!(ok.is_ok());
    let err = ClientBuilder::new(format!("{}?token=bad", server.url()))
        .connect()
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("403"), "{err}");
    server.shutdown().await;
}

/// Answers computed at once (inline on the socket task) and answers that
/// wait (on the worker) interleave and still keep the requests' order.
/// Regression: with more pipelined requests than one read batch (64), the
/// frame taken after the batch was full was dropped and never answered.
#[tokio::test]
async fn inline_and_waiting_answers_keep_their_order() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as Ws;
    let builder = ServerBuilder::new().on_request(|conn, _name, data| async move {
        let n = data.as_u64().unwrap_or(0);
        if n % 3 == 1 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        if n % 5 == 0 {
            conn.notify("before", n).await?;
        }
        Ok(data)
    });
    let (server, _conns) = serve(builder).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(server.url())
        .await
        .expect("connect");
    for i in 1..=300u64 {
        let req = json!({"type": "request", "id": i, "name": "mixed", "data": i});
        ws.feed(Ws::text(req.to_string())).await.expect("feed");
    }
    ws.flush().await.expect("flush");
    let mut ids = Vec::new();
    let mut last_notified = 0;
    while ids.len() < 300 {
        let Some(Ok(Ws::Text(t))) = within(ws.next()).await else {
            panic!("closed")
        };
        let msg: Value = serde_json::from_str(t.as_str()).expect("json");
        if msg["type"] == "notify" {
            last_notified = msg["data"].as_u64().unwrap_or(0);
            continue;
        }
        let id = msg["id"].as_u64().unwrap_or(0);
        if id % 5 == 0 {
            assert_eq!(
                last_notified, id,
                "the notification comes before its answer"
            );
        }
        ids.push(id);
    }
    assert_eq!(ids, (1..=300).collect::<Vec<_>>());
    server.shutdown().await;
}
