//! `--ready-file FILE`: once a studio listens, the addresses it chose (with
//! `--port 0`, known only then) as one JSON object, for a script to wait
//! for and read instead of parsing the prose on stdout; removed again when
//! the studio stops, so the file's presence means "listening now".

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Studio;

impl Studio {
    /// `{"pid", "dashboard", "juggler", "control"}` of this studio: the
    /// dashboard page, the juggler endpoint (null when the server is not
    /// running) and the control endpoint with its token.
    pub fn addresses(&self) -> Value {
        json!({
            "pid": std::process::id(),
            "dashboard": self.dashboard_url(),
            "juggler": self.server_url(),
            "control": self.control.url(),
        })
    }
}

/// Removes a ready file left by an earlier run, before anything listens: a
/// script waiting for the file must not read the last run's addresses.
pub fn clear(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!(
            "--ready-file {}: cannot remove the old file: {e}",
            path.display()
        )),
    }
}

/// Writes `info` to `path` whole or not at all (a temporary file renamed
/// over it): a script that sees the file reads complete JSON. The file is
/// removed when the returned guard is dropped, as the studio stops.
pub fn write(path: &Path, info: &Value) -> Result<Written, String> {
    let fail = |e: std::io::Error| {
        format!(
            "--ready-file {}: cannot write it: {e} (check that its folder exists and is writable)",
            path.display()
        )
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let mut text = info.to_string();
    text.push('\n');
    std::fs::write(&tmp, &text).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })?;
    Ok(Written {
        path: path.to_owned(),
        text,
    })
}

/// A ready file this process wrote. A script that waited for it to appear
/// can wait for it to go (a stopped studio left its addresses behind, and
/// a script that checked for the file took a dead studio for a live one).
/// After a crash it stays; its `pid` tells whose it was.
#[must_use = "the ready file is removed when this is dropped"]
pub struct Written {
    path: PathBuf,
    text: String,
}

impl Drop for Written {
    fn drop(&mut self) {
        // Only if it is still ours: another studio given the same path
        // since then keeps its file.
        if std::fs::read_to_string(&self.path).is_ok_and(|t| t == self.text) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
