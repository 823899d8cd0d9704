//! Scenarios and schema checks end to end: an engine runs its juggler
//! server on `127.0.0.1:0`, juggler clients play the dashboards, and the
//! scenario's steps reach them and wait for their requests. Every wait is
//! on a condition, with a deadline.

mod common;

use common::{check_model, client as dashboard, wait_for, within};
use serde_json::{Value, json};
use studio::scenario::ScenarioReport;
use studio::{Engine, Workspace};
use tokio::net::TcpListener;
use tokio::sync::broadcast;

const WORKSPACE: &str = r#"{
  "version": 1,
  "server": { "port": 0, "autoflush": 0 },
  "initialState": { "counter": 0 },
  "rules": [
    { "id": "set", "match": { "name": { "exact": "set" } },
      "action": { "setState": { "path": ["fromRule"], "value": "{{data.v}}",
                                "respond": "set {{data.v}}" } } }
  ],
  "schemas": {
    "state": { "type": "object",
               "properties": { "counter": { "type": "integer" } } },
    "requests": { "start": { "type": "object", "required": ["pump"],
                             "properties": { "pump": { "type": "integer" } } } }
  },
  "scenarios": [
    { "name": "pass", "description": "every kind of step, passing",
      "steps": [
        { "waitForConnections": { "count": 1, "withinMs": 10000 } },
        { "setState": { "path": ["mode"], "value": "ready" } },
        { "patch": { "diff": [ { "op": "add", "path": "/list", "value": [1] } ] } },
        { "notify": { "name": "hello", "data": { "n": 1 } } },
        { "expectRequest": { "name": "start", "data": { "pump": 1 }, "withinMs": 10000,
                             "respond": { "ok": true } } },
        { "expectRequest": { "name": "set", "withinMs": 10000 } },
        { "expectState": { "path": "fromRule", "value": 7, "withinMs": 10000 } },
        { "wait": { "ms": 1 } }
      ] },
    { "name": "never", "steps": [
        { "setState": { "path": "counter", "value": 1 } },
        { "expectRequest": { "name": "start", "data": { "pump": 1 }, "withinMs": 400 } },
        { "notify": { "name": "not reached" } }
      ] },
    { "name": "slow", "steps": [ { "wait": { "ms": 60000 } } ] },
    { "name": "breaks the schema", "steps": [
        { "setState": { "path": "counter", "value": 2 } },
        { "setState": { "path": "counter", "value": "many" } },
        { "wait": { "ms": 1 } }
      ] },
    { "name": "lonely", "steps": [
        { "waitForConnections": { "count": 3, "withinMs": 200 } } ] },
    { "name": "state never comes", "steps": [
        { "expectState": { "path": ["counter"], "value": 5, "withinMs": 200 } } ] }
  ]
}"#;

/// `scenario.stop`, as a control client sends it.
async fn stop(engine: &Engine) -> Result<Value, Value> {
    studio::commands::run(engine, &Default::default(), "scenario.stop", Value::Null).await
}

struct Rig {
    engine: Engine,
    url: String,
    events: broadcast::Receiver<studio::engine::Event>,
}

async fn rig() -> Rig {
    rig_on(WORKSPACE).await
}

/// An engine on the workspace `text`, its server started.
async fn rig_on(text: &str) -> Rig {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = Workspace::parse(text, "test.json", dir.path()).expect("workspace");
    let engine = Engine::new(ws, None).expect("engine");
    let events = engine.events().subscribe();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = engine
        .start_server(Some(listener))
        .await
        .expect("start the server");
    Rig {
        engine,
        url,
        events,
    }
}

/// Waits until the running scenario is at step `index`.
async fn at_step(engine: &Engine, index: u64) {
    wait_for(
        &engine.model(),
        &format!("the scenario at step {index}"),
        |m| {
            let s = &m["scenario"];
            (s["running"] == json!(true) && s["step"] == json!(index)).then_some(())
        },
    )
    .await;
}

/// The events named `name` received so far.
fn drain(events: &mut broadcast::Receiver<studio::engine::Event>, name: &str) -> Vec<Value> {
    let mut out = Vec::new();
    while let Ok((n, data)) = events.try_recv() {
        if n == name {
            out.push(data);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passing_scenario_drives_the_dashboard_and_answers_its_requests() {
    let mut rig = rig().await;
    let engine = rig.engine.clone();
    let run = tokio::spawn(async move { engine.scenario_run("pass").await });

    let (client, mut notes) = dashboard(&rig.url).await;
    wait_for(client.state(), "the state set by the scenario", |s| {
        (s["mode"] == json!("ready") && s["list"] == json!([1])).then_some(())
    })
    .await;
    let (name, data) = within("the notification", notes.recv())
        .await
        .expect("a notification");
    assert_eq!((name.as_str(), data), ("hello", json!({"n": 1})));

    at_step(&rig.engine, 4).await;
    // Not the one expected: seen, answered by the rules (none match).
    let miss = client.send("start", json!({"pump": 2})).await;
    assert!(miss.is_err(), "{miss:?}");
    let answer = client.send("start", json!({"pump": 1, "by": "ana"})).await;
    assert_eq!(
        answer.unwrap_or_else(|e| panic!(
            "the scenario answers: {e}; {}",
            rig.engine.model().data()["scenario"]
        )),
        json!({"ok": true})
    );

    at_step(&rig.engine, 5).await;
    let answer = client.send("set", json!({"v": 7})).await;
    assert_eq!(answer.expect("the rule answers"), json!("set 7"));

    let report: ScenarioReport = within("the report", run)
        .await
        .expect("joined")
        .expect("ran");
    assert!(report.passed, "{}", report.to_text());
    assert_eq!(report.results.len(), 8);
    assert!(
        report.results[4]
            .message
            .contains("start {\"pump\":1,\"by\":\"ana\"} answered by the scenario"),
        "{:?}",
        report.results[4]
    );
    assert_eq!(
        report.results[5].message,
        "set {\"v\":7} answered by the rules"
    );
    let steps = drain(&mut rig.events, "scenario.step");
    assert_eq!(steps.len(), 8, "{steps:?}");
    assert_eq!(steps[7]["index"], json!(7));
    let status = rig
        .engine
        .model()
        .get(juggler::path!["scenario"])
        .expect("/scenario");
    assert_eq!(status["running"], json!(false));
    assert_eq!(status["passed"], json!(true));
    assert_eq!(status["results"].as_array().map(Vec::len), Some(8));
    // The pump 2 request broke no schema; nothing else did either.
    assert_eq!(
        rig.engine.model().get(juggler::path!["schemaViolations"]),
        Some(json!([]))
    );
    check_model(&rig.engine);
    rig.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_never_comes_fails_with_what_came_instead() {
    let rig = rig().await;
    let (client, _notes) = dashboard(&rig.url).await;
    // Before the step: does not count, not even as "seen".
    let early = client.send("early", Value::Null).await;
    assert!(early.is_err());
    let engine = rig.engine.clone();
    let run = tokio::spawn(async move { engine.scenario_run("never").await });
    at_step(&rig.engine, 1).await;
    let _ = client.send("start", json!({"pump": 2})).await;
    let _ = client.send("stop", json!({"pump": 1})).await;
    let report = within("the report", run)
        .await
        .expect("joined")
        .expect("ran");
    assert!(!report.passed);
    assert_eq!(
        report.results.len(),
        2,
        "the step after the failure does not run"
    );
    let failed = &report.results[1];
    assert!(!failed.ok);
    assert_eq!(
        failed.message,
        "step 2 expectRequest start: no such request (data containing {\"pump\":1}) within 400 \
         ms; requests seen meanwhile: start {\"pump\":2} (its data does not match), stop \
         {\"pump\":1}"
    );
    assert!(failed.ms >= 390.0, "{failed:?}");
    assert!(report.to_text().contains("FAILED at step 2"));

    // A scenario without dashboards enough, and a state that never comes.
    let report = rig.engine.scenario_run("lonely").await.expect("ran");
    assert_eq!(
        report.results[0].message,
        "step 1 waitForConnections 3: only 1 of 3 dashboard(s) connected within 200 ms"
    );
    let report = rig
        .engine
        .scenario_run("state never comes")
        .await
        .expect("ran");
    assert_eq!(
        report.results[0].message,
        "step 1 expectState /counter: the state there is 1, not 5, after 200 ms"
    );
    rig.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_scenario_at_a_time_stopped_by_command() {
    let rig = rig().await;
    let run = |name: &'static str, data: Value| {
        let engine = rig.engine.clone();
        async move {
            let mut data = data;
            data["name"] = json!(name);
            studio::commands::run(&engine, &Default::default(), "scenario.run", data).await
        }
    };
    let err = run("nope", json!({})).await.expect_err("no such scenario");
    assert_eq!(err["code"], json!("invalid"));
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no scenario named \"nope\"; the workspace has \"pass\""),
        "{err}"
    );
    assert_eq!(run("slow", json!({"wait": false})).await, Ok(Value::Null));
    at_step(&rig.engine, 0).await;
    let err = run("pass", json!({})).await.expect_err("one at a time");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("scenario \"slow\" is running"),
        "{err}"
    );
    let stopped = stop(&rig.engine).await;
    assert_eq!(stopped, Ok(json!(true)));
    let status = wait_for(&rig.engine.model(), "the scenario to stop", |m| {
        (m["scenario"]["running"] == json!(false)).then(|| m["scenario"].clone())
    })
    .await;
    assert_eq!(status["stopped"], json!(true));
    assert_eq!(status["passed"], json!(false));
    assert!(
        status["results"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .ends_with("stopped (scenario.stop)"),
        "{status}"
    );
    let none = stop(&rig.engine).await;
    assert_eq!(none, Ok(json!(false)));
    // The server stopped: cannot run.
    rig.engine.stop_server().await.expect("stop");
    let err = run("slow", json!({})).await.expect_err("no server");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not running")
    );
    rig.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_violations_are_recorded_and_fail_the_scenario_step() {
    let mut rig = rig().await;
    let (client, _notes) = dashboard(&rig.url).await;
    // A request whose data breaks its schema: recorded, still answered.
    let answer = client.send("start", json!({"pump": "one"})).await;
    assert!(answer.is_err(), "no rule for start");
    let model = rig.engine.model();
    let v = wait_for(&model, "a request violation", |m| {
        m["schemaViolations"]
            .as_array()
            .and_then(|l| l.first().cloned())
    })
    .await;
    assert_eq!(v["kind"], json!("request"));
    assert_eq!(v["name"], json!("start"));
    assert_eq!(v["pointer"], json!("/pump"));
    assert!(v["connectionId"].is_u64(), "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("\"one\""),
        "{v}"
    );
    let events = drain(&mut rig.events, "schema.violation");
    assert_eq!(events, [v]);

    // A state change by command: found by the watch (debounced).
    rig.engine
        .edit(
            studio::engine::Target::Shared,
            studio::engine::Edit::Set(juggler::path!["counter"], json!(1.5)),
        )
        .expect("edit");
    let v = wait_for(&model, "a state violation", |m| {
        m["schemaViolations"]
            .as_array()
            .and_then(|l| l.get(1).cloned())
    })
    .await;
    assert_eq!(v["kind"], json!("state"));
    assert_eq!(v["pointer"], json!("/counter"));
    assert!(v.get("name").is_none(), "{v}");
    // Fixed, then broken by a scenario step: that step fails.
    rig.engine
        .edit(
            studio::engine::Target::Shared,
            studio::engine::Edit::Set(juggler::path!["counter"], json!(0)),
        )
        .expect("edit");
    let report = rig
        .engine
        .scenario_run("breaks the schema")
        .await
        .expect("ran");
    assert!(!report.passed);
    assert_eq!(report.results.len(), 2, "{}", report.to_text());
    assert!(report.results[0].ok);
    let failed = &report.results[1];
    assert!(
        failed.message.starts_with(
            "step 2 setState /counter: schema violation: state /counter: \"many\" is not of type"
        ),
        "{failed:?}"
    );
    check_model(&rig.engine);
    rig.engine.shutdown().await;
}

/// With state per connection a scenario's `setState` changed only the
/// state new connections start from (an open page saw nothing) and
/// `expectState` read that template, never what a rule set on a page's own
/// state: a scenario could not drive such a dashboard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_state_per_connection_scenarios_change_and_check_every_open_dashboard() {
    const PER_CONNECTION: &str = r#"{
      "version": 1,
      "server": { "port": 0, "autoflush": 0, "sharedState": false },
      "initialState": { "counter": 0 },
      "rules": [
        { "id": "set", "match": { "name": { "exact": "set" } },
          "action": { "setState": { "path": ["fromRule"], "value": "{{data.v}}" } } }
      ],
      "scenarios": [
        { "name": "every page", "steps": [
            { "waitForConnections": { "count": 2, "withinMs": 10000 } },
            { "setState": { "path": ["mode"], "value": "ready" } },
            { "expectState": { "path": ["fromRule"], "value": 7, "withinMs": 10000 } } ] },
        { "name": "one page behind", "steps": [
            { "expectState": { "path": ["fromRule"], "value": 8, "withinMs": 300 } } ] }
      ]
    }"#;
    let Rig { engine, url, .. } = rig_on(PER_CONNECTION).await;
    let (a, _) = dashboard(&url).await;
    let (b, _) = dashboard(&url).await;

    let e = engine.clone();
    let run = tokio::spawn(async move { e.scenario_run("every page").await });
    for (client, who) in [(&a, "a"), (&b, "b")] {
        wait_for(
            client.state(),
            &format!("page {who} to get the scenario's state"),
            |s| (s["mode"] == json!("ready")).then_some(()),
        )
        .await;
    }
    // Each page's own state: the rule changes only the asker's.
    for client in [&a, &b] {
        client
            .send("set", json!({"v": 7}))
            .await
            .expect("the rule answers");
    }
    let report: ScenarioReport = within("the report", run)
        .await
        .expect("joined")
        .expect("ran");
    assert!(report.passed, "{}", report.to_text());
    assert_eq!(
        report.results[2].message,
        "/fromRule = 7 on 2 connection(s)"
    );
    // New pages start from the state the scenario set.
    let (late, _) = dashboard(&url).await;
    wait_for(late.state(), "a new page's state", |s| {
        (s["mode"] == json!("ready") && s.get("fromRule").is_none()).then_some(())
    })
    .await;
    drop(late);

    a.send("set", json!({"v": 8}))
        .await
        .expect("the rule answers");
    let report = engine.scenario_run("one page behind").await.expect("ran");
    assert!(!report.passed, "{}", report.to_text());
    let failure = &report.results[0].message;
    assert!(
        failure.contains("'s state there is 7, not 8, after 300 ms"),
        "{failure}"
    );
    engine.shutdown().await;
}

const GREETED: &str = r#"{
  "version": 1,
  "server": { "port": 0 },
  "initialState": {},
  "scenarios": [
    { "name": "greeted", "steps": [
        { "waitForConnections": { "count": 1, "withinMs": 10000 } },
        { "expectRequest": { "name": "hello", "withinMs": 300 } } ] },
    { "name": "x", "steps": [
        { "expectRequest": { "name": "x", "withinMs": 10000 } } ] }
  ]
}"#;

/// How many dashboards the model lists.
async fn connected(engine: &Engine, count: usize) {
    wait_for(&engine.model(), &format!("{count} connection(s)"), |m| {
        (m["connections"].as_object().map(|o| o.len()) == Some(count)).then_some(())
    })
    .await;
}

/// F24: a page sends its first request as it connects, which may be
/// before the run that waited for it (`run --browser` waits for the page,
/// then starts the scenario) has started: `expectRequest` right after
/// `waitForConnections` missed it now and then. Sent here, answered, before
/// the run starts: the window made certain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_as_the_page_connected_before_the_run_is_expected() {
    let rig = rig_on(GREETED).await;
    let (page, _notes) = dashboard(&rig.url).await;
    // No rule answers it: an error, but the studio had it.
    let _ = page.send("hello", json!({"who": "page"})).await;
    let report = rig.engine.scenario_run("greeted").await.expect("ran");
    assert!(report.passed, "{}", report.to_text());
    assert_eq!(
        report.results[1].message,
        "hello {\"who\":\"page\"} (it came before this step started) answered by the rules"
    );

    // Taken by that run: the next one does not see it again.
    let report = rig.engine.scenario_run("greeted").await.expect("ran");
    assert!(!report.passed, "{}", report.to_text());

    // A page that has gone: its request is no request of the dashboards
    // the run tests.
    let (gone, _gone_notes) = dashboard(&rig.url).await;
    let _ = gone.send("hello", json!({"who": "gone"})).await;
    gone.close();
    drop(gone);
    connected(&rig.engine, 1).await;
    let report = rig.engine.scenario_run("greeted").await.expect("ran");
    assert!(!report.passed, "{}", report.to_text());

    // One that a run did not take (it waited for another) is the next
    // run's, as one that came as that run ended.
    let engine = rig.engine.clone();
    let run = tokio::spawn(async move { engine.scenario_run("x").await });
    at_step(&rig.engine, 0).await;
    let _ = page.send("hello", json!({"who": "again"})).await;
    let _ = page.send("x", Value::Null).await;
    let report = within("the report", run)
        .await
        .expect("joined")
        .expect("ran");
    assert!(report.passed, "{}", report.to_text());
    let report = rig.engine.scenario_run("greeted").await.expect("ran");
    assert!(report.passed, "{}", report.to_text());
    assert!(
        report.results[1].message.contains("\"again\""),
        "{}",
        report.to_text()
    );
    rig.engine.shutdown().await;
}
