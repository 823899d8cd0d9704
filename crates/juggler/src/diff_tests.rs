use super::*;

/// Found by fuzzing (patch_apply): a `move` to a path that does not
/// exist removed the value from `from` and then failed.
#[test]
fn a_failed_move_changes_nothing() {
    let doc = serde_json::json!({"a": [1]});
    let mut data = doc.clone();
    let diff = serde_json::json!([{"op": "move", "from": "/a/0", "path": "/ta/0op`"}]);
    assert!(patch(&mut data, diff).is_err());
    assert_eq!(data, doc);
}

/// Found by fuzzing (patch_apply): `remove` of the root set the
/// document to null when the patch held only add/remove/replace, but
/// failed when it also held a move/copy/test (the json-patch path).
#[test]
fn removing_the_root_fails_either_way_and_changes_nothing() {
    let doc = serde_json::json!({"a": [1, 2]});
    for diff in [
        serde_json::json!([{"op": "add", "path": "/b", "value": 1}, {"op": "remove", "path": ""}]),
        serde_json::json!([{"op": "test", "path": "/a/0", "value": 1}, {"op": "remove", "path": ""}]),
    ] {
        let mut data = doc.clone();
        let err = patch(&mut data, diff.clone()).expect_err("remove of the root");
        assert!(!err.to_string().is_empty());
        assert_eq!(data, doc, "{diff}");
    }
}
use serde_json::json;

#[test]
fn remove_keeps_member_order() {
    let mut doc = json!({"a": 1, "b": 2, "c": 3});
    patch(&mut doc, json!([{"op": "remove", "path": "/a"}])).expect("applies");
    assert_eq!(doc.to_string(), r#"{"b":2,"c":3}"#);
}

#[test]
fn a_failing_patch_changes_nothing() {
    let before = json!({"a": 1, "b": [1, 2], "c": {"d": 3}});
    let mut doc = before.clone();
    let bad = json!([
        {"op": "remove", "path": "/a"},
        {"op": "add", "path": "/b/0", "value": 0},
        {"op": "replace", "path": "/c/d", "value": 4},
        {"op": "add", "path": "/z", "value": 9},
        {"op": "replace", "path": "/missing/x", "value": 1}
    ]);
    assert!(patch(&mut doc, bad).is_err());
    assert_eq!(doc.to_string(), before.to_string(), "order too");
}

#[test]
fn bad_patches_are_errors() {
    for bad in [
        json!({"op": "add"}),
        json!([{"op": "add", "path": "/x"}]),
        json!([{"op": "frobnicate", "path": ""}]),
        json!([{"op": "remove", "path": "x"}]),
        json!([{"op": "add", "path": "/a/01", "value": 1}]),
    ] {
        let mut doc = json!({"a": [1]});
        assert!(patch(&mut doc, bad.clone()).is_err(), "{bad}");
    }
    let mut doc = json!({"a": [1]});
    patch(&mut doc, json!([{"op": "add", "path": "/a/-", "value": 2}])).expect("append");
    patch(
        &mut doc,
        json!([{"op": "move", "from": "/a", "path": "/b"}]),
    )
    .expect("move");
    assert_eq!(doc, json!({"b": [1, 2]}));
}

/// `set_ops` and `remove_op` plan what `set` and `remove` do, quirks
/// included (parents created, padding either way, negative indices),
/// and the undo operations lead back.
#[test]
fn planned_sets_and_removes_do_what_set_and_remove_do() {
    use crate::path::{self, Step};
    let doc = json!({"a": [1, 2, 3, 4, 5, 6], "o": {"k": 1, "n": null}, "s": "x", "e": []});
    let paths: Vec<Vec<Step>> = vec![
        vec![],
        vec!["a".into()],
        vec!["a".into(), 0.into()],
        vec!["a".into(), (-1).into()],
        vec!["a".into(), 6.into()],
        vec!["a".into(), 8.into()],
        vec!["a".into(), 20.into()],
        vec!["a".into(), (-8).into()],
        vec!["a".into(), (-20).into()],
        vec!["a".into(), 2.into(), "deep".into()],
        vec!["e".into(), 0.into()],
        vec!["e".into(), 2.into()],
        vec!["e".into(), (-1).into()],
        vec!["o".into(), "k".into()],
        vec!["o".into(), "new".into(), 1.into(), "x".into()],
        vec!["s".into(), "into".into()],
        vec!["s".into(), 3.into()],
        vec!["missing".into(), "x".into()],
    ];
    for p in &paths {
        for value in [json!(7), json!(null), json!({"v": [1]})] {
            let mut want = doc.clone();
            path::set(&mut want, p, value.clone());
            let mut got = doc.clone();
            let applied = apply_undoable(&mut got, path::set_ops(&doc, p, value.clone()))
                .expect("set ops apply");
            assert_eq!(got.to_string(), want.to_string(), "set {p:?} {value}");
            apply_owned(&mut got, applied.backward).expect("undo applies");
            assert_eq!(got, doc, "undo of set {p:?} {value}");
        }
        let mut want = doc.clone();
        path::remove(&mut want, p);
        let mut got = doc.clone();
        let ops: Vec<Op> = path::remove_op(&doc, p).into_iter().collect();
        let applied = apply_undoable(&mut got, ops).expect("remove op applies");
        assert_eq!(got.to_string(), want.to_string(), "remove {p:?}");
        apply_owned(&mut got, applied.backward).expect("undo applies");
        assert_eq!(got, doc, "undo of remove {p:?}");
    }
    // An unchanged value plans nothing.
    assert!(path::set_ops(&doc, &["o".into(), "k".into()], json!(1)).is_empty());
    assert!(path::remove_op(&doc, &["o".into(), "nope".into()]).is_none());
}

/// Every RFC 6902 operation, told as add/remove/replace, undone and
/// redone; a failing test or move changes nothing.
#[test]
fn patches_are_undoable() {
    let doc = json!({"a": [1, 2, 3], "o": {"k": 1, "m": {"deep": true}}, "z": "last"});
    let diff = json!([
        {"op": "move", "from": "/o/m", "path": "/a/1"},
        {"op": "copy", "from": "/a/1", "path": "/copied"},
        {"op": "test", "path": "/copied/deep", "value": true},
        {"op": "remove", "path": "/a/0"},
        {"op": "add", "path": "/a/-", "value": 4},
        {"op": "replace", "path": "/z", "value": "changed"},
        {"op": "move", "from": "/o/k", "path": "/o/k"}
    ]);
    let mut want = doc.clone();
    patch(&mut want, diff.clone()).expect("json-patch applies");
    let mut got = doc.clone();
    let applied = patch_undoable(&mut got, diff).expect("applies");
    assert_eq!(got, want);
    assert!(
        applied
            .forward
            .iter()
            .all(|op| !matches!(op, Op::Remove(p) if p.is_empty()))
    );
    let mut back = got.clone();
    apply_owned(&mut back, applied.backward.clone()).expect("undo");
    assert_eq!(back, doc);
    let mut again = back.clone();
    apply_owned(&mut again, applied.forward.clone()).expect("redo");
    assert_eq!(again.to_string(), got.to_string());

    for bad in [
        json!([{"op": "remove", "path": "/z"}, {"op": "test", "path": "/a/0", "value": 9}]),
        json!([{"op": "remove", "path": "/z"}, {"op": "move", "from": "/o", "path": "/o/inner"}]),
        json!([{"op": "remove", "path": "/z"}, {"op": "copy", "from": "/nope", "path": "/x"}]),
        json!([{"op": "move", "path": "/x"}]),
    ] {
        let mut got = doc.clone();
        assert!(patch_undoable(&mut got, bad.clone()).is_err(), "{bad}");
        assert_eq!(got.to_string(), doc.to_string(), "{bad}");
    }
}

#[test]
fn diff_then_patch_reaches_the_target() {
    let pairs = [
        (json!(null), json!({"a": 1})),
        (json!([1, 2, 3, 4]), json!([2, 4])),
        (json!([1]), json!([0, 1, 2, 1])),
        (
            json!({"a": {"b": [1, {"c": 2}]}}),
            json!({"a": {"b": [1, {"c": 3}, 4]}, "d/~": 1}),
        ),
    ];
    for (src, dst) in pairs {
        let mut doc = src.clone();
        patch(&mut doc, diff_json(&src, &dst)).expect("applies");
        assert_eq!(doc, dst);
    }
}

/// A patch with a copy, move or test (read whole as a `json_patch::Patch`)
/// keeps its values' numbers: read from the parsed `Value`, `-0` became `0`
/// and an integer past `u64` was refused ("as u128, expected any value").
#[test]
fn a_general_patch_keeps_every_number() {
    let exact = |text: &str| -> serde_json::Value { serde_json::from_str(text).expect("json") };
    let numbers = "[-0,9007199254740993,123456789012345678901234567890]";
    let mut doc = exact("{}");
    let diff = exact(&format!(
        r#"[{{"op": "add", "path": "/a", "value": {numbers}}},
            {{"op": "test", "path": "/a/0", "value": -0}},
            {{"op": "copy", "from": "/a", "path": "/b"}}]"#
    ));
    patch(&mut doc, diff).expect("applies");
    assert_eq!(
        doc.to_string(),
        format!(r#"{{"a":{numbers},"b":{numbers}}}"#)
    );
}
