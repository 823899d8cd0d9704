//! What `proxy --log` and `proxy --record` print on stdout: a line per
//! browser that comes or goes, per request, answer, error and
//! notification of a browser, and per recording started or complete.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use studio::engine::Engine;
use studio::traffic::{Direction, Peer, ProxySide, TrafficKind, TrafficRow};
use tokio::sync::broadcast::error::RecvError;

/// The most of an error's data a line shows.
const ERROR_CHARS: usize = 200;

/// Prints, until the engine is gone, the browsers of proxy `id` coming and
/// going (with `log`) and the recordings of them (with `record`).
pub async fn watch_model(engine: Engine, id: String, log: bool, record: bool) {
    let model = engine.model();
    let mut changes = model.subscribe();
    let mut browsers: Vec<u64> = Vec::new();
    let mut recordings: BTreeMap<String, Value> = BTreeMap::new();
    loop {
        // Only the two paths, not the whole model: it changes with every
        // batch of traffic.
        if log {
            let current: Vec<u64> = model
                .get(juggler::path!["proxies", id.as_str(), "browsers"])
                .unwrap_or_default()
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            for b in current.iter().filter(|b| !browsers.contains(b)) {
                println!("browser {b} connected");
            }
            for b in browsers.iter().filter(|b| !current.contains(b)) {
                println!("browser {b} left");
            }
            browsers = current;
        }
        if record {
            let current: BTreeMap<String, Value> = model
                .get(juggler::path!["recordings"])
                .unwrap_or_default()
                .as_object()
                .map(|o| o.clone().into_iter().collect())
                .unwrap_or_default();
            for (rec, info) in current.iter().filter(|(r, _)| !recordings.contains_key(*r)) {
                println!(
                    "browser {}: recording to {} ({rec})",
                    info["peer"]["proxy"]["connection"],
                    info["path"].as_str().unwrap_or_default()
                );
            }
            for (rec, info) in recordings.iter().filter(|(r, _)| !current.contains_key(*r)) {
                let browser = &info["peer"]["proxy"]["connection"];
                let path = info["path"].as_str().unwrap_or_default();
                // Its browser left: `record.stop` answers what the file holds.
                match engine.record_stop(rec) {
                    Ok(done) => println!(
                        "browser {browser}: {path} complete ({} entries, {} bytes)",
                        done.entries, done.bytes
                    ),
                    Err(e) => println!("browser {browser}: {e}"),
                }
            }
            recordings = current;
        }
        if changes.changed().await.is_none() {
            return;
        }
    }
}

/// Prints a line per request, answer, error and notification of the
/// browsers of proxy `id`, until the engine is gone.
pub async fn log_traffic(engine: Engine, id: String) {
    let mut feed = engine.traffic_feed().subscribe();
    // Requests waiting for their answer, by browser and request id: an
    // answer is named after its request.
    let mut names: HashMap<(u64, u64), String> = HashMap::new();
    loop {
        let chunks = match feed.recv().await {
            Ok(chunks) => chunks,
            Err(RecvError::Lagged(n)) => {
                println!("({n} batches of traffic not shown: the log fell behind)");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        for chunk in chunks.iter() {
            let Ok(rows) = serde_json::from_str::<Vec<TrafficRow>>(&chunk.json) else {
                continue;
            };
            for row in rows {
                if let Some(line) = line_of(&id, row.into(), &mut names) {
                    println!("{line}");
                }
            }
        }
    }
}

/// The line of one entry, if it is one of the browsers of proxy `id` that
/// `--log` shows.
fn line_of(
    id: &str,
    e: studio::traffic::TrafficEntry,
    names: &mut HashMap<(u64, u64), String>,
) -> Option<String> {
    let Peer::Proxy {
        proxy,
        connection,
        side: ProxySide::Browser,
    } = &e.peer
    else {
        return None;
    };
    if proxy != id {
        return None;
    }
    let who = format!("browser {connection}");
    let size = format!("{} B", e.size);
    let rid = e.request_id.unwrap_or_default();
    match (e.kind, e.direction) {
        (TrafficKind::Request, Direction::In) => {
            let name = e.name.unwrap_or_default();
            if name.is_empty() {
                // The browser client's keep-alive.
                return None;
            }
            let line = format!("{who} → request #{rid} {name} ({size})");
            names.insert((*connection, rid), name);
            Some(line)
        }
        (TrafficKind::Response, Direction::Out) => {
            let name = names.remove(&(*connection, rid))?;
            let rtt = e
                .rtt_ms
                .map(|ms| format!(", {ms:.0} ms"))
                .unwrap_or_default();
            if e.success == Some(false) {
                let mut data = if e.data_truncated {
                    "(too big to show)".to_owned()
                } else {
                    e.data.to_string()
                };
                if data.chars().count() > ERROR_CHARS {
                    data = data.chars().take(ERROR_CHARS).collect::<String>() + "…";
                }
                Some(format!("{who} ← error #{rid} {name} ({size}{rtt}): {data}"))
            } else {
                Some(format!("{who} ← answer #{rid} {name} ({size}{rtt})"))
            }
        }
        (TrafficKind::Notify, Direction::Out) => Some(format!(
            "{who} ← notify {} ({size})",
            e.name.unwrap_or_default()
        )),
        _ => None,
    }
}
