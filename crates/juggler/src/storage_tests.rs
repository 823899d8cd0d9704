use super::*;
use crate::path;
use serde_json::json;

/// Applies the diff of a `state` message from `catch_up`.
fn apply(mirror: &mut Value, message: &Utf8Bytes) {
    let mut m: Value = serde_json::from_str(message).expect("message is JSON");
    assert_eq!(m["type"], "state", "{message}");
    crate::diff::patch(mirror, m["diff"].take()).expect("applies");
}

/// A replaced big value (set at a path, at the root, an equal one, or
/// a whole state applied from a server) is freed by the background
/// thread, not under the lock; the storage holds the new value.
#[test]
fn big_replaced_values_are_freed_in_the_background() {
    let big = |tag: &str| {
        let rows: Vec<Value> = (0..crate::dropper::HEAVY)
            .map(|i| json!({"id": i, "tag": tag}))
            .collect();
        json!({"rows": rows})
    };
    let s = Storage::new();
    let _tracker = s.track();
    let handed = crate::dropper::handed;
    s.set(path!["doc"], big("a"));
    let before = handed();
    s.set(path!["doc"], big("b"));
    assert!(handed() > before, "a replaced value at a path");
    let before = handed();
    s.set(path!["doc"], big("b"));
    assert!(handed() > before, "a set equal to what was there");
    let before = handed();
    s.set(path![], json!({"doc": big("c")}));
    assert!(handed() > before, "a root set");
    let before = handed();
    s.patch_owned(json!([{"op": "replace", "path": "", "value": big("d")}]))
        .expect("patch");
    assert!(handed() > before, "a whole state applied");
    assert_eq!(s.get(path!["doc", "rows", 7, "tag"]), None);
    assert_eq!(s.get(path!["rows", 7, "tag"]), Some(json!("d")));
}

/// What a connection receives, applied to what it had, gives the new
/// state: for sets that add, replace, create parents and pad.
#[test]
fn caught_up_ops_rebuild_the_state() {
    let s = Storage::with_data(json!({"a": [1, 2], "k/~": {"x": 1}}));
    let _tracker = s.track();
    let (v0, whole) = s.catch_up(None);
    let mut mirror = Value::Null;
    apply(&mut mirror, &whole.expect("initial state"));
    s.set(path!["a", 5], json!("pad"));
    s.set(path!["k/~", "x"], json!(2));
    s.set(path!["new", 0, "deep"], json!(true));
    s.set(path!["a", 0], json!(1));
    s.remove(path!["a", -1]);
    s.patch(&json!([{"op": "move", "from": "/new", "path": "/moved"}]))
        .expect("patch");
    let (_, ops) = s.catch_up(Some(v0));
    apply(&mut mirror, &ops.expect("changes"));
    assert_eq!(mirror, s.data());
}

/// The undoable changes reach connections as their operations, and
/// their undo operations lead back; a change of nothing is no version.
#[test]
fn undoable_changes_are_caught_up_and_undone() {
    let start = json!({"a": [1, 2], "o": {"k": 1, "m": 2}});
    let s = Storage::with_data(start.clone());
    let _tracker = s.track();
    let (v0, whole) = s.catch_up(None);
    let mut mirror = Value::Null;
    apply(&mut mirror, &whole.expect("initial state"));
    let mut backs = Vec::new();
    let set = s.set_undoable(path!["a", 3], json!("pad")).expect("set");
    backs.push(set.backward);
    let removed = s.remove_undoable(path!["o", "k"]).expect("remove");
    assert_eq!(removed.forward, vec![Op::Remove("/o/k".into())]);
    backs.push(removed.backward);
    let patched = s
        .patch_undoable(json!([{"op": "move", "from": "/o/m", "path": "/b"}]))
        .expect("patch");
    backs.push(patched.backward);
    let v = s.version();
    let same = s.set_undoable(path!["b"], json!(2)).expect("set");
    assert!(same.is_empty() && s.version() == v, "no change, no version");
    let (_, ops) = s.catch_up(Some(v0));
    apply(&mut mirror, &ops.expect("changes"));
    assert_eq!(mirror.to_string(), s.data().to_string());
    for back in backs.into_iter().rev() {
        s.apply_ops(back).expect("undo applies");
    }
    assert_eq!(s.data(), start);
}

/// A container set over a container of the same kind goes out as their
/// diff (as the reference sends it), at the path of the set; an equal
/// one sends nothing.
#[test]
fn a_container_set_over_a_container_sends_the_diff() {
    let rows = |changed: &str| json!({"rows": [{"id": 1, "name": "a"}, {"id": 2, "name": changed}], "n": 2});
    let s = Storage::with_data(json!({"doc": rows("b"), "other": true}));
    let _tracker = s.track();
    let (v0, _) = s.catch_up(None);
    s.set(path!["doc"], rows("changed"));
    let (v1, ops) = s.catch_up(Some(v0));
    let diff: Value = serde_json::from_str(&ops.expect("a change")).expect("json");
    assert_eq!(
        diff["diff"],
        json!([{"op": "replace", "path": "/doc/rows/1/name", "value": "changed"}])
    );
    s.set(
        path![],
        json!({"doc": rows("changed"), "other": false, "new": []}),
    );
    let (v2, ops) = s.catch_up(Some(v1));
    let diff: Value = serde_json::from_str(&ops.expect("a change")).expect("json");
    assert_eq!(
        diff["diff"],
        json!([
            {"op": "replace", "path": "/other", "value": false},
            {"op": "add", "path": "/new", "value": []}
        ])
    );
    s.set(
        path![],
        json!({"doc": rows("changed"), "other": false, "new": []}),
    );
    // Equal: a new version (the reference counts it), nothing to send.
    assert_eq!(s.catch_up(Some(v2)), (v2 + 1, None));
    // Equal but in another order: the object goes whole, so that the
    // client's copy has the server's order.
    let reordered = json!({"new": [], "other": false, "doc": rows("changed")});
    s.set(path![], reordered.clone());
    let (v4, ops) = s.catch_up(Some(v2 + 1));
    let diff: Value = serde_json::from_str(&ops.expect("a change")).expect("json");
    assert_eq!(
        diff["diff"],
        json!([{"op": "replace", "path": "", "value": reordered}])
    );
    // A kind change is a replace of the whole value at the path.
    s.set(path!["doc"], json!([1]));
    let (_, ops) = s.catch_up(Some(v4));
    let diff: Value = serde_json::from_str(&ops.expect("a change")).expect("json");
    assert_eq!(
        diff["diff"],
        json!([{"op": "replace", "path": "/doc", "value": [1]}])
    );
}

/// A diff longer than the value itself (values that share little, a
/// pointer per leaf) is sent as a `replace` of the value instead.
#[test]
fn a_diff_longer_than_the_value_is_sent_as_the_value() {
    let rows = |tag: i64| -> Value {
        (0..10_000)
            .map(|i| json!({"id": i * tag, "v": tag}))
            .collect::<Vec<_>>()
            .into()
    };
    let s = Storage::with_data(json!({"rows": rows(1)}));
    let _tracker = s.track();
    let (v0, _) = s.catch_up(None);
    s.set(path!["rows"], rows(2));
    let (_, ops) = s.catch_up(Some(v0));
    let m: Value = serde_json::from_str(&ops.expect("a change")).expect("json");
    assert_eq!(
        m["diff"],
        json!([{"op": "replace", "path": "/rows", "value": rows(2)}])
    );
    // At the root: the whole value, one message shared with late joiners.
    let (v1, _) = s.catch_up(None);
    s.set(path![], json!({"rows": rows(3)}));
    let (v2, synced) = s.catch_up(Some(v1));
    let (v3, joiner) = s.catch_up(None);
    assert_eq!(v2, v3);
    let (synced, joiner) = (synced.expect("a change"), joiner.expect("the state"));
    assert_eq!(synced.as_str().as_ptr(), joiner.as_str().as_ptr());
    let m: Value = serde_json::from_str(&synced).expect("json");
    assert_eq!(
        m["diff"],
        json!([{"op": "replace", "path": "", "value": {"rows": rows(3)}}])
    );
}

/// The whole value's message kept for late joiners goes with the first
/// change after it (it was held until the next joiner, as big as the
/// value's text); the next joiner gets the value as it is then.
#[test]
fn a_change_frees_the_whole_value_message_kept_for_joiners() {
    let s = Storage::with_data(json!({"text": "x".repeat(100_000)}));
    let _tracker = s.track();
    let (v0, first) = s.catch_up(None);
    assert!(first.is_some());
    assert!(s.lock().whole.is_some(), "kept for the next joiner");
    let (_, again) = s.catch_up(None);
    assert_eq!(
        first.as_ref().map(|m| m.as_str().as_ptr()),
        again.as_ref().map(|m| m.as_str().as_ptr()),
        "shared while the value is the same"
    );
    s.set(path!["n"], json!(1));
    assert!(s.lock().whole.is_none(), "freed by the change");
    let (_, change) = s.catch_up(Some(v0));
    let mut mirror = Value::Null;
    apply(&mut mirror, &first.expect("state"));
    apply(&mut mirror, &change.expect("change"));
    let (_, joiner) = s.catch_up(None);
    let mut fresh = Value::Null;
    apply(&mut fresh, &joiner.expect("state"));
    assert_eq!((&mirror, &fresh), (&s.data(), &s.data()));
    // A whole-value set's own message stays for the joiners after it (a
    // kind change: an object over an object goes as their diff).
    s.set(path![], json!(["b"]));
    assert!(s.lock().whole.is_some());
}

/// A whole-value set is serialized once: the message a late joiner gets
/// is the very one the connections already in sync got.
#[test]
fn a_whole_value_set_is_serialized_once() {
    let s = Storage::new();
    let _tracker = s.track();
    let (v0, _) = s.catch_up(None);
    s.set(path![], json!(["before"]));
    let (v1, _) = s.catch_up(Some(v0));
    s.set(path![], json!({"big": [1, 2, 3]}));
    let (v2, synced) = s.catch_up(Some(v1));
    let (v3, joiner) = s.catch_up(None);
    // One that fell behind before the whole-value set catches up too.
    let (v4, behind) = s.catch_up(Some(v0));
    assert!(v2 == v3 && v3 == v4);
    let (synced, joiner) = (synced.expect("change"), joiner.expect("state"));
    assert_eq!(
        synced.as_str().as_ptr(),
        joiner.as_str().as_ptr(),
        "one shared message"
    );
    for message in [&synced, &joiner, &behind.expect("state")] {
        let mut mirror = json!(["before"]);
        apply(&mut mirror, message);
        assert_eq!(mirror, s.data());
    }
    // Later changes are logged after it and make the cached text stale.
    s.set(path!["big", 0], json!(9));
    let (_, ops) = s.catch_up(Some(v2));
    let mut mirror = s.data();
    mirror["big"][0] = json!(1);
    apply(&mut mirror, &ops.expect("change"));
    assert_eq!(mirror, s.data());
    let (_, joiner) = s.catch_up(None);
    assert!(joiner.expect("state").contains("[9,2,3]"));
}

/// Increments from many threads at once all count: `update` reads and
/// writes under one lock, where `set(get() + 1)` loses some (F12).
#[test]
fn concurrent_updates_lose_nothing() {
    const THREADS: usize = 8;
    const EACH: u64 = 2_000;
    let s = Storage::with_data(json!({"n": 0}));
    let start = std::sync::Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                start.wait();
                for _ in 0..EACH {
                    s.update(path!["n"], |old| {
                        json!(old.and_then(Value::as_u64).unwrap_or(0) + 1)
                    });
                }
            });
        }
    });
    assert_eq!(s.get(path!["n"]), Some(json!(THREADS as u64 * EACH)));
    assert_eq!(s.version(), THREADS as u64 * EACH);
}

/// An update is one change: one version, sent as the set of the new
/// value; a missing path gets `None` and is created.
#[test]
fn an_update_is_one_change_sent_as_a_set() {
    let s = Storage::with_data(json!({"a": {"n": 1}}));
    let _tracker = s.track();
    let (v0, _) = s.catch_up(None);
    s.update(path!["a", "n"], |old| {
        assert_eq!(old, Some(&json!(1)));
        json!(2)
    });
    s.update(path!["b", 0], |old| {
        assert_eq!(old, None);
        json!("new")
    });
    let (v, ops) = s.catch_up(Some(v0));
    assert_eq!(v, v0 + 2);
    let m: Value = serde_json::from_str(&ops.expect("changes")).expect("json");
    assert_eq!(
        m["diff"],
        json!([
            {"op": "replace", "path": "/a/n", "value": 2},
            {"op": "add", "path": "/b", "value": ["new"]}
        ])
    );
}

/// The text of the panic `f` caused, run with the panic hook quiet.
fn panic_text(f: impl FnOnce()) -> String {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    let payload = caught.expect_err("it panics");
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Calling the storage from inside its own `read` or `update` closure
/// panics at once with what to do, instead of waiting for ever on its
/// lock (F1); the storage stays usable and unchanged.
#[test]
fn calls_from_inside_its_own_closure_panic_instead_of_hanging() {
    let s = Storage::with_data(json!(1));
    let clone = s.clone();
    type Call<'a> = Box<dyn FnOnce() + 'a>;
    let calls: [(&str, Call<'_>); 5] = [
        ("set in read", Box::new(|| s.read(|_| s.set([], json!(2))))),
        ("get in read", Box::new(|| drop(s.read(|_| s.get([]))))),
        (
            "a clone in read",
            Box::new(|| drop(s.read(|_| clone.data()))),
        ),
        (
            "version in update",
            Box::new(|| s.update([], |_| json!(s.version()))),
        ),
        ("read in read", Box::new(|| s.read(|_| s.read(|_| ())))),
    ];
    for (what, call) in calls {
        let text = panic_text(call);
        assert!(
            text.contains("inside its own `read` or `update` closure")
                && text.contains("after it returns"),
            "{what}: {text}"
        );
        assert_eq!((s.data(), s.version()), (json!(1), 0), "{what}");
    }
    // Nested closures of another storage are fine, and the marks are gone.
    let other = Storage::with_data(json!("other"));
    assert_eq!(
        s.read(|v| other.read(|o| (v.clone(), o.clone()))),
        (json!(1), json!("other"))
    );
    s.update([], |_| other.data());
    assert_eq!(s.data(), json!("other"));
}

/// A panic in `update`'s closure changes nothing.
#[test]
fn a_panicking_update_changes_nothing() {
    let s = Storage::with_data(json!({"n": 1}));
    let text = panic_text(|| s.update(path!["n"], |_| panic!("the application's bug")));
    assert_eq!(text, "the application's bug");
    assert_eq!((s.data(), s.version()), (json!({"n": 1}), 0));
    s.update(path!["n"], |_| json!(2));
    assert_eq!(s.data(), json!({"n": 2}));
}

/// Once the storage ended, a watch still gets the changes made before,
/// then `None`; a storage that has not ended keeps it waiting (F8).
#[tokio::test]
async fn a_watch_sees_the_last_changes_then_the_end() {
    let s = Storage::new();
    let mut watch = s.subscribe();
    let mut other = s.subscribe();
    s.set([], json!(1));
    assert_eq!(other.changed().await, Some(json!(1)));
    s.set([], json!(2));
    s.end();
    assert_eq!(watch.changed().await, Some(json!(2)));
    assert_eq!(watch.changed().await, None);
    assert_eq!(watch.changed().await, None, "and stays ended");
    assert_eq!(other.changed().await, Some(json!(2)));
    assert_eq!(other.changed().await, None);
    assert_eq!(s.subscribe().changed().await, None, "a late watch too");
}

/// `changed_version` wakes as `changed` does (changes coalesced, the end
/// after the changes before it), with the version instead of a copy.
#[tokio::test]
async fn a_watch_can_wait_for_the_version_alone() {
    let s = Storage::new();
    let mut watch = s.subscribe();
    s.set([], json!(1));
    assert_eq!(watch.changed_version().await, Some(1));
    s.set([], json!(2));
    s.set([], json!(3));
    assert_eq!(watch.changed_version().await, Some(3), "coalesced");
    s.set([], json!(4));
    s.end();
    assert_eq!(watch.changed_version().await, Some(4));
    assert_eq!(watch.changed_version().await, None);
    assert_eq!(s.subscribe().changed_version().await, None);
}
