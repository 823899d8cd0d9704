//! `juggler-studio` as a child process: started with some arguments, its
//! stdout read line by line on a thread, killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;

/// Startup of a debug build on a busy machine can be slow.
pub const CLI_DEADLINE: Duration = Duration::from_secs(60);

/// A running `juggler-studio`.
pub struct Running {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    /// Every stdout line read so far.
    pub seen: Vec<String>,
}

impl Running {
    /// Starts `juggler-studio ARGS…` (stderr goes nowhere: `RUST_LOG=warn`).
    pub fn start(args: &[&str]) -> Running {
        Running::start_in(Path::new("."), args)
    }

    /// [`Running::start`] run from the folder `dir`.
    pub fn start_in(dir: &Path, args: &[&str]) -> Running {
        let child = Command::new(cargo_bin!("juggler-studio"))
            .args(args)
            .current_dir(dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start juggler-studio");
        Running::of(child)
    }

    /// Reads the stdout of a child started with a piped stdout.
    pub fn of(mut child: Child) -> Running {
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines until one starts with `stop` (after leading spaces);
    /// every line read so far.
    pub fn until(&mut self, stop: &str) -> &[String] {
        let start = Instant::now();
        loop {
            let left = CLI_DEADLINE.saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = line.trim_start().starts_with(stop);
                    self.seen.push(line);
                    if done {
                        return &self.seen;
                    }
                }
                Err(e) => panic!("no line starting {stop:?} ({e}); read {:?}", self.seen),
            }
        }
    }

    /// The value after `label` on a line read so far, reading on until one
    /// has it.
    pub fn printed(&mut self, label: &str) -> String {
        let found = |seen: &[String]| {
            seen.iter()
                .find_map(|l| l.trim().strip_prefix(label))
                .map(|s| s.trim().to_owned())
        };
        if let Some(value) = found(&self.seen) {
            return value;
        }
        found(self.until(label)).unwrap_or_default()
    }
}

impl Running {
    /// Reads the lines left once stdout closes (the process exited), for
    /// at most `wait`; every line read.
    pub fn rest(&mut self, wait: Duration) -> &[String] {
        while let Ok(line) = self.lines.recv_timeout(wait) {
            self.seen.push(line);
        }
        &self.seen
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
