//! Fault injection.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_hold_state_skip_pings_refuse_and_drop() {
    let rig = rig().await;
    let model = rig.control.state();
    let first = client(&rig.dashboard_url).await.0;
    let id = new_connection(model, &[]).await;
    wait_at(first.state(), "/counter", json!(0)).await;

    // One connection: keep-alive pings go unanswered, named requests not.
    cmd(
        &rig.control,
        "faults.set",
        json!({"connection": id, "settings": {"ignoreEmptyRequests": true}}),
    )
    .await;
    wait_at(
        model,
        &format!("/faults/connections/{id}/ignoreEmptyRequests"),
        json!(true),
    )
    .await;
    assert!(
        tokio::time::timeout(Duration::from_millis(300), first.ping())
            .await
            .is_err(),
        "the ping was answered"
    );
    assert_eq!(
        within("respond", first.send("respond", json!(null)))
            .await
            .expect("answer"),
        json!({"ok": true})
    );
    let e = cmd_err(
        &rig.control,
        "faults.set",
        json!({"settings": {"holdStat": true}}),
    )
    .await;
    assert!(e.message.contains("holdStat"), "{}", e.message);

    // Every connection, new ones too: state is held back until cleared.
    cmd(
        &rig.control,
        "faults.set",
        json!({"settings": {"holdState": true}}),
    )
    .await;
    wait_at(model, "/faults/all/holdState", json!(true)).await;
    let second = client(&rig.dashboard_url).await.0;
    let id2 = new_connection(model, &[id]).await;
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "counter", "value": 7}),
    )
    .await;
    within("a request", second.send("respond", json!(null)))
        .await
        .expect("answer");
    assert_eq!(
        second.state().data(),
        Value::Null,
        "held state reached the new connection"
    );
    cmd(&rig.control, "faults.clear", json!({})).await;
    wait_at(second.state(), "/counter", json!(7)).await;
    wait_at(first.state(), "/counter", json!(7)).await;
    wait_at(
        model,
        "/faults",
        json!({"all": null, "connections": {}, "refuseUntil": null}),
    )
    .await;

    // Refuse new connections for a while; open ones go on.
    cmd(&rig.control, "server.refuse", json!({"ms": 60000})).await;
    let refused = ClientBuilder::new(&rig.dashboard_url).connect().await;
    let err = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("503") && err.contains("refusing"), "{err}");
    assert!(first.send("respond", json!(null)).await.is_ok());
    cmd(&rig.control, "server.refuse", json!({"ms": 0})).await;
    let third = client(&rig.dashboard_url).await.0;
    wait_at(third.state(), "/counter", json!(7)).await;

    // Drop one connection without a close frame.
    cmd(&rig.control, "connection.drop", json!({"id": id2})).await;
    within("the dropped connection to close", second.wait_closed()).await;
    wait_gone(model, &format!("/connections/{id2}")).await;
    let e = cmd_err(&rig.control, "connection.drop", json!({"id": id2})).await;
    assert_eq!(e.code, "invalid");
    check_model(&rig.engine);
}
