//! A dashboard's request: schema check, scenario, replay, then the rules; and what nothing answers.

use super::*;

impl Engine {
    /// What a request gets that nothing answers (see
    /// [`workspace::Workspace::unanswered`]).
    pub(super) fn unanswered(&self) -> workspace::Unanswered {
        let core = self.core();
        match core.workspace.unanswered {
            Some(choice) => choice,
            None if core.replay.is_some() => workspace::Unanswered::Null,
            None => workspace::Unanswered::Error,
        }
    }

    /// Says that nothing answered `req` and it got `null`: in serve's
    /// output and on the request's pair in the traffic log.
    pub(super) fn note_unanswered(&self, req: &RequestInfo) {
        const NOTE: &str = "nothing answers this request: answered null (add a rule, or set the \
                            workspace's \"unanswered\": \"error\")";
        tracing::warn!(request = %req.name, "{NOTE}");
        let peer = Peer::Connection(req.connection_id);
        self.inner
            .traffic
            .state()
            .log
            .annotate_pending(&peer, &req.name, &req.data, NOTE);
    }

    pub(super) async fn answer(
        &self,
        conn: Connection,
        name: String,
        data: Value,
    ) -> std::result::Result<Value, HandlerError> {
        let req = RequestInfo {
            name: name.clone(),
            data,
            connection_id: conn.id(),
            now: now_ms(),
        };
        self.check_request_schema(&req);
        if let Some(reply) = self.scenario_offer(&req) {
            return reply;
        }
        if let Some((success, data)) = self.replay_answer(&req.name, &req.data) {
            return if success {
                Ok(data)
            } else {
                Err(HandlerError(data))
            };
        }
        let decision = rules::decide(&mut self.core().rules, &req);
        let answer = match decision {
            Decision::NoRule => {
                let entry = json!(UnmatchedRequest {
                    time: req.now,
                    name: req.name.clone(),
                    data: req.data.clone(),
                    connection_id: req.connection_id,
                });
                self.push_recent(path!["unmatched"], |c| &mut c.unmatched, entry.clone());
                self.event("request.unmatched", entry);
                return match self.unanswered() {
                    workspace::Unanswered::Error => {
                        tracing::info!(request = %name, "no rule for request");
                        rules::no_rule_reply(&name)
                            .into_result()
                            .map_err(HandlerError)
                    }
                    workspace::Unanswered::Null => {
                        self.note_unanswered(&req);
                        Ok(Value::Null)
                    }
                };
            }
            Decision::Answer(a) => a,
        };
        if answer.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(u64::from(answer.delay_ms))).await;
        }
        for effect in answer.effects {
            match effect {
                Effect::SetState { path, value } => {
                    let target = if self.is_shared() {
                        Target::Shared
                    } else {
                        Target::Connection(conn.id())
                    };
                    self.edit(target, Edit::Set(path, value))
                        .map_err(|e| HandlerError::from(e.to_string()))?;
                }
                Effect::Notify { name, data, target } => {
                    let targets = match target {
                        NotifyTarget::Sender => vec![conn.id()],
                        NotifyTarget::All => Vec::new(),
                    };
                    self.notify(&name, data, &targets)
                        .await
                        .map_err(|e| HandlerError::from(e.to_string()))?;
                }
            }
        }
        answer.reply.into_result().map_err(HandlerError)
    }

    pub(super) fn is_shared(&self) -> bool {
        self.core().workspace.server.shared_state
    }

    pub(super) fn push_recent(
        &self,
        at: juggler::Path,
        list: impl FnOnce(&mut Core) -> &mut VecDeque<Value>,
        entry: Value,
    ) {
        let mut core = self.core();
        let l = list(&mut core);
        l.push_back(entry);
        while l.len() > RECENT {
            l.pop_front();
        }
        let all: Vec<_> = l.iter().cloned().collect();
        drop(core);
        self.inner.model.set(at, Value::Array(all));
    }
}
