//! The servers under test: building ours, setting up the reference's venv,
//! starting each (waiting for its `READY ws://…` line), reading its RSS and
//! stopping it (SIGTERM, then SIGKILL).

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bench::error::{Error, Result};

use crate::floor::{self, Floor};

/// The pinned reference version (the 0.6 wire generation).
pub const REFERENCE_VERSION: &str = "0.6.26";
/// How long a server may take to print its READY line.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a server may take to stop after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `crates/juggler`'s `bench_server`, release build.
    Ours,
    /// `tests/interop/reference_bench_server.py` on hat-juggler 0.6.26.
    Reference,
    /// The raw WebSocket floor in this process.
    Floor,
    /// `juggler-studio serve` (scenario 11 only; started by
    /// `studio_soak::start`).
    Studio,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Ours => "ours",
            Kind::Reference => "reference",
            Kind::Floor => "floor",
            Kind::Studio => "studio",
        })
    }
}

/// How a scenario wants its server.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `--shared-state`: one state for every connection.
    pub shared_state: bool,
    /// The reference only: `--max-msg-size 0`, since aiohttp refuses
    /// frames over 4 MiB by default.
    pub big_messages: bool,
    /// Ours only: `--max-connections N` (its default is 10,000; the
    /// reference has no limit).
    pub max_connections: Option<usize>,
}

/// Where everything is.
#[derive(Debug, Clone)]
pub struct Env {
    /// The repository root.
    pub root: PathBuf,
    /// Our release `bench_server`.
    pub ours_bin: PathBuf,
    /// The reference venv's python, when the reference runs.
    pub ref_python: Option<PathBuf>,
    /// Where server stderr logs go.
    pub log_dir: PathBuf,
    /// Worker threads of the floor.
    pub floor_threads: usize,
    /// The release `juggler-studio`, when a studio scenario runs.
    pub studio_bin: Option<PathBuf>,
}

pub use bench::build::{build_ours, ours_bin, repo_root, target_dir};

/// The hat-juggler version installed for `python`, if any.
fn installed_reference(python: &Path) -> Option<String> {
    let python = python.to_str()?;
    let code = "import importlib.metadata as m; print(m.version('hat-juggler'))";
    crate::command_output(python, &["-c", code], Path::new("."))
}

/// Makes sure `.venv/ref06` has hat-juggler 0.6.26 (creating the venv and
/// installing it when not); returns its python.
pub fn ensure_reference(root: &Path) -> Result<PathBuf> {
    let venv = root.join(".venv/ref06");
    let python = venv.join("bin/python");
    if installed_reference(&python).as_deref() == Some(REFERENCE_VERSION) {
        return Ok(python);
    }
    if !python.is_file() {
        eprintln!("creating {}", venv.display());
        let status = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .stdin(Stdio::null())
            .status()?;
        if !status.success() {
            return Err(Error::Setup(format!(
                "python3 -m venv {}: {status}",
                venv.display()
            )));
        }
    }
    eprintln!(
        "installing hat-juggler=={REFERENCE_VERSION} into {}",
        venv.display()
    );
    let status = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("hat-juggler=={REFERENCE_VERSION}"),
        ])
        .stdin(Stdio::null())
        .status()?;
    match installed_reference(&python) {
        Some(v) if v == REFERENCE_VERSION => Ok(python),
        other => Err(Error::Setup(format!(
            "pip install hat-juggler=={REFERENCE_VERSION} ({status}) left {other:?} in {}",
            venv.display()
        ))),
    }
}

/// A started server; stopped on [`Running::stop`] or drop.
pub struct Running {
    url: String,
    child: Option<Child>,
    floor: Option<Floor>,
}

impl Running {
    /// Its juggler endpoint, `ws://127.0.0.1:PORT/ws`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its process id (none for the in-process floor).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Stops it: SIGTERM, and SIGKILL when it does not exit in time.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(floor) = self.floor.take() {
            floor.stop();
        }
        if let Some(mut child) = self.child.take() {
            stop_child(&mut child);
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.halt();
    }
}

fn stop_child(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + STOP_TIMEOUT;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A free TCP port on 127.0.0.1 (the reference needs one named).
fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// Starts a server of `kind` for a scenario (`--autoflush 0`, on
/// 127.0.0.1); `label` names its stderr log.
pub fn start(env: &Env, kind: Kind, opts: Options, label: &str) -> Result<Running> {
    let (program, mut args): (PathBuf, Vec<String>) = match kind {
        Kind::Floor => {
            let floor = Floor::start(env.floor_threads)?;
            return Ok(Running {
                url: floor.url().to_owned(),
                child: None,
                floor: Some(floor),
            });
        }
        Kind::Studio => {
            return Err(Error::Setup(
                "the studio starts through studio_soak::start".into(),
            ));
        }
        Kind::Ours => (env.ours_bin.clone(), vec!["--port".into(), "0".into()]),
        Kind::Reference => {
            let python = env
                .ref_python
                .clone()
                .ok_or_else(|| Error::Setup("the reference is skipped".into()))?;
            let script = env.root.join("tests/interop/reference_bench_server.py");
            (
                python,
                vec![
                    script.display().to_string(),
                    "--port".into(),
                    free_port()?.to_string(),
                ],
            )
        }
    };
    args.extend(["--host", "127.0.0.1", "--autoflush", "0"].map(String::from));
    if opts.shared_state {
        args.push("--shared-state".into());
    }
    if let (Some(n), Kind::Ours) = (opts.max_connections, kind) {
        args.extend(["--max-connections".to_owned(), n.to_string()]);
    }
    if opts.big_messages && kind == Kind::Reference {
        args.extend(["--max-msg-size", "0"].map(String::from));
    }
    std::fs::create_dir_all(&env.log_dir)?;
    let log_path = env.log_dir.join(format!("{label}.stderr.log"));
    let log = File::create(&log_path)?;
    let mut child = Command::new(&program)
        .args(&args)
        .current_dir(&env.root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()?;
    let (tx, rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("READY ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
    }
    match rx.recv_timeout(START_TIMEOUT) {
        Ok(url) => Ok(Running {
            url,
            child: Some(child),
            floor: None,
        }),
        Err(_) => {
            stop_child(&mut child);
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            Err(Error::Setup(format!(
                "{kind} server ({} {}) printed no READY line; stderr ends: {}",
                program.display(),
                args.join(" "),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            )))
        }
    }
}

/// Resident set size of process `pid` in KiB (`VmRSS` of
/// `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The default number of floor threads.
pub fn floor_threads() -> usize {
    floor::default_threads()
}
