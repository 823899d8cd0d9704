//! The commands the UI invokes (`ui/src/lib/native.ts`, `control.ts`).
//! Everything else goes to the engine over its control endpoint.

use serde::{Deserialize, Serialize};
use tauri::State;

use crate::Shell;
use crate::dialogs::{self, FileKind};
use crate::error::{Error, Result};

/// Where the control endpoint is: `url` without the token (the UI's client
/// appends `?token=`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ControlAddress {
    /// `ws://127.0.0.1:PORT/control`
    pub url: String,
    /// 64 hex digits.
    pub token: String,
}

/// The engine's control endpoint, for the UI to connect to.
#[tauri::command]
pub fn control_address(shell: State<'_, Shell>) -> ControlAddress {
    shell.address.clone()
}

/// A native chooser for a file (or a folder for `staticDir`) to open;
/// `None` when cancelled.
#[tauri::command]
pub async fn pick_path(kind: FileKind) -> Result<Option<String>> {
    dialogs::choose(kind, false).await
}

/// A native chooser for a file to write; `None` when cancelled. The
/// chosen path may then be written once with `save_text`.
#[tauri::command]
pub async fn save_path(kind: FileKind, shell: State<'_, Shell>) -> Result<Option<String>> {
    let chosen = dialogs::choose(kind, true).await?;
    if let Some(path) = &chosen {
        shell.grant_write(path.into());
    }
    Ok(chosen)
}

/// Writes `text` to `path` (a traffic export), which must be the answer of
/// the last `save_path`: the UI can write only where the user chose, once.
#[tauri::command]
pub fn save_text(path: String, text: String, shell: State<'_, Shell>) -> Result<()> {
    let path = std::path::PathBuf::from(path);
    if !shell.take_write(&path) {
        return Err(Error::NotChosen(path));
    }
    std::fs::write(&path, text).map_err(|source| Error::Write { path, source })
}

/// Opens an http(s) address in the default browser.
#[tauri::command]
pub fn open_url(url: String) -> Result<()> {
    let parsed = tauri::Url::parse(&url).map_err(|e| Error::BadUrl {
        url: url.clone(),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::NotWeb(url));
    }
    crate::browser::open(parsed.as_str())
}
