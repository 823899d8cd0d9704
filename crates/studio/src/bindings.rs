//! Where the TypeScript types of the UI go, and the TypeScript side of
//! `serde_json::Value`.
//!
//! Every type that crosses to the UI derives `ts_rs::TS` with
//! `#[ts(export, export_to = crate::bindings::DIR)]`. ts-rs 12 resolves
//! `export_to` against `TS_RS_EXPORT_DIR` (default `./bindings`, and `cargo
//! test` runs in `crates/studio`), so [`DIR`] climbs three folders to reach
//! the repository's `ui/src/bindings/`. JSON values are typed as this
//! module's [`JsonValue`], exported into the same folder, so the folder is
//! self-contained (ts-rs's own `JsonValue` would land in
//! `<TS_RS_EXPORT_DIR>/serde_json/`, outside it).

use std::collections::HashMap;

use ts_rs::TS;

/// `export_to` of every exported type: the repository's `ui/src/bindings/`
/// as seen from `crates/studio/bindings`.
pub(crate) const DIR: &str = "../../../ui/src/bindings/";

// Never built: Rust fields are `serde_json::Value` and name this type with
// `#[ts(as = "crate::bindings::JsonValue")]`.
/// Any JSON value.
#[derive(TS)]
#[ts(export, export_to = DIR, rename = "JsonValue", untagged)]
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
