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
    let id = connect_to(&rig, json!({"url": server.url()})).await;
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
    let id = connect_to(&rig, json!({"url": server.url()})).await;
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

/// The status of a session once `pred` holds for it.
async fn status_where(model: &Storage, id: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let pointer = format!("/remotes/{id}/status");
    wait_for(model, &format!("{pointer} to match"), |m| {
        m.pointer(&pointer).filter(|s| pred(s)).cloned()
    })
    .await
}

async fn connect_to(rig: &Rig, target: Value) -> String {
    let answer = cmd(&rig.control, "remote.connect", json!({ "target": target })).await;
    answer["id"].as_str().expect("id").to_owned()
}

/// A wss server with a self-signed CA certificate (as `openssl req -x509`
/// makes), and its URL.
async fn self_signed_server(dir: &std::path::Path) -> (juggler::Server, String) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("cert");
    let pem = dir.join("server.pem");
    std::fs::write(&pem, format!("{}{}", cert.pem(), key.serialize_pem())).expect("write");
    let server = ServerBuilder::new()
        .pem_file(&pem)
        .expect("pem")
        .serve(TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .expect("wss server");
    let url = format!("wss://localhost:{}/ws", server.local_addr().port());
    (server, url)
}

/// A proxy to such a server, whose generation is found out by connecting
/// once, said the raw rustls text ("Other(OtherError(CaUsedAsEndEntity))")
/// and to check that the server runs: now the refusal in words and the
/// trust options, on the command line too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_to_a_refused_certificate_names_the_trust_options() {
    let rig = rig().await;
    let (server, url) = self_signed_server(rig.dir.path()).await;
    let e = cmd_err(
        &rig.control,
        "proxy.start",
        json!({"upstream": {"url": url}}),
    )
    .await;
    assert!(
        e.message
            .contains("CA certificate used as the server's own"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("--ca-file") && e.message.contains("--insecure"),
        "{}",
        e.message
    );
    assert!(!e.message.contains("OtherError"), "{}", e.message);
    assert!(
        !e.message.contains("check that the server runs"),
        "{}",
        e.message
    );
    server.shutdown().await;
}

/// A self-signed (CA) certificate was "invalid peer certificate:
/// Other(OtherError(CaUsedAsEndEntity))", retried for ever with no hint;
/// now the session stops, says why in words and names the target's trust
/// options, and `remote.reconnect` tries again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_certificate_stops_the_session_and_names_the_trust_options() {
    let rig = rig().await;
    let model = rig.control.state();
    let (server, url) = self_signed_server(rig.dir.path()).await;
    let id = connect_to(&rig, json!({ "url": url })).await;
    let status = status_where(model, &id, |s| s["kind"] != "connecting").await;
    assert_eq!(status["kind"], "stopped", "{status}");
    let reason = status["reason"].as_str().expect("reason");
    assert!(
        reason.contains("CA certificate used as the server's own"),
        "{reason}"
    );
    assert!(reason.contains("Accept any certificate"), "{reason}");
    assert!(reason.contains("CA file"), "{reason}");
    assert!(!reason.contains("OtherError"), "{reason}");
    // No retry follows.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        model.data().pointer(&format!("/remotes/{id}/status")),
        Some(&status)
    );

    // Tried again (it comes to the same end: the target is unchanged).
    cmd(&rig.control, "remote.reconnect", json!({ "id": id })).await;
    status_where(model, &id, |s| s["kind"] == "stopped").await;
    let e = cmd_err(&rig.control, "remote.reconnect", json!({ "id": "r99" })).await;
    assert_eq!(e.code, "invalid");
    server.shutdown().await;
}

/// 401 and 404 were retried for ever; they stop the session now, while a
/// refused connection keeps retrying.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_handshakes_stop_and_a_refused_connection_retries() {
    let rig = rig().await;
    let model = rig.control.state();
    let file = rig.dir.path().join("htpasswd");
    std::fs::write(&file, "alice:$apr1$abcdefgh$ZAdX7G.l3eDbgTYbm5ePE0\n").expect("write");
    let server = ServerBuilder::new()
        .htpasswd_file(&file)
        .expect("htpasswd")
        .serve(TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .expect("server");
    let id = connect_to(&rig, json!({ "url": server.url() })).await;
    let status = status_where(model, &id, |s| s["kind"] != "connecting").await;
    assert_eq!(status["kind"], "stopped", "{status}");
    assert!(
        status["reason"].as_str().expect("reason").contains("401"),
        "{status}"
    );
    server.shutdown().await;

    let (server, _state) = remote_server().await;
    let url = format!("ws://{}/nowhere", server.local_addr());
    let id = connect_to(&rig, json!({ "url": url })).await;
    let status = status_where(model, &id, |s| s["kind"] != "connecting").await;
    assert_eq!(status["kind"], "stopped", "{status}");
    let reason = status["reason"].as_str().expect("reason");
    assert!(
        reason.contains("404") && reason.contains("path"),
        "{reason}"
    );

    let port = server.local_addr().port();
    server.shutdown().await;
    let id = connect_to(&rig, json!({ "url": format!("ws://127.0.0.1:{port}/ws") })).await;
    let status = status_where(model, &id, |s| s["kind"] == "disconnected").await;
    assert!(status["retryInMs"].is_u64(), "{status}");
}

/// A URL without the WebSocket path (the server redirects `/` to its page)
/// and ws:// to a TLS server were retried for ever; they stop the session
/// with what to change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_path_or_a_tls_mismatch_stops_with_the_fix() {
    let rig = rig().await;
    let model = rig.control.state();
    let (server, _state) = remote_server().await;
    let (tls, tls_url) = self_signed_server(rig.dir.path()).await;
    let tls_plain = tls_url.replace("wss://", "ws://");
    for (url, fix) in [
        (format!("ws://{}", server.local_addr()), "/ws"),
        (tls_plain, "use wss://"),
    ] {
        let id = connect_to(&rig, json!({ "url": url })).await;
        let status = status_where(model, &id, |s| s["kind"] != "connecting").await;
        assert_eq!(status["kind"], "stopped", "{url}: {status}");
        let reason = status["reason"].as_str().expect("reason");
        assert!(reason.contains(fix), "{url}: {reason}");
    }
    server.shutdown().await;
    tls.shutdown().await;
}

/// A session forced to 0.7 with a 0.6 server said "closed by peer —
/// retrying now" for ever; after a few closes before any message the
/// status says the server may speak 0.6 and suggests "auto".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_generation_the_server_does_not_speak_is_suggested_auto() {
    let rig = rig().await;
    let model = rig.control.state();
    let server = ServerBuilder::new()
        .generation(juggler::Generation::V06)
        .serve(TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .expect("0.6 server");
    let id = connect_to(&rig, json!({ "url": server.url(), "generation": "0.7" })).await;
    let status = status_where(model, &id, |s| {
        s["reason"]
            .as_str()
            .is_some_and(|r| r.contains("may speak juggler 0.6"))
    })
    .await;
    assert_eq!(status["kind"], "disconnected", "{status}");
    assert!(
        status["reason"]
            .as_str()
            .expect("reason")
            .contains("\"auto\""),
        "{status}"
    );
    server.shutdown().await;
}

/// The Client pane's composer sends its data as text: the remote gets
/// every number as typed (its `echo` answers them back, also exactly).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_send_data_text_keeps_every_number() {
    let rig = rig().await;
    let (server, _state) = remote_server().await;
    let id = connect_to(&rig, json!({"url": server.url()})).await;
    wait_at(
        rig.control.state(),
        &format!("/remotes/{id}/status"),
        json!({"kind": "connected"}),
    )
    .await;
    let text = "[123456789012345678901234567890, -0, 9007199254740993, -0.0]";
    let answer = cmd(
        &rig.control,
        "remote.send",
        json!({"id": id, "name": "echo", "dataText": text}),
    )
    .await;
    assert_eq!(
        serde_json::to_string(&answer).expect("json"),
        "[123456789012345678901234567890,-0,9007199254740993,-0.0]"
    );
    let e = cmd_err(
        &rig.control,
        "remote.send",
        json!({"id": id, "name": "echo", "dataText": "[1,"}),
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("dataText"), "{}", e.message);
    assert_eq!(e.line, Some(1), "{}", e.message);
}

/// Reconnect could not change the target: a session stopped on a wrong
/// path (404) had to be closed and connected again from a changed form,
/// a new tab with none of its history. Now `remote.reconnect` takes the
/// changed target: the same session connects to it, keeping its id and
/// what it had; a target that cannot connect leaves it as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_takes_a_changed_target_and_keeps_the_session() {
    let rig = rig().await;
    let model = rig.control.state();
    let (server, _state) = remote_server().await;
    let wrong = format!("ws://{}/nowhere", server.local_addr());
    let id = connect_to(&rig, json!({ "url": wrong, "generation": "0.6" })).await;
    let status = status_where(model, &id, |s| s["kind"] != "connecting").await;
    assert_eq!(status["kind"], "stopped", "{status}");
    let sent = cmd_err(
        &rig.control,
        "remote.send",
        json!({ "id": id, "name": "echo" }),
    )
    .await;
    assert_eq!(sent.code, "invalid");

    let e = cmd_err(
        &rig.control,
        "remote.reconnect",
        json!({ "id": id, "target": { "url": "http://x/ws" } }),
    )
    .await;
    assert!(e.message.contains("ws://"), "{}", e.message);
    assert_eq!(
        model.data().pointer(&format!("/remotes/{id}/target/url")),
        Some(&json!(wrong)),
        "a refused target changed nothing"
    );

    let right = format!("ws://{}/ws", server.local_addr());
    cmd(
        &rig.control,
        "remote.reconnect",
        json!({ "id": id, "target": { "url": right, "generation": "0.6" } }),
    )
    .await;
    status_where(model, &id, |s| s["kind"] == "connected").await;
    let m = model.data();
    assert_eq!(m["remotes"].as_object().map(|r| r.len()), Some(1), "{m}");
    assert_eq!(m["remotes"][&id]["target"]["url"], json!(right));
    let answer = cmd(
        &rig.control,
        "remote.send",
        json!({ "id": id, "name": "echo", "data": 7 }),
    )
    .await;
    assert_eq!(answer, json!(7));
    // The request that failed while stopped is still in the session's list.
    let pointer = format!("/remotes/{id}/requests");
    wait_for(model, "both requests in the session's list", |m| {
        m.pointer(&pointer)
            .and_then(Value::as_array)
            .filter(|r| r.len() == 2)
            .cloned()
    })
    .await;
    server.shutdown().await;
}

/// The form of a stopped session never gets its password back (it is
/// not published): a reconnect that leaves it out keeps the session's
/// for the same user, and sends none for another user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_keeps_the_password_for_the_same_user() {
    let rig = rig().await;
    let model = rig.control.state();
    let file = rig.dir.path().join("htpasswd");
    // `openssl passwd -apr1 -salt abcdefgh 'secret pass'`
    std::fs::write(&file, "alice:$apr1$abcdefgh$ZAdX7G.l3eDbgTYbm5ePE0\n").expect("write");
    let server = ServerBuilder::new()
        .htpasswd_file(&file)
        .expect("htpasswd")
        .serve(TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .expect("server");
    let right = server.url();
    let wrong = right.replace("/ws", "/nowhere");
    let id = connect_to(
        &rig,
        json!({ "url": wrong, "user": "alice", "password": "secret pass" }),
    )
    .await;
    status_where(model, &id, |s| s["kind"] == "stopped").await;
    assert_eq!(model.data()["remotes"][&id]["target"].get("password"), None);

    cmd(
        &rig.control,
        "remote.reconnect",
        json!({ "id": id, "target": { "url": right, "user": "alice" } }),
    )
    .await;
    status_where(model, &id, |s| s["kind"] == "connected").await;

    cmd(
        &rig.control,
        "remote.reconnect",
        json!({ "id": id, "target": { "url": right, "user": "bob" } }),
    )
    .await;
    let status = status_where(model, &id, |s| s["kind"] == "stopped").await;
    assert!(
        status["reason"].as_str().expect("reason").contains("401"),
        "{status}"
    );
    server.shutdown().await;
}
