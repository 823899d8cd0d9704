use serde_json::json;

use super::*;

fn recording(lines: &[Value]) -> Recording {
    let mut text = String::from(
        r#"{"format":"juggler-studio-recording","version":1,"generation":"0.7","startedAt":1,"url":null,"source":"test"}"#,
    );
    text.push('\n');
    for line in lines {
        text.push_str(&line.to_string());
        text.push('\n');
    }
    Recording::parse(&text, "test.ndjson").expect("a recording")
}

fn state(t: f64, diff: Value) -> Value {
    json!({"t": t, "kind": "state", "diff": diff})
}
fn request(t: f64, id: u64, name: &str, data: Value) -> Value {
    json!({"t": t, "kind": "request", "id": id, "name": name, "data": data})
}
fn response(t: f64, id: u64, success: bool, data: Value) -> Value {
    json!({"t": t, "kind": "response", "id": id, "success": success, "data": data})
}

fn rule<'a>(ws: &'a Workspace, id: &str) -> &'a Rule {
    ws.rules
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no rule {id:?} in {:#?}", ws.rules))
}

#[test]
fn the_first_state_the_notifications_and_the_generation() {
    let rec = recording(&[
        state(
            0.0,
            json!([{"op": "replace", "path": "", "value": {"a": 1}}]),
        ),
        state(5.0, json!([{"op": "replace", "path": "/a", "value": 2}])),
        json!({"t": 6.0, "kind": "notify", "name": "alarm", "data": {"x": 1}}),
        json!({"t": 7.0, "kind": "notify", "name": "alarm", "data": {"x": 1}}),
        json!({"t": 8.0, "kind": "notify", "name": "alarm", "data": {"x": 2}}),
    ]);
    let ws = workspace_from(&rec, Answers::Latest).expect("mock");
    assert_eq!(ws.initial_state, json!({"a": 1}));
    assert!(ws.rules.is_empty(), "no requests, no rules");
    let presets: Vec<_> = ws.notify_presets.iter().map(|p| p.data.clone()).collect();
    assert_eq!(presets, vec![json!({"x": 1}), json!({"x": 2})]);
    assert_eq!(
        juggler::Generation::from(ws.server.generation),
        juggler::Generation::V07
    );
}

#[test]
fn a_state_change_after_an_answer_becomes_a_set_state_of_the_smallest_subtree() {
    let rec = recording(&[
        state(
            0.0,
            json!([{"op": "replace", "path": "", "value": {"devices": [{"id": 1, "on": false}, {"id": 2, "on": false}], "n": 0}}]),
        ),
        request(10.0, 1, "device.on", json!({"id": 2})),
        response(11.0, 1, true, json!({"ok": true})),
        // The reference answers first, then sends the state.
        state(
            12.0,
            json!([{"op": "replace", "path": "/devices/1/on", "value": true}]),
        ),
        // Long after: not the request's doing.
        state(
            5_000.0,
            json!([{"op": "replace", "path": "/n", "value": 7}]),
        ),
    ]);
    let ws = workspace_from(&rec, Answers::Latest).expect("mock");
    assert_eq!(
        rule(&ws, "mock device.on").action,
        Action::SetState {
            path: json!(["devices", 1, "on"]),
            value: json!(true),
            respond: json!({"ok": true}),
        }
    );
}

#[test]
fn changes_in_two_places_set_their_common_parent() {
    let rec = recording(&[
        state(
            0.0,
            json!([{"op": "replace", "path": "", "value": {"a": {"x": 1, "y": 1}, "b": 0}}]),
        ),
        request(1.0, 1, "both", Value::Null),
        // Our server sends the state before the answer.
        state(
            1.5,
            json!([{"op": "replace", "path": "/a/x", "value": 2}, {"op": "replace", "path": "/a/y", "value": 3}]),
        ),
        response(2.0, 1, true, Value::Null),
    ]);
    let ws = workspace_from(&rec, Answers::Latest).expect("mock");
    let Action::SetState { path, value, .. } = &rule(&ws, "mock both").action else {
        panic!("{:?}", ws.rules);
    };
    assert_eq!((path, value), (&json!(["a"]), &json!({"x": 2, "y": 3})));
}

#[test]
fn distinct_data_gets_rules_of_its_own_and_a_catch_all() {
    let rec = recording(&[
        state(0.0, json!([{"op": "replace", "path": "", "value": null}])),
        request(1.0, 1, "get", json!({"id": 1})),
        response(2.0, 1, true, json!("one")),
        request(3.0, 2, "get", json!({"id": 1, "full": true})),
        response(4.0, 2, true, json!("one, full")),
        request(5.0, 3, "get", json!({"id": 2})),
        response(6.0, 3, false, json!("no such id")),
    ]);
    let ws = workspace_from(&rec, Answers::Latest).expect("mock");
    let data: Vec<_> = ws.rules.iter().map(|r| r.matcher.data.clone()).collect();
    assert_eq!(
        data,
        vec![
            Some(json!({"id": 1, "full": true})),
            Some(json!({"id": 1})),
            Some(json!({"id": 2})),
            None
        ],
        "the most specific first, the catch-all last"
    );
    assert_eq!(
        ws.rules[1].action,
        Action::Respond {
            value: json!("one")
        }
    );
    assert_eq!(
        ws.rules[2].action,
        Action::Fail {
            value: json!("no such id")
        }
    );
    // The catch-all answers what was answered last.
    assert_eq!(
        ws.rules[3].action,
        Action::Fail {
            value: json!("no such id")
        }
    );
    let text = serde_json::to_string(&ws).expect("serialize");
    Workspace::parse(&text, "mock.json", std::path::Path::new(".")).expect("a valid workspace");
}

#[test]
fn repeated_answers_are_the_latest_or_a_cycle() {
    let rec = recording(&[
        state(0.0, json!([{"op": "replace", "path": "", "value": 0}])),
        request(1.0, 1, "roll", Value::Null),
        response(2.0, 1, true, json!(3)),
        request(3.0, 2, "roll", Value::Null),
        response(4.0, 2, true, json!(5)),
        request(5.0, 3, "roll", Value::Null),
        response(6.0, 3, true, json!(3)),
        request(7.0, 4, "", Value::Null),
        response(8.0, 4, true, Value::Null),
    ]);
    let latest = workspace_from(&rec, Answers::Latest).expect("mock");
    assert_eq!(
        latest.rules.len(),
        1,
        "pings get no rule: {:?}",
        latest.rules
    );
    assert_eq!(latest.rules[0].action, Action::Respond { value: json!(3) });
    let cycle = workspace_from(&rec, Answers::Cycle).expect("mock");
    assert_eq!(
        cycle.rules[0].action,
        Action::Cycle {
            values: vec![json!(3), json!(5)]
        }
    );
}

/// What a hat-juggler back end with a timer records: its state changes
/// every second by itself, and a request's change comes after its answer
/// (the autoflush delay). The rule sets what the request changed, not the
/// timer's value (which would roll the timer back when a mock answers).
#[test]
fn changes_the_back_end_makes_by_itself_are_not_a_requests() {
    let rec = recording(&[
        state(
            0.0,
            json!([{"op": "replace", "path": "", "value": {"tick": 0, "list": [1, 2, 3]}}]),
        ),
        state(
            1_000.0,
            json!([{"op": "replace", "path": "/tick", "value": 1}]),
        ),
        request(1_500.0, 1, "set", json!({"i": 1, "v": 9})),
        response(1_501.0, 1, true, Value::Null),
        state(
            1_700.0,
            json!([{"op": "replace", "path": "/tick", "value": 2}, {"op": "replace", "path": "/list/1", "value": 9}]),
        ),
        state(
            3_000.0,
            json!([{"op": "replace", "path": "/tick", "value": 3}]),
        ),
        request(3_500.0, 2, "echo", json!("x")),
        response(3_501.0, 2, true, json!("x")),
        state(
            3_600.0,
            json!([{"op": "replace", "path": "/tick", "value": 4}]),
        ),
    ]);
    let ws = workspace_from(&rec, Answers::Latest).expect("mock");
    assert_eq!(ws.initial_state, json!({"tick": 0, "list": [1, 2, 3]}));
    assert_eq!(
        rule(&ws, "mock set").action,
        Action::SetState {
            path: json!(["list", 1]),
            value: json!(9),
            respond: Value::Null,
        }
    );
    assert_eq!(
        rule(&ws, "mock echo").action,
        Action::Respond { value: json!("x") },
        "the timer's tick after it is not its doing"
    );
}

/// Requests answered before the back end's first state came (a page asks
/// at once; a hat-juggler back end sends its state an autoflush delay
/// later): their rules answer, and the first state is the initial one.
#[test]
fn requests_answered_before_the_first_state() {
    let rec = recording(&[
        state(0.0, json!([{"op": "replace", "path": "", "value": null}])),
        request(1.0, 1, "hello", json!({})),
        response(2.0, 1, true, json!("hi")),
        request(3.0, 2, "again", json!({})),
        response(4.0, 2, true, json!("hi again")),
        state(
            200.0,
            json!([{"op": "replace", "path": "", "value": {"a": 1}}]),
        ),
    ]);
    let ws = workspace_from(&rec, Answers::Latest).expect("mock");
    assert_eq!(ws.initial_state, json!({"a": 1}));
    assert_eq!(
        rule(&ws, "mock hello").action,
        Action::Respond { value: json!("hi") }
    );
    assert_eq!(
        rule(&ws, "mock again").action,
        Action::Respond {
            value: json!("hi again")
        }
    );
}

/// Requests with no answer in the recording get no rule and are named
/// (4 of 6 were left out with no word).
#[test]
fn requests_without_an_answer_are_named() {
    let rec = recording(&[
        state(0.0, json!([{"op": "replace", "path": "", "value": {}}])),
        request(1.0, 1, "ok", json!(null)),
        response(1.1, 1, true, json!(1)),
        request(2.0, 2, "slow", json!(null)),
        request(3.0, 3, "", json!(null)),
        request(4.0, 4, "slow", json!(2)),
        request(5.0, 5, "never", json!(null)),
    ]);
    let ws = workspace_from(&rec, Answers::Latest).expect("mock");
    assert_eq!(
        ws.rules.iter().filter(|r| r.id != "catch-all").count(),
        1,
        "{:#?}",
        ws.rules
    );
    assert_eq!(
        unanswered(&rec),
        vec!["slow".to_owned(), "never".to_owned()]
    );
    assert!(
        unanswered_note(&unanswered(&rec))
            .starts_with("No rule for slow, never (the recording holds no answer to them)")
    );
}

#[test]
fn a_rule_waits_as_long_as_the_back_end_took_to_answer() {
    let rec = recording(&[
        state(0.0, json!([{"op": "replace", "path": "", "value": {}}])),
        request(1505.0, 2, "slow", json!(null)),
        response(4509.0, 2, true, json!("done")),
        request(5000.0, 3, "quick", json!(1)),
        response(5010.0, 3, true, json!("a")),
        request(6000.0, 4, "quick", json!(1)),
        response(6300.0, 4, true, json!("a")),
        request(7000.0, 5, "quick", json!(1)),
        response(7020.0, 5, true, json!("a")),
    ]);
    let ws = workspace_from(&rec, Answers::Latest).expect("mock");
    assert_eq!(rule(&ws, "mock slow").delay_ms, 3004);
    // The median: one slow answer among quick ones is not the rule's pace.
    assert_eq!(rule(&ws, "mock quick").delay_ms, 20);
    let at_once = How {
        answers: Answers::Latest,
        latency: false,
    };
    let ws = workspace_from(&rec, at_once).expect("mock");
    assert!(ws.rules.iter().all(|r| r.delay_ms == 0), "{:?}", ws.rules);
}
