//! `juggler-studio`: the studio engine without a window.
//!
//! - `serve [WORKSPACE]` runs the workspace's server and the control
//!   endpoint, headless (CI, a box without a display, a browser elsewhere);
//! - `connect URL` watches a remote juggler server, or sends it a request;
//! - `check WORKSPACE` validates a workspace file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use juggler::{ClientBuilder, Trust};
use serde_json::Value;
use studio::Workspace;
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
        juggler-studio serve ws.json --port 0      # your workspace, any free port\n  \
        juggler-studio connect ws://host:8080/ws   # print a remote server's state as it changes\n  \
        juggler-studio connect ws://host:8080/ws --send echo '{\"a\":1}'\n  \
        juggler-studio check ws.json               # validate a workspace file"
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
        /// Wire generation: 0.6 or 0.7.
        #[arg(long, default_value = "0.6")]
        generation: juggler::Generation,
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
    },
    /// Validate a workspace file; errors name the line and the field.
    Check {
        /// The workspace file.
        workspace: PathBuf,
    },
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
                })
                .await
            }
            Command::Connect {
                url,
                send,
                json,
                generation,
                user,
                password,
                ca_file,
                insecure,
            } => {
                connect(
                    url,
                    send,
                    json,
                    generation,
                    user.zip(password),
                    ca_file,
                    insecure,
                )
                .await
            }
            Command::Check { workspace } => check(&workspace),
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

fn check(path: &std::path::Path) -> Res {
    match Workspace::load(path) {
        Ok(ws) => {
            println!(
                "{}: ok (version {}, {} rules, {} notify presets, {} remotes)",
                path.display(),
                ws.version,
                ws.rules.len(),
                ws.notify_presets.len(),
                ws.remotes.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
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
    if with_ui {
        println!("  ui:        {}", studio.ui_url());
        println!("Open the ui address in a browser on this machine.");
    }
    println!("Press Ctrl+C to stop.");
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
    url: String,
    send: Option<Vec<String>>,
    json: bool,
    generation: juggler::Generation,
    auth: Option<(String, String)>,
    ca_file: Option<PathBuf>,
    insecure: bool,
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
    let trust = if insecure {
        Trust::AcceptAny
    } else if let Some(ca) = ca_file {
        Trust::CaFile(ca)
    } else {
        Trust::System
    };
    let mut builder = ClientBuilder::new(&url).generation(generation).trust(trust);
    if let Some((user, password)) = auth {
        builder = builder.basic_auth(user, password);
    }
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
        format!("cannot connect to {url}: {e} (check the URL, the generation and the credentials)")
    })?;
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
