//! The remote sessions service: the studio as a client of other juggler
//! servers, published at `/remotes`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};

use super::{Engine, Peer, Publisher, now_ms};
use crate::error::{Error, Result};
use crate::model::{ReceivedNotification, RemoteInfo, RemoteNotify, SentRequest};
use crate::remote::{RemoteSession, RemoteSink, RemoteStatus, RemoteTarget};
use crate::workspace;

/// The sessions by id.
pub(super) struct Remotes {
    sessions: Mutex<Sessions>,
    publish: Publisher,
}

#[derive(Default)]
struct Sessions {
    by_id: HashMap<String, RemoteSession>,
    /// The number in the next session's id (`r1`, `r2`…).
    next: u64,
}

impl Remotes {
    pub(super) fn new(publish: Publisher) -> Remotes {
        Remotes {
            sessions: Mutex::new(Sessions {
                by_id: HashMap::new(),
                next: 1,
            }),
            publish,
        }
    }

    fn sessions(&self) -> MutexGuard<'_, Sessions> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new session's id.
    fn next_id(&self) -> String {
        let mut sessions = self.sessions();
        let id = format!("r{}", sessions.next);
        sessions.next += 1;
        id
    }

    /// The session `id`.
    pub(super) fn get(&self, id: &str) -> Result<RemoteSession> {
        self.sessions()
            .by_id
            .get(id)
            .cloned()
            .ok_or_else(|| no_session(id))
    }

    fn remove(&self, id: &str) -> Result<RemoteSession> {
        let session = self
            .sessions()
            .by_id
            .remove(id)
            .ok_or_else(|| no_session(id))?;
        self.publish.remotes().gone(id);
        Ok(session)
    }

    /// Takes every session out (the engine shuts down).
    pub(super) fn drain(&self) -> Vec<RemoteSession> {
        let all = self.sessions().by_id.drain().map(|(_, s)| s).collect();
        self.publish.remotes().clear();
        all
    }
}

fn no_session(id: &str) -> Error {
    Error::Invalid(format!("no remote session {id:?}"))
}

impl Engine {
    /// Connects a remote session; returns its id.
    pub fn remote_connect(&self, target: RemoteTarget) -> Result<String> {
        let remotes = &self.inner.remotes;
        let id = remotes.next_id();
        // Published first: the session's reports update its entry.
        remotes.publish.remotes().put(
            &id,
            &RemoteInfo {
                id: id.clone(),
                target: target.clone(),
                status: RemoteStatus::Connecting { attempt: 1 },
                rtt_ms: None,
                state: Value::Null,
                notifications: Vec::new(),
                requests: Vec::new(),
            },
        );
        let sink: Arc<dyn RemoteSink> = Arc::new(self.clone());
        let session = match RemoteSession::start(id.clone(), target, sink) {
            Ok(session) => session,
            Err(e) => {
                remotes.publish.remotes().gone(&id);
                return Err(e);
            }
        };
        remotes.sessions().by_id.insert(id.clone(), session);
        Ok(id)
    }

    /// Connects a remote session again from scratch (after it stopped on a
    /// failure that retrying could not fix, once that is fixed), to
    /// `target` when given: the session keeps its id, tab, history and
    /// recordings. A `target` with no password keeps the session's for the
    /// same user, and one whose generation is the one the session detected
    /// keeps "auto" (the form shows what was detected, and gets no password
    /// back).
    pub fn remote_reconnect(&self, id: &str, target: Option<RemoteTarget>) -> Result<()> {
        let remotes = &self.inner.remotes;
        // Under the lock: a disconnect meanwhile must not see it come back.
        let mut sessions = remotes.sessions();
        let old = sessions.by_id.get(id).ok_or_else(|| no_session(id))?;
        let target = match target {
            None => old.target().clone(),
            Some(mut target) => {
                let was = old.target();
                if target.password.is_none() && target.user == was.user {
                    target.password = was.password.clone();
                }
                let detected = self.inner.publish.remote_shown_generation(id);
                if was.generation == crate::remote::AUTO
                    && detected.as_deref() == Some(target.generation.as_str())
                {
                    target.generation = crate::remote::AUTO.into();
                }
                // A form that cannot connect leaves the session as it was.
                target.generation()?;
                target
            }
        };
        old.stop();
        if &target != old.target() {
            remotes.publish.remote_target(id, &target);
        }
        let sink: Arc<dyn RemoteSink> = Arc::new(self.clone());
        let session = RemoteSession::start(id.to_owned(), target, sink)?;
        sessions.by_id.insert(id.to_owned(), session);
        Ok(())
    }

    /// Stops a remote session and forgets it.
    pub fn remote_disconnect(&self, id: &str) -> Result<()> {
        self.inner.remotes.remove(id)?.stop();
        self.record_stop_peer(&Peer::Remote(id.to_owned()));
        Ok(())
    }

    /// The value at `path` of a remote session's state as pretty-printed
    /// JSON text, numbers exactly as the remote sent them (see
    /// `state_text`).
    pub fn remote_text(&self, id: &str, path: &juggler::Path) -> Result<String> {
        self.inner.remotes.get(id)?;
        let mut steps = vec![
            juggler::Step::from("remotes"),
            juggler::Step::from(id),
            juggler::Step::from("state"),
        ];
        steps.extend_from_slice(path.steps());
        self.model()
            .read(|model| super::state::text_at(model, &steps, path))
    }

    /// Sends a request on a remote session.
    pub async fn remote_send(&self, id: &str, name: &str, data: Value) -> Result<Value> {
        let session = self.inner.remotes.get(id)?;
        let time = now_ms();
        let started = std::time::Instant::now();
        let result = session.send(name, data.clone()).await;
        let (success, answer) = match &result {
            Ok(v) => (Some(true), v.clone()),
            Err(Error::Juggler(juggler::Error::Juggler(v))) => (Some(false), v.clone()),
            Err(e) => (None, Value::String(e.to_string())),
        };
        let entry = SentRequest {
            time,
            name: name.to_owned(),
            data,
            success,
            answer,
            rtt_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        // Whole: two answers arriving together both land.
        self.inner.publish.remote_request(id, &entry);
        result
    }

    /// Replaces the remote-server bookmarks (saved with the workspace).
    pub fn set_remote_bookmarks(&self, bookmarks: Value) -> Result<()> {
        let bookmarks: Vec<workspace::RemoteBookmark> = crate::json::from_value(&bookmarks)
            .map_err(|e| Error::serde("invalid bookmarks", "remotes", &e))?;
        if let Some((i, b)) = bookmarks
            .iter()
            .enumerate()
            .find(|(_, b)| !(b.url.starts_with("ws://") || b.url.starts_with("wss://")))
        {
            let detail = "the url must start with ws:// or wss://";
            return Err(Error::Field {
                field: format!("remotes[{i}].url"),
                detail: detail.into(),
                text: format!("invalid bookmarks: {:?}: {detail}", b.name),
            });
        }
        self.inner.workspace.set_remote_bookmarks(bookmarks);
        Ok(())
    }
}

impl RemoteSink for Engine {
    fn generation(&self, session: &str, generation: juggler::Generation) {
        let name = crate::remote::generation_name(generation);
        self.inner.publish.remote_generation(session, name);
    }

    fn status(&self, session: &str, status: RemoteStatus) {
        self.inner.publish.remote_status(session, &status);
    }

    fn state_reset(&self, session: &str) {
        self.inner.publish.remote_state_reset(session);
    }

    fn state_diff(&self, session: &str, diff: &Value) {
        if let Err(e) = self.inner.publish.remote_state_diff(session, diff) {
            tracing::warn!(session, "remote state diff did not apply to the model: {e}");
        }
    }

    fn notification(&self, session: &str, name: &str, data: &Value) {
        let received = ReceivedNotification {
            time: now_ms(),
            name: name.to_owned(),
            data: data.clone(),
        };
        self.inner.publish.remote_notification(session, &received);
        self.event(
            "remote.notify",
            json!(RemoteNotify {
                session: session.to_owned(),
                name: name.to_owned(),
                data: data.clone(),
            }),
        );
    }

    fn rtt(&self, session: &str, rtt: Duration) {
        let ms = rtt.as_secs_f64() * 1000.0;
        self.inner.publish.remote_rtt(session, ms);
    }

    fn traffic(&self, session: &str, t: &juggler::Tapped<'_>) {
        Engine::traffic(self, Peer::Remote(session.to_owned()), t);
    }
}
