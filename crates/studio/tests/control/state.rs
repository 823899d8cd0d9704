//! State commands: what they change in the model and what dashboards see.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_commands_change_the_model_and_what_dashboards_see() {
    let rig = rig().await;
    let (dash, _notes) = client(&rig.dashboard_url).await;
    let view = dash.state();
    let model = rig.control.state();
    wait_at(view, "/counter", json!(0)).await;

    cmd(
        &rig.control,
        "state.set",
        json!({"path": ["a"], "value": {"b": 1}}),
    )
    .await;
    wait_at(model, "/state/a/b", json!(1)).await;
    wait_at(view, "/a/b", json!(1)).await;
    assert_eq!(
        rig.engine.model().data().pointer("/state/a/b"),
        Some(&json!(1))
    );

    cmd(
        &rig.control,
        "state.patch",
        json!({"diff": [
            {"op": "add", "path": "/list", "value": [1, 2]},
            {"op": "replace", "path": "/counter", "value": 5}
        ]}),
    )
    .await;
    wait_at(model, "/state/list", json!([1, 2])).await;
    wait_at(view, "/list", json!([1, 2])).await;
    wait_at(view, "/counter", json!(5)).await;

    cmd(&rig.control, "state.remove", json!({"path": ["a", "b"]})).await;
    wait_at(model, "/state/a", json!({})).await;
    wait_at(view, "/a", json!({})).await;
    wait_at(model, "/history/undo", json!(3)).await;

    // Undo the remove, then the patch; redo the patch.
    assert_eq!(
        cmd(&rig.control, "state.undo", json!({})).await,
        json!(true)
    );
    wait_at(view, "/a/b", json!(1)).await;
    wait_at(model, "/state/a/b", json!(1)).await;
    assert_eq!(
        cmd(&rig.control, "state.undo", json!({})).await,
        json!(true)
    );
    wait_gone(view, "/list").await;
    wait_at(view, "/counter", json!(0)).await;
    wait_gone(model, "/state/list").await;
    wait_at(model, "/history/undo", json!(1)).await;
    wait_at(model, "/history/redo", json!(2)).await;
    assert_eq!(
        cmd(&rig.control, "state.redo", json!({})).await,
        json!(true)
    );
    wait_at(view, "/list", json!([1, 2])).await;
    wait_at(model, "/state/counter", json!(5)).await;
    wait_at(model, "/history/redo", json!(1)).await;

    // A new change drops what could be redone.
    cmd(
        &rig.control,
        "state.replace",
        json!({"value": {"fresh": true}}),
    )
    .await;
    wait_at(view, "", json!({"fresh": true})).await;
    wait_at(model, "/state", json!({"fresh": true})).await;
    wait_at(model, "/history/redo", json!(0)).await;
    assert_eq!(
        cmd(&rig.control, "state.redo", json!({})).await,
        json!(false)
    );

    // Refusals change nothing.
    let e = cmd_err(
        &rig.control,
        "state.set",
        json!({"path": {"no": 1}, "value": 1}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    let e = cmd_err(
        &rig.control,
        "state.patch",
        json!({"diff": [{"op": "test", "path": "/fresh", "value": false},
                        {"op": "add", "path": "/x", "value": 1}]}),
    )
    .await;
    assert_eq!(e.code, "juggler", "{}", e.message);
    let e = cmd_err(&rig.control, "state.patch", json!({})).await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.starts_with("diff"), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "state.set",
        json!({"path": "x", "connection": 999}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("999"), "{}", e.message);
    assert_eq!(rig.engine.model().data()["state"], json!({"fresh": true}));
    check_model(&rig.engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_connection_state_starts_from_the_current_state_and_is_edited_apart() {
    let text = WORKSPACE.replace(
        r#""server": { "port": 0, "autoflush": 0 }"#,
        r#""server": { "port": 0, "autoflush": 0, "sharedState": false }"#,
    );
    let rig = rig_with(&text).await;
    let model = rig.control.state();
    // Changed after the server started: new connections start from it.
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "counter", "value": 7}),
    )
    .await;
    let (a, _) = client(&rig.dashboard_url).await;
    let id_a = new_connection(model, &[]).await;
    let (b, _) = client(&rig.dashboard_url).await;
    let id_b = new_connection(model, &[id_a]).await;
    wait_at(a.state(), "/counter", json!(7)).await;
    wait_at(b.state(), "/counter", json!(7)).await;

    cmd(
        &rig.control,
        "state.set",
        json!({"path": "mine", "value": "a", "connection": id_a}),
    )
    .await;
    wait_at(a.state(), "/mine", json!("a")).await;
    wait_at(
        model,
        &format!("/connections/{id_a}/state/mine"),
        json!("a"),
    )
    .await;
    // A rule's setState goes to the sender's own state.
    assert_eq!(
        within("set", b.send("set", json!(3))).await.expect("set"),
        json!("set 3")
    );
    wait_at(b.state(), "/fromRule", json!(3)).await;
    wait_at(
        model,
        &format!("/connections/{id_b}/state/fromRule"),
        json!(3),
    )
    .await;
    assert!(a.state().get(juggler::path!["fromRule"]).is_none());
    assert!(b.state().get(juggler::path!["mine"]).is_none());
    assert_eq!(rig.engine.model().data().pointer("/state/fromRule"), None);
    check_model(&rig.engine);
}

/// The numbers the UI's `JSON.parse` cannot hold: an integer past 2^53,
/// `-0` (both spellings) and a double's shortest text.
const EXACT: &str = r#"{
  "big": 1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890,
  "negz": -0.0,
  "negzInt": -0,
  "sum": 0.30000000000000004,
  "list": [9007199254740993, "é", {"deep": -0.0}]
}"#;

/// The UI's "Replace whole state…" dialog shows `state.text` and sends it
/// back with `state.setText`: the round trip changes nothing, on the wire
/// of the dashboards or in the undo history, and "Set at path…" stores its
/// text's number exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_text_and_set_text_keep_every_number_exact() {
    let workspace = WORKSPACE.replace(r#"{ "counter": 0 }"#, EXACT);
    let rig = rig_with(&workspace).await;
    let exact: Value = serde_json::from_str(EXACT).expect("json");
    let (dash, _notes) = client(&rig.dashboard_url).await;
    let view = dash.state();
    wait_for(view, "the dashboard's state", |v| {
        (*v == exact).then_some(())
    })
    .await;

    let text = cmd(&rig.control, "state.text", json!({})).await;
    let text = text.as_str().expect("state.text answers text").to_owned();
    for number in [
        "1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890",
        "\"negz\": -0.0",
        "\"negzInt\": -0",
        "0.30000000000000004",
        "9007199254740993",
    ] {
        assert!(text.contains(number), "{number} in {text}");
    }
    assert_eq!(
        text,
        serde_json::to_string_pretty(&exact).expect("json"),
        "pretty-printed"
    );

    cmd(&rig.control, "state.setText", json!({"text": text})).await;
    assert_eq!(
        cmd(&rig.control, "state.text", json!({})).await,
        json!(text),
        "unchanged"
    );
    assert_eq!(rig.engine.model().data()["history"]["undo"], json!(0));
    assert_eq!(view.data(), exact, "the dashboards saw no change");

    // One value, at a path.
    let at = cmd(&rig.control, "state.text", json!({"path": ["list", 2]})).await;
    assert_eq!(at, json!("{\n  \"deep\": -0.0\n}"));
    cmd(
        &rig.control,
        "state.setText",
        json!({"path": ["list", 0], "text": " 9007199254740995 "}),
    )
    .await;
    let want: Value = serde_json::from_str("9007199254740995").expect("json");
    wait_for(view, "the new integer", |v| {
        (v.pointer("/list/0") == Some(&want)).then_some(())
    })
    .await;
    assert_eq!(
        cmd(&rig.control, "state.text", json!({"path": ["list", 0]})).await,
        json!("9007199254740995")
    );
    // No check_model here: its round trip through the typed `Model` reads
    // `-0` as `0` (the published model itself keeps it, as seen above).
}

/// Text that does not parse is refused with where it goes wrong, counted
/// in characters; the state stays as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_text_says_where_the_text_goes_wrong() {
    let rig = rig().await;
    let e = cmd_err(
        &rig.control,
        "state.setText",
        json!({"text": "{\n  \"é\": 1,\n  \"b\": ]\n}"}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    assert_eq!(e.field.as_deref(), Some("text"));
    assert_eq!((e.line, e.column), (Some(3), Some(8)), "{}", e.message);
    let e = cmd_err(&rig.control, "state.setText", json!({"text": "1 2"})).await;
    assert_eq!((e.field.as_deref(), e.line), (Some("text"), Some(1)));
    let e = cmd_err(&rig.control, "state.setText", json!({"value": 1})).await;
    assert_eq!(e.field.as_deref(), Some("text"), "{}", e.message);
    let e = cmd_err(&rig.control, "state.text", json!({"path": ["nope"]})).await;
    assert_eq!(e.field.as_deref(), Some("path"), "{}", e.message);
    assert_eq!(rig.engine.model().data()["state"], json!({"counter": 0}));
}

/// A JSON Patch with a move, copy or test operation (read whole as a
/// `json_patch::Patch`) keeps the numbers of its values: an integer `-0`
/// became `0` there, in an `add` beside a `copy` and in a `test`'s value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_patch_with_copy_or_test_keeps_every_number() {
    let rig = rig().await;
    let diff: Value = serde_json::from_str(
        r#"[{"op": "add", "path": "/exactPatch", "value": [-0, 9007199254740993, 123456789012345678901234567890]},
            {"op": "test", "path": "/exactPatch/0", "value": -0},
            {"op": "copy", "from": "/exactPatch", "path": "/exactCopy"}]"#,
    )
    .expect("json");
    let (_dash, _notes) = client(&rig.dashboard_url).await;
    let id = new_connection(rig.control.state(), &[]).await;
    // The shared state, and one connection's own.
    let own = json!({"value": {}, "connection": id});
    cmd(&rig.control, "state.replace", own).await;
    for connection in [Value::Null, json!(id)] {
        let target = json!({ "diff": diff, "connection": connection });
        cmd(&rig.control, "state.patch", target).await;
        for path in ["exactPatch", "exactCopy"] {
            let at = json!({ "path": [path], "connection": connection });
            let text = cmd(&rig.control, "state.text", at).await;
            let held: Value = serde_json::from_str(text.as_str().expect("text")).expect("json");
            assert_eq!(
                serde_json::to_string(&held).expect("json"),
                "[-0,9007199254740993,123456789012345678901234567890]",
                "{path} of {connection}"
            );
        }
    }
}

/// A dashboard's request whose rule sets the state, between the user's
/// edit and Undo: Undo took back the rule's change (it was on the undo
/// stack as if the user had made it). Now Undo takes back the user's edit
/// and keeps the rule's; when the rule changed the user's own place,
/// Undo is refused with where and by what, and only that step goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_takes_back_the_users_edit_not_a_rules() {
    let rig = rig().await;
    let (dash, _notes) = client(&rig.dashboard_url).await;
    let view = dash.state();
    let model = rig.control.state();
    wait_at(view, "/counter", json!(0)).await;

    cmd(
        &rig.control,
        "state.set",
        json!({"path": ["counter"], "value": 1}),
    )
    .await;
    within("set", dash.send("set", json!("by the dashboard")))
        .await
        .expect("answered");
    wait_at(model, "/state/fromRule", json!("by the dashboard")).await;
    wait_at(model, "/history/undo", json!(1)).await;

    assert_eq!(
        cmd(&rig.control, "state.undo", json!({})).await,
        json!(true)
    );
    wait_at(view, "/counter", json!(0)).await;
    wait_at(model, "/state/fromRule", json!("by the dashboard")).await;
    assert_eq!(
        cmd(&rig.control, "state.redo", json!({})).await,
        json!(true)
    );
    wait_at(view, "/counter", json!(1)).await;

    // The user's own place changed by the rule: refused, not written over.
    cmd(
        &rig.control,
        "state.set",
        json!({"path": ["fromRule"], "value": "by me"}),
    )
    .await;
    within("set", dash.send("set", json!("again")))
        .await
        .expect("answered");
    wait_at(model, "/state/fromRule", json!("again")).await;
    let err = cmd_err(&rig.control, "state.undo", json!({})).await;
    assert_eq!(err.code, "history", "{err:?}");
    assert!(
        err.message
            .contains("/fromRule was changed since by a request rule"),
        "{err:?}"
    );
    assert!(err.message.contains("that edit stays"), "{err:?}");
    // Only that step goes: the older edit of /counter still undoes.
    wait_at(model, "/history/undo", json!(1)).await;
    wait_at(view, "/fromRule", json!("again")).await;
    assert_eq!(
        cmd(&rig.control, "state.undo", json!({})).await,
        json!(true)
    );
    wait_at(view, "/counter", json!(0)).await;
    wait_at(view, "/fromRule", json!("again")).await;
}
