//! Scenario 9: 10,000 dashboards on one shared state. A connect storm
//! (every client connected and holding the initial state), the server's
//! RSS per connection, then a burst of 100 changes fanned out to all of
//! them (every mirror checked after every operation, as in 3 and 4).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bench::error::{Error, Result, check_failed};
use bench::mirror::{Mirror, to_mirror_value};
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::load::{self, Peer};
use crate::scenarios::{Metrics, Progress};

/// Connections the servers admit in this scenario: the clients, the one
/// that sets the state and asks for the burst, and room to spare.
pub const MAX_CONNECTIONS: usize = 20_000;

/// Clients connecting at once during the storm.
const STORM_WINDOW: usize = 256;

/// The file-descriptor limit this process wants: a socket per client, and
/// as many again for the in-process floor of the other scenarios.
const WANTED_FDS: u64 = 30_000;

/// Raises this process's soft `RLIMIT_NOFILE` towards [`WANTED_FDS`], up
/// to the hard limit (as `ulimit -n` would); the servers the harness starts
/// inherit it. Returns the soft and hard limits in force afterwards.
pub fn raise_fd_limit() -> std::io::Result<(u64, u64)> {
    rlimit::increase_nofile_limit(WANTED_FDS)?;
    rlimit::Resource::NOFILE.get()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn joined<T>(r: std::result::Result<Result<T>, tokio::task::JoinError>) -> Result<T> {
    r.map_err(|e| Error::Setup(format!("load task failed: {e}")))?
}

/// Connects `n` light clients, [`STORM_WINDOW`] at a time, each until its
/// mirror equals `initial`; returns them and when the last one got there.
async fn storm(
    url: &str,
    n: usize,
    initial: &sonic_rs::Value,
    progress: &Progress,
) -> Result<(Vec<Peer>, Instant)> {
    let url: Arc<str> = url.into();
    let window = Arc::new(Semaphore::new(STORM_WINDOW));
    let mut set = JoinSet::new();
    let mut peers = Vec::with_capacity(n);
    let mut last = Instant::now();
    let mut got = |r, peers: &mut Vec<Peer>| -> Result<()> {
        let p: Peer = joined(r)?;
        last = last.max(p.last_state_at.unwrap_or_else(Instant::now));
        peers.push(p);
        if peers.len() % 500 == 0 {
            progress.set(format!(
                "during the connect storm: {} of {n} clients connected and holding the state",
                peers.len()
            ));
        }
        Ok(())
    };
    progress.set(format!("during the connect storm: 0 of {n} clients"));
    for _ in 0..n {
        let permit = window
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::Setup(e.to_string()))?;
        let url = url.clone();
        let initial = initial.clone();
        set.spawn(async move {
            let ws = load::connect_light(&url).await?;
            let mut p = Peer::from_ws(ws, Mirror::watching("/v"));
            p.until(|p| p.mirror.value() == &initial).await?;
            drop(permit);
            Ok::<_, Error>(p)
        });
        while let Some(r) = set.try_join_next() {
            got(r, &mut peers)?;
        }
    }
    while let Some(r) = set.join_next().await {
        got(r, &mut peers)?;
    }
    Ok((peers, last))
}

/// Scenario 9 against the server at `url` (process `pid`, for its RSS;
/// `None` for none). Metrics: `conns`, `connect_ms` (storm start to the
/// last client holding the initial state), `rss_per_conn_kib` (server RSS
/// growth over the storm ÷ clients), `time_ms` (burst request to the last
/// mirror final), `p50_ms`, `p99_ms` (per-client delay from the request to
/// its mirror being final), `messages_max`.
pub async fn run(
    url: &str,
    pid: Option<u32>,
    clients: usize,
    updates: u64,
    progress: &Progress,
) -> Result<Metrics> {
    let rss = |pid: Option<u32>| pid.and_then(crate::servers::rss_kib);
    let mut m = Metrics::default();
    m.set("conns", clients as f64);
    let mut setter = Peer::connect(url, Mirror::watching("/v")).await?;
    let id = setter
        .send("state.set", r#"{"path":["v"],"value":0}"#)
        .await?;
    setter.expect_answer(id, "null").await?;
    let initial = to_mirror_value(&json!({ "v": 0 }));
    setter.until(|p| p.mirror.value() == &initial).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss(pid);

    let start = Instant::now();
    let (peers, last) = storm(url, clients, &initial, progress).await?;
    m.set("connect_ms", ms(last - start));
    tokio::time::sleep(Duration::from_millis(500)).await;
    if let (Some(b), Some(a)) = (before, rss(pid)) {
        m.set("rss_per_conn_kib", (a as f64 - b as f64) / clients as f64);
    }

    let target = to_mirror_value(&json!({ "v": updates }));
    let mut set = crate::scenarios::spawn_mirrors(peers, &target);
    progress.set(format!(
        "during the fan-out: the burst of {updates} asked, not yet answered"
    ));
    let start = Instant::now();
    let id = setter
        .send(
            "state.burst",
            &format!("{{\"path\":[\"v\"],\"count\":{updates}}}"),
        )
        .await?;
    setter.expect_answer(id, &updates.to_string()).await?;
    progress.set(format!(
        "during the fan-out: the burst answered, 0 of {clients} mirrors final"
    ));
    let mut delays = Vec::with_capacity(clients);
    let mut messages_max = 0;
    while let Some(r) = set.join_next().await {
        let c = joined(r)?;
        delays.push(u32::try_from(c.at.duration_since(start).as_micros()).unwrap_or(u32::MAX));
        messages_max = messages_max.max(c.messages);
        if delays.len() % 500 == 0 {
            progress.set(format!(
                "during the fan-out: {} of {clients} mirrors final",
                delays.len()
            ));
        }
    }
    if delays.len() != clients {
        return check_failed(format!("{} of {clients} mirrors converged", delays.len()));
    }
    delays.sort_unstable();
    let last = delays.last().copied().unwrap_or(0);
    m.set("time_ms", f64::from(last) / 1000.0);
    m.set_percentiles(&delays);
    m.set("messages_max", messages_max as f64);
    Ok(m)
}
