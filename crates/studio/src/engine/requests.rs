//! A dashboard's request: schema check, scenario, replay, then the rules; and what nothing answers.

use std::time::Duration;

use juggler::server::{Connection, HandlerError};
use serde_json::{Value, json};

use super::{Edit, Engine, Peer, Target, now_ms};
use crate::dashboard::PathKey;
use crate::model::UnmatchedRequest;
use crate::rules::{self, Decision, Effect, NotifyTarget, RequestInfo};
use crate::workspace;

impl Engine {
    /// What a request gets that nothing answers (see
    /// [`workspace::Workspace::unanswered`]).
    pub(super) fn unanswered(&self) -> workspace::Unanswered {
        match self.inner.workspace.unanswered() {
            Some(choice) => choice,
            None if self.inner.requests.replaying() => workspace::Unanswered::Null,
            None => workspace::Unanswered::Error,
        }
    }

    /// The requests of the builder's `widgets` (each with its index in the
    /// dashboard) that no enabled rule answers now.
    pub fn unanswered_requests<'a>(
        &self,
        widgets: impl IntoIterator<Item = (usize, &'a crate::dashboard::Widget)>,
    ) -> Vec<crate::check::UnansweredRequest> {
        let state = self.inner.state.served();
        let is_array = |steps: &[PathKey]| {
            let steps: Vec<juggler::Step> = steps
                .iter()
                .map(|s| match s {
                    PathKey::Key(k) => juggler::Step::Key(k.clone()),
                    PathKey::Index(i) => {
                        juggler::Step::Index(i64::try_from(*i).unwrap_or(i64::MAX))
                    }
                })
                .collect();
            state.get(steps).is_some_and(|v| v.is_array())
        };
        crate::check::unanswered_requests(
            widgets,
            &self.inner.requests.rules(),
            "the workspace",
            Some(self.unanswered()),
            &is_array,
        )
    }

    /// Says that nothing answered `req` and it got `null`: in serve's
    /// output and on the request's pair in the traffic log.
    pub(super) fn note_unanswered(&self, req: &RequestInfo) {
        const NOTE: &str = "nothing answers this request: answered null (add a rule, or set the \
                            workspace's \"unanswered\": \"error\")";
        self.note_on_request(req, NOTE);
    }

    /// `note` in serve's output and on `req`'s pair in the traffic log.
    fn note_on_request(&self, req: &RequestInfo, note: &str) {
        tracing::warn!(request = %req.name, "{note}");
        let peer = Peer::Connection(req.connection_id);
        self.inner
            .traffic
            .state()
            .log
            .annotate_pending(&peer, &req.name, &req.data, note);
    }

    /// Says that the answering rule's placeholders found nothing in `req`
    /// (a client sending `55` to a rule that reads `{{data.value}}` got
    /// null without a word): in serve's output and on the request's pair
    /// in the traffic log.
    fn note_missing(&self, req: &RequestInfo, answer: &crate::rules::Answer) {
        let note = format!(
            "rule {}: {} found nothing in this request (null or no text in its place): check \
             what the dashboard sends, or the rule",
            answer.rule_id,
            answer.missing.join(", ")
        );
        self.note_on_request(req, &note);
    }

    pub(super) async fn answer(
        &self,
        conn: Connection,
        name: String,
        data: Value,
    ) -> std::result::Result<Value, HandlerError> {
        let req = RequestInfo {
            name,
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
        let answer = match self.inner.requests.decide(&req) {
            Decision::NoRule => return self.no_rule(&req),
            Decision::Answer(a) => a,
        };
        if !answer.missing.is_empty() {
            self.note_missing(&req, &answer);
        }
        if answer.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(u64::from(answer.delay_ms))).await;
        }
        for effect in answer.effects {
            self.run_effect(conn.id(), effect)
                .await
                .map_err(|e| HandlerError::from(e.to_string()))?;
        }
        answer.reply.into_result().map_err(HandlerError)
    }

    /// A request no rule matched: listed at `/unmatched`, told as
    /// `request.unmatched`, answered as the workspace says.
    fn no_rule(&self, req: &RequestInfo) -> std::result::Result<Value, HandlerError> {
        let entry = UnmatchedRequest {
            time: req.now,
            name: req.name.clone(),
            data: req.data.clone(),
            connection_id: req.connection_id,
        };
        let event = json!(entry);
        self.inner.requests.unmatched(entry);
        self.event("request.unmatched", event);
        match self.unanswered() {
            workspace::Unanswered::Error => {
                tracing::info!(request = %req.name, "no rule for request");
                rules::no_rule_reply(&req.name)
                    .into_result()
                    .map_err(HandlerError)
            }
            workspace::Unanswered::Null => {
                self.note_unanswered(req);
                Ok(Value::Null)
            }
        }
    }

    /// What a rule does besides answering, for the request of connection
    /// `conn`.
    async fn run_effect(&self, conn: u64, effect: Effect) -> crate::error::Result<()> {
        match effect {
            Effect::SetState { path, value } => {
                let target = if self.is_shared() {
                    Target::Shared
                } else {
                    Target::Connection(conn)
                };
                self.edit_by(target, Edit::Set(path, value), "a request rule")
            }
            Effect::Notify { name, data, target } => {
                let targets = match target {
                    NotifyTarget::Sender => vec![conn],
                    NotifyTarget::All => Vec::new(),
                };
                self.notify(&name, data, &targets).await.map(|_| ())
            }
        }
    }

    pub(super) fn is_shared(&self) -> bool {
        self.inner.workspace.shared_state()
    }
}
