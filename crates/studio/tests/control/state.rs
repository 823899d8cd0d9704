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
