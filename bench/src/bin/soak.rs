//! Soak: holds many connections to our `bench_server` for minutes, with
//! churn and traffic, and watches the server process's memory and file
//! descriptors.
//!
//! `cargo run --release -p bench --bin soak -- --connections 1000 --minutes 10`
//!
//! Each connection is a `juggler::Client` that, about once a second, does
//! one of: an `echo` request (the answer must match), a `state.burst` (the
//! mirrored state must hold the last value when the answer arrives), a
//! `notify.burst` (every notification must have arrived with the answer).
//! Every second about `--churn` percent of the connections close and
//! reconnect. The server's RSS (`VmRSS` of /proc/PID/status) and open file
//! descriptors (entries of /proc/PID/fd) are reported at the start, every
//! minute and at the end (after every client closed). Exits non-zero when
//! any check, request or connection failed.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use juggler::client::ClientBuilder;
use serde_json::json;

#[derive(Parser)]
#[command(about = "Soak test of our juggler server: connections, churn, traffic, RSS and fds")]
struct Args {
    /// Connections held at once.
    #[arg(long, default_value_t = 1000)]
    connections: usize,
    /// How long to run, in minutes (fractions allowed).
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// Percent of the connections that reconnect each second.
    #[arg(long, default_value_t = 5.0)]
    churn: f64,
    /// Wire generation of server and clients: 0.6 or 0.7.
    #[arg(long, default_value = "0.6")]
    generation: juggler::Generation,
    /// Use the existing target/release/examples/bench_server instead of
    /// building it first.
    #[arg(long)]
    no_build: bool,
}

/// What every connection task counts.
#[derive(Default)]
struct Totals {
    requests: AtomicU64,
    notifications: AtomicU64,
    reconnects: AtomicU64,
    errors: AtomicU64,
    first_errors: Mutex<Vec<String>>,
}

impl Totals {
    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_errors.lock().unwrap_or_else(|e| e.into_inner());
        if first.len() < 20 {
            first.push(what);
        }
    }
}

/// A small xorshift generator (no dependency; quality does not matter).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn server_bin(no_build: bool) -> Result<PathBuf, String> {
    let root = bench::build::repo_root();
    let bin = if no_build {
        bench::build::ours_bin(&root)
    } else {
        bench::build::build_ours(&root)
    };
    bin.map_err(|e| e.to_string())
}

/// Starts the server and waits for its `READY url` line.
fn start_server(bin: &PathBuf, generation: juggler::Generation) -> Result<(Child, String), String> {
    let mut child = Command::new(bin)
        .args(["--port", "0", "--host", "127.0.0.1", "--autoflush", "0"])
        .args(["--generation", &generation.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(url) = line.strip_prefix("READY ") {
                    // Keep draining stdout so the server never blocks on it.
                    std::thread::spawn(move || for _ in lines {});
                    return Ok((child, url.trim().to_owned()));
                }
            }
            _ => {
                let _ = child.kill();
                return Err("the server exited without a READY line".into());
            }
        }
    }
}

/// RSS in KiB and open file descriptors of process `pid`.
fn usage(pid: u32) -> (u64, usize) {
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
    (rss, fds)
}

/// One connection slot: connects, runs traffic, reconnects on churn, until `stop`.
async fn slot(
    url: String,
    generation: juggler::Generation,
    seed: u64,
    churn: f64,
    totals: Arc<Totals>,
    live: Arc<AtomicU64>,
    stop: stop_flag::Stop,
) {
    let mut rng = Rng(seed | 1);
    'outer: while !stop.is_set() {
        let notes = Arc::new(AtomicU64::new(0));
        let counter = notes.clone();
        let connecting = ClientBuilder::new(&url)
            .generation(generation)
            .connect_timeout(Duration::from_secs(20))
            .on_notify(move |_, _| {
                counter.fetch_add(1, Ordering::Relaxed);
            })
            .connect()
            .await;
        let client = match connecting {
            Ok(c) => c,
            Err(e) => {
                totals.error(format!("connect: {e}"));
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        live.fetch_add(1, Ordering::Relaxed);
        let mut round: u64 = 0;
        loop {
            // About one action a second, spread out.
            let pause = Duration::from_millis(500 + rng.next() % 1000);
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.wait() => break,
            }
            round += 1;
            let result = match rng.next() % 3 {
                0 => {
                    let data = json!({"slot": seed, "round": round});
                    client.send("echo", data.clone()).await.and_then(|answer| {
                        if answer == data {
                            Ok(())
                        } else {
                            Err(juggler::Error::Protocol(format!("echo answered {answer}")))
                        }
                    })
                }
                1 => {
                    let n = 1 + rng.next() % 20;
                    client
                        .send("state.burst", json!({"path": ["x"], "count": n}))
                        .await
                        .and_then(|_| match client.state().get([juggler::Step::from("x")]) {
                            Some(v) if v == json!(n) => Ok(()),
                            other => Err(juggler::Error::Protocol(format!(
                                "state x is {other:?} after a burst to {n}"
                            ))),
                        })
                }
                _ => {
                    let n = 1 + rng.next() % 10;
                    let before = notes.load(Ordering::Relaxed);
                    client
                        .send(
                            "notify.burst",
                            json!({"name": "n", "data": round, "count": n}),
                        )
                        .await
                        .and_then(|_| {
                            let got = notes.load(Ordering::Relaxed) - before;
                            totals.notifications.fetch_add(got, Ordering::Relaxed);
                            if got == n {
                                Ok(())
                            } else {
                                Err(juggler::Error::Protocol(format!(
                                    "{got} of {n} notifications before the answer"
                                )))
                            }
                        })
                }
            };
            totals.requests.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = result {
                totals.error(format!(
                    "request: {e} (close reason {:?})",
                    client.close_reason()
                ));
                live.fetch_sub(1, Ordering::Relaxed);
                continue 'outer;
            }
            if rng.unit() * 100.0 < churn * pause.as_secs_f64() {
                totals.reconnects.fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
        client.close();
        client.wait_closed().await;
        live.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A stop flag that tasks can also wait on.
mod stop_flag {
    use std::sync::Arc;
    use tokio::sync::watch;

    #[derive(Clone)]
    pub struct Stop(Arc<watch::Sender<bool>>, watch::Receiver<bool>);

    impl Stop {
        pub fn new() -> Self {
            let (tx, rx) = watch::channel(false);
            Stop(Arc::new(tx), rx)
        }
        pub fn set(&self) {
            let _ = self.0.send(true);
        }
        pub fn is_set(&self) -> bool {
            *self.1.borrow()
        }
        pub async fn wait(&self) {
            let mut rx = self.1.clone();
            let _ = rx.wait_for(|v| *v).await;
        }
    }
}

fn report(
    label: &str,
    pid: u32,
    started: Instant,
    totals: &Totals,
    live: &AtomicU64,
) -> (u64, usize) {
    let (rss, fds) = usage(pid);
    println!(
        "[{:>6.1} min] {label:<6} server RSS {:>8} KiB, fds {:>5}; live connections {:>5}, \
         requests {:>8}, notifications {:>8}, reconnects {:>6}, errors {}",
        started.elapsed().as_secs_f64() / 60.0,
        rss,
        fds,
        live.load(Ordering::Relaxed),
        totals.requests.load(Ordering::Relaxed),
        totals.notifications.load(Ordering::Relaxed),
        totals.reconnects.load(Ordering::Relaxed),
        totals.errors.load(Ordering::Relaxed),
    );
    (rss, fds)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let bin = match server_bin(args.no_build) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (mut child, url) = match start_server(&bin, args.generation) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::FAILURE;
        }
    };
    let pid = child.id();
    println!(
        "soak: {} connections to {url} (pid {pid}, generation {}) for {} min, churn {} %/s",
        args.connections, args.generation, args.minutes, args.churn
    );
    let started = Instant::now();
    let totals = Arc::new(Totals::default());
    let live = Arc::new(AtomicU64::new(0));
    report("idle", pid, started, &totals, &live);
    let stop = stop_flag::Stop::new();
    let mut tasks = Vec::with_capacity(args.connections);
    for i in 0..args.connections {
        tasks.push(tokio::spawn(slot(
            url.clone(),
            args.generation,
            0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1),
            args.churn,
            totals.clone(),
            live.clone(),
            stop.clone(),
        )));
        // Connect in waves, not all at once into the accept backlog.
        if i % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let ramp = Instant::now();
    while (live.load(Ordering::Relaxed) as usize) < args.connections
        && ramp.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let held = live.load(Ordering::Relaxed);
    let (rss_start, fds_start) = report("start", pid, started, &totals, &live);
    let total = Duration::from_secs_f64(args.minutes.max(0.0) * 60.0);
    let mut minute = 1;
    let mut min_live = held;
    while started.elapsed() < total {
        tokio::time::sleep(Duration::from_millis(500)).await;
        min_live = min_live.min(live.load(Ordering::Relaxed));
        if started.elapsed() >= Duration::from_secs(60 * minute) && started.elapsed() < total {
            report("minute", pid, started, &totals, &live);
            minute += 1;
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            totals.error("the server process exited".into());
            break;
        }
    }
    let (rss_loaded, fds_loaded) = report("loaded", pid, started, &totals, &live);
    stop.set();
    for t in tasks {
        if t.await.is_err() {
            totals.error("a connection task panicked".into());
        }
    }
    // Let the server finish closing what the clients closed.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_end, fds_end) = report("end", pid, started, &totals, &live);
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();

    let errors = totals.errors.load(Ordering::Relaxed);
    println!(
        "summary: held {held} connections (at least {min_live} live while loaded), \
         {} requests, {} notifications, {} reconnects, {errors} errors; \
         server RSS {rss_start} KiB at start, {rss_loaded} KiB loaded, {rss_end} KiB at the end; \
         fds {fds_start} at start, {fds_loaded} loaded, {fds_end} at the end",
        totals.requests.load(Ordering::Relaxed),
        totals.notifications.load(Ordering::Relaxed),
        totals.reconnects.load(Ordering::Relaxed),
    );
    for e in totals
        .first_errors
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        println!("error: {e}");
    }
    if errors > 0 || (held as usize) < args.connections {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
