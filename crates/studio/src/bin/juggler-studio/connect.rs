//! `connect`: watch a remote juggler server, or send it one request.

use std::fmt::Display;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use tokio::sync::Notify;

use crate::cli::ConnectArgs;
use crate::{Res, shutdown_signal};

pub async fn connect(args: ConnectArgs) -> Res {
    let mut builder = args.client.builder(&args.url);
    let (url, send, json) = (args.url, args.send, args.json);
    let given = args.client.generation;
    // Lines printed, for --count.
    let printed_lines = Arc::new(AtomicU64::new(0));
    let enough = Arc::new(Notify::new());
    let count = args.count;
    let (path, diffs) = (args.path, args.diffs);
    if let Some(p) = &path
        && !(p.is_empty() || p.starts_with('/'))
    {
        return Err(format!(
            "--path takes a JSON Pointer such as /plant/pumps/0 (\"\" for the whole state), \
             not {p:?}"
        )
        .into());
    }
    let counted = {
        let (printed_lines, enough) = (printed_lines.clone(), enough.clone());
        move || {
            let n = printed_lines.fetch_add(1, Ordering::Relaxed) + 1;
            if count.is_some_and(|c| n >= c) {
                enough.notify_one();
            }
        }
    };
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
        let counted = counted.clone();
        builder = builder.on_notify(move |name, data| {
            counted();
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
    let waited = args.client.wait.is_some();
    let client = builder.connect().await.map_err(|e| {
        let hint = crate::wait::hint(&e, waited);
        format!(
            "cannot connect to {}: {e} (check the URL, the credentials and the \
             generation){hint}",
            juggler::client::redacted(&url)
        )
    })?;
    tracing::info!(
        "connected to {}: juggler {}",
        juggler::client::redacted(&url),
        studio::remote::generation_name(client.generation())
    );
    if let Some((name, data)) = send {
        let Ok(answer) = tokio::time::timeout(args.timeout, client.send(&name, data)).await else {
            return Err(format!(
                "no answer to {name} within {} s: the server has not answered it (raise \
                 --timeout if it takes longer)",
                args.timeout.as_secs_f64()
            )
            .into());
        };
        return match answer {
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
            Err(e @ juggler::Error::ConnectionClosed { .. }) => {
                Err(closed_hint(&e.to_string(), &client, given).into())
            }
            Err(e) => Err(e.into()),
        };
    }
    let mut watch = client.state().subscribe();
    // The first state may have come before the watch: a server whose state
    // does not change printed nothing (and --count never ended).
    let mut first = (client.state().version() > 0).then(|| client.state().data());
    // What was printed last (the state, or --path's value): a change that
    // leaves it as it was prints nothing, and --diffs prints the way from it.
    let mut shown: Option<Value> = None;
    loop {
        let next = async {
            match first.take() {
                Some(data) => Some(data),
                None => watch.changed().await,
            }
        };
        tokio::select! {
            // `None`: the connection closed, which `wait_closed` reports.
            Some(data) = next => {
                let now = match &path {
                    Some(p) => data.pointer(p).cloned().unwrap_or(Value::Null),
                    None => data,
                };
                if shown.as_ref() == Some(&now) {
                    continue;
                }
                let printed = match (shown.as_ref().filter(|_| diffs), &path) {
                    (Some(before), _) => {
                        let ops = juggler::diff::diff_json(before, &now);
                        if json {
                            out(serde_json::json!({"diff": ops}))
                        } else {
                            out(format_args!("diff:\n{}", pretty(&ops)))
                        }
                    }
                    (None, Some(p)) if json => out(serde_json::json!({"path": p, "value": now})),
                    (None, Some(p)) => out(format_args!("{p}: {}", pretty(&now))),
                    (None, None) if json => out(serde_json::json!({"state": now})),
                    (None, None) => out(format_args!("state:\n{}", pretty(&now))),
                };
                if !printed {
                    return Ok(ExitCode::SUCCESS);
                }
                shown = Some(now);
                counted();
            }
            () = enough.notified() => return Ok(ExitCode::SUCCESS),
            // What it printed is no longer read: done, as Unix tools end
            // (it panicked on the broken pipe).
            _ = gone.notified() => return Ok(ExitCode::SUCCESS),
            _ = client.wait_closed() => {
                // Not asked for: a script watching a server learns it ended.
                let why = format!(
                    "the server closed the connection: {}",
                    client.close_reason().unwrap_or_default()
                );
                eprintln!("{}", closed_hint(&why, &client, given));
                return Ok(ExitCode::from(1));
            }
            _ = shutdown_signal() => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// `why` the connection closed, with the likely cause when the server
/// closed it without a reason before sending anything while the
/// generation was given: a server of the other generation does so (the
/// reference's), where `record` names the mismatch from the server's first
/// message.
fn closed_hint(why: &str, client: &juggler::Client, given: Option<juggler::Generation>) -> String {
    let bare = client.close_reason().as_deref() == Some("closed by peer");
    match given {
        Some(g) if bare && client.stats().messages_in == 0 => {
            let other = match g {
                juggler::Generation::V06 => "0.7",
                juggler::Generation::V07 => "0.6",
            };
            format!(
                "{why}: it closed right after the handshake, before sending anything, as a \
                 server of another generation does: is it juggler {other}? Leave out \
                 --generation {} to tell it from the server, or give --generation {other}",
                studio::remote::generation_name(g)
            )
        }
        _ => why.to_owned(),
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
