//! What can go wrong in the shell. Commands send errors to the UI as
//! `{code, message}`, like the engine's own command errors.

use serde::ser::SerializeStruct;

/// An error of the desktop shell.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine refused (a workspace that does not load, a port in use…).
    #[error(transparent)]
    Studio(#[from] studio::Error),
    /// Tauri itself (the window, the menu).
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
    /// `open_url` got something that is not an address.
    #[error("{url:?} is not an address: {reason}")]
    BadUrl {
        /// What the UI sent.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// `open_url` only opens web pages, never files or other schemes.
    #[error("not opening {0:?}: only http and https addresses open in the browser")]
    NotWeb(String),
    /// The default browser could not be started.
    #[error("cannot start the browser ({program}): {source}")]
    Browser {
        /// The launcher that failed (`xdg-open`, `open`, `cmd`).
        program: &'static str,
        /// Why.
        source: std::io::Error,
    },
    /// A chosen path that is not UTF-8 cannot travel to the engine as JSON.
    #[error("the path {0:?} is not valid UTF-8: rename it, or choose another")]
    NotUtf8(std::path::PathBuf),
    /// Bad command-line arguments.
    #[error("{0}")]
    Usage(String),
    /// `save_text` to a path the user did not choose in a save dialog.
    #[error("not writing {0:?}: choose the file in the save dialog first")]
    NotChosen(std::path::PathBuf),
    /// A chosen file could not be written.
    #[error("cannot write {path:?}: {source} (check the folder exists and is writable)")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl Error {
    /// A stable name for the UI and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Studio(_) => "studio",
            Error::Tauri(_) => "tauri",
            Error::BadUrl { .. } => "badUrl",
            Error::NotWeb(_) => "notWeb",
            Error::Browser { .. } => "browser",
            Error::NotUtf8(_) => "notUtf8",
            Error::Usage(_) => "usage",
            Error::NotChosen(_) => "notChosen",
            Error::Write { .. } => "io",
        }
    }
}

impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Error", 2)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// The shell's result.
pub type Result<T> = std::result::Result<T, Error>;
