//! Edits of the served state, and undo/redo by their inverse operations.

use super::*;

impl Engine {
    /// Applies `edit` to the target state; shared edits are undoable.
    pub fn edit(&self, target: Target, edit: Edit) -> Result<()> {
        match target {
            Target::Shared => {
                let mut core = self.core();
                if core.doc.version() != core.history_version {
                    // Steps recorded before an unrecorded change would undo
                    // on top of it: they go, this edit starts afresh.
                    core.history.clear();
                }
                // The operations the edit made and the ones that undo it,
                // read from what it touched: no copy of the document.
                let applied = match edit {
                    Edit::Set(p, v) => core.doc.set_undoable(&p, v)?,
                    Edit::Remove(p) => core.doc.remove_undoable(&p)?,
                    Edit::Patch(diff) => core.doc.patch_undoable(diff)?,
                };
                if applied.is_empty() {
                    return Ok(());
                }
                // Mirror into the model with the same operations.
                let mirrored = self
                    .inner
                    .model
                    .apply_ops(ops_under("/state", &applied.forward));
                core.history.record(applied.forward, applied.backward);
                core.history_version = core.doc.version();
                if let Err(e) = mirrored {
                    self.resync_state(&core, &e);
                }
                self.publish_history(&core);
                Ok(())
            }
            Target::Connection(id) => {
                let conn = self.connection(id)?;
                apply(conn.state(), &edit)?;
                let key = id.to_string();
                apply(
                    &self.inner.model,
                    &edit.under(&path!["connections", key.as_str(), "state"]),
                )?;
                Ok(())
            }
        }
    }

    /// Undoes the last edit of the shared state.
    pub fn undo(&self) -> Result<bool> {
        self.step(true)
    }

    /// Redoes the last undone edit of the shared state.
    pub fn redo(&self) -> Result<bool> {
        self.step(false)
    }

    pub(super) fn step(&self, back: bool) -> Result<bool> {
        let mut core = self.core();
        let what = if back { "undo" } else { "redo" };
        let has_step = if back {
            core.history.can_undo()
        } else {
            core.history.can_redo()
        };
        if has_step && core.doc.version() != core.history_version {
            // Inverse operations applied to a state that something else
            // changed could apply and do damage (an array index that moved):
            // refuse and say why.
            core.history.clear();
            self.publish_history(&core);
            return Err(Error::History(format!(
                "cannot {what}: the state was changed since the last edit by something that \
                 does not record undo steps (a replay); the undo history has been cleared"
            )));
        }
        let ops = if back {
            core.history.undo_ops()
        } else {
            core.history.redo_ops()
        };
        let Some(ops) = ops else { return Ok(false) };
        // Only the step's operations go to the state, the model and every
        // connection: an undo costs what the change cost.
        let mirror = ops_under("/state", &ops);
        if let Err(e) = core.doc.apply_ops(ops) {
            core.history.clear();
            self.publish_history(&core);
            return Err(Error::History(format!(
                "cannot {what}: the state changed without being recorded ({e}); the undo \
                 history has been cleared"
            )));
        }
        core.history_version = core.doc.version();
        if let Err(e) = self.inner.model.apply_ops(mirror) {
            self.resync_state(&core, &e);
        }
        self.publish_history(&core);
        Ok(true)
    }

    /// Puts the whole state in the model again, when the same operations
    /// applied to the state did not apply to its mirror (a bug: they are
    /// kept in step).
    pub(super) fn resync_state(&self, core: &Core, e: &juggler::Error) {
        tracing::warn!("a state change did not apply to the model's /state: {e}");
        self.inner.model.set(path!["state"], core.doc.data());
    }
}

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
                let mut pointer = String::new();
                for step in &prefix.0 {
                    pointer.push('/');
                    match step {
                        juggler::Step::Key(k) => juggler::path::escape_segment(k, &mut pointer),
                        juggler::Step::Index(i) => pointer.push_str(&i.to_string()),
                    }
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn engine_with(state: Value) -> Engine {
        let ws = Workspace {
            initial_state: state,
            ..Workspace::default()
        };
        Engine::new(ws, None).expect("engine")
    }

    /// An undo after a change the history did not record (a replay) is
    /// refused and clears the history, instead of applying inverse
    /// operations on top of that change (here: re-inserting at an index
    /// that now holds something else).
    #[tokio::test]
    pub(super) async fn an_unrecorded_change_ends_the_undo_history() {
        let engine = engine_with(json!({"list": [1, 2, 3]}));
        engine
            .edit(Target::Shared, Edit::Remove(path!["list", 0]))
            .expect("edit");
        engine.served_state().set(path!["list", 0], json!(9));
        let err = engine.undo().expect_err("refused");
        assert!(err.to_string().contains("replay"), "{err}");
        assert_eq!(engine.served_state().data(), json!({"list": [9, 3]}));
        assert_eq!(engine.core().history.status().undo, 0);
        assert_eq!(
            engine.model().get(path!["history", "undo"]),
            Some(json!(0)),
            "the UI learns the history is gone"
        );
    }

    /// An edit after an unrecorded change starts the history afresh: its
    /// own undo works, the steps before the change are gone.
    #[tokio::test]
    pub(super) async fn an_edit_after_an_unrecorded_change_starts_afresh() {
        let engine = engine_with(json!({"a": 1}));
        engine
            .edit(Target::Shared, Edit::Set(path!["a"], json!(2)))
            .expect("edit");
        engine.served_state().set(path!["b"], json!(true));
        engine
            .edit(Target::Shared, Edit::Set(path!["c"], json!(3)))
            .expect("edit");
        assert!(engine.undo().expect("undo"));
        assert_eq!(engine.served_state().data(), json!({"a": 2, "b": true}));
        assert!(!engine.undo().expect("nothing older"));
        assert!(engine.redo().expect("redo"));
        assert_eq!(
            engine.served_state().data(),
            json!({"a": 2, "b": true, "c": 3})
        );
    }
}
