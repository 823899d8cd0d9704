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
use crate::traffic::{Direction, Frame, Peer};

/// Why a capture ended, and what it wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureSummary {
    /// Entries written.
    pub entries: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Why it ended: "stopped", "time is up", or the connection's close reason.
    pub ended: String,
}

/// Connects with `builder` (to `url`, for the header) and records until
/// `stop` is cancelled, `duration` has passed or the server closes the
/// connection. `progress(entries, bytes)` is called about once a second.
pub async fn capture(
    builder: ClientBuilder,
    url: &str,
    generation: &str,
    out: &Path,
    duration: Option<Duration>,
    stop: CancellationToken,
    progress: impl Fn(u64, u64),
) -> Result<CaptureSummary> {
    let header = Header::new(generation, Some(url.to_owned()), format!("record {url}"));
    let recorder = Arc::new(Mutex::new(Recorder::create(out, &header)?));
    let failed: Arc<Mutex<Option<String>>> = Arc::default();
    let tap_recorder = recorder.clone();
    let tap_failed = failed.clone();
    let client = builder
        .on_traffic(move |direction, text| {
            let Some(frame) = Frame::from_message_text(
                0.0,
                Peer::Remote("record".into()),
                Direction::from(direction),
                text,
            ) else {
                return;
            };
            let Some(event) = Event::from_frame(frame) else {
                return;
            };
            let mut rec = tap_recorder.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = rec.record(event) {
                tap_failed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e.to_string());
            }
        })
        .connect()
        .await
        .map_err(|e| {
            Error::Invalid(format!(
                "cannot connect to {url}: {e} (check the URL, the generation and the credentials)"
            ))
        })?;
    let deadline = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let ended = loop {
        tokio::select! {
            _ = stop.cancelled() => break "stopped".to_owned(),
            _ = &mut deadline => break "time is up".to_owned(),
            _ = client.wait_closed() => {
                break format!(
                    "the server closed the connection: {}",
                    client.close_reason().unwrap_or_default()
                );
            }
            _ = tick.tick() => {
                if let Some(e) = failed.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    return Err(Error::Invalid(format!("recording stopped: {e}")));
                }
                let rec = recorder.lock().unwrap_or_else(|e| e.into_inner());
                progress(rec.entries(), rec.bytes());
            }
        }
    };
    client.close();
    client.wait_closed().await;
    let rec = recorder.lock().unwrap_or_else(|e| e.into_inner());
    Ok(CaptureSummary {
        entries: rec.entries(),
        bytes: rec.bytes(),
        ended,
    })
}
