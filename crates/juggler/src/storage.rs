//! [`Storage`]: the observable JSON value of the reference's `json.Storage`.
//!
//! Besides the value it keeps, while anyone syncs from it, a bounded log of
//! the JSON Patch text of recent changes. A connection that is behind by a few
//! changes is sent exactly those; one that fell further behind than the log
//! reaches gets the whole value once. So per-connection memory is one version
//! number, each change is serialized once for every connection, and a slow
//! reader costs nothing while it lags.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::error::{Error, Result};
use crate::message::Message;
use crate::path::{self, Op, Step};

/// Changes kept for connections that are behind, at most.
const LOG_MAX_ENTRIES: usize = 16 * 1024;
/// Bytes of patch text kept for connections that are behind, at most.
const LOG_MAX_BYTES: usize = 8 * 1024 * 1024;

/// An observable JSON value shared by cheap clones.
///
/// Every `set`/`remove`/`patch` bumps the version and wakes the subscribers,
/// as the reference notifies its change callbacks on every call.
#[derive(Clone)]
pub struct Storage {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    version: watch::Sender<u64>,
}

struct State {
    value: Value,
    version: u64,
    log: VecDeque<Entry>,
    log_bytes: usize,
    trackers: usize,
    /// The state message that carries the whole value at a version.
    whole: Option<(u64, Utf8Bytes)>,
}

struct Entry {
    version: u64,
    /// The change's operations as JSON text joined by `,`; empty when the
    /// call changed nothing.
    ops: Arc<str>,
}

impl Default for Storage {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.lock();
        f.debug_struct("Storage")
            .field("version", &st.version)
            .field("data", &st.value)
            .finish()
    }
}

impl Storage {
    /// A storage holding `null`.
    pub fn new() -> Self {
        Self::with_data(Value::Null)
    }

    /// A storage holding `data`.
    pub fn with_data(data: Value) -> Self {
        let (version, _) = watch::channel(0);
        Storage {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    value: data,
                    version: 0,
                    log: VecDeque::new(),
                    log_bytes: 0,
                    trackers: 0,
                    whole: None,
                }),
                version,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the value half-written
        // (every mutation is a single assignment), so poisoning is ignored.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the whole value.
    pub fn data(&self) -> Value {
        self.lock().value.clone()
    }

    /// Runs `f` on the value without copying it.
    pub fn read<R>(&self, f: impl FnOnce(&Value) -> R) -> R {
        f(&self.lock().value)
    }

    /// How many changes this storage has seen.
    pub fn version(&self) -> u64 {
        self.lock().version
    }

    /// The value at `path`, or `None` when any step is missing or of the
    /// wrong kind.
    pub fn get(&self, path: impl AsRef<[Step]>) -> Option<Value> {
        path::get(&self.lock().value, path.as_ref()).cloned()
    }

    /// The value at `path`, or `default` (the reference's `get(path, default)`).
    pub fn get_or(&self, path: impl AsRef<[Step]>, default: Value) -> Value {
        self.get(path).unwrap_or(default)
    }

    /// Sets `value` at `path`, creating missing parents. Connections get
    /// the change as one `add` or `replace` at the path, except that an
    /// array set over an array, or an object over an object, goes out as
    /// the diff of the two (as the reference's connections send it; an
    /// object whose members changed order goes whole, so that clients keep
    /// the server's order), or as the `replace` when that diff would be
    /// longer.
    pub fn set(&self, path: impl AsRef<[Step]>, value: Value) {
        let mut st = self.lock();
        let (change, displaced) = path::set_displacing(&mut st.value, path.as_ref(), value, true);
        // A container set over a container goes out as their diff, as the
        // reference's connections send it: a back end that sets its whole
        // state again with a few values changed sends those values, not
        // the state. Not diffed when nobody syncs from this storage.
        let diff = match (&change, &displaced) {
            (Some((path::SetKind::Replace, pointer)), Some(old))
                if st.trackers > 0 && (old.is_array() || old.is_object()) =>
            {
                st.value
                    .pointer(pointer)
                    .filter(|new| path::diffable(old, new))
                    .map(|new| crate::diff::diff_at(old, new, pointer))
            }
            _ => None,
        };
        // What the set took out is freed after the lock, a big one elsewhere.
        let _free = displaced.map(Freed);
        if st.trackers == 0 {
            return self.commit_text(st, None);
        }
        if let Some(ops) = diff {
            // Equal: a change all the same (as the reference counts it),
            // with nothing to send.
            let text = if ops.is_empty() {
                String::new()
            } else {
                ops_text(&ops)
            };
            // A diff of values that hardly share anything can be several
            // times the new value's size (a pointer per leaf): then the
            // value itself goes, as below.
            if !(text.len() > BIG_DIFF && replace_len(&st.value, &change) < text.len()) {
                return self.commit_text(st, Some(Arc::from(text)));
            }
        }
        let Some((kind, pointer)) = &change else {
            return self.commit_text(st, Some(Arc::from("")));
        };
        let op = match kind {
            path::SetKind::Add => "add",
            path::SetKind::Replace => "replace",
        };
        if pointer.is_empty() {
            // A whole-value set is exactly what a late joiner needs: its
            // state message is written once and shared by every connection
            // (in sync or joining) until the next change, so a
            // multi-megabyte state is serialized and copied once. It
            // supersedes every logged change, so the log starts over.
            let message = Message::encode_state_with(|out| {
                path::write_op(out, op, pointer, Some(&st.value));
            });
            st.log.clear();
            st.log_bytes = 0;
            st.whole = Some((st.version + 1, Utf8Bytes::from(message)));
            return self.commit_text(st, None);
        }
        let mut text = String::new();
        path::write_op(&mut text, op, pointer, st.value.pointer(pointer));
        self.commit_text(st, Some(Arc::from(text)));
    }

    /// Removes the member or element at `path`; a missing path changes nothing.
    pub fn remove(&self, path: impl AsRef<[Step]>) {
        let mut st = self.lock();
        let op = path::remove(&mut st.value, path.as_ref());
        self.commit(st, op.as_slice());
    }

    /// Replaces the whole value (`set([], value)`).
    pub fn replace(&self, value: Value) {
        self.set([], value);
    }

    /// Applies a JSON Patch (any RFC 6902 operation) atomically: on error
    /// nothing changes. Connections receive it as add/remove/replace only.
    pub fn patch(&self, diff: &Value) -> Result<()> {
        if let Some(ops) = crate::diff::simple_ops(diff)? {
            return self.apply_ops(ops);
        }
        let ops: json_patch::Patch =
            serde_json::from_value(diff.clone()).map_err(|e| Error::Patch(e.to_string()))?;
        self.apply(&ops)
    }

    /// Applies add/remove/replace operations in place, keeping member order;
    /// all or nothing.
    pub fn apply_ops(&self, ops: Vec<Op>) -> Result<()> {
        let mut st = self.lock();
        if is_whole(&ops) {
            let Some(Op::Replace(_, value)) = ops.into_iter().next() else {
                return Ok(());
            };
            let _free = Freed(std::mem::replace(&mut st.value, value));
            self.commit_whole(st);
            return Ok(());
        }
        let text = (st.trackers > 0).then(|| Arc::from(ops_text(&ops)));
        crate::diff::apply_owned(&mut st.value, ops)?;
        self.commit_text(st, text);
        Ok(())
    }

    /// [`Storage::set`] that also returns the operations it made and the
    /// ones that undo them ([`crate::diff::Applied`]), reading and copying
    /// only what the change touches. Connections receive the operations.
    /// An index past the end of an array pads as `set` does, though the
    /// padding may reach connections as one `add` per element.
    /// Operations planned on the value under the same lock always apply;
    /// an error would be a bug, and then nothing changed.
    pub fn set_undoable(
        &self,
        path: impl AsRef<[Step]>,
        value: Value,
    ) -> Result<crate::diff::Applied> {
        let mut st = self.lock();
        let ops = path::set_ops(&st.value, path.as_ref(), value);
        let applied = crate::diff::apply_undoable(&mut st.value, ops)?;
        self.commit_applied(st, &applied);
        Ok(applied)
    }

    /// [`Storage::remove`] that also returns the operation it made and the
    /// one that undoes it (a removed object member comes back last).
    pub fn remove_undoable(&self, path: impl AsRef<[Step]>) -> Result<crate::diff::Applied> {
        let mut st = self.lock();
        let ops: Vec<Op> = path::remove_op(&st.value, path.as_ref())
            .into_iter()
            .collect();
        let applied = crate::diff::apply_undoable(&mut st.value, ops)?;
        self.commit_applied(st, &applied);
        Ok(applied)
    }

    /// [`Storage::patch`] (any RFC 6902 operation, all or nothing) that
    /// also returns the add/remove/replace operations it made and the ones
    /// that undo them. Connections receive the add/remove/replace ones.
    pub fn patch_undoable(&self, diff: Value) -> Result<crate::diff::Applied> {
        let mut st = self.lock();
        let applied = crate::diff::patch_undoable(&mut st.value, diff)?;
        self.commit_applied(st, &applied);
        Ok(applied)
    }

    fn commit_applied(&self, st: MutexGuard<'_, State>, applied: &crate::diff::Applied) {
        if applied.is_empty() {
            // Nothing changed: no new version, nothing to send.
            return;
        }
        if is_whole(&applied.forward) {
            return self.commit_whole(st);
        }
        self.commit(st, &applied.forward);
    }

    /// Commits a change that replaced the whole value, as `set([])` does:
    /// its state message is written once from the value and shared.
    fn commit_whole(&self, mut st: MutexGuard<'_, State>) {
        if st.trackers > 0 {
            let message = Message::encode_state_with(|out| {
                path::write_op(out, "replace", "", Some(&st.value));
            });
            st.log.clear();
            st.log_bytes = 0;
            st.whole = Some((st.version + 1, Utf8Bytes::from(message)));
        }
        self.commit_text(st, None);
    }

    /// [`Storage::patch`] taking the diff by value: the values it carries
    /// move into the document (how a client applies what a server sends).
    pub fn patch_owned(&self, diff: Value) -> Result<()> {
        match crate::diff::into_simple_ops(diff)? {
            Ok(ops) => self.apply_ops(ops),
            Err(diff) => self.patch(&diff),
        }
    }

    /// [`Storage::patch`] for operations already parsed.
    pub fn apply(&self, ops: &[json_patch::PatchOperation]) -> Result<()> {
        use json_patch::PatchOperation as P;
        let mut st = self.lock();
        let simple = ops.iter().all(|op| !matches!(op, P::Move(_) | P::Copy(_)));
        let mut out = Vec::new();
        if simple {
            // In place, undone by json-patch on error: no copy of the document.
            json_patch::patch(&mut st.value, ops).map_err(|e| Error::Patch(e.to_string()))?;
            if st.trackers > 0 {
                for op in ops {
                    wire_op(op, &st.value, &mut out);
                }
            }
        } else {
            // A moved or copied value must be read as that operation left the
            // document, so apply one operation at a time to a copy.
            let mut next = st.value.clone();
            for op in ops {
                json_patch::patch_unsafe(&mut next, std::slice::from_ref(op))
                    .map_err(|e| Error::Patch(e.to_string()))?;
                if st.trackers > 0 {
                    wire_op(op, &next, &mut out);
                }
            }
            st.value = next;
        }
        self.commit(st, &out);
        Ok(())
    }

    fn commit(&self, st: MutexGuard<'_, State>, ops: &[Op]) {
        let text = (st.trackers > 0).then(|| Arc::from(ops_text(ops)));
        self.commit_text(st, text);
    }

    /// Bumps the version; logs the change's operation text while anyone
    /// syncs from this storage.
    fn commit_text(&self, mut st: MutexGuard<'_, State>, text: Option<Arc<str>>) {
        st.version += 1;
        let version = st.version;
        if let Some(text) = text {
            st.log_bytes += text.len();
            st.log.push_back(Entry { version, ops: text });
            while st.log.len() > LOG_MAX_ENTRIES || st.log_bytes > LOG_MAX_BYTES {
                match st.log.pop_front() {
                    Some(e) => st.log_bytes -= e.ops.len(),
                    None => break,
                }
            }
        }
        drop(st);
        self.inner.version.send_replace(version);
    }

    /// A subscription to changes of this storage.
    pub fn subscribe(&self) -> StorageWatch {
        StorageWatch {
            storage: self.clone(),
            rx: self.inner.version.subscribe(),
        }
    }

    pub(crate) fn track(&self) -> Tracker {
        let mut st = self.lock();
        st.trackers += 1;
        Tracker {
            storage: self.clone(),
        }
    }

    /// What a peer that has seen `synced` (`None`: nothing, its copy is
    /// `null`) needs to catch up: the new version and the `state` message
    /// that brings it there, or `None` when there is nothing to send.
    pub(crate) fn catch_up(&self, synced: Option<u64>) -> (u64, Option<Utf8Bytes>) {
        let mut st = self.lock();
        let version = st.version;
        if synced == Some(version) {
            return (version, None);
        }
        if let Some(from) = synced {
            let first = st.log.front().map(|e| e.version);
            if first.is_some_and(|first| first <= from + 1) {
                let skip = usize::try_from(from + 1 - first.unwrap_or(0)).unwrap_or(usize::MAX);
                let mut parts = st.log.iter().skip(skip).filter(|e| !e.ops.is_empty());
                let Some(first) = parts.next() else {
                    return (version, None);
                };
                let message = Message::encode_state_with(|out| {
                    out.push_str(&first.ops);
                    for e in parts {
                        out.push(',');
                        out.push_str(&e.ops);
                    }
                });
                return (version, Some(Utf8Bytes::from(message)));
            }
        } else if st.value.is_null() {
            return (version, None);
        }
        // Too far behind for the log (or a first sync): the whole value, whose
        // message is cached so that many late joiners share one serialization.
        if let Some((v, message)) = &st.whole {
            if *v == version {
                return (version, Some(message.clone()));
            }
        }
        let message = Message::encode_state_with(|out| {
            path::write_op(out, "replace", "", Some(&st.value));
        });
        let message = Utf8Bytes::from(message);
        st.whole = Some((version, message.clone()));
        (version, Some(message))
    }

    pub(crate) fn version_rx(&self) -> watch::Receiver<u64> {
        self.inner.version.subscribe()
    }
}

/// A value taken out of the document, freed when this is dropped: at the
/// end of the method, after its lock guard went into the commit; in the
/// background when it is big.
struct Freed(Value);

impl Drop for Freed {
    fn drop(&mut self) {
        crate::dropper::drop_soon(self.0.take());
    }
}

/// Diff text from which a set checks whether sending the new value is
/// shorter.
const BIG_DIFF: usize = 64 * 1024;

/// The length of the `replace` that a set would send instead of a diff.
fn replace_len(value: &Value, change: &Option<(path::SetKind, String)>) -> usize {
    let Some((_, pointer)) = change else {
        return 0;
    };
    let mut text = String::new();
    path::write_op(&mut text, "replace", pointer, value.pointer(pointer));
    text.len()
}

/// Whether `ops` only replace the whole value.
fn is_whole(ops: &[Op]) -> bool {
    matches!(ops, [Op::Replace(p, _)] if p.is_empty())
}

fn ops_text(ops: &[Op]) -> String {
    let mut text = String::new();
    for (n, op) in ops.iter().enumerate() {
        if n > 0 {
            text.push(',');
        }
        op.write_json(&mut text);
    }
    text
}

/// Turns an applied RFC 6902 operation into add/remove/replace ones, reading
/// a moved or copied value from the document as that operation left it.
fn wire_op(op: &json_patch::PatchOperation, after: &Value, out: &mut Vec<Op>) {
    use json_patch::PatchOperation as P;
    let value_at = |p: &str| after.pointer(p).cloned().unwrap_or(Value::Null);
    {
        match op {
            P::Add(o) => out.push(Op::Add(o.path.to_string(), o.value.clone())),
            P::Remove(o) => out.push(Op::Remove(o.path.to_string())),
            P::Replace(o) => out.push(Op::Replace(o.path.to_string(), o.value.clone())),
            P::Move(o) => {
                out.push(Op::Remove(o.from.to_string()));
                out.push(Op::Add(o.path.to_string(), value_at(o.path.as_str())));
            }
            P::Copy(o) => out.push(Op::Add(o.path.to_string(), value_at(o.path.as_str()))),
            P::Test(_) => {}
        }
    }
}

/// Keeps the change log alive while a connection syncs from the storage.
pub(crate) struct Tracker {
    storage: Storage,
}

impl Drop for Tracker {
    fn drop(&mut self) {
        let mut st = self.storage.lock();
        st.trackers -= 1;
        if st.trackers == 0 {
            st.log.clear();
            st.log_bytes = 0;
            st.whole = None;
        }
    }
}

/// A subscription to a [`Storage`]'s changes. Changes that happen while the
/// subscriber is busy are coalesced: `changed` wakes once for all of them.
pub struct StorageWatch {
    storage: Storage,
    rx: watch::Receiver<u64>,
}

impl StorageWatch {
    /// Waits for the next change and returns the whole new value.
    pub async fn changed(&mut self) -> Value {
        // The sender lives as long as `self.storage`, so this cannot fail.
        let _ = self.rx.changed().await;
        self.storage.data()
    }

    /// The storage watched.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }
}

#[cfg(test)]
mod tests {
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
}
