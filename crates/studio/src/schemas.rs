//! Schema checks: the workspace's optional JSON Schemas of the served
//! state and of each request's data, and what a violation of them says.
//!
//! ```json
//! "schemas": {
//!   "state": { "type": "object", "required": ["pumps"] },
//!   "requests": { "pump.start": { "type": "object", "required": ["pump"] } }
//! }
//! ```
//!
//! The schemas are inline JSON Schemas (draft 2020-12 unless a `$schema`
//! says another draft); a `$ref` reaches only inside the same schema: the
//! studio fetches nothing. The engine checks the served state after it
//! changes (at most every 100 ms) and the data of every request whose name
//! has a schema; it records what it finds in `/schemaViolations` and sends
//! it as a `schema.violation` event (see `CONTROL.md`). This module is the
//! pure part: compiling and checking.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

/// Most violations reported per check (a broken state can break a
/// thousand rows at once).
pub const MAX_PER_CHECK: usize = 10;

/// The workspace's `schemas`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct Schemas {
    /// The JSON Schema the served state must satisfy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, as = "Option<crate::ts::JsonValue>")]
    pub state: Option<Value>,
    /// By request name, the JSON Schema that request's data must satisfy.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[ts(as = "std::collections::BTreeMap<String, crate::ts::JsonValue>")]
    #[schemars(with = "std::collections::BTreeMap<String, Value>")]
    pub requests: Map<String, Value>,
}

/// What is wrong with one value: where (an RFC 6901 pointer into it) and
/// why.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Found {
    /// Where in the value (`""` for the whole value).
    pub pointer: String,
    /// The schema's complaint, as `"fast" is not of type "number"`.
    pub message: String,
}

/// Which check found a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum ViolationKind {
    /// The served state.
    State,
    /// A request's data.
    Request,
}

/// An entry of `/schemaViolations`, and the data of the `schema.violation`
/// event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct SchemaViolation {
    /// When it was found, milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub time: u64,
    /// What was checked.
    pub kind: ViolationKind,
    /// The request's name (requests only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
    /// The connection that sent the request (requests only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub connection_id: Option<u64>,
    /// Where in the state or the data, an RFC 6901 pointer.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl SchemaViolation {
    /// One line for people: `state /pumps/0/speed: "fast" is not of type
    /// "number"`, `request pump.start (connection 3) /pump: …`.
    pub fn describe(&self) -> String {
        let at = if self.pointer.is_empty() {
            "(the whole value)".to_owned()
        } else {
            self.pointer.clone()
        };
        match self.kind {
            ViolationKind::State => format!("state {at}: {}", self.message),
            ViolationKind::Request => {
                let mut s = format!("request {}", self.name.as_deref().unwrap_or_default());
                if let Some(id) = self.connection_id {
                    s.push_str(&format!(" (connection {id})"));
                }
                format!("{s} data {at}: {}", self.message)
            }
        }
    }
}

/// The workspace's schemas, compiled.
#[derive(Default)]
pub struct Compiled {
    state: Option<jsonschema::Validator>,
    requests: HashMap<String, jsonschema::Validator>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("state", &self.state.is_some())
            .field("requests", &self.requests.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Compiled {
    /// Compiles every schema; on failure, each bad one as `(field,
    /// message)` with the field from the file's root
    /// (`schemas.requests.pump.start`).
    pub fn new(schemas: Option<&Schemas>) -> Result<Compiled, Vec<(String, String)>> {
        let mut out = Compiled::default();
        let Some(schemas) = schemas else {
            return Ok(out);
        };
        let mut problems = Vec::new();
        let compile = |schema: &Value| {
            jsonschema::validator_for(schema)
                .map_err(|e| format!("not a usable JSON Schema: {e} (at {})", e.instance_path()))
        };
        if let Some(schema) = &schemas.state {
            match compile(schema) {
                Ok(v) => out.state = Some(v),
                Err(m) => problems.push(("schemas.state".to_owned(), m)),
            }
        }
        for (name, schema) in &schemas.requests {
            match compile(schema) {
                Ok(v) => {
                    out.requests.insert(name.clone(), v);
                }
                Err(m) => problems.push((format!("schemas.requests.{name}"), m)),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    /// Whether there is a schema of the state.
    pub fn has_state(&self) -> bool {
        self.state.is_some()
    }

    /// Whether there is no schema at all.
    pub fn is_empty(&self) -> bool {
        self.state.is_none() && self.requests.is_empty()
    }

    /// What is wrong with the state (empty: nothing, or no schema).
    pub fn check_state(&self, state: &Value) -> Vec<Found> {
        self.state
            .as_ref()
            .map(|v| check(v, state))
            .unwrap_or_default()
    }

    /// What is wrong with the data of a request named `name` (empty:
    /// nothing, or no schema for that name).
    pub fn check_request(&self, name: &str, data: &Value) -> Vec<Found> {
        self.requests
            .get(name)
            .map(|v| check(v, data))
            .unwrap_or_default()
    }
}

fn check(validator: &jsonschema::Validator, value: &Value) -> Vec<Found> {
    validator
        .iter_errors(value)
        .take(MAX_PER_CHECK)
        .map(|e| Found {
            pointer: e.instance_path().to_string(),
            message: e.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas(v: Value) -> Schemas {
        serde_json::from_value(v).expect("schemas")
    }

    #[test]
    fn state_and_request_data_are_checked_with_pointers() {
        let s = schemas(json!({
            "state": {"type": "object", "required": ["pumps"],
                      "properties": {"pumps": {"type": "array",
                        "items": {"type": "object",
                                  "properties": {"speed": {"type": "number"}}}}}},
            "requests": {"pump.start": {"type": "object", "required": ["pump"],
                                        "properties": {"pump": {"type": "integer"}}}}
        }));
        let c = Compiled::new(Some(&s)).expect("compiles");
        assert!(c.has_state() && !c.is_empty());
        assert!(
            c.check_state(&json!({"pumps": [{"speed": 1.5}]}))
                .is_empty()
        );
        let found = c.check_state(&json!({"pumps": [{"speed": 1}, {"speed": "fast"}]}));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pointer, "/pumps/1/speed");
        assert!(found[0].message.contains("\"fast\""), "{found:?}");
        let found = c.check_state(&json!({}));
        assert_eq!(found[0].pointer, "");
        assert!(found[0].message.contains("pumps"), "{found:?}");

        assert!(
            c.check_request("pump.start", &json!({"pump": 2}))
                .is_empty()
        );
        let found = c.check_request("pump.start", &json!({"pump": "two"}));
        assert_eq!(found[0].pointer, "/pump");
        assert!(c.check_request("other", &json!("anything")).is_empty());
    }

    #[test]
    fn bad_schemas_name_their_field_and_none_check_nothing() {
        let s = schemas(json!({
            "state": {"type": "frobnicate"},
            "requests": {"ok": {"type": "string"}, "bad": {"minimum": "zero"}}
        }));
        let problems = Compiled::new(Some(&s)).expect_err("bad schemas");
        let fields: Vec<_> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["schemas.state", "schemas.requests.bad"]);
        assert!(problems[0].1.starts_with("not a usable JSON Schema"));

        let none = Compiled::new(None).expect("nothing to compile");
        assert!(none.is_empty());
        assert!(none.check_state(&json!(1)).is_empty());
    }

    #[test]
    fn many_problems_are_capped_and_described() {
        let s = schemas(json!({"state": {"type": "array", "items": {"type": "string"}}}));
        let c = Compiled::new(Some(&s)).expect("compiles");
        let found = c.check_state(&json!((0..50).collect::<Vec<_>>()));
        assert_eq!(found.len(), MAX_PER_CHECK);
        let v = SchemaViolation {
            time: 0,
            kind: ViolationKind::Request,
            name: Some("pump.start".into()),
            connection_id: Some(3),
            pointer: "/pump".into(),
            message: "\"two\" is not of type \"integer\"".into(),
        };
        assert_eq!(
            v.describe(),
            "request pump.start (connection 3) data /pump: \"two\" is not of type \"integer\""
        );
    }
}
