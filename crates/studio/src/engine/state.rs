//! The state service: the served state (shared by the dashboards, or the
//! template each new connection starts from), its undo history by inverse
//! operations, and their mirror at `/state` and `/history`.

use std::sync::{Mutex, MutexGuard};

use juggler::Storage;
use serde_json::Value;

use super::fingerprint::Fingerprint;
use super::{Edit, Engine, Publisher, Target, apply};
use crate::error::{Error, Result};
use crate::history::History;
#[cfg(test)]
use crate::history::HistoryStatus;

/// The served state and its history.
pub(super) struct StateStore {
    doc: Mutex<Doc>,
    publish: Publisher,
}

struct Doc {
    /// The served state when it is shared (also kept while stopped).
    state: Storage,
    history: History,
    /// The state's version that the undo history leads back from (right
    /// after the last edit, undo or redo). Anything else that changes the
    /// state (a replay) moves the version on, and the recorded steps no
    /// longer lead anywhere sure.
    history_version: u64,
    /// The state's version when it was last exactly a loaded recording's
    /// state at its current step (set by a seek, followed by the replayed
    /// changes after it). Anything else that changes the state moves the
    /// version on: the Replay pane then stops showing `/state` as the
    /// recording's and fetches the recording's own.
    replay_version: Option<u64>,
    /// The state's fingerprint at a version: the unsaved check asks for
    /// it after every burst of changes, and again when something else
    /// than the state changed.
    fingerprint: Option<(u64, Fingerprint)>,
}

impl Doc {
    fn new(initial: Value) -> Doc {
        let state = Storage::with_data(initial);
        Doc {
            history_version: state.version(),
            state,
            history: History::default(),
            replay_version: None,
            fingerprint: None,
        }
    }
}

impl StateStore {
    pub(super) fn new(initial: Value, publish: Publisher) -> StateStore {
        StateStore {
            doc: Mutex::new(Doc::new(initial)),
            publish,
        }
    }

    fn doc(&self) -> MutexGuard<'_, Doc> {
        self.doc.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The served state document (the server shares it).
    pub(super) fn served(&self) -> Storage {
        self.doc().state.clone()
    }

    /// The served state now.
    pub(super) fn data(&self) -> Value {
        self.doc().state.data()
    }

    /// The served state's fingerprint now, read in place.
    pub(super) fn fingerprint(&self) -> Fingerprint {
        let mut doc = self.doc();
        // Read before the document: a change in between (a dashboard's
        // rule) only makes the next call read it again.
        let version = doc.state.version();
        if let Some((at, fingerprint)) = doc.fingerprint
            && at == version
        {
            return fingerprint;
        }
        let fingerprint = doc.state.read(Fingerprint::of_value);
        doc.fingerprint = Some((version, fingerprint));
        fingerprint
    }

    #[cfg(test)]
    pub(super) fn history_status(&self) -> HistoryStatus {
        self.doc().history.status()
    }

    /// Publishes `/state` and `/history`.
    pub(super) fn publish(&self) {
        let doc = self.doc();
        self.publish.state(doc.state.data());
        self.publish.history(&doc.history.status());
    }

    /// Starts again from `initial`, with no history (a workspace opened).
    pub(super) fn reset(&self, initial: Value) {
        let mut doc = self.doc();
        self.replay_diverged(&mut doc);
        *doc = Doc::new(initial);
        self.publish.state(doc.state.data());
        self.publish.history(&doc.history.status());
    }

    /// Forgets the undo history (replayed changes cannot be undone).
    pub(super) fn clear_history(&self) {
        let mut doc = self.doc();
        doc.history = History::default();
        self.publish.history(&doc.history.status());
    }

    /// Sets the whole state to a loaded recording's at the replay's step (a
    /// seek): `state` goes to the served document, `mirror`, an equal copy,
    /// to the model's `/state`.
    pub(super) fn set_from_replay(&self, state: Value, mirror: Value) -> Result<()> {
        let mut doc = self.doc();
        doc.state.set(juggler::Path::root(), state);
        doc.replay_version = Some(doc.state.version());
        self.publish
            .state_edit(Edit::Set(juggler::Path::root(), mirror))
    }

    /// Changes the state without an undo step (a replayed change): it
    /// stays the recording's state if it was.
    pub(super) fn apply_unrecorded(&self, edit: Edit) -> Result<()> {
        let mut doc = self.doc();
        let was_exact = doc.replay_version == Some(doc.state.version());
        let applied = apply(&doc.state, &edit);
        doc.replay_version = (was_exact && applied.is_ok()).then(|| doc.state.version());
        applied?;
        self.publish.state_edit(edit)
    }

    /// Forgets that the state is a recording's (another recording is
    /// loaded, or playback starts over without setting the state).
    pub(super) fn forget_replay(&self) {
        self.doc().replay_version = None;
    }

    /// Whether the state is exactly the replay's (see `replay_version`).
    pub(super) fn replay_exact(&self) -> bool {
        self.with_replay_exact(|exact| exact)
    }

    /// Calls `f` with whether the state is exactly the replay's (see
    /// `replay_version`), holding the state still meanwhile, so that what
    /// `f` publishes cannot overtake an edit's "no longer".
    pub(super) fn with_replay_exact<R>(&self, f: impl FnOnce(bool) -> R) -> R {
        let doc = self.doc();
        f(doc.replay_version == Some(doc.state.version()))
    }

    /// Something other than the replay changed the state: if it was the
    /// replay's, the model says it no longer is.
    fn replay_diverged(&self, doc: &mut Doc) {
        if doc.replay_version.take().is_some() {
            self.publish.replay_diverged();
        }
    }

    /// Applies `edit`: the user's (`by` none) with an undo step; one made
    /// `by` something else ("a request rule", "a scenario") without, the
    /// user's steps that did not touch its places still undone across it.
    pub(super) fn edit(&self, edit: Edit, by: Option<&'static str>) -> Result<()> {
        let mut doc = self.doc();
        if doc.state.version() != doc.history_version {
            // Steps recorded before an unrecorded change would undo on top
            // of it: they go, this edit starts afresh.
            doc.history.clear();
        }
        // The operations the edit made and the ones that undo it, read
        // from what it touched: no copy of the document.
        let applied = match edit {
            Edit::Set(p, v) => doc.state.set_undoable(&p, v)?,
            Edit::Remove(p) => doc.state.remove_undoable(&p)?,
            Edit::Patch(diff) => doc.state.patch_undoable(diff)?,
        };
        if applied.is_empty() {
            return Ok(());
        }
        self.replay_diverged(&mut doc);
        // Mirror into the model with the same operations.
        let mirrored = self.publish.state_ops(&applied.forward);
        let before = doc.history.status();
        match by {
            None => {
                doc.history.record(applied.forward, applied.backward);
            }
            Some(by) => {
                doc.history.others_changed(&applied.forward, by);
            }
        }
        doc.history_version = doc.state.version();
        if let Err(e) = mirrored {
            self.resync(&doc, &e);
        }
        let status = doc.history.status();
        if by.is_none() || status != before {
            self.publish.history(&status);
        }
        Ok(())
    }

    /// Undoes (`back`) or redoes one step.
    pub(super) fn step(&self, back: bool) -> Result<bool> {
        let mut doc = self.doc();
        let what = if back { "undo" } else { "redo" };
        let has_step = if back {
            doc.history.can_undo()
        } else {
            doc.history.can_redo()
        };
        if has_step && doc.state.version() != doc.history_version {
            // Inverse operations applied to a state that something else
            // changed could apply and do damage (an array index that
            // moved): refuse and say why.
            return Err(self.history_lost(
                &mut doc,
                format!(
                    "cannot {what}: the state was changed since the last edit by something \
                     that does not record undo steps (a replay)"
                ),
            ));
        }
        let ops = if back {
            doc.history.undo_ops()
        } else {
            doc.history.redo_ops()
        };
        let ops = match ops {
            Ok(Some(ops)) => ops,
            Ok(None) => return Ok(false),
            Err(conflict) => {
                self.publish.history(&doc.history.status());
                return Err(History::refused(what, &conflict));
            }
        };
        // Only the step's operations go to the state, the model and every
        // connection: an undo costs what the change cost.
        if let Err(e) = doc.state.apply_ops(ops.clone()) {
            return Err(self.history_lost(
                &mut doc,
                format!("cannot {what}: the state changed without being recorded ({e})"),
            ));
        }
        doc.history_version = doc.state.version();
        self.replay_diverged(&mut doc);
        if let Err(e) = self.publish.state_ops(&ops) {
            self.resync(&doc, &e);
        }
        self.publish.history(&doc.history.status());
        Ok(true)
    }

    /// Clears the history that can no longer be followed, and says why.
    fn history_lost(&self, doc: &mut Doc, why: String) -> Error {
        doc.history.clear();
        self.publish.history(&doc.history.status());
        Error::History(format!("{why}; the undo history has been cleared"))
    }

    /// Puts the whole state in the model again, when the same operations
    /// applied to the state did not apply to its mirror (a bug: they are
    /// kept in step).
    fn resync(&self, doc: &Doc, e: &juggler::Error) {
        tracing::warn!("a state change did not apply to the model's /state: {e}");
        self.publish.state(doc.state.data());
    }
}

impl Engine {
    /// Applies the user's `edit` to the target state; shared edits are
    /// undoable.
    pub fn edit(&self, target: Target, edit: Edit) -> Result<()> {
        self.edit_as(target, edit, None)
    }

    /// Applies `edit` made `by` a rule or a scenario: not an undo step (see
    /// `history::others`).
    pub(super) fn edit_by(&self, target: Target, edit: Edit, by: &'static str) -> Result<()> {
        self.edit_as(target, edit, Some(by))
    }

    fn edit_as(&self, target: Target, edit: Edit, by: Option<&'static str>) -> Result<()> {
        match target {
            Target::Shared => self.inner.state.edit(edit, by),
            Target::Connection(id) => {
                let conn = self.inner.host.connection(id)?;
                apply(conn.state(), &edit)?;
                self.inner.publish.connection_state_edit(id, edit)
            }
        }
    }

    /// The value at `path` of the target state as pretty-printed JSON text,
    /// numbers exactly as held (the UI's own copy has them as doubles).
    pub fn state_text(&self, target: Target, path: &juggler::Path) -> Result<String> {
        let storage = match target {
            Target::Shared => self.inner.state.served(),
            Target::Connection(id) => self.inner.host.connection(id)?.state().clone(),
        };
        storage.read(|data| text_at(data, path.steps(), path))
    }

    /// The JSON text of the value at `path` of the model, every number as
    /// held (`model.text`).
    pub fn model_text(&self, path: &juggler::Path) -> Result<String> {
        self.model()
            .read(|model| text_at(model, path.steps(), path))
    }

    /// Undoes the last edit of the shared state.
    pub fn undo(&self) -> Result<bool> {
        self.inner.state.step(true)
    }

    /// Redoes the last undone edit of the shared state.
    pub fn redo(&self) -> Result<bool> {
        self.inner.state.step(false)
    }

    /// The served (shared) state document.
    pub(crate) fn served_state(&self) -> Storage {
        self.inner.state.served()
    }
}

/// The value at `steps` of `data` as pretty-printed JSON text; `path` (the
/// steps as the caller named them) is what an error names.
pub(super) fn text_at(
    data: &Value,
    steps: &[juggler::Step],
    path: &juggler::Path,
) -> Result<String> {
    let value = juggler::path::get(data, steps)
        .ok_or_else(|| Error::field("", "path", format!("nothing at {}", path.to_pointer())))?;
    serde_json::to_string_pretty(value)
        .map_err(|e| Error::Invalid(format!("cannot write the value as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use juggler::path;
    use serde_json::json;

    use super::*;
    use crate::engine::Target;
    use crate::workspace::Workspace;

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
        assert_eq!(engine.inner.state.history_status().undo, 0);
        assert_eq!(
            engine.model().get(path!["history", "undo"]),
            Some(json!(0)),
            "the UI learns the history is gone"
        );
    }

    /// Only the state store holds the state: the workspace service kept two
    /// more copies of it (and the file's bytes) to tell unsaved changes,
    /// about ten times the state's text each. The workspace and its
    /// unsaved flag still see the state.
    #[tokio::test]
    async fn only_the_state_store_holds_the_state() {
        let state = json!({"list": [1, 2, 3], "a": {"b": 1}});
        let engine = engine_with(state.clone());
        assert_eq!(engine.inner.workspace.snapshot().initial_state, Value::Null);
        assert_eq!(engine.workspace_without_state().initial_state, Value::Null);
        assert_eq!(engine.workspace().initial_state, state);
        assert!(!engine.unsaved());
        engine
            .edit(Target::Shared, Edit::Set(path!["list", 0], json!(9)))
            .expect("edit");
        assert!(engine.unsaved());
        assert!(engine.undo().expect("undo"));
        assert!(!engine.unsaved());
        // Undone, a removed member comes back last: the same state.
        engine
            .edit(Target::Shared, Edit::Remove(path!["list"]))
            .expect("edit");
        assert!(engine.unsaved());
        assert!(engine.undo().expect("undo"));
        assert_ne!(
            engine.workspace().initial_state.to_string(),
            state.to_string()
        );
        assert!(!engine.unsaved());
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
