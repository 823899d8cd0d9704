//! The benchmark harness: in one run it starts our `bench_server`
//! (release build), the reference's (`hat-juggler` 0.6.26) and a raw
//! WebSocket floor, drives each with the same load generator, checks every
//! result, and writes `BENCHMARKS.md` and `BENCHMARKS.raw.txt`.
//!
//! `cargo run --release -p bench -- [--quick] [--only SCENARIO,...]
//! [--skip-reference]`; see `bench/README.md`.

mod floor;
mod load;
mod report;
mod scale;
mod scenarios;
mod servers;
mod studio_soak;
mod studio_vs;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use bench::check::median_index;
use bench::docgen;
use bench::error::{Error, Result};
use clap::Parser;

use crate::report::{Context, Results, Summary};
use crate::scenarios::{BigDoc, Metrics, Scenario, Sizes};
use crate::servers::{Env, Kind};

#[derive(Parser)]
#[command(
    about = "Benchmarks our juggler server against the reference (hat-juggler 0.6.26) \
             and a raw WebSocket floor; writes BENCHMARKS.md and BENCHMARKS.raw.txt"
)]
struct Args {
    /// A fast smoke run: a tenth of every count, one run each; the report
    /// goes to target/bench/ unless --out says otherwise.
    #[arg(long)]
    quick: bool,
    /// Run only these scenarios (comma-separated or repeated); the report
    /// goes to target/bench/ unless --out says otherwise.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Scenario>,
    /// Do not run the reference (no Python venv needed); the report goes to
    /// target/bench/ unless --out says otherwise.
    #[arg(long)]
    skip_reference: bool,
    /// Runs of each scenario on each server; the table shows medians.
    /// Default 5, or 1 with --quick.
    #[arg(long)]
    repeat: Option<usize>,
    /// The directory for BENCHMARKS.md and BENCHMARKS.raw.txt. Default: the
    /// repository root for a full run, else target/bench/.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Use the existing target/release/examples/bench_server instead of
    /// building it first.
    #[arg(long)]
    no_build: bool,
}

/// The raw output: every line goes to stdout and to the raw file (written
/// as `.tmp` while running, renamed at the end).
struct Log {
    file: File,
    tmp: PathBuf,
    path: PathBuf,
}

impl Log {
    fn create(dir: &Path) -> Result<Log> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("BENCHMARKS.raw.txt");
        let tmp = dir.join("BENCHMARKS.raw.txt.tmp");
        Ok(Log {
            file: File::create(&tmp)?,
            tmp,
            path,
        })
    }

    fn line(&mut self, line: impl AsRef<str>) {
        let line = line.as_ref();
        println!("{line}");
        let _ = writeln!(self.file, "{line}");
    }

    fn finish(self) -> Result<PathBuf> {
        self.file.sync_all()?;
        std::fs::rename(&self.tmp, &self.path)?;
        Ok(self.path)
    }
}

/// One run's outcome.
enum Outcome {
    Measured(Metrics),
    Failed(String),
    /// Did not end in time; what it was doing then, if it said.
    TimedOut(Duration, String),
}

/// What `program args` prints on stdout (trimmed), run in `dir`; `None`
/// when it cannot run or fails.
fn command_output(program: &str, args: &[&str], dir: &Path) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Medians metric by metric; the first failure or timeout wins over them.
fn summarize(outcomes: Vec<Outcome>) -> Summary {
    let mut measured = Vec::new();
    for o in outcomes {
        match o {
            Outcome::Failed(why) => return Summary::Failed(why),
            Outcome::TimedOut(d, during) => return Summary::TimedOut(d, during),
            Outcome::Measured(m) => measured.push(m),
        }
    }
    let mut median = Metrics::default();
    let mut range = BTreeMap::new();
    let mut each = BTreeMap::new();
    if let Some(first) = measured.first() {
        for key in first.values.keys() {
            let vals: Vec<f64> = measured.iter().filter_map(|m| m.get(key)).collect();
            if let Some(i) = median_index(&vals) {
                median.values.insert(key, vals[i]);
                let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                range.insert(*key, (lo, hi));
                each.insert(*key, vals);
            }
        }
    }
    Summary::Measured {
        metrics: median,
        range,
        each,
        runs: measured.len(),
    }
}

/// `/proc/loadavg`: whether something else ran on the machine meanwhile.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}

/// Which state of `crates/juggler` (and of the reference's bench server)
/// is measured: the last commit that touched them and, when they have
/// uncommitted changes, the files and a hash of the diff.
fn library_state(root: &Path) -> String {
    let paths = ["crates/juggler", "tests/interop/reference_bench_server.py"];
    let mut args = vec!["log", "-1", "--format=%h %s", "--"];
    args.extend(paths);
    let last = command_output("git", &args, root).unwrap_or_else(|| "unknown".into());
    let mut args = vec!["status", "--porcelain", "--"];
    args.extend(paths);
    let dirty = command_output("git", &args, root).unwrap_or_default();
    if dirty.is_empty() {
        return format!("`crates/juggler` as of commit {last}, no uncommitted changes");
    }
    let files = porcelain_paths(&dirty);
    let mut args = vec!["diff", "HEAD", "--"];
    args.extend(paths);
    let diff = command_output("git", &args, root).unwrap_or_default();
    // FNV-1a: enough to tell two dirty trees apart in the raw output.
    let hash = diff.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!(
        "`crates/juggler` as of commit {last}, WITH uncommitted changes to {} (diff hash {hash:016x})",
        files.join(", ")
    )
}

/// The paths in `git status --porcelain` lines (`XY PATH`). The output
/// comes trimmed, so the first line may have lost its leading space
/// (` M a` → `M a`): split at the gap instead of cutting three bytes.
fn porcelain_paths(status: &str) -> Vec<&str> {
    status
        .lines()
        .filter_map(|l| l.trim_start().split_once(' ').map(|(_, p)| p.trim_start()))
        .collect()
}

async fn run_once(
    env: &Env,
    scenario: Scenario,
    kind: Kind,
    sizes: &Sizes,
    doc: Option<&BigDoc>,
    label: &str,
    log: &mut Log,
) -> Outcome {
    let limit = scenario.timeout();
    let mut lines = Vec::new();
    let own = match scenario {
        Scenario::Memory => Some(
            tokio::time::timeout(
                limit,
                scenarios::memory(env, sizes, &mut |l: String| lines.push(l)),
            )
            .await,
        ),
        Scenario::StudioSoak => {
            let Some(bin) = &env.studio_bin else {
                return Outcome::Failed("juggler-studio was not built".into());
            };
            let (dashboards, duration) = sizes.studio;
            let mut add = |l: String| lines.push(l);
            let run = studio_soak::run(bin, &env.log_dir, dashboards, duration, &mut add);
            Some(tokio::time::timeout(limit, run).await)
        }
        Scenario::Studio => {
            let run = studio_vs::run(env, kind, sizes, label);
            Some(tokio::time::timeout(limit, run).await)
        }
        _ => None,
    };
    // These start their own servers and log as they go.
    if let Some(r) = own {
        for l in lines {
            log.line(l);
        }
        return match r {
            Ok(Ok(m)) => Outcome::Measured(m),
            Ok(Err(e)) => Outcome::Failed(e.to_string()),
            Err(_) => Outcome::TimedOut(limit, String::new()),
        };
    }
    let server = match servers::start(env, kind, scenario.options(), label) {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(format!("server did not start: {e}")),
    };
    let progress = scenarios::Progress::default();
    let r = tokio::time::timeout(
        limit,
        scenarios::run(scenario, server.url(), server.pid(), sizes, doc, &progress),
    )
    .await;
    server.stop();
    match r {
        Ok(Ok(m)) => Outcome::Measured(m),
        Ok(Err(e)) => Outcome::Failed(e.to_string()),
        Err(_) => Outcome::TimedOut(limit, progress.get()),
    }
}

async fn real_main() -> Result<PathBuf> {
    let args = Args::parse();
    let root = servers::repo_root();
    let partial = args.quick || !args.only.is_empty() || args.skip_reference;
    let out = args.out.clone().unwrap_or_else(|| {
        if partial {
            servers::target_dir(&root).join("bench")
        } else {
            root.clone()
        }
    });
    let repeat = args.repeat.unwrap_or(if args.quick { 1 } else { 5 }).max(1);
    let selected: Vec<Scenario> = Scenario::ALL
        .into_iter()
        .filter(|s| args.only.is_empty() || args.only.contains(s))
        .collect();
    let sizes = Sizes::new(args.quick);
    let mut log = Log::create(&out)?;

    let command = {
        let extra: Vec<String> = std::env::args().skip(1).collect();
        if extra.is_empty() {
            "cargo run --release -p bench".to_owned()
        } else {
            format!("cargo run --release -p bench -- {}", extra.join(" "))
        }
    };
    let date = command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"], &root)
        .unwrap_or_else(|| "unknown date".into());
    let commit = {
        let head = command_output("git", &["rev-parse", "--short", "HEAD"], &root)
            .unwrap_or_else(|| "unknown".into());
        // The report's own files are outputs: a previous run's copies in the
        // tree do not make the measured code uncommitted.
        let status = command_output("git", &["status", "--porcelain"], &root).unwrap_or_default();
        let changed: Vec<&str> = porcelain_paths(&status)
            .into_iter()
            .filter(|p| !p.ends_with("BENCHMARKS.md") && !p.ends_with("BENCHMARKS.raw.txt"))
            .collect();
        if !changed.is_empty() {
            format!(
                "`{head}` with uncommitted changes to {}",
                changed.join(", ")
            )
        } else {
            format!("`{head}`")
        }
    };
    let library = library_state(&root);
    let machine = report::machine();
    log.line(format!("# {command}"));
    log.line(format!("# {date}, commit {commit}"));
    log.line(format!("# library measured: {library}"));
    let load_start = loadavg();
    log.line(format!("# load average at start: {load_start}"));
    log.line(format!(
        "# machine: nproc {}, CPU {}, MemTotal {} kB, kernel {}",
        machine.nproc, machine.cpu_model, machine.mem_kib, machine.kernel
    ));
    log.line(format!("# sizes: {sizes:?}, repeat {repeat}"));
    match scale::raise_fd_limit() {
        Ok((soft, hard)) => log.line(format!(
            "# open files (RLIMIT_NOFILE): soft {soft}, hard {hard}; the servers inherit it"
        )),
        Err(e) => log.line(format!("# could not raise RLIMIT_NOFILE: {e}")),
    }

    let ours_bin = if args.no_build {
        servers::ours_bin(&root)?
    } else {
        log.line("# building: cargo build --release -p juggler --example bench_server");
        servers::build_ours(&root)?
    };
    let studio_bin =
        if !selected.contains(&Scenario::StudioSoak) && !selected.contains(&Scenario::Studio) {
            None
        } else if args.no_build {
            Some(servers::target_dir(&root).join("release/juggler-studio"))
        } else {
            log.line("# building: cargo build --release -p studio --bin juggler-studio");
            Some(studio_soak::build(&root)?)
        };
    let ref_python = if args.skip_reference {
        None
    } else {
        Some(servers::ensure_reference(&root)?)
    };
    let mut versions = vec![
        command_output("rustc", &["--version"], &root).unwrap_or_else(|| "rustc ?".into()),
        "load generator and floor: tokio-tungstenite 0.29".to_owned(),
    ];
    if let Some(py) = &ref_python {
        let pyv = command_output(&py.display().to_string(), &["--version"], &root)
            .unwrap_or_else(|| "Python ?".into());
        versions.push(format!(
            "reference: hat-juggler {} on {pyv}",
            servers::REFERENCE_VERSION
        ));
    }
    for v in &versions {
        log.line(format!("# {v}"));
    }
    let env = Env {
        root: root.clone(),
        ours_bin,
        ref_python,
        log_dir: servers::target_dir(&root).join("bench/logs"),
        floor_threads: servers::floor_threads(),
        studio_bin,
    };
    log.line(format!("# server stderr logs: {}", env.log_dir.display()));

    let doc = if selected.contains(&Scenario::BigState) {
        let d = BigDoc::new(sizes.big_objects);
        log.line(format!(
            "# scenario 6 document: {} records, {} bytes",
            d.objects,
            d.text.len()
        ));
        Some(d)
    } else {
        None
    };

    let mut results = Results::new();
    for &scenario in &selected {
        let kinds: Vec<Kind> = scenario
            .servers()
            .iter()
            .copied()
            .filter(|k| *k != Kind::Reference || !args.skip_reference)
            .collect();
        let own = matches!(
            scenario,
            Scenario::Memory | Scenario::StudioSoak | Scenario::Studio
        );
        if args.skip_reference && !own {
            results.insert(
                (scenario, Kind::Reference),
                Summary::NotRun("--skip-reference".into()),
            );
        }
        let runs = match scenario {
            Scenario::Memory | Scenario::StudioSoak => 1,
            // A reference run takes minutes here.
            Scenario::Scale | Scenario::Scale1k => repeat.min(3),
            _ => repeat,
        };
        let mut outcomes: Vec<(Kind, Vec<Outcome>)> =
            kinds.iter().map(|k| (*k, Vec::new())).collect();
        for r in 1..=runs {
            for (kind, outs) in outcomes.iter_mut() {
                // After a failure or a timeout, do not repeat it.
                if outs.iter().any(|o| !matches!(o, Outcome::Measured(_))) {
                    continue;
                }
                let label = format!("{}-{kind}-{r}", scenario.name());
                log.line(format!("[{}] {kind} run {r}/{runs} ...", scenario.name()));
                let o = run_once(
                    &env,
                    scenario,
                    *kind,
                    &sizes,
                    doc.as_ref(),
                    &label,
                    &mut log,
                )
                .await;
                log.line(match &o {
                    Outcome::Measured(m) => {
                        format!("[{}] {kind} run {r}/{runs}: {}", scenario.name(), m.line())
                    }
                    Outcome::Failed(why) => {
                        format!("[{}] {kind} run {r}/{runs}: FAILED: {why}", scenario.name())
                    }
                    Outcome::TimedOut(d, during) => format!(
                        "[{}] {kind} run {r}/{runs}: TIMED OUT after {} s{}",
                        scenario.name(),
                        d.as_secs(),
                        if during.is_empty() {
                            String::new()
                        } else {
                            format!(" ({during})")
                        }
                    ),
                });
                outs.push(o);
            }
        }
        for (kind, outs) in outcomes {
            let s = summarize(outs);
            if let Summary::Measured { metrics, runs, .. } = &s {
                log.line(format!(
                    "[{}] {kind} median of {runs}: {}",
                    scenario.name(),
                    metrics.line()
                ));
            }
            results.insert((scenario, kind), s);
        }
    }

    let ctx = Context {
        command,
        date,
        commit,
        library,
        machine,
        versions,
        sizes,
        repeat,
        quick: args.quick,
        doc_bytes: doc.as_ref().map(|d| d.text.len()),
        minimal_leaf_bytes: docgen::minimal_leaf_message_len(sizes.big_objects),
        raw_name: "BENCHMARKS.raw.txt".into(),
        load_start,
    };
    log.line(format!("# load average at the end: {}", loadavg()));
    let md_path = out.join("BENCHMARKS.md");
    // The UI benchmark (bench/ui) and the dashboard runtime's (bench/runtime)
    // write sections of their own into the file: kept as they are.
    let old = std::fs::read_to_string(&md_path).unwrap_or_default();
    let md = report::keep_sections(report::render(&ctx, &results), &old);
    std::fs::write(&md_path, &md)?;
    log.line("");
    log.line(md);
    let raw = log.finish()?;
    println!("wrote {} and {}", md_path.display(), raw.display());
    Ok(md_path)
}

fn main() -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(real_main()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            if let Error::Setup(_) = e {
                eprintln!("bench: see bench/README.md for what the harness needs");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::porcelain_paths;

    #[test]
    fn porcelain_paths_survive_a_trimmed_first_line() {
        let status =
            "M crates/juggler/src/a.rs\n M crates/juggler/src/b.rs\nMM c.rs\n?? new file.rs";
        assert_eq!(
            porcelain_paths(status),
            [
                "crates/juggler/src/a.rs",
                "crates/juggler/src/b.rs",
                "c.rs",
                "new file.rs"
            ]
        );
    }
}
