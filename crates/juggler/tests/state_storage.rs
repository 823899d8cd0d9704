//! The state `Storage` as handlers and watchers use it over real
//! connections: atomic updates from many connections at once, and
//! watches that end with their connection.

mod common;

use std::time::Duration;

use common::{client, converged, next_conn, serve, within};
use juggler::server::ServerBuilder;
use juggler::{ClientBuilder, Generation, Patch, Storage, path};
use serde_json::{Value, json};

/// Handlers of many connections incrementing one shared counter on a
/// multi-threaded runtime: with `update` every increment counts and each
/// request sees its own count (the reference's `state.set(p,
/// state.get(p) + 1)` is safe only on its single thread).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn increments_from_many_connections_all_count() {
    const CLIENTS: u64 = 20;
    const EACH: u64 = 50;
    let state = Storage::with_data(json!({"n": 0}));
    // Handlers start their increments in groups, to make them collide.
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(CLIENTS as usize));
    let server = ServerBuilder::new()
        .shared_state(state.clone())
        .parallel_requests(true)
        .on_request(move |conn, _name, _data| {
            let start = start.clone();
            async move {
                start.wait().await;
                let mut n = 0;
                conn.state().update(path!["n"], |old| {
                    n = old.and_then(Value::as_u64).unwrap_or(0) + 1;
                    json!(n)
                });
                Ok(json!(n))
            }
        })
        .bind("127.0.0.1:0")
        .await
        .expect("bind");
    let mut requests = tokio::task::JoinSet::new();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let c = client(&server).await;
        for _ in 0..EACH {
            let c = c.clone();
            requests.spawn(async move { c.send("inc", Value::Null).await });
        }
        clients.push(c);
    }
    let mut seen = Vec::new();
    while let Some(answer) = within(requests.join_next()).await {
        let answer = answer.expect("join").expect("answer");
        seen.push(answer.as_u64().expect("a count"));
    }
    seen.sort_unstable();
    let twice: Vec<_> = seen.windows(2).filter(|w| w[0] == w[1]).collect();
    assert!(
        twice.is_empty(),
        "counts answered twice (increments lost): {twice:?}"
    );
    assert_eq!(seen, (1..=CLIENTS * EACH).collect::<Vec<_>>());
    assert_eq!(state.get(path!["n"]), Some(json!(CLIENTS * EACH)));
    server.shutdown().await;
}

/// The watch of a client's mirror and that of its connection's own state
/// see the last change, then end when the connection closes; the watch
/// of a shared state goes on.
#[tokio::test]
async fn state_watches_end_when_the_connection_closes() {
    for generation in [Generation::V06, Generation::V07] {
        let builder = ServerBuilder::new()
            .generation(generation)
            .autoflush(Some(Duration::ZERO));
        let (server, mut conns) = serve(builder).await;
        let c = client(&server).await;
        let conn = next_conn(&mut conns).await;
        let mut mirror = c.state().subscribe();
        let mut own = conn.state().subscribe();
        conn.state().set([], json!(1));
        assert_eq!(within(own.changed()).await, Some(json!(1)));
        assert_eq!(within(mirror.changed()).await, Some(json!(1)));
        server.shutdown().await;
        assert_eq!(within(mirror.changed()).await, None, "{generation}");
        assert_eq!(within(own.changed()).await, None, "{generation}");
        assert!(!c.is_open());

        let shared = Storage::new();
        let builder = ServerBuilder::new()
            .generation(generation)
            .shared_state(shared.clone());
        let (server, mut conns) = serve(builder).await;
        let c = client(&server).await;
        let conn = next_conn(&mut conns).await;
        let mut watch = conn.state().subscribe();
        c.close();
        within(conn.wait_closed()).await;
        shared.set([], json!("still served"));
        assert_eq!(within(watch.changed()).await, Some(json!("still served")));
        server.shutdown().await;
    }
}

/// Watching the state of a `Client` that was a temporary: dropping it
/// closes the connection, and the watch says so instead of waiting for
/// ever.
#[tokio::test]
async fn the_watch_of_a_dropped_client_ends() {
    let (server, mut conns) = serve(ServerBuilder::new()).await;
    let mut watch = ClientBuilder::new(server.url())
        .connect()
        .await
        .expect("connect")
        .state()
        .subscribe();
    let conn = next_conn(&mut conns).await;
    within(conn.wait_closed()).await;
    while within(watch.changed()).await.is_some() {}
    server.shutdown().await;
}

/// With autoflush zero, five sets made at once by a handler reach the
/// client as one `state` message with their operations in order (the
/// spec allows coalescing; the reference would send five); awaiting
/// `flush` after each sends each in a message of its own, as documented
/// on `ServerConfig::autoflush`.
#[tokio::test]
async fn autoflush_zero_coalesces_changes_made_at_once_unless_flushed() {
    let (server, _conns) = serve(
        ServerBuilder::new()
            .autoflush(Some(Duration::ZERO))
            .shared_state(Storage::with_data(json!({"v": -1})))
            .on_request(|conn, name, _data| async move {
                for i in 0..5 {
                    conn.state().set(path!["v"], json!(i));
                    if name == "flushed" {
                        conn.flush().await?;
                    }
                }
                Ok(Value::Null)
            }),
    )
    .await;
    let diffs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = diffs.clone();
    let c = ClientBuilder::new(server.url())
        .on_traffic(move |t| {
            if let juggler::MessageView::State { diff } = &t.message {
                let diff = match diff {
                    Patch::Value(v) => (*v).clone(),
                    Patch::Text(t) => serde_json::from_str(t).expect("a diff"),
                };
                seen.lock().expect("lock").push(diff);
            }
        })
        .connect()
        .await
        .expect("connect");
    let take = || std::mem::take(&mut *diffs.lock().expect("lock"));
    let ops = || -> Vec<Value> {
        (0..5)
            .map(|i| json!({"op": "replace", "path": "/v", "value": i}))
            .collect()
    };
    converged(&c, &json!({"v": -1})).await;
    take();
    within(c.send("at_once", Value::Null))
        .await
        .expect("answer");
    assert_eq!(take(), vec![Value::Array(ops())]);
    within(c.send("flushed", Value::Null))
        .await
        .expect("answer");
    let one_each: Vec<Value> = ops().into_iter().map(|op| json!([op])).collect();
    assert_eq!(take(), one_each);
    server.shutdown().await;
}
