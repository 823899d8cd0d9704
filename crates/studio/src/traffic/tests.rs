use super::*;
use serde_json::json;

fn frame(
    time_ms: f64,
    peer: Peer,
    kind: TrafficKind,
    name: Option<&str>,
    id: Option<u64>,
    data: Value,
) -> Frame {
    let direction = match (&peer, kind) {
        (Peer::Connection(_), TrafficKind::Request) | (Peer::Remote(_), TrafficKind::Response) => {
            Direction::In
        }
        (Peer::Remote(_), TrafficKind::State | TrafficKind::Notify) => Direction::In,
        _ => Direction::Out,
    };
    let size = data.to_string().len() + 40;
    Frame {
        time_ms,
        peer,
        direction,
        kind,
        name: name.map(str::to_owned),
        request_id: id,
        success: (kind == TrafficKind::Response).then_some(true),
        data,
        size,
    }
}

fn request(t: f64, peer: Peer, name: &str, id: u64, data: Value) -> Frame {
    frame(t, peer, TrafficKind::Request, Some(name), Some(id), data)
}

fn response(t: f64, peer: Peer, id: u64, data: Value) -> Frame {
    frame(t, peer, TrafficKind::Response, None, Some(id), data)
}

const C1: Peer = Peer::Connection(1);
const C2: Peer = Peer::Connection(2);

fn r1() -> Peer {
    Peer::Remote("plant".into())
}

#[test]
fn responses_pair_with_their_requests() {
    let mut log = TrafficLog::default();
    log.push(request(1000.0, C1, "a", 1, json!(null)));
    log.push(request(1001.0, C2, "b", 1, json!(null)));
    log.push(request(1002.0, C1, "c", 2, json!(null)));
    // Same id, other peer: pairs with C2's request, not C1's.
    let r = log
        .push(response(1010.5, C2, 1, json!("B")))
        .expect("recorded")
        .clone();
    assert_eq!((r.seq, r.pair, r.rtt_ms), (4, Some(2), Some(9.5)));
    let r = log
        .push(response(1020.0, C1, 2, json!("C")))
        .expect("recorded")
        .clone();
    assert_eq!((r.pair, r.rtt_ms), (Some(3), Some(18.0)));
    let req = log.get(2).expect("held");
    assert_eq!((req.pair, req.rtt_ms), (Some(4), Some(9.5)));
    // A response with no request (or a second one) stays unpaired.
    let r = log
        .push(response(1030.0, C1, 2, json!("again")))
        .expect("recorded");
    assert_eq!((r.pair, r.rtt_ms), (None, None));
    assert_eq!(
        log.get(1).expect("held").pair,
        None,
        "request 1 of C1 unanswered"
    );
    // Remote sessions pair the same way, requests going out.
    log.push(request(2000.0, r1(), "ping", 7, json!(null)));
    let r = log
        .push(response(2003.0, r1(), 7, json!(null)))
        .expect("recorded");
    assert_eq!(r.rtt_ms, Some(3.0));
    assert_eq!(r.direction, Direction::In);
}

#[test]
fn the_ring_is_bounded_by_entries() {
    let mut log = TrafficLog::new(TrafficLimits {
        max_entries: 3,
        ..TrafficLimits::default()
    });
    for i in 0..10 {
        log.push(frame(
            f64::from(i),
            C1,
            TrafficKind::Notify,
            Some("n"),
            None,
            json!(i),
        ));
    }
    let seqs: Vec<u64> = log.entries().map(|e| e.seq).collect();
    assert_eq!(seqs, [8, 9, 10]);
    assert_eq!(log.get(7), None);
    assert_eq!(log.get(9).map(|e| e.data.clone()), Some(json!(8)));
    let since: Vec<u64> = log.since(8).map(|e| e.seq).collect();
    assert_eq!(since, [9, 10]);
    assert_eq!(log.since(0).count(), 3);
    assert_eq!(log.since(u64::MAX).count(), 0);
    // A response whose request left the ring still gets its round trip.
    let mut log = TrafficLog::new(TrafficLimits {
        max_entries: 2,
        ..TrafficLimits::default()
    });
    log.push(request(0.0, C1, "slow", 1, json!(null)));
    log.push(frame(1.0, C1, TrafficKind::State, None, None, json!([])));
    log.push(frame(2.0, C1, TrafficKind::State, None, None, json!([])));
    let r = log
        .push(response(5.0, C1, 1, json!(null)))
        .expect("recorded");
    assert_eq!((r.pair, r.rtt_ms), (Some(1), Some(5.0)));
}

#[test]
fn the_ring_is_bounded_by_bytes_and_trims_big_data() {
    let limits = TrafficLimits {
        max_entries: 1000,
        max_bytes: 10_000,
        max_data_bytes: 3000,
    };
    let mut log = TrafficLog::new(limits);
    let big = json!("x".repeat(2000));
    for i in 0..10 {
        log.push(frame(
            f64::from(i),
            C1,
            TrafficKind::Notify,
            Some("n"),
            None,
            big.clone(),
        ));
    }
    let s = log.status();
    assert!(s.bytes <= 10_000, "{s:?}");
    assert_eq!(s.entries, 4, "{s:?}");
    let huge = log
        .push(frame(
            10.0,
            C1,
            TrafficKind::Notify,
            Some("huge"),
            None,
            json!("y".repeat(5000)),
        ))
        .expect("recorded");
    assert!(huge.data_truncated);
    assert_eq!(huge.data, Value::Null);
    assert_eq!(huge.size, 5042);
    // One entry bigger than every bound is still kept: the newest stays.
    log.set_limits(TrafficLimits {
        max_entries: 1000,
        max_bytes: 10,
        max_data_bytes: 3000,
    });
    assert_eq!(log.status().entries, 1);
}

#[test]
fn filters_and_search() {
    let mut log = TrafficLog::default();
    log.push(request(0.0, C1, "user.get", 1, json!({"id": 5})));
    log.push(response(1.0, C1, 1, json!({"name": "Ana Lopez"})));
    log.push(frame(
        2.0,
        C2,
        TrafficKind::State,
        None,
        None,
        json!([{"op": "replace", "path": "/x", "value": 1}]),
    ));
    log.push(frame(
        3.0,
        C2,
        TrafficKind::Notify,
        Some("Alarm"),
        None,
        json!({"level": 3}),
    ));
    log.push(request(4.0, r1(), "user.set", 9, json!({"name": "ana"})));
    let seqs = |f: &TrafficFilter| log.filtered(f).map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(&TrafficFilter::default()), [1, 2, 3, 4, 5]);
    let kinds = TrafficFilter {
        kinds: vec![TrafficKind::Request, TrafficKind::Notify],
        ..Default::default()
    };
    assert_eq!(seqs(&kinds), [1, 4, 5]);
    let name = TrafficFilter {
        name: Some("USER".into()),
        ..Default::default()
    };
    assert_eq!(seqs(&name), [1, 5]);
    let peer = TrafficFilter {
        peer: Some(C2),
        ..Default::default()
    };
    assert_eq!(seqs(&peer), [3, 4]);
    let dir = TrafficFilter {
        direction: Some(Direction::Out),
        ..Default::default()
    };
    assert_eq!(seqs(&dir), [2, 3, 4, 5]);
    let text = TrafficFilter {
        text: Some("ana".into()),
        ..Default::default()
    };
    assert_eq!(seqs(&text), [2, 5], "data, any case");
    let text = TrafficFilter {
        text: Some("alarm".into()),
        ..Default::default()
    };
    assert_eq!(seqs(&text), [4], "names too");
    let both = TrafficFilter {
        text: Some("ana".into()),
        peer: Some(r1()),
        ..Default::default()
    };
    assert_eq!(seqs(&both), [5]);
    let latest: Vec<u64> = log
        .latest(&TrafficFilter::default(), 2)
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(latest, [4, 5]);
    // The filter's JSON form, as the UI sends it.
    let f: TrafficFilter =
        serde_json::from_value(json!({"kinds": ["state"], "peer": {"connection": 2}}))
            .expect("parses");
    assert_eq!(seqs(&f), [3]);
}

fn proxied(proxy: &str, connection: u64, side: ProxySide) -> Peer {
    Peer::Proxy {
        proxy: proxy.into(),
        connection,
        side,
    }
}

#[test]
fn the_proxy_filter_takes_both_sides_of_every_connection_of_one_proxy() {
    let mut log = TrafficLog::default();
    log.push(request(
        0.0,
        proxied("p1", 1, ProxySide::Browser),
        "a",
        1,
        json!(null),
    ));
    log.push(request(
        1.0,
        proxied("p1", 1, ProxySide::Upstream),
        "a",
        1,
        json!(null),
    ));
    log.push(request(2.0, C1, "a", 1, json!(null)));
    log.push(request(
        3.0,
        proxied("p2", 1, ProxySide::Browser),
        "a",
        1,
        json!(null),
    ));
    log.push(request(
        4.0,
        proxied("p1", 2, ProxySide::Upstream),
        "b",
        2,
        json!(null),
    ));
    log.push(request(5.0, r1(), "a", 1, json!(null)));
    // A proxy id that only starts like p1's is another proxy.
    log.push(request(
        6.0,
        proxied("p10", 1, ProxySide::Browser),
        "a",
        1,
        json!(null),
    ));
    let seqs = |f: &TrafficFilter| log.filtered(f).map(|e| e.seq).collect::<Vec<_>>();
    let p1 = TrafficFilter {
        proxy: Some("p1".into()),
        ..Default::default()
    };
    assert_eq!(seqs(&p1), [1, 2, 5]);
    let unknown = TrafficFilter {
        proxy: Some("p9".into()),
        ..Default::default()
    };
    assert_eq!(seqs(&unknown), Vec::<u64>::new());
    // With the other fields, every one must match.
    let named = TrafficFilter {
        proxy: Some("p1".into()),
        name: Some("b".into()),
        ..Default::default()
    };
    assert_eq!(seqs(&named), [5]);
    let and_peer = TrafficFilter {
        proxy: Some("p1".into()),
        peer: Some(proxied("p1", 1, ProxySide::Upstream)),
        ..Default::default()
    };
    assert_eq!(seqs(&and_peer), [2]);
    let other_peer = TrafficFilter {
        proxy: Some("p1".into()),
        peer: Some(C1),
        ..Default::default()
    };
    assert_eq!(seqs(&other_peer), Vec::<u64>::new());
    // The JSON form, as the UI sends it; without `proxy` (older clients)
    // or with `null` it filters nothing.
    let f: TrafficFilter =
        serde_json::from_value(json!({"proxy": "p1", "kinds": []})).expect("parses");
    assert_eq!(seqs(&f), [1, 2, 5]);
    let old: TrafficFilter =
        serde_json::from_value(json!({"kinds": [], "peer": null})).expect("parses");
    assert_eq!(old.proxy, None);
    assert_eq!(seqs(&old).len(), 7);
    let null: TrafficFilter = serde_json::from_value(json!({"proxy": null})).expect("parses");
    assert_eq!(seqs(&null).len(), 7);
}

#[test]
fn pause_and_clear() {
    let mut log = TrafficLog::default();
    log.push(request(0.0, C1, "a", 1, json!(null)));
    log.set_paused(true);
    assert!(log.is_paused());
    assert!(log.push(request(1.0, C1, "b", 2, json!(null))).is_none());
    log.set_paused(false);
    let r = log
        .push(response(2.0, C1, 1, json!(null)))
        .expect("recorded");
    assert_eq!(r.seq, 2, "dropped frames take no number");
    assert_eq!(r.pair, Some(1));
    let s = log.status();
    assert_eq!(
        (s.entries, s.dropped, s.last_seq, s.paused),
        (2, 1, 2, false)
    );
    log.push(request(3.0, C1, "c", 3, json!(null)));
    log.add_lost(2);
    log.clear();
    assert_eq!(log.status().entries, 0);
    assert_eq!(log.status().bytes, 0);
    assert_eq!(
        (log.status().dropped, log.status().lost),
        (0, 0),
        "the counts of frames missing from the log go with it"
    );
    let r = log
        .push(response(4.0, C1, 3, json!(null)))
        .expect("recorded");
    assert_eq!(
        (r.seq, r.pair),
        (4, None),
        "numbering goes on; waiting requests forgotten"
    );
}

#[test]
fn exports_ndjson() {
    let mut log = TrafficLog::default();
    log.push(request(0.5, C1, "multi\nline", 1, json!({"text": "a\nb"})));
    log.push(response(1.0, C1, 1, json!(["ok"])));
    log.push(frame(
        2.0,
        C1,
        TrafficKind::Notify,
        Some("n"),
        None,
        json!(null),
    ));
    let mut out = Vec::new();
    let f = TrafficFilter {
        kinds: vec![TrafficKind::Request, TrafficKind::Response],
        ..Default::default()
    };
    assert_eq!(log.export_ndjson(&f, &mut out).expect("written"), 2);
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(text.ends_with('\n'));
    let first: Value = serde_json::from_str(lines[0]).expect("one JSON object per line");
    assert_eq!(
        first,
        json!({"seq": 1, "timeMs": 0.5, "peer": {"connection": 1}, "direction": "in", "kind": "request",
            "name": "multi\nline", "requestId": 1, "success": null, "data": {"text": "a\nb"},
            "dataTruncated": false, "size": first["size"], "pair": 2, "rttMs": 0.5})
    );
    let second: TrafficEntry = serde_json::from_str(lines[1]).expect("reads back");
    assert_eq!(&second, log.get(2).expect("held"));
}

#[test]
fn frames_from_message_texts() {
    let text = r#"{"type":"request","id":4,"name":"user.get","data":{"id":5}}"#;
    let f =
        Frame::from_message_text(1.0, C1, juggler::Direction::In.into(), text).expect("a message");
    assert_eq!(
        (f.kind, f.name.as_deref(), f.request_id, f.direction, f.size),
        (
            TrafficKind::Request,
            Some("user.get"),
            Some(4),
            Direction::In,
            text.len()
        )
    );
    assert_eq!(f.data, json!({"id": 5}));
    let text = r#"{"type":"response","id":4,"success":false,"data":"no rule for user.get"}"#;
    let f = Frame::from_message_text(2.0, C1, Direction::Out, text).expect("a message");
    assert_eq!(
        (f.kind, f.success, f.request_id),
        (TrafficKind::Response, Some(false), Some(4))
    );
    let text = r#"{"type":"state","diff":[{"op":"replace","path":"","value":1}]}"#;
    let f = Frame::from_message_text(3.0, C1, Direction::Out, text).expect("a message");
    assert_eq!(
        (f.kind, f.data.clone()),
        (
            TrafficKind::State,
            json!([{"op": "replace", "path": "", "value": 1}])
        )
    );
    let text = r#"{"type":"notify","name":"alarm","data":null}"#;
    let f = Frame::from_message_text(4.0, C1, Direction::Out, text).expect("a message");
    assert_eq!(
        (f.kind, f.name.as_deref()),
        (TrafficKind::Notify, Some("alarm"))
    );
    assert!(Frame::from_message_text(5.0, C1, Direction::In, "{\"type\":\"bogus\"}").is_none());
    assert!(Frame::from_message_text(5.0, C1, Direction::In, "not json").is_none());
}

#[test]
fn a_note_on_a_waiting_request_goes_to_both_halves() {
    let mut log = TrafficLog::default();
    log.push(request(1000.0, C1, "save", 1, json!({"x": 1})));
    log.push(request(1001.0, C1, "save", 2, json!({"x": 2})));
    log.push(request(1002.0, C2, "save", 1, json!({"x": 2})));
    // Found by peer, name and data: request 2 of C1, not C2's twin.
    assert!(log.annotate_pending(&C1, "save", &json!({"x": 2}), "answered null"));
    assert_eq!(
        log.get(2).and_then(|e| e.note.as_deref()),
        Some("answered null")
    );
    assert_eq!(log.get(1).and_then(|e| e.note.as_deref()), None);
    assert_eq!(log.get(3).and_then(|e| e.note.as_deref()), None);
    let r = log
        .push(response(1003.0, C1, 2, json!(null)))
        .expect("recorded")
        .clone();
    assert_eq!(
        (r.pair, r.note.as_deref()),
        (Some(2), Some("answered null"))
    );
    let r = log
        .push(response(1004.0, C1, 1, json!(null)))
        .expect("recorded")
        .clone();
    assert_eq!(r.note, None);
    // Nothing waits any more under that name: nothing to annotate.
    assert!(!log.annotate_pending(&C1, "save", &json!({"x": 2}), "again"));
    // The note is left out of the JSON when there is none.
    let text = serde_json::to_string(&r).expect("serializes");
    assert!(!text.contains("note"), "{text}");
}

#[test]
fn a_session_is_whole_only_while_its_first_entry_is_held() {
    let mut log = TrafficLog::new(TrafficLimits {
        max_entries: 4,
        ..TrafficLimits::default()
    });
    log.push(request(1.0, C1, "a", 1, json!(1)));
    log.push(request(2.0, C2, "b", 1, json!(2)));
    log.push(response(3.0, C1, 1, json!("A")));
    let c1: Vec<u64> = log
        .session(&C1)
        .expect("whole")
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(c1, vec![1, 3]);
    assert!(log.session(&r1()).is_none(), "no entries at all");
    // Two more push C1's first entry out: its session is no longer whole,
    // even though later entries of it are held.
    log.push(request(4.0, C2, "c", 2, json!(3)));
    log.push(request(5.0, C2, "d", 3, json!(4)));
    assert!(log.session(&C1).is_none());
    assert_eq!(log.session(&C2).map(|s| s.len()), Some(3));
    // Dropped while paused: lost from the start.
    log.set_paused(true);
    log.push(request(6.0, r1(), "e", 1, json!(5)));
    log.set_paused(false);
    log.push(request(7.0, r1(), "f", 2, json!(6)));
    assert!(log.session(&r1()).is_none());
    // Cleared: every session loses its start.
    log.clear();
    log.push(request(8.0, C2, "g", 4, json!(7)));
    assert!(log.session(&C2).is_none());
}

/// A tap's structured message makes the same frame as the text it was
/// written as, for every kind and both forms of a state patch; without
/// `keep_data` the data is left out.
#[test]
fn tapped_frames_match_the_text_they_stand_for() {
    use juggler::{Direction as D, MessageView as M, Patch, Tapped};
    let id = serde_json::Number::from(4);
    let (req, resp, null) = (json!({"id": 5}), json!("no rule"), json!(null));
    let patch = r#"[{"op":"replace","path":"","value":1}]"#;
    let patch_value: Value = serde_json::from_str(patch).expect("json");
    let state = format!(r#"{{"type":"state","diff":{patch}}}"#);
    let cases = [
        (
            D::In,
            M::Request {
                id: &id,
                name: "user.get",
                data: &req,
            },
            r#"{"type":"request","id":4,"name":"user.get","data":{"id":5}}"#,
        ),
        (
            D::Out,
            M::Response {
                id: &id,
                success: false,
                data: &resp,
            },
            r#"{"type":"response","id":4,"success":false,"data":"no rule"}"#,
        ),
        (
            D::Out,
            M::State {
                diff: Patch::Text(patch),
            },
            state.as_str(),
        ),
        (
            D::In,
            M::State {
                diff: Patch::Value(&patch_value),
            },
            state.as_str(),
        ),
        (
            D::Out,
            M::Notify {
                name: "alarm",
                data: &null,
            },
            r#"{"type":"notify","name":"alarm","data":null}"#,
        ),
    ];
    let mut cache = None;
    for (direction, message, text) in cases {
        let t = Tapped {
            direction,
            message,
            size: text.len(),
        };
        let frame = TapFrame::new(1.0, C1, &t, true).into_frame(&mut cache);
        let want = Frame::from_message_text(1.0, C1, direction.into(), text).expect("a message");
        assert_eq!(frame, want, "{text}");
    }
    // The same patch text again comes from the cache, equal.
    let t = Tapped {
        direction: D::Out,
        message: M::State {
            diff: Patch::Text(patch),
        },
        size: 1,
    };
    assert!(cache.is_some());
    assert_eq!(
        TapFrame::new(1.0, C1, &t, true).into_frame(&mut cache).data,
        patch_value
    );
    let t = Tapped {
        direction: D::In,
        message: M::Request {
            id: &id,
            name: "big",
            data: &req,
        },
        size: 9,
    };
    let frame = TapFrame::new(1.0, C1, &t, false).into_frame(&mut cache);
    assert_eq!(
        (frame.data, frame.name.as_deref(), frame.size),
        (Value::Null, Some("big"), 9)
    );
}

#[test]
fn lost_frames_show_in_the_status() {
    let mut log = TrafficLog::new(TrafficLimits::default());
    assert_eq!(log.status().lost, 0);
    log.add_lost(3);
    log.add_lost(2);
    assert_eq!(log.status().lost, 5);
}
