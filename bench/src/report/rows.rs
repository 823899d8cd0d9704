//! The rows of the protocol table: each scenario's metrics with its unit,
//! which way is better, and its target.

use crate::scenarios::{Scenario, Sizes};

use super::Context;

#[derive(Clone, Copy)]
pub(super) enum Unit {
    Rate(&'static str),
    Ms,
    Bytes,
    KiB,
    MiB,
    Times,
}

#[derive(Clone, Copy)]
pub(super) enum Target {
    /// No target: informational.
    None,
    /// Ours at least this many times the reference's performance.
    Speedup(f64),
    /// As `Speedup`, and at least this fraction of the floor's.
    SpeedupAndFloor(f64, f64),
    /// Ours at most this value.
    AtMost(f64),
    /// Ours 1 (a yes/no metric).
    Flag,
    /// As `Speedup`, judged on this row's scenario when the reference
    /// finished it, else on the smaller one it did finish (same metric).
    SpeedupAtLargest(f64, Scenario),
}

pub(super) struct Row {
    pub(super) label: String,
    pub(super) scenario: Scenario,
    pub(super) key: &'static str,
    pub(super) unit: Unit,
    /// Whether more is better (rates); else less is (times, sizes).
    pub(super) higher: bool,
    pub(super) target: Target,
    pub(super) target_text: String,
}

pub(super) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn rows(sizes: &Sizes, ctx: &Context) -> Vec<Row> {
    let doc_mb = ctx
        .doc_bytes
        .map_or("?".into(), |b| format!("{:.1}", b as f64 / 1e6));
    let r = |label: String, scenario, key, unit, higher, target, target_text: &str| Row {
        label,
        scenario,
        key,
        unit,
        higher,
        target,
        target_text: target_text.to_owned(),
    };
    vec![
        r(
            format!(
                "1. requests: {} conn × {} `echo`, {} in flight — throughput",
                sizes.req_conns,
                thousands(sizes.req_per_conn),
                sizes.req_window
            ),
            Scenario::Requests,
            "rate",
            Unit::Rate("req/s"),
            true,
            Target::SpeedupAndFloor(10.0, 0.5),
            "≥ 10× reference and ≥ 0.5× floor",
        ),
        r(
            "1. requests — p50 latency".into(),
            Scenario::Requests,
            "p50_ms",
            Unit::Ms,
            false,
            Target::None,
            "—",
        ),
        r(
            format!(
                "2. requests: 1 conn × {}, 1 in flight — throughput",
                thousands(sizes.req_per_conn)
            ),
            Scenario::Requests1,
            "rate",
            Unit::Rate("req/s"),
            true,
            Target::None,
            "—",
        ),
        r(
            "2. requests, 1 in flight — p50 latency".into(),
            Scenario::Requests1,
            "p50_ms",
            Unit::Ms,
            false,
            Target::None,
            "—",
        ),
        r(
            format!(
                "3. fan-out: {} clients × {} updates — time until all mirrors final",
                sizes.fan10.0,
                thousands(sizes.fan10.1)
            ),
            Scenario::Fanout10,
            "time_ms",
            Unit::Ms,
            false,
            Target::Speedup(30.0),
            "≥ 30× sooner than reference",
        ),
        r(
            format!(
                "4. fan-out: {} clients × {} updates — time until all mirrors final",
                sizes.fan100.0,
                thousands(sizes.fan100.1)
            ),
            Scenario::Fanout100,
            "time_ms",
            Unit::Ms,
            false,
            Target::Speedup(30.0),
            "≥ 30× sooner than reference",
        ),
        r(
            format!(
                "5. notifications: {} on 1 conn — rate",
                thousands(sizes.notify)
            ),
            Scenario::Notify,
            "rate",
            Unit::Rate("notif/s"),
            true,
            Target::Speedup(8.0),
            "≥ 8× reference",
        ),
        r(
            format!(
                "6. {doc_mb} MB state set by a client (`state.set` at `[]`) — until its answer"
            ),
            Scenario::BigState,
            "set_ms",
            Unit::Ms,
            false,
            Target::Speedup(2.0),
            "≥ 2× sooner than reference",
        ),
        r(
            "6. — until the 4 other connected clients have it".into(),
            Scenario::BigState,
            "converge_ms",
            Unit::Ms,
            false,
            Target::Speedup(2.0),
            "≥ 2× sooner than reference",
        ),
        r(
            format!("6a. {doc_mb} MB state — late joiner: connect to mirror equal"),
            Scenario::BigState,
            "join_ms",
            Unit::Ms,
            false,
            Target::Speedup(6.0),
            "≥ 6× sooner than reference",
        ),
        r(
            "6a. — the same, until the state text arrived (before the client parses it)".into(),
            Scenario::BigState,
            "join_frame_ms",
            Unit::Ms,
            false,
            Target::None,
            "—",
        ),
        r(
            format!("6b. {doc_mb} MB state — one leaf change reaches a connected client"),
            Scenario::BigState,
            "leaf_ms",
            Unit::Ms,
            false,
            Target::Speedup(5.0),
            "≤ 1/5 of reference's time",
        ),
        r(
            "6c. — size of the state message(s) that carried it".into(),
            Scenario::BigState,
            "leaf_bytes",
            Unit::Bytes,
            false,
            Target::AtMost(121.0),
            "~110 B (≤ 121 B)",
        ),
        r(
            format!(
                "6d. {doc_mb} MB state set again whole (`[]`) with one leaf changed — reaches a connected client"
            ),
            Scenario::BigState,
            "again_ms",
            Unit::Ms,
            false,
            Target::None,
            "—",
        ),
        r(
            "6d. — size of the state message(s) that carried it".into(),
            Scenario::BigState,
            "again_bytes",
            Unit::Bytes,
            false,
            Target::AtMost(121.0),
            "~92 B (≤ 121 B)",
        ),
        r(
            format!(
                "7. churn: {} × connect, ping, close, {} at once — rate",
                thousands(sizes.churn.0),
                sizes.churn.1
            ),
            Scenario::Churn,
            "rate",
            Unit::Rate("conn/s"),
            true,
            Target::Speedup(5.0),
            "≥ 5× reference",
        ),
        r(
            format!(
                "8a. memory: RSS per idle connection ({} connections)",
                thousands(sizes.idle_conns as u64)
            ),
            Scenario::Memory,
            "kib_per_conn",
            Unit::KiB,
            false,
            Target::AtMost(16.0),
            "≤ 16 KiB",
        ),
        r(
            format!(
                "8b. memory: 1 stuck reader in a {}-update burst — server peak RSS growth",
                thousands(sizes.stuck.1)
            ),
            Scenario::Memory,
            "stuck_growth_mib",
            Unit::MiB,
            false,
            Target::None,
            "—",
        ),
        r(
            "8b. — the stuck client's share (growth with it − growth without it)".into(),
            Scenario::Memory,
            "stuck_extra_mib",
            Unit::MiB,
            false,
            Target::None,
            "—",
        ),
        r(
            "8b. — bounded (that share does not grow with the updates it misses)".into(),
            Scenario::Memory,
            "bounded",
            Unit::Times,
            true,
            Target::Flag,
            "bounded",
        ),
        r(
            format!(
                "8c. memory: the {} other clients' time to converge, stuck reader vs none",
                sizes.stuck.0
            ),
            Scenario::Memory,
            "slowdown",
            Unit::Times,
            false,
            Target::AtMost(1.2),
            "within 20% (≤ 1.20×)",
        ),
        r(
            format!(
                "9a. {} connections, shared state — connect storm: all connected and holding the state",
                thousands(sizes.scale.0 as u64 / 10)
            ),
            Scenario::Scale1k,
            "connect_ms",
            Unit::Ms,
            false,
            Target::None,
            "—",
        ),
        r(
            "9b. — server RSS per connection".into(),
            Scenario::Scale1k,
            "rss_per_conn_kib",
            Unit::KiB,
            false,
            Target::None,
            "—",
        ),
        r(
            format!(
                "9c. — fan-out of {} updates to all: time until every mirror is final",
                sizes.scale.1
            ),
            Scenario::Scale1k,
            "time_ms",
            Unit::Ms,
            false,
            Target::None,
            "—",
        ),
        r(
            format!(
                "9a. {} connections, shared state — connect storm: all connected and holding the state",
                thousands(sizes.scale.0 as u64)
            ),
            Scenario::Scale,
            "connect_ms",
            Unit::Ms,
            false,
            Target::None,
            "—",
        ),
        r(
            "9b. — server RSS per connection".into(),
            Scenario::Scale,
            "rss_per_conn_kib",
            Unit::KiB,
            false,
            Target::AtMost(16.0),
            "≤ 16 KiB",
        ),
        r(
            format!(
                "9c. — fan-out of {} updates to all: time until every mirror is final",
                sizes.scale.1
            ),
            Scenario::Scale,
            "time_ms",
            Unit::Ms,
            false,
            Target::SpeedupAtLargest(50.0, Scenario::Scale1k),
            "≥ 50× sooner than reference, at the largest count it completes",
        ),
        r(
            "9c. — per-client delay, p50".into(),
            Scenario::Scale,
            "p50_ms",
            Unit::Ms,
            false,
            Target::None,
            "—",
        ),
        r(
            "9c. — per-client delay, p99".into(),
            Scenario::Scale,
            "p99_ms",
            Unit::Ms,
            false,
            Target::None,
            "—",
        ),
        r(
            format!(
                "10. studio (`juggler-studio serve`): {} dashboards, traffic log on, {} min — RSS at the start",
                thousands(sizes.studio.0 as u64),
                sizes.studio.1.as_secs() / 60
            ),
            Scenario::StudioSoak,
            "start_mib",
            Unit::MiB,
            false,
            Target::None,
            "—",
        ),
        r(
            "10. — peak RSS".into(),
            Scenario::StudioSoak,
            "peak_mib",
            Unit::MiB,
            false,
            Target::None,
            "—",
        ),
        r(
            "10. — RSS at the end".into(),
            Scenario::StudioSoak,
            "end_mib",
            Unit::MiB,
            false,
            Target::None,
            "—",
        ),
        r(
            "10. — bounded (the last third's peak within 10 % + 8 MiB of the middle third's)"
                .into(),
            Scenario::StudioSoak,
            "bounded",
            Unit::Times,
            true,
            Target::Flag,
            "bounded",
        ),
    ]
}
