//! `record` and `replay`: a session to a file, and a file to dashboards.

use std::process::ExitCode;

use studio::app::{Studio, StudioOptions, ready};

use crate::cli::{RecordArgs, ReplayArgs};
use crate::term::Progress;
use crate::{Res, shutdown_signal};

pub async fn record(args: RecordArgs) -> Res {
    studio::app::watch_shutdown_signals();
    let builder = args.client.builder(&args.url);
    let (url, out) = (args.url.as_str(), args.out.as_path());
    let duration = match args.duration {
        Some(s) if s.is_finite() && s > 0.0 => Some(std::time::Duration::from_secs_f64(s)),
        Some(s) => return Err(format!("--duration {s}: give a number of seconds above 0").into()),
        None => None,
    };
    let stop = tokio_util::sync::CancellationToken::new();
    let on_signal = stop.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        on_signal.cancel();
    });
    crate::wait::if_asked(url, &args.client).await?;
    eprintln!(
        "Recording {} to {} (Ctrl+C stops)…",
        juggler::client::redacted(url),
        out.display()
    );
    let progress = std::sync::Mutex::new(Progress::new());
    let summary =
        studio::recording::capture::capture(builder, url, out, duration, stop, |entries, bytes| {
            let line = format!("  {entries} entries, {:.1} kB", bytes as f64 / 1000.0);
            if let Ok(mut p) = progress.lock() {
                p.show(&line, None);
            }
        })
        .await;
    if let Ok(mut p) = progress.lock() {
        p.finish();
    }
    let summary = summary.map_err(|e| match &e {
        studio::Error::Connect { source, .. } => {
            format!(
                "{e}{}",
                crate::wait::hint(source, args.client.wait.is_some())
            )
        }
        _ => e.to_string(),
    })?;
    println!(
        "{}: {} entries, {} bytes ({})",
        out.display(),
        summary.entries,
        summary.bytes,
        summary.ended
    );
    if let Some(why) = summary.failed {
        eprintln!(
            "error: the recorded session failed: {why}; check the back end (and, if given, \
             --generation), then record again"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn replay(args: ReplayArgs) -> Res {
    studio::app::watch_shutdown_signals();
    let (recording, speed) = (args.recording.as_path(), args.speed);
    let (wait_for, exit) = (args.wait_for, args.exit);
    if !(speed.is_finite() && speed > 0.0 && speed <= studio::engine::MAX_SPEED) {
        return Err(format!(
            "--speed {speed}: give a speed above 0 and up to {} (1 is real time)",
            studio::engine::MAX_SPEED
        )
        .into());
    }
    // Before any server starts: a wrong path is the likeliest mistake.
    let header = studio::recording::Recording::read_header(recording).map_err(|e| {
        format!(
            "{e}; give the path of a recording file (`juggler-studio record URL --out FILE` \
             makes one)"
        )
    })?;
    let recorded: Option<juggler::Generation> = header.generation.parse().ok();
    let given_workspace = args.workspace.is_some();
    let opts = StudioOptions {
        workspace: args.workspace,
        port: args.port,
        static_dir: args.static_dir,
        // Without a workspace, the server speaks what the recorded one did:
        // the dashboard that talked to it connects unchanged.
        generation: recorded.filter(|_| !given_workspace),
        start_server: true,
        allow_origins: args.allow_origin,
        // The replay stands in for the recorded back end: a request gets
        // the recording's answer, or null with a warning, never one the
        // demo's rules make up (nor their setState on the replayed state)
        // that no back end gave, whichever page is served.
        without_demo_rules: true,
        ..StudioOptions::default()
    };
    if let Some(path) = &args.ready_file {
        ready::clear(path)?;
    }
    let studio = Studio::start(opts, |line| eprintln!("{line}")).await?;
    if let Some(e) = &studio.start_error {
        return Err(format!("the dashboard server cannot start: {e}").into());
    }
    let serves =
        juggler::Generation::from(studio.engine.workspace_without_state().server.generation);
    if let Some(recorded) = recorded.filter(|r| *r != serves) {
        eprintln!(
            "warning: the recording is of a juggler {recorded} server and the workspace serves \
             {serves}: a dashboard made for the recorded server will not connect; set the \
             workspace's server.generation to \"{recorded}\""
        );
    }
    eprintln!("Loading {}…", recording.display());
    let info = studio.engine.replay_load(recording).await?;
    if info.truncated_tail {
        eprintln!(
            "note: the recording's last line was cut short (a crash while recording) and is left out"
        );
    }
    println!("Juggler Studio is replaying {}.", recording.display());
    println!(
        "  dashboard: {}",
        studio.dashboard_url().unwrap_or_default()
    );
    println!("  juggler:   {}", studio.server_url().unwrap_or_default());
    println!("  control:   {}", studio.control.url());
    println!(
        "  recording: {} entries, {:.1} s, from {}",
        info.entries,
        info.duration_ms / 1000.0,
        info.header.source
    );
    let _ready = match &args.ready_file {
        Some(path) => Some(ready::write(path, &studio.addresses())?),
        None => None,
    };
    let model = studio.engine.model();
    if !wait_for_dashboards(&model, wait_for).await {
        studio.shutdown().await;
        return Ok(ExitCode::SUCCESS);
    }
    if wait_for == 0 && connected(&model) == 0 {
        // The page opened from the printed address a moment later saw only
        // the end (the outside tester's U33): say what waits for it.
        eprintln!(
            "note: playing with no dashboard connected: a page opened later gets the state as \
             it is then; --wait-for 1 waits for one first"
        );
    }
    studio.engine.replay_play(Some(speed))?;
    show_progress(&model, exit).await;
    studio.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// How many dashboards are connected now.
fn connected(model: &juggler::Storage) -> usize {
    model
        .get(juggler::path!["connections"])
        .and_then(|c| c.as_object().map(|o| o.len()))
        .unwrap_or(0)
}

/// Waits until `n` dashboards are connected; false when Ctrl+C came first.
async fn wait_for_dashboards(model: &juggler::Storage, n: usize) -> bool {
    if n == 0 {
        return true;
    }
    eprintln!("Waiting for {n} dashboard(s) to connect…");
    let mut watch = model.subscribe();
    loop {
        if connected(model) >= n {
            return true;
        }
        tokio::select! {
            _ = watch.changed() => {}
            _ = shutdown_signal() => return false,
        }
    }
}

/// A progress bar of the replay until it ends (then, unless `exit`, until
/// Ctrl+C) or Ctrl+C.
async fn show_progress(model: &juggler::Storage, exit: bool) {
    let mut watch = model.subscribe();
    let signal = shutdown_signal();
    tokio::pin!(signal);
    let mut progress = Progress::new();
    loop {
        let replay = model.get(juggler::path!["replay"]).unwrap_or_default();
        let step = replay["step"].as_u64().unwrap_or(0);
        let total = replay["entries"].as_u64().unwrap_or(0).max(1);
        let t = replay["t"].as_f64().unwrap_or(0.0) / 1000.0;
        let width = 30;
        let done = (step * width / total).min(width) as usize;
        progress.show(
            &format!(
                "  [{}{}] {step}/{total} entries, t = {t:.1} s",
                "#".repeat(done),
                "-".repeat(width as usize - done)
            ),
            Some(step as f64 / total as f64),
        );
        if replay["playing"] == serde_json::Value::Bool(false) {
            progress.finish();
            println!("Replay finished.");
            if !exit {
                println!("Serving on; press Ctrl+C to stop.");
                (&mut signal).await;
            }
            return;
        }
        tokio::select! {
            _ = watch.changed() => {}
            _ = &mut signal => { progress.finish(); return; }
        }
    }
}
