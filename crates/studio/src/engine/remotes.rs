//! Remote sessions: the studio as a client of other juggler servers.

use super::*;

impl Engine {
    /// Connects a remote session; returns its id.
    pub fn remote_connect(&self, target: RemoteTarget) -> Result<String> {
        let id = {
            let mut core = self.core();
            let id = format!("r{}", core.next_remote);
            core.next_remote += 1;
            id
        };
        self.inner.model.set(
            path!["remotes", id.as_str()],
            json!(RemoteInfo {
                id: id.clone(),
                target: target.clone(),
                status: RemoteStatus::Connecting { attempt: 1 },
                rtt_ms: None,
                state: Value::Null,
                notifications: Vec::new(),
                requests: Vec::new(),
            }),
        );
        let sink: Arc<dyn RemoteSink> = Arc::new(self.clone());
        let session = match RemoteSession::start(id.clone(), target, sink) {
            Ok(session) => session,
            Err(e) => {
                self.inner.model.remove(path!["remotes", id.as_str()]);
                return Err(e);
            }
        };
        self.core().remotes.insert(id.clone(), session);
        Ok(id)
    }

    /// Stops a remote session and forgets it.
    pub fn remote_disconnect(&self, id: &str) -> Result<()> {
        let session = self
            .core()
            .remotes
            .remove(id)
            .ok_or_else(|| Error::Invalid(format!("no remote session {id:?}")))?;
        session.stop();
        self.inner.model.remove(path!["remotes", id]);
        self.record_stop_peer(&Peer::Remote(id.to_owned()));
        Ok(())
    }

    /// Sends a request on a remote session.
    pub async fn remote_send(&self, id: &str, name: &str, data: Value) -> Result<Value> {
        let session = self
            .core()
            .remotes
            .get(id)
            .cloned()
            .ok_or_else(|| Error::Invalid(format!("no remote session {id:?}")))?;
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
        let at = path!["remotes", id, "requests"];
        // Under the engine's lock: two answers arriving together both land.
        let core = self.core();
        if let Some(Value::Array(mut list)) = self.inner.model.get(&at) {
            list.push(json!(entry));
            let excess = list.len().saturating_sub(RECENT);
            list.drain(..excess);
            self.inner.model.set(&at, Value::Array(list));
        }
        drop(core);
        result
    }

    /// Replaces the remote-server bookmarks (saved with the workspace).
    pub fn set_remote_bookmarks(&self, bookmarks: Value) -> Result<()> {
        let bookmarks: Vec<workspace::RemoteBookmark> = serde_path_to_error::deserialize(bookmarks)
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
        self.core().workspace.remotes = bookmarks.clone();
        self.inner
            .model
            .set(path!["workspace", "remotes"], json!(bookmarks));
        Ok(())
    }
}

impl RemoteSink for Engine {
    fn generation(&self, session: &str, generation: juggler::Generation) {
        if self.inner.model.get(path!["remotes", session]).is_some() {
            self.inner.model.set(
                path!["remotes", session, "target", "generation"],
                json!(crate::remote::generation_name(generation)),
            );
        }
    }

    fn status(&self, session: &str, status: RemoteStatus) {
        if self.inner.model.get(path!["remotes", session]).is_some() {
            self.inner
                .model
                .set(path!["remotes", session, "status"], json!(status));
        }
    }

    fn state_reset(&self, session: &str) {
        if self.inner.model.get(path!["remotes", session]).is_some() {
            self.inner
                .model
                .set(path!["remotes", session, "state"], Value::Null);
        }
    }

    fn state_diff(&self, session: &str, diff: &Value) {
        let edit = Edit::Patch(diff.clone()).under(&path!["remotes", session, "state"]);
        if let Err(e) = apply(&self.inner.model, &edit) {
            tracing::warn!(session, "remote state diff did not apply to the model: {e}");
        }
    }

    fn notification(&self, session: &str, name: &str, data: &Value) {
        let entry = json!(ReceivedNotification {
            time: now_ms(),
            name: name.to_owned(),
            data: data.clone(),
        });
        let at = path!["remotes", session, "notifications"];
        if let Some(Value::Array(mut list)) = self.inner.model.get(&at) {
            list.push(entry.clone());
            let excess = list.len().saturating_sub(RECENT);
            list.drain(..excess);
            self.inner.model.set(&at, Value::Array(list));
        }
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
        if self.inner.model.get(path!["remotes", session]).is_some() {
            self.inner.model.set(
                path!["remotes", session, "rttMs"],
                json!(rtt.as_secs_f64() * 1000.0),
            );
        }
    }

    fn traffic(&self, session: &str, t: &juggler::Tapped<'_>) {
        Engine::traffic(self, Peer::Remote(session.to_owned()), t);
    }
}
