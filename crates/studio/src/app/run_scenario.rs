//! `juggler-studio run WORKSPACE --scenario NAME`: start the studio on a
//! workspace, wait for dashboards (or start a headless browser on the
//! dashboard page), run one scenario, print its report and exit 0 when it
//! passed, 1 when it failed, 2 when it could not run (a bad workspace, an
//! unknown scenario, bad options, no Chromium, no dashboard connected),
//! 130 when Ctrl+C or SIGTERM stopped it. Several scenarios (`--scenario`
//! repeated, `--all`) run one after another, each in a fresh studio;
//! `--junit` and `--json` write the reports for CI.

mod ci_report;

use std::path::PathBuf;
use std::time::Duration;

use super::{Studio, StudioOptions};
use crate::scenario::ScenarioReport;
use crate::scenario::browser::{self, Browser};

/// Exit code: every step passed.
pub const PASSED: u8 = 0;
/// Exit code: a step failed (or the page logged an error outside them).
pub const FAILED: u8 = 1;
/// Exit code: it could not run, or had no dashboard to test.
pub const UNUSABLE: u8 = 2;
/// Exit code: Ctrl+C or SIGTERM stopped it (as a shell reports SIGINT): a
/// cancelled CI job is no verdict on the dashboard.
pub const STOPPED: u8 = 130;

/// What `juggler-studio run` was asked (its command-line arguments).
#[derive(Debug, Clone, clap::Args)]
pub struct RunOptions {
    /// The workspace file.
    pub workspace: PathBuf,
    /// The scenario to run (its `name`); repeat it to run several, in
    /// order.
    #[arg(long, required_unless_present = "all", value_name = "NAME")]
    pub scenario: Vec<String>,
    /// Run every scenario of the workspace, in the file's order.
    #[arg(long, conflicts_with = "scenario")]
    pub all: bool,
    /// Write a JUnit XML report to this file: one testcase per scenario,
    /// its steps in system-out, a failed step's message in failure.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the reports as JSON to this file: per scenario its outcome,
    /// exit code, steps (the engine's ScenarioReport) and error.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Once the server listens, write its addresses to FILE as one JSON
    /// object ({"pid", "dashboard", "juggler", "control", "scenario"};
    /// replaced whole, for each scenario; an old one is removed at start,
    /// each scenario's as it ends), for a script that opens the page
    /// itself with --port 0.
    #[arg(long, value_name = "FILE")]
    pub ready_file: Option<PathBuf>,
    /// Port to listen on, 0 for any free one (overrides the workspace).
    #[arg(long)]
    pub port: Option<u16>,
    /// Folder served to browsers (overrides the workspace).
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
    /// Wait for this many dashboards to connect before the first step.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub wait_for: usize,
    /// Seconds to wait for them.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// Open the dashboard in headless Chromium, stopped at the end: one
    /// page (with --wait-for above 1, open the others yourself). Chromium
    /// is /usr/bin/chromium, or the program the environment variable
    /// JUGGLER_STUDIO_CHROMIUM names (chromium-browser, google-chrome…).
    #[arg(long)]
    pub browser: bool,
}

/// Runs the command; returns the exit code. Prints the addresses and the
/// report to stdout, problems to stderr.
pub async fn run(opts: RunOptions) -> u8 {
    // From the start: a signal while the server or the browser starts must
    // not kill the process (Chromium, in its own process group, would be
    // left running with its profile).
    let stop = super::watch_shutdown_signals();
    if let Some(code) = check_options(&opts) {
        return code;
    }
    if let Some(Err(e)) = opts.ready_file.as_deref().map(super::ready::clear) {
        eprintln!("error: {e}");
        return UNUSABLE;
    }
    let names = match scenario_names(&opts) {
        Ok(names) => names,
        Err(e) => {
            eprintln!("error: {e}");
            return UNUSABLE;
        }
    };
    let mut outcomes = Vec::new();
    for name in &names {
        if stop.is_cancelled() {
            break;
        }
        if names.len() > 1 {
            println!(
                "== scenario {name:?} ({} of {})",
                outcomes.len() + 1,
                names.len()
            );
        }
        outcomes.push(run_one(&opts, name, &stop).await);
    }
    let code = overall(&outcomes);
    if names.len() > 1 {
        let count = |c| outcomes.iter().filter(|o| o.code == c).count();
        println!(
            "{} passed, {} failed, {} unusable, {} stopped, {} not run (of {} scenarios)",
            count(PASSED),
            count(FAILED),
            count(UNUSABLE),
            count(STOPPED),
            names.len() - outcomes.len(),
            names.len()
        );
    }
    if let Err(e) = ci_report::write(&opts, &outcomes, code) {
        eprintln!("error: {e}");
        return UNUSABLE.max(code);
    }
    code
}

/// How one scenario went, for the summary and the report files.
#[derive(Debug)]
pub(crate) struct Outcome {
    name: String,
    /// Its exit code: [`PASSED`], [`FAILED`], [`UNUSABLE`] or [`STOPPED`].
    code: u8,
    /// The steps, once it ran.
    report: Option<ScenarioReport>,
    /// Why it failed outside a step, or could not run.
    problem: Option<String>,
}

impl Outcome {
    fn unusable(name: &str, problem: String) -> Outcome {
        eprintln!("error: {problem}");
        Outcome {
            name: name.to_owned(),
            code: UNUSABLE,
            report: None,
            problem: Some(problem),
        }
    }
}

/// The run's exit code: stopped wins (the rest did not run), then a
/// failure found, then a scenario that could not run.
fn overall(outcomes: &[Outcome]) -> u8 {
    let has = |c| outcomes.iter().any(|o| o.code == c);
    [STOPPED, FAILED, UNUSABLE]
        .into_iter()
        .find(|c| has(*c))
        .unwrap_or(PASSED)
}

/// The scenarios asked for, checked against the workspace before any
/// server starts.
fn scenario_names(opts: &RunOptions) -> Result<Vec<String>, String> {
    let ws = super::load_with_progress(
        &opts.workspace,
        "check the path; `juggler-studio new DIR` makes a project whose workspace has a scenario",
        &|line| eprintln!("{line}"),
    )
    .map_err(|e| e.to_string())?;
    let names: Vec<&str> = ws.scenarios.iter().map(|s| s.name.as_str()).collect();
    let has = || {
        if names.is_empty() {
            "no scenarios".to_owned()
        } else {
            format!("the scenarios {}", names.join(", "))
        }
    };
    if opts.all {
        if names.is_empty() {
            return Err(format!(
                "--all: {} has no scenarios (add some under \"scenarios\")",
                opts.workspace.display()
            ));
        }
        return Ok(names.into_iter().map(str::to_owned).collect());
    }
    if let Some(unknown) = opts.scenario.iter().find(|n| !names.contains(&n.as_str())) {
        return Err(format!(
            "--scenario {unknown:?}: {} has {}",
            opts.workspace.display(),
            has()
        ));
    }
    Ok(opts.scenario.clone())
}

/// Bad options: said on stderr, with the exit code.
fn check_options(opts: &RunOptions) -> Option<u8> {
    if !(opts.timeout.is_finite() && opts.timeout > 0.0 && opts.timeout <= 86_400.0) {
        eprintln!(
            "error: --timeout {}: give a number of seconds above 0",
            opts.timeout
        );
        return Some(UNUSABLE);
    }
    if opts.browser && !browser::chromium_path().is_file() {
        eprintln!(
            "error: --browser needs Chromium at {}, and it is not there: install it (Debian: \
             `apt-get install chromium`), or set JUGGLER_STUDIO_CHROMIUM to its path",
            browser::chromium_path().display()
        );
        return Some(UNUSABLE);
    }
    None
}

/// Runs the scenario `name` in a studio of its own: no scenario sees what
/// another one left (state, rules' effects, the page's own state).
async fn run_one(
    opts: &RunOptions,
    name: &str,
    stop: &tokio_util::sync::CancellationToken,
) -> Outcome {
    let studio = match Studio::start(
        StudioOptions {
            workspace: Some(opts.workspace.clone()),
            port: opts.port,
            static_dir: opts.static_dir.clone(),
            start_server: true,
            ..StudioOptions::default()
        },
        |line| eprintln!("{line}"),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return Outcome::unusable(name, e.to_string()),
    };
    let outcome = run_in(&studio, opts, name, stop).await;
    studio.shutdown().await;
    outcome
}

async fn run_in(
    studio: &Studio,
    opts: &RunOptions,
    name: &str,
    stop: &tokio_util::sync::CancellationToken,
) -> Outcome {
    if let Some(e) = &studio.start_error {
        return Outcome::unusable(name, format!("the dashboard server cannot start: {e}"));
    }
    let ws = studio.engine.workspace_without_state();
    let Some(scenario) = ws.scenarios.iter().find(|s| s.name == name) else {
        // Checked before the start: the file changed since.
        return Outcome::unusable(
            name,
            format!(
                "{} no longer has the scenario {name:?}",
                opts.workspace.display()
            ),
        );
    };
    let dashboard = studio.dashboard_url().unwrap_or_default();
    println!(
        "Juggler Studio is running scenario {:?} ({} steps) of {}.",
        scenario.name,
        scenario.steps.len(),
        opts.workspace.display()
    );
    println!("  dashboard: {dashboard}");
    println!("  juggler:   {}", studio.server_url().unwrap_or_default());
    println!("  control:   {}", studio.control.url());
    // Removed as this scenario ends, before the next one's studio writes its own.
    let _ready = match &opts.ready_file {
        Some(path) => {
            let mut info = studio.addresses();
            info["scenario"] = name.into();
            match super::ready::write(path, &info) {
                Ok(written) => Some(written),
                Err(e) => return Outcome::unusable(name, e),
            }
        }
        None => None,
    };

    // Errors of the page while it loads come before the first step, where no
    // step counts them: the run as a whole does.
    let errors_before = studio.engine.console_errors();
    let allow_errors = scenario.allow_console_errors;
    let mut chromium = None;
    if opts.browser {
        match Browser::launch(&dashboard) {
            Ok(b) => {
                println!("  browser:   headless Chromium on {dashboard}");
                chromium = Some(b);
            }
            Err(e) => return Outcome::unusable(name, e),
        }
    }
    if opts.wait_for > 0 {
        match wait_for_dashboards(studio, opts, chromium.as_mut(), stop).await {
            Waited::Connected => {}
            Waited::NotConnected(why) => return Outcome::unusable(name, why),
            Waited::Stopped => {
                let why = format!(
                    "scenario {name:?} did not start: Ctrl+C or SIGTERM came while waiting for \
                     dashboards"
                );
                println!("STOPPED: {why}");
                return Outcome {
                    name: name.to_owned(),
                    code: STOPPED,
                    report: None,
                    problem: Some(why),
                };
            }
        }
    }

    let engine = studio.engine.clone();
    let on_signal = engine.clone();
    let stopping = stop.clone();
    let signal = tokio::spawn(async move {
        stopping.cancelled().await;
        // A signal just before the run registered has nothing to stop yet:
        // try until it has (this task ends with the run).
        while !on_signal.scenario_stop() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let report = engine.scenario_run(name).await;
    signal.abort();
    if let Some(mut b) = chromium {
        b.stop();
    }
    match report {
        Ok(mut report) => {
            let outside = (report.passed && !allow_errors)
                .then(|| engine.console_errors_since(errors_before))
                .flatten();
            if outside.is_some() {
                report.passed = false;
            }
            print!("{}", report.to_text());
            let problem = outside.map(|error| {
                format!(
                    "the dashboard logged an error outside the steps (while it loaded, or \
                     between them): {error} (set \"allowConsoleErrors\": true on the scenario \
                     to let it pass)"
                )
            });
            if let Some(problem) = &problem {
                println!("  {problem}");
            }
            let code = match () {
                () if report.passed => PASSED,
                () if stop.is_cancelled() => STOPPED,
                () => FAILED,
            };
            Outcome {
                name: name.to_owned(),
                code,
                report: Some(report),
                problem,
            }
        }
        Err(e) => Outcome::unusable(name, e.to_string()),
    }
}

/// How waiting for the dashboards ended.
enum Waited {
    Connected,
    /// Not in time, or the browser exited: why, and what to do.
    NotConnected(String),
    /// Ctrl+C or SIGTERM.
    Stopped,
}

/// Waits for `opts.wait_for` dashboards; says why not when they do not
/// come in time.
async fn wait_for_dashboards(
    studio: &Studio,
    opts: &RunOptions,
    mut chromium: Option<&mut Browser>,
    stop: &tokio_util::sync::CancellationToken,
) -> Waited {
    let model = studio.engine.model();
    let mut watch = model.subscribe();
    let until = tokio::time::Instant::now() + Duration::from_secs_f64(opts.timeout);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    println!(
        "Waiting for {} dashboard(s) to connect (at most {} s)…",
        opts.wait_for, opts.timeout
    );
    loop {
        // Counted in place: `get` copies the entries (with a state per
        // connection, each its own state).
        let n = model.read(|m| {
            m.get("connections")
                .and_then(serde_json::Value::as_object)
                .map_or(0, |o| o.len())
        });
        if n >= opts.wait_for {
            return Waited::Connected;
        }
        if let Some(b) = chromium.as_deref_mut()
            && let Some(status) = b.exited()
        {
            return Waited::NotConnected(format!(
                "Chromium exited ({status}) before the dashboard connected; its last \
                 output:\n{}",
                b.log_tail(20)
            ));
        }
        tokio::select! {
            () = stop.cancelled() => return Waited::Stopped,
            // The version only: `changed` copies the whole model, the
            // state in it, at every change.
            _ = watch.changed_version() => {}
            _ = tick.tick() => {}
            () = tokio::time::sleep_until(until) => {
                let why = if chromium.is_some() && n > 0 {
                    format!(
                        "{n} of {} dashboard(s) connected within {} s: --browser opens one \
                         page; open the others at {} or lower --wait-for",
                        opts.wait_for,
                        opts.timeout,
                        studio.dashboard_url().unwrap_or_default()
                    )
                } else if chromium.is_some() {
                    let ws = studio.engine.workspace_without_state();
                    format!(
                        "the page opened in headless Chromium did not connect within {} s: \
                         check that it connects to this server's juggler endpoint ({}, \
                         generation {}), or raise --timeout\n{}",
                        opts.timeout,
                        studio.server_url().unwrap_or_default(),
                        juggler::Generation::from(ws.server.generation),
                        match studio.engine.console_errors_since(0) {
                            Some(error) => format!("The page's newest error: {error}"),
                            None => "The page reported no error.".to_owned(),
                        }
                    )
                } else {
                    format!(
                        "{n} of {} dashboard(s) connected within {} s: open {} (or pass \
                         --browser), or raise --timeout",
                        opts.wait_for,
                        opts.timeout,
                        studio.dashboard_url().unwrap_or_default()
                    )
                };
                return Waited::NotConnected(why);
            }
        }
    }
}
