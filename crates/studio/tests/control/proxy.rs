//! The proxy: relays both ways, logs both sides, overrides paths.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_relays_both_ways_logs_both_sides_and_overrides_paths() {
    let rig = rig().await;
    let model = rig.control.state();
    let (upstream, upstream_state) = remote_server().await;
    let e = cmd_err(
        &rig.control,
        "proxy.start",
        json!({"upstream": {"url": "http://nope"}}),
    )
    .await;
    assert!(e.message.contains("not a WebSocket URL"), "{}", e.message);
    let info = cmd(
        &rig.control,
        "proxy.start",
        json!({"upstream": {"url": upstream.url()}}),
    )
    .await;
    let id = info["id"].as_str().expect("id").to_owned();
    let url = info["url"].as_str().expect("url").to_owned();
    let (browser, mut browser_events) = client(&url).await;
    wait_at(browser.state(), "/temp", json!(20)).await;
    wait_at(model, &format!("/proxies/{id}/connections"), json!(1)).await;
    let browser_id = wait_for(model, "the browser's id", |m| {
        m.pointer(&format!("/proxies/{id}/browsers/0"))?.as_u64()
    })
    .await;
    // What the proxy sends this browser can be recorded.
    let file = rig.dir.path().join("proxied.ndjson");
    let rec = cmd(
        &rig.control,
        "record.start",
        json!({"proxy": id, "connection": browser_id, "path": file.display().to_string()}),
    )
    .await;

    // Upstream → browser: state and notifications.
    upstream_state.set(juggler::path!["temp"], json!(21));
    wait_at(browser.state(), "/temp", json!(21)).await;
    for conn in upstream.connections() {
        conn.notify("alarm", &json!({"level": 2}))
            .await
            .expect("notify");
    }
    assert_eq!(
        next_named(&mut browser_events, "alarm").await,
        json!({"level": 2})
    );
    // Browser → upstream: requests and their answers, failures included.
    assert_eq!(
        browser.send("echo", json!([1, 2])).await.expect("echo"),
        json!([1, 2])
    );
    match browser.send("boom", json!(null)).await {
        Err(juggler::Error::Juggler(data)) => assert_eq!(data, json!({"bad": "boom"})),
        other => panic!("expected the upstream's failure, got {other:?}"),
    }

    // What if: the browser sees the override, the upstream is untouched.
    cmd(
        &rig.control,
        "proxy.override",
        json!({"id": id, "pointer": "/temp", "value": 99}),
    )
    .await;
    wait_at(browser.state(), "/temp", json!(99)).await;
    upstream_state.set(juggler::path!["other"], json!(true));
    wait_at(browser.state(), "/other", json!(true)).await;
    assert_eq!(browser.state().get(juggler::path!["temp"]), Some(json!(99)));
    assert_eq!(upstream_state.get(juggler::path!["temp"]), Some(json!(21)));
    wait_at(
        model,
        &format!("/proxies/{id}/overrides"),
        json!({"/temp": 99}),
    )
    .await;
    cmd(
        &rig.control,
        "proxy.override",
        json!({"id": id, "pointer": "/temp"}),
    )
    .await;
    wait_at(browser.state(), "/temp", json!(21)).await;
    let info = cmd(&rig.control, "record.stop", json!({"id": rec["id"]})).await;
    assert!(info["entries"].as_u64().unwrap_or(0) >= 4, "{info}");
    let recording = studio::recording::Recording::read(&file).expect("read");
    let states: Vec<Value> = {
        let tl = studio::recording::Timeline::new(recording.entries.clone()).expect("timeline");
        (0..=recording.entries.len())
            .map(|i| tl.state_at(i).expect("state")["temp"].clone())
            .collect()
    };
    // The browser saw 20, 21, the override 99, then 21 again.
    assert!(
        states.contains(&json!(99)) && states.last() == Some(&json!(21)),
        "{states:?}"
    );
    let kinds: Vec<&str> = recording.entries.iter().map(|e| e.event.kind()).collect();
    assert!(
        kinds.contains(&"notify") && kinds.contains(&"request"),
        "{kinds:?}"
    );

    // Both sides are in the traffic log.
    let requests = cmd(
        &rig.control,
        "traffic.query",
        json!({"filter": {"kinds": ["request"], "name": "echo"}}),
    )
    .await;
    let sides: Vec<&str> = requests
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["peer"]["proxy"]["side"].as_str())
        .collect();
    assert!(
        sides.contains(&"browser") && sides.contains(&"upstream"),
        "{requests:#}"
    );
    // The filter `proxy` takes this proxy's traffic, both sides, and only it
    // (asked after the whole log, it holds at least that log's entries of it).
    let everything = cmd(&rig.control, "traffic.query", json!({})).await;
    let mine = cmd(
        &rig.control,
        "traffic.query",
        json!({"filter": {"proxy": id}}),
    )
    .await;
    let mine = mine.as_array().expect("list");
    let of_this_proxy = |e: &Value| e["peer"]["proxy"]["proxy"].as_str() == Some(id.as_str());
    assert!(mine.iter().all(of_this_proxy), "{mine:#?}");
    for side in ["browser", "upstream"] {
        assert!(
            mine.iter()
                .any(|e| e["peer"]["proxy"]["side"].as_str() == Some(side)),
            "no {side} side in {mine:#?}"
        );
    }
    let mine_seqs: Vec<&Value> = mine.iter().map(|e| &e["seq"]).collect();
    for e in everything.as_array().expect("list") {
        assert_eq!(
            of_this_proxy(e),
            mine_seqs.contains(&&e["seq"]),
            "{e:#} and {mine:#?}"
        );
    }
    let text = cmd(
        &rig.control,
        "traffic.export",
        json!({"filter": {"proxy": id, "kinds": ["request"], "name": "echo"}}),
    )
    .await;
    assert_eq!(
        text.as_str().expect("text").lines().count(),
        sides.len(),
        "{text}"
    );
    let none = cmd(
        &rig.control,
        "traffic.query",
        json!({"filter": {"proxy": "p-none"}}),
    )
    .await;
    assert_eq!(none, json!([]));

    // The browser leaves: its upstream connection goes too.
    drop(browser);
    wait_at(model, &format!("/proxies/{id}/connections"), json!(0)).await;
    wait_at(model, &format!("/proxies/{id}/browsers"), json!([])).await;
    within("the upstream connection to close", async {
        while !upstream.connections().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    check_model(&rig.engine);
    cmd(&rig.control, "proxy.stop", json!({"id": id})).await;
    wait_gone(model, &format!("/proxies/{id}")).await;
    assert!(
        ClientBuilder::new(&url).connect().await.is_err(),
        "the proxy stopped listening"
    );
}
