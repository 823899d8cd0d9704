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

/// Starts a proxy to `upstream`; its browsers' address.
async fn proxy_to(rig: &Rig, upstream: &juggler::Server) -> String {
    let info = cmd(
        &rig.control,
        "proxy.start",
        json!({"upstream": {"url": upstream.url()}}),
    )
    .await;
    info["url"].as_str().expect("url").to_owned()
}

/// A back end that, for `step` N, sets `/n` to N, flushes, notifies `did`
/// N and answers N (what a hat-juggler handler that calls `flush()` does),
/// and for `burst` N sends N notifications before it answers.
async fn ordered_server() -> juggler::Server {
    ServerBuilder::new()
        .autoflush(Some(Duration::from_millis(200)))
        .on_request(|conn, name, data| async move {
            match name.as_str() {
                "step" => {
                    conn.state().set(juggler::path!["n"], data.clone());
                    conn.flush()
                        .await
                        .map_err(|e| juggler::HandlerError::from(e.to_string()))?;
                    conn.notify("did", &data)
                        .await
                        .map_err(|e| juggler::HandlerError::from(e.to_string()))?;
                    Ok(data)
                }
                "burst" => {
                    let n = data.as_u64().unwrap_or(0);
                    for i in 0..n {
                        conn.notify("tick", &json!(i))
                            .await
                            .map_err(|e| juggler::HandlerError::from(e.to_string()))?;
                    }
                    Ok(json!(n))
                }
                _ => Err(juggler::HandlerError(json!({"bad": name}))),
            }
        })
        .serve(TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .expect("upstream")
}

/// The browser gets the upstream's messages in the upstream's order: the
/// state change, then the notification, then the answer, request after
/// request (each went its own way through the proxy and they overtook
/// each other); and a burst of notifications as fast as the upstream
/// sends them reaches it whole (it was closed past 1,024).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_keeps_the_upstreams_order_and_passes_bursts() {
    let rig = rig().await;
    let upstream = ordered_server().await;
    let url = proxy_to(&rig, &upstream).await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let tap = seen.clone();
    let browser = ClientBuilder::new(&url)
        .on_traffic(move |t| {
            let kind = match t.message {
                juggler::MessageView::State { .. } => "S",
                juggler::MessageView::Notify { .. } => "N",
                juggler::MessageView::Response { .. } => "R",
                juggler::MessageView::Request { .. } => return,
            };
            tap.lock().expect("lock").push(kind.to_owned());
        })
        .connect()
        .await
        .expect("connect through the proxy");
    for n in 1..=20 {
        assert_eq!(
            browser.send("step", json!(n)).await.expect("step"),
            json!(n)
        );
        assert_eq!(
            browser.state().get(juggler::path!["n"]),
            Some(json!(n)),
            "the answer came before the state change made for it"
        );
    }
    let order: String = seen.lock().expect("lock").concat();
    // A first state may come before the first request.
    let order = if order.starts_with("SS") {
        &order[1..]
    } else {
        &order[..]
    };
    assert_eq!(order, "SNR".repeat(20), "the browser's order");

    let ticks = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let count = ticks.clone();
    let burst = ClientBuilder::new(&url)
        .on_notify(move |name, _| {
            if name == "tick" {
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        })
        .connect()
        .await
        .expect("connect through the proxy");
    assert_eq!(
        burst.send("burst", json!(5000)).await.expect("burst"),
        json!(5000)
    );
    assert_eq!(
        ticks.load(std::sync::atomic::Ordering::Relaxed),
        5000,
        "every notification came before the answer"
    );
    assert!(burst.is_open());
    upstream.shutdown().await;
}

/// A browser the proxy cannot serve (its upstream is down) is told why in
/// the close frame, not closed without a word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_is_told_when_the_upstream_cannot_be_reached() {
    let rig = rig().await;
    let upstream = ordered_server().await;
    let info = cmd(
        &rig.control,
        "proxy.start",
        json!({"upstream": {"url": upstream.url(), "generation": "0.6"}}),
    )
    .await;
    upstream.shutdown().await;
    let url = info["url"].as_str().expect("url").to_owned();
    let browser = ClientBuilder::new(&url)
        .connect()
        .await
        .expect("the proxy takes the browser");
    within("the proxy to close the browser", browser.wait_closed()).await;
    let reason = browser.close_reason().unwrap_or_default();
    assert!(
        reason.contains("cannot reach the upstream"),
        "close reason: {reason:?}"
    );
    // The proxy's card says so too (it showed "0 browsers" as if all was
    // well), and stops saying it once a browser reaches the upstream again.
    let id = info["id"].as_str().expect("id").to_owned();
    let down = format!("/proxies/{id}/upstreamDown/reason");
    let model = rig.control.state();
    wait_for(model, "the proxy's upstream marked down", |m| {
        m.pointer(&down)?.as_str().map(str::to_owned)
    })
    .await;
    let addr = upstream
        .url()
        .trim_start_matches("ws://")
        .trim_end_matches("/ws")
        .to_owned();
    let back = ServerBuilder::new()
        .serve(
            TcpListener::bind(&addr)
                .await
                .expect("the upstream's port again"),
        )
        .expect("upstream");
    let browser = ClientBuilder::new(&url)
        .connect()
        .await
        .expect("the proxy takes the browser");
    wait_at(model, &format!("/proxies/{id}/upstreamDown"), Value::Null).await;
    assert!(browser.is_open());
    back.shutdown().await;
}

/// A back end that answers `tick` N with N and, once that answer is on its
/// way, notifies `after` N (as a timer that fires right after an answer
/// does): on its wire the answer comes first. Also returns what it wrote,
/// in its wire's order (`R1`, `N1`, …: a notification may still come after
/// the next answer when the next request is quicker than its timer).
async fn answer_then_notify_server() -> (juggler::Server, Arc<std::sync::Mutex<Vec<String>>>) {
    let written = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let tap_written = written.clone();
    let conns = Arc::new(std::sync::Mutex::new(std::collections::HashMap::<
        u64,
        juggler::server::Connection,
    >::new()));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Value)>();
    let on_req = conns.clone();
    let server = ServerBuilder::new()
        .autoflush(Some(Duration::ZERO))
        // Known from its first request on: the connection callback may run
        // after that request's answer went out (its notification then
        // found no connection, and the test waited for it in vain).
        .on_request(move |conn, _name, data| {
            on_req.lock().expect("lock").insert(conn.id(), conn);
            async move { Ok(data) }
        })
        .on_traffic(move |conn, t| {
            // The tap sees each message just before it is written: whatever
            // is sent from here on goes after it.
            match t.message {
                juggler::MessageView::Response { data, .. } => {
                    tap_written.lock().expect("lock").push(format!("R{data}"));
                    let _ = tx.send((conn, data.clone()));
                }
                juggler::MessageView::Notify { data, .. } => {
                    tap_written.lock().expect("lock").push(format!("N{data}"));
                }
                _ => {}
            }
        })
        .serve(TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .expect("upstream");
    tokio::spawn(async move {
        while let Some((id, data)) = rx.recv().await {
            let conn = conns.lock().expect("lock").get(&id).cloned();
            if let Some(conn) = conn {
                let _ = conn.notify("after", &data).await;
            }
        }
    });
    (server, written)
}

/// A notification the upstream sends right after an answer reaches the
/// browser after that answer (it overtook it: the proxy showed it while the
/// answer was still on its way out of the request's handler).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_right_after_an_answer_does_not_overtake_it() {
    let rig = rig().await;
    let (upstream, written) = answer_then_notify_server().await;
    let url = proxy_to(&rig, &upstream).await;
    const N: u64 = 100;
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let done = Arc::new(tokio::sync::Notify::new());
    let (tap, tap_done) = (seen.clone(), done.clone());
    let browser = ClientBuilder::new(&url)
        .on_traffic(move |t| {
            let entry = match t.message {
                juggler::MessageView::Notify { data, .. } => format!("N{data}"),
                juggler::MessageView::Response { data, .. } => format!("R{data}"),
                _ => return,
            };
            let mut seen = tap.lock().expect("lock");
            seen.push(entry);
            if seen.len() == 2 * N as usize {
                tap_done.notify_one();
            }
        })
        .connect()
        .await
        .expect("connect through the proxy");
    for n in 1..=N {
        assert_eq!(
            browser.send("tick", json!(n)).await.expect("tick"),
            json!(n)
        );
    }
    within("the last notification", done.notified()).await;
    let order = seen.lock().expect("lock").clone();
    // In the upstream's order, whatever it was; each answer before its
    // own notification there.
    let expected = written.lock().expect("lock").clone();
    assert_eq!(
        order, expected,
        "the browser's order against the upstream's"
    );
    for n in 1..=N {
        let at = |m: String| expected.iter().position(|e| *e == m);
        assert!(at(format!("R{n}")) < at(format!("N{n}")), "{expected:?}");
    }
    upstream.shutdown().await;
}

/// `proxy --record FILE`: every browser is recorded from its start to its
/// end, each to its own file (the first to FILE, the next FILE-2…); a
/// `record.stop` after its browser left answers what the complete file
/// holds (it was "no recording: it may have stopped", which told a script
/// nothing of the file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_records_each_browser_to_its_own_file() {
    let rig = rig().await;
    let model = rig.control.state();
    let (upstream, _upstream_state) = remote_server().await;
    let url = proxy_to(&rig, &upstream).await;
    let id = "p1";
    let file = rig.dir.path().join("browsers.ndjson");
    rig.engine
        .proxy_record_browsers(id, &file)
        .expect("record the proxy's browsers");
    let (first, _first_events) = client(&url).await;
    assert_eq!(
        first.send("echo", json!([1, 2])).await.expect("echo"),
        json!([1, 2])
    );
    let (second, _second_events) = client(&url).await;
    wait_for(model, "both browsers recorded", |m| {
        (m.get("recordings")?.as_object()?.len() == 2).then_some(())
    })
    .await;
    let recordings = model.get(juggler::path!["recordings"]).expect("recordings");
    let first_rec = recordings
        .as_object()
        .expect("by id")
        .values()
        .find(|r| r["path"] == json!(file.display().to_string()))
        .unwrap_or_else(|| panic!("no recording to {}: {recordings:#}", file.display()))
        .clone();
    let second_file = rig.dir.path().join("browsers-2.ndjson");
    assert!(
        recordings
            .as_object()
            .expect("by id")
            .values()
            .any(|r| r["path"] == json!(second_file.display().to_string())),
        "{recordings:#}"
    );
    drop(first);
    let rec_id = first_rec["id"].as_str().expect("an id");
    wait_gone(model, &format!("/recordings/{rec_id}")).await;
    let info = cmd(&rig.control, "record.stop", json!({"id": rec_id})).await;
    let recording = studio::recording::Recording::read(&file).expect("the file reads back");
    assert_eq!(info["entries"], json!(recording.entries.len()), "{info}");
    assert!(!recording.truncated_tail);
    let kinds: Vec<&str> = recording.entries.iter().map(|e| e.event.kind()).collect();
    assert!(
        kinds.contains(&"request") && kinds.contains(&"response"),
        "{kinds:?}"
    );
    let e = cmd_err(&rig.control, "record.stop", json!({"id": "rec-none"})).await;
    assert!(e.message.contains("none was started"), "{}", e.message);
    drop(second);
}
