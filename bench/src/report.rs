//! `BENCHMARKS.md`: the machine, the command, the table of every scenario
//! on the three servers with the ratios and targets, which targets are not
//! met and what the correctness checks found.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::scenarios::{Metrics, Scenario, Sizes};
use crate::servers::Kind;

/// What came out of the runs of one scenario on one server.
#[derive(Debug, Clone)]
pub enum Summary {
    /// Every run passed its checks: the medians of each metric.
    Measured {
        /// Medians, metric by metric.
        metrics: Metrics,
        /// The smallest and the largest value of each metric over the runs.
        range: BTreeMap<&'static str, (f64, f64)>,
        /// Each run's value of each metric, in run order.
        each: BTreeMap<&'static str, Vec<f64>>,
        /// Runs they are the median of.
        runs: usize,
    },
    /// A run failed: a check, or the server or the load generator.
    Failed(String),
    /// A run did not end within its time limit (and what it was doing).
    TimedOut(Duration, String),
    /// Not run, and why.
    NotRun(String),
}

impl Summary {
    fn metric(&self, key: &str) -> Option<f64> {
        match self {
            Summary::Measured { metrics, .. } => metrics.get(key),
            _ => None,
        }
    }
}

/// Results by scenario and server.
pub type Results = BTreeMap<(Scenario, Kind), Summary>;

/// The machine the run is on.
#[derive(Debug, Clone)]
pub struct Machine {
    /// CPUs available (`nproc`).
    pub nproc: usize,
    /// `model name` of `/proc/cpuinfo`.
    pub cpu_model: String,
    /// `MemTotal` of `/proc/meminfo`, KiB.
    pub mem_kib: u64,
    /// The kernel release.
    pub kernel: String,
}

/// Reads the machine's description from `/proc`.
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    Machine {
        nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model,
        mem_kib,
        kernel,
    }
}

/// Everything around the table.
pub struct Context {
    /// The exact command.
    pub command: String,
    /// When (UTC).
    pub date: String,
    /// The git commit, and whether the tree had changes.
    pub commit: String,
    /// The state of `crates/juggler` that was built and measured.
    pub library: String,
    /// The machine.
    pub machine: Machine,
    /// Tool and library versions.
    pub versions: Vec<String>,
    /// The counts used.
    pub sizes: Sizes,
    /// Runs per scenario and server.
    pub repeat: usize,
    /// `--quick`.
    pub quick: bool,
    /// Bytes of the scenario 6 document.
    pub doc_bytes: Option<usize>,
    /// The smallest message that carries the leaf change.
    pub minimal_leaf_bytes: usize,
    /// Where the raw output is, relative to the report.
    pub raw_name: String,
    /// `/proc/loadavg` when the run started.
    pub load_start: String,
}

#[derive(Clone, Copy)]
enum Unit {
    Rate(&'static str),
    Ms,
    Bytes,
    KiB,
    MiB,
    Times,
}

#[derive(Clone, Copy)]
enum Target {
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

struct Row {
    label: String,
    scenario: Scenario,
    key: &'static str,
    unit: Unit,
    /// Whether more is better (rates); else less is (times, sizes).
    higher: bool,
    target: Target,
    target_text: String,
}

fn thousands(n: u64) -> String {
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

fn rows(sizes: &Sizes, ctx: &Context) -> Vec<Row> {
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

fn fmt_value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Rate(u) => format!("{} {u}", thousands(v.round() as u64)),
        Unit::Ms => {
            if v >= 100.0 {
                format!("{v:.0} ms")
            } else if v >= 10.0 {
                format!("{v:.1} ms")
            } else {
                format!("{v:.3} ms")
            }
        }
        Unit::Bytes => format!("{} B", thousands(v.round() as u64)),
        Unit::KiB => format!("{v:.1} KiB"),
        Unit::MiB => format!("{v:.1} MiB"),
        Unit::Times => format!("{v:.2}×"),
    }
}

/// How far apart the runs of a cell are before it is marked noisy.
const NOISY: f64 = 1.5;

/// The (min, max) of a cell's runs when they differ by more than [`NOISY`].
fn noisy(results: &Results, row: &Row, kind: Kind) -> Option<(f64, f64)> {
    match results.get(&(row.scenario, kind)) {
        Some(Summary::Measured { range, runs, .. }) if *runs > 1 => {
            let (lo, hi) = *range.get(row.key)?;
            (lo > 0.0 && hi / lo > NOISY).then_some((lo, hi))
        }
        _ => None,
    }
}

fn cell(results: &Results, row: &Row, kind: Kind) -> String {
    match results.get(&(row.scenario, kind)) {
        None => "—".into(),
        Some(Summary::Measured { metrics, .. }) => match metrics.get(row.key) {
            None => "—".into(),
            Some(v) if matches!(row.target, Target::Flag) => {
                if v == 1.0 { "yes" } else { "no" }.into()
            }
            Some(v) => {
                let mark = if noisy(results, row, kind).is_some() {
                    " †"
                } else {
                    ""
                };
                format!("{}{mark}", fmt_value(v, row.unit))
            }
        },
        Some(Summary::Failed(_)) => "**failed** (see Correctness)".into(),
        Some(Summary::TimedOut(d, _)) => format!("**timeout** (> {} s)", d.as_secs()),
        Some(Summary::NotRun(why)) => format!("not run ({why})"),
    }
}

/// Ours' performance relative to `other`'s on a row: > 1 is ours better.
fn speedup(results: &Results, row: &Row, other: Kind) -> Option<f64> {
    let ours = results.get(&(row.scenario, Kind::Ours))?.metric(row.key)?;
    let theirs = results.get(&(row.scenario, other))?.metric(row.key)?;
    if ours <= 0.0 || theirs <= 0.0 {
        return None;
    }
    Some(if row.higher {
        ours / theirs
    } else {
        theirs / ours
    })
}

fn ratio_cell(results: &Results, row: &Row, other: Kind) -> String {
    if matches!(row.unit, Unit::Times) || matches!(row.target, Target::Flag) {
        return "—".into();
    }
    speedup(results, row, other).map_or("—".into(), |s| format!("{s:.2}×"))
}

/// "yes", "no (why)" or "n/a (why)".
fn met(results: &Results, row: &Row) -> String {
    let ours = results.get(&(row.scenario, Kind::Ours));
    let missing = |kind: Kind| match results.get(&(row.scenario, kind)) {
        None | Some(Summary::NotRun(_)) => format!("n/a ({kind} not run)"),
        Some(Summary::Failed(_)) => format!("n/a ({kind} failed)"),
        Some(Summary::TimedOut(..)) => format!("n/a ({kind} timed out)"),
        Some(Summary::Measured { .. }) => format!("n/a ({kind} has no value)"),
    };
    match ours {
        Some(Summary::Failed(_)) => return "**no** (ours failed)".into(),
        Some(Summary::TimedOut(..)) => return "**no** (ours timed out)".into(),
        None | Some(Summary::NotRun(_)) => return "n/a (ours not run)".into(),
        Some(Summary::Measured { .. }) => {}
    }
    let yes_no = |ok: bool, why: String| {
        if ok {
            "yes".to_owned()
        } else {
            format!("**no** ({why})")
        }
    };
    match row.target {
        Target::None => "—".into(),
        Target::Speedup(x) => match speedup(results, row, Kind::Reference) {
            Some(s) => yes_no(s >= x, format!("{s:.2}× < {x}×")),
            None => missing(Kind::Reference),
        },
        Target::SpeedupAndFloor(x, y) => {
            let vs_ref = speedup(results, row, Kind::Reference);
            let vs_floor = speedup(results, row, Kind::Floor);
            match (vs_ref, vs_floor) {
                (Some(a), Some(b)) => {
                    let mut why = Vec::new();
                    if a < x {
                        why.push(format!("{a:.2}× reference < {x}×"));
                    }
                    if b < y {
                        why.push(format!("{b:.2}× floor < {y}×"));
                    }
                    yes_no(why.is_empty(), why.join("; "))
                }
                (None, _) => missing(Kind::Reference),
                (_, None) => missing(Kind::Floor),
            }
        }
        Target::SpeedupAtLargest(x, smaller) => {
            if let Some(s) = speedup(results, row, Kind::Reference) {
                return yes_no(s >= x, format!("{s:.2}× < {x}×"));
            }
            let at_smaller = Row {
                scenario: smaller,
                label: String::new(),
                target_text: String::new(),
                ..*row
            };
            match speedup(results, &at_smaller, Kind::Reference) {
                Some(s) => {
                    let why = format!(
                        "judged at {}: {}",
                        smaller.name(),
                        missing(Kind::Reference)
                            .trim_start_matches("n/a (")
                            .trim_end_matches(')')
                    );
                    if s >= x {
                        format!("yes ({s:.2}×, {why})")
                    } else {
                        format!("**no** ({s:.2}× < {x}×, {why})")
                    }
                }
                None => missing(Kind::Reference),
            }
        }
        Target::AtMost(x) => match ours.and_then(|s| s.metric(row.key)) {
            Some(v) => yes_no(
                v <= x,
                format!("{} > {}", fmt_value(v, row.unit), fmt_value(x, row.unit)),
            ),
            None => "n/a".into(),
        },
        Target::Flag => match ours.and_then(|s| s.metric(row.key)) {
            Some(v) => yes_no(v == 1.0, "not bounded".into()),
            None => "n/a".into(),
        },
    }
}

/// Rows whose ratio to the reference is shown run by run: their medians
/// alone hide how far single runs fall (ours' run `i` and the reference's
/// run `i` follow each other).
const RUN_BY_RUN: [(Scenario, &str); 1] = [(Scenario::BigState, "join_ms")];

fn run_by_run(results: &Results, rows: &[Row]) -> String {
    let mut out = String::new();
    for (scenario, key) in RUN_BY_RUN {
        let Some(row) = rows.iter().find(|r| r.scenario == scenario && r.key == key) else {
            continue;
        };
        let each = |kind| match results.get(&(scenario, kind)) {
            Some(Summary::Measured { each, .. }) => each.get(key).cloned(),
            _ => None,
        };
        let (Some(ours), Some(theirs)) = (each(Kind::Ours), each(Kind::Reference)) else {
            continue;
        };
        let ratios: Vec<f64> = ours
            .iter()
            .zip(&theirs)
            .filter(|(o, _)| **o > 0.0)
            .map(|(o, t)| t / o)
            .collect();
        let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let runs: Vec<String> = ours
            .iter()
            .zip(&theirs)
            .map(|(o, t)| {
                format!(
                    "{} vs {} ({:.2}×)",
                    fmt_value(*o, row.unit),
                    fmt_value(*t, row.unit),
                    t / o
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "\nRun by run, {}: ours vs reference — {}; single runs {lo:.2}× to {hi:.2}×.",
            row.label,
            runs.join(", ")
        );
    }
    out
}

fn correctness(results: &Results) -> String {
    let mut out = String::new();
    for ((scenario, kind), summary) in results {
        let line = match summary {
            Summary::Measured { runs, .. } => format!("ok ({runs} run(s), every check passed)"),
            Summary::Failed(why) => format!("**FAILED**: {why}"),
            Summary::TimedOut(d, during) if during.is_empty() => {
                format!("**timed out** after {} s", d.as_secs())
            }
            Summary::TimedOut(d, during) => {
                format!("**timed out** after {} s, {during}", d.as_secs())
            }
            Summary::NotRun(why) => format!("not run: {why}"),
        };
        let _ = writeln!(out, "- `{}` on {kind}: {line}", scenario.name());
    }
    out
}

/// The first and last line of the UI benchmark's section of `BENCHMARKS.md`
/// (`bench/ui/run.mjs` writes it; this harness does not run the browser).
pub const UI_SECTION_BEGIN: &str = "<!-- ui-bench:begin -->";
pub const UI_SECTION_END: &str = "<!-- ui-bench:end -->";

/// The same for the dashboard runtime's section (`bench/runtime/`).
pub const RUNTIME_SECTION_BEGIN: &str = "<!-- bench/runtime: begin -->";
pub const RUNTIME_SECTION_END: &str = "<!-- bench/runtime: end -->";

/// The sections other benchmarks write into `BENCHMARKS.md`, in the order
/// they are kept at its end.
const KEPT_SECTIONS: [(&str, &str); 2] = [
    (UI_SECTION_BEGIN, UI_SECTION_END),
    (RUNTIME_SECTION_BEGIN, RUNTIME_SECTION_END),
];

/// The section between `begin` and `end` of an existing `BENCHMARKS.md`
/// (markers included).
fn section<'a>(old: &'a str, begin: &str, end: &str) -> Option<&'a str> {
    let from = old.find(begin)?;
    let to = from + old[from..].find(end)? + end.len();
    Some(&old[from..to])
}

/// `md` with the other benchmarks' sections of `old` (those it has) at its
/// end.
pub fn keep_sections(md: String, old: &str) -> String {
    KEPT_SECTIONS
        .iter()
        .filter_map(|(begin, end)| section(old, begin, end))
        .fold(md, |md, section| format!("{md}\n{section}\n"))
}

/// The whole `BENCHMARKS.md`.
pub fn render(ctx: &Context, results: &Results) -> String {
    let rows = rows(&ctx.sizes, ctx);
    let m = &ctx.machine;
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Written by the benchmark harness (`bench/`, see `bench/README.md`); do not \
         edit by hand, run the command again.{}\n",
        if ctx.quick {
            " **This is a `--quick` smoke run: a tenth of every count, not the benchmark.**"
        } else {
            ""
        }
    );
    let _ = writeln!(s, "## Command\n\n```sh\n{}\n```\n", ctx.command);
    let _ = writeln!(
        s,
        "Run on {} at commit {}. Library measured: {}.\n",
        ctx.date, ctx.commit, ctx.library
    );
    let _ = writeln!(s, "## Machine\n");
    let _ = writeln!(s, "- CPUs (`nproc`): {}", m.nproc);
    let _ = writeln!(s, "- CPU model: {}", m.cpu_model);
    let _ = writeln!(
        s,
        "- memory: {:.1} GiB ({} kB MemTotal)",
        m.mem_kib as f64 / 1024.0 / 1024.0,
        thousands(m.mem_kib)
    );
    let _ = writeln!(s, "- kernel: {}", m.kernel);
    for v in &ctx.versions {
        let _ = writeln!(s, "- {v}");
    }
    let _ = writeln!(
        s,
        "\nThe servers and the load generator share these CPUs, so only the \
         ratios measured in the same run mean anything; absolute numbers are \
         of this machine and this moment.\n"
    );
    let _ = writeln!(s, "## Results\n");
    let _ = writeln!(
        s,
        "Each cell is the median of {} run(s), each on a freshly started server \
         (the servers take turns). **Ratios are ours' performance relative to the \
         other server: > 1 means ours is better** — ours ÷ theirs for rates, \
         theirs ÷ ours for times and sizes.\n",
        ctx.repeat
    );
    let _ = writeln!(
        s,
        "| scenario | ours | reference | floor | ours/reference | ours/floor | target | met? |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---|---|");
    for row in &rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            row.label,
            cell(results, row, Kind::Ours),
            cell(results, row, Kind::Reference),
            cell(results, row, Kind::Floor),
            ratio_cell(results, row, Kind::Reference),
            ratio_cell(results, row, Kind::Floor),
            row.target_text,
            met(results, row),
        );
    }
    let mut noisy_cells = Vec::new();
    for row in &rows {
        for kind in [Kind::Ours, Kind::Reference, Kind::Floor] {
            if let Some((lo, hi)) = noisy(results, row, kind) {
                noisy_cells.push(format!(
                    "- {} on {kind}: runs ranged from {} to {}",
                    row.label,
                    fmt_value(lo, row.unit),
                    fmt_value(hi, row.unit)
                ));
            }
        }
    }
    if !noisy_cells.is_empty() {
        let _ = writeln!(
            s,
            "\n† Noisy: the runs of this cell differ by more than {NOISY}× (largest \
             over smallest), so its median and the ratios built on it are \
             uncertain; rerun, or use `--repeat` with more runs:\n\n{}",
            noisy_cells.join("\n")
        );
    }
    let _ = write!(s, "{}", run_by_run(results, &rows));
    let _ = write!(s, "{}", crate::report_studio::section(ctx, results));
    let mut unmet = crate::report_studio::unmet(results, &ctx.sizes);
    for row in &rows {
        if matches!(row.target, Target::None) {
            continue;
        }
        let m = met(results, row);
        if !m.starts_with("yes") {
            unmet.push(format!("- {}: {} — {}", row.label, row.target_text, m));
        }
    }
    let _ = writeln!(s, "\n## Targets not met\n");
    if unmet.is_empty() {
        let _ = writeln!(s, "None: every target is met.");
    } else {
        let _ = writeln!(s, "{}", unmet.join("\n"));
    }
    let _ = writeln!(s, "\n## Correctness\n");
    let _ = writeln!(
        s,
        "Every answer is checked (the id of a request that was sent and not yet \
         answered, `success`, the data sent); every client mirrors the state by \
         applying each diff in order (to a sonic-rs document, with the \
         semantics of `juggler::diff::patch`, which a unit test checks) and must \
         end at exactly the final state; in the bursts the mirrored `v` must never go \
         down after any single operation; notifications are counted, compared \
         and must all come before the answer to `notify.burst`. A run that fails \
         a check is reported as failed, not measured.\n"
    );
    let _ = write!(s, "{}", correctness(results));
    let _ = writeln!(s, "\n## How each number is measured\n");
    let _ = writeln!(
        s,
        "All on 127.0.0.1, servers started with `--autoflush 0` (and \
         `--shared-state` for 3, 4 and 6). The load generator is `bench/src/load.rs` \
         (tokio-tungstenite, juggler 0.6 frames written and parsed directly); the \
         same code drives all three servers.\n"
    );
    let notes = [
        "**reference**: `tests/interop/reference_bench_server.py` on hat-juggler 0.6.26 \
         (`.venv/ref06`). For scenario 6 it is started with `--max-msg-size 0`: \
         aiohttp refuses frames over 4 MiB by default, so the reference could not \
         take the document at all otherwise."
            .to_owned(),
        "**floor**: `bench/src/floor.rs`, a raw tokio-tungstenite server in the \
         harness's process on its own runtime (as many worker threads as CPUs). It \
         echoes requests with the least string work (raw `id` and `data` text), \
         writes a prebuilt notify frame `count` times, queues one prebuilt \
         `replace` frame per change to every connection, and keeps the text of a \
         whole-state set for late joiners. It holds no JSON document and is not a \
         juggler server: it is a reference point for the cost of the bare \
         WebSocket traffic, not a strict lower bound (it sends one frame per \
         change, so a server that coalesces changes into fewer messages, or \
         batches writes better, can beat it)."
            .to_owned(),
        "1, 2: clients connected first, then timed from the first request to the \
         last answer; each connection keeps its window of requests in flight, \
         refilling after each answer (writes batched when several answers arrived \
         together). Latency: from writing a request to reading its answer. With \
         1 in flight nothing is batched: the time is mostly the wakeup latency \
         of the processes, which on a virtual machine depends on what else keeps \
         its CPUs awake, so expect 2 to vary between runs."
            .to_owned(),
        "3, 4: the mirror clients connect and ping (so the server has set them \
         up); one more client asks `state.burst` {path: [\"v\"]}; timed from that \
         request to the moment the last mirror applied the diff that made it \
         `{\"v\": count}`."
            .to_owned(),
        "5: timed from the request to the last of its notifications and its answer.".to_owned(),
        format!(
            "6: the document is {} records ({} bytes of compact JSON). A setter sets \
             it at `[]`; then a new client connects: timed from the start of the \
             connect to its mirror having applied the state that equals the \
             document (the comparison itself is not timed). That time includes \
             the client's own work on the document (parsing the message into \
             its mirror and applying it), the same for every server: the \
             floor's column, whose server side costs almost nothing, shows it; \
             the next row (until the text arrived) is the server's part. The \
             mirror is a sonic-rs document (an arena): with a \
             `serde_json::Value`, whose every node is an allocation, the \
             client's own parse took ~75 ms of the ~95 ms and hid the servers' \
             difference (see `bench/src/mirror.rs`). sonic-rs turns the parsed \
             array into an editable one on its first edit, which adds ~2 ms to \
             the first leaf change below for every server. Then the setter sets \
             `{}` to `\"{}\"`: timed from that request to the joiner applying the \
             message that carried it; the size is of the state message(s) the \
             joiner got for it. The smallest message that can carry it (one \
             `replace`, compact JSON) is {} B. Last (6d), the setter sets the \
             whole document again at `[]` with `{}` changed to `\"{}\"`, as a \
             back end that rebuilds its state does: timed from that request to \
             the joiner applying the message that carried it, and its size (a \
             server that sends the diff of the two states sends about as much \
             as for 6b; the floor sends the whole document).",
            ctx.sizes.big_objects,
            ctx.doc_bytes.map_or("?".into(), |b| thousands(b as u64)),
            bench::docgen::leaf_pointer(ctx.sizes.big_objects),
            bench::docgen::LEAF_VALUE,
            ctx.minimal_leaf_bytes,
            bench::docgen::again_pointer(ctx.sizes.big_objects),
            bench::docgen::AGAIN_VALUE,
        ),
        "7: 64 workers, each repeating: connect, ping, check the answer, close \
         with the closing handshake (waiting for the server's close frame)."
            .to_owned(),
        "8a: our server with per-connection state; VmRSS of /proc/PID/status \
         300 ms after start, then 500 ms after the last of the idle connections \
         connected and pinged; the difference over the number of connections."
            .to_owned(),
        format!(
            "8b, 8c: a shared-state server, {} reading mirror clients, one client \
             that pings and then never reads again (its socket's receive buffer set \
             to 4 KiB so the server feels it at once) and one client that asks a \
             burst of {} changes. VmRSS is sampled every 5 ms from just before the \
             burst until 300 ms after the readers converged; the growth is the peak \
             over the value before. The same run without the stuck client gives the \
             burst's own growth; the difference is the stuck client's share. \
            *Bounded* means that share does not grow with the number of updates \
             the stuck client misses: both runs are repeated with four times the \
             updates, and the share may grow by less than a quarter of the size \
             of the smallest message that could carry each extra missed update (a \
             server that queues every missed change grows by at least that size per \
             update). Medians of {} runs of each of the four configurations. 8c \
             compares the readers' convergence time with and without the stuck \
             client (all updates).",
            ctx.sizes.stuck.0,
            thousands(ctx.sizes.stuck.1),
            ctx.sizes.stuck_runs
        ),
        format!(
            "9: a shared-state server (ours with `--max-connections {}`: its default is \
             10,000; the reference has no limit). One client sets `v` to 0; then {} \
             clients connect, {} at a time, each until its mirror holds `{{\"v\": 0}}` \
             (the connect storm, timed from the first connect to the last client \
             holding it). The server's VmRSS 500 ms later, less its VmRSS before the \
             storm, over the clients, is the RSS per connection. Then the first client \
             asks a burst of {} changes of `v`: timed from that request to the last \
             mirror being `{{\"v\": {}}}` (every mirror checked after every operation, \
             as in 3 and 4); p50/p99 are of each client's own time to get there. The \
             clients are light: tokio-tungstenite with 4 KiB buffers and the same \
             checked mirror (`bench/src/scale.rs`). 10,000 clients and their server \
             need more open files than the usual 1,024: the harness raises its soft \
             `RLIMIT_NOFILE` to the hard limit (the `rlimit` crate's \
             `increase_nofile_limit`, as `ulimit -n` would) before anything starts, \
             and the servers it starts inherit it; the raw output's header shows \
             the limits in force. The floor does not run here: it lives in the \
             harness's process, whose descriptors the clients already use. The same \
             at 1,000 clients is the fallback where the reference does not finish \
             10,000 in the time limit.",
            crate::scale::MAX_CONNECTIONS,
            thousands(ctx.sizes.scale.0 as u64),
            256,
            ctx.sizes.scale.1,
            ctx.sizes.scale.1
        ),
        format!(
            "10: `juggler-studio serve` (release build, driven only through its \
             command line: a generated workspace file with a shared state `{{\"v\": \
             0}}`, autoflush 0 and a `setState` rule `tick`), its traffic log on \
             (the default, with its default limits). {} dashboards (the light clients \
             of 9, each mirroring and checking the state and pinging every 30 s) \
             connect; then one more client asks `tick` once a second for {} minutes, so \
             that every dashboard gets a state message a second. VmRSS of the studio \
             is sampled every second: at the start (all dashboards connected), the \
             peak, at the end. Bounded means the peak of the last third of the run is \
             within 10 % + 8 MiB of the middle third's. Every dashboard must hold \
             the last change at the end.",
            thousands(ctx.sizes.studio.0 as u64),
            ctx.sizes.studio.1.as_secs() / 60
        ),
        "11: `juggler-studio serve` (release build) with a generated workspace \
         (autoflush 0; for the fan-out a shared state `{\"v\": 0}` and a `setState` \
         rule `state.set` that sets `[\"v\"]` to the request's `value` and answers \
         `null`; for the requests an `echo` rule, state per connection), traffic log \
         on (its defaults), one control client connected as the UI is (the token, \
         the studio's own `Origin`, the model mirrored and checked, `traffic.query` \
         at the start) on a pane that lists no traffic: it does not follow the \
         traffic, and must get no `traffic` event; a fresh studio for each part; \
         against `bench_server` (`--shared-state` for the fan-out), the two taking \
         turns. Fan-out: 100 mirror clients connect and ping; one more client \
         sends 1,000 `state.set` `{path: [\"v\"], value: i}`, 16 in flight, every \
         answer checked; timed from the first request to the last mirror being \
         `{\"v\": 1000}`. Requests: as 1. Then the studio's log must hold exactly \
         the frames the clients counted (every request, answer and state message), \
         as the control client's mirror of `/traffic` shows, with nothing dropped; \
         a run where it does not within 60 s fails. The requests once more (a fresh \
         studio) with the control client following the traffic (`traffic.follow`, \
         as the UI while the Traffic, Requests or Connections pane is open): it \
         must get every entry as `traffic` events too."
            .to_owned(),
        "6, set: a setter and 4 other clients are connected (and pinged) to the \
         shared state; the setter sends the document (a 10.8 MB `state.set` \
         request): timed from that request to its answer, and to the last of the \
         4 others having applied the state that equals the document. Ours sends \
         the setter its new state before the answer (with autoflush 0 a change \
         goes out before the answer of the request that made it), so its time \
         includes sending 10.8 MB and the client parsing them; the reference \
         answers from its receive loop while its sync loop sends the state."
            .to_owned(),
    ];
    for n in notes {
        let _ = writeln!(s, "- {n}");
    }
    let _ = writeln!(
        s,
        "\nEvery run's numbers (and the secondary metrics: p99, answer times, \
         messages per client, set time, memory details) are in `{}`.",
        ctx.raw_name
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_section_is_kept_after_the_ui_one() {
        let old = "# old\n<!-- bench/runtime: begin -->\nrt\n<!-- bench/runtime: end -->\n\
                   <!-- ui-bench:begin -->\nui\n<!-- ui-bench:end -->\n";
        assert_eq!(
            keep_sections("# new\n".into(), old),
            "# new\n\n<!-- ui-bench:begin -->\nui\n<!-- ui-bench:end -->\n\
             \n<!-- bench/runtime: begin -->\nrt\n<!-- bench/runtime: end -->\n"
        );
    }

    fn measured(key: &'static str, median: f64, lo: f64, hi: f64) -> Summary {
        let mut metrics = Metrics::default();
        metrics.values.insert(key, median);
        Summary::Measured {
            metrics,
            range: BTreeMap::from([(key, (lo, hi))]),
            each: BTreeMap::from([(key, vec![lo, median, hi])]),
            runs: 3,
        }
    }

    fn context() -> Context {
        Context {
            command: "cargo run --release -p bench".into(),
            date: "today".into(),
            commit: "`abc`".into(),
            library: "test".into(),
            machine: machine(),
            versions: Vec::new(),
            sizes: Sizes::new(false),
            repeat: 3,
            quick: false,
            doc_bytes: Some(10_790_907),
            minimal_leaf_bytes: 92,
            raw_name: "BENCHMARKS.raw.txt".into(),
            load_start: String::new(),
        }
    }

    #[test]
    fn targets_ratios_and_noise_are_judged_from_medians() {
        let mut results = Results::new();
        // Throughput: 9.5× the reference (target 10×), 0.6× the floor.
        results.insert(
            (Scenario::Requests, Kind::Ours),
            measured("rate", 95.0, 90.0, 200.0),
        );
        results.insert(
            (Scenario::Requests, Kind::Reference),
            measured("rate", 10.0, 9.0, 11.0),
        );
        results.insert(
            (Scenario::Requests, Kind::Floor),
            measured("rate", 158.0, 150.0, 160.0),
        );
        // A time: 40× sooner than the reference (target 30×).
        results.insert(
            (Scenario::Fanout10, Kind::Ours),
            measured("time_ms", 10.0, 9.0, 11.0),
        );
        results.insert(
            (Scenario::Fanout10, Kind::Reference),
            measured("time_ms", 400.0, 390.0, 410.0),
        );
        results.insert(
            (Scenario::Fanout100, Kind::Ours),
            Summary::Failed("bad diff".into()),
        );
        let md = render(&context(), &results);
        let line = |prefix: &str| {
            md.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_default()
                .to_owned()
        };
        let req = line("| 1. requests: 10 conn");
        assert!(req.contains("95 req/s †"), "{req}");
        assert!(req.contains("9.50×") && req.contains("0.60×"), "{req}");
        assert!(req.contains("**no** (9.50× reference < 10×)"), "{req}");
        let fan = line("| 3. fan-out");
        assert!(fan.contains("40.00×") && fan.ends_with("| yes |"), "{fan}");
        let fan100 = line("| 4. fan-out");
        assert!(
            fan100.contains("**failed**") && fan100.contains("ours failed"),
            "{fan100}"
        );
        assert!(
            md.contains("runs ranged from 90 req/s to 200 req/s"),
            "{md}"
        );
        assert!(
            md.contains("`fanout100` on ours: **FAILED**: bad diff"),
            "{md}"
        );
    }

    #[test]
    fn the_ui_section_survives_a_new_report() {
        let old = "# Benchmarks\n\nold table\n\n<!-- ui-bench:begin -->\n## The studio UI\n| a | b |\n<!-- ui-bench:end -->\n";
        let md = keep_sections(render(&context(), &Results::new()), old);
        assert!(!md.contains("old table"), "{md}");
        assert!(
            md.ends_with(
                "\n<!-- ui-bench:begin -->\n## The studio UI\n| a | b |\n<!-- ui-bench:end -->\n"
            ),
            "{md}"
        );
        // No section, or a cut one: nothing to keep.
        assert_eq!(keep_sections("md".into(), "# Benchmarks\n"), "md");
        assert_eq!(
            keep_sections("md".into(), "<!-- ui-bench:begin -->\nhalf"),
            "md"
        );
    }

    #[test]
    fn a_target_at_the_largest_count_falls_back_to_what_the_reference_finished() {
        let mut results = Results::new();
        results.insert(
            (Scenario::Scale, Kind::Ours),
            measured("time_ms", 1500.0, 1400.0, 1600.0),
        );
        results.insert(
            (Scenario::Scale, Kind::Reference),
            Summary::TimedOut(Duration::from_secs(300), "during the fan-out".into()),
        );
        results.insert(
            (Scenario::Scale1k, Kind::Ours),
            measured("time_ms", 80.0, 70.0, 90.0),
        );
        results.insert(
            (Scenario::Scale1k, Kind::Reference),
            measured("time_ms", 24_000.0, 23_000.0, 25_000.0),
        );
        let md = render(&context(), &results);
        let row = md
            .lines()
            .find(|l| l.starts_with("| 9c. — fan-out") && l.contains("largest"))
            .unwrap_or_default();
        assert!(
            row.contains("yes (300.00×, judged at scale1k: reference timed out)"),
            "{row}"
        );
        let unmet = md
            .split("## Targets not met")
            .nth(1)
            .and_then(|s| s.split("## Correctness").next())
            .unwrap_or_default();
        assert!(!unmet.contains("largest count"), "{unmet}");
        assert!(
            md.contains("timed out** after 300 s, during the fan-out"),
            "{md}"
        );
        results.insert(
            (Scenario::Scale1k, Kind::Reference),
            measured("time_ms", 2_000.0, 1_900.0, 2_100.0),
        );
        let md = render(&context(), &results);
        assert!(
            md.contains("**no** (25.00× < 50×, judged at scale1k"),
            "{md}"
        );
    }

    #[test]
    fn the_late_joiner_is_shown_run_by_run() {
        let mut results = Results::new();
        results.insert(
            (Scenario::BigState, Kind::Ours),
            measured("join_ms", 30.0, 25.0, 40.0),
        );
        results.insert(
            (Scenario::BigState, Kind::Reference),
            measured("join_ms", 150.0, 160.0, 140.0),
        );
        let md = render(&context(), &results);
        assert!(
            md.contains("25.0 ms vs 160 ms (6.40×), 30.0 ms vs 150 ms (5.00×), 40.0 ms vs 140 ms (3.50×); single runs 3.50× to 6.40×"),
            "{md}"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(10_790_907), "10,790,907");
    }
}
