//! Request rules: the answers dashboards get.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_requests_get_the_rules_answers() {
    let mut rig = rig().await;
    let (dash, mut notes) = client(&rig.dashboard_url).await;
    let send = |name: &'static str, data: Value| {
        let dash = dash.clone();
        async move { within(name, dash.send(name, data)).await }
    };

    assert_eq!(
        send("respond", json!(null)).await.expect("respond"),
        json!({"ok": true})
    );
    assert_eq!(
        send("greet", json!({"name": "Ana"})).await.expect("greet"),
        json!("hello Ana")
    );
    assert_eq!(
        send("set", json!([1, 2])).await.expect("set"),
        json!("set [1,2]")
    );
    wait_at(dash.state(), "/fromRule", json!([1, 2])).await;
    wait_at(rig.control.state(), "/state/fromRule", json!([1, 2])).await;
    assert_eq!(
        send("notify.me", json!(5)).await.expect("notify"),
        json!("sent")
    );
    assert_eq!(next_named(&mut notes, "pong").await, json!({"got": 5}));
    let cycled: Vec<Value> = [
        send("cycle", json!(null)).await,
        send("cycle", json!(null)).await,
        send("cycle", json!(null)).await,
    ]
    .into_iter()
    .map(|r| r.expect("cycle"))
    .collect();
    assert_eq!(cycled, vec![json!("a"), json!("b"), json!("a")]);
    match send("fail.now", json!(null)).await {
        Err(juggler::Error::Juggler(data)) => assert_eq!(data, json!({"why": "refused"})),
        other => panic!("fail: {other:?}"),
    }
    let start = Instant::now();
    assert_eq!(
        send("sluggish", json!("echo me")).await.expect("slow"),
        json!("echo me")
    );
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "answered after {:?}, before the rule's delay",
        start.elapsed()
    );
    assert_eq!(
        send("pick", json!({"kind": "a", "extra": 1}))
            .await
            .expect("pick"),
        json!("picked a")
    );

    // No rule: `no rule for NAME`, logged, and an event.
    match send("pick", json!({"kind": "b"})).await {
        Err(juggler::Error::Juggler(data)) => assert_eq!(data, json!("no rule for pick")),
        other => panic!("unmatched: {other:?}"),
    }
    let event = next_named(&mut rig.events, "request.unmatched").await;
    assert_eq!(event["name"], json!("pick"));
    assert_eq!(event["data"], json!({"kind": "b"}));
    let unmatched = wait_for(rig.control.state(), "an entry in /unmatched", |m| {
        m.get("unmatched")?.as_array()?.first().cloned()
    })
    .await;
    assert_eq!(unmatched, event);
    let connection = unmatched["connectionId"].as_u64().expect("connectionId");
    assert!(
        rig.engine
            .model()
            .data()
            .pointer(&format!("/connections/{connection}"))
            .is_some()
    );

    // Make a rule from it, add it, and the request is answered.
    let rule = cmd(
        &rig.control,
        "rules.fromRequest",
        json!({"name": "pick", "data": {"kind": "b"}}),
    )
    .await;
    assert_eq!(
        rule["match"],
        json!({"name": {"exact": "pick"}, "data": {"kind": "b"}})
    );
    let test = cmd(
        &rig.control,
        "rules.test",
        json!({"rule": rule, "sample": {"name": "pick", "data": {"kind": "b"}}}),
    )
    .await;
    assert_eq!(test["matches"], json!(true));
    assert_eq!(
        test["answer"]["reply"],
        json!({"success": true, "data": null})
    );
    let mut rules = rig.engine.model().data()["rules"].clone();
    rules.as_array_mut().expect("rules").push(rule);
    cmd(&rig.control, "rules.set", json!({"rules": rules})).await;
    wait_for(rig.control.state(), "nine rules", |m| {
        (m.get("rules")?.as_array()?.len() == 9).then_some(())
    })
    .await;
    assert_eq!(
        send("pick", json!({"kind": "b"})).await.expect("pick b"),
        Value::Null
    );

    let e = cmd_err(
        &rig.control,
        "rules.set",
        json!({"rules": [{"id": "bad", "match": {"name": {"regex": "("}}, "action": "echo"}]}),
    )
    .await;
    assert_eq!(e.code, "rule", "{}", e.message);
    assert!(e.message.contains("match.name.regex"), "{}", e.message);
    let e = cmd_err(&rig.control, "rules.set", json!({"rules": [{"id": 1}]})).await;
    assert_eq!(e.code, "invalid");
    assert!(e.message.contains("[0].id"), "{}", e.message);
    assert_eq!(
        rig.engine.model().data()["rules"].as_array().map(Vec::len),
        Some(9)
    );
    check_model(&rig.engine);
}

/// "Test this rule" says when an earlier rule answers the request first
/// (it said "matches" for a rule that never answers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn testing_a_rule_names_an_earlier_rule_that_answers_first() {
    let rig = rig().await;
    let any = json!({"id": "any", "match": {"name": {"regex": "h.*"}}, "action": "echo"});
    let hello = json!({"id": "hello", "match": {"name": {"exact": "hello"}}, "action": "echo"});
    let off = json!({"id": "off", "enabled": false, "match": {"name": {"regex": ".*"}}, "action": "echo"});
    cmd(
        &rig.control,
        "rules.set",
        json!({"rules": [off, any, hello]}),
    )
    .await;
    let test = |rule: &Value, name: &str| {
        cmd(
            &rig.control,
            "rules.test",
            json!({"rule": rule, "sample": {"name": name, "data": null}}),
        )
    };
    let shadowed = test(&hello, "hello").await;
    assert_eq!(shadowed["matches"], json!(true));
    assert_eq!(shadowed["shadowedBy"], json!("any"));
    // The first enabled one, and a disabled one shadows nothing.
    assert_eq!(test(&any, "hello").await.get("shadowedBy"), None);
    // A new rule (not in the list) goes at the end: every rule is before it.
    let new = json!({"id": "new", "match": {"name": {"exact": "hi"}}, "action": "echo"});
    assert_eq!(test(&new, "hi").await["shadowedBy"], json!("any"));
    assert_eq!(test(&new, "nope").await.get("shadowedBy"), None);
}

/// Rules sent as `rulesText` keep the numbers of their values as written
/// (an answer, a setState value, a data pattern), and `rules.text` gives
/// them back so: what a client holding doubles needs to edit a rule and
/// save it unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_text_keeps_every_number_of_the_rules_values() {
    let rig = rig().await;
    let text = r#"[
  {"id": "big", "match": {"name": {"exact": "big"}, "data": {"k": 9007199254740993}},
   "action": {"respond": {"value": [123456789012345678901234567890, -0, 9007199254740993]}}},
  {"id": "put", "match": {"name": {"exact": "put"}},
   "action": {"setState": {"path": ["exact"], "value": {"n": -0, "big": 123456789012345678901234567890}, "respond": null}}}
]"#;
    cmd(&rig.control, "rules.set", json!({"rulesText": text})).await;
    let (dash, _notes) = client(&rig.dashboard_url).await;
    let pattern: Value = serde_json::from_str(r#"{"k": 9007199254740993}"#).expect("json");
    let answer = within("big", dash.send("big", pattern))
        .await
        .expect("big answered");
    assert_eq!(
        serde_json::to_string(&answer).expect("json"),
        "[123456789012345678901234567890,-0,9007199254740993]"
    );
    // 9007199254740992 is what a double makes of the pattern: no match.
    let rounded: Value = serde_json::from_str(r#"{"k": 9007199254740992}"#).expect("json");
    assert!(within("rounded", dash.send("big", rounded)).await.is_err());
    within("put", dash.send("put", Value::Null))
        .await
        .expect("put answered");
    assert_eq!(
        cmd(&rig.control, "state.text", json!({"path": ["exact"]})).await,
        json!("{\n  \"n\": -0,\n  \"big\": 123456789012345678901234567890\n}")
    );

    let held = cmd(&rig.control, "rules.text", json!({})).await;
    let held = held.as_str().expect("text").to_owned();
    for number in ["123456789012345678901234567890", "-0", "9007199254740993"] {
        assert!(held.contains(number), "{number} in {held}");
    }
    // Sent back unchanged, it is the same text.
    cmd(&rig.control, "rules.set", json!({"rulesText": held})).await;
    assert_eq!(
        cmd(&rig.control, "rules.text", json!({})).await,
        json!(held)
    );

    let e = cmd_err(&rig.control, "rules.set", json!({"rulesText": "[\n {]"})).await;
    assert_eq!(e.field.as_deref(), Some("rulesText"), "{}", e.message);
    assert_eq!(e.line, Some(2), "{}", e.message);
}

/// A delay past what a rule can wait is refused at its field, in words: the
/// answer said `invalid value: integer `99999999999999`, expected u32 at
/// line 1 column 369` (of the UI's own one-line text).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delay_too_long_is_told_in_words_at_its_field() {
    let rig = rig().await;
    let rule = |delay: &str| {
        format!(
            r#"[{{"id": "slow", "match": {{"name": {{"exact": "slow"}}}}, "delayMs": {delay}, "action": "echo"}}]"#
        )
    };
    for (delay, says) in [
        ("99999999999999", "at most 4294967295 ms (about 49 days)"),
        ("-5", "0 or more"),
    ] {
        let text = rule(delay);
        let e = cmd_err(&rig.control, "rules.set", json!({"rulesText": text})).await;
        assert_eq!(
            e.field.as_deref(),
            Some("rules[0].delayMs"),
            "{}",
            e.message
        );
        let detail = e.detail.clone().unwrap_or_default();
        assert!(detail.contains(says), "{detail}");
        for jargon in ["u32", "line 1", "column"] {
            assert!(!e.message.contains(jargon), "{jargon} in {}", e.message);
        }
        let e = cmd_err(
            &rig.control,
            "rules.set",
            json!({"rules": serde_json::from_str::<Value>(&text).expect("json")}),
        )
        .await;
        assert!(e.message.contains(says), "{}", e.message);
    }
    cmd(
        &rig.control,
        "rules.set",
        json!({"rulesText": rule("4294967295")}),
    )
    .await;
}

/// Rules, a tested rule with its sample, and `rules.set`'s list sent as
/// values (as any client holding exact numbers sends them) keep `-0`,
/// 9007199254740993 and a 30-digit integer: the rules were read out of the
/// request's parsed data as typed values, which turned an integer `-0`
/// into `0`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_sent_as_values_keep_every_number() {
    let rig = rig().await;
    let exact = |text: &str| -> Value { serde_json::from_str(text).expect("json") };
    let numbers = "[123456789012345678901234567890,-0,9007199254740993]";
    let rule = exact(&format!(
        r#"{{"id": "big", "match": {{"name": {{"exact": "big"}}, "data": {{"z": -0}}}},
            "action": {{"respond": {{"value": {numbers}}}}}}}"#
    ));
    cmd(&rig.control, "rules.set", json!({"rules": [rule.clone()]})).await;
    let held = cmd(&rig.control, "rules.text", json!({})).await;
    let held: Value = serde_json::from_str(held.as_str().expect("text")).expect("rules");
    let held = serde_json::to_string(&held).expect("json");
    assert!(held.contains(r#""data":{"z":-0}"#), "{held}");
    assert!(held.contains(numbers), "{held}");

    let echo = json!({"id": "e", "match": {"name": {"exact": "e"}}, "action": "echo"});
    for (rule, sample) in [
        (
            echo,
            exact(&format!(r#"{{"name": "e", "data": {numbers}}}"#)),
        ),
        (rule, exact(r#"{"name": "big", "data": {"z": -0}}"#)),
    ] {
        let test = cmd(
            &rig.control,
            "rules.test",
            json!({"rule": rule, "sample": sample}),
        )
        .await;
        assert_eq!(test["matches"], json!(true), "{test}");
        assert_eq!(
            serde_json::to_string(&test["answer"]["reply"]["data"]).expect("json"),
            numbers
        );
    }
}

/// A rule whose template reads a member the request's data does not have
/// (a client sending `55` to a rule that reads `{{data.value}}`) set null
/// with no word anywhere: the request's pair in the traffic log now says
/// which placeholder found nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placeholder_that_finds_nothing_is_told_on_the_request() {
    let rig = rig_with(
        r#"{"version": 1, "server": {"port": 0},
            "rules": [{"id": "setpoint", "match": {"name": {"exact": "level.setpoint"}},
                       "action": {"setState": {"path": ["setpoint"], "value": "{{data.value}}",
                                               "respond": {"setpoint": "{{data.value}}"}}}}]}"#,
    )
    .await;
    let (dash, _notes) = client(&rig.dashboard_url).await;
    let answer = within("the answer", dash.send("level.setpoint", json!(55)))
        .await
        .expect("answered");
    assert_eq!(answer, json!({"setpoint": null}));
    let noted = within("the note on the request", async {
        loop {
            let entries = cmd(&rig.control, "traffic.query", json!({})).await;
            if let Some(note) = entries.as_array().and_then(|all| {
                all.iter()
                    .find_map(|e| e["note"].as_str().filter(|n| n.contains("setpoint")))
                    .map(str::to_owned)
            }) {
                return note;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        noted.contains("rule setpoint: {{data.value}} found nothing in this request"),
        "{noted}"
    );
}
