//! One change of a state document ([`Edit`]), and the same change on a
//! document nested in another (the model's `/state`, a connection's entry).

use juggler::Storage;
use serde_json::Value;

use crate::error::Result;

/// One change of a state document.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Set the value at a path.
    Set(juggler::Path, Value),
    /// Remove the value at a path.
    Remove(juggler::Path),
    /// Apply a JSON Patch (RFC 6902).
    Patch(Value),
}

impl Edit {
    /// The same edit on a document nested at `prefix`.
    pub(super) fn under(&self, prefix: &juggler::Path) -> Edit {
        let join = |p: &juggler::Path| {
            let mut steps = prefix.0.clone();
            steps.extend(p.0.iter().cloned());
            juggler::Path(steps)
        };
        match self {
            Edit::Set(p, v) => Edit::Set(join(p), v.clone()),
            Edit::Remove(p) => Edit::Remove(join(p)),
            Edit::Patch(diff) => {
                let pointer = prefix.to_pointer();
                let ops = diff
                    .as_array()
                    .map(|ops| {
                        ops.iter()
                            .map(|op| {
                                let mut op = op.clone();
                                for key in ["path", "from"] {
                                    if let Some(p) = op.get(key).and_then(Value::as_str) {
                                        let joined = format!("{pointer}{p}");
                                        op[key] = Value::String(joined);
                                    }
                                }
                                op
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Edit::Patch(Value::Array(ops))
            }
        }
    }
}

/// `ops` on a document nested at the JSON pointer `prefix`.
pub(super) fn ops_under(prefix: &str, ops: &[juggler::path::Op]) -> Vec<juggler::path::Op> {
    use juggler::path::Op;
    ops.iter()
        .map(|op| match op {
            Op::Add(p, v) => Op::Add(format!("{prefix}{p}"), v.clone()),
            Op::Remove(p) => Op::Remove(format!("{prefix}{p}")),
            Op::Replace(p, v) => Op::Replace(format!("{prefix}{p}"), v.clone()),
        })
        .collect()
}

pub(super) fn apply(storage: &Storage, edit: &Edit) -> Result<()> {
    match edit {
        Edit::Set(p, v) => storage.set(p, v.clone()),
        Edit::Remove(p) => storage.remove(p),
        Edit::Patch(diff) => storage.patch(diff)?,
    }
    Ok(())
}
