//! Record and replay.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_dashboard_session_replays_to_another_dashboard_state_for_state() {
    // Record what one dashboard of the first studio sees and asks.
    let rig = rig().await;
    let (dashboard, mut dash_events) = client(&rig.dashboard_url).await;
    wait_for(dashboard.state(), "the dashboard's state", |s| {
        s.get("counter").map(|_| ())
    })
    .await;
    let id = new_connection(rig.control.state(), &[]).await;
    let file = rig.dir.path().join("session.ndjson");
    let e = cmd_err(
        &rig.control,
        "record.start",
        json!({"path": file.display().to_string()}),
    )
    .await;
    assert_eq!(e.code, "invalid", "{}", e.message);
    let rec = cmd(
        &rig.control,
        "record.start",
        json!({"connection": id, "path": file.display().to_string()}),
    )
    .await;
    let rec_id = rec["id"].as_str().expect("id").to_owned();
    wait_at(
        rig.control.state(),
        &format!("/recordings/{rec_id}/peer"),
        json!({"connection": id}),
    )
    .await;
    for i in 1..=5 {
        cmd(
            &rig.control,
            "state.set",
            json!({"path": "counter", "value": i}),
        )
        .await;
        wait_at(dashboard.state(), "/counter", json!(i)).await;
    }
    cmd(
        &rig.control,
        "state.set",
        json!({"path": ["alarms"], "value": [{"id": 1, "active": true}]}),
    )
    .await;
    cmd(
        &rig.control,
        "notify.send",
        json!({"name": "alarm", "data": {"id": 1}}),
    )
    .await;
    next_named(&mut dash_events, "alarm").await;
    assert_eq!(
        dashboard
            .send("greet", json!({"name": "ann"}))
            .await
            .expect("greet"),
        json!("hello ann")
    );
    assert!(dashboard.send("fail.now", json!(1)).await.is_err());
    cmd(&rig.control, "state.remove", json!({"path": ["alarms", 0]})).await;
    wait_at(dashboard.state(), "/alarms", json!([])).await;
    let info = cmd(&rig.control, "record.stop", json!({"id": rec_id})).await;
    wait_gone(rig.control.state(), &format!("/recordings/{rec_id}")).await;
    let recording = studio::recording::Recording::read(&file).expect("the file reads back");
    assert_eq!(info["entries"], json!(recording.entries.len()));
    assert_eq!(recording.header.source, format!("connection {id}"));
    let kinds: Vec<&str> = recording.entries.iter().map(|e| e.event.kind()).collect();
    assert_eq!(kinds[0], "state", "{kinds:?}");
    for k in ["state", "notify", "request", "response"] {
        assert!(kinds.contains(&k), "no {k} in {kinds:?}");
    }
    let timeline = studio::recording::Timeline::new(recording.entries.clone()).expect("timeline");
    let end = timeline.state_at(usize::MAX).expect("state");
    assert_eq!(
        end,
        dashboard.state().data(),
        "the recording ends where the dashboard is"
    );

    // Replay it in a second studio, with no rules for those requests.
    let other = rig_with(r#"{"version": 1, "server": {"port": 0, "autoflush": 0}}"#).await;
    let (viewer, mut viewer_events) = client(&other.dashboard_url).await;
    let loaded = cmd(
        &other.control,
        "replay.load",
        json!({"path": file.display().to_string()}),
    )
    .await;
    assert_eq!(loaded["entries"], json!(recording.entries.len()));
    assert_eq!(loaded["step"], json!(0));
    // The served state is the workspace's, not the recording's, until a seek.
    assert_eq!(loaded["served"], json!(false));
    // Step by step: after each state entry the viewer has exactly the
    // recorded state, byte for byte.
    for step in 1..=recording.entries.len() {
        let entry = cmd(&other.control, "replay.step", json!({})).await;
        assert_eq!(
            entry["kind"],
            json!(recording.entries[step - 1].event.kind())
        );
        let want = timeline.state_at(step).expect("state");
        let want_text = serde_json::to_string(&want).expect("json");
        wait_for(viewer.state(), &format!("the state of step {step}"), |s| {
            (serde_json::to_string(s).ok()? == want_text).then_some(())
        })
        .await;
        if entry["kind"] == "notify" {
            assert_eq!(
                next_named(&mut viewer_events, "alarm").await,
                json!({"id": 1})
            );
        }
    }
    assert_eq!(
        cmd(&other.control, "replay.step", json!({})).await,
        Value::Null
    );
    wait_at(
        other.control.state(),
        "/replay/step",
        json!(recording.entries.len()),
    )
    .await;
    // Recorded requests get the recorded answers; others the rules', else null.
    assert_eq!(
        viewer
            .send("greet", json!({"name": "ann"}))
            .await
            .expect("recorded"),
        json!("hello ann")
    );
    match viewer.send("fail.now", json!(1)).await {
        Err(juggler::Error::Juggler(data)) => assert_eq!(data, json!({"why": "refused"})),
        other => panic!("expected the recorded failure, got {other:?}"),
    }
    // One the recording never saw, that no rule answers: null (the
    // workspace's "unanswered" default while replaying), not an error a
    // page would throw on.
    assert_eq!(
        viewer
            .send("greet", json!({"name": "bob"}))
            .await
            .expect("answered"),
        Value::Null
    );

    // Stepped from the workspace's state: `/state` is not said to be the
    // recording's.
    assert_eq!(
        other.control.state().data().pointer("/replay/served"),
        Some(&json!(false))
    );

    // Seek, then play to the end at speed.
    let seek = cmd(&other.control, "replay.seek", json!({"step": 2})).await;
    assert_eq!(seek["step"], json!(2));
    assert_eq!(
        seek["served"],
        json!(true),
        "a seek sets the recording's state"
    );
    let want = timeline.state_at(2).expect("state");
    wait_for(viewer.state(), "the sought state", |s| {
        (s == &want).then_some(())
    })
    .await;
    cmd(&other.control, "replay.play", json!({"speed": 1000})).await;
    wait_at(other.control.state(), "/replay/playing", json!(false)).await;
    wait_at(
        other.control.state(),
        "/replay/step",
        json!(recording.entries.len()),
    )
    .await;
    wait_for(viewer.state(), "the final state", |s| {
        (s == &end).then_some(())
    })
    .await;
    // Played on from the seek: `/state` is still exactly the recording's,
    // the Replay pane shows it as such...
    wait_at(other.control.state(), "/replay/served", json!(true)).await;
    // (The model's `/replay` and `/state` may come in different messages.)
    wait_at(other.control.state(), "/state", end.clone()).await;
    // ...until something else changes it.
    cmd(
        &other.control,
        "state.set",
        json!({"path": ["edited"], "value": true}),
    )
    .await;
    wait_at(other.control.state(), "/replay/served", json!(false)).await;
    // A seek makes it the recording's again.
    cmd(&other.control, "replay.seek", json!({"step": 1})).await;
    wait_at(other.control.state(), "/replay/served", json!(true)).await;
    // Seeking on from there applies the entries' diffs: the same state.
    for step in [3, recording.entries.len(), 2] {
        let seek = cmd(&other.control, "replay.seek", json!({"step": step})).await;
        assert_eq!(
            (seek["step"].clone(), seek["served"].clone()),
            (json!(step), json!(true))
        );
        let want = timeline.state_at(step).expect("state");
        wait_for(viewer.state(), &format!("the state of step {step}"), |s| {
            (s == &want).then_some(())
        })
        .await;
        wait_for(other.control.state(), "the model's /state", |m| {
            (m.pointer("/state") == Some(&want)).then_some(())
        })
        .await;
    }
    let e = cmd_err(&other.control, "replay.play", json!({"speed": 0})).await;
    assert_eq!(e.code, "invalid");

    // The timeline answers per-path questions.
    let history = cmd(
        &other.control,
        "timeline.history",
        json!({"pointer": "/counter"}),
    )
    .await;
    let values: Vec<Value> = history
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["value"].clone())
        .collect();
    assert_eq!(
        values,
        vec![json!(0), json!(1), json!(2), json!(3), json!(4), json!(5)]
    );
    let entries = cmd(
        &other.control,
        "timeline.entries",
        json!({"from": 1, "limit": 2}),
    )
    .await;
    assert_eq!(entries.as_array().map(Vec::len), Some(2));
    // Small entries are whole in a brief list too.
    let brief = cmd(
        &other.control,
        "timeline.entries",
        json!({"from": 1, "limit": 2, "brief": true}),
    )
    .await;
    assert_eq!(brief, entries);
    // The scrubber's times, without the entries.
    let times = cmd(&other.control, "timeline.times", json!({})).await;
    let recorded: Vec<f64> = recording.entries.iter().map(|e| e.t).collect();
    assert_eq!(times, json!(recorded));
    // Past the end: none, not an error.
    let past = cmd(
        &other.control,
        "timeline.entries",
        json!({"from": 1_000_000, "limit": 2}),
    )
    .await;
    assert_eq!(past, json!([]));
    cmd(&other.control, "replay.stop", json!({})).await;
    wait_at(other.control.state(), "/replay", Value::Null).await;
    let e = cmd_err(&other.control, "timeline.state", json!({"step": 0})).await;
    assert!(e.message.contains("replay.load"), "{}", e.message);
    check_model(&other.engine);
    check_model(&rig.engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_stops_when_its_connection_closes() {
    let rig = rig().await;
    let dashboard = client(&rig.dashboard_url).await.0;
    let id = new_connection(rig.control.state(), &[]).await;
    let file = rig.dir.path().join("closing.ndjson");
    let rec = cmd(
        &rig.control,
        "record.start",
        json!({"connection": id, "path": file.display().to_string()}),
    )
    .await;
    let rec_id = rec["id"].as_str().expect("id").to_owned();
    cmd(&rig.control, "state.set", json!({"path": "x", "value": 1})).await;
    wait_at(dashboard.state(), "/x", json!(1)).await;
    // Seen running first: "gone" before it appeared would prove nothing
    // (the recorder writes a batch of frames after the tap saw them).
    let running = format!("/recordings/{rec_id}/id");
    wait_at(rig.control.state(), &running, json!(rec_id)).await;
    drop(dashboard);
    wait_gone(rig.control.state(), &format!("/recordings/{rec_id}")).await;
    let recording = studio::recording::Recording::read(&file).expect("read");
    let tl = studio::recording::Timeline::new(recording.entries).expect("timeline");
    assert_eq!(tl.state_at(usize::MAX).expect("state")["x"], json!(1));
    let e = cmd_err(
        &rig.control,
        "record.start",
        json!({"connection": 999, "path": file.display().to_string()}),
    )
    .await;
    assert!(e.message.contains("no connection 999"), "{}", e.message);
}
