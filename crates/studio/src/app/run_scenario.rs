//! `juggler-studio run WORKSPACE --scenario NAME`: start the studio on a
//! workspace, wait for dashboards (or start a headless browser on the
//! dashboard page), run one scenario, print its report and exit 0 when it
//! passed, 1 when it failed, 2 when it could not run (a bad workspace, an
//! unknown scenario, bad options, no Chromium, no dashboard connected),
//! 130 when Ctrl+C or SIGTERM stopped it.

use std::path::PathBuf;
use std::time::Duration;

use super::{Studio, StudioOptions};
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
    /// The scenario to run (its `name`).
    #[arg(long)]
    pub scenario: String,
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
    /// Open the dashboard in headless Chromium (/usr/bin/chromium),
    /// stopped at the end.
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
    run_until(&opts, &stop).await
}

async fn run_until(opts: &RunOptions, stop: &tokio_util::sync::CancellationToken) -> u8 {
    if !(opts.timeout.is_finite() && opts.timeout > 0.0 && opts.timeout <= 86_400.0) {
        eprintln!(
            "error: --timeout {}: give a number of seconds above 0",
            opts.timeout
        );
        return UNUSABLE;
    }
    if opts.browser && !browser::chromium_path().is_file() {
        eprintln!(
            "error: --browser needs Chromium at {}, and it is not there: install it (Debian: \
             `apt-get install chromium`), or set JUGGLER_STUDIO_CHROMIUM to its path",
            browser::chromium_path().display()
        );
        return UNUSABLE;
    }
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
        Err(e) => {
            eprintln!("{e}");
            return UNUSABLE;
        }
    };
    let code = run_in(&studio, opts, stop).await;
    studio.shutdown().await;
    code
}

async fn run_in(
    studio: &Studio,
    opts: &RunOptions,
    stop: &tokio_util::sync::CancellationToken,
) -> u8 {
    if let Some(e) = &studio.start_error {
        eprintln!("error: the dashboard server cannot start: {e}");
        return UNUSABLE;
    }
    let ws = studio.engine.workspace();
    let Some(scenario) = ws.scenarios.iter().find(|s| s.name == opts.scenario) else {
        let names: Vec<_> = ws.scenarios.iter().map(|s| s.name.as_str()).collect();
        eprintln!(
            "error: --scenario {:?}: {} has {}",
            opts.scenario,
            opts.workspace.display(),
            if names.is_empty() {
                "no scenarios".to_owned()
            } else {
                format!("the scenarios {}", names.join(", "))
            }
        );
        return UNUSABLE;
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
            Err(e) => {
                eprintln!("error: {e}");
                return UNUSABLE;
            }
        }
    }
    if opts.wait_for > 0 {
        match wait_for_dashboards(studio, opts, chromium.as_mut(), stop).await {
            Waited::Connected => {}
            Waited::NotConnected => return UNUSABLE,
            Waited::Stopped => {
                println!(
                    "STOPPED: scenario {:?} did not start: Ctrl+C or SIGTERM came while waiting \
                     for dashboards",
                    scenario.name
                );
                return STOPPED;
            }
        }
    }

    let engine = studio.engine.clone();
    let on_signal = engine.clone();
    let stopping = stop.clone();
    let signal = tokio::spawn(async move {
        stopping.cancelled().await;
        on_signal.scenario_stop();
    });
    let report = engine.scenario_run(&opts.scenario).await;
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
            if let Some(error) = outside {
                println!(
                    "  the dashboard logged an error outside the steps (while it loaded, or \
                     between them): {error} (set \"allowConsoleErrors\": true on the scenario \
                     to let it pass)"
                );
            }
            match () {
                () if report.passed => PASSED,
                () if stop.is_cancelled() => STOPPED,
                () => FAILED,
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            UNUSABLE
        }
    }
}

/// How waiting for the dashboards ended.
enum Waited {
    Connected,
    /// Not in time, or the browser exited: said on stderr.
    NotConnected,
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
        let n = model
            .get(juggler::path!["connections"])
            .and_then(|c| c.as_object().map(|o| o.len()))
            .unwrap_or(0);
        if n >= opts.wait_for {
            return Waited::Connected;
        }
        if let Some(b) = chromium.as_deref_mut()
            && let Some(status) = b.exited()
        {
            eprintln!(
                "error: Chromium exited ({status}) before the dashboard connected; its last \
                 output:\n{}",
                b.log_tail(20)
            );
            return Waited::NotConnected;
        }
        tokio::select! {
            () = stop.cancelled() => return Waited::Stopped,
            _ = watch.changed() => {}
            _ = tick.tick() => {}
            () = tokio::time::sleep_until(until) => {
                if chromium.is_some() {
                    let ws = studio.engine.workspace();
                    eprintln!(
                        "error: the page opened in headless Chromium did not connect within {} s: \
                         check that it connects to this server's juggler endpoint ({}, \
                         generation {}), or raise --timeout",
                        opts.timeout,
                        studio.server_url().unwrap_or_default(),
                        juggler::Generation::from(ws.server.generation),
                    );
                    match studio.engine.console_errors_since(0) {
                        Some(error) => eprintln!("The page's newest error: {error}"),
                        None => eprintln!("The page reported no error."),
                    }
                } else {
                    eprintln!(
                        "error: {n} of {} dashboard(s) connected within {} s: open {} (or pass \
                         --browser), or raise --timeout",
                        opts.wait_for,
                        opts.timeout,
                        studio.dashboard_url().unwrap_or_default()
                    );
                }
                return Waited::NotConnected;
            }
        }
    }
}
