//! A recording made after the fact from the traffic log: what one browser
//! of a proxy exchanged with the real back end, so a live proxy session can
//! become a mock without having been recorded.

use crate::error::{Error, Result};
use crate::recording::{Entry, Event, Header, Recording};
use crate::traffic::TrafficEntry;

/// A session rebuilt from the log, and what of it the log left out.
pub struct Session {
    /// The recording.
    pub recording: Recording,
    /// The names of the requests whose data or answer the log left out
    /// (larger than its per-message limit), each once, in the order seen:
    /// the recording holds no answer to them, so they get no rule.
    pub too_big: Vec<String>,
}

/// The recording of one connection's whole session (its entries, oldest
/// first, from its first: see [`crate::traffic::TrafficLog::session`]). A
/// connection starts from a `null` state; a recording starts with its
/// whole state, so one is put first when the session's first entry is not.
pub fn recording_of(header: Header, entries: &[&TrafficEntry]) -> Result<Session> {
    if let Some(big) = entries
        .iter()
        .find(|e| e.data_truncated && e.kind == crate::traffic::TrafficKind::State)
    {
        return Err(Error::Invalid(format!(
            "a state message of {} (#{}, {} bytes) was larger than the traffic log keeps, so \
             the states after it cannot be rebuilt: record the session (Record) and make the \
             workspace from the recording, or raise the log's data limit",
            header.source, big.seq, big.size
        )));
    }
    let t0 = entries.first().map_or(0.0, |e| e.time_ms);
    let mut out = Vec::with_capacity(entries.len() + 1);
    if !entries.first().is_some_and(|e| starts_whole(e)) {
        out.push(Entry {
            t: 0.0,
            event: Event::State {
                diff: serde_json::json!([{"op": "replace", "path": "", "value": null}]),
            },
        });
    }
    out.extend(entries.iter().filter_map(|e| {
        Some(Entry {
            t: (e.time_ms - t0).max(0.0),
            event: event_of(e)?,
        })
    }));
    Ok(Session {
        recording: Recording {
            header,
            entries: out,
            truncated_tail: false,
        },
        too_big: too_big(entries),
    })
}

/// The names of the requests of `entries` left out of the log, or whose
/// answer was (see [`Session::too_big`]).
fn too_big(entries: &[&TrafficEntry]) -> Vec<String> {
    use crate::traffic::TrafficKind;
    let request_name = |id: Option<u64>| {
        entries
            .iter()
            .find(|e| e.kind == TrafficKind::Request && e.request_id == id)
            .and_then(|e| e.name.clone())
    };
    let mut names: Vec<String> = Vec::new();
    for e in entries.iter().filter(|e| e.data_truncated) {
        let name = match e.kind {
            TrafficKind::Request => e.name.clone(),
            TrafficKind::Response => request_name(e.request_id),
            _ => None,
        };
        if let Some(name) = name.filter(|n| !n.is_empty() && !names.contains(n)) {
            names.push(name);
        }
    }
    names
}

/// Whether `entry` is a state message that replaces the whole state.
fn starts_whole(entry: &TrafficEntry) -> bool {
    !entry.data_truncated
        && entry.kind == crate::traffic::TrafficKind::State
        && entry
            .data
            .get(0)
            .is_some_and(|op| op["op"] == "replace" && op["path"] == "")
}

/// The recording's event of a log entry; `None` for a request or an answer
/// whose data was left out (that request then gets no rule).
pub(crate) fn event_of(e: &TrafficEntry) -> Option<Event> {
    let frame = crate::traffic::Frame {
        time_ms: e.time_ms,
        peer: e.peer.clone(),
        direction: e.direction,
        kind: e.kind,
        name: e.name.clone(),
        request_id: e.request_id,
        success: e.success,
        data: e.data.clone(),
        size: e.size,
    };
    if e.data_truncated {
        return None;
    }
    Event::from_frame(frame)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::traffic::{Direction, Peer, TrafficKind};

    fn entry(seq: u64, kind: TrafficKind, data: Value) -> TrafficEntry {
        TrafficEntry {
            seq,
            time_ms: 1000.0 + seq as f64,
            peer: Peer::Connection(1),
            direction: Direction::Out,
            kind,
            name: (kind == TrafficKind::Request).then(|| "go".to_owned()),
            request_id: matches!(kind, TrafficKind::Request | TrafficKind::Response).then_some(1),
            success: (kind == TrafficKind::Response).then_some(true),
            data,
            data_truncated: false,
            size: 10,
            pair: None,
            rtt_ms: None,
            note: None,
        }
    }

    /// An entry whose data the log left out.
    fn left_out(seq: u64, kind: TrafficKind) -> TrafficEntry {
        TrafficEntry {
            data_truncated: true,
            ..entry(seq, kind, Value::Null)
        }
    }

    /// A first state of `1`.
    fn first_state() -> TrafficEntry {
        entry(
            1,
            TrafficKind::State,
            json!([{"op": "replace", "path": "", "value": 1}]),
        )
    }

    fn header() -> Header {
        Header::new("0.7", None, "proxy p1 connection 1")
    }

    #[test]
    fn a_session_whose_first_state_comes_after_an_answer_starts_from_it() {
        let entries = [
            entry(1, TrafficKind::Request, json!({"x": 1})),
            entry(2, TrafficKind::Response, json!("ok")),
            entry(
                3,
                TrafficKind::State,
                json!([{"op": "replace", "path": "", "value": {"a": 1}}]),
            ),
        ];
        let rec = recording_of(header(), &entries.iter().collect::<Vec<_>>())
            .expect("made")
            .recording;
        assert_eq!(rec.entries.len(), 4);
        assert_eq!(
            rec.entries[0].event,
            Event::State {
                diff: json!([{"op": "replace", "path": "", "value": null}])
            }
        );
        assert_eq!(rec.entries[3].t, 2.0);
        // The back end's first state came after the first answer (as a
        // hat-juggler server's does, its autoflush delay later): it is the
        // mock's initial state, not what the request did.
        let ws = crate::mock::workspace_from(&rec, crate::mock::Answers::Latest).expect("mock");
        assert_eq!(ws.initial_state, json!({"a": 1}));
        assert_eq!(ws.rules.len(), 1, "{:?}", ws.rules);
        assert_eq!(
            ws.rules[0].action,
            crate::rules::Action::Respond { value: json!("ok") }
        );
    }

    #[test]
    fn a_state_left_out_of_the_log_is_refused() {
        let entries = [first_state(), left_out(2, TrafficKind::State)];
        let refused = recording_of(header(), &entries.iter().collect::<Vec<_>>());
        assert!(
            refused.is_err_and(|e| e.to_string().contains("larger than the traffic log keeps")),
        );
    }

    #[test]
    fn a_request_whose_answer_the_log_left_out_is_named() {
        let entries = [
            first_state(),
            entry(2, TrafficKind::Request, json!({"x": 1})),
            left_out(3, TrafficKind::Response),
        ];
        let session = recording_of(header(), &entries.iter().collect::<Vec<_>>()).expect("made");
        assert_eq!(session.too_big, vec!["go".to_owned()]);
    }
}
