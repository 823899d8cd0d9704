//! The builder: which requests of its widgets no rule answers, and the
//! rule that does.

use super::*;

/// A toggle bound to `/pump/on` sending `pump.set` with `data`.
fn toggle(data: Value) -> Value {
    json!({"id": "pump", "type": "toggle", "x": 0, "y": 0, "w": 2, "h": 1,
           "path": "/pump/on", "send": {"name": "pump.set", "data": data}})
}

/// `dashboard.unanswered` names the toggle whose request no rule answers,
/// with a rule; once that rule is among the rules the toggle is answered,
/// and its request sets the state as the page expects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_offered_for_a_toggle_answers_it_and_sets_its_path() {
    let rig = rig().await;
    let widgets = json!([
        toggle(json!({"on": "{{value}}", "by": "ui"})),
        // Answered by the workspace's `respond` rule: not listed.
        {"id": "ok", "type": "button", "x": 2, "y": 0, "w": 2, "h": 1, "label": "Go",
         "send": {"name": "respond"}},
        // Being edited (no path yet): skipped, the others still checked.
        {"id": "new", "type": "toggle", "x": 4, "y": 0, "w": 2, "h": 1,
         "send": {"name": "x"}},
    ]);
    let got = cmd(
        &rig.control,
        "dashboard.unanswered",
        json!({"widgets": widgets}),
    )
    .await;
    let list = got.as_array().expect("a list");
    assert_eq!(list.len(), 1, "{got}");
    let u = &list[0];
    assert_eq!(u["widget"], "pump");
    assert_eq!(u["field"], "widgets[0].send.name");
    assert_eq!(u["name"], "pump.set");
    assert_eq!(u["byName"], false);
    assert!(
        u["message"]
            .as_str()
            .is_some_and(|m| m.contains("the page gets an error")),
        "{u}"
    );
    assert_eq!(
        u["rule"],
        json!({"id": "pump", "enabled": true, "match": {"name": {"exact": "pump.set"}},
               "delayMs": 0, "action": {"setState": {"path": ["pump", "on"],
               "value": "{{data.on}}", "respond": null}}})
    );

    let mut rules: Vec<Value> = serde_json::from_str(
        cmd(&rig.control, "rules.text", json!(null))
            .await
            .as_str()
            .expect("text"),
    )
    .expect("rules");
    rules.push(u["rule"].clone());
    cmd(
        &rig.control,
        "rules.set",
        json!({"rulesText": Value::Array(rules).to_string()}),
    )
    .await;
    wait_at(rig.control.state(), "/workspace/unsaved", json!(true)).await;
    let got = cmd(
        &rig.control,
        "dashboard.unanswered",
        json!({"widgets": widgets}),
    )
    .await;
    assert_eq!(got, json!([]));

    let (dash, _notes) = client(&rig.dashboard_url).await;
    within(
        "pump.set",
        dash.send("pump.set", json!({"on": true, "by": "ui"})),
    )
    .await
    .expect("answered");
    wait_at(dash.state(), "/pump/on", json!(true)).await;
}

/// What is not a list of widgets is refused, naming the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_wants_the_widgets() {
    let rig = rig().await;
    let e = cmd_err(&rig.control, "dashboard.unanswered", json!({"widgets": 3})).await;
    assert_eq!(e.field.as_deref(), Some("widgets"), "{e:?}");
}

/// A toggle in a list, bound by a pointer: its rule sets the element the
/// page shows (the served state has an array there), not a member "0".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_for_a_toggle_in_a_list_sets_the_element() {
    let rig = rig().await;
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "devices", "value": [{"on": true}]}),
    )
    .await;
    let widget = json!({"id": "dev", "type": "toggle", "x": 0, "y": 0, "w": 2, "h": 1,
                        "path": "/devices/0/on", "send": {"name": "dev.set"}});
    let got = cmd(
        &rig.control,
        "dashboard.unanswered",
        json!({"widgets": [widget]}),
    )
    .await;
    assert_eq!(
        got[0]["rule"]["action"]["setState"]["path"],
        json!(["devices", 0, "on"]),
        "{got}"
    );
}
