//! `juggler-studio`: the studio engine without a window.
//!
//! - `serve [WORKSPACE]` runs the workspace's server and the control
//!   endpoint, headless (CI, a box without a display, a browser elsewhere);
//! - `connect URL` watches a remote juggler server, or sends it a request;
//! - `run WORKSPACE --scenario NAME` runs a scenario against dashboards;
//! - `check FILE` validates a workspace file or a `dashboard.json`;
//! - `new DIR` starts a dashboard project.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use juggler::{ClientBuilder, Trust};
use serde_json::Value;
use studio::app::{Studio, StudioOptions, UiSource};

#[derive(Parser)]
#[command(
    name = "juggler-studio",
    version,
    about = "Juggler Studio: serve a dashboard, drive its state, answer its requests, inspect remote juggler servers",
    long_about = "Juggler Studio, headless.\n\n\
        Start with `juggler-studio serve` (a demo workspace) or \
        `juggler-studio serve my.workspace.json`; open the printed dashboard URL in a browser. \
        The printed control URL drives the studio (state, notifications, rules) over juggler itself.",
    after_help = "Examples:\n  \
        juggler-studio serve                       # demo workspace and dashboard\n  \
        juggler-studio new my-dash --generation 0.7   # start a dashboard of your own\n  \
        juggler-studio serve ws.json --port 0      # your workspace, any free port\n  \
        juggler-studio connect ws://host:8080/ws   # print a remote server's state as it changes\n  \
        juggler-studio connect ws://host:8080/ws --send echo '{\"a\":1}'\n  \
        juggler-studio record ws://host:8080/ws -o bug.ndjson   # record a session\n  \
        juggler-studio replay bug.ndjson --speed 4  # play it to the demo dashboard\n  \
        juggler-studio mock bug.ndjson -o mock.json # a workspace that answers as the back end did\n  \
        juggler-studio proxy ws://plant:8080/ws --static-dir dist --ui   # watch a real server\n  \
        juggler-studio run ws.json --scenario smoke --browser   # test a dashboard\n  \
        juggler-studio check ws.json               # validate a workspace file\n  \
        juggler-studio check dash/dashboard.json   # validate a builder dashboard"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a workspace's juggler server and the control endpoint, headless.
    Serve {
        /// The workspace file; without it, the demo workspace runs.
        workspace: Option<PathBuf>,
        /// Address to listen on (overrides the workspace).
        #[arg(long)]
        host: Option<String>,
        /// Port to listen on, 0 for any free one (overrides the workspace).
        #[arg(long)]
        port: Option<u16>,
        /// Folder served to browsers (overrides the workspace).
        #[arg(long)]
        static_dir: Option<PathBuf>,
        /// Port of the control endpoint (loopback); 0 picks a free one.
        #[arg(long, default_value_t = 0)]
        control_port: u16,
        /// Serve the studio UI to a browser on the control endpoint and
        /// print its address.
        #[arg(long)]
        ui: bool,
        /// Serve the UI from this built folder instead of the embedded copy
        /// (UI development: `npm --prefix ui run build -- --watch`).
        #[arg(long, value_name = "DIR")]
        ui_dir: Option<PathBuf>,
        /// A site allowed to use the server besides its own pages (an
        /// origin as http://host:port, a host name, or "*"); repeatable.
        #[arg(long = "allow-origin", value_name = "SITE")]
        allow_origin: Vec<String>,
    },
    /// Connect to a juggler server: print its state as it changes and its
    /// notifications, or send one request.
    Connect {
        /// `ws://host:port/path` or `wss://…`.
        url: String,
        /// Send this request, print the answer and exit (non-zero on an error answer).
        #[arg(long, num_args = 2, value_names = ["NAME", "DATA"])]
        send: Option<Vec<String>>,
        /// Print JSON lines instead of pretty text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Record a remote juggler server's session (state diffs,
    /// notifications) to an NDJSON file, until Ctrl+C, --duration, or the
    /// server closes the connection.
    Record {
        /// `ws://host:port/path` or `wss://…`.
        url: String,
        /// The recording file to write (created or truncated).
        #[arg(long, short)]
        out: PathBuf,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Replay a recording to the dashboards of a studio server: its state
    /// changes and notifications at the recorded pace (or --speed), its
    /// answers to the same requests.
    Replay {
        /// The recording (from `record`, or the studio's record button).
        recording: PathBuf,
        /// Playback speed: 1 is real time, 10 ten times faster.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// The workspace whose server (and static_dir) serves the
        /// dashboards; without it, the demo dashboard.
        #[arg(long)]
        workspace: Option<PathBuf>,
        /// Port to listen on, 0 for any free one (overrides the workspace).
        #[arg(long)]
        port: Option<u16>,
        /// Folder served to browsers (overrides the workspace).
        #[arg(long)]
        static_dir: Option<PathBuf>,
        /// Wait for this many dashboards to connect before playing.
        #[arg(long, default_value_t = 0)]
        wait_for: usize,
        /// Exit when the replay ends instead of serving on.
        #[arg(long)]
        exit: bool,
        /// A site allowed to use the server besides its own pages (an
        /// origin as http://host:port, a host name, or "*"); repeatable.
        #[arg(long = "allow-origin", value_name = "SITE")]
        allow_origin: Vec<String>,
    },
    /// Sit between browsers and a real juggler server: every browser that
    /// connects here is relayed to UPSTREAM, both sides logged; the control
    /// endpoint (and --ui) shows the traffic and sets what-if overrides.
    Proxy {
        /// The real server: `ws://host:port/path` or `wss://…`.
        upstream: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on, 0 for any free one.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Folder served to browsers (the dashboard under development).
        #[arg(long)]
        static_dir: Option<PathBuf>,
        #[command(flatten)]
        client: ClientArgs,
        /// Port of the control endpoint (loopback); 0 picks a free one.
        #[arg(long, default_value_t = 0)]
        control_port: u16,
        /// Serve the studio UI to a browser on the control endpoint.
        #[arg(long)]
        ui: bool,
        /// A site allowed to use the server besides its own pages (an
        /// origin as http://host:port, a host name, or "*"); repeatable.
        #[arg(long = "allow-origin", value_name = "SITE")]
        allow_origin: Vec<String>,
        /// Generation the browser side speaks: 0.6 or 0.7. Default: the
        /// upstream's.
        #[arg(long)]
        browser_generation: Option<juggler::Generation>,
    },
    /// Run a workspace's scenario against its dashboards: wait for them
    /// (or open the dashboard in headless Chromium), play the steps, check
    /// the expected requests; exit 0 passed, 1 failed, 2 unusable.
    Run(studio::scenario::cli::RunOptions),
    /// Start a dashboard: a folder with a page on @hat-open/juggler, its
    /// vendored packages, a workspace for the studio and a hat-juggler
    /// back end that serves the same folder.
    New(studio::scaffold::NewArgs),
    /// Make a workspace that mocks a recorded back end: its first state,
    /// rules answering each request as it did, its notifications as presets.
    Mock(studio::mock::MockArgs),
    /// Print a shell completion script: bash, zsh, fish, elvish or
    /// powershell (e.g. `juggler-studio completions bash >
    /// ~/.local/share/bash-completion/completions/juggler-studio`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `juggler-studio man | man -l -`,
    /// or write every page (one per subcommand too) into a folder.
    Man {
        /// Write juggler-studio.1 and juggler-studio-SUBCOMMAND.1 here.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Validate a workspace file or a dashboard file (dashboard.json);
    /// errors name the line and the field.
    Check {
        /// The workspace file, or the builder's dashboard.json.
        #[arg(value_name = "FILE")]
        workspace: PathBuf,
    },
}

/// How to reach a juggler server as a client (connect, record, proxy).
#[derive(clap::Args)]
struct ClientArgs {
    /// Wire generation: 0.6 or 0.7. Default: told from what the server
    /// sends when connecting.
    #[arg(long)]
    generation: Option<juggler::Generation>,
    /// Basic auth user.
    #[arg(long, requires = "password")]
    user: Option<String>,
    /// Basic auth password.
    #[arg(long, requires = "user")]
    password: Option<String>,
    /// Trust the certificates in this PEM file (wss).
    #[arg(long, conflicts_with = "insecure")]
    ca_file: Option<PathBuf>,
    /// Accept any server certificate (development only).
    #[arg(long)]
    insecure: bool,
}

impl ClientArgs {
    fn builder(&self, url: &str) -> ClientBuilder {
        let trust = if self.insecure {
            Trust::AcceptAny
        } else if let Some(ca) = &self.ca_file {
            Trust::CaFile(ca.clone())
        } else {
            Trust::System
        };
        let mut builder = ClientBuilder::new(url).trust(trust);
        builder = match self.generation {
            Some(g) => builder.generation(g),
            None => builder.detect_generation(studio::remote::DETECT_LIMIT),
        };
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            builder = builder.basic_auth(user, password);
        }
        builder
    }

    fn generation_str(&self) -> &'static str {
        self.generation
            .map(studio::remote::generation_name)
            .unwrap_or(studio::remote::AUTO)
    }

    fn target(self, url: String) -> studio::remote::RemoteTarget {
        studio::remote::RemoteTarget {
            url,
            generation: self.generation_str().to_owned(),
            user: self.user,
            password: self.password,
            ca_file: self.ca_file.map(|p| p.display().to_string()),
            insecure: self.insecure,
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve {
                workspace,
                host,
                port,
                static_dir,
                control_port,
                ui,
                ui_dir,
                allow_origin,
            } => {
                let ui = match (ui_dir, ui) {
                    (Some(dir), _) => UiSource::Dir(dir),
                    (None, true) => UiSource::Embedded,
                    (None, false) => UiSource::None,
                };
                serve(StudioOptions {
                    workspace,
                    host,
                    port,
                    static_dir,
                    control_port,
                    ui,
                    start_server: true,
                    allow_origins: allow_origin,
                })
                .await
            }
            Command::Connect {
                url,
                send,
                json,
                client,
            } => connect(client.builder(&url), url, send, json).await,
            Command::Check { workspace } => check(&workspace),
            Command::New(args) => Ok(studio::scaffold::cli(args)),
            Command::Completions { shell } => {
                // Into a buffer: clap_complete panics on a closed stdout.
                let mut text = Vec::new();
                let mut cmd = <Cli as clap::CommandFactory>::command();
                clap_complete::generate(shell, &mut cmd, "juggler-studio", &mut text);
                print_bytes(&text)
            }
            Command::Man { out_dir: None } => {
                let mut text = Vec::new();
                clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                    .render(&mut text)?;
                print_bytes(&text)
            }
            Command::Man { out_dir: Some(dir) } => {
                std::fs::create_dir_all(&dir)?;
                let cmd = <Cli as clap::CommandFactory>::command();
                clap_mangen::generate_to(cmd, &dir)?;
                println!("wrote the manual pages into {}", dir.display());
                Ok(ExitCode::SUCCESS)
            }
            Command::Mock(args) => Ok(studio::mock::cli(args)),
            Command::Run(opts) => Ok(ExitCode::from(studio::scenario::cli::run(opts).await)),
            Command::Proxy {
                upstream,
                host,
                port,
                static_dir,
                client,
                control_port,
                ui,
                allow_origin,
                browser_generation,
            } => {
                let settings = studio::proxy::ProxySettings {
                    upstream: client.target(upstream),
                    host,
                    port,
                    static_dir: static_dir.map(|p| p.display().to_string()),
                    allowed_origins: allow_origin,
                    browser_generation: browser_generation
                        .map(|g| studio::remote::generation_name(g).into()),
                };
                let opts = StudioOptions {
                    control_port,
                    ui: if ui {
                        UiSource::Embedded
                    } else {
                        UiSource::None
                    },
                    start_server: false,
                    ..StudioOptions::default()
                };
                proxy(opts, settings).await
            }
            Command::Record {
                url,
                out,
                duration,
                client,
            } => record(client.builder(&url), &url, &out, duration).await,
            Command::Replay {
                recording,
                speed,
                workspace,
                port,
                static_dir,
                wait_for,
                exit,
                allow_origin,
            } => {
                let opts = StudioOptions {
                    workspace,
                    port,
                    static_dir,
                    start_server: true,
                    allow_origins: allow_origin,
                    ..StudioOptions::default()
                };
                replay(opts, &recording, speed, wait_for, exit).await
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Res = Result<ExitCode, Box<dyn std::error::Error>>;

/// Writes generated text to stdout; a closed pipe (`| head`) is not an error.
fn print_bytes(bytes: &[u8]) -> Res {
    use std::io::Write;
    match std::io::stdout().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn check(path: &std::path::Path) -> Res {
    match studio::check::check(path) {
        Ok(report) => {
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            eprintln!("{problems}");
            Ok(ExitCode::from(2))
        }
    }
}

async fn serve(opts: StudioOptions) -> Res {
    let with_ui = !matches!(opts.ui, UiSource::None);
    let studio = Studio::start(opts, |line| eprintln!("{line}")).await?;
    if let Some(e) = &studio.start_error {
        return Err(format!("the dashboard server cannot start: {e}").into());
    }
    println!("Juggler Studio is running.");
    println!(
        "  dashboard: {}",
        studio.dashboard_url().unwrap_or_default()
    );
    println!("  juggler:   {}", studio.server_url().unwrap_or_default());
    println!("  control:   {}", studio.control.url());
    if let Some(warning) = exposure_warning(&studio.server_url().unwrap_or_default()) {
        eprintln!("{warning}");
    }
    if with_ui {
        println!("  ui:        {}", studio.ui_url());
        println!("Open the ui address in a browser on this machine.");
    }
    println!("Press Ctrl+C to stop.");
    shutdown_signal().await;
    studio.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// A warning when the dashboard server listens beyond loopback (`--host
/// 0.0.0.0`, or a workspace `server.host`), naming what that exposes.
fn exposure_warning(server_url: &str) -> Option<String> {
    let authority = server_url.split("://").nth(1)?.split('/').next()?;
    let host = match authority.rsplit_once(':') {
        Some((host, _port)) => host,
        None => authority,
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        return None;
    }
    Some(format!(
        "warning: the dashboard server listens on {host}, beyond this machine: anyone who \
         can reach it can read and change its state, send it requests and fetch the static \
         folder (staticDir). Restrict it with the workspace's server.allowedOrigins (Origin \
         allow-list), server.htpasswdFile (Basic auth) and server.pemFile (TLS), or serve on \
         127.0.0.1. (The control endpoint stays on loopback.)"
    ))
}

async fn record(
    builder: ClientBuilder,
    url: &str,
    out: &std::path::Path,
    duration: Option<f64>,
) -> Res {
    let duration = match duration {
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
    eprintln!("Recording {url} to {} (Ctrl+C stops)…", out.display());
    let summary =
        studio::recording::capture::capture(builder, url, out, duration, stop, |entries, bytes| {
            eprint!("\r  {entries} entries, {:.1} kB   ", bytes as f64 / 1000.0)
        })
        .await?;
    eprintln!();
    println!(
        "{}: {} entries, {} bytes ({})",
        out.display(),
        summary.entries,
        summary.bytes,
        summary.ended
    );
    Ok(ExitCode::SUCCESS)
}

async fn replay(
    opts: StudioOptions,
    recording: &std::path::Path,
    speed: f64,
    wait_for: usize,
    exit: bool,
) -> Res {
    if !(speed.is_finite() && speed > 0.0 && speed <= studio::engine::MAX_SPEED) {
        return Err(format!(
            "--speed {speed}: give a speed above 0 and up to {} (1 is real time)",
            studio::engine::MAX_SPEED
        )
        .into());
    }
    let studio = Studio::start(opts, |line| eprintln!("{line}")).await?;
    if let Some(e) = &studio.start_error {
        return Err(format!("the dashboard server cannot start: {e}").into());
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
    let model = studio.engine.model();
    let mut watch = model.subscribe();
    if wait_for > 0 {
        eprintln!("Waiting for {wait_for} dashboard(s) to connect…");
        loop {
            let n = model
                .get(juggler::path!["connections"])
                .and_then(|c| c.as_object().map(|o| o.len()))
                .unwrap_or(0);
            if n >= wait_for {
                break;
            }
            tokio::select! {
                _ = watch.changed() => {}
                _ = shutdown_signal() => {
                    studio.shutdown().await;
                    return Ok(ExitCode::SUCCESS);
                }
            }
        }
    }
    studio.engine.replay_play(Some(speed))?;
    let signal = shutdown_signal();
    tokio::pin!(signal);
    loop {
        let replay = model.get(juggler::path!["replay"]).unwrap_or_default();
        let step = replay["step"].as_u64().unwrap_or(0);
        let total = replay["entries"].as_u64().unwrap_or(0).max(1);
        let t = replay["t"].as_f64().unwrap_or(0.0) / 1000.0;
        let width = 30;
        let done = (step * width / total) as usize;
        eprint!(
            "\r  [{}{}] {step}/{total} entries, t = {t:.1} s   ",
            "#".repeat(done),
            "-".repeat(width as usize - done)
        );
        if replay["playing"] == serde_json::Value::Bool(false) {
            eprintln!();
            println!("Replay finished.");
            if exit {
                break;
            }
            println!("Serving on; press Ctrl+C to stop.");
            (&mut signal).await;
            break;
        }
        tokio::select! {
            _ = watch.changed() => {}
            _ = &mut signal => { eprintln!(); break; }
        }
    }
    studio.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

async fn proxy(opts: StudioOptions, settings: studio::proxy::ProxySettings) -> Res {
    let with_ui = !matches!(opts.ui, UiSource::None);
    let upstream = settings.upstream.url.clone();
    let studio = Studio::start(opts, |line| eprintln!("{line}")).await?;
    let id = studio.engine.proxy_start(settings).await?;
    let info = studio
        .engine
        .model()
        .get(juggler::path!["proxies", id.as_str()])
        .unwrap_or_default();
    println!("Juggler Studio is proxying {upstream}.");
    if let Some(page) = info["dashboardUrl"].as_str() {
        println!("  dashboard: {page}");
    }
    println!("  juggler:   {}", info["url"].as_str().unwrap_or_default());
    println!("  control:   {}", studio.control.url());
    if with_ui {
        println!("  ui:        {}", studio.ui_url());
    }
    println!("Point your dashboard at the juggler address; press Ctrl+C to stop.");
    shutdown_signal().await;
    studio.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn connect(
    mut builder: ClientBuilder,
    url: String,
    send: Option<Vec<String>>,
    json: bool,
) -> Res {
    // Check DATA before connecting: its problem is told even without a server.
    let send = match send {
        Some(args) => {
            let (name, data) = (args[0].clone(), &args[1]);
            let data: Value = serde_json::from_str(data).map_err(|e| {
                format!("DATA must be JSON (e.g. '{{\"a\": 1}}' or '\"text\"'): {e}")
            })?;
            Some((name, data))
        }
        None => None,
    };
    if send.is_none() {
        builder = builder.on_notify(move |name, data| {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"notify": {"name": name, "data": data}})
                );
            } else {
                println!("notify {name}: {data}");
            }
        });
    }
    let client = builder.connect().await.map_err(|e| {
        format!("cannot connect to {url}: {e} (check the URL, the credentials and the generation)")
    })?;
    tracing::info!(
        "connected to {url}: juggler {}",
        studio::remote::generation_name(client.generation())
    );
    if let Some((name, data)) = send {
        return match client.send(&name, data).await {
            Ok(answer) => {
                println!(
                    "{}",
                    if json {
                        answer.to_string()
                    } else {
                        pretty(&answer)
                    }
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(juggler::Error::Juggler(data)) => {
                eprintln!(
                    "error answer: {}",
                    if json {
                        data.to_string()
                    } else {
                        pretty(&data)
                    }
                );
                Ok(ExitCode::from(1))
            }
            Err(e) => Err(e.into()),
        };
    }
    let mut watch = client.state().subscribe();
    loop {
        tokio::select! {
            data = watch.changed() => {
                if json {
                    println!("{}", serde_json::json!({"state": data}));
                } else {
                    println!("state:\n{}", pretty(&data));
                }
            }
            _ = client.wait_closed() => {
                eprintln!("connection closed: {}", client.close_reason().unwrap_or_default());
                return Ok(ExitCode::SUCCESS);
            }
            _ = shutdown_signal() => return Ok(ExitCode::SUCCESS),
        }
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}
