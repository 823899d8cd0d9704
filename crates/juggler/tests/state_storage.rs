//! The state `Storage` as handlers use it over real connections: atomic
//! updates from many connections at once.

mod common;

use common::{client, within};
use juggler::server::ServerBuilder;
use juggler::{Storage, path};
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
