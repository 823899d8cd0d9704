//! `BENCHMARKS.md`: the machine, the command, the table of every scenario
//! on the three servers with the ratios and targets, which targets are not
//! met and what the correctness checks found.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::scenarios::{Metrics, Scenario, Sizes};
use crate::servers::Kind;

mod render;
mod rows;
mod studio;

pub use render::render;

use rows::{Row, Target, Unit, rows, thousands};

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

#[cfg(test)]
mod tests;
