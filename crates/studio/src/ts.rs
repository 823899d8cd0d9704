//! What the types that cross into TypeScript name in their `#[ts(...)]`
//! attributes: the folder they export to and the TypeScript side of
//! `serde_json::Value`. A module of its own, which depends on nothing, so
//! that the types do not import `bindings`, which imports them all.

use std::collections::HashMap;

use ts_rs::TS;

/// `export_to` of every exported type: the folder given to
/// [`crate::bindings::export_all_to`] itself (ts-rs puts `NAME.ts` there).
pub const DIR: &str = "./";

// Never built: Rust fields are `serde_json::Value` and name this type with
// `#[ts(as = "crate::ts::JsonValue")]`.
/// Any JSON value.
#[derive(TS)]
#[ts(export_to = DIR, rename = "JsonValue", untagged)]
#[allow(dead_code)]
pub enum JsonValue {
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// `true` or `false`.
    Boolean(bool),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object.
    Object(HashMap<String, JsonValue>),
    /// `null`.
    Null(()),
}
