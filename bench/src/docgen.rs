//! The generated documents of the large-state scenario and of the
//! criterion benchmarks: an object holding an array of `objects` records of
//! a few fields (about 108 bytes of compact JSON each, so 100,000 records
//! make about 10.8 MB), deterministic for a given count.

use serde_json::{Map, Value, json};

/// Records in the full-size document (about 10.8 MB of compact JSON).
pub const FULL_OBJECTS: usize = 100_000;

/// The value that the leaf change writes (a string as long as the one it
/// replaces).
pub const LEAF_VALUE: &str = "item-changed";

/// The document: `{"items": [{"id", "name", "group", "value", "active",
/// "tags", "note"}, ...], "meta": {...}}`.
pub fn document(objects: usize) -> Value {
    let items: Vec<Value> = (0..objects).map(record).collect();
    let mut meta = Map::new();
    meta.insert("kind".into(), json!("bench-document"));
    meta.insert("objects".into(), json!(objects));
    json!({"items": items, "meta": meta})
}

fn record(i: usize) -> Value {
    json!({
        "id": i,
        "name": format!("item-{i:07}"),
        "group": format!("g{}", i % 100),
        "value": (i % 10_000) as f64 / 8.0,
        "active": i % 3 == 0,
        "tags": [format!("t{}", i % 7), format!("t{}", i % 11)],
        "note": "",
    })
}

/// The value that the whole document set again carries at
/// [`again_pointer`] (a string as long as the one it replaces).
pub const AGAIN_VALUE: &str = "item-again-1";

/// The index of the record whose `name` differs when the whole document
/// is set again.
pub fn again_index(objects: usize) -> usize {
    objects * 12_345 / FULL_OBJECTS
}

/// The pointer of that `name`.
pub fn again_pointer(objects: usize) -> String {
    format!("/items/{}/name", again_index(objects))
}

/// The index of the record that the leaf change touches.
pub fn leaf_index(objects: usize) -> usize {
    objects * 54_321 / FULL_OBJECTS
}

/// The path of the leaf change, as a bench-contract path:
/// `["items", index, "name"]`.
pub fn leaf_path(objects: usize) -> Value {
    json!(["items", leaf_index(objects), "name"])
}

/// The same path as a JSON pointer.
pub fn leaf_pointer(objects: usize) -> String {
    format!("/items/{}/name", leaf_index(objects))
}

/// The size of the smallest juggler 0.6 state message that carries the
/// leaf change: one `replace` in compact JSON.
pub fn minimal_leaf_message_len(objects: usize) -> usize {
    json!({"type": "state", "diff": [
        {"op": "replace", "path": leaf_pointer(objects), "value": LEAF_VALUE}
    ]})
    .to_string()
    .len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_has_the_promised_size_and_leaf() {
        let doc = document(1000);
        let len = doc.to_string().len();
        // About 107 bytes a record.
        assert!((100_000..115_000).contains(&len), "{len}");
        let leaf = doc.pointer(&leaf_pointer(1000)).and_then(Value::as_str);
        assert_eq!(leaf.map(str::len), Some(LEAF_VALUE.len()));
        assert_eq!(leaf_path(1000), json!(["items", 543, "name"]));
    }
}
