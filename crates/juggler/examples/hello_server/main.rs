//! A demo juggler server with a page that shows it working: the state ticks
//! live, notifications arrive, and a button sends a request.
//!
//! `cargo run -p juggler --example hello_server -- [--port 23023] [--host 127.0.0.1]`
//! then open the printed URL in a browser.

use std::time::Duration;

use axum::response::Html;
use clap::Parser;
use juggler::server::ServerBuilder;
use juggler::{Generation, path};
use serde_json::json;

#[derive(Parser)]
#[command(about = "A demo juggler server with a live page")]
struct Args {
    /// TCP port (0 picks a free one).
    #[arg(long, default_value_t = 23023)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Wire generation: 0.6 or 0.7 (the demo page speaks both).
    #[arg(long, default_value = "0.6")]
    generation: Generation,
}

const PAGE: &str = include_str!("index.html");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let generation = args.generation;
    let page = PAGE.replace("__GENERATION__", &generation.to_string());
    let routes = axum::Router::new().route(
        "/index.html",
        axum::routing::get(move || {
            let page = page.clone();
            async move { Html(page) }
        }),
    );
    let server = ServerBuilder::new()
        .generation(generation)
        .autoflush(Some(Duration::from_millis(50)))
        .routes(routes)
        .on_connection(|conn| async move {
            tracing::info!(
                id = conn.id(),
                remote = conn.remote(),
                "dashboard connected"
            );
            conn.state()
                .set([], json!({"ticks": 0, "clicks": 0, "hello": "juggler"}));
            let mut ticks = 0u64;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                ticks += 1;
                conn.state().set(path!["ticks"], json!(ticks));
                if ticks % 5 == 0
                    && conn
                        .notify("every5", json!({"ticks": ticks}))
                        .await
                        .is_err()
                {
                    break;
                }
            }
        })
        .on_request(|conn, name, data| async move {
            match name.as_str() {
                "click" => {
                    // `update`, not `get` then `set`: with a shared state (or
                    // parallel requests) another handler could change the
                    // count in between, and that click would be lost.
                    let mut clicks = 0;
                    conn.state().update(path!["clicks"], |old| {
                        clicks = old.and_then(|v| v.as_u64()).unwrap_or(0) + 1;
                        json!(clicks)
                    });
                    Ok(json!({"clicks": clicks, "you_sent": data}))
                }
                "echo" => Ok(data),
                other => Err(format!(
                    "no handler for request {other:?}; try \"click\" or \"echo\""
                )
                .into()),
            }
        })
        .bind((args.host.as_str(), args.port))
        .await
        .map_err(|e| {
            format!(
                "cannot listen on {}:{}: {e} (is the port taken? try --port 0)",
                args.host, args.port
            )
        })?;
    let addr = server.local_addr();
    println!("Juggler demo server (generation {generation})");
    println!("  dashboard: http://{addr}/");
    println!("  juggler:   {}", server.url());
    println!("Press Ctrl+C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(())
}
