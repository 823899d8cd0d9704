//! [`Storage`]: the observable JSON value of the reference's `json.Storage`.
//!
//! Besides the value it keeps, while anyone syncs from it, a bounded log of
//! the JSON Patch text of recent changes. A connection that is behind by a few
//! changes is sent exactly those; one that fell further behind than the log
//! reaches gets the whole value once. So per-connection memory is one version
//! number, each change is serialized once for every connection, and a slow
//! reader costs nothing while it lags.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::message::Message;
use crate::path::{self, Op, Step};

/// Changes kept for connections that are behind, at most.
const LOG_MAX_ENTRIES: usize = 16 * 1024;
/// Bytes of patch text kept for connections that are behind, at most.
const LOG_MAX_BYTES: usize = 8 * 1024 * 1024;

/// An observable JSON value shared by cheap clones.
///
/// Every `set`/`remove`/`patch`/`update` is one change: it bumps the
/// [`version`](Storage::version) and wakes the subscribers. Unlike the
/// reference's `register_change_cb`, which is called once per change with
/// the data, a [`StorageWatch`] has latest-value semantics (as
/// [`tokio::sync::watch`]): changes made while a subscriber is not waiting
/// are coalesced, and it sees the value as it is when it wakes. See
/// [`Storage::subscribe`].
///
/// # Concurrent changes
///
/// Each method is atomic, but a `get` followed by a `set` is not: with
/// requests of many connections handled at once on a multi-threaded
/// runtime (a [`shared_state`](crate::ServerBuilder::shared_state), or
/// [`parallel_requests`](crate::ServerBuilder::parallel_requests)),
/// another handler may change the value in between and its change is lost.
/// (The reference runs on one asyncio thread, where the same code cannot
/// interleave.) Change a value from what it is with [`Storage::update`]:
///
/// ```
/// use juggler::{Storage, path};
/// use serde_json::{Value, json};
///
/// let state = Storage::with_data(json!({"clicks": 41}));
/// state.update(path!["clicks"], |old| {
///     json!(old.and_then(Value::as_u64).unwrap_or(0) + 1)
/// });
/// assert_eq!(state.get(path!["clicks"]), Some(json!(42)));
/// ```
///
/// # Re-entrancy
///
/// The closures of [`read`](Storage::read) and [`update`](Storage::update)
/// run under the storage's lock: calling the same storage (or a clone of
/// it) from inside them panics, as a `RefCell` borrowed twice does, rather
/// than waiting for ever. Take what you need out of the closure and call
/// the storage after it returns.
#[derive(Clone)]
pub struct Storage {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    version: watch::Sender<u64>,
    /// Cancelled when nothing will change the storage any more: the
    /// connection whose state it is has closed.
    ended: CancellationToken,
}

thread_local! {
    /// The storages whose lock this thread holds while it runs a closure
    /// of the application's ([`Storage::read`], [`Storage::update`]).
    static IN_CLOSURE: RefCell<Vec<*const Inner>> = const { RefCell::new(Vec::new()) };
}

/// Marks a storage as running a closure on this thread, until dropped
/// (also when the closure panics).
struct InClosure(*const Inner);

impl InClosure {
    fn enter(storage: &Storage) -> InClosure {
        let inner = Arc::as_ptr(&storage.inner);
        IN_CLOSURE.with_borrow_mut(|held| held.push(inner));
        InClosure(inner)
    }
}

impl Drop for InClosure {
    fn drop(&mut self) {
        IN_CLOSURE.with_borrow_mut(|held| {
            if let Some(n) = held.iter().rposition(|&p| p == self.0) {
                held.remove(n);
            }
        });
    }
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
                ended: CancellationToken::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The std mutex is not re-entrant: locking it again from a closure
        // run under it would block this thread for ever (and with it a
        // Tokio worker and every task that syncs this storage).
        let inner = Arc::as_ptr(&self.inner);
        if IN_CLOSURE.with_borrow(|held| held.contains(&inner)) {
            panic!(
                "juggler::Storage called from inside its own `read` or `update` closure, \
                 which holds its lock (this call would wait for ever): take what you need \
                 out of the closure and call the storage after it returns; to change a \
                 value from what it is, return the new value from `update`'s closure"
            );
        }
        // A panic while holding the lock cannot leave the value half-written
        // (every mutation is a single assignment), so poisoning is ignored.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the whole value.
    pub fn data(&self) -> Value {
        self.lock().value.clone()
    }

    /// Runs `f` on the value without copying it.
    ///
    /// `f` runs under the storage's lock, so keep it short: every change
    /// and every connection syncing from this storage waits for it.
    ///
    /// # Panics
    ///
    /// When `f` calls this storage (or a clone of it), which would
    /// otherwise wait for ever; see [re-entrancy](Storage#re-entrancy).
    pub fn read<R>(&self, f: impl FnOnce(&Value) -> R) -> R {
        let st = self.lock();
        let _in_closure = InClosure::enter(self);
        f(&st.value)
    }

    /// How many changes this storage has seen.
    pub fn version(&self) -> u64 {
        self.lock().version
    }

    /// The value at `path`, or `None` when any step is missing or of the
    /// wrong kind.
    ///
    /// A `set` computed from what `get` returned may overwrite a change
    /// made in between by another task: use [`Storage::update`] for that
    /// (see [concurrent changes](Storage#concurrent-changes)).
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
    ///
    /// To set a value computed from the one there, use [`Storage::update`]:
    /// `set(path, f(get(path)))` can lose a change made in between by
    /// another task (see [concurrent changes](Storage#concurrent-changes)).
    pub fn set(&self, path: impl AsRef<[Step]>, value: Value) {
        let st = self.lock();
        self.set_locked(st, path.as_ref(), value);
    }

    /// Sets at `path` the value `f` makes of the one there (`None` when
    /// the path is missing or of the wrong kind), as one change: nothing
    /// else changes the storage between the read and the write, and
    /// connections get it as [`Storage::set`] sends it. The atomic
    /// read-modify-write that `set(path, f(get(path)))` is not.
    ///
    /// ```
    /// # use juggler::{Storage, path};
    /// # use serde_json::{Value, json};
    /// let state = Storage::new();
    /// let mut count = 0;
    /// state.update(path!["hits"], |old| {
    ///     count = old.and_then(Value::as_u64).unwrap_or(0) + 1;
    ///     json!(count)
    /// });
    /// assert_eq!((count, state.data()), (1, json!({"hits": 1})));
    /// ```
    ///
    /// # Panics
    ///
    /// When `f` calls this storage (or a clone of it), which would
    /// otherwise wait for ever; see [re-entrancy](Storage#re-entrancy).
    /// A panic in `f` changes nothing.
    pub fn update(&self, path: impl AsRef<[Step]>, f: impl FnOnce(Option<&Value>) -> Value) {
        let path = path.as_ref();
        let st = self.lock();
        let value = {
            let _in_closure = InClosure::enter(self);
            f(path::get(&st.value, path))
        };
        self.set_locked(st, path, value);
    }

    fn set_locked(&self, mut st: MutexGuard<'_, State>, path: &[Step], value: Value) {
        let (change, displaced) = path::set_displacing(&mut st.value, path, value, true);
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
                    .map(|new| (crate::diff::diff_at(old, new, pointer), pointer.as_str()))
            }
            _ => None,
        };
        // What the set took out is freed after the lock, a big one elsewhere.
        let _free = displaced.map(Freed);
        if st.trackers == 0 {
            return self.commit_text(st, None);
        }
        if let Some((ops, pointer)) = diff {
            // Equal: a change all the same (as the reference counts it),
            // with nothing to send.
            let text = if ops.is_empty() {
                String::new()
            } else {
                ops_text(&ops)
            };
            if text.len() <= BIG_DIFF {
                return self.commit_text(st, Some(Arc::from(text)));
            }
            // A diff of values that hardly share anything can be several
            // times the new value's size (a pointer per leaf): then the
            // value itself goes, when that is shorter.
            let mut replace = String::new();
            path::write_op(&mut replace, "replace", pointer, st.value.pointer(pointer));
            if replace.len() >= text.len() {
                return self.commit_text(st, Some(Arc::from(text)));
            }
            if pointer.is_empty() {
                let message = Message::encode_state_with(|out| out.push_str(&replace));
                return self.commit_whole_message(st, message);
            }
            return self.commit_text(st, Some(Arc::from(replace)));
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
            return self.commit_whole_message(st, message);
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
            crate::json::from_value(diff).map_err(|e| Error::Patch(e.to_string()))?;
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
    fn commit_whole(&self, st: MutexGuard<'_, State>) {
        if st.trackers == 0 {
            return self.commit_text(st, None);
        }
        let message = Message::encode_state_with(|out| {
            path::write_op(out, "replace", "", Some(&st.value));
        });
        self.commit_whole_message(st, message);
    }

    /// Commits a change whose state `message` carries the whole value: it
    /// supersedes every logged change, and late joiners share it.
    fn commit_whole_message(&self, mut st: MutexGuard<'_, State>, message: String) {
        st.log.clear();
        st.log_bytes = 0;
        st.whole = Some((st.version + 1, Utf8Bytes::from(message)));
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
        // The whole value's message of a version before serves nobody (a
        // joiner gets a new one): it is the size of the value's text, and
        // was kept until the next joiner came, which may be never. Freed
        // after the lock.
        let stale = st.whole.take_if(|(at, _)| *at != version);
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
        drop(stale);
        self.inner.version.send_replace(version);
    }

    /// A subscription to changes of this storage, made after this call
    /// (the reference's `register_change_cb`, with latest-value
    /// semantics: see [`StorageWatch`]).
    #[doc(alias = "register_change_cb")]
    pub fn subscribe(&self) -> StorageWatch {
        StorageWatch {
            storage: self.clone(),
            rx: self.inner.version.subscribe(),
        }
    }

    /// Tells subscribers that nothing will change this storage any more
    /// (its connection closed): [`StorageWatch::changed`] returns `None`
    /// once they have seen the changes made before.
    pub(crate) fn end(&self) {
        self.inner.ended.cancel();
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

/// A subscription to a [`Storage`]'s changes, from [`Storage::subscribe`].
///
/// It has latest-value semantics, as [`tokio::sync::watch`]: the changes
/// made since the last [`changed`](StorageWatch::changed) (five `set`s in a
/// row, say) wake it once, with the value as it is then; intermediate
/// values are not kept. So a slow subscriber costs no memory and always
/// catches up with the current value, which is what mirroring a state
/// needs (the protocol may coalesce changes into one `state` message
/// too). To act on every change, do it where the change is made; to send
/// events, use notifications. How many changes a wake-up covers can be
/// told from [`Storage::version`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use juggler::Storage;
/// use serde_json::json;
///
/// let state = Storage::new();
/// let mut watch = state.subscribe();
/// let before = state.version();
/// for i in 0..5 {
///     state.set([], json!(i));
/// }
/// // One wake-up for the five sets, with the last value (the reference
/// // would have called its change callback five times).
/// assert_eq!(watch.changed().await, Some(json!(4)));
/// assert_eq!(state.version() - before, 5);
/// # }
/// ```
///
/// The watch of a [`Client::state`](crate::Client::state), or of a
/// server connection's own (not shared) [`state`](crate::Connection::state),
/// ends when that connection closes: `changed` then returns `None`.
///
/// ```no_run
/// # async fn demo() -> juggler::Result<()> {
/// let client = juggler::ClientBuilder::new("ws://127.0.0.1:23023/ws")
///     .connect()
///     .await?;
/// let mut changes = client.state().subscribe();
/// while let Some(state) = changes.changed().await {
///     println!("state: {state}");
/// }
/// println!("closed: {:?}", client.close_reason());
/// # Ok(()) }
/// ```
pub struct StorageWatch {
    storage: Storage,
    rx: watch::Receiver<u64>,
}

impl StorageWatch {
    /// Waits for the next change and returns the whole new value; `None`
    /// once the storage has ended (its connection closed) and every change
    /// made before has been seen. A storage made by [`Storage::new`] never
    /// ends.
    pub async fn changed(&mut self) -> Option<Value> {
        self.changed_version().await?;
        Some(self.storage.data())
    }

    /// [`StorageWatch::changed`] without the copy of the value: waits for
    /// the next change and returns the storage's version then; `None` once
    /// it has ended. For a watcher that reads a part in place
    /// ([`Storage::read`]) or only needs to know: a copy of a big value
    /// costs about ten times its JSON text, at every change.
    pub async fn changed_version(&mut self) -> Option<u64> {
        tokio::select! {
            // A change made before the end is seen before the end.
            biased;
            // The sender lives as long as `self.storage`, so this cannot fail.
            _ = self.rx.changed() => {}
            _ = self.storage.inner.ended.cancelled() => {
                if !self.rx.has_changed().unwrap_or(false) {
                    return None;
                }
                self.rx.borrow_and_update();
            }
        }
        Some(*self.rx.borrow())
    }

    /// The storage watched.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
