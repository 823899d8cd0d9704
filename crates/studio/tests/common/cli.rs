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

/// A back end that takes its time, without Python: the studio serving, on
/// `port` (0: any free one), a workspace whose state is `{"up": true}` and
/// whose `slow` request is answered `"done"` `delay_ms` late.
pub fn slow_back_end(dir: &Path, port: u16, delay_ms: u32) -> Running {
    use studio::rules::{Action, NameMatch, Rule, RuleMatch};
    let ws = studio::workspace::Workspace {
        rules: vec![Rule {
            id: "slow".into(),
            enabled: true,
            matcher: RuleMatch {
                name: NameMatch::Exact("slow".into()),
                data: None,
            },
            delay_ms,
            action: Action::Respond {
                value: serde_json::json!("done"),
            },
        }],
        initial_state: serde_json::json!({"up": true}),
        ..Default::default()
    };
    let path = dir.join("slow-back-end.json");
    ws.save(&path).expect("write the back end's workspace");
    let path = path.to_str().expect("utf-8 path").to_owned();
    let port = port.to_string();
    Running::start(&["serve", &path, "--port", &port, "--control-port", "0"])
}

/// Runs `juggler-studio mock RECORDING -o OUT --force EXTRA…`, which must
/// succeed; the workspace it wrote.
pub fn mock_of(recording: &Path, out: &Path, extra: &[&str]) -> studio::workspace::Workspace {
    let run = Command::new(cargo_bin!("juggler-studio"))
        .arg("mock")
        .arg(recording)
        .arg("-o")
        .arg(out)
        .arg("--force")
        .args(extra)
        .output()
        .expect("run mock");
    assert!(
        run.status.success(),
        "mock failed: {} {}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    studio::workspace::Workspace::load(out).expect("a valid workspace")
}

/// Starts `juggler-studio ARGS…` with stdout and stderr piped (for their
/// text once it ends, or [`Running::of`]).
pub fn spawn(args: &[&str]) -> Child {
    Command::new(cargo_bin!("juggler-studio"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start juggler-studio")
}

/// The body of `GET url` (plain HTTP, the whole response read).
pub fn http_body(url: &str) -> String {
    use std::io::{Read as _, Write as _};
    let rest = url.trim_start_matches("http://");
    let (addr, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(CLI_DEADLINE)).expect("timeout");
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}
