//! Scenario 11: the studio (`juggler-studio serve`, traffic log on, a
//! control client connected as the UI is) against the bare library under
//! it (`bench_server`), in the same run, doing the same protocol work:
//!
//! - **fan-out**: 100 mirror dashboards on a shared state `{"v": 0}`; one
//!   more client sends 1,000 `state.set` `{path: ["v"], value: i}`, 16 in
//!   flight. `bench_server` sets the value itself; the studio by a
//!   `setState` rule named `state.set` (its rules cannot loop, so the burst
//!   of scenario 4, one request making 1,000 changes, has no studio
//!   equivalent: here both get one request per change).
//! - **requests**: 10 connections × 20,000 `echo`, 16 in flight (scenario
//!   1's load); the studio answers by an `echo` rule.
//!
//! The control client is the UI on a pane that lists no traffic (it does
//! not follow the traffic: no `traffic` events); the requests run once more
//! with it following the traffic (`traffic.follow`), as the UI does while
//! the Traffic, Requests or Connections pane is open.
//!
//! The studio's traffic log must be complete at the end of each part: its
//! `/traffic/lastSeq` (entries ever logged, read from the control client's
//! mirror of the model) equals the frames the clients counted, nothing was
//! dropped; a following client received every entry as `traffic` events,
//! the other none.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bench::check::{Frame, parse_frame};
use bench::error::{Error, Result, check_failed};
use bench::mirror::{Mirror, to_mirror_value};
use serde_json::json;
use sonic_rs::{JsonContainerTrait, JsonValueTrait};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::load::{self, Peer, Ws};
use crate::scenarios::{self, Metrics, Sizes};
use crate::servers::{self, Env, Kind, Options};
use crate::studio_soak;

/// How long the studio's log may take to hold every frame after the load.
const LOG_CATCH_UP: Duration = Duration::from_secs(60);

/// The workspaces: the fan-out's (shared state, the `state.set` rule) and
/// the requests' (state per connection, none set, so no state message).
fn workspaces(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let server = |shared: bool| json!({"host": "127.0.0.1", "port": 0, "autoflush": 0, "sharedState": shared});
    let fan = json!({
        "version": 1,
        "server": server(true),
        "initialState": {"v": 0},
        "rules": [{
            "id": "set", "enabled": true, "match": {"name": {"exact": "state.set"}},
            "action": {"setState": {"path": ["v"], "value": "{{data.value}}", "respond": null}}
        }]
    });
    let req = json!({
        "version": 1,
        "server": server(false),
        "rules": [{
            "id": "echo", "enabled": true, "match": {"name": {"exact": "echo"}},
            "action": "echo"
        }]
    });
    let write = |name: &str, ws: &serde_json::Value| -> Result<PathBuf> {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string_pretty(ws)?)?;
        Ok(path)
    };
    Ok((
        write("studio-fanout.workspace.json", &fan)?,
        write("studio-requests.workspace.json", &req)?,
    ))
}

/// What the fan-out part measured.
struct Fan {
    time_ms: f64,
    /// Juggler messages the clients sent and received, all told.
    frames: u64,
}

/// `clients` mirrors; one more client sends `count` `state.set` of `["v"]`,
/// `window` in flight, each answered `null`; timed from the first request
/// to the last mirror being `{"v": count}`.
async fn fanout(url: &str, clients: usize, count: u64, window: usize) -> Result<Fan> {
    let target = to_mirror_value(&json!({ "v": count }));
    let peers = scenarios::connect_peers(url, clients, scenarios::watch_v).await?;
    let mut setter = Peer::connect(url, scenarios::watch_v()).await?;
    setter.ping().await?;
    let mut set = scenarios::spawn_mirrors(peers, &target);
    let start = Instant::now();
    let mut waiting = VecDeque::with_capacity(window);
    let mut next = 1;
    while next <= count || !waiting.is_empty() {
        while next <= count && waiting.len() < window.max(1) {
            let data = format!("{{\"path\":[\"v\"],\"value\":{next}}}");
            waiting.push_back(setter.send("state.set", &data).await?);
            next += 1;
        }
        if let Some(id) = waiting.pop_front() {
            setter.expect_answer(id, "null").await?;
        }
    }
    setter.until(|p| p.mirror.value() == &target).await?;
    let mut last = start;
    // Every request has its answer: two frames each, pings included.
    let mut frames = setter.mirror.messages() + 2 * setter.sent();
    while let Some(r) = set.join_next().await {
        let c = r.map_err(|e| Error::Setup(format!("mirror task failed: {e}")))??;
        last = last.max(c.at);
        frames += c.messages + 2;
    }
    Ok(Fan {
        time_ms: (last - start).as_secs_f64() * 1000.0,
        frames,
    })
}

/// The traffic log as the control client sees it.
#[derive(Debug, Clone, Copy, Default)]
struct LogView {
    /// `/traffic/lastSeq`: entries ever logged.
    last_seq: u64,
    /// `/traffic/dropped` (while paused) and `/traffic/lost` (past a
    /// bound), when the model has them.
    dropped: u64,
    /// Entries that came as `traffic` events.
    events: u64,
    /// The answer to `traffic.query` and the model came: the endpoint has
    /// this client set up (its events start before the load does).
    ready: bool,
}

/// A control client as the UI is one: the token in the URL, the studio's
/// own `Origin`, the model mirrored, `traffic.query` at the start, every
/// event read.
struct Control {
    view: watch::Receiver<LogView>,
    task: JoinHandle<Result<()>>,
}

impl Control {
    async fn connect(url: &str, follow: bool) -> Result<Control> {
        let mut request = url.into_client_request()?;
        let authority = request
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let origin = format!("http://{authority}")
            .parse()
            .map_err(|e| Error::Setup(format!("bad control URL {url}: {e}")))?;
        request.headers_mut().insert("Origin", origin);
        let (mut ws, _) =
            tokio_tungstenite::connect_async_with_config(request, Some(load::ws_config()), true)
                .await?;
        use futures_util::SinkExt;
        if follow {
            // Its answer (id 2) comes before the query's.
            let on = load::request_text(2, "traffic.follow", "{\"on\":true}");
            ws.send(on.into()).await?;
        }
        let query = load::request_text(1, "traffic.query", "{\"limit\":500}");
        ws.send(query.into()).await?;
        let (tx, mut view) = watch::channel(LogView::default());
        let task = tokio::spawn(Self::read(ws, tx));
        let ready = view.wait_for(|v| v.ready);
        let ready = matches!(
            tokio::time::timeout(Duration::from_secs(10), ready).await,
            Ok(Ok(_))
        );
        if !ready {
            return check_failed(
                "the control endpoint sent no model or no answer to traffic.query",
            );
        }
        Ok(Control { view, task })
    }

    async fn read(mut ws: Ws, tx: watch::Sender<LogView>) -> Result<()> {
        let mut mirror = Mirror::new();
        let mut v = LogView::default();
        let mut answered = false;
        loop {
            let text = load::next_text(&mut ws).await?;
            match parse_frame(&text)? {
                Frame::State { diff } => {
                    mirror.apply(diff, text.len())?;
                    let n = |p: &str| mirror.pointer(p).and_then(|v| v.as_u64()).unwrap_or(0);
                    v.last_seq = n("/traffic/lastSeq");
                    v.dropped = n("/traffic/dropped") + n("/traffic/lost");
                    v.ready = v.ready || answered;
                }
                Frame::Notify { name, data } if name == "traffic" => {
                    v.events += entries(data.as_deref().unwrap_or("null"))?;
                }
                Frame::Notify { name, data } if name == "events.lagged" => {
                    let d: sonic_rs::Value = sonic_rs::from_str(data.as_deref().unwrap_or("null"))
                        .map_err(|e| Error::Check(format!("events.lagged data: {e}")))?;
                    // Other events missed are no entries; batches of
                    // entries missed cannot be counted, so the log's
                    // completeness could not be seen.
                    if d.get("traffic").and_then(|t| t.as_bool()) == Some(true) {
                        return check_failed(
                            "the control client fell behind the traffic (events.lagged)",
                        );
                    }
                }
                Frame::Notify { .. } => {}
                Frame::Response { id: 2, success, .. } => {
                    if !success {
                        return check_failed("traffic.follow failed");
                    }
                }
                Frame::Response { id, success, .. } => {
                    if id != 1 || !success {
                        return check_failed(format!("traffic.query answered {id}, {success}"));
                    }
                    answered = true;
                    v.ready = mirror.messages() > 0;
                }
            }
            let _ = tx.send(v);
        }
    }

    /// Waits until the log holds `frames` entries (and, for a follower, the
    /// events brought them all); returns how long after the load that took,
    /// and how many entries the events missed (a follower) or brought (not).
    async fn until_complete(&mut self, frames: u64, follow: bool) -> Result<(f64, u64)> {
        let start = Instant::now();
        let deadline = tokio::time::Instant::now() + LOG_CATCH_UP;
        let mut logged_at = None;
        loop {
            let v = *self.view.borrow_and_update();
            if v.last_seq > frames {
                return check_failed(format!(
                    "the log has {} entries, {frames} frames went",
                    v.last_seq
                ));
            }
            if v.dropped > 0 {
                return check_failed(format!("the log dropped {} entries", v.dropped));
            }
            if v.last_seq == frames {
                let at = *logged_at.get_or_insert_with(|| start.elapsed());
                let ms = at.as_secs_f64() * 1000.0;
                if !follow {
                    return Ok((ms, v.events));
                }
                if v.events >= frames {
                    return Ok((ms, frames.saturating_sub(v.events)));
                }
            }
            let changed = tokio::time::timeout_at(deadline, self.view.changed()).await;
            if !matches!(changed, Ok(Ok(()))) {
                if self.task.is_finished() {
                    return check_failed("the control client stopped");
                }
                return check_failed(format!(
                    "after {} s the log has {} of {frames} frames, the events brought {}",
                    LOG_CATCH_UP.as_secs(),
                    v.last_seq,
                    v.events
                ));
            }
        }
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Entries in a `traffic` event's data: a list of them, each a row (a list
/// of the entry's fields, `seq` first).
fn entries(data: &str) -> Result<u64> {
    let d: sonic_rs::Value =
        sonic_rs::from_str(data).map_err(|e| Error::Check(format!("traffic event: {e}")))?;
    let Some(items) = d.as_array() else {
        return check_failed("a traffic event that is not a list");
    };
    if !items
        .iter()
        .all(|i| i.as_array().is_some_and(|r| r.len() == ROW_FIELDS))
    {
        return check_failed("a traffic event whose entries are not rows");
    }
    Ok(items.len() as u64)
}

/// The fields of an entry's row (`studio::traffic::TrafficRow`).
const ROW_FIELDS: usize = 14;

/// Scenario 11 on `kind` (ours: `bench_server`; studio). Metrics:
/// `fan_rate` (updates/s), `fan_ms`, `req_rate` (requests/s),
/// `req_p50_ms`; the studio's also `fan_log_ms`, `req_log_ms` (how long
/// after the load its log held every frame), `fan_frames`, `req_frames`
/// and `events_missed`.
pub async fn run(env: &Env, kind: Kind, sizes: &Sizes, label: &str) -> Result<Metrics> {
    let (clients, count) = sizes.fan100;
    let window = sizes.req_window as usize;
    let (conns, per_conn) = (sizes.req_conns, sizes.req_per_conn);
    let mut m = Metrics::default();
    let requests = |url: String| async move {
        scenarios::requests(&url, conns, per_conn, sizes.req_window).await
    };
    let req = if kind == Kind::Studio {
        let bin = env
            .studio_bin
            .as_deref()
            .ok_or_else(|| Error::Setup("juggler-studio was not built".into()))?;
        let (fan_ws, req_ws) = workspaces(&env.log_dir)?;
        let log = |part: &str| env.log_dir.join(format!("{label}-{part}.stderr.log"));
        let studio = studio_soak::start(bin, &fan_ws, &log("fanout"))?;
        let mut control = Control::connect(&studio.control, false).await?;
        let fan = fanout(&studio.url, clients, count, window).await?;
        let (log_ms, fan_got) = control.until_complete(fan.frames, false).await?;
        drop((control, studio));
        set_fan(&mut m, &fan, count);
        m.set("fan_log_ms", log_ms);
        m.set("fan_frames", fan.frames as f64);
        let frames = 2 * conns as u64 * per_conn;
        let studio = studio_soak::start(bin, &req_ws, &log("requests"))?;
        let mut control = Control::connect(&studio.control, false).await?;
        let req = requests(studio.url.clone()).await?;
        let (log_ms, req_got) = control.until_complete(frames, false).await?;
        drop((control, studio));
        m.set("req_log_ms", log_ms);
        m.set("req_frames", frames as f64);
        if fan_got + req_got > 0 {
            return check_failed(format!(
                "a control client that does not follow the traffic got {} entries",
                fan_got + req_got
            ));
        }
        let studio = studio_soak::start(bin, &req_ws, &log("requests-follow"))?;
        let mut control = Control::connect(&studio.control, true).await?;
        let follow = requests(studio.url.clone()).await?;
        let (log_ms, missed) = control.until_complete(frames, true).await?;
        m.set("req_follow_rate", follow.get("rate").unwrap_or(0.0));
        m.set("req_follow_log_ms", log_ms);
        m.set("events_missed", missed as f64);
        req
    } else {
        let shared = Options {
            shared_state: true,
            ..Options::default()
        };
        let server = servers::start(env, kind, shared, &format!("{label}-fanout"))?;
        let fan = fanout(server.url(), clients, count, window).await;
        server.stop();
        set_fan(&mut m, &fan?, count);
        let server = servers::start(env, kind, Options::default(), &format!("{label}-requests"))?;
        let req = requests(server.url().to_owned()).await;
        server.stop();
        req?
    };
    m.set("req_rate", req.get("rate").unwrap_or(0.0));
    m.set("req_p50_ms", req.get("p50_ms").unwrap_or(0.0));
    Ok(m)
}

fn set_fan(m: &mut Metrics, fan: &Fan, count: u64) {
    m.set("fan_ms", fan.time_ms);
    m.set("fan_rate", count as f64 / (fan.time_ms / 1000.0));
}

#[cfg(test)]
mod tests {
    use super::entries;

    #[test]
    fn traffic_events_are_counted_by_entry() {
        let row = |seq: u64| {
            format!(
                r#"[{seq},1.5,{{"connection":1}},"in","request","echo",7,null,{{}},false,40,null,null,null]"#
            )
        };
        assert_eq!(entries(&format!("[{},{}]", row(1), row(2))).ok(), Some(2));
        assert_eq!(entries("[]").ok(), Some(0));
        assert!(
            entries(r#"[{"seq":1}]"#).is_err(),
            "an entry object is not a row"
        );
        assert!(entries(r#"{"seq":1}"#).is_err());
    }
}
