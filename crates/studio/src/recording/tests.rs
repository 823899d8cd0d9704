use serde_json::{Value, json};

use super::*;

/// A made-up session: states changing in many ways (members added and
/// removed, arrays growing and shrinking, whole-document replaces), with
/// requests, responses and notifications in between. Deterministic.
fn session(steps: usize) -> (Vec<Entry>, Vec<Value>) {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut state = json!(null);
    let mut states = vec![state.clone()];
    let mut entries = Vec::new();
    let mut t = 0.0;
    for i in 0..steps {
        t += 1.5;
        let old = state.clone();
        match next(6) {
            0 => state = json!({"alarms": [], "pumps": {"p1": {"on": false}}, "n": i}),
            1 => {
                if !state.is_object() {
                    state = json!({});
                }
                state["n"] = json!(i);
            }
            2 => {
                if !state["alarms"].is_array() {
                    state["alarms"] = json!([]);
                }
                let a = state["alarms"].as_array_mut().expect("array");
                if a.len() > 3 && next(2) == 0 {
                    a.remove(next(a.len() as u64) as usize);
                } else {
                    a.insert(0, json!({"id": i, "active": next(2) == 0}));
                }
            }
            3 => {
                if !state.is_object() {
                    state = json!({});
                }
                state["pumps"][format!("p{}", next(4))] = json!({"on": next(2) == 0, "rpm": i});
            }
            4 => {
                entries.push(Entry {
                    t,
                    event: Event::Request {
                        id: i as u64,
                        name: "pump.start".into(),
                        data: json!({"pump": i}),
                    },
                });
                entries.push(Entry {
                    t: t + 0.5,
                    event: Event::Response {
                        id: i as u64,
                        success: true,
                        data: json!("ok"),
                    },
                });
                continue;
            }
            _ => {
                entries.push(Entry {
                    t,
                    event: Event::Notify {
                        name: "tick".into(),
                        data: json!(i),
                    },
                });
                continue;
            }
        }
        let diff = juggler::diff::diff_json(&old, &state);
        if diff.as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        entries.push(Entry {
            t,
            event: Event::State { diff },
        });
        while states.len() < entries.len() {
            states.push(old.clone());
        }
        states.push(state.clone());
    }
    while states.len() < entries.len() + 1 {
        states.push(state.clone());
    }
    (entries, states)
}

#[test]
fn a_recorded_session_reads_back_entry_for_entry() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.ndjson");
    let (entries, _) = session(300);
    let header = Header::new("0.6", Some("ws://127.0.0.1:1/ws".into()), "test");
    let mut rec = Recorder::create(&path, &header).expect("create");
    for e in &entries {
        rec.record_at(e.t, e.event.clone()).expect("record");
    }
    assert_eq!(rec.entries(), entries.len() as u64);
    let back = Recording::read(&path).expect("read");
    assert_eq!(back.header, header);
    assert_eq!(back.entries, entries);
    assert!(!back.truncated_tail);
    assert_eq!(
        std::fs::metadata(&path).expect("meta").len(),
        rec.bytes(),
        "every entry is on disk as soon as it is recorded"
    );
}

#[test]
fn a_last_line_cut_short_is_left_out_and_said() {
    let (entries, _) = session(20);
    let header = Header::new("0.7", None, "test");
    let mut text = serde_json::to_string(&header).expect("json") + "\n";
    for e in &entries {
        text += &(serde_json::to_string(e).expect("json") + "\n");
    }
    let whole = Recording::parse(&text, "x").expect("parse");
    assert_eq!(whole.entries.len(), entries.len());
    // A crash in the middle of the next write.
    text += r#"{"t":99.5,"kind":"notify","na"#;
    let cut = Recording::parse(&text, "x").expect("parse");
    assert!(cut.truncated_tail);
    assert_eq!(cut.entries, entries);
}

#[test]
fn bad_files_say_which_line_and_what_to_do() {
    let e = Recording::parse("", "rec.ndjson").expect_err("empty");
    assert!(e.to_string().contains("rec.ndjson:1: empty file"), "{e}");
    let e = Recording::parse("{\"version\": 1}\n", "r").expect_err("no header");
    assert!(
        e.to_string()
            .contains("r:1: not a Juggler Studio recording"),
        "{e}"
    );
    let header = serde_json::to_string(&Header::new("0.6", None, "t")).expect("json");
    let e = Recording::parse(
        &format!("{header}\n{{\"t\": 1, \"kind\": \"bogus\"}}\n{{}}\n"),
        "r",
    )
    .expect_err("bad entry");
    assert!(
        e.to_string().starts_with("r:2: not a recording entry"),
        "{e}"
    );
    let newer = header.replace("\"version\":1", "\"version\":9");
    let e = Recording::parse(&format!("{newer}\n"), "r").expect_err("newer");
    assert!(e.to_string().contains("newer Juggler Studio"), "{e}");
    let e = Recording::parse(
        &format!("{header}\n{{\"t\": -1, \"kind\": \"notify\", \"name\": \"n\", \"data\": 1}}\n"),
        "r",
    )
    .expect_err("negative t");
    assert!(e.to_string().contains("r:2:"), "{e}");
}

#[test]
fn the_timeline_gives_the_exact_state_at_every_step() {
    let (entries, states) = session(1000);
    // Small checkpoints: the session crosses several.
    let tl = Timeline::with_checkpoint_bytes(entries.clone(), 512).expect("timeline");
    assert!(tl.checkpoints().0 >= 3, "{:?}", tl.checkpoints());
    let default = Timeline::new(entries.clone()).expect("timeline");
    // What a client had: every diff applied in order, as it arrived.
    let mut live = Value::Null;
    for step in 0..=entries.len() {
        if step > 0 {
            if let Event::State { diff } = &entries[step - 1].event {
                juggler::diff::patch(&mut live, diff.clone()).expect("patch");
            }
        }
        let got = tl.state_at(step).expect("state");
        assert_eq!(default.state_at(step).expect("state"), got, "step {step}");
        // Byte-identical to the client's copy, member order included…
        assert_eq!(
            serde_json::to_string(&got).expect("json"),
            serde_json::to_string(&live).expect("json"),
            "step {step}"
        );
        // …and equal to the sender's state.
        assert_eq!(got, states[step], "step {step}");
    }
    // Past the end: the final state.
    assert_eq!(
        tl.state_at(usize::MAX).expect("state"),
        states[entries.len()]
    );
}

#[test]
fn a_big_state_with_small_changes_keeps_no_copy_of_it() {
    let mk = |t: f64, diff: Value| Entry {
        t,
        event: Event::State { diff },
    };
    let big: Vec<Value> = (0..20_000)
        .map(|i| json!({"id": i, "name": format!("item-{i}")}))
        .collect();
    let mut entries = vec![mk(
        0.0,
        json!([{"op": "replace", "path": "", "value": {"items": big}}]),
    )];
    for i in 0..500 {
        entries.push(mk(
            1.0 + f64::from(i),
            json!([{"op": "replace", "path": "/items/7/name", "value": format!("n{i}")}]),
        ));
    }
    // The whole state set again halfway, then changed once more.
    entries.push(mk(600.0, json!([{"op": "add", "path": "/x", "value": 1}, {"op": "replace", "path": "", "value": {"items": []}}])));
    entries.push(mk(
        601.0,
        json!([{"op": "add", "path": "/items/0", "value": 5}]),
    ));
    let tl = Timeline::new(entries.clone()).expect("timeline");
    // No copy kept: the two whole-state entries are the checkpoints.
    assert_eq!(tl.checkpoints(), (1, 2), "only the initial null is kept");
    assert_eq!(
        tl.state_at(1).expect("state")["items"][7]["name"],
        json!("item-7")
    );
    assert_eq!(
        tl.state_at(501).expect("state")["items"][7]["name"],
        json!("n499")
    );
    assert_eq!(tl.state_at(502).expect("state"), json!({"items": []}));
    assert_eq!(tl.state_at(503).expect("state"), json!({"items": [5]}));
    // Diffs adding up to more than the state: a copy is kept.
    let small = vec![mk(
        0.0,
        json!([{"op": "replace", "path": "", "value": {"v": 0}}]),
    )]
    .into_iter()
    .chain((1..200).map(|i| {
        mk(
            f64::from(i),
            json!([{"op": "replace", "path": "/v", "value": i}]),
        )
    }))
    .collect::<Vec<_>>();
    let tl = Timeline::with_checkpoint_bytes(small, 0).expect("timeline");
    assert!(tl.checkpoints().0 > 10, "{:?}", tl.checkpoints());
    assert_eq!(tl.state_at(200).expect("state"), json!({"v": 199}));
}

#[test]
fn path_history_lists_each_change_with_the_value_after() {
    let mk = |t: f64, diff: Value| Entry {
        t,
        event: Event::State { diff },
    };
    let entries = vec![
        mk(
            0.0,
            json!([{"op": "replace", "path": "", "value": {"alarms": [{"active": false}]}}]),
        ),
        mk(5.0, json!([{"op": "add", "path": "/other", "value": 1}])),
        mk(
            7.0,
            json!([{"op": "replace", "path": "/alarms/0/active", "value": true}]),
        ),
        Entry {
            t: 8.0,
            event: Event::Notify {
                name: "n".into(),
                data: json!(null),
            },
        },
        mk(
            9.0,
            json!([{"op": "replace", "path": "/alarms/0", "value": {"active": true}}]),
        ),
        mk(12.0, json!([{"op": "remove", "path": "/alarms/0"}])),
        mk(
            15.0,
            json!([{"op": "add", "path": "/alarms/0", "value": {"active": false}}]),
        ),
    ];
    let tl = Timeline::new(entries).expect("timeline");
    let h = tl.history("/alarms/0/active").expect("history");
    let got: Vec<(usize, f64, Value, bool)> = h
        .into_iter()
        .map(|c| (c.step, c.t, c.value, c.present))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 0.0, json!(false), true),
            (2, 7.0, json!(true), true),
            // step 4 replaced the parent with an equal value: no change.
            (5, 12.0, json!(null), false),
            (6, 15.0, json!(false), true),
        ]
    );
    assert_eq!(tl.history("/other").expect("h").len(), 1);
    assert_eq!(tl.history("").expect("h").len(), 5);
}

#[test]
fn a_diff_that_does_not_apply_names_its_entry() {
    let entries = vec![
        Entry {
            t: 0.0,
            event: Event::State {
                diff: json!([{"op": "replace", "path": "", "value": {}}]),
            },
        },
        Entry {
            t: 1.0,
            event: Event::State {
                diff: json!([{"op": "remove", "path": "/missing"}]),
            },
        },
    ];
    let e = Timeline::new(entries).expect_err("bad diff");
    assert!(e.to_string().contains("entry 2"), "{e}");
}
