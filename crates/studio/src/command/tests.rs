//! Reading commands from requests: both forms of the wrapped commands,
//! data-less commands, argument errors naming the field, unknown names,
//! deep values, and the engine's errors as typed errors.

use serde_json::{Value, json};

use super::error::{CommandError, ErrorCode};
use super::list::{COMMANDS, Command};
use crate::error::{Error, Problem};

fn parse(name: &str, data: Value) -> Command {
    Command::parse(name, data).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn parse_err(name: &str, data: Value) -> CommandError {
    match Command::parse(name, data) {
        Ok(c) => panic!("{name} parsed as {c:?}"),
        Err(e) => e,
    }
}

/// The value a wrapped command carries, by its `Debug` text (the argument
/// types hold `Value`s, compared through it).
fn carried(name: &str, data: Value) -> String {
    format!("{:?}", parse(name, data))
}

#[test]
fn wrapped_commands_take_both_forms() {
    for (name, key, value) in [
        ("server.settings", "settings", json!({"port": 0})),
        (
            "notify.presets",
            "presets",
            json!([{"name": "n", "data": 1}]),
        ),
        (
            "remote.bookmarks",
            "bookmarks",
            json!([{"name": "b", "url": "ws://x"}]),
        ),
        ("rules.set", "rules", json!([])),
        ("scenarios.set", "scenarios", json!([])),
        ("schemas.set", "schemas", json!(null)),
        (
            "remote.connect",
            "target",
            json!({"url": "ws://127.0.0.1:1/ws"}),
        ),
        (
            "proxy.start",
            "settings",
            json!({"upstream": {"url": "ws://127.0.0.1:1/ws"}}),
        ),
    ] {
        let wrapped = carried(name, json!({ key: value.clone() }));
        let bare = carried(name, value.clone());
        assert_eq!(wrapped, bare, "{name}");
    }
}

#[test]
fn commands_without_arguments_take_null_missing_or_any_data() {
    for name in [
        "server.start",
        "state.undo",
        "traffic.clear",
        "replay.stop",
        "workspace.get",
    ] {
        for data in [Value::Null, json!({}), json!({"unused": 1})] {
            assert_eq!(parse(name, data).name(), name);
        }
    }
}

#[test]
fn every_name_is_a_command_once() {
    let mut names: Vec<_> = COMMANDS.to_vec();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), COMMANDS.len(), "a name twice");
    for name in COMMANDS {
        match Command::parse(name, Value::Null) {
            Ok(c) => assert_eq!(c.name(), *name),
            Err(e) => assert_eq!(e.code, ErrorCode::Invalid, "{name}: {e:?}"),
        }
    }
}

#[test]
fn argument_errors_are_invalid_and_name_the_field() {
    for (name, data, field) in [
        ("notify.send", json!({"name": 5}), "name"),
        (
            "notify.send",
            json!({"name": "n", "connections": "all"}),
            "connections",
        ),
        ("state.set", json!({"path": [true]}), "path"),
        ("state.patch", json!({}), "diff"),
        ("traffic.pause", json!({}), "paused"),
        ("connection.close", json!({"id": "one"}), "id"),
        ("remote.connect", json!({"target": {"url": 1}}), "target"),
        (
            "dashboard.new",
            json!({"dir": "d", "generation": "0.5"}),
            "generation",
        ),
        (
            "faults.set",
            json!({"settings": {"delayStateMs": "x"}}),
            "settings.delayStateMs",
        ),
        ("proxy.mock", json!({"id": "p1", "out": 5}), "out"),
        (
            "proxy.mock",
            json!({"id": "p1", "out": "m.json", "answers": "all"}),
            "answers",
        ),
        (
            "proxy.start",
            json!({"settings": {"upstream": {"url": 1}}}),
            "settings.upstream.url",
        ),
    ] {
        let e = parse_err(name, data);
        assert_eq!(e.code, ErrorCode::Invalid, "{name}");
        assert_eq!(e.field.as_deref(), Some(field), "{name}: {e:?}");
        let top = field.split('.').next().unwrap_or(field);
        assert!(e.message.contains(top), "{name}: {}", e.message);
    }
    let e = parse_err("notify.send", json!({"name": 5}));
    assert!(e.message.starts_with("name: "), "{}", e.message);
}

#[test]
fn an_unknown_command_says_where_the_list_is() {
    let e = parse_err("x", Value::Null);
    assert_eq!(e.code, ErrorCode::UnknownCommand);
    assert_eq!(
        e.message,
        "unknown command \"x\"; see CONTROL.md for the list"
    );
    let wire = serde_json::to_value(&e).expect("encode");
    assert_eq!(
        wire,
        json!({"code": "unknownCommand", "message": "unknown command \"x\"; see CONTROL.md for the list"})
    );
}

#[test]
fn a_deep_value_is_taken_as_it_is() {
    let depth = 5_000;
    let text = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let value = juggler::json::from_str(&text, depth + 10).expect("parse");
    let data = json!({"path": ["deep"], "value": Value::Null});
    let Value::Object(mut data) = data else {
        unreachable!("an object literal")
    };
    data.insert("value".into(), value);
    // On a small stack: a walk of the value node by node would overflow it.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(
            move || match Command::parse("state.set", Value::Object(data)) {
                Ok(Command::StateSet(a)) => std::mem::forget(a),
                other => panic!("{other:?}"),
            },
        )
        .expect("spawn");
    handle.join().expect("parsed without overflowing the stack");
}

#[test]
fn engine_errors_keep_their_field_and_id() {
    let e = CommandError::from(Error::Rule {
        id: "r1".into(),
        field: "match.name.regex".into(),
        message: "bad regex".into(),
    });
    assert_eq!(e.code, ErrorCode::Rule);
    assert_eq!(e.id.as_deref(), Some("r1"));
    assert_eq!(e.field.as_deref(), Some("match.name.regex"));
    assert_eq!(e.detail.as_deref(), Some("bad regex"));
    assert_eq!(e.message, "rule \"r1\": match.name.regex: bad regex");

    let e = CommandError::from(Error::Workspace {
        file: "w.json".into(),
        problems: vec![Problem::new("server.port", "too big")],
    });
    assert_eq!(e.code, ErrorCode::Workspace);
    assert_eq!(e.field.as_deref(), Some("server.port"));
    assert_eq!(e.detail.as_deref(), Some("too big"));

    let e = CommandError::from(Error::field(
        "invalid server settings",
        "server.wsPath",
        "no /",
    ));
    assert_eq!(e.code, ErrorCode::Invalid);
    assert_eq!(e.message, "invalid server settings: server.wsPath: no /");
    assert_eq!(e.field.as_deref(), Some("server.wsPath"));

    let e = CommandError::from(Error::Juggler(juggler::Error::Juggler(json!({"why": 1}))));
    assert_eq!(e.code, ErrorCode::RemoteError);
    assert_eq!(e.data, Some(json!({"why": 1})));

    let e = CommandError::from(Error::Invalid("no".into()));
    let wire = serde_json::to_value(&e).expect("encode");
    assert_eq!(wire, json!({"code": "invalid", "message": "no"}));
}

#[test]
fn a_command_reads_as_a_tagged_object() {
    let c: Command =
        serde_json::from_value(json!({"name": "traffic.pause", "data": {"paused": true}}))
            .expect("a command");
    assert!(
        matches!(c, Command::TrafficPause(ref a) if a.paused),
        "{c:?}"
    );
    let c: Command = serde_json::from_value(json!({"name": "state.undo"})).expect("no data");
    assert_eq!(c.name(), "state.undo");
    let e = serde_json::from_value::<Command>(json!({"name": "traffic.pause", "data": {}}))
        .expect_err("paused is required");
    assert!(e.to_string().starts_with("paused: "), "{e}");
    let e = serde_json::from_value::<Command>(json!({"name": "x"})).expect_err("unknown");
    assert!(e.to_string().contains("unknown command"), "{e}");
}
