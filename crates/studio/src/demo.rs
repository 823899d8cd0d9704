//! The demo workspace and its dashboard, embedded in the binary: what a new
//! user sees first with `juggler-studio serve` and no workspace.

use crate::error::{Error, Result};
use crate::workspace::Workspace;

const WORKSPACE: &str = include_str!("../demo/workspace.json");
const INDEX: &str = include_str!("../demo/index.html");

/// The demo workspace.
pub fn workspace() -> Result<Workspace> {
    Workspace::parse(WORKSPACE, "demo workspace", std::path::Path::new("."))
}

/// Writes the demo dashboard into a fresh temporary folder (removed when
/// the returned value is dropped), to serve as `static_dir`.
pub fn unpack() -> Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("juggler-studio-demo-")
        .tempdir()
        .map_err(|e| {
            Error::Invalid(format!(
                "cannot create a folder for the demo dashboard: {e}"
            ))
        })?;
    std::fs::write(dir.path().join("index.html"), INDEX)
        .map_err(|e| Error::Invalid(format!("cannot write the demo dashboard: {e}")))?;
    Ok(dir)
}
