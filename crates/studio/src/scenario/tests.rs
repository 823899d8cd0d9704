//! Scenario steps: reading, checks, expectations and reports.

use serde_json::{Value, json};

use super::*;
use crate::Workspace;

fn steps(v: Value) -> Vec<Step> {
    serde_json::from_value(v).expect("steps")
}

#[test]
fn steps_read_from_tagged_objects_with_defaults() {
    let s = steps(json!([
        {"setState": {"path": ["pumps", 0], "value": {"on": true}}},
        {"patch": {"diff": [{"op": "add", "path": "/a", "value": 1}]}},
        {"replaceState": {"value": null}},
        {"notify": {"name": "alarm"}},
        {"notify": {"name": "alarm", "data": 1, "target": [3, 4]}},
        {"notify": {"name": "alarm", "target": "all"}},
        {"wait": {"ms": 5}},
        {"waitForConnections": {"count": 2, "withinMs": 100}},
        {"expectRequest": {"name": "go", "withinMs": 100}},
        {"expectRequest": {"name": "go", "data": {"a": 1}, "withinMs": 100, "respond": "ok"}},
        {"expectState": {"path": "a", "value": 1, "withinMs": 100}}
    ]));
    let kinds: Vec<_> = s.iter().map(Step::kind).collect();
    assert_eq!(
        kinds,
        [
            "setState",
            "patch",
            "replaceState",
            "notify",
            "notify",
            "notify",
            "wait",
            "waitForConnections",
            "expectRequest",
            "expectRequest",
            "expectState"
        ]
    );
    assert_eq!(
        s[3],
        Step::Notify {
            name: "alarm".into(),
            data: Value::Null,
            target: StepTarget::default()
        }
    );
    assert!(
        matches!(&s[4], Step::Notify { target: StepTarget::Connections(ids), .. } if ids == &[3, 4])
    );
    assert_eq!(s[5], s[3]);
    assert!(s.iter().all(|st| st.check().is_empty()), "{s:?}");
    // Written back as read (optional members left out).
    assert_eq!(
        serde_json::to_value(&s[8]).expect("json"),
        json!({"expectRequest": {"name": "go", "withinMs": 100}})
    );
    assert_eq!(s[0].title(), "setState /pumps/0");
    assert_eq!(s[9].title(), "expectRequest go");
}

fn load_error(text: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    Workspace::parse(text, "w.json", dir.path())
        .expect_err("invalid")
        .to_string()
}

#[test]
fn a_bad_step_names_its_line_and_field() {
    // A wrong type: serde's path.
    let text = r#"{"version": 1, "scenarios": [
  {"name": "a", "steps": [
    {"wait": {"ms": 1}},
    {"wait": {"ms": 1}},
    {"expectRequest": {"name": "go", "withinMs": "soon"}}
  ]}
]}"#;
    let e = load_error(text);
    assert!(
        e.contains("scenarios[0].steps[2].expectRequest.withinMs: invalid type: string"),
        "{e}"
    );
    // An unknown kind and an unknown member.
    let e = load_error(r#"{"version": 1, "scenarios": [{"name": "a", "steps": [{"sleep": {}}]}]}"#);
    assert!(
        e.contains("scenarios[0].steps[0]: unknown variant `sleep`"),
        "{e}"
    );
    let e = load_error(
        r#"{"version": 1, "scenarios": [{"name": "a", "steps": [{"wait": {"ms": 1, "x": 2}}]}]}"#,
    );
    assert!(e.contains("unknown field `x`"), "{e}");
    // Checks after reading: line, column and field.
    let text = r#"{"version": 1, "scenarios": [
  {"name": "a", "steps": [
    {"wait": {"ms": 1}},
    {"wait": {"ms": 1}},
    {"expectRequest": {"name": "go", "withinMs": 0}},
    {"setState": {"path": [true], "value": 1}},
    {"patch": {"diff": [{"op": "add", "path": "/a"}]}},
    {"notify": {"name": "", "target": []}}
  ]},
  {"name": "a", "steps": []}
]}"#;
    let e = load_error(text);
    for expected in [
        "w.json:5:50: scenarios[0].steps[2].expectRequest.withinMs: 0 ms leaves no time",
        "w.json:6:27: scenarios[0].steps[3].setState.path: ",
        "w.json:7:24: scenarios[0].steps[4].patch.diff: [0]: a add operation needs \"value\"",
        "scenarios[0].steps[5].notify.name: the name is empty",
        "scenarios[0].steps[5].notify.target: an empty list",
        "w.json:10:12: scenarios[1].name: another scenario is named \"a\"",
    ] {
        assert!(e.contains(expected), "{expected:?} not in:\n{e}");
    }
}

#[test]
fn a_workspace_without_scenarios_or_schemas_loads_and_saves_as_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = r#"{"version": 1, "initialState": {"a": 1}}"#;
    let ws = Workspace::parse(text, "w.json", dir.path()).expect("loads");
    assert!(ws.scenarios.is_empty() && ws.schemas.is_none());
    let saved = ws.to_json_string();
    assert!(!saved.contains("schemas"), "{saved}");
    // Bad schemas name their field.
    let e = load_error(r#"{"version": 1, "schemas": {"requests": {"go": {"type": 5}}}}"#);
    assert!(
        e.contains("schemas.requests.go: not a usable JSON Schema"),
        "{e}"
    );
}

#[test]
fn an_expectation_takes_the_first_match_and_tells_what_came_instead() {
    let mut e = Expectation::new("pump.start", Some(json!({"pump": 1})));
    assert!(!e.offer("pump.stop", &json!({"pump": 1})));
    assert!(!e.offer("pump.start", &json!({"pump": 2})));
    assert_eq!(
        e.failure(2000),
        "no such request (data containing {\"pump\":1}) within 2000 ms; requests seen \
         meanwhile: pump.stop {\"pump\":1}, pump.start {\"pump\":2} (its data does not match)"
    );
    assert!(e.offer("pump.start", &json!({"pump": 1.0, "by": "ana"})));
    assert_eq!(e.matched(), Some(&json!({"pump": 1.0, "by": "ana"})));
    assert!(
        !e.offer("pump.start", &json!({"pump": 1})),
        "only the first"
    );

    let mut any = Expectation::new("go", Some(Value::Null));
    assert_eq!(
        any.failure(5),
        "no such request within 5 ms; no requests seen meanwhile"
    );
    for i in 0..8 {
        any.offer("other", &json!(i));
    }
    assert!(
        any.failure(5).ends_with("other 4 and 3 more"),
        "{}",
        any.failure(5)
    );
    assert!(any.offer("go", &json!("whatever")));
}

#[test]
fn equality_compares_numbers_by_value() {
    assert!(json_equal(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
    assert!(!json_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    assert!(!json_equal(&json!([1]), &json!([1, 2])));
}

#[test]
fn the_report_reads_as_text() {
    let report = ScenarioReport {
        name: "start".into(),
        passed: false,
        stopped: false,
        steps: 3,
        duration_ms: 2010.0,
        results: vec![
            StepResult {
                index: 0,
                kind: "setState".into(),
                ok: true,
                ms: 0.4,
                message: "/a = 1".into(),
            },
            StepResult {
                index: 1,
                kind: "expectRequest".into(),
                ok: false,
                ms: 2000.2,
                message: "step 2 expectRequest go: no such request within 2000 ms; no requests \
                          seen meanwhile"
                    .into(),
            },
        ],
    };
    let text = report.to_text();
    assert!(
        text.contains("  ✓  1 setState            0 ms  /a = 1\n"),
        "{text}"
    );
    assert!(
        text.contains("  ✗  2 expectRequest    2000 ms  step 2 expectRequest go: no such"),
        "{text}"
    );
    assert!(
        text.ends_with("FAILED at step 2: scenario \"start\", 1/3 steps passed\n"),
        "{text}"
    );
}

/// A quick dashboard may send the request an `expectRequest` step waits
/// for before that step starts (while a `setState` or `wait` step runs, or
/// while an earlier expectation waits for another request): the step
/// still takes it, the oldest one that fits first.
#[test]
fn requests_that_come_before_their_step_are_kept_for_it() {
    use runner::Offer;
    let running = Running::new("quick", Default::default());
    // No step waits: kept.
    assert!(matches!(running.offer(1, "b", &json!(2)), Offer::NotTaken));
    // A step waits for `a`: `b` is not it (and stays kept).
    running.expect("a", None, Some(json!("scenario")));
    assert!(!running.met());
    assert!(matches!(running.offer(1, "b", &json!(3)), Offer::NotTaken));
    assert!(matches!(running.offer(1, "a", &json!(1)), Offer::Answer(v) if v == json!("scenario")));
    // The next step waits for `b` with data containing 3: met at once by
    // the kept `b 3` (not the older `b 2`, whose data does not fit).
    running.expect("b", Some(json!(3)), None);
    assert!(running.met());
    assert!(matches!(
        running.offer(1, "c", &json!(null)),
        Offer::NotTaken
    ));
    // …and the older `b 2` serves a later step.
    running.expect("b", Some(json!(2)), None);
    assert!(running.met());
    running.expect("b", None, None);
    assert!(!running.met(), "both kept b's were taken");
    assert!(
        matches!(running.offer(1, "b", &json!(9)), Offer::TakenRulesAnswer),
        "nothing kept fits any more: a new request is taken live"
    );
    // A step that answers with `respond` takes only a request that comes
    // while it waits: a kept one was answered by the rules already.
    running.expect("x", None, None);
    assert!(matches!(running.offer(1, "d", &json!(1)), Offer::NotTaken));
    running.expect("d", None, Some(json!("mine")));
    assert!(
        !running.met(),
        "a kept request does not meet a step with respond"
    );
    assert!(matches!(running.offer(1, "d", &json!(2)), Offer::Answer(v) if v == json!("mine")));
}
