//! The protocol state of a client connection, without I/O: request ids,
//! the replies owed, and what each incoming message means. The task in
//! [`super`] moves the bytes.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::link::End;
use crate::message::Message;
use crate::storage::Storage;
use crate::tap::MessageView;

/// What an incoming message asks of the driver.
#[derive(Debug)]
pub(crate) enum Received<R> {
    /// Hand this reply its result.
    Answer(R, Result<Value>),
    /// Hand the application a notification.
    Notify(String, Value),
    /// Nothing (a state change, already applied to the mirror; a response
    /// to no request of ours, ignored as the reference does).
    Nothing,
}

/// Request ids and the replies owed; `R` is whatever carries a result back
/// to the caller (a oneshot sender in the driver).
pub(crate) struct ClientCore<R> {
    state: Storage,
    max_depth: usize,
    next_id: u64,
    pending: HashMap<u64, R>,
}

impl<R> ClientCore<R> {
    pub(crate) fn new(state: Storage, max_depth: usize) -> Self {
        ClientCore {
            state,
            max_depth,
            next_id: 1,
            pending: HashMap::new(),
        }
    }

    /// A request to send: its text; `reply` gets its answer.
    pub(crate) fn request(&mut self, name: &str, data: &Value, reply: R) -> String {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id, reply);
        Message::encode_request(id, name, data)
    }

    /// The id of the last request.
    pub(crate) fn last_id(&self) -> u64 {
        self.next_id - 1
    }

    /// Requests sent and not yet answered.
    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }

    /// One whole incoming message; an error closes the connection.
    /// `observe` sees it as decoded (a traffic tap), before anything else.
    pub(crate) fn receive(
        &mut self,
        text: &str,
        observe: impl FnOnce(MessageView<'_>),
    ) -> std::result::Result<Received<R>, End> {
        let msg = Message::decode_with_depth(text, self.max_depth)
            .map_err(|e| End::Protocol(e.to_string()))?;
        observe(MessageView::of(&msg));
        match msg {
            Message::Response { id, success, data } => {
                // A response to an id we never sent (or already answered) is
                // ignored, as the reference does.
                let Some(reply) = id.as_u64().and_then(|id| self.pending.remove(&id)) else {
                    return Ok(Received::Nothing);
                };
                let result = if success {
                    Ok(data)
                } else {
                    Err(Error::Juggler(data))
                };
                Ok(Received::Answer(reply, result))
            }
            Message::State { diff } => {
                self.state
                    .patch_owned(diff)
                    .map_err(|e| End::Protocol(format!("state diff does not apply: {e}")))?;
                Ok(Received::Nothing)
            }
            Message::Notify { name, data } => Ok(Received::Notify(name, data)),
            Message::Request { .. } => Err(End::Protocol(
                "unexpected request: a server sends no requests".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Clone)]
    enum Event {
        Send,
        /// A response to the `n`th id ever sent (maybe unsent, maybe
        /// answered already), successful or not.
        Respond(u8, bool),
        Set(u8, i64),
        Notify(u8),
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            3 => Just(Event::Send),
            3 => (0u8..24, any::<bool>()).prop_map(|(n, ok)| Event::Respond(n, ok)),
            2 => (0u8..4, any::<i64>()).prop_map(|(k, v)| Event::Set(k, v)),
            1 => any::<u8>().prop_map(Event::Notify),
        ]
    }

    proptest! {
        /// Each request gets exactly its own answer once; responses to ids
        /// never sent or already answered change nothing; state diffs build
        /// the server's state; notifications pass through in order.
        #[test]
        fn every_request_gets_its_own_answer_once(
            events in proptest::collection::vec(event(), 0..80),
        ) {
            let mirror = Storage::new();
            let mut core = ClientCore::<u64>::new(mirror.clone(), 64);
            let server = Storage::new();
            let _tracker = server.track();
            let mut expected_notes = Vec::new();
            let mut synced = None;
            let mut sent = 0u64;
            let mut answered = std::collections::HashSet::new();
            let mut notes = Vec::new();
            for e in events {
                let text = match e {
                    Event::Send => {
                        sent += 1;
                        let text = core.request("x", &json!(sent), sent);
                        let msg = Message::decode(&text).expect("a request");
                        let Message::Request { id, .. } = msg else { panic!("{text}") };
                        prop_assert_eq!(id.as_u64(), Some(sent), "ids count from 1");
                        continue;
                    }
                    Event::Respond(n, ok) => {
                        let id = u64::from(n) + 1;
                        Message::encode_response(&id.into(), ok, &json!(id))
                    }
                    Event::Set(k, v) => {
                        server.set(crate::path![format!("k{k}")], json!(v));
                        let (version, text) = server.catch_up(synced);
                        synced = Some(version);
                        match text {
                            Some(t) => t.to_string(),
                            None => continue,
                        }
                    }
                    Event::Notify(n) => {
                        expected_notes.push(json!(n));
                        Message::encode_notify("n", &json!(n))
                    }
                };
                match core.receive(&text, |_| {}).expect("valid") {
                    Received::Answer(reply, result) => {
                        let Message::Response { id, success, .. } =
                            Message::decode(&text).expect("response") else { panic!() };
                        prop_assert_eq!(Some(reply), id.as_u64(), "its own answer");
                        prop_assert!(reply <= sent && answered.insert(reply), "once");
                        prop_assert_eq!(result.is_ok(), success);
                    }
                    Received::Notify(_, data) => notes.push(data),
                    Received::Nothing => {}
                }
            }
            prop_assert_eq!(core.pending() as u64, sent - answered.len() as u64);
            prop_assert_eq!(mirror.data(), server.data());
            prop_assert_eq!(notes, expected_notes);
        }
    }

    #[test]
    fn a_server_that_sends_a_request_is_a_protocol_error() {
        let mut core = ClientCore::<()>::new(Storage::new(), 64);
        let text = r#"{"type":"request","id":1,"name":"x","data":null}"#;
        assert!(matches!(core.receive(text, |_| {}), Err(End::Protocol(_))));
    }
}
