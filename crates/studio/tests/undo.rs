//! Undo/redo of the shared state through the engine: random edits undo to
//! the start and redo to the end (state and its `/state` mirror in the
//! model), and undoing a one-leaf edit of a large state sends dashboards a
//! small patch, not the state.

mod common;

use std::sync::{Arc, Mutex};

use common::{wait_for, within};
use juggler::{ClientBuilder, Direction, Path, Step};
use serde_json::{Map, Value, json};
use studio::engine::{Edit, Target};
use studio::{Engine, Workspace};
use tokio::net::TcpListener;

/// A small deterministic generator (xorshift64*), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Member names, some needing escapes in a JSON pointer.
const KEYS: &[&str] = &["a", "b", "c", "d", "x/y", "t~", ""];

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let kinds = if depth == 0 { 4 } else { 6 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => json!(rng.below(10)),
        3 => json!(format!("s{}", rng.below(10))),
        4 => Value::Array(
            (0..rng.below(5))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(5) {
                let key = (*rng.pick(KEYS)).to_owned();
                map.insert(key, random_value(rng, depth - 1));
            }
            Value::Object(map)
        }
    }
}

/// A path for `set`/`remove`: mostly through what exists, sometimes to
/// missing members, indices past either end, or through scalars.
fn random_path(rng: &mut Rng, doc: &Value) -> Path {
    let mut steps = Vec::new();
    let mut cur = Some(doc);
    for _ in 0..=rng.below(4) {
        let step = match cur {
            Some(Value::Object(map)) if !map.is_empty() && rng.chance(75) => {
                let keys: Vec<&String> = map.keys().collect();
                Step::Key((*rng.pick(&keys)).clone())
            }
            Some(Value::Array(items)) if rng.chance(80) => {
                let len = items.len() as i64;
                // From -(len + 3) to len + 3: inside, at the end, padding.
                Step::Index(rng.below(2 * items.len() + 7) as i64 - len - 3)
            }
            _ if rng.chance(70) => Step::Key((*rng.pick(KEYS)).to_owned()),
            _ => Step::Index(rng.below(4) as i64),
        };
        cur = cur.and_then(|v| juggler::path::get(v, std::slice::from_ref(&step)));
        steps.push(step);
    }
    Path(steps)
}

/// Every JSON pointer in `doc` (the root is `""`).
fn pointers(doc: &Value, at: &mut String, out: &mut Vec<String>) {
    out.push(at.clone());
    let len = at.len();
    match doc {
        Value::Object(map) => {
            for (k, v) in map {
                at.push('/');
                juggler::path::escape_segment(k, at);
                pointers(v, at, out);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push_str(&format!("/{i}"));
                pointers(v, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// A pointer where an `add` can go: a new or existing member of an object,
/// an index of an array (its length or `-` included).
fn random_add_target(rng: &mut Rng, doc: &Value, all: &[String]) -> String {
    let containers: Vec<&String> = all
        .iter()
        .filter(|p| matches!(doc.pointer(p), Some(Value::Object(_) | Value::Array(_))))
        .collect();
    if containers.is_empty() {
        return format!("/{}", rng.pick(KEYS));
    }
    let parent = (*rng.pick(&containers)).clone();
    match doc.pointer(&parent) {
        Some(Value::Array(items)) => match rng.below(items.len() + 2) {
            n if n > items.len() => format!("{parent}/-"),
            n => format!("{parent}/{n}"),
        },
        _ => {
            let mut p = parent;
            p.push('/');
            let key = KEYS[rng.below(KEYS.len())];
            juggler::path::escape_segment(key, &mut p);
            p
        }
    }
}

/// One RFC 6902 operation against `doc` (it may not apply).
fn random_op(rng: &mut Rng, doc: &Value) -> Value {
    let mut all = Vec::new();
    pointers(doc, &mut String::new(), &mut all);
    let inner: Vec<String> = all.iter().filter(|p| !p.is_empty()).cloned().collect();
    let existing = |rng: &mut Rng| {
        if inner.is_empty() {
            String::new()
        } else {
            rng.pick(&inner).clone()
        }
    };
    match rng.below(6) {
        0 => json!({"op": "add", "path": random_add_target(rng, doc, &all),
                    "value": random_value(rng, 2)}),
        1 => json!({"op": "remove", "path": existing(rng)}),
        2 => json!({"op": "replace", "path": existing(rng), "value": random_value(rng, 2)}),
        3 => json!({"op": "move", "from": existing(rng),
                    "path": random_add_target(rng, doc, &all)}),
        4 => json!({"op": "copy", "from": existing(rng),
                    "path": random_add_target(rng, doc, &all)}),
        _ => {
            let path = rng.pick(&all).clone();
            let value = if rng.chance(70) {
                doc.pointer(&path).cloned().unwrap_or(Value::Null)
            } else {
                random_value(rng, 1)
            };
            json!({"op": "test", "path": path, "value": value})
        }
    }
}

/// A random edit of `doc` and what it should make of it (`None`: an error,
/// and no change).
fn random_edit(rng: &mut Rng, doc: &Value) -> (Edit, Option<Value>) {
    match rng.below(10) {
        0..=3 => {
            let path = random_path(rng, doc);
            let value = random_value(rng, 2);
            let mut want = doc.clone();
            juggler::path::set(&mut want, &path.0, value.clone());
            (Edit::Set(path, value), Some(want))
        }
        4..=5 => {
            let path = random_path(rng, doc);
            let mut want = doc.clone();
            juggler::path::remove(&mut want, &path.0);
            (Edit::Remove(path), Some(want))
        }
        6 if rng.chance(20) => {
            let value = random_value(rng, 3);
            (Edit::Set(Path::root(), value.clone()), Some(value))
        }
        _ => {
            // Several operations, each against the document as the earlier
            // ones left it; now and then one that does not apply.
            let mut sim = doc.clone();
            let mut ops = Vec::new();
            let mut fails = false;
            for _ in 0..1 + rng.below(5) {
                let op = random_op(rng, &sim);
                if juggler::diff::patch(&mut sim, json!([op.clone()])).is_ok() {
                    ops.push(op);
                } else if rng.chance(10) {
                    ops.push(op);
                    fails = true;
                    break;
                }
            }
            (Edit::Patch(Value::Array(ops)), (!fails).then_some(sim))
        }
    }
}

fn engine_with(state: Value) -> Engine {
    let ws = Workspace {
        initial_state: state,
        ..Workspace::default()
    };
    Engine::new(ws, None).expect("engine")
}

/// The shared state as the engine holds it.
fn doc(engine: &Engine) -> Value {
    engine.workspace().initial_state
}

/// The state and its mirror in the model agree, member order included.
fn check_mirror(engine: &Engine, context: &str) -> Value {
    let doc = doc(engine);
    let mirror = engine.model().get(juggler::path!["state"]).expect("/state");
    assert_eq!(mirror.to_string(), doc.to_string(), "{context}");
    doc
}

fn undo_steps(engine: &Engine) -> u64 {
    engine
        .model()
        .get(juggler::path!["history", "undo"])
        .and_then(|v| v.as_u64())
        .expect("/history/undo")
}

/// Many random edits (sets at random paths, removes, patches of several
/// operations of every RFC 6902 kind, whole-state sets), then undo all of
/// them back to the start and redo all of them to the end. Each step is
/// checked against the document it must give, and against the model's
/// mirror of the state.
#[test]
fn random_edits_undo_to_the_start_and_redo_to_the_end() {
    for seed in 1..=40 {
        let mut rng = Rng::new(seed);
        let start = json!({"root": random_value(&mut rng, 3), "list": [1, 2, 3]});
        let engine = engine_with(start.clone());
        // The document after each recorded step; `states[0]` is the start.
        let mut states = vec![start];
        for n in 0..80 {
            let before = doc(&engine);
            let (edit, want) = random_edit(&mut rng, &before);
            // The reference for a patch with move/copy/test is json-patch,
            // which removes object members by swapping the last one in: the
            // engine keeps member order (as juggler clients do), so only the
            // values are compared there.
            let exact = match &edit {
                Edit::Patch(ops) => {
                    !ops.to_string().contains("\"op\":\"move\"")
                        && !ops.to_string().contains("\"op\":\"copy\"")
                        && !ops.to_string().contains("\"op\":\"test\"")
                }
                _ => true,
            };
            let context = format!("seed {seed}, edit {n}: {edit:?} on {before}");
            let result = engine.edit(Target::Shared, edit);
            let now = check_mirror(&engine, &context);
            match want {
                Some(want) => {
                    result.unwrap_or_else(|e| panic!("{context}: {e}"));
                    if exact {
                        assert_eq!(now.to_string(), want.to_string(), "{context}");
                    } else {
                        assert_eq!(now, want, "{context}");
                    }
                }
                None => {
                    assert!(result.is_err(), "{context}: should fail");
                    assert_eq!(now.to_string(), before.to_string(), "{context}");
                }
            }
            if undo_steps(&engine) as usize == states.len() {
                if rng.chance(30) {
                    // Undo then redo gives back exactly this document.
                    assert!(engine.undo().expect("undo applies"), "{context}");
                    let undone = check_mirror(&engine, &context);
                    assert_eq!(&undone, states.last().expect("start"), "{context}");
                    assert!(engine.redo().expect("redo applies"), "{context}");
                    let redone = check_mirror(&engine, &context);
                    assert_eq!(redone.to_string(), now.to_string(), "{context}");
                }
                states.push(now);
            } else {
                // Nothing changed, nothing recorded.
                assert_eq!(undo_steps(&engine) as usize, states.len() - 1, "{context}");
                assert_eq!(now, before, "{context}");
            }
        }
        let end = doc(&engine);
        assert!(
            states.len() > 40,
            "seed {seed}: only {} steps",
            states.len()
        );
        // Undo: the same values (a removed member comes back last in its
        // object, so member order may differ), array order exactly.
        for k in (0..states.len() - 1).rev() {
            assert!(engine.undo().expect("undo applies"), "seed {seed}");
            let now = check_mirror(&engine, &format!("seed {seed}, undo to {k}"));
            assert_eq!(now, states[k], "seed {seed}, undo to {k}");
        }
        assert!(!engine.undo().expect("nothing to undo"));
        assert_eq!(doc(&engine), states[0], "seed {seed}: back at the start");
        // Redo: the same values at each step (a member that a later edit
        // removes may stand elsewhere in its object until then), and exactly
        // the end, member order included.
        for (k, state) in states.iter().enumerate().skip(1) {
            assert!(engine.redo().expect("redo applies"), "seed {seed}");
            let now = check_mirror(&engine, &format!("seed {seed}, redo to {k}"));
            assert_eq!(&now, state, "seed {seed}, redo to {k}");
        }
        assert!(!engine.redo().expect("nothing to redo"));
        assert_eq!(doc(&engine).to_string(), end.to_string(), "seed {seed}");
    }
}

/// Undo of a removed member: it comes back (last in its object), in the
/// state and in its mirror alike; redo removes it again.
#[test]
fn a_removed_member_comes_back_last() {
    let engine = engine_with(json!({"x": 1, "y": [1, 2], "z": 3}));
    engine
        .edit(Target::Shared, Edit::Remove(juggler::path!["y"]))
        .expect("remove");
    engine
        .edit(Target::Shared, Edit::Remove(juggler::path!["x"]))
        .expect("remove");
    engine.undo().expect("undo");
    engine.undo().expect("undo");
    let back = check_mirror(&engine, "undone");
    assert_eq!(back.to_string(), r#"{"z":3,"x":1,"y":[1,2]}"#);
    engine.redo().expect("redo");
    engine.redo().expect("redo");
    assert_eq!(check_mirror(&engine, "redone").to_string(), r#"{"z":3}"#);
}

/// A state message received by a dashboard: its size in bytes.
fn state_sizes(log: &Mutex<Vec<usize>>) -> Vec<usize> {
    log.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// With a ~1.5 MB shared state, a one-leaf edit and its undo and redo each
/// reach a connected dashboard as a patch of a few dozen bytes: the undo
/// does not resend (or rebuild) the state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undoing_a_leaf_edit_of_a_large_state_sends_a_small_patch() {
    let items: Vec<Value> = (0..20_000)
        .map(|i| json!({"id": i, "name": format!("item number {i}"), "tags": ["a", "b"]}))
        .collect();
    let state = json!({"items": items, "leaf": 0});
    let size = state.to_string().len();
    assert!(size > 1_000_000, "{size}");
    let mut ws = Workspace {
        initial_state: state,
        ..Workspace::default()
    };
    ws.server.autoflush = Some(0.0);
    let engine = Engine::new(ws, None).expect("engine");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = engine.start_server(Some(listener)).await.expect("start");

    let log = Arc::new(Mutex::new(Vec::new()));
    let tap = log.clone();
    let dash = ClientBuilder::new(url.as_str())
        .on_traffic(move |t| {
            if t.direction == Direction::In
                && matches!(t.message, juggler::MessageView::State { .. })
            {
                tap.lock().unwrap_or_else(|e| e.into_inner()).push(t.size);
            }
        })
        .connect()
        .await
        .expect("connect");
    let leaf = |want: i64| move |v: &Value| (v.get("leaf") == Some(&json!(want))).then_some(());
    within("the state", wait_for(dash.state(), "the state", leaf(0))).await;
    let first = state_sizes(&log);
    assert!(
        first.iter().any(|&n| n >= size),
        "the whole state arrives first: {first:?}"
    );

    engine
        .edit(Target::Shared, Edit::Set(juggler::path!["leaf"], json!(1)))
        .expect("edit");
    wait_for(dash.state(), "the edit", leaf(1)).await;
    assert!(engine.undo().expect("undo"));
    wait_for(dash.state(), "the undo", leaf(0)).await;
    assert_eq!(
        engine.model().get(juggler::path!["state", "leaf"]),
        Some(json!(0))
    );
    assert!(engine.redo().expect("redo"));
    wait_for(dash.state(), "the redo", leaf(1)).await;

    let later: Vec<usize> = state_sizes(&log)[first.len()..].to_vec();
    assert!(!later.is_empty());
    assert!(
        later.iter().all(|&n| n < 200),
        "edit, undo and redo are small patches: {later:?}"
    );
    assert_eq!(dash.state().data(), doc(&engine));
    dash.close();
    engine.shutdown().await;
}
