//! Where a widget's value is in the state: a JSON Pointer
//! (`"/devices/0/status"`) or a juggler path (`["devices", 0, "status"]`),
//! kept in the form it was written.

use std::fmt;

use schemars::JsonSchema;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// A path into the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, JsonSchema)]
#[serde(untagged)]
#[ts(export_to = crate::ts::DIR)]
pub enum BoundPath {
    /// A JSON Pointer (RFC 6901): `""` is the whole state, `"/a/0"` a
    /// member `0` of `a` or its first element.
    Pointer(String),
    /// A juggler path: keys and indexes from the root; `[]` is the whole
    /// state.
    Steps(Vec<PathKey>),
}

/// One step of a juggler path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(untagged)]
#[ts(export_to = crate::ts::DIR)]
pub enum PathKey {
    /// A member of an object.
    Key(String),
    /// An element of an array.
    Index(u64),
}

/// What a path must look like, for messages.
const SHAPE: &str = "a path is a JSON Pointer such as \"/level/value\" or a list of keys and \
                     indexes such as [\"devices\", 0, \"status\"]";

impl<'de> Deserialize<'de> for BoundPath {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let path = match Value::deserialize(de)? {
            Value::String(s) => BoundPath::Pointer(s),
            Value::Array(items) => BoundPath::Steps(
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(s) => Ok(PathKey::Key(s)),
                        Value::Number(n) => n.as_u64().map(PathKey::Index).ok_or_else(|| {
                            D::Error::custom(format!("{n} is not an index (0, 1, 2, …): {SHAPE}"))
                        }),
                        other => Err(D::Error::custom(format!(
                            "{} is not a key or an index: {SHAPE}",
                            kind(&other)
                        ))),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            other => return Err(D::Error::custom(format!("{} given: {SHAPE}", kind(&other)))),
        };
        // A pointer's syntax is checked with the rest of the dashboard
        // (`validate`), so that its problem is told beside the others.
        Ok(path)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl BoundPath {
    /// The steps from the root; a pointer's steps are all keys (an array
    /// reads a key of digits as an index, as RFC 6901 says). `Err` says
    /// what is wrong with a pointer.
    pub fn steps(&self) -> Result<Vec<PathKey>, String> {
        match self {
            BoundPath::Steps(steps) => Ok(steps.clone()),
            BoundPath::Pointer(p) if p.is_empty() => Ok(Vec::new()),
            BoundPath::Pointer(p) => {
                let Some(rest) = p.strip_prefix('/') else {
                    return Err(format!(
                        "{p:?} does not start with \"/\": write \"/{p}\" (a JSON Pointer), or \
                         [{p:?}]"
                    ));
                };
                rest.split('/').map(unescape).collect()
            }
        }
    }

    /// The value at this path in `state`, if there is one. A pointer's
    /// token of digits is an index into an array; a juggler path's key is
    /// never one.
    pub fn lookup<'a>(&self, state: &'a Value) -> Option<&'a Value> {
        let pointer = matches!(self, BoundPath::Pointer(_));
        let mut cur = state;
        for step in self.steps().ok()? {
            cur = match (cur, step) {
                (Value::Object(map), PathKey::Key(k)) => map.get(&k)?,
                (Value::Array(items), PathKey::Index(i)) => items.get(usize::try_from(i).ok()?)?,
                (Value::Array(items), PathKey::Key(k)) if pointer => items.get(index_token(&k)?)?,
                _ => return None,
            };
        }
        Some(cur)
    }
}

/// The index a pointer's token names in an array (RFC 6901: digits, no
/// leading zero).
pub(crate) fn index_token(token: &str) -> Option<usize> {
    let digits = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    token.parse().ok().filter(|_| digits)
}

/// One reference token of a pointer, `~1` → `/` and `~0` → `~`.
fn unescape(token: &str) -> Result<PathKey, String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => {
                return Err(format!(
                    "{token:?}: \"~\" must be followed by 0 (for \"~\") or 1 (for \"/\")"
                ));
            }
        }
    }
    Ok(PathKey::Key(out))
}

impl fmt::Display for BoundPath {
    /// As a JSON Pointer.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BoundPath::Pointer(p) => f.write_str(p),
            BoundPath::Steps(steps) => {
                for step in steps {
                    match step {
                        PathKey::Key(k) => {
                            write!(f, "/{}", k.replace('~', "~0").replace('/', "~1"))?
                        }
                        PathKey::Index(i) => write!(f, "/{i}")?,
                    }
                }
                Ok(())
            }
        }
    }
}
