//! `serve` and `proxy`: the studio running until Ctrl+C.

use std::process::ExitCode;

use studio::app::{Studio, StudioOptions, UiSource, ready};
use studio::proxy::ProxySettings;

use crate::cli::{ProxyArgs, ServeArgs};
use crate::{Res, shutdown_signal};

pub async fn serve(args: ServeArgs) -> Res {
    studio::app::watch_shutdown_signals();
    let ui = match (args.ui_dir, args.ui) {
        (Some(dir), _) => UiSource::Dir(dir),
        (None, true) => UiSource::Embedded,
        (None, false) => UiSource::None,
    };
    let opts = StudioOptions {
        workspace: args.workspace,
        host: args.host,
        port: args.port,
        static_dir: args.static_dir,
        generation: args.generation,
        control_port: args.control_port,
        ui,
        start_server: true,
        allow_origins: args.allow_origin,
        ..StudioOptions::default()
    };
    let with_ui = !matches!(opts.ui, UiSource::None);
    if let Some(path) = &args.ready_file {
        ready::clear(path)?;
    }
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
    if studio
        .engine
        .workspace_without_state()
        .server
        .static_dir
        .is_none()
    {
        eprintln!(
            "note: the workspace serves no page (it has no server.staticDir, as a mock \
             from `juggler-studio mock` without --static-dir): the dashboard address answers \
             404; pass --static-dir with your dashboard's folder, or set server.staticDir"
        );
    }
    if let Some(warning) = exposure_warning(&studio.server_url().unwrap_or_default()) {
        eprintln!("{warning}");
    }
    if with_ui {
        println!("  ui:        {}", studio.ui_url());
        println!("Open the ui address in a browser on this machine.");
    }
    // Dropped after the shutdown below: the file goes once the studio has stopped.
    let _ready = match &args.ready_file {
        Some(path) => {
            let mut info = studio.addresses();
            if with_ui {
                info["ui"] = studio.ui_url().into();
            }
            Some(ready::write(path, &info)?)
        }
        None => None,
    };
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
        "warning: the dashboard server listens on {host}, beyond this machine. Requests that \
         address it by another name than localhost are refused until that name is allowed: \
         --allow-origin http://NAME:PORT or the workspace's server.allowedOrigins (the name \
         other machines open, e.g. this machine's address). Once allowed, anyone who can \
         reach it can read and change its state, send it requests and fetch the static folder \
         (staticDir): add server.htpasswdFile (Basic auth) and server.pemFile (TLS), or serve \
         on 127.0.0.1. (The control endpoint stays on loopback.)"
    ))
}

pub async fn proxy(args: ProxyArgs) -> Res {
    studio::app::watch_shutdown_signals();
    // Told here rather than by the engine: a back end still starting is
    // waited for (--wait), and its error says how to wait or not to.
    let mut client = args.client;
    if client.generation.is_none() || client.wait.is_some() {
        let generation = crate::wait::until_up(&args.upstream, &client, client.wait)
            .await
            .map_err(|e| upstream_not_up(&args.upstream, e, client.generation.is_none()))?;
        client.generation.get_or_insert(generation);
    }
    let record = match args.record {
        Some(path) => Some(
            std::path::absolute(&path).map_err(|e| format!("--record {}: {e}", path.display()))?,
        ),
        None => None,
    };
    let settings = ProxySettings {
        upstream: client.target(args.upstream),
        host: args.host,
        port: args.port,
        static_dir: args.static_dir.map(|p| p.display().to_string()),
        allowed_origins: args.allow_origin,
        browser_generation: args
            .browser_generation
            .map(|g| studio::remote::generation_name(g).into()),
    };
    let opts = StudioOptions {
        control_port: args.control_port,
        ui: if args.ui {
            UiSource::Embedded
        } else {
            UiSource::None
        },
        start_server: false,
        ..StudioOptions::default()
    };
    let with_ui = !matches!(opts.ui, UiSource::None);
    let upstream = settings.upstream.url.clone();
    let studio = Studio::start(opts, |line| eprintln!("{line}")).await?;
    let id = studio.engine.proxy_start(settings).await?;
    if let Some(path) = &record {
        studio.engine.proxy_record_browsers(&id, path)?;
    }
    if args.log || record.is_some() {
        let watch = crate::proxy_watch::watch_model(
            studio.engine.clone(),
            id.clone(),
            args.log,
            record.is_some(),
        );
        tokio::spawn(watch);
    }
    if args.log {
        tokio::spawn(crate::proxy_watch::log_traffic(
            studio.engine.clone(),
            id.clone(),
        ));
    }
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
    let _ready = match &args.ready_file {
        Some(path) => {
            let mut info = serde_json::json!({
                "pid": std::process::id(),
                "dashboard": info["dashboardUrl"],
                "juggler": info["url"],
                "control": studio.control.url(),
                "upstream": juggler::client::redacted(&upstream),
            });
            if with_ui {
                info["ui"] = studio.ui_url().into();
            }
            Some(ready::write(path, &info)?)
        }
        None => None,
    };
    println!("Point your dashboard at the juggler address; press Ctrl+C to stop.");
    shutdown_signal().await;
    studio.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// The error of an upstream that cannot be reached, saying what to do:
/// wait for it, or (when the generation was to be told) give it.
fn upstream_not_up(url: &str, e: crate::wait::NotUp, telling: bool) -> String {
    let url = juggler::client::redacted(url);
    let what = if telling {
        format!("the proxy cannot tell the generation of {url}")
    } else {
        format!("the proxy cannot reach {url}")
    };
    if e.permanent {
        return format!("{what}: {}", e.reason);
    }
    let generation = if telling {
        "; or give its generation (--generation 0.6 or 0.7): the proxy then starts at once \
         and relays browsers once the back end is up"
    } else {
        ""
    };
    format!(
        "{what}: {}. If the back end is still starting, wait for it: --wait \
         SECONDS{generation}",
        e.reason
    )
}
