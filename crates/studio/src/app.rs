//! The whole studio in one value: the engine on a workspace (or the demo),
//! its embedded server started, and the control endpoint. `juggler-studio
//! serve` and the desktop shell both start it this way, so the headless
//! studio and the desktop app cannot drift apart.

pub mod ready;
pub mod run_scenario;

use std::path::PathBuf;
use std::sync::Arc;

use crate::control::{CommandHandler, ControlEndpoint};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// How to start.
#[derive(Debug, Clone, Default)]
pub struct StudioOptions {
    /// The workspace file; `None` runs the demo workspace and its dashboard.
    pub workspace: Option<PathBuf>,
    /// Overrides the workspace's `server.host`.
    pub host: Option<String>,
    /// Overrides the workspace's `server.port` (0: any free port).
    pub port: Option<u16>,
    /// Overrides the workspace's `server.staticDir`.
    pub static_dir: Option<PathBuf>,
    /// Overrides the workspace's `server.generation`.
    pub generation: Option<juggler::Generation>,
    /// Port of the control endpoint on loopback (0: any free port).
    pub control_port: u16,
    /// What the control endpoint serves over HTTP.
    pub ui: UiSource,
    /// Start the embedded server at once (a failed start is reported in
    /// the model, not as an error of `start`).
    pub start_server: bool,
    /// Sites allowed besides the server's own, added to the workspace's
    /// `server.allowedOrigins` (`--allow-origin`).
    pub allow_origins: Vec<String>,
    /// Without a workspace file: the demo's server and page, but none of
    /// its rules or scenarios (a replay answers only as the recording
    /// does, see `replay`).
    pub without_demo_rules: bool,
}

/// What the control endpoint serves at `/` for a browser.
#[derive(Debug, Clone, Default)]
pub enum UiSource {
    /// Nothing: the desktop app brings its own copy.
    #[default]
    None,
    /// The UI embedded in this binary.
    Embedded,
    /// A built UI folder (for UI development: `vite build --watch`).
    Dir(PathBuf),
}

/// A running studio.
pub struct Studio {
    /// The engine.
    pub engine: Engine,
    /// The control endpoint that the UI connects to.
    pub control: ControlEndpoint,
    /// Where the last start of the embedded server failed, if it did.
    pub start_error: Option<String>,
    // Folders unpacked from the binary live as long as the studio.
    _demo: Option<tempfile::TempDir>,
    _ui: Option<tempfile::TempDir>,
}

impl Studio {
    /// Loads the workspace, starts the server (if asked) and the control
    /// endpoint. `progress` hears about slow steps (a big workspace file).
    pub async fn start(opts: StudioOptions, progress: impl Fn(&str)) -> Result<Studio> {
        let (mut ws, path) = match &opts.workspace {
            Some(p) => {
                // `replay --workspace`: leaving it out gives no demo, the recording's page.
                let instead = if opts.without_demo_rules {
                    "check the path, or leave the workspace out"
                } else {
                    "check the path, or start without a workspace file for the demo"
                };
                (load_with_progress(p, instead, &progress)?, Some(p.clone()))
            }
            None => {
                let mut ws = crate::demo::workspace()?;
                if opts.without_demo_rules {
                    ws.rules.clear();
                    ws.scenarios.clear();
                }
                (ws, None)
            }
        };
        let static_dir = match &opts.static_dir {
            Some(d) => Some(crate::workspace::static_dir_setting(d, path.as_deref())?),
            None => None,
        };
        let demo = if path.is_none() && ws.server.static_dir.is_none() && static_dir.is_none() {
            // The page's client speaks what the server will (a replay of a
            // 0.7 recording serves 0.7), or it could not connect.
            let generation = opts
                .generation
                .unwrap_or_else(|| ws.server.generation.into());
            let dir = crate::demo::unpack_for(generation)?;
            ws.server.static_dir = Some(dir.path().display().to_string());
            Some(dir)
        } else {
            None
        };
        let (ui, ui_dir) = match opts.ui {
            UiSource::None => (None, None),
            UiSource::Embedded => {
                let dir = crate::ui_assets::unpack()?;
                let p = dir.path().to_owned();
                (Some(dir), Some(p))
            }
            UiSource::Dir(d) => {
                if !d.join("index.html").is_file() {
                    return Err(Error::Invalid(format!(
                        "--ui-dir {}: no index.html there (build the UI with `npm --prefix ui run build`)",
                        d.display()
                    )));
                }
                (None, Some(d))
            }
        };
        let engine = Engine::new(ws, path)?;
        // For this run: the file keeps its own (see `override_server`).
        engine.override_server(|s| {
            if let Some(h) = opts.host {
                s.host = h;
            }
            if let Some(p) = opts.port {
                s.port = p;
            }
            if let Some(g) = opts.generation {
                s.generation = g.into();
            }
            if let Some(d) = static_dir {
                s.static_dir = Some(d);
            }
            if !opts.allow_origins.is_empty() {
                let allowed = s.allowed_origins.get_or_insert_with(Vec::new);
                allowed.extend(opts.allow_origins.iter().cloned());
            }
        });
        let start_error = if opts.start_server {
            engine.start_server(None).await.err().map(|e| e.to_string())
        } else {
            None
        };
        let control_engine = engine.clone();
        let commands: CommandHandler = Arc::new(move |caller, name, data| {
            let engine = control_engine.clone();
            Box::pin(async move { crate::command::run(&engine, &caller, &name, data).await })
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.control_port))
            .await
            .map_err(|e| {
                Error::Invalid(format!(
                    "cannot listen for the control endpoint on 127.0.0.1:{}: {e} (choose another \
                     --control-port, or 0 for any free one)",
                    opts.control_port
                ))
            })?;
        let control = ControlEndpoint::start(
            listener,
            engine.model(),
            commands,
            engine.events(),
            engine.traffic_feed(),
            ui_dir,
        )?;
        Ok(Studio {
            engine,
            control,
            start_error,
            _demo: demo,
            _ui: ui,
        })
    }

    /// The dashboard page of the embedded server while it runs.
    pub fn dashboard_url(&self) -> Option<String> {
        self.engine
            .model()
            .get(juggler::path!["server", "dashboardUrl"])
            .and_then(|v| v.as_str().map(str::to_owned))
    }

    /// The juggler endpoint of the embedded server while it runs.
    pub fn server_url(&self) -> Option<String> {
        self.engine
            .model()
            .get(juggler::path!["server", "url"])
            .and_then(|v| v.as_str().map(str::to_owned))
    }

    /// The studio UI for a browser, token in the fragment (never sent to a
    /// server, so it stays out of logs and `Referer`).
    pub fn ui_url(&self) -> String {
        format!("{}#token={}", self.control.http_url(), self.control.token())
    }

    /// Stops the control endpoint, then the engine.
    pub async fn shutdown(self) {
        self.control.shutdown().await;
        self.engine.shutdown().await;
    }
}

/// Cancelled on Ctrl+C, or on SIGTERM where there is one (what a CI runner
/// sends on a timeout or a cancel, and `kill` by default).
static SHUTDOWN: std::sync::OnceLock<tokio_util::sync::CancellationToken> =
    std::sync::OnceLock::new();

/// From now on, Ctrl+C and SIGTERM stop this process gracefully (see
/// [`shutdown_signal`]) instead of killing it. A long-running subcommand
/// calls this first: a signal while it starts (before it waits for one)
/// would otherwise kill it, leaving a browser or a half-written file.
/// Needs a Tokio runtime.
pub fn watch_shutdown_signals() -> tokio_util::sync::CancellationToken {
    SHUTDOWN
        .get_or_init(|| {
            let token = tokio_util::sync::CancellationToken::new();
            let on_signal = token.clone();
            // Registered here, synchronously: the handlers replace the
            // default action for the rest of the process's life.
            #[cfg(unix)]
            let streams = {
                use tokio::signal::unix::{SignalKind, signal};
                signal(SignalKind::interrupt())
                    .and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
            };
            tokio::spawn(async move {
                #[cfg(unix)]
                if let Ok((mut int, mut term)) = streams {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                    on_signal.cancel();
                    return;
                }
                if tokio::signal::ctrl_c().await.is_ok() {
                    on_signal.cancel();
                }
            });
            token
        })
        .clone()
}

/// Resolves on Ctrl+C or SIGTERM (at once when one came already): every
/// long-running subcommand stops the same graceful way on either.
pub async fn shutdown_signal() {
    watch_shutdown_signals().cancelled().await;
}

/// Loads the workspace at `path`, saying so when the file is big enough to
/// take a while (a large initial state), with its size and how long it
/// took; a file that does not exist gets `instead` (what to do) added to
/// its error.
fn load_with_progress(
    path: &std::path::Path,
    instead: &str,
    progress: &impl Fn(&str),
) -> Result<Workspace> {
    const BIG: u64 = 4 * 1024 * 1024;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let started = std::time::Instant::now();
    if size >= BIG {
        progress(&format!(
            "Loading {} ({:.1} MB)…",
            path.display(),
            size as f64 / 1_000_000.0
        ));
    }
    let ws = Workspace::load(path).map_err(|e| match e {
        // The file named at start does not exist: say what to do instead.
        Error::Io {
            path,
            action,
            source,
        } if source.kind() == std::io::ErrorKind::NotFound => Error::Io {
            path,
            action: format!("{action} ({instead})"),
            source,
        },
        e => e,
    })?;
    if size >= BIG {
        progress(&format!(
            "Loaded in {:.1} s.",
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(ws)
}
