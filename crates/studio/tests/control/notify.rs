//! Notifications: sent to every connection or the chosen ones; presets.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_send_reaches_every_connection_or_the_chosen_ones() {
    let rig = rig().await;
    let model = rig.control.state();
    let (_a, mut notes_a) = client(&rig.dashboard_url).await;
    let id_a = new_connection(model, &[]).await;
    let (_b, mut notes_b) = client(&rig.dashboard_url).await;
    let id_b = new_connection(model, &[id_a]).await;

    let sent = cmd(
        &rig.control,
        "notify.send",
        json!({"name": "hello", "data": {"n": 1}}),
    )
    .await;
    assert_eq!(sent, json!({"sent": 2}));
    assert_eq!(next_named(&mut notes_a, "hello").await, json!({"n": 1}));
    assert_eq!(next_named(&mut notes_b, "hello").await, json!({"n": 1}));

    let sent = cmd(
        &rig.control,
        "notify.send",
        json!({"name": "only", "data": "b", "connections": [id_b]}),
    )
    .await;
    assert_eq!(sent, json!({"sent": 1}));
    cmd(&rig.control, "notify.send", json!({"name": "after"})).await;
    assert_eq!(next_named(&mut notes_b, "only").await, json!("b"));
    // `a` gets the broadcast after it, and never `only`.
    let (name, data) = within("a's next notification", notes_a.recv())
        .await
        .expect("open");
    assert_eq!((name.as_str(), data), ("after", Value::Null));

    let history = wait_for(model, "three entries in /notifyHistory", |m| {
        let list = m.get("notifyHistory")?.as_array()?;
        (list.len() == 3).then(|| list.clone())
    })
    .await;
    assert_eq!(history[1]["name"], json!("only"));
    assert_eq!(history[1]["targets"], json!([id_b]));
    assert_eq!(history[1]["sent"], json!(1));

    let e = cmd_err(
        &rig.control,
        "notify.send",
        json!({"name": "x", "connections": [id_a, 4242]}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    let e = cmd_err(&rig.control, "notify.send", json!({"data": 1})).await;
    assert!(e.message.starts_with("name"), "{}", e.message);
    check_model(&rig.engine);
}

#[tokio::test]
async fn notify_presets_are_replaced_and_saved() {
    let rig = rig().await;
    let model = rig.control.state();
    let presets = json!([{"name": "alarm", "data": {"level": 3}}, {"name": "log", "data": "x"}]);
    cmd(&rig.control, "notify.presets", json!({"presets": presets})).await;
    wait_at(model, "/workspace/notifyPresets", presets.clone()).await;
    let ws = cmd(&rig.control, "workspace.get", json!({})).await;
    assert_eq!(ws["notifyPresets"], presets);
    let e = cmd_err(
        &rig.control,
        "notify.presets",
        json!({"presets": [{"nam": "x"}]}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("notify presets"), "{}", e.message);
}

/// What the UI's `JSON.parse` would round: an integer past 2^53 (two),
/// `-0`; sent as `dataText`, the engine parses them.
const EXACT_DATA: &str =
    "{\"big\": 123456789012345678901234567890, \"negz\": -0, \"n\": [9007199254740993, -0.0]}";
const EXACT_WIRE: &str =
    "{\"big\":123456789012345678901234567890,\"negz\":-0,\"n\":[9007199254740993,-0.0]}";

/// The Notify pane sends its data as text: the dashboards get every
/// number as typed, and `data` still works for other callers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_send_data_text_keeps_every_number() {
    let rig = rig().await;
    let (_a, mut notes) = client(&rig.dashboard_url).await;
    new_connection(rig.control.state(), &[]).await;
    let sent = cmd(
        &rig.control,
        "notify.send",
        json!({"name": "exact", "dataText": EXACT_DATA}),
    )
    .await;
    assert_eq!(sent, json!({"sent": 1}));
    let got = next_named(&mut notes, "exact").await;
    assert_eq!(serde_json::to_string(&got).expect("json"), EXACT_WIRE);

    cmd(
        &rig.control,
        "notify.send",
        json!({"name": "empty", "dataText": "  "}),
    )
    .await;
    assert_eq!(next_named(&mut notes, "empty").await, Value::Null);

    let e = cmd_err(
        &rig.control,
        "notify.send",
        json!({"name": "x", "dataText": "{\n  \"a\": ]\n}"}),
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("dataText"), "{}", e.message);
    assert_eq!((e.line, e.column), (Some(2), Some(8)), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "notify.send",
        json!({"name": "x", "data": 1, "dataText": "1"}),
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("dataText"), "{}", e.message);
}

/// The Notify pane saves and deletes one preset at a time and loads a
/// preset's data as text: each keeps every number, its own and the other
/// presets' (the pane's copy of those is rounded; it never sends them).
#[tokio::test]
async fn notify_presets_one_at_a_time_keep_every_number() {
    let rig = rig().await;
    cmd(
        &rig.control,
        "notify.presetSave",
        json!({"name": "other", "dataText": "[9007199254740993, -0]"}),
    )
    .await;
    cmd(
        &rig.control,
        "notify.presetSave",
        json!({"name": "exact", "dataText": EXACT_DATA}),
    )
    .await;
    let ws = cmd(&rig.control, "workspace.get", json!({})).await;
    assert_eq!(
        serde_json::to_string(&ws["notifyPresets"]).expect("json"),
        format!(
            "[{{\"name\":\"other\",\"data\":[9007199254740993,-0]}},{{\"name\":\"exact\",\"data\":{EXACT_WIRE}}}]"
        )
    );
    let text = cmd(&rig.control, "notify.presetText", json!({"name": "exact"})).await;
    let text = text.as_str().expect("text");
    assert!(
        text.contains("\"big\": 123456789012345678901234567890"),
        "{text}"
    );
    assert!(text.contains("\"negz\": -0,"), "{text}");
    assert!(text.contains("9007199254740993"), "{text}");

    // Saved again under the same name: replaced in place.
    cmd(
        &rig.control,
        "notify.presetSave",
        json!({"name": "other", "dataText": "-0.0"}),
    )
    .await;
    cmd(
        &rig.control,
        "notify.presetRemove",
        json!({"name": "exact"}),
    )
    .await;
    let ws = cmd(&rig.control, "workspace.get", json!({})).await;
    assert_eq!(
        serde_json::to_string(&ws["notifyPresets"]).expect("json"),
        "[{\"name\":\"other\",\"data\":-0.0}]"
    );
    let e = cmd_err(
        &rig.control,
        "notify.presetRemove",
        json!({"name": "exact"}),
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("name"), "{}", e.message);
    let e = cmd_err(&rig.control, "notify.presetText", json!({"name": "nope"})).await;
    assert_eq!(e.field.as_deref(), Some("name"), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "notify.presetSave",
        json!({"name": "bad", "dataText": "{"}),
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("dataText"), "{}", e.message);
}

/// Presets sent as a list of values (`notify.presets`) keep every number:
/// they were read out of the request's parsed data as typed presets, which
/// turned an integer `-0` into `0`.
#[tokio::test]
async fn notify_presets_sent_as_values_keep_every_number() {
    let rig = rig().await;
    let data: Value = serde_json::from_str(EXACT_DATA).expect("json");
    cmd(
        &rig.control,
        "notify.presets",
        json!({"presets": [{"name": "exact", "data": data}]}),
    )
    .await;
    let text = cmd(&rig.control, "notify.presetText", json!({"name": "exact"})).await;
    let text: Value = serde_json::from_str(text.as_str().expect("text")).expect("json");
    assert_eq!(serde_json::to_string(&text).expect("json"), EXACT_WIRE);
}

/// `model.text` gives a sent notification's data as held, for the UI to
/// load it into its editor (its copy of the model holds doubles).
#[tokio::test]
async fn model_text_is_an_entry_of_the_model_with_every_number() {
    let rig = rig().await;
    cmd(
        &rig.control,
        "notify.send",
        json!({"name": "exact", "dataText": EXACT_DATA}),
    )
    .await;
    let path = json!(["notifyHistory", 0, "data"]);
    let text = cmd(&rig.control, "model.text", json!({ "path": path })).await;
    let text = text.as_str().expect("text");
    assert!(text.contains("\"negz\": -0,"), "{text}");
    let text: Value = serde_json::from_str(text).expect("json");
    assert_eq!(serde_json::to_string(&text).expect("json"), EXACT_WIRE);

    let e = cmd_err(
        &rig.control,
        "model.text",
        json!({"path": ["notifyHistory", 5]}),
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("path"), "{}", e.message);
}
