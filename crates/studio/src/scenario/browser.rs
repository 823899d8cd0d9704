//! A headless Chromium that opens the dashboard for `juggler-studio run
//! --browser`: a child process with a throw-away profile, in a process
//! group of its own so that stopping it stops its helpers too, and (on
//! Linux, through util-linux's `setpriv --pdeathsig`) killed by the kernel
//! when the studio dies without stopping it (SIGKILL, a crash).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Chromium is looked for, unless `JUGGLER_STUDIO_CHROMIUM` names
/// another binary.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// util-linux's `setpriv`, which starts Chromium with a parent-death
/// signal (the studio forbids `unsafe`, so no `prctl` of its own).
const SETPRIV: &str = "/usr/bin/setpriv";

/// A running headless Chromium.
pub struct Browser {
    child: Option<Child>,
    log: PathBuf,
    _profile: tempfile::TempDir,
}

/// The Chromium binary to run.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("JUGGLER_STUDIO_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHROMIUM))
}

/// Whether this process runs as root (Chromium's sandbox refuses root).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next().map(|id| id == "0"))
        })
        .unwrap_or(false)
}

impl Browser {
    /// Starts headless Chromium on `url`. Fails with what to do when
    /// Chromium is not installed.
    pub fn launch(url: &str) -> Result<Browser, String> {
        let bin = chromium_path();
        if !bin.is_file() {
            return Err(format!(
                "--browser needs Chromium at {}, and it is not there: install it (Debian: \
                 `apt-get install chromium`), or set JUGGLER_STUDIO_CHROMIUM to its path",
                bin.display()
            ));
        }
        let profile = tempfile::Builder::new()
            .prefix("juggler-studio-browser")
            .tempdir()
            .map_err(|e| format!("cannot make a temporary browser profile: {e}"))?;
        let log = profile.path().join("chromium.log");
        let log_file = std::fs::File::create(&log)
            .map_err(|e| format!("cannot write {}: {e}", log.display()))?;
        let mut cmd = match Path::new(SETPRIV).is_file() {
            // The death signal is tied to the thread that starts the child:
            // the runtime's worker threads live as long as the studio.
            true => {
                let mut c = Command::new(SETPRIV);
                c.args(["--pdeathsig", "KILL", "--"]).arg(&bin);
                c
            }
            false => Command::new(&bin),
        };
        cmd.arg("--headless");
        if is_root() {
            cmd.arg("--no-sandbox");
        }
        cmd.args([
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file);
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        Ok(Browser {
            child: Some(child),
            log,
            _profile: profile,
        })
    }

    /// Whether it has exited already (a crash at start): its exit status.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// The last `n` lines Chromium wrote to its error output.
    pub fn log_tail(&self, n: usize) -> String {
        tail(&self.log, n)
    }

    /// Stops Chromium and its helpers: SIGTERM to its process group, then,
    /// after 3 s, SIGKILL.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = format!("-{}", child.id());
        signal("-TERM", &group);
        let until = Instant::now() + Duration::from_secs(3);
        while Instant::now() < until {
            if let Ok(Some(_)) = child.try_wait() {
                // Helpers left in the group go too.
                signal("-KILL", &group);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal("-KILL", &group);
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal(sig: &str, group: &str) {
    let _ = Command::new("kill")
        .args([sig, "--", group])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
