//! Remote sessions: mirror, notify, send, disconnect, refusals.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_sessions_mirror_notify_send_and_disconnect() {
    let mut rig = rig().await;
    let model = rig.control.state();
    let (server, state) = remote_server().await;

    let answer = cmd(
        &rig.control,
        "remote.connect",
        json!({"target": {"url": server.url()}}),
    )
    .await;
    let id = answer["id"].as_str().expect("id").to_owned();
    let at = |p: &str| format!("/remotes/{id}{p}");
    wait_at(model, &at("/status"), json!({"kind": "connected"})).await;
    wait_at(model, &at("/state"), json!({"temp": 20})).await;
    wait_at(model, &at("/target/url"), json!(server.url())).await;

    state.set(juggler::path!["temp"], json!(21));
    wait_at(model, &at("/state/temp"), json!(21)).await;
    state.set(juggler::path!["alarms"], json!(["hot"]));
    wait_at(model, &at("/state"), json!({"temp": 21, "alarms": ["hot"]})).await;

    // The mirrored state came from it: the server knows the connection.
    let conn = server
        .connections()
        .into_iter()
        .next()
        .expect("the session's connection");
    conn.notify("alarm", json!({"level": 3}))
        .await
        .expect("notify");
    let event = next_named(&mut rig.events, "remote.notify").await;
    assert_eq!(
        event,
        json!({"session": id, "name": "alarm", "data": {"level": 3}})
    );
    let kept = wait_for(model, "the kept notification", |m| {
        m.pointer(&at("/notifications/0")).cloned()
    })
    .await;
    assert_eq!(kept["name"], json!("alarm"));
    assert_eq!(kept["data"], json!({"level": 3}));

    assert_eq!(
        cmd(
            &rig.control,
            "remote.send",
            json!({"id": id, "name": "echo", "data": [1, 2]}),
        )
        .await,
        json!([1, 2])
    );
    let e = cmd_err(
        &rig.control,
        "remote.send",
        json!({"id": id, "name": "boom"}),
    )
    .await;
    assert_eq!(e.code, "remoteError");
    assert_eq!(e.data, Some(json!({"bad": "boom"})));
    let e = cmd_err(
        &rig.control,
        "remote.send",
        json!({"id": "r999", "name": "echo"}),
    )
    .await;
    assert_eq!(e.code, "invalid");
    // The requests and their answers are kept, oldest first.
    let requests = wait_for(model, "two remote requests in the model", |m| {
        let list = m.pointer(&at("/requests"))?.as_array()?.clone();
        (list.len() == 2).then_some(list)
    })
    .await;
    assert_eq!(requests[0]["name"], json!("echo"));
    assert_eq!(requests[0]["success"], json!(true));
    assert_eq!(requests[0]["answer"], json!([1, 2]));
    assert_eq!(requests[1]["success"], json!(false));
    assert_eq!(requests[1]["answer"], json!({"bad": "boom"}));
    assert!(requests[1]["rttMs"].as_f64().is_some());
    wait_for(model, "a round-trip time", |m| {
        m.pointer(&at("/rttMs"))?.as_f64()
    })
    .await;
    check_model(&rig.engine);

    cmd(&rig.control, "remote.disconnect", json!({"id": id})).await;
    wait_gone(model, &format!("/remotes/{id}")).await;
    within("the session's connection to close", conn.wait_closed()).await;
    let e = cmd_err(&rig.control, "remote.disconnect", json!({"id": id})).await;
    assert_eq!(e.code, "invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_sessions_that_cannot_connect() {
    let rig = rig().await;
    let model = rig.control.state();

    // Refused at once: nothing is left in the model.
    for target in [
        json!({"url": "http://127.0.0.1:1/ws"}),
        json!({"url": "ws://127.0.0.1:1/ws", "generation": "0.9"}),
    ] {
        let e = cmd_err(&rig.control, "remote.connect", json!({"target": target})).await;
        assert_eq!(e.code, "invalid", "{}", e.message);
    }
    let e = cmd_err(
        &rig.control,
        "remote.connect",
        json!({"target": {"nope": 1}}),
    )
    .await;
    assert!(e.message.starts_with("target"), "{}", e.message);
    assert_eq!(rig.engine.model().data()["remotes"], json!({}));

    // Nobody listens: the session says why and when it retries.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let answer = cmd(
        &rig.control,
        "remote.connect",
        json!({"url": format!("ws://127.0.0.1:{port}/ws"), "user": "me", "password": "secret"}),
    )
    .await;
    let id = answer["id"].as_str().expect("id").to_owned();
    let status = wait_for(model, "a disconnected status", |m| {
        let s = m.pointer(&format!("/remotes/{id}/status"))?;
        (s["kind"] == json!("disconnected")).then(|| s.clone())
    })
    .await;
    assert!(
        status["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{status}"
    );
    assert!(
        status["retryInMs"].as_u64().is_some_and(|ms| ms >= 500),
        "{status}"
    );
    let target = rig.engine.model().data()["remotes"][&id]["target"].clone();
    assert_eq!(target["user"], json!("me"));
    assert!(
        target.get("password").is_none(),
        "the password is published: {target}"
    );
    check_model(&rig.engine);
    cmd(&rig.control, "remote.disconnect", json!({"id": id})).await;
    wait_at(model, "/remotes", json!({})).await;
}

/// The Client pane shows a number that a double cannot hold by its text
/// from `remote.text`: exactly as the remote sent it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_text_is_the_remote_state_as_sent() {
    let rig = rig().await;
    let model = rig.control.state();
    let (server, state) = remote_server().await;
    let id = cmd(
        &rig.control,
        "remote.connect",
        json!({"target": {"url": server.url()}}),
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let big: Value = serde_json::from_str("123456789012345678901234567890").expect("json");
    state.set(juggler::path!["big"], big.clone());
    wait_at(model, &format!("/remotes/{id}/state/big"), big).await;
    assert_eq!(
        cmd(
            &rig.control,
            "remote.text",
            json!({"id": id, "path": ["big"]})
        )
        .await,
        json!("123456789012345678901234567890")
    );
    assert_eq!(
        cmd(&rig.control, "remote.text", json!({"id": id})).await,
        json!("{\n  \"temp\": 20,\n  \"big\": 123456789012345678901234567890\n}")
    );
    let e = cmd_err(
        &rig.control,
        "remote.text",
        json!({"id": id, "path": ["nope"]}),
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("path"), "{}", e.message);
    let e = cmd_err(&rig.control, "remote.text", json!({"id": "r99"})).await;
    assert_eq!(e.code, "invalid");
}

/// A recording of a session whose target left the generation to detection
/// names the generation it speaks: "auto" in the file was replayed and
/// mocked as 0.6, so a 0.7 page could not connect to either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_of_a_detected_session_names_its_generation() {
    let rig = rig().await;
    let model = rig.control.state();
    let server = ServerBuilder::new()
        .generation(juggler::Generation::V07)
        .serve(TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .expect("0.7 server");
    let answer = cmd(
        &rig.control,
        "remote.connect",
        json!({"target": {"url": server.url()}}),
    )
    .await;
    let id = answer["id"].as_str().expect("id").to_owned();
    wait_at(
        model,
        &format!("/remotes/{id}/status"),
        json!({"kind": "connected"}),
    )
    .await;
    let file = rig.dir.path().join("remote07.ndjson");
    let rec = cmd(
        &rig.control,
        "record.start",
        json!({"remote": id, "path": file.display().to_string()}),
    )
    .await;
    cmd(&rig.control, "record.stop", json!({"id": rec["id"]})).await;
    let header = studio::recording::Recording::read_header(&file).expect("header");
    assert_eq!(header.generation, "0.7");
    server.shutdown().await;
}
