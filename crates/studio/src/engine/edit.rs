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
    /// The same edit on a document nested at `prefix`. Takes the edit:
    /// its value moves over instead of being copied (a whole-state set
    /// of a replay seek is megabytes).
    pub(super) fn under(self, prefix: &juggler::Path) -> Edit {
        let join = |p: juggler::Path| {
            let mut steps = prefix.0.clone();
            steps.extend(p.0);
            juggler::Path(steps)
        };
        match self {
            Edit::Set(p, v) => Edit::Set(join(p), v),
            Edit::Remove(p) => Edit::Remove(join(p)),
            Edit::Patch(mut diff) => {
                let pointer = prefix.to_pointer();
                match diff.as_array_mut() {
                    Some(ops) => {
                        for op in ops {
                            for key in ["path", "from"] {
                                if let Some(p) = op.get(key).and_then(Value::as_str) {
                                    let joined = format!("{pointer}{p}");
                                    op[key] = Value::String(joined);
                                }
                            }
                        }
                    }
                    None => diff = Value::Array(Vec::new()),
                }
                Edit::Patch(diff)
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

/// [`apply`] that moves a set's value into the document.
pub(super) fn apply_owned(storage: &Storage, edit: Edit) -> Result<()> {
    match edit {
        Edit::Set(p, v) => storage.set(&p, v),
        edit => apply(storage, &edit)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Edit;

    #[test]
    fn under_prefixes_a_set_and_keeps_its_value() {
        let prefix = juggler::path!["state"];
        let Edit::Set(p, v) = Edit::Set(juggler::path!["a", 1], json!({"x": 1})).under(&prefix)
        else {
            panic!("not a set");
        };
        assert_eq!(p, juggler::path!["state", "a", 1]);
        assert_eq!(v, json!({"x": 1}));
    }

    #[test]
    fn under_prefixes_every_path_and_from_of_a_patch() {
        let prefix = juggler::path!["connections", "7", "state"];
        let diff = json!([
            {"op": "replace", "path": "/a", "value": 1},
            {"op": "move", "from": "/b", "path": "/c"},
            {"op": "remove", "path": ""}
        ]);
        let Edit::Patch(diff) = Edit::Patch(diff).under(&prefix) else {
            panic!("not a patch");
        };
        assert_eq!(
            diff,
            json!([
                {"op": "replace", "path": "/connections/7/state/a", "value": 1},
                {"op": "move", "from": "/connections/7/state/b", "path": "/connections/7/state/c"},
                {"op": "remove", "path": "/connections/7/state"}
            ])
        );
        // Not a list of operations: nothing to apply.
        let Edit::Patch(none) = Edit::Patch(json!({"op": "add"})).under(&prefix) else {
            panic!("not a patch");
        };
        assert_eq!(none, json!([]));
    }
}
