//! `juggler-studio`: the studio engine without a window.
//!
//! - `serve [WORKSPACE]` runs the workspace's server and the control
//!   endpoint, headless (CI, a box without a display, a browser elsewhere);
//! - `connect URL` watches a remote juggler server, or sends it a request;
//! - `check WORKSPACE` validates a workspace file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use juggler::{ClientBuilder, Trust};
use serde_json::Value;
use studio::control::{CommandHandler, ControlEndpoint};
use studio::{Engine, Workspace};

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
            } => serve(workspace, host, port, static_dir, control_port).await,
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

async fn serve(
    workspace: Option<PathBuf>,
    host: Option<String>,
    port: Option<u16>,
    static_dir: Option<PathBuf>,
    control_port: u16,
) -> Res {
    let (mut ws, path) = match workspace {
        Some(p) => (load_with_progress(&p)?, Some(p)),
        None => (studio::demo::workspace()?, None),
    };
    if let Some(h) = host {
        ws.server.host = h;
    }
    if let Some(p) = port {
        ws.server.port = p;
    }
    if let Some(d) = static_dir {
        ws.server.static_dir = Some(d.display().to_string());
    }
    let demo_dir = if path.is_none() && ws.server.static_dir.is_none() {
        let dir = studio::demo::unpack()?;
        ws.server.static_dir = Some(dir.path().display().to_string());
        Some(dir)
    } else {
        None
    };
    let engine = Engine::new(ws, path)?;
    let url = engine.start_server(None).await?;
    let control_engine = engine.clone();
    let commands: CommandHandler = Arc::new(move |name, data| {
        let engine = control_engine.clone();
        Box::pin(async move { studio::commands::run(&engine, &name, data).await })
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", control_port)).await?;
    let control =
        ControlEndpoint::start(listener, engine.model(), commands, engine.events(), None)?;
    let dashboard = engine
        .model()
        .get(juggler::path!["server", "dashboardUrl"])
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    println!("Juggler Studio is running.");
    println!("  dashboard: {dashboard}");
    println!("  juggler:   {url}");
    println!("  control:   {}", control.url());
    println!("Press Ctrl+C to stop.");
    shutdown_signal().await;
    control.shutdown().await;
    engine.shutdown().await;
    drop(demo_dir);
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

/// Loads a workspace, saying so when the file is big enough to take a
/// while (a large initial state), with its size and how long it took.
fn load_with_progress(path: &std::path::Path) -> Result<Workspace, Box<dyn std::error::Error>> {
    const BIG: u64 = 4 * 1024 * 1024;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let started = std::time::Instant::now();
    if size >= BIG {
        eprintln!(
            "Loading {} ({:.1} MB)…",
            path.display(),
            size as f64 / 1_000_000.0
        );
    }
    let ws = Workspace::load(path)?;
    if size >= BIG {
        eprintln!("Loaded in {:.1} s.", started.elapsed().as_secs_f64());
    }
    Ok(ws)
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}
