//! Juggler Studio as a desktop app: a thin Tauri shell around the studio
//! engine. It starts the engine ([`studio::app::Studio`], the same launcher
//! as `juggler-studio serve`) on the demo workspace or the workspace file
//! given on the command line, opens the window on the bundled UI, which
//! reaches the engine over its control endpoint (WebSocket on loopback),
//! and offers the UI the few native pieces it lacks: the control address,
//! file choosers, the default browser, a menu. Closing the window stops
//! the engine, then the app.
//!
//! ```text
//! juggler-studio-desktop [WORKSPACE.json] [--port N] [--control-port N]
//! ```

mod browser;
pub mod commands;
pub mod dialogs;
pub mod error;
pub mod menu;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use studio::app::{Studio, StudioOptions, UiSource};
use tauri::{AppHandle, Manager, Runtime, WindowEvent};

use crate::commands::ControlAddress;
use crate::error::{Error, Result};

/// The label of the window (`tauri.conf.json`, `capabilities/default.json`).
pub const MAIN_WINDOW: &str = "main";

/// The app's state: the running studio, until the window closes.
pub struct Shell {
    /// Where the UI connects.
    pub address: ControlAddress,
    /// Taken (and shut down) on close; `None` once stopping.
    studio: Mutex<Option<Studio>>,
    /// Paths the user chose in a save dialog, each writable once.
    writable: Mutex<std::collections::HashSet<PathBuf>>,
}

impl Shell {
    fn grant_write(&self, path: PathBuf) {
        self.writable
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path);
    }

    fn take_write(&self, path: &std::path::Path) -> bool {
        self.writable
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(path)
    }
}

/// Reads the command line: `[WORKSPACE] [--port N] [--control-port N]`.
pub fn parse_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<StudioOptions> {
    let mut opts = StudioOptions {
        control_port: 0,
        ui: UiSource::None,
        start_server: true,
        ..StudioOptions::default()
    };
    let mut args = args.into_iter();
    let port = |name: &str, v: Option<std::ffi::OsString>| -> Result<u16> {
        v.and_then(|v| v.to_str().and_then(|s| s.parse().ok()))
            .ok_or_else(|| Error::Usage(format!("{name} needs a port number (0: any free port)")))
    };
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--port") => opts.port = Some(port("--port", args.next())?),
            Some("--control-port") => opts.control_port = port("--control-port", args.next())?,
            Some("-h" | "--help") => {
                return Err(Error::Usage(
                    "usage: juggler-studio-desktop [WORKSPACE.json] [--port N] [--control-port N]\n\
                     Without a workspace file, the demo workspace and its dashboard."
                        .into(),
                ));
            }
            Some(s) if s.starts_with('-') => {
                return Err(Error::Usage(format!("unknown option {s} (see --help)")));
            }
            _ if opts.workspace.is_none() => opts.workspace = Some(PathBuf::from(arg)),
            _ => return Err(Error::Usage("only one workspace file, please".into())),
        }
    }
    Ok(opts)
}

/// Starts the engine, runs the window, stops the engine.
pub fn run() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| studio::DEFAULT_LOG_FILTER.into()),
        )
        .init();
    match start_and_run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("juggler-studio-desktop: {e}");
            ExitCode::FAILURE
        }
    }
}

fn start_and_run() -> Result<()> {
    let opts = parse_args(std::env::args_os().skip(1))?;
    // Tauri's tokio runtime runs the engine's tasks too.
    let studio = tauri::async_runtime::block_on(Studio::start(opts, |line| {
        tracing::info!("{line}");
    }))?;
    if let Some(e) = &studio.start_error {
        // Shown in the Server pane as well; the app runs without it.
        tracing::warn!("the embedded server did not start: {e}");
    }
    let url = studio.control.url();
    let address = ControlAddress {
        url: url
            .split_once('?')
            .map_or(url.as_str(), |(u, _)| u)
            .to_owned(),
        token: studio.control.token().to_owned(),
    };
    tracing::info!(
        "control endpoint {}, dashboard {}",
        address.url,
        studio.dashboard_url().unwrap_or_default()
    );
    let shell = Shell {
        address,
        studio: Mutex::new(Some(studio)),
        writable: Mutex::default(),
    };
    tauri::Builder::default()
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(shell)
        .menu(menu::build)
        .on_menu_event(menu::on_event)
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.label() == MAIN_WINDOW
            {
                api.prevent_close();
                quit_asking(window.app_handle());
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::control_address,
            commands::pick_path,
            commands::save_path,
            commands::open_url,
            commands::save_text,
        ])
        .run(tauri::generate_context!())?;
    Ok(())
}

/// Quits, after asking when the workspace has changes not saved: the UI's
/// beforeunload prompt does not stop a window that closes, so closing it
/// (or Quit) dropped them without a word.
pub fn quit_asking<R: Runtime>(app: &AppHandle<R>) {
    let unsaved = {
        let shell = app.state::<Shell>();
        let studio = shell.studio.lock().unwrap_or_else(|e| e.into_inner());
        studio.as_ref().is_some_and(|s| s.engine.unsaved())
    };
    if !unsaved {
        return quit(app);
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let answer = rfd::AsyncMessageDialog::new()
            .set_level(rfd::MessageLevel::Warning)
            .set_title("Unsaved changes")
            .set_description(
                "The workspace has changes that are not saved. Quit without saving them? \
                 (No: back to the studio, to save them with Ctrl+S.)",
            )
            .set_buttons(rfd::MessageButtons::YesNo)
            .show()
            .await;
        if answer == rfd::MessageDialogResult::Yes {
            quit(&app);
        }
    });
}

/// Stops the engine (its server's clients get a clean close), then exits.
/// A second call while stopping does nothing.
pub fn quit<R: Runtime>(app: &AppHandle<R>) {
    let shell = app.state::<Shell>();
    let studio = match shell.studio.lock() {
        Ok(mut s) => s.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    let Some(studio) = studio else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        studio.shutdown().await;
        app.exit(0);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<std::ffi::OsString> {
        a.iter().map(Into::into).collect()
    }

    #[test]
    fn no_arguments_start_the_demo() {
        let o = parse_args(args(&[])).expect("parses");
        assert!(o.workspace.is_none() && o.port.is_none() && o.start_server);
        assert_eq!(o.control_port, 0);
    }

    #[test]
    fn workspace_and_ports() {
        let o = parse_args(args(&["ws.json", "--port", "0", "--control-port", "9000"]))
            .expect("parses");
        assert_eq!(o.workspace, Some(PathBuf::from("ws.json")));
        assert_eq!(o.port, Some(0));
        assert_eq!(o.control_port, 9000);
    }

    #[test]
    fn bad_arguments() {
        for a in [&["--port"][..], &["--port", "x"], &["--nope"], &["a", "b"]] {
            assert!(matches!(parse_args(args(a)), Err(Error::Usage(_))), "{a:?}");
        }
    }

    #[test]
    fn a_chosen_path_is_writable_once_and_no_other() {
        let shell = Shell {
            address: ControlAddress {
                url: "ws://127.0.0.1:1/control".into(),
                token: "0".repeat(64),
            },
            studio: Mutex::new(None),
            writable: Mutex::default(),
        };
        let chosen = PathBuf::from("/tmp/chosen.ndjson");
        assert!(!shell.take_write(&chosen), "nothing chosen yet");
        shell.grant_write(chosen.clone());
        assert!(!shell.take_write(std::path::Path::new("/etc/passwd")));
        assert!(shell.take_write(&chosen));
        assert!(!shell.take_write(&chosen), "only once");
    }
}
