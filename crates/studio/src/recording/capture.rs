//! `juggler-studio record`: a client of a remote juggler server that writes
//! everything it sees and sends to a recording.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use juggler::ClientBuilder;
use tokio_util::sync::CancellationToken;

use super::format::{Event, Header};
use super::writer::Recorder;
use crate::error::{Error, Result};
use crate::traffic::{Peer, TapFrame};

/// Why a capture ended, and what it wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureSummary {
    /// Entries written.
    pub entries: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Why it ended: "stopped", "time is up", or the connection's close reason.
    pub ended: String,
    /// Why the session ended badly, if it did: the connection failed or
    /// was closed with an error (reset, a protocol error such as another
    /// generation, a timeout), or it closed before anything was recorded.
    /// The file keeps what came before.
    pub failed: Option<String>,
}

/// Connects with `builder` (to `url`, for the header) and records until
/// `stop` is cancelled, `duration` has passed or the server closes the
/// connection. `progress(entries, bytes)` is called about once a second.
pub async fn capture(
    builder: ClientBuilder,
    url: &str,
    out: &Path,
    duration: Option<Duration>,
    stop: CancellationToken,
    progress: impl Fn(u64, u64),
) -> Result<CaptureSummary> {
    // The file is created once the connection stands, so a wrong URL
    // leaves an existing file alone; what arrives before that (the first
    // state) waits in `pending`.
    let sink: Arc<Mutex<Sink>> = Arc::default();
    let client = connect_tapped(builder, url, sink.clone()).await?;
    {
        // The generation as the connection speaks it (given, or told).
        let generation = crate::remote::generation_name(client.generation());
        // A password in the URL stays out of the file.
        let url = juggler::client::redacted(url);
        let header = Header::new(generation, Some(url.clone()), format!("record {url}"));
        let mut sink = lock(&sink);
        sink.recorder = Some(Recorder::create(out, &header)?);
        for (t, event) in std::mem::take(&mut sink.pending) {
            sink.write(t, event);
        }
    }
    let (ended, closed) = run_until_end(&client, &sink, duration, stop, progress).await?;
    client.close();
    client.wait_closed().await;
    let (entries, bytes) = lock(&sink).written();
    let failed = match closed {
        Some(reason) if !clean_close(reason.as_deref()) => Some(format!(
            "the connection ended abnormally: {}",
            reason.as_deref().unwrap_or("no reason given")
        )),
        Some(_) if entries == 0 => Some(
            "the server closed the connection before sending anything: the file holds no \
             session"
                .to_owned(),
        ),
        _ => None,
    };
    Ok(CaptureSummary {
        entries,
        bytes,
        ended,
        failed,
    })
}

/// Whether a connection's close reason is a clean close: the peer's close
/// frame without a reason (juggler servers give one only for an error).
fn clean_close(reason: Option<&str>) -> bool {
    matches!(reason, None | Some("closed by peer"))
}

fn lock(sink: &Mutex<Sink>) -> std::sync::MutexGuard<'_, Sink> {
    sink.lock().unwrap_or_else(|e| e.into_inner())
}

/// Connects, every message in and out going to `sink` as it is tapped.
async fn connect_tapped(
    builder: ClientBuilder,
    url: &str,
    sink: Arc<Mutex<Sink>>,
) -> Result<juggler::Client> {
    let started = std::time::Instant::now();
    builder
        .on_traffic(move |tapped| {
            let peer = Peer::Remote("record".into());
            let frame = TapFrame::new(0.0, peer, tapped, true).into_frame(&mut None);
            let Some(event) = Event::from_frame(frame) else {
                return;
            };
            let t = started.elapsed().as_secs_f64() * 1000.0;
            lock(&sink).write(t, event);
        })
        .connect()
        .await
        .map_err(|source| Error::Connect {
            url: juggler::client::redacted(url),
            source,
        })
}

/// Waits for the end (stopped, time is up, closed by the server),
/// reporting progress every second; says which end it was, and when the
/// connection closed, its close reason.
async fn run_until_end(
    client: &juggler::Client,
    sink: &Mutex<Sink>,
    duration: Option<Duration>,
    stop: CancellationToken,
    progress: impl Fn(u64, u64),
) -> Result<(String, Option<Option<String>>)> {
    let deadline = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return Ok(("stopped".to_owned(), None)),
            _ = &mut deadline => return Ok(("time is up".to_owned(), None)),
            _ = client.wait_closed() => {
                let reason = client.close_reason();
                let ended = format!(
                    "the server closed the connection: {}",
                    reason.as_deref().unwrap_or_default()
                );
                return Ok((ended, Some(reason)));
            }
            _ = tick.tick() => {
                let mut sink = lock(sink);
                if let Some(e) = sink.failed.take() {
                    return Err(Error::Invalid(format!("recording stopped: {e}")));
                }
                let (entries, bytes) = sink.written();
                progress(entries, bytes);
            }
        }
    }
}

/// Where the traffic tap writes: the recorder once the file exists.
#[derive(Default)]
struct Sink {
    recorder: Option<Recorder>,
    pending: Vec<(f64, Event)>,
    failed: Option<String>,
}

impl Sink {
    fn write(&mut self, t: f64, event: Event) {
        match &mut self.recorder {
            None => self.pending.push((t, event)),
            Some(rec) => {
                if let Err(e) = rec.record_at(t, event) {
                    self.failed.get_or_insert(e.to_string());
                }
            }
        }
    }

    fn written(&self) -> (u64, u64) {
        self.recorder
            .as_ref()
            .map_or((0, 0), |r| (r.entries(), r.bytes()))
    }
}
