//! Remote sessions: the studio as a client of any juggler server. Each
//! session keeps a connection (reconnecting with back-off), mirrors the
//! server's state, keeps its notifications, sends requests and measures
//! round-trip time with empty-name pings. What happens is reported to a
//! [`RemoteSink`] (the engine), which publishes it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use juggler::{Client, ClientBuilder, Generation, Trust};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::error::{Error, Result};

/// How to reach a remote server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct RemoteTarget {
    /// `ws://…` or `wss://…`.
    pub url: String,
    /// Wire generation, "0.6" or "0.7", or "auto" (the default): told
    /// from what the server sends when connecting.
    #[serde(default = "default_generation")]
    #[ts(type = "\"0.6\" | \"0.7\" | \"auto\"")]
    pub generation: String,
    /// Basic auth user, if any.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub user: Option<String>,
    /// Basic auth password, if any (never published nor saved).
    #[serde(default, skip_serializing)]
    #[ts(optional)]
    pub password: Option<String>,
    /// For `wss://`: also trust the CA certificates in this PEM file.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub ca_file: Option<String>,
    /// Accept any certificate (development only).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub insecure: bool,
}

/// The generation a target leaves to detection.
pub const AUTO: &str = "auto";

/// How long detection may take before it asks for the generation.
pub const DETECT_LIMIT: Duration = Duration::from_secs(5);

fn default_generation() -> String {
    AUTO.into()
}

/// "0.6" or "0.7".
pub fn generation_name(generation: Generation) -> &'static str {
    match generation {
        Generation::V06 => "0.6",
        Generation::V07 => "0.7",
    }
}

impl RemoteTarget {
    /// Checks the URL and the generation; `None` for "auto" (or empty).
    pub fn generation(&self) -> Result<Option<Generation>> {
        if !(self.url.starts_with("ws://") || self.url.starts_with("wss://")) {
            return Err(Error::Invalid(format!(
                "{:?} is not a WebSocket URL: use ws://host:port/ws or wss://…",
                self.url
            )));
        }
        match self.generation.trim() {
            "" | AUTO => Ok(None),
            g => g.parse().map(Some).map_err(|e: juggler::Error| {
                Error::Invalid(format!("{e} (or \"auto\" to tell it from the server)"))
            }),
        }
    }

    /// The target with its generation told: as given, or found out by
    /// connecting once (for a proxy, whose browser side must speak it
    /// before any browser comes).
    pub async fn resolved(mut self) -> Result<RemoteTarget> {
        if self.generation()?.is_none() {
            let client = self.client_builder()?.connect().await.map_err(|e| {
                let failed = failure(&Error::from(e));
                // What trying again cannot fix says what to change; the
                // rest may be a server not started yet.
                let hint = if failed.permanent {
                    ""
                } else {
                    " (check that the server runs at that URL, or give its generation: \
                     --generation 0.6 or 0.7, or the target's \"generation\")"
                };
                Error::Invalid(format!(
                    "cannot connect to {} to tell its generation: {}{hint}",
                    juggler::client::redacted(&self.url),
                    failed.reason
                ))
            })?;
            self.generation = generation_name(client.generation()).into();
            client.close();
        }
        Ok(self)
    }

    /// A client builder for this target: trust, Basic auth, a 10 s
    /// connect timeout.
    pub fn client_builder(&self) -> Result<ClientBuilder> {
        Ok(self.client_builder_for(self.generation()?))
    }

    fn client_builder_for(&self, generation: Option<Generation>) -> ClientBuilder {
        let trust = if self.insecure {
            Trust::AcceptAny
        } else if let Some(ca) = &self.ca_file {
            Trust::CaFile(ca.into())
        } else {
            Trust::System
        };
        let mut builder = ClientBuilder::new(&self.url)
            .trust(trust)
            .connect_timeout(Duration::from_secs(10));
        builder = match generation {
            Some(g) => builder.generation(g),
            None => builder.detect_generation(DETECT_LIMIT),
        };
        if let Some(user) = &self.user {
            builder = builder.basic_auth(user, self.password.clone().unwrap_or_default());
        }
        builder
    }
}

/// Connection status of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export_to = crate::ts::DIR)]
pub enum RemoteStatus {
    /// Trying to connect (attempt number from 1).
    Connecting {
        /// Attempt number.
        attempt: u32,
    },
    /// Connected.
    Connected,
    /// Not connected; retrying after `retryInMs` unless stopped.
    Disconnected {
        /// Why the last attempt or connection ended.
        reason: String,
        /// When the next attempt starts, if any.
        #[ts(type = "number | null")]
        retry_in_ms: Option<u64>,
    },
    /// Not retrying: what ended it cannot change by trying again (the
    /// certificate, the credentials, the path). `remote.reconnect` tries again.
    Stopped {
        /// Why, with what to change.
        reason: String,
    },
}

/// The hint where the target's trust is the fix.
const TRUST_HINT: &str = "choose \"Also a CA file\" (the target's caFile; --ca-file on the \
     command line) with the PEM file of its CA or of the certificate itself, or \"Accept any \
     certificate\" (insecure; --insecure; development only)";

/// Why a connect failed, in words; `permanent` when trying again cannot
/// help until the target or the server changes.
pub struct Failure {
    /// What went wrong, with what to change where that is known.
    pub reason: String,
    /// Trying again cannot help (refused credentials or certificate, a
    /// wrong path, TLS on one side only): waiting for the server is no use.
    pub permanent: bool,
}

/// Classifies a failed connect by the error's kind (never by its text).
pub fn failure(e: &Error) -> Failure {
    let Error::Juggler(j) = e else {
        return Failure {
            reason: e.to_string(),
            permanent: false,
        };
    };
    if let Some(refusal) = j.certificate_refused() {
        return Failure {
            reason: format!(
                "the server's certificate was refused: {refusal}; to connect anyway, {TRUST_HINT}"
            ),
            permanent: true,
        };
    }
    match j.http_status() {
        Some(401 | 403) => Failure {
            reason: e.to_string(),
            permanent: true,
        },
        Some(404) => Failure {
            reason: format!("{e} (no WebSocket at that path: check the URL's path, e.g. /ws)"),
            permanent: true,
        },
        // A redirect (the path lacks /ws), a server that is not a
        // WebSocket one, TLS on one side only: waiting changes none of them.
        _ => Failure {
            reason: e.to_string(),
            permanent: j.connect_failure().is_some_and(|kind| !kind.is_transient()),
        },
    }
}

/// Closes right after the handshake, before any message, that make the
/// status suggest the other generation (once could be a restarting server).
const QUIET_CLOSES: u32 = 2;

/// What a session reports.
pub trait RemoteSink: Send + Sync + 'static {
    /// The status changed.
    fn status(&self, session: &str, status: RemoteStatus);
    /// A new connection starts from `null`: forget the mirrored state.
    fn state_reset(&self, session: &str);
    /// A `state` message's diff, as the server sent it (apply it in order).
    fn state_diff(&self, session: &str, diff: &Value);
    /// A notification arrived.
    fn notification(&self, session: &str, name: &str, data: &Value);
    /// A ping's round-trip time.
    fn rtt(&self, session: &str, rtt: Duration);
    /// A message in or out, as JSON text (for the traffic log).
    fn traffic(&self, session: &str, t: &juggler::Tapped<'_>);
    /// The server's generation was told (the target said "auto").
    fn generation(&self, _session: &str, _generation: Generation) {}
}

/// A running session; dropping it does not stop it: call [`RemoteSession::stop`].
#[derive(Clone)]
pub struct RemoteSession {
    id: String,
    target: RemoteTarget,
    client: Arc<Mutex<Option<Client>>>,
    cancel: CancellationToken,
}

/// Back-off between reconnection attempts: 0.5 s doubling up to 10 s.
pub fn backoff(attempt: u32) -> Duration {
    let ms = 500u64.saturating_mul(1u64 << attempt.saturating_sub(1).min(5));
    Duration::from_millis(ms.min(10_000))
}

impl RemoteSession {
    /// Starts connecting to `target`; reports to `sink`.
    pub fn start(id: String, target: RemoteTarget, sink: Arc<dyn RemoteSink>) -> Result<Self> {
        let generation = target.generation()?;
        let session = RemoteSession {
            id,
            target,
            client: Arc::default(),
            cancel: CancellationToken::new(),
        };
        let task = session.clone();
        tokio::spawn(async move { task.run(generation, sink).await });
        Ok(session)
    }

    /// The session's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where it connects.
    pub fn target(&self) -> &RemoteTarget {
        &self.target
    }

    fn current(&self) -> Option<Client> {
        self.client
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Sends a request on the current connection.
    pub async fn send(&self, name: &str, data: Value) -> Result<Value> {
        let client = self.current().ok_or_else(|| {
            Error::Invalid(format!("remote session {} is not connected", self.id))
        })?;
        Ok(client.send(name, data).await?)
    }

    /// The generation the session speaks: its connection's, else the
    /// target's when told (`None` for "auto" before the first connection).
    pub fn generation(&self) -> Option<Generation> {
        match self.current() {
            Some(c) => Some(c.generation()),
            None => self.target.generation().ok().flatten(),
        }
    }

    /// The mirrored state, `null` while not connected.
    pub fn state(&self) -> Value {
        self.current()
            .map(|c| c.state().data())
            .unwrap_or(Value::Null)
    }

    /// Closes the connection and stops reconnecting.
    pub fn stop(&self) {
        self.cancel.cancel();
        if let Some(c) = self.current() {
            c.close();
        }
    }

    async fn run(self, mut generation: Option<Generation>, sink: Arc<dyn RemoteSink>) {
        let forced = generation;
        let mut attempt = 0u32;
        let mut quiet_closes = 0u32;
        while !self.cancel.is_cancelled() {
            attempt += 1;
            sink.status(&self.id, RemoteStatus::Connecting { attempt });
            let heard = Arc::new(AtomicBool::new(false));
            let mut reason = match self.connect(generation, &sink, &heard).await {
                Ok(client) => {
                    attempt = 0;
                    if generation.is_none() {
                        // Told once; reconnections need not ask again.
                        generation = Some(client.generation());
                        sink.generation(&self.id, client.generation());
                    }
                    sink.status(&self.id, RemoteStatus::Connected);
                    self.watch(&client, &sink).await;
                    *self.client.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    if heard.load(Ordering::Relaxed) {
                        quiet_closes = 0;
                    } else {
                        quiet_closes += 1;
                    }
                    client
                        .close_reason()
                        .unwrap_or_else(|| "connection closed".into())
                }
                Err(e) => {
                    let failure = failure(&e);
                    if failure.permanent && !self.cancel.is_cancelled() {
                        sink.status(
                            &self.id,
                            RemoteStatus::Stopped {
                                reason: failure.reason,
                            },
                        );
                        return;
                    }
                    failure.reason
                }
            };
            if self.cancel.is_cancelled() {
                // Removed or reconnected: its entry is no longer this task's.
                return;
            }
            // A server of the other generation cannot read the first message
            // of this one and closes before it sends anything this one reads.
            if let Some(forced) = forced.filter(|_| quiet_closes >= QUIET_CLOSES) {
                let other = match forced {
                    Generation::V06 => Generation::V07,
                    Generation::V07 => Generation::V06,
                };
                reason = format!(
                    "{reason} — right after connecting, before any message, {quiet_closes} times \
                     in a row: the server may speak juggler {}, not {} as this session was told; \
                     connect with generation \"auto\" to tell it from the server",
                    generation_name(other),
                    generation_name(forced),
                );
            }
            let wait = backoff(attempt.max(1));
            sink.status(
                &self.id,
                RemoteStatus::Disconnected {
                    reason,
                    retry_in_ms: Some(wait.as_millis() as u64),
                },
            );
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.cancel.cancelled() => return,
            }
        }
    }

    async fn connect(
        &self,
        generation: Option<Generation>,
        sink: &Arc<dyn RemoteSink>,
        heard: &Arc<AtomicBool>,
    ) -> Result<Client> {
        let mut builder = self.target.client_builder_for(generation);
        let (id, s) = (self.id.clone(), sink.clone());
        builder = builder.on_notify(move |name, data| s.notification(&id, &name, &data));
        let (id, s, heard) = (self.id.clone(), sink.clone(), heard.clone());
        builder = builder.on_traffic(move |t| {
            if t.direction == juggler::Direction::In {
                heard.store(true, Ordering::Relaxed);
            }
            s.traffic(&id, t);
            // The mirror follows the state messages the session receives.
            if let juggler::MessageView::State {
                diff: juggler::Patch::Value(diff),
            } = t.message
            {
                s.state_diff(&id, diff);
            }
        });
        sink.state_reset(&self.id);
        let client = tokio::select! {
            c = builder.connect() => c?,
            _ = self.cancel.cancelled() => return Err(Error::Invalid("stopped".into())),
        };
        *self.client.lock().unwrap_or_else(|e| e.into_inner()) = Some(client.clone());
        Ok(client)
    }

    /// Pings every few seconds until the connection ends or the session stops.
    async fn watch(&self, client: &Client, sink: &Arc<dyn RemoteSink>) {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tokio::select! {
                _ = client.wait_closed() => return,
                _ = self.cancel.cancelled() => {
                    client.close();
                    client.wait_closed().await;
                    return;
                }
                _ = tick.tick() => {
                    if let Ok(Ok(rtt)) = tokio::time::timeout(Duration::from_secs(10), client.ping()).await {
                        sink.rtt(&self.id, rtt);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling() {
        let got: Vec<_> = (1..=8).map(|a| backoff(a).as_millis()).collect();
        assert_eq!(got, vec![500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    }
}
