//! Scenarios and schemas, set live and saved with the workspace.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_and_schemas_set_live_and_save_with_the_workspace() {
    let rig = rig().await;
    let model = rig.control.state();
    assert_eq!(model.data()["workspace"]["scenarios"], json!([]));
    assert_eq!(model.data()["workspace"]["schemas"], Value::Null);

    // Set scenarios, then run one: it passes.
    let scenarios = json!([
        {"name": "count", "description": "the counter moves",
         "steps": [
            {"setState": {"path": ["counter"], "value": 5}},
            {"expectState": {"path": ["counter"], "value": 5, "withinMs": 2000}}
         ]},
        {"name": "idle", "steps": [{"wait": {"ms": 1}}]}
    ]);
    cmd(
        &rig.control,
        "scenarios.set",
        json!({"scenarios": scenarios.clone()}),
    )
    .await;
    wait_at(model, "/workspace/scenarios", scenarios.clone()).await;
    let report = cmd(&rig.control, "scenario.run", json!({"name": "count"})).await;
    assert_eq!(report["passed"], json!(true), "{report}");
    assert_eq!(report["steps"], json!(2), "{report}");

    // A bad list is refused, naming the field, and changes nothing.
    let e = cmd_err(
        &rig.control,
        "scenarios.set",
        json!([{"name": "a", "steps": []}, {"name": "b", "steps": [{"wait": {"ms": "soon"}}]}]),
    )
    .await;
    assert_eq!(e.code, "invalid", "{}", e.message);
    assert!(
        e.message.contains("scenarios[1].steps[0].wait.ms"),
        "{}",
        e.message
    );
    let e = cmd_err(
        &rig.control,
        "scenarios.set",
        json!([{"name": "a", "steps": []}, {"name": "a", "steps": []}]),
    )
    .await;
    assert_eq!(e.code, "invalid", "{}", e.message);
    assert!(e.message.contains("scenarios[1].name"), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "scenarios.set",
        json!([{"name": "w", "steps": [{"wait": {"ms": 99_999_999}}]}]),
    )
    .await;
    assert!(
        e.message.contains("scenarios[0].steps[0].wait.ms"),
        "{}",
        e.message
    );
    assert_eq!(model.data()["workspace"]["scenarios"], scenarios);
    assert_eq!(
        json!(rig.engine.workspace().scenarios),
        scenarios,
        "a refused list changed the workspace"
    );

    // Refused while one runs.
    cmd(
        &rig.control,
        "scenarios.set",
        json!([{"name": "long", "steps": [{"wait": {"ms": 60000}}]}]),
    )
    .await;
    cmd(
        &rig.control,
        "scenario.run",
        json!({"name": "long", "wait": false}),
    )
    .await;
    let e = cmd_err(&rig.control, "scenarios.set", json!([])).await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("is running"), "{}", e.message);
    assert_eq!(
        cmd(&rig.control, "scenario.stop", json!({})).await,
        json!(true)
    );
    wait_at(model, "/scenario/running", json!(false)).await;
    cmd(&rig.control, "scenarios.set", json!(scenarios.clone())).await;
    wait_at(model, "/workspace/scenarios", scenarios.clone()).await;

    // A schema that does not compile is refused and changes nothing.
    let e = cmd_err(
        &rig.control,
        "schemas.set",
        json!({"schemas": {"state": {"type": "nonsense"}}}),
    )
    .await;
    assert_eq!(e.code, "invalid", "{}", e.message);
    assert!(e.message.contains("schemas.state"), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "schemas.set",
        json!({"schemas": {"state": {}, "extra": 1}}),
    )
    .await;
    assert!(
        e.message.starts_with("invalid schemas: schemas"),
        "{}",
        e.message
    );
    assert_eq!(model.data()["workspace"]["schemas"], Value::Null);

    // schemas.set: a state edit that breaks the schema shows up.
    let schemas = json!({
        "state": {"type": "object", "properties": {"counter": {"type": "integer"}}},
        "requests": {"greet": {"type": "object", "required": ["name"]}}
    });
    cmd(
        &rig.control,
        "schemas.set",
        json!({"schemas": schemas.clone()}),
    )
    .await;
    wait_at(model, "/workspace/schemas", schemas.clone()).await;
    assert_eq!(model.data()["schemaViolations"], json!([]));
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "counter", "value": "many"}),
    )
    .await;
    let found = wait_for(model, "a state violation", |m| {
        m["schemaViolations"]
            .as_array()?
            .iter()
            .find(|v| v["kind"] == json!("state"))
            .cloned()
    })
    .await;
    assert_eq!(found["pointer"], json!("/counter"), "{found}");
    // Set again: the list is reset, and the state still breaks the schema.
    cmd(&rig.control, "schemas.set", schemas.clone()).await;
    wait_for(model, "the violation found again after the reset", |m| {
        let list = m["schemaViolations"].as_array()?;
        (list.len() == 1 && list[0]["pointer"] == json!("/counter")).then_some(())
    })
    .await;
    cmd(
        &rig.control,
        "state.set",
        json!({"path": "counter", "value": 1}),
    )
    .await;

    // workspace.save, then open again: both are kept.
    let file = rig.dir.path().join("live.workspace.json");
    cmd(
        &rig.control,
        "workspace.save",
        json!({"path": file.display().to_string()}),
    )
    .await;
    let loaded = Workspace::load(&file).expect("the saved file loads");
    assert_eq!(json!(loaded.scenarios), scenarios);
    assert_eq!(json!(loaded.schemas), schemas);
    let got = cmd(&rig.control, "workspace.get", json!({})).await;
    assert_eq!(got["scenarios"], scenarios);
    assert_eq!(got["schemas"], schemas);
    cmd(&rig.control, "schemas.set", json!(null)).await;
    cmd(&rig.control, "scenarios.set", json!([])).await;
    wait_at(model, "/workspace/schemas", Value::Null).await;
    wait_at(model, "/workspace/scenarios", json!([])).await;
    cmd(
        &rig.control,
        "workspace.open",
        json!({"path": file.display().to_string()}),
    )
    .await;
    wait_at(model, "/workspace/scenarios", scenarios.clone()).await;
    wait_at(model, "/workspace/schemas", schemas.clone()).await;
    let report = cmd(&rig.control, "scenario.run", json!({"name": "count"})).await;
    assert_eq!(report["passed"], json!(true), "{report}");
    check_model(&rig.engine);
}

/// Scenarios and schemas sent as text keep their numbers as written, and
/// `model.text` gives them back so: the UI's editors, whose own parser
/// holds doubles, save and show 9007199254740993, not 9007199254740992.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_and_schemas_sent_as_text_keep_their_numbers() {
    let rig = rig().await;
    let scenarios = r#"[{"name": "big int", "steps": [
  {"setState": {"path": ["big"], "value": 9007199254740993}},
  {"expectState": {"path": ["big"], "value": 9007199254740993, "withinMs": 2000}}
]}]"#;
    cmd(
        &rig.control,
        "scenarios.set",
        json!({"scenariosText": scenarios}),
    )
    .await;
    let held = cmd(
        &rig.control,
        "model.text",
        json!({"path": ["workspace", "scenarios"]}),
    )
    .await;
    let held = held.as_str().expect("text");
    assert_eq!(held.matches("9007199254740993").count(), 2, "{held}");
    let report = cmd(&rig.control, "scenario.run", json!({"name": "big int"})).await;
    assert_eq!(report["passed"], json!(true), "{report}");
    assert_eq!(
        cmd(&rig.control, "state.text", json!({"path": ["big"]})).await,
        json!("9007199254740993")
    );

    let schemas = r#"{"state": {"properties": {"big": {"maximum": 9007199254740993}}}}"#;
    cmd(&rig.control, "schemas.set", json!({"schemasText": schemas})).await;
    let held = cmd(
        &rig.control,
        "model.text",
        json!({"path": ["workspace", "schemas"]}),
    )
    .await;
    assert!(
        held.as_str()
            .expect("text")
            .contains("\"maximum\": 9007199254740993"),
        "{held}"
    );

    // Text that is not JSON: where it goes wrong; both forms at once: refused.
    let e = cmd_err(
        &rig.control,
        "scenarios.set",
        json!({"scenariosText": "[\n {]"}),
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("scenariosText"), "{}", e.message);
    assert_eq!(e.line, Some(2), "{}", e.message);
    let e = cmd_err(
        &rig.control,
        "schemas.set",
        json!({"schemas": null, "schemasText": "null"}),
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("schemasText"), "{}", e.message);
    check_model(&rig.engine);
}
