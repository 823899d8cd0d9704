//! The report's section for scenario 11: the studio against the library
//! under it, measured in the same run, beside the figure measured before
//! the studio's traffic path was reworked (`bench/studio-before.json`,
//! committed: its commit, date and machine load say what it was).

use std::fmt::Write as _;

use serde::Deserialize;

use crate::report::{Context, Results, Summary};
use crate::scenarios::{Scenario, Sizes};
use crate::servers::Kind;

/// The studio reaches at least this fraction of the library's rate.
pub const TARGET: f64 = 0.5;

/// The committed "before" measurement.
const BEFORE: &str = include_str!("../../studio-before.json");

/// One rate of the before measurement.
#[derive(Debug, Deserialize)]
struct Pair {
    library: f64,
    studio: f64,
}

/// `bench/studio-before.json`.
#[derive(Debug, Deserialize)]
struct Before {
    commit: String,
    date: String,
    load: String,
    command: String,
    fan_rate: Pair,
    req_rate: Pair,
}

fn before() -> Option<Before> {
    serde_json::from_str(BEFORE).ok()
}

fn metric(results: &Results, kind: Kind, key: &str) -> Option<f64> {
    match results.get(&(Scenario::Studio, kind)) {
        Some(Summary::Measured { metrics, .. }) => metrics.get(key),
        _ => None,
    }
}

fn status(results: &Results, kind: Kind) -> Option<String> {
    match results.get(&(Scenario::Studio, kind)) {
        Some(Summary::Measured { .. }) => None,
        Some(Summary::Failed(_)) => Some("**failed** (see Correctness)".into()),
        Some(Summary::TimedOut(d, _)) => Some(format!("**timeout** (> {} s)", d.as_secs())),
        Some(Summary::NotRun(why)) => Some(format!("not run ({why})")),
        None => Some("—".into()),
    }
}

fn rate(results: &Results, kind: Kind, key: &str, unit: &str) -> String {
    status(results, kind).unwrap_or_else(|| {
        metric(results, kind, key).map_or("—".into(), |v| format!("{v:.0} {unit}"))
    })
}

/// Studio ÷ library of `key`.
fn ratio(results: &Results, key: &str) -> Option<f64> {
    let lib = metric(results, Kind::Ours, key)?;
    let studio = metric(results, Kind::Studio, key)?;
    (lib > 0.0).then(|| studio / lib)
}

/// Studio following the traffic ÷ library, for the requests.
fn follow_ratio(results: &Results) -> Option<f64> {
    let lib = metric(results, Kind::Ours, "req_rate")?;
    let studio = metric(results, Kind::Studio, "req_follow_rate")?;
    (lib > 0.0).then(|| studio / lib)
}

fn met(results: &Results, key: &str) -> String {
    match (ratio(results, key), status(results, Kind::Studio)) {
        (_, Some(_)) => "**no** (the studio's runs did not pass)".into(),
        (Some(r), None) if r >= TARGET => "yes".into(),
        (Some(r), None) => format!("**no** ({r:.2}× < {TARGET}×)"),
        (None, None) => "n/a (the library did not run)".into(),
    }
}

/// The rows whose targets are not met, for the report's list.
pub fn unmet(results: &Results, sizes: &Sizes) -> Vec<String> {
    if !results.contains_key(&(Scenario::Studio, Kind::Studio)) {
        return Vec::new();
    }
    rows(sizes)
        .into_iter()
        .filter_map(|(label, key, _)| {
            let m = met(results, key);
            (!m.starts_with("yes"))
                .then(|| format!("- 11. {label}: studio ≥ {TARGET}× library — {m}"))
        })
        .collect()
}

fn rows(sizes: &Sizes) -> [(String, &'static str, &'static str); 2] {
    [
        (
            format!(
                "fan-out: {} dashboards × {} `state.set`, {} in flight — updates/s",
                sizes.fan100.0, sizes.fan100.1, sizes.req_window
            ),
            "fan_rate",
            "updates/s",
        ),
        (
            format!(
                "requests: {} conn × {} `echo`, {} in flight — req/s",
                sizes.req_conns, sizes.req_per_conn, sizes.req_window
            ),
            "req_rate",
            "req/s",
        ),
    ]
}

/// The section, or nothing when scenario 11 did not run.
pub fn section(ctx: &Context, results: &Results) -> String {
    let sizes = &ctx.sizes;
    if !results.contains_key(&(Scenario::Studio, Kind::Studio)) {
        return String::new();
    }
    let before = before();
    let mut s = String::new();
    let _ = writeln!(s, "\n## 11. The studio against the library under it\n");
    let _ = writeln!(
        s,
        "`juggler-studio serve` (traffic log on, a control client connected as the UI \
         is, on a pane that lists no traffic; the requests once more with it following \
         the traffic) and `bench_server` in the same run, the same protocol work (see \
         `bench/README.md`); medians. *Before* is the studio ÷ library ratio measured \
         before the traffic tap was reworked{}. Measured by `{}` on {} at commit {}, load average at the start {} (`/proc/loadavg`).\n",
        before.as_ref().map_or(String::new(), |b| format!(
            " (commit {}, {}, load average {}, `{}`)",
            b.commit, b.date, b.load, b.command
        )),
        ctx.command,
        ctx.date,
        ctx.commit,
        ctx.load_start
    );
    let _ = writeln!(
        s,
        "| scenario | library (`bench_server`) | studio | studio/library | before this work | target | met? |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---|---|");
    for (label, key, unit) in rows(sizes) {
        let was = before.as_ref().map_or("—".into(), |b| {
            let p = if key == "fan_rate" {
                &b.fan_rate
            } else {
                &b.req_rate
            };
            format!(
                "{:.2}× ({:.0} vs {:.0})",
                p.studio / p.library,
                p.studio,
                p.library
            )
        });
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {} | {was} | ≥ {TARGET}× | {} |",
            rate(results, Kind::Ours, key, unit),
            rate(results, Kind::Studio, key, unit),
            ratio(results, key).map_or("—".into(), |r| format!("{r:.2}×")),
            met(results, key),
        );
    }
    let _ = writeln!(
        s,
        "| requests as above, the control client following the traffic (`traffic.follow`: \
         the Traffic, Requests or Connections pane open) — req/s | {} | {} | {} | — | \
         reported | — |",
        rate(results, Kind::Ours, "req_rate", "req/s"),
        rate(results, Kind::Studio, "req_follow_rate", "req/s"),
        follow_ratio(results).map_or("—".into(), |r| format!("{r:.2}×")),
    );
    let complete = match status(results, Kind::Studio) {
        None => "yes, every run".to_owned(),
        Some(s) => s,
    };
    let ms =
        |key| metric(results, Kind::Studio, key).map_or("—".into(), |v| format!("{v:.0} ms"));
    let _ = writeln!(
        s,
        "| traffic log complete: `/traffic/lastSeq` = the frames the clients sent and \
         received, nothing dropped | — | {complete} | — | — | complete | {} |",
        if status(results, Kind::Studio).is_none() {
            "yes"
        } else {
            "**no**"
        }
    );
    let _ = writeln!(
        s,
        "| — after the load, until the log held every frame (fan-out / requests / requests \
         followed) | — | {} / {} / {} | — | — | — | — |",
        ms("fan_log_ms"),
        ms("req_log_ms"),
        ms("req_follow_log_ms")
    );
    let _ = writeln!(
        s,
        "| — entries the following control client did not get as `traffic` events (the \
         other got none) | — | {} | — | — | — | — |",
        metric(results, Kind::Studio, "events_missed").map_or("—".into(), |v| format!("{v:.0}"))
    );
    s
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::scenarios::Metrics;

    fn measured(fan: f64, req: f64) -> Summary {
        let mut metrics = Metrics::default();
        metrics.set("fan_rate", fan);
        metrics.set("req_rate", req);
        Summary::Measured {
            metrics,
            range: BTreeMap::new(),
            each: BTreeMap::new(),
            runs: 1,
        }
    }

    #[test]
    fn the_studio_is_judged_against_the_library_of_the_same_run() {
        let mut results = Results::new();
        results.insert((Scenario::Studio, Kind::Ours), measured(1000.0, 100_000.0));
        results.insert((Scenario::Studio, Kind::Studio), measured(600.0, 40_000.0));
        assert_eq!(met(&results, "fan_rate"), "yes");
        assert_eq!(met(&results, "req_rate"), "**no** (0.40× < 0.5×)");
        let unmet = unmet(&results, &Sizes::new(false));
        assert_eq!(unmet.len(), 1, "{unmet:?}");
        assert!(unmet[0].contains("requests"), "{unmet:?}");
        results.insert(
            (Scenario::Studio, Kind::Studio),
            Summary::Failed("the log has 3 of 4 frames".into()),
        );
        assert!(met(&results, "fan_rate").starts_with("**no**"));
    }

    #[test]
    fn the_committed_before_figure_reads() {
        let b = before().expect("bench/studio-before.json");
        assert!(b.fan_rate.library > 0.0 && b.req_rate.studio > 0.0);
    }
}
