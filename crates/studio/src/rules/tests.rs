use super::*;
use serde_json::json;

fn rule(value: Value) -> Rule {
    serde_json::from_value(value).expect("a valid rule")
}

fn req(name: &str, data: Value) -> RequestInfo {
    RequestInfo {
        name: name.into(),
        data,
        connection_id: 3,
        now: 0,
    }
}

fn answer(d: Decision) -> Answer {
    match d {
        Decision::Answer(a) => a,
        Decision::NoRule => panic!("expected a rule to match"),
    }
}

#[test]
fn the_file_form_of_a_rule() {
    let r = rule(json!({
        "id": "get-user",
        "match": {"name": {"glob": "user.*"}, "data": {"id": 1}},
        "delayMs": 250,
        "action": {"respond": {"value": {"name": "Ana"}}}
    }));
    assert!(r.enabled, "enabled by default");
    assert_eq!(r.delay_ms, 250);
    assert_eq!(r.matcher.name, NameMatch::Glob("user.*".into()));
    let back = serde_json::to_value(&r).expect("serializes");
    assert_eq!(
        back["match"],
        json!({"name": {"glob": "user.*"}, "data": {"id": 1}})
    );
    assert_eq!(rule(back), r);
    let echo = rule(json!({"id": "e", "match": {"name": {"exact": "echo"}}, "action": "echo"}));
    assert_eq!(echo.action, Action::Echo);
    assert_eq!(
        serde_json::to_value(&echo.action).expect("ok"),
        json!("echo")
    );
    let set = rule(json!({"id": "s", "match": {"name": {"exact": "x"}},
        "action": {"setState": {"path": ["a"], "value": 1}}}));
    assert_eq!(
        serde_json::to_value(&set.action).expect("ok"),
        json!({"setState": {"path": ["a"], "value": 1, "respond": null}})
    );
}

#[test]
fn first_enabled_match_wins_in_order() {
    let mut set = RuleSet::new(vec![
        rule(
            json!({"id": "off", "enabled": false, "match": {"name": {"exact": "a"}},
            "action": {"respond": {"value": "disabled"}}}),
        ),
        rule(
            json!({"id": "specific", "match": {"name": {"exact": "a"}, "data": {"k": 1}},
            "action": {"respond": {"value": "specific"}}}),
        ),
        rule(json!({"id": "any-a", "match": {"name": {"regex": "a|b"}},
            "action": {"respond": {"value": "general"}}})),
        rule(json!({"id": "late", "match": {"name": {"exact": "a"}},
            "action": {"respond": {"value": "never"}}})),
    ])
    .expect("valid");
    let a = answer(decide(&mut set, &req("a", json!({"k": 1, "j": 2}))));
    assert_eq!(
        (a.rule_id.as_str(), a.reply),
        ("specific", Reply::ok(json!("specific")))
    );
    let a = answer(decide(&mut set, &req("a", json!({"k": 2}))));
    assert_eq!(a.rule_id, "any-a");
    let a = answer(decide(&mut set, &req("b", Value::Null)));
    assert_eq!(a.rule_id, "any-a");
    assert_eq!(decide(&mut set, &req("ab", Value::Null)), Decision::NoRule);
    set.set_enabled("off", true).expect("exists");
    assert_eq!(
        answer(decide(&mut set, &req("a", json!({"k": 1})))).rule_id,
        "off"
    );
    set.move_to("late", 0).expect("exists");
    assert_eq!(
        answer(decide(&mut set, &req("a", Value::Null))).rule_id,
        "late"
    );
    assert_eq!(set.remove("late").map(|r| r.id), Some("late".into()));
    assert_eq!(
        answer(decide(&mut set, &req("a", Value::Null))).rule_id,
        "off"
    );
}

#[test]
fn actions() {
    let mut set = RuleSet::new(vec![
        rule(json!({"id": "echo", "match": {"name": {"exact": "echo"}}, "action": "echo"})),
        rule(json!({"id": "fail", "match": {"name": {"exact": "fail"}}, "delayMs": 5,
            "action": {"fail": {"value": {"code": 42}}}})),
        rule(json!({"id": "tpl", "match": {"name": {"exact": "tpl"}},
            "action": {"template": {"value": {"hello": "{{data.user.name}}", "from": "{{connectionId}}",
                "raw": "{{data.user}}", "text": "{{name}}!"}}}})),
        rule(json!({"id": "set", "match": {"name": {"glob": "set.*"}},
            "action": {"setState": {"path": ["users", "{{data.id}}", "name"], "value": "{{data.name}}",
                "respond": {"ok": "{{data.id}}"}}}})),
        rule(json!({"id": "notify", "match": {"name": {"exact": "shout"}},
            "action": {"notify": {"name": "shouted", "data": {"what": "{{data}}"}, "target": "all"}}})),
    ])
    .expect("valid");
    let user = json!({"user": {"name": "Ana"}});
    let a = answer(decide(&mut set, &req("echo", user.clone())));
    assert_eq!(
        (a.reply.clone(), a.effects.len(), a.delay_ms),
        (Reply::ok(user.clone()), 0, 0)
    );
    let a = answer(decide(&mut set, &req("fail", user.clone())));
    assert_eq!(
        (a.reply.clone(), a.delay_ms),
        (Reply::err(json!({"code": 42})), 5)
    );
    assert_eq!(a.reply.into_result(), Err(json!({"code": 42})));
    let a = answer(decide(&mut set, &req("tpl", user.clone())));
    assert_eq!(
        a.reply,
        Reply::ok(json!({"hello": "Ana", "from": 3, "raw": {"name": "Ana"}, "text": "tpl!"}))
    );
    let a = answer(decide(
        &mut set,
        &req("set.name", json!({"id": 2, "name": "Bo"})),
    ));
    assert_eq!(
        a.effects,
        vec![Effect::SetState {
            path: juggler::path!["users", 2, "name"],
            value: json!("Bo")
        }]
    );
    assert_eq!(a.reply, Reply::ok(json!({"ok": 2})));
    let a = answer(decide(&mut set, &req("set.bad", json!({"id": {"x": 1}}))));
    assert!(a.effects.is_empty());
    assert!(
        !a.reply.success,
        "a path that the request makes invalid fails the request"
    );
    let a = answer(decide(&mut set, &req("shout", json!("hey"))));
    assert_eq!(
        a.effects,
        vec![Effect::Notify {
            name: "shouted".into(),
            data: json!({"what": "hey"}),
            target: NotifyTarget::All
        }]
    );
    assert_eq!(a.reply, Reply::ok(Value::Null));
    assert_eq!(
        serde_json::to_value(&a.effects[0]).expect("ok"),
        json!({"kind": "notify", "name": "shouted", "data": {"what": "hey"}, "target": "all"})
    );
}

#[test]
fn cycles_answer_in_turn_per_rule() {
    let cycle = |id: &str, name: &str| {
        rule(json!({"id": id, "match": {"name": {"exact": name}},
            "action": {"cycle": {"values": [1, 2, 3]}}}))
    };
    let mut set = RuleSet::new(vec![cycle("c1", "one"), cycle("c2", "two")]).expect("valid");
    let next =
        |set: &mut RuleSet, name: &str| answer(decide(set, &req(name, Value::Null))).reply.data;
    assert_eq!(next(&mut set, "one"), json!(1));
    assert_eq!(next(&mut set, "one"), json!(2));
    assert_eq!(
        next(&mut set, "two"),
        json!(1),
        "each rule has its own counter"
    );
    assert_eq!(
        answer(set.preview(&req("one", Value::Null))).reply.data,
        json!(3)
    );
    assert_eq!(
        next(&mut set, "one"),
        json!(3),
        "preview does not move the cycle"
    );
    assert_eq!(next(&mut set, "one"), json!(1), "starts over");
    // Replacing the rules keeps the place of an unchanged cycle only.
    let mut changed = cycle("c2", "two");
    changed.delay_ms = 1;
    set.set_rules(vec![cycle("c1", "one"), changed])
        .expect("valid");
    assert_eq!(next(&mut set, "one"), json!(2));
    assert_eq!(next(&mut set, "two"), json!(1));
    set.reset_cycles();
    assert_eq!(next(&mut set, "one"), json!(1));
}

#[test]
fn invalid_rules_are_refused_with_the_field() {
    let bad = [
        (
            json!({"id": "r", "match": {"name": {"regex": "("}}, "action": "echo"}),
            "match.name.regex",
        ),
        (
            json!({"id": "r", "match": {"name": {"glob": "a["}}, "action": "echo"}),
            "match.name.glob",
        ),
        (
            json!({"id": " ", "match": {"name": {"exact": "a"}}, "action": "echo"}),
            "id",
        ),
        (
            json!({"id": "r", "match": {"name": {"exact": "a"}}, "action": {"cycle": {"values": []}}}),
            "action.cycle.values",
        ),
        (
            json!({"id": "r", "match": {"name": {"exact": "a"}},
                "action": {"template": {"value": {"x": ["{{data.a}}", "{{nam}}"]}}}}),
            "action.template.value.x[1]",
        ),
        (
            json!({"id": "r", "match": {"name": {"exact": "a"}},
                "action": {"setState": {"path": [true], "value": 1}}}),
            "action.setState.path",
        ),
    ];
    for (value, field) in bad {
        match RuleSet::new(vec![rule(value.clone())]) {
            Err(Error::Rule { field: f, .. }) => assert_eq!(f, field, "{value}"),
            other => panic!("{value}: {other:?}"),
        }
    }
    let ok = rule(json!({"id": "r", "match": {"name": {"exact": "a"}}, "action": "echo"}));
    match RuleSet::new(vec![ok.clone(), ok.clone()]) {
        Err(Error::Rule { field, message, .. }) => {
            assert_eq!(field, "id");
            assert!(message.contains("another rule"));
        }
        other => panic!("{other:?}"),
    }
    let mut set = RuleSet::new(vec![ok.clone()]).expect("valid");
    let mut broken = ok.clone();
    broken.matcher.name = NameMatch::Regex("(".into());
    assert!(set.upsert(broken).is_err());
    assert_eq!(set.rules(), [ok], "a refused upsert changes nothing");
}

#[test]
fn upsert_and_add() {
    let mut set = RuleSet::default();
    let r = rule_from_request("user.get", &json!({"id": 5}));
    assert_eq!(set.add(r.clone()).expect("valid"), "user.get");
    assert_eq!(set.add(r.clone()).expect("valid"), "user.get-2");
    assert_eq!(set.add(r.clone()).expect("valid"), "user.get-3");
    let mut changed = r.clone();
    changed.action = Action::Echo;
    set.upsert(changed).expect("valid");
    assert_eq!(set.rules()[0].action, Action::Echo, "replaced in place");
    assert_eq!(set.rules().len(), 3);
}

#[test]
fn made_from_a_request_it_answers_that_request() {
    let sample = req("user get/1", json!({"id": 5}));
    let r = rule_from_request(&sample.name, &sample.data);
    assert_eq!(r.id, "user-get-1");
    assert_eq!(r.matcher.data, Some(json!({"id": 5})));
    let mut set = RuleSet::new(vec![r]).expect("valid");
    assert_eq!(
        answer(decide(&mut set, &sample)).reply,
        Reply::ok(Value::Null)
    );
    assert_eq!(rule_from_request("ping", &Value::Null).matcher.data, None);
    assert_eq!(rule_from_request("", &Value::Null).id, "rule");
}

#[test]
fn testing_a_rule_explains_the_match() {
    let r = rule(
        json!({"id": "t", "enabled": false, "match": {"name": {"glob": "user.*"}, "data": {"id": 1}},
        "action": {"template": {"value": "{{data.id}}"}}}),
    );
    let t = test_rule(&r, &req("user.get", json!({"id": 1}))).expect("valid");
    assert!(!t.matches && !t.enabled && t.name_matches && t.data_matches);
    assert_eq!(t.answer.map(|a| a.reply), Some(Reply::ok(json!(1))));
    let t = test_rule(&r, &req("user.get", json!({"id": 2}))).expect("valid");
    assert!(t.name_matches && !t.data_matches && t.answer.is_none());
    let t = test_rule(&r, &req("other", json!({"id": 1}))).expect("valid");
    assert!(!t.name_matches && t.data_matches);
    let mut bad = r.clone();
    bad.matcher.name = NameMatch::Regex("[".into());
    assert!(test_rule(&bad, &req("x", Value::Null)).is_err());
}

#[test]
fn no_rule_reply_names_the_request() {
    assert_eq!(
        no_rule_reply("user.get"),
        Reply {
            success: false,
            data: json!("no rule for user.get")
        }
    );
    assert_eq!(
        serde_json::to_value(Decision::NoRule).expect("ok"),
        json!({"kind": "noRule"})
    );
}
