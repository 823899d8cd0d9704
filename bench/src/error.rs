//! The harness's error type.

use tokio_tungstenite::tungstenite;

/// Everything that can end a benchmark run early.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A system call failed (spawning a server, a socket, a file).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The WebSocket layer failed (boxed: the error type is large).
    #[error("WebSocket error: {0}")]
    Ws(Box<tungstenite::Error>),
    /// JSON that should have parsed did not.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// A correctness check failed: the server answered something wrong.
    #[error("check failed: {0}")]
    Check(String),
    /// The environment is not as needed (a server did not start, a build
    /// failed, a venv is missing).
    #[error("{0}")]
    Setup(String),
}

impl From<tungstenite::Error> for Error {
    fn from(e: tungstenite::Error) -> Self {
        Error::Ws(Box::new(e))
    }
}

/// The harness's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Shorthand for a failed correctness check.
pub fn check_failed<T>(why: impl Into<String>) -> Result<T> {
    Err(Error::Check(why.into()))
}
