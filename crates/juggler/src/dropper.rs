//! Big values freed away from the code that let go of them.
//!
//! Freeing a 10.8 MB document is about two million `free`s: 70–80 ms
//! measured, as long as parsing it. Where a state is replaced that would
//! happen under the storage's lock (every connection's catch-up waits) and
//! in the request handler before its answer. A value of at least
//! [`HEAVY`] nodes goes to one background thread instead. When that thread
//! is behind (its short queue is full), the caller frees the value itself
//! as before, so memory waiting to be freed stays bounded.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};

use serde_json::Value;

/// Nodes (containers and leaves) from which a value is freed in the
/// background: well below a millisecond's work under it.
pub(crate) const HEAVY: usize = 4096;

/// Values waiting for the thread.
const QUEUE: usize = 4;

/// Stack of the thread: freeing recurses once per level, and values built
/// in code are not bound by the parser's depth limit.
const STACK: usize = 64 << 20;

/// Values handed to the thread so far (for tests).
static HANDED: AtomicUsize = AtomicUsize::new(0);

/// Frees `value` here if it is small, else on the background thread.
pub(crate) fn drop_soon(value: Value) {
    if !(value.is_array() || value.is_object()) || !is_heavy(&value) {
        return;
    }
    let Some(tx) = sender() else {
        return;
    };
    // A full queue or a thread that could not start: freed here.
    if tx.try_send(value).is_ok() {
        HANDED.fetch_add(1, Ordering::Relaxed);
    }
}

/// How many values were handed to the background thread so far.
#[cfg(test)]
pub(crate) fn handed() -> usize {
    HANDED.load(Ordering::Relaxed)
}

fn sender() -> Option<&'static SyncSender<Value>> {
    static TX: OnceLock<Option<SyncSender<Value>>> = OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = sync_channel::<Value>(QUEUE);
        std::thread::Builder::new()
            .name("juggler-drop".into())
            .stack_size(STACK)
            .spawn(move || rx.into_iter().for_each(drop))
            .ok()
            .map(|_| tx)
    })
    .as_ref()
}

/// Whether `value` has at least [`HEAVY`] nodes; looks at no more than that.
pub(crate) fn is_heavy(value: &Value) -> bool {
    let mut open = vec![value];
    let mut seen = 0;
    while let Some(v) = open.pop() {
        seen += 1;
        let children = match v {
            Value::Array(a) => a.len(),
            Value::Object(m) => m.len(),
            _ => 0,
        };
        if seen + open.len() + children >= HEAVY {
            return true;
        }
        match v {
            Value::Array(a) => open.extend(a.iter()),
            Value::Object(m) => open.extend(m.values()),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn counts_nodes_at_every_level() {
        assert!(!is_heavy(&json!(null)));
        assert!(!is_heavy(&json!({"a": [1, 2, {"b": "c"}]})));
        let wide: Vec<Value> = (0..HEAVY).map(Value::from).collect();
        assert!(is_heavy(&Value::from(wide)));
        // Nested: no container alone is big, the whole is.
        let rows: Vec<Value> = (0..HEAVY / 2)
            .map(|i| json!({"id": i, "name": "x"}))
            .collect();
        assert!(is_heavy(&json!({"rows": rows})));
        let rows: Vec<Value> = (0..HEAVY / 8).map(|i| json!({"id": i})).collect();
        assert!(!is_heavy(&json!({"rows": rows})));
    }

    #[test]
    fn small_values_stay_and_heavy_ones_go() {
        let before = handed();
        drop_soon(json!({"a": 1}));
        let wide: Vec<Value> = (0..HEAVY).map(Value::from).collect();
        drop_soon(Value::from(wide));
        // Other tests may hand values too: at least this one went.
        assert!(handed() > before);
    }
}
