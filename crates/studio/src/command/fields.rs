//! Reading a command's data: each argument by its key, so that an error
//! names the key (`path: …`), and big values (`value`, `data`, `diff`)
//! moved out of the request as the already-parsed JSON they are.
//!
//! Why not `#[derive(Deserialize)]` on the argument structs: deserializing
//! a struct from a `Value` walks every `Value` field again, node by node,
//! on the stack; a `state.set` value nested 1,000 levels deep (which the
//! protocol carries) must go through untouched.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::CommandError;

/// A command's data, read one key at a time. Data that is not an object
/// (`null`, missing) has no keys: every argument reads as `null`.
pub(crate) struct Fields(Map<String, Value>);

impl Fields {
    /// The keys of `data`.
    pub(crate) fn of(data: Value) -> Self {
        match data {
            Value::Object(map) => Fields(map),
            _ => Fields(Map::new()),
        }
    }

    /// The value at `key`, moved out as it is; `None` when missing.
    pub(crate) fn take_opt(&mut self, key: &str) -> Option<Value> {
        self.0.remove(key)
    }

    /// The value at `key`, moved out as it is; `null` when missing.
    pub(crate) fn take(&mut self, key: &str) -> Value {
        self.take_opt(key).unwrap_or(Value::Null)
    }

    /// The (small) argument at `key` as a `T`; a missing key reads as
    /// `null`. An error is `invalid` and names the key.
    pub(crate) fn get<T: DeserializeOwned>(&mut self, key: &str) -> Result<T, CommandError> {
        serde_json::from_value(self.take(key)).map_err(|e| CommandError::invalid_field(key, e))
    }

    /// The connection an edit is for, when `connection` is an id; anything
    /// else means the shared state (as the protocol always took it).
    pub(crate) fn connection(&self) -> Option<u64> {
        self.0.get("connection").and_then(Value::as_u64)
    }
}

/// The value a command takes either wrapped (`{"settings": {…}}`) or bare
/// (`{…}`): the one under `key` when the data is an object that has it,
/// else the data itself.
pub(crate) fn unwrap_key(data: Value, key: &str) -> Value {
    match data {
        Value::Object(mut map) => match map.remove(key) {
            Some(inner) => inner,
            None => Value::Object(map),
        },
        other => other,
    }
}
