//! The traffic log: pairs, followers, bursts.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_pairs_requests_with_responses() {
    let mut rig = rig().await;
    cmd(&rig.control, "traffic.follow", json!({"on": true})).await;
    let (dash, _) = client(&rig.dashboard_url).await;
    assert_eq!(
        within("respond", dash.send("respond", json!({"q": 1})))
            .await
            .expect("respond"),
        json!({"ok": true})
    );
    let event = within("the response's traffic event", async {
        loop {
            let data = next_named(&mut rig.events, "traffic").await;
            if let Some(e) = entries_of(&data)
                .into_iter()
                .find(|e| e["kind"] == json!("response"))
            {
                return e;
            }
        }
    })
    .await;
    assert!(event["rttMs"].as_f64().is_some(), "{event}");

    let filter = json!({"kinds": ["request", "response"]});
    let entries = cmd(&rig.control, "traffic.query", json!({"filter": filter})).await;
    let entries = entries.as_array().expect("a list");
    let request = entries
        .iter()
        .find(|e| e["kind"] == json!("request") && e["name"] == json!("respond"))
        .unwrap_or_else(|| panic!("no request in {entries:?}"));
    assert_eq!(request["direction"], json!("in"));
    assert_eq!(request["data"], json!({"q": 1}));
    let response = entries
        .iter()
        .find(|e| e["kind"] == json!("response") && e["pair"] == request["seq"])
        .unwrap_or_else(|| panic!("no response paired with {request}"));
    assert_eq!(response["direction"], json!("out"));
    assert_eq!(response["success"], json!(true));
    assert_eq!(response["data"], json!({"ok": true}));
    assert_eq!(request["pair"], response["seq"]);
    let rtt = response["rttMs"].as_f64().expect("rttMs");
    assert!(rtt >= 0.0);
    assert_eq!(request["rttMs"], response["rttMs"]);
    assert_eq!(event["seq"], response["seq"]);

    let text = cmd(&rig.control, "traffic.export", json!({"filter": filter})).await;
    let text = text.as_str().expect("NDJSON text");
    assert!(text.ends_with('\n'));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(
        lines.contains(request) && lines.contains(response),
        "{text}"
    );
    let only = cmd(
        &rig.control,
        "traffic.query",
        json!({"filter": {"kinds": ["response"]}, "limit": 1}),
    )
    .await;
    assert_eq!(only.as_array().map(Vec::len), Some(1));

    cmd(&rig.control, "traffic.pause", json!({"paused": true})).await;
    wait_at(rig.control.state(), "/traffic/paused", json!(true)).await;
    cmd(&rig.control, "traffic.clear", json!({})).await;
    wait_at(rig.control.state(), "/traffic/entries", json!(0)).await;
    within("respond", dash.send("respond", json!(null)))
        .await
        .expect("respond");
    assert_eq!(
        cmd(&rig.control, "traffic.query", json!({})).await,
        json!([])
    );
    let e = cmd_err(&rig.control, "traffic.pause", json!({"paused": "yes"})).await;
    assert!(e.message.starts_with("paused"), "{}", e.message);
    check_model(&rig.engine);
}

/// The entries of a `traffic` notification's data (rows), as entries.
fn entries_of(data: &Value) -> Vec<Value> {
    let rows: Vec<TrafficRow> = serde_json::from_value(data.clone()).expect("a list of rows");
    rows.into_iter()
        .map(|r| json!(TrafficEntry::from(r)))
        .collect()
}

/// The seqs of the entries in a `traffic` notification's data.
fn seqs_of(data: &Value) -> Vec<u64> {
    entries_of(data)
        .iter()
        .filter_map(|e| e["seq"].as_u64())
        .collect()
}

/// The seqs of the request named `name` with `data` and of its response.
async fn request_seqs(rig: &Rig, data: Value) -> Vec<u64> {
    let entries = cmd(&rig.control, "traffic.query", json!({})).await;
    let entries = entries.as_array().expect("a list");
    let request = entries
        .iter()
        .find(|e| e["kind"] == json!("request") && e["data"] == data)
        .unwrap_or_else(|| panic!("no request {data} in {entries:?}"));
    let mut seqs = vec![request["seq"].as_u64().expect("seq")];
    seqs.extend(request["pair"].as_u64());
    seqs
}

/// The seqs of the `traffic` notifications that come until every one of
/// `want` did.
async fn traffic_until(events: &mut Events, want: &[u64]) -> Vec<u64> {
    let mut got = Vec::new();
    while !want.iter().all(|s| got.contains(s)) {
        got.extend(seqs_of(&next_named(events, "traffic").await));
    }
    got
}

/// A control client gets the log's new entries only while it follows the
/// traffic (`traffic.follow`), from the batch after it asked; the log and
/// its status in the model hold every frame either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_events_go_only_to_followers() {
    let mut rig = rig().await;
    let (dash, _) = client(&rig.dashboard_url).await;
    let (other, mut other_events) = client(&rig.endpoint.url()).await;
    let respond = |n: u64| {
        let dash = &dash;
        async move {
            within("respond", dash.send("respond", json!({"n": n})))
                .await
                .expect("respond");
        }
    };
    // Nobody follows: logged all the same.
    respond(1).await;
    let first = request_seqs(&rig, json!({"n": 1})).await;
    assert_eq!(first.len(), 2, "the request and its answer are logged");
    let last = first[1];
    wait_for(rig.control.state(), "the status to count them", |m| {
        (m["traffic"]["lastSeq"].as_u64() >= Some(last)).then_some(())
    })
    .await;

    // One follows: it gets what comes next, and only that.
    cmd(&rig.control, "traffic.follow", json!({"on": true})).await;
    cmd(&rig.control, "traffic.follow", json!({"on": true})).await;
    respond(2).await;
    let second = request_seqs(&rig, json!({"n": 2})).await;
    let got = traffic_until(&mut rig.events, &second).await;
    assert!(got.iter().all(|s| *s > last), "{got:?} after {last}");

    // It stops; the other starts: the other's first entries are the newest.
    cmd(&rig.control, "traffic.follow", json!({"on": false})).await;
    respond(3).await;
    // (A query logs what the taps handed over: the log holds the 3rd now.)
    let third = request_seqs(&rig, json!({"n": 3})).await;
    cmd(&other, "traffic.follow", json!({"on": true})).await;
    respond(4).await;
    let fourth = request_seqs(&rig, json!({"n": 4})).await;
    let from_other = seqs_of(&next_named(&mut other_events, "traffic").await);
    assert!(
        from_other.iter().all(|s| *s > third[1]),
        "{from_other:?}: nothing from before it followed"
    );
    // The first stopped following: its next entries are those after it
    // follows again, none of the 3rd or 4th request.
    cmd(&rig.control, "traffic.follow", json!({"on": true})).await;
    respond(5).await;
    let fifth = request_seqs(&rig, json!({"n": 5})).await;
    let got = traffic_until(&mut rig.events, &fifth).await;
    assert!(
        got.iter().all(|s| *s > fourth[1]),
        "{got:?}: nothing while it did not follow"
    );
    check_model(&rig.engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_traffic_comes_in_few_notifications_in_order() {
    let mut rig = rig().await;
    cmd(&rig.control, "traffic.follow", json!({"on": true})).await;
    let (dash, _) = client(&rig.dashboard_url).await;
    const N: usize = 300;
    let answers = (0..N).map(|i| dash.send("respond", json!({"i": i})));
    for a in futures_util::future::join_all(answers).await {
        a.expect("respond");
    }
    // Every request and its response, each entry once, in the order logged;
    // the entries logged close together share a notification.
    let mut seqs = Vec::new();
    let mut notifications = 0;
    within("the burst's traffic events", async {
        while seqs.len() < 2 * N {
            let data = next_named(&mut rig.events, "traffic").await;
            notifications += 1;
            for e in entries_of(&data) {
                if e["kind"] == json!("request") || e["kind"] == json!("response") {
                    seqs.push(e["seq"].as_u64().expect("seq"));
                }
            }
        }
    })
    .await;
    assert_eq!(seqs.len(), 2 * N);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(
        notifications < N,
        "{notifications} notifications for {} entries",
        2 * N
    );
}
