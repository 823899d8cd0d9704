//! The default browser, through the desktop's own launcher. No opener
//! plugin: one `Command` per platform does it, with the address as a
//! single argument (never through a shell), and `open_url` has already
//! refused everything but http(s).

use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// Starts the browser on `url` and does not wait for it.
pub fn open(url: &str) -> Result<()> {
    let (program, mut cmd) = launcher(url);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| Error::Browser { program, source })?;
    // Reap the launcher when it ends (xdg-open returns at once).
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

#[cfg(target_os = "macos")]
fn launcher(url: &str) -> (&'static str, Command) {
    let mut c = Command::new("open");
    c.arg(url);
    ("open", c)
}

#[cfg(windows)]
fn launcher(url: &str) -> (&'static str, Command) {
    // `start` is a cmd built-in; the empty string is the window title.
    let mut c = Command::new("cmd");
    c.args(["/C", "start", ""]).arg(url);
    ("cmd", c)
}

#[cfg(not(any(target_os = "macos", windows)))]
fn launcher(url: &str) -> (&'static str, Command) {
    let mut c = Command::new("xdg-open");
    c.arg(url);
    ("xdg-open", c)
}
