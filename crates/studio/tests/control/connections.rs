//! The connection list in the model.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_appear_in_the_model_and_leave_it() {
    let mut rig = rig().await;
    let model = rig.control.state();
    let (a, _) = client(&rig.dashboard_url).await;
    let id_a = new_connection(model, &[]).await;
    let opened = next_named(&mut rig.events, "connection.opened").await;
    assert_eq!(opened["id"], json!(id_a));
    let entry = rig.engine.model().data()["connections"][id_a.to_string()].clone();
    assert_eq!(entry["id"], json!(id_a));
    assert_eq!(entry["remote"], json!("127.0.0.1"));
    assert_eq!(entry["state"], Value::Null, "shared state: no own state");
    assert!(entry["connectedAt"].as_u64().is_some_and(|t| t > 0));
    check_model(&rig.engine);

    let (b, _) = client(&rig.dashboard_url).await;
    let id_b = new_connection(model, &[id_a]).await;
    // Its stats count what it sent.
    within("respond", b.send("respond", json!(null)))
        .await
        .expect("respond");
    let stats = format!("/connections/{id_b}/stats/messagesIn");
    wait_for(model, "stats of b", |m| {
        (m.pointer(&stats)?.as_u64()? >= 1).then_some(())
    })
    .await;

    a.close();
    wait_gone(model, &format!("/connections/{id_a}")).await;
    let closed = next_named(&mut rig.events, "connection.closed").await;
    assert_eq!(closed, json!({"id": id_a}));

    cmd(&rig.control, "connection.close", json!({"id": id_b})).await;
    within("b to close", b.wait_closed()).await;
    wait_at(model, "/connections", json!({})).await;
    let e = cmd_err(&rig.control, "connection.close", json!({"id": id_b})).await;
    assert_eq!(e.code, "invalid");
}
