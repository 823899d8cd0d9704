//! Native file choosers (rfd). rfd's async dialogs run on rfd's own GTK
//! thread on Linux, so neither the window nor the engine waits on them.

use std::path::PathBuf;

use serde::Deserialize;

use crate::error::{Error, Result};

/// What the UI asks a path for (`FileKind` in `ui/src/lib/native.ts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FileKind {
    /// A workspace file (`*.json`).
    Workspace,
    /// A TLS certificate or key (`*.pem`, `*.crt`, `*.key`).
    Pem,
    /// An htpasswd file (often named `.htpasswd`, so no filter).
    Htpasswd,
    /// A CA certificate (`*.pem`, `*.crt`, `*.cer`).
    Ca,
    /// A folder to serve.
    StaticDir,
    /// A traffic export (`*.ndjson`).
    Export,
    /// A session recording (`*.ndjson`).
    Recording,
    /// The folder of a new dashboard (empty, or to be made inside).
    NewDashboard,
}

impl FileKind {
    fn title(self, save: bool) -> &'static str {
        match (self, save) {
            (FileKind::Workspace, false) => "Open workspace",
            (FileKind::Workspace, true) => "Save workspace as",
            (FileKind::Pem, _) => "Choose a PEM certificate or key",
            (FileKind::Htpasswd, _) => "Choose an htpasswd file",
            (FileKind::Ca, _) => "Choose a CA certificate",
            (FileKind::StaticDir, _) => "Choose the folder to serve",
            (FileKind::Export, _) => "Export traffic as",
            (FileKind::Recording, false) => "Open a recording",
            (FileKind::Recording, true) => "Record to",
            (FileKind::NewDashboard, _) => "Choose an empty folder for the new dashboard",
        }
    }

    /// The filter's name and extensions; `None`: all files.
    fn filter(self) -> Option<(&'static str, &'static [&'static str])> {
        match self {
            FileKind::Workspace => Some(("Workspace (*.json)", &["json"])),
            FileKind::Pem => Some(("PEM (*.pem, *.crt, *.key)", &["pem", "crt", "key"])),
            FileKind::Ca => Some(("Certificates (*.pem, *.crt, *.cer)", &["pem", "crt", "cer"])),
            FileKind::Export | FileKind::Recording => Some(("NDJSON (*.ndjson)", &["ndjson"])),
            FileKind::Htpasswd | FileKind::StaticDir | FileKind::NewDashboard => None,
        }
    }

    fn default_name(self) -> Option<&'static str> {
        match self {
            FileKind::Workspace => Some("workspace.json"),
            FileKind::Export => Some("traffic.ndjson"),
            FileKind::Recording => Some("session.ndjson"),
            _ => None,
        }
    }
}

/// Shows the chooser for `kind`; `save` asks for a file to write.
pub async fn choose(kind: FileKind, save: bool) -> Result<Option<String>> {
    let mut dialog = rfd::AsyncFileDialog::new().set_title(kind.title(save));
    if let Some((name, exts)) = kind.filter() {
        dialog = dialog.add_filter(name, exts);
    }
    if let Ok(dir) = std::env::current_dir() {
        dialog = dialog.set_directory(dir);
    }
    let chosen = if matches!(kind, FileKind::StaticDir | FileKind::NewDashboard) {
        dialog.pick_folder().await
    } else if save {
        if let Some(name) = kind.default_name() {
            dialog = dialog.set_file_name(name);
        }
        dialog.save_file().await
    } else {
        dialog.pick_file().await
    };
    chosen.map(|h| utf8(h.path().to_owned())).transpose()
}

fn utf8(path: PathBuf) -> Result<String> {
    path.into_os_string()
        .into_string()
        .map_err(|p| Error::NotUtf8(PathBuf::from(p)))
}
