//! The bench contract (`shared/spec/bench-contract.md`): one fixed set of
//! requests that a load generator and the conformance tests drive, served
//! the same way by this crate and by the reference.
//!
//! `cargo run --release -p juggler --example bench_server -- --port PORT
//! [--host 127.0.0.1] [--autoflush SECONDS] [--shared-state]
//! [--parallel-requests] [--generation 0.6|0.7]`
//!
//! Extras beyond the bench contract, for the TLS and Basic auth interop
//! tests: `--pem-file PATH` serves wss with the certificate and private key
//! of one PEM file (the READY line then says `wss://`), and `--htpasswd PATH`
//! requires HTTP Basic auth from the users of an htpasswd file (apr1 or
//! bcrypt lines).

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use juggler::server::{Connection, HandlerError, ServerBuilder};
use juggler::{Generation, Path, Storage};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(
    about = "A juggler server implementing the bench contract",
    after_help = "--pem-file and --htpasswd are extras beyond the bench contract \
                  (for the TLS and Basic auth interop tests)."
)]
struct Args {
    /// TCP port to listen on (0 picks a free one).
    #[arg(long)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Autoflush delay in seconds (0: send each change as soon as possible).
    #[arg(long, default_value_t = 0.0)]
    autoflush: f64,
    /// One state shared by every connection.
    #[arg(long)]
    shared_state: bool,
    /// Handle each connection's requests concurrently.
    #[arg(long)]
    parallel_requests: bool,
    /// Wire generation: 0.6 or 0.7.
    #[arg(long, default_value = "0.6")]
    generation: Generation,
    /// Extra, not in the bench contract: juggler connections at once
    /// (the library's default is 10,000).
    #[arg(long)]
    max_connections: Option<usize>,
    /// Extra, not in the bench contract: serve wss with the certificate
    /// chain and private key of this PEM file.
    #[arg(long, value_name = "PATH")]
    pem_file: Option<PathBuf>,
    /// Extra, not in the bench contract: require HTTP Basic auth from the
    /// users of this htpasswd file (apr1 or bcrypt).
    #[arg(long, value_name = "PATH")]
    htpasswd: Option<PathBuf>,
}

fn param<'a>(data: &'a Value, key: &str) -> Result<&'a Value, HandlerError> {
    data.get(key)
        .ok_or_else(|| HandlerError::from(format!("missing {key:?} in request data")))
}

fn count(data: &Value) -> Result<u64, HandlerError> {
    param(data, "count")?
        .as_u64()
        .ok_or_else(|| HandlerError::from("\"count\" must be a non-negative integer"))
}

async fn handle(conn: Connection, name: String, data: Value) -> Result<Value, HandlerError> {
    let state = conn.state();
    match name.as_str() {
        "echo" => Ok(data),
        "state.set" => {
            let path = Path::from_json(param(&data, "path")?)?;
            param(&data, "value")?;
            // The value moves into the state: a 10 MB document is not copied.
            let mut data = data;
            let value = data.get_mut("value").map(Value::take).unwrap_or_default();
            state.set(&path, value);
            Ok(Value::Null)
        }
        "state.burst" => {
            let path = Path::from_json(param(&data, "path")?)?;
            let n = count(&data)?;
            for i in 1..=n {
                state.set(&path, json!(i));
            }
            Ok(json!(n))
        }
        "notify.burst" => {
            let name = param(&data, "name")?
                .as_str()
                .ok_or_else(|| HandlerError::from("\"name\" must be a string"))?;
            let payload = param(&data, "data")?;
            let n = count(&data)?;
            for _ in 0..n {
                conn.notify(name, payload).await?;
            }
            Ok(json!(n))
        }
        other => Err(format!("unsupported request {other:?}").into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if !(args.autoflush.is_finite() && args.autoflush >= 0.0) {
        return Err("--autoflush takes a number of seconds >= 0".into());
    }
    let mut builder = ServerBuilder::new()
        .autoflush(Some(Duration::from_secs_f64(args.autoflush)))
        .parallel_requests(args.parallel_requests)
        .generation(args.generation)
        .index_path(None)
        .on_request(handle);
    if args.shared_state {
        builder = builder.shared_state(Storage::new());
    }
    if let Some(n) = args.max_connections {
        builder = builder.max_connections(n);
    }
    if let Some(path) = &args.pem_file {
        builder = builder.pem_file(path)?;
    }
    if let Some(path) = &args.htpasswd {
        builder = builder.htpasswd_file(path)?;
    }
    let server = builder.bind((args.host.as_str(), args.port)).await?;
    println!("READY {}", server.url());
    shutdown_signal().await;
    server.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
