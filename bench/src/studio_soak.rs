//! Scenario 10: the studio's memory with 1,000 dashboards and the traffic
//! log on, for 10 minutes. It drives `juggler-studio serve` through its
//! command line only (a workspace file in, the printed `juggler:` URL out),
//! so it does not depend on the studio's internals.
//!
//! Load: every dashboard mirrors the shared state and pings every 30 s (as
//! the browser client keeps alive); one more client asks `tick` once a
//! second, which a `setState` rule turns into a change that every
//! dashboard receives — about 1,000 state frames a second through the
//! traffic log, which keeps its newest entries within its limits.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bench::error::{Error, Result, check_failed};
use bench::mirror::{Mirror, to_mirror_value};
use serde_json::json;
use tokio::task::JoinSet;

use crate::load::{self, Peer};
use crate::scenarios::Metrics;
use crate::servers;

/// How often the dashboards ping.
const PING_EVERY: Duration = Duration::from_secs(30);
/// How often the state changes.
const TICK_EVERY: Duration = Duration::from_secs(1);
/// RSS samples.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// `cargo build --release -p studio --bin juggler-studio`; returns it.
pub fn build(root: &Path) -> Result<PathBuf> {
    bench::build::cargo_build(root, &["-p", "studio", "--bin", "juggler-studio"])?;
    let bin = servers::target_dir(root).join("release/juggler-studio");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(Error::Setup(format!("{} is missing", bin.display())))
    }
}

/// The workspace: a shared state `{"v": 0}`, autoflush 0, and the `tick`
/// rule.
fn workspace(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("studio-soak.workspace.json");
    let ws = json!({
        "version": 1,
        "server": {"host": "127.0.0.1", "port": 0, "autoflush": 0, "sharedState": true},
        "initialState": {"v": 0},
        "rules": [{
            "id": "tick", "enabled": true, "match": {"name": {"exact": "tick"}},
            "action": {"setState": {"path": ["v"], "value": "{{data.v}}", "respond": {"ok": true}}}
        }]
    });
    std::fs::write(&path, serde_json::to_string_pretty(&ws).unwrap_or_default())?;
    Ok(path)
}

/// A running `juggler-studio serve`, killed on drop.
pub(crate) struct Studio {
    child: Child,
    /// Its juggler endpoint (the dashboards').
    pub(crate) url: String,
    /// Its control endpoint, with the token (the UI's).
    pub(crate) control: String,
}

impl Studio {
    /// Its process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `juggler-studio serve WORKSPACE --port 0`; returns once it printed
/// its `juggler:` and `control:` URLs.
pub(crate) fn start(bin: &Path, workspace: &Path, log: &Path) -> Result<Studio> {
    let mut child = Command::new(bin)
        .arg("serve")
        .arg(workspace)
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(log)?))
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::Setup("no stdout".into()))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            for key in ["juggler:", "control:"] {
                if let Some(url) = line.trim().strip_prefix(key) {
                    let _ = tx.send((key, url.trim().to_owned()));
                }
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut url, mut control) = (None, None);
    while url.is_none() || control.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(("juggler:", u)) => url = Some(u),
            Ok((_, u)) => control = Some(u),
            Err(_) => break,
        }
    }
    match (url, control) {
        (Some(url), Some(control)) => Ok(Studio {
            child,
            url,
            control,
        }),
        _ => {
            let _ = child.kill();
            Err(Error::Setup(format!(
                "juggler-studio serve did not print its juggler: and control: URLs (see {})",
                log.display()
            )))
        }
    }
}

/// One dashboard: mirrors until `stop`, pinging every [`PING_EVERY`].
async fn dashboard(mut p: Peer, stop: Arc<AtomicBool>) -> Result<Peer> {
    let mut next_ping = tokio::time::Instant::now() + PING_EVERY;
    while !stop.load(Ordering::Relaxed) {
        tokio::select! {
            r = p.pump() => r?,
            _ = tokio::time::sleep_until(next_ping) => {
                p.ping().await?;
                next_ping += PING_EVERY;
            }
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
    Ok(p)
}

/// Scenario 10. Metrics: `dashboards`, `minutes`, `ticks`,
/// `start_mib` (RSS once every dashboard is connected), `peak_mib`,
/// `end_mib`, `late_peak_mib` (the peak over the last third of the run),
/// `mid_peak_mib` (over the middle third) and `bounded` (1 when the late
/// peak is within 10 % + 8 MiB of the middle one: memory stopped growing).
pub async fn run(
    bin: &Path,
    log_dir: &Path,
    dashboards: usize,
    duration: Duration,
    log: &mut dyn FnMut(String),
) -> Result<Metrics> {
    let ws = workspace(log_dir)?;
    let studio = start(bin, &ws, &log_dir.join("studio-soak.stderr.log"))?;
    let pid = studio.pid();
    let rss = move || servers::rss_kib(pid).unwrap_or(0);
    let mut peers = Vec::with_capacity(dashboards);
    let initial = to_mirror_value(&json!({"v": 0}));
    for _ in 0..dashboards {
        let ws = load::connect_light(&studio.url).await?;
        let mut p = Peer::from_ws(ws, Mirror::watching("/v"));
        p.until(|p| p.mirror.value() == &initial).await?;
        peers.push(p);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let start_kib = rss();
    log(format!(
        "  studio: {dashboards} dashboards connected, RSS {start_kib} KiB"
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let mut set = JoinSet::new();
    for p in peers {
        set.spawn(dashboard(p, stop.clone()));
    }
    let mut ticker = Peer::connect(&studio.url, Mirror::watching("/v")).await?;
    let samples = Arc::new(std::sync::Mutex::new(Vec::new()));
    let ticks = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let mut next_tick = tokio::time::Instant::now();
    let mut next_sample = tokio::time::Instant::now();
    let mut next_log = Instant::now() + Duration::from_secs(60);
    while began.elapsed() < duration {
        tokio::select! {
            _ = tokio::time::sleep_until(next_tick) => {
                let n = ticks.fetch_add(1, Ordering::Relaxed) + 1;
                let id = ticker.send("tick", &format!("{{\"v\":{n}}}")).await?;
                ticker.expect_answer(id, "{\"ok\":true}").await?;
                next_tick += TICK_EVERY;
            }
            _ = tokio::time::sleep_until(next_sample) => {
                let r = rss();
                if let Ok(mut s) = samples.lock() {
                    s.push((began.elapsed(), r));
                }
                if Instant::now() >= next_log {
                    log(format!("  studio: {:.0} s, RSS {r} KiB", began.elapsed().as_secs_f64()));
                    next_log += Duration::from_secs(60);
                }
                next_sample += SAMPLE_EVERY;
            }
        }
    }
    let ticks = ticks.load(Ordering::Relaxed);
    let end_kib = rss();
    // Every dashboard must hold the last change.
    let target = to_mirror_value(&json!({"v": ticks}));
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    let mut converged = 0;
    while let Some(r) = set.join_next().await {
        let mut p = r.map_err(|e| Error::Setup(format!("dashboard task failed: {e}")))??;
        tokio::time::timeout(
            Duration::from_secs(30),
            p.until(|p| p.mirror.value() == &target),
        )
        .await
        .map_err(|_| Error::Check("a dashboard did not get the last change".into()))??;
        converged += 1;
    }
    if converged != dashboards {
        return check_failed(format!("{converged} of {dashboards} dashboards converged"));
    }
    let samples = samples.lock().map(|s| s.clone()).unwrap_or_default();
    drop(studio);
    let third = duration / 3;
    let peak_in = |from: Duration, to: Duration| {
        samples
            .iter()
            .filter(|(t, _)| *t >= from && *t < to)
            .map(|(_, r)| *r)
            .max()
            .unwrap_or(0)
    };
    let peak = samples
        .iter()
        .map(|(_, r)| *r)
        .max()
        .unwrap_or(0)
        .max(end_kib);
    let mid = peak_in(third, third * 2);
    let late = peak_in(third * 2, duration + Duration::from_secs(1)).max(end_kib);
    let mib = |k: u64| k as f64 / 1024.0;
    let mut m = Metrics::default();
    m.set("dashboards", dashboards as f64);
    m.set("minutes", duration.as_secs_f64() / 60.0);
    m.set("ticks", ticks as f64);
    m.set("start_mib", mib(start_kib));
    m.set("peak_mib", mib(peak));
    m.set("end_mib", mib(end_kib));
    m.set("mid_peak_mib", mib(mid));
    m.set("late_peak_mib", mib(late));
    let bounded = mib(late) <= mib(mid) * 1.10 + 8.0;
    m.set("bounded", if bounded { 1.0 } else { 0.0 });
    Ok(m)
}
