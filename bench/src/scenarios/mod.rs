//! The scenarios: what each one sends, what it checks and what it
//! measures. Each run gets a fresh server; every count is bounded and the
//! caller bounds every run in time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bench::check::{median_index, percentile};
use bench::docgen;
use bench::error::{Error, Result, check_failed};
use bench::mirror::{Mirror, to_mirror_value};
use serde_json::{Value, json};
use sonic_rs::JsonValueTrait;
use tokio::task::JoinSet;

use crate::load::{self, Peer};
use crate::servers::{self, Env, Kind, Options};

mod big_state;
mod memory;

use big_state::big_state;
pub use memory::memory;

/// The scenarios, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Scenario {
    /// 10 connections × 20,000 `echo`, 16 in flight each.
    Requests,
    /// 1 connection × 20,000 `echo`, 1 in flight.
    Requests1,
    /// Shared state: 10 clients mirror a 10,000-change burst.
    Fanout10,
    /// Shared state: 100 clients mirror a 1,000-change burst.
    Fanout100,
    /// 200,000 notifications on one connection.
    Notify,
    /// A ~10.8 MB state: late joiner, then one leaf change.
    BigState,
    /// 2,000 connect-ping-close cycles, 64 at once.
    Churn,
    /// Ours only: RSS per idle connection; a client that stops reading.
    Memory,
    /// Shared state: a storm of 1,000 clients, then 100 changes to all
    /// (where the reference gets to the end).
    Scale1k,
    /// Shared state: a storm of 10,000 clients, then 100 changes to all.
    Scale,
    /// The studio (`juggler-studio serve`): 1,000 dashboards, traffic log
    /// on, 10 minutes: its memory.
    StudioSoak,
    /// The studio against the library: fan-out and requests, traffic log
    /// on, a control client connected.
    Studio,
}

impl Scenario {
    /// Every scenario, in report order.
    pub const ALL: [Scenario; 12] = [
        Scenario::Requests,
        Scenario::Requests1,
        Scenario::Fanout10,
        Scenario::Fanout100,
        Scenario::Notify,
        Scenario::BigState,
        Scenario::Churn,
        Scenario::Memory,
        Scenario::Scale1k,
        Scenario::Scale,
        Scenario::StudioSoak,
        Scenario::Studio,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Requests => "requests",
            Scenario::Requests1 => "requests1",
            Scenario::Fanout10 => "fanout10",
            Scenario::Fanout100 => "fanout100",
            Scenario::Notify => "notify",
            Scenario::BigState => "big-state",
            Scenario::Churn => "churn",
            Scenario::Memory => "memory",
            Scenario::Scale1k => "scale1k",
            Scenario::Scale => "scale",
            Scenario::StudioSoak => "studio-soak",
            Scenario::Studio => "studio",
        }
    }

    /// The server options it needs.
    pub fn options(self) -> Options {
        match self {
            Scenario::Fanout10 | Scenario::Fanout100 => Options {
                shared_state: true,
                ..Options::default()
            },
            Scenario::BigState => Options {
                shared_state: true,
                big_messages: true,
                ..Options::default()
            },
            Scenario::Scale | Scenario::Scale1k => Options {
                shared_state: true,
                // The connections and the one that asks for the burst.
                max_connections: Some(crate::scale::MAX_CONNECTIONS),
                ..Options::default()
            },
            _ => Options::default(),
        }
    }

    /// The servers it runs on.
    pub fn servers(self) -> &'static [Kind] {
        match self {
            Scenario::Memory | Scenario::StudioSoak => &[Kind::Ours],
            Scenario::Studio => &[Kind::Ours, Kind::Studio],
            // The floor runs inside the harness: its 10,000 server sockets
            // and the clients' would pass the file-descriptor limit.
            Scenario::Scale | Scenario::Scale1k => &[Kind::Ours, Kind::Reference],
            _ => &[Kind::Ours, Kind::Reference, Kind::Floor],
        }
    }

    /// The longest one run may take before it is reported as timed out.
    pub fn timeout(self) -> Duration {
        Duration::from_secs(match self {
            Scenario::Requests | Scenario::Requests1 | Scenario::Churn => 120,
            Scenario::Memory | Scenario::Scale | Scenario::Scale1k | Scenario::Studio => 300,
            // Its 10 minutes, connecting and checking.
            Scenario::StudioSoak => 15 * 60,
            _ => 180,
        })
    }
}

/// The counts of every scenario (a tenth of each with `--quick`).
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Connections of scenario 1.
    pub req_conns: usize,
    /// Requests per connection, scenarios 1 and 2.
    pub req_per_conn: u64,
    /// In flight per connection, scenario 1.
    pub req_window: u64,
    /// Clients and updates of scenario 3.
    pub fan10: (usize, u64),
    /// Clients and updates of scenario 4.
    pub fan100: (usize, u64),
    /// Notifications of scenario 5.
    pub notify: u64,
    /// Records of the scenario 6 document.
    pub big_objects: usize,
    /// Cycles and concurrency of scenario 7.
    pub churn: (u64, usize),
    /// Idle connections of scenario 8.
    pub idle_conns: usize,
    /// Readers and updates of the stuck-reader runs of scenario 8.
    pub stuck: (usize, u64),
    /// Runs of each stuck-reader configuration (medians are used).
    pub stuck_runs: usize,
    /// Clients and updates of scenario 9.
    pub scale: (usize, u64),
    /// Dashboards and duration of scenario 10.
    pub studio: (usize, Duration),
}

impl Sizes {
    /// The full counts, or a tenth of them.
    pub fn new(quick: bool) -> Sizes {
        let d = if quick { 10 } else { 1 };
        Sizes {
            req_conns: 10,
            req_per_conn: 20_000 / d,
            req_window: 16,
            fan10: (10, 10_000 / d),
            fan100: (100, 1_000 / d),
            notify: 200_000 / d,
            big_objects: docgen::FULL_OBJECTS / d as usize,
            churn: (2_000 / d, 64),
            idle_conns: 1_000 / d as usize,
            stuck: (9, 100_000 / d),
            stuck_runs: if quick { 1 } else { 3 },
            scale: (10_000 / d as usize, 100),
            studio: (1_000 / d as usize, Duration::from_secs(600 / d)),
        }
    }
}

/// What a long run is doing, for the report when it times out.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<std::sync::Mutex<String>>);

impl Progress {
    /// Says what the run is doing now.
    pub fn set(&self, what: impl Into<String>) {
        if let Ok(mut p) = self.0.lock() {
            *p = what.into();
        }
    }

    /// What it last said.
    pub fn get(&self) -> String {
        self.0.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

/// Named numbers measured by one run (or the medians of several).
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    /// By name; see each scenario for the names and units.
    pub values: BTreeMap<&'static str, f64>,
}

impl Metrics {
    pub(crate) fn set(&mut self, key: &'static str, value: f64) {
        self.values.insert(key, value);
    }

    /// `p50_ms` and `p99_ms` of sorted microseconds.
    pub(crate) fn set_percentiles(&mut self, sorted_us: &[u32]) {
        let ms = |p| f64::from(percentile(sorted_us, p).unwrap_or(0)) / 1000.0;
        self.set("p50_ms", ms(50.0));
        self.set("p99_ms", ms(99.0));
    }

    /// The value of `key`, if measured.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.values.get(key).copied()
    }

    /// `key=value` pairs, for the raw log.
    pub fn line(&self) -> String {
        self.values
            .iter()
            .map(|(k, v)| format!("{k}={}", short(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}

/// The large document of scenario 6, generated once.
pub struct BigDoc {
    /// The value.
    pub value: Value,
    /// Its compact JSON text.
    pub text: String,
    /// The value as a mirror holds it, to compare mirrors with.
    pub mirror_value: sonic_rs::Value,
    /// Records in it.
    pub objects: usize,
}

impl BigDoc {
    /// Generates the document of `objects` records.
    pub fn new(objects: usize) -> BigDoc {
        let value = docgen::document(objects);
        let text = value.to_string();
        BigDoc {
            mirror_value: to_mirror_value(&value),
            value,
            text,
            objects,
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn joined<T>(r: std::result::Result<Result<T>, tokio::task::JoinError>) -> Result<T> {
    r.map_err(|e| Error::Setup(format!("load task failed: {e}")))?
}

/// Runs one scenario (not [`Scenario::Memory`]) against the server at
/// `url`.
pub async fn run(
    scenario: Scenario,
    url: &str,
    pid: Option<u32>,
    sizes: &Sizes,
    doc: Option<&BigDoc>,
    progress: &Progress,
) -> Result<Metrics> {
    match scenario {
        Scenario::Requests => {
            requests(url, sizes.req_conns, sizes.req_per_conn, sizes.req_window).await
        }
        Scenario::Requests1 => requests(url, 1, sizes.req_per_conn, 1).await,
        Scenario::Fanout10 => fanout(url, sizes.fan10.0, sizes.fan10.1).await,
        Scenario::Fanout100 => fanout(url, sizes.fan100.0, sizes.fan100.1).await,
        Scenario::Notify => notify(url, sizes.notify).await,
        Scenario::BigState => match doc {
            Some(doc) => big_state(url, doc).await,
            None => Err(Error::Setup("no document generated".into())),
        },
        Scenario::Churn => churn(url, sizes.churn.0, sizes.churn.1).await,
        Scenario::Memory => Err(Error::Setup("memory runs through memory()".into())),
        Scenario::Scale => {
            crate::scale::run(url, pid, sizes.scale.0, sizes.scale.1, progress).await
        }
        Scenario::Scale1k => {
            crate::scale::run(url, pid, sizes.scale.0 / 10, sizes.scale.1, progress).await
        }
        Scenario::StudioSoak | Scenario::Studio => Err(Error::Setup(
            "the studio scenarios run through studio_soak and studio_vs".into(),
        )),
    }
}

/// Scenarios 1 and 2. Metrics: `rate` (requests/s), `p50_ms`, `p99_ms`,
/// `elapsed_s`.
pub(crate) async fn requests(
    url: &str,
    conns: usize,
    per_conn: u64,
    window: u64,
) -> Result<Metrics> {
    let mut wss = Vec::with_capacity(conns);
    for _ in 0..conns {
        wss.push(load::connect(url).await?);
    }
    let start = Instant::now();
    let mut set = JoinSet::new();
    for (i, ws) in wss.into_iter().enumerate() {
        set.spawn(load::run_requests(ws, i, per_conn, window));
    }
    let mut lat = Vec::with_capacity(conns * per_conn as usize);
    while let Some(r) = set.join_next().await {
        lat.extend(joined(r)?);
    }
    let elapsed = start.elapsed().as_secs_f64();
    if lat.len() as u64 != conns as u64 * per_conn {
        return check_failed(format!(
            "{} answers of {}",
            lat.len(),
            conns as u64 * per_conn
        ));
    }
    lat.sort_unstable();
    let mut m = Metrics::default();
    m.set("rate", lat.len() as f64 / elapsed);
    m.set("elapsed_s", elapsed);
    m.set_percentiles(&lat);
    Ok(m)
}

/// Connects `n` peers with mirrors from `mirror`, 64 at a time, each
/// pinged (so the server has set it up).
pub(crate) async fn connect_peers(
    url: &str,
    n: usize,
    mirror: fn() -> Mirror,
) -> Result<Vec<Peer>> {
    let mut peers = Vec::with_capacity(n);
    let url: Arc<str> = url.into();
    let mut left = n;
    while left > 0 {
        let batch = left.min(64);
        left -= batch;
        let mut set = JoinSet::new();
        for _ in 0..batch {
            let url = url.clone();
            set.spawn(async move {
                let mut p = Peer::connect(&url, mirror()).await?;
                p.ping().await?;
                Ok(p)
            });
        }
        while let Some(r) = set.join_next().await {
            peers.push(joined(r)?);
        }
    }
    Ok(peers)
}

pub(crate) fn watch_v() -> Mirror {
    Mirror::watching("/v")
}

fn burst_request(count: u64) -> String {
    format!("{{\"path\":[\"v\"],\"count\":{count}}}")
}

/// What one mirror client did in a burst.
pub(crate) struct Converged {
    pub(crate) at: Instant,
    pub(crate) messages: u64,
    bytes: u64,
}

/// Spawns a task per peer that reads until its mirror is `target` (every
/// diff checked, `/v` never going down).
pub(crate) fn spawn_mirrors(
    peers: Vec<Peer>,
    target: &sonic_rs::Value,
) -> JoinSet<Result<Converged>> {
    let mut set = JoinSet::new();
    for mut p in peers {
        let target = target.clone();
        set.spawn(async move {
            p.until(|p| p.mirror.value() == &target).await?;
            if p.notifies > 0 {
                return check_failed("unexpected notification");
            }
            Ok(Converged {
                at: p.last_state_at.unwrap_or_else(Instant::now),
                messages: p.mirror.messages(),
                bytes: p.mirror.bytes(),
            })
        });
    }
    set
}

/// Scenarios 3 and 4: `clients` mirrors, one more client asks for a burst
/// of `count` changes of `["v"]`. Metrics: `time_ms` (from the request to
/// the last mirror reaching `{"v": count}`), `answer_ms`, `messages_min`,
/// `messages_max` (state messages a client got).
async fn fanout(url: &str, clients: usize, count: u64) -> Result<Metrics> {
    let target = to_mirror_value(&json!({ "v": count }));
    let peers = connect_peers(url, clients, watch_v).await?;
    let mut burster = Peer::connect(url, watch_v()).await?;
    burster.ping().await?;
    let mut set = spawn_mirrors(peers, &target);
    let start = Instant::now();
    let id = burster.send("state.burst", &burst_request(count)).await?;
    let answer = burster.expect_answer(id, &count.to_string()).await?;
    burster.until(|p| p.mirror.value() == &target).await?;
    let mut last = start;
    let (mut min, mut max) = (u64::MAX, 0);
    while let Some(r) = set.join_next().await {
        let c = joined(r)?;
        last = last.max(c.at);
        min = min.min(c.messages);
        max = max.max(c.messages);
    }
    let mut m = Metrics::default();
    m.set("time_ms", ms(last - start));
    m.set("answer_ms", ms(answer.at - start));
    m.set("messages_min", min as f64);
    m.set("messages_max", max as f64);
    Ok(m)
}

/// Scenario 5. Metrics: `rate` (notifications/s), `time_ms`.
async fn notify(url: &str, count: u64) -> Result<Metrics> {
    let ws = load::connect(url).await?;
    let run = load::run_notify_burst(ws, "n", "\"0123456789abcdef\"", count).await?;
    let mut m = Metrics::default();
    m.set("rate", count as f64 / run.elapsed_s);
    m.set("time_ms", run.elapsed_s * 1000.0);
    Ok(m)
}

/// Scenario 7. Metrics: `rate` (cycles/s), `elapsed_s`.
async fn churn(url: &str, total: u64, concurrency: usize) -> Result<Metrics> {
    let next = Arc::new(AtomicU64::new(0));
    let url: Arc<str> = url.into();
    let start = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..concurrency {
        let next = next.clone();
        let url = url.clone();
        set.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return Ok::<_, Error>(());
                }
                load::churn_once(&url, i).await?;
            }
        });
    }
    while let Some(r) = set.join_next().await {
        joined(r)?;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut m = Metrics::default();
    m.set("rate", total as f64 / elapsed);
    m.set("elapsed_s", elapsed);
    Ok(m)
}
