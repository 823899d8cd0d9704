//! `connect`: watch a remote juggler server, or send it one request.

use std::fmt::Display;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Notify;

use crate::cli::ConnectArgs;
use crate::{Res, shutdown_signal};

pub async fn connect(args: ConnectArgs) -> Res {
    let mut builder = args.client.builder(&args.url);
    let (url, send, json) = (args.url, args.send, args.json);
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
    // Set when stdout's reader is gone (`connect URL | head`).
    let gone = Arc::new(Notify::new());
    if send.is_none() {
        let gone = gone.clone();
        builder = builder.on_notify(move |name, data| {
            let printed = if json {
                out(serde_json::json!({"notify": {"name": name, "data": data}}))
            } else {
                out(format_args!("notify {name}: {data}"))
            };
            if !printed {
                gone.notify_one();
            }
        });
    }
    crate::wait::if_asked(&url, &args.client).await?;
    let client = builder.connect().await.map_err(|e| {
        format!(
            "cannot connect to {}: {e} (check the URL, the credentials and the generation)",
            juggler::client::redacted(&url)
        )
    })?;
    tracing::info!(
        "connected to {}: juggler {}",
        juggler::client::redacted(&url),
        studio::remote::generation_name(client.generation())
    );
    if let Some((name, data)) = send {
        return match client.send(&name, data).await {
            Ok(answer) => {
                out(if json {
                    answer.to_string()
                } else {
                    pretty(&answer)
                });
                Ok(ExitCode::SUCCESS)
            }
            Err(juggler::Error::Juggler(data)) => {
                if json {
                    // A script reads stdout: the failure is a line there too.
                    out(serde_json::json!({"error": data}));
                } else {
                    eprintln!("error answer: {}", pretty(&data));
                }
                Ok(ExitCode::from(1))
            }
            Err(e) => Err(e.into()),
        };
    }
    let mut watch = client.state().subscribe();
    loop {
        tokio::select! {
            // `None`: the connection closed, which `wait_closed` reports.
            Some(data) = watch.changed() => {
                let printed = if json {
                    out(serde_json::json!({"state": data}))
                } else {
                    out(format_args!("state:\n{}", pretty(&data)))
                };
                if !printed {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            // What it printed is no longer read: done, as Unix tools end
            // (it panicked on the broken pipe).
            _ = gone.notified() => return Ok(ExitCode::SUCCESS),
            _ = client.wait_closed() => {
                // Not asked for: a script watching a server learns it ended.
                eprintln!(
                    "the server closed the connection: {}",
                    client.close_reason().unwrap_or_default()
                );
                return Ok(ExitCode::from(1));
            }
            _ = shutdown_signal() => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// Prints one line; false when stdout is closed.
fn out(line: impl Display) -> bool {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_ok()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}
