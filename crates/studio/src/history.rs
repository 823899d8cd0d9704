//! Undo/redo of the state document.
//!
//! Each recorded change keeps two lists of add/remove/replace operations:
//! forward (before → after) and backward (after → before), derived from the
//! change itself ([`juggler::Storage::set_undoable`] and the like read only
//! the values a change replaces or removes), so a step costs in proportion
//! to the change, not to the document. The stack is bounded by a number of
//! steps and by the bytes of their patches; the oldest steps go first. A new
//! change drops what could be redone.
//!
//! The runtime takes the operations with [`History::undo_ops`] /
//! [`History::redo_ops`] and applies them to its `juggler::Storage`
//! (`apply_ops`), so that connections get the small patch; if that fails,
//! the state changed without being recorded, and it calls
//! [`History::clear`]. [`History::undo`] / [`History::redo`] do the same on
//! a document value.
//!
//! Undo restores values, not the order of object members: a member that a
//! change removed comes back at the end of its object (JSON Patch `add`
//! cannot place it), as it does in every juggler client. Array elements
//! come back at their index, and redo after undo gives exactly the document
//! the change made.
//!
//! Changes by others (a request rule's or a scenario's setState) are not
//! steps: they are logged ([`History::others_changed`]) and a step goes back
//! across them only when they touched none of its places (see [`others`]).

mod others;

use std::collections::VecDeque;

use juggler::path::Op;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::error::{Error, Result};
pub use others::Conflict;
use others::Others;

/// Who made the changes of a step that could not be undone (or redone) and
/// was dropped: the steps around it then go across them as across others'.
const KEPT_EDIT: &str = "an edit that could not be undone";

/// Steps kept by default.
pub const DEFAULT_MAX_STEPS: usize = 200;
/// Bytes of patch text kept by default: 32 MiB.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// One change, both ways.
#[derive(Debug, Clone)]
struct Step {
    forward: Vec<Op>,
    backward: Vec<Op>,
    bytes: usize,
    /// The changes by others from this number on came after the step was
    /// made (or undone): the ones it must go across.
    since: usize,
}

/// What [`History::record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The change is on the undo stack.
    Yes,
    /// The change did nothing: nothing to record.
    Unchanged,
    /// The change alone is larger than the byte bound: it cannot be undone,
    /// and the steps before it were dropped (they no longer lead back from
    /// the new document).
    TooLarge,
}

/// How much can be undone and redone, for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct HistoryStatus {
    /// Steps that can be undone.
    pub undo: usize,
    /// Steps that can be redone.
    pub redo: usize,
    /// Bytes of patch text held.
    pub bytes: usize,
}

/// A bounded undo/redo stack of state changes.
#[derive(Debug, Clone)]
pub struct History {
    undo: VecDeque<Step>,
    redo: Vec<Step>,
    bytes: usize,
    max_steps: usize,
    max_bytes: usize,
    others: Others,
}

impl Default for History {
    fn default() -> Self {
        History::new(DEFAULT_MAX_STEPS, DEFAULT_MAX_BYTES)
    }
}

fn ops_bytes(ops: &[Op]) -> usize {
    let mut text = String::new();
    for op in ops {
        op.write_json(&mut text);
    }
    text.len()
}

impl History {
    /// A history keeping at most `max_steps` steps (undo and redo
    /// together) and `max_bytes` bytes of patch text.
    pub fn new(max_steps: usize, max_bytes: usize) -> Self {
        History {
            undo: VecDeque::new(),
            redo: Vec::new(),
            bytes: 0,
            max_steps: max_steps.max(1),
            max_bytes,
            others: Others::default(),
        }
    }

    /// Records a change: `forward` are the operations it made, `backward`
    /// the ones that undo it, in the order to apply (as
    /// [`juggler::diff::Applied`] holds them).
    pub fn record(&mut self, forward: Vec<Op>, backward: Vec<Op>) -> Recorded {
        if forward.is_empty() {
            return Recorded::Unchanged;
        }
        let bytes = ops_bytes(&forward) + ops_bytes(&backward);
        self.drop_redo();
        if bytes > self.max_bytes {
            self.clear();
            return Recorded::TooLarge;
        }
        self.bytes += bytes;
        let since = self.others.mark();
        self.undo.push_back(Step {
            forward,
            backward,
            bytes,
            since,
        });
        while self.undo.len() > self.max_steps || self.bytes > self.max_bytes {
            match self.undo.pop_front() {
                Some(old) => self.bytes -= old.bytes,
                None => break,
            }
        }
        let oldest = self.undo.iter().map(|s| s.since).min().unwrap_or(since);
        self.others.forget_before(oldest);
        Recorded::Yes
    }

    /// Logs a change that is not a step (`ops`, made by `by`: "a request
    /// rule", "a scenario"); a step that touched its places can no longer
    /// be undone or redone. False when so many were logged that the
    /// history was cleared.
    pub fn others_changed(&mut self, ops: &[Op], by: &'static str) -> bool {
        if self.undo.is_empty() && self.redo.is_empty() {
            self.others.clear();
            return true;
        }
        if self.others.log(ops, by) {
            return true;
        }
        self.clear();
        false
    }

    fn drop_redo(&mut self) {
        for step in self.redo.drain(..) {
            self.bytes -= step.bytes;
        }
    }

    /// Moves the last change to the redo stack and returns the operations
    /// that undo it; `None` when there is nothing to undo. A change by
    /// others since, at one of its places, is the error: that step goes
    /// (it stays done, and the older steps go back across it as across
    /// others' changes), the older ones stay.
    pub fn undo_ops(&mut self) -> std::result::Result<Option<Vec<Op>>, Conflict> {
        match self.undo.pop_back() {
            Some(step) => self.move_step(step, true).map(Some),
            None => Ok(None),
        }
    }

    /// Moves the last undone change back to the undo stack and returns the
    /// operations that redo it; `None` when there is nothing to redo; a
    /// change by others at one of its places since it was undone, the error
    /// (it then stays undone, as [`History::undo_ops`] leaves one done).
    pub fn redo_ops(&mut self) -> std::result::Result<Option<Vec<Op>>, Conflict> {
        match self.redo.pop() {
            Some(step) => self.move_step(step, false).map(Some),
            None => Ok(None),
        }
    }

    /// `step`, taken off its stack, undone (`back`) or redone onto the
    /// other one: its operations that way; when it cannot go across
    /// others' changes, dropped, what it left in place logged as others'.
    fn move_step(&mut self, mut step: Step, back: bool) -> std::result::Result<Vec<Op>, Conflict> {
        let (go, stay) = if back {
            (&step.backward, &step.forward)
        } else {
            (&step.forward, &step.backward)
        };
        if let Err(c) = self.across_others(&step) {
            self.bytes -= step.bytes;
            if !self.others.log(stay, KEPT_EDIT) {
                self.clear();
            }
            return Err(c);
        }
        let ops = go.clone();
        step.since = self.others.mark();
        if back {
            self.redo.push(step);
        } else {
            self.undo.push_back(step);
        }
        Ok(ops)
    }

    /// Whether `step` can be undone or redone across the changes by others
    /// since it was made or undone (it touched none of their places).
    fn across_others(&self, step: &Step) -> std::result::Result<(), Conflict> {
        self.others.check(step.since, &step.backward)?;
        self.others.check(step.since, &step.forward)
    }

    /// The document before the last change, from `current`; `None` when
    /// there is nothing to undo. When the step does not apply (`current` is
    /// not the document it was recorded against), the history is cleared.
    pub fn undo(&mut self, current: &Value) -> Result<Option<Value>> {
        let ops = self.undo_ops().map_err(|c| History::refused("undo", &c))?;
        let Some(ops) = ops else {
            return Ok(None);
        };
        self.applied(current, &ops, "undo").map(Some)
    }

    /// The document after the last undone change, from `current`; `None`
    /// when there is nothing to redo. Clears the history when the step does
    /// not apply.
    pub fn redo(&mut self, current: &Value) -> Result<Option<Value>> {
        let ops = self.redo_ops().map_err(|c| History::refused("redo", &c))?;
        let Some(ops) = ops else {
            return Ok(None);
        };
        self.applied(current, &ops, "redo").map(Some)
    }

    /// The error of a step that could not go back across `conflict` (and
    /// was dropped, the other steps kept).
    pub fn refused(what: &str, conflict: &Conflict) -> Error {
        let (kept, rest) = if what == "undo" {
            ("that edit stays", "older ones can still be undone")
        } else {
            ("that edit stays undone", "the others can still be redone")
        };
        Error::History(format!("cannot {what}: {conflict}; {kept} ({rest})"))
    }

    fn applied(&mut self, current: &Value, ops: &[Op], what: &str) -> Result<Value> {
        let mut doc = current.clone();
        juggler::diff::apply_in_place(&mut doc, ops).map_err(|e| {
            self.clear();
            Error::History(format!(
                "cannot {what}: the state changed without being recorded ({e}); the undo \
                 history has been cleared"
            ))
        })?;
        Ok(doc)
    }

    /// Whether there is something to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is something to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Steps and bytes held.
    pub fn status(&self) -> HistoryStatus {
        HistoryStatus {
            undo: self.undo.len(),
            redo: self.redo.len(),
            bytes: self.bytes,
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
        self.bytes = 0;
        self.others.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Records the change from `before` to `after`, as whole-document diffs.
    fn record(history: &mut History, before: &Value, after: &Value) -> Recorded {
        history.record(
            juggler::diff::diff(before, after),
            juggler::diff::diff(after, before),
        )
    }

    /// Records `docs[0] → docs[1] → …`.
    fn walk(history: &mut History, docs: &[Value]) {
        for pair in docs.windows(2) {
            record(history, &pair[0], &pair[1]);
        }
    }

    #[test]
    fn undo_and_redo_walk_the_changes() {
        let docs = [
            json!(null),
            json!({"a": 1}),
            json!({"a": 1, "b": [1, 2, 3]}),
            json!({"b": [1, 3], "c": {"d": "e"}}),
        ];
        let mut h = History::default();
        walk(&mut h, &docs);
        assert_eq!(h.status().undo, 3);
        let mut cur = docs[3].clone();
        for i in (0..3).rev() {
            cur = h.undo(&cur).expect("applies").expect("something to undo");
            assert_eq!(cur, docs[i]);
        }
        assert_eq!(h.undo(&cur).expect("ok"), None);
        assert!(!h.can_undo() && h.can_redo());
        for doc in &docs[1..] {
            cur = h.redo(&cur).expect("applies").expect("something to redo");
            assert_eq!(&cur, doc);
        }
        assert_eq!(h.redo(&cur).expect("ok"), None);
        assert_eq!(h.status().undo, 3);
    }

    #[test]
    fn a_removed_member_comes_back_last() {
        let before = json!({"x": 1, "y": 2, "z": 3});
        let after = json!({"x": 1, "z": 3});
        let mut h = History::default();
        record(&mut h, &before, &after);
        let back = h.undo(&after).expect("ok").expect("step");
        assert_eq!(back, before);
        // JSON Patch `add` cannot place a member: it goes to the end.
        assert_eq!(back.to_string(), r#"{"x":1,"z":3,"y":2}"#);
    }

    #[test]
    fn a_new_change_drops_the_redo_steps() {
        let mut h = History::default();
        walk(&mut h, &[json!(1), json!(2), json!(3)]);
        let cur = h.undo(&json!(3)).expect("ok").expect("step");
        assert_eq!(cur, json!(2));
        assert_eq!(record(&mut h, &cur, &json!(4)), Recorded::Yes);
        assert!(!h.can_redo());
        assert_eq!(h.undo(&json!(4)).expect("ok"), Some(json!(2)));
        assert_eq!(record(&mut h, &json!(5), &json!(5)), Recorded::Unchanged);
    }

    #[test]
    fn bounded_by_steps() {
        let mut h = History::new(3, usize::MAX);
        let docs: Vec<Value> = (0..10).map(|i| json!({"n": i})).collect();
        walk(&mut h, &docs);
        assert_eq!(h.status().undo, 3);
        let mut cur = docs[9].clone();
        while let Some(prev) = h.undo(&cur).expect("ok") {
            cur = prev;
        }
        assert_eq!(cur, docs[6], "the oldest steps went first");
        assert_eq!((h.status().undo, h.status().redo), (0, 3));
    }

    #[test]
    fn bounded_by_bytes() {
        let big = |c: char| json!({"text": c.to_string().repeat(1000)});
        // Each step holds about 2 × 1 KB of patch text.
        let mut h = History::new(100, 5000);
        walk(&mut h, &[big('a'), big('b'), big('c'), big('d'), big('e')]);
        let s = h.status();
        assert_eq!(s.undo, 2, "{s:?}");
        assert!(s.bytes <= 5000, "{s:?}");
        // A change larger than the bound alone clears the history.
        let mut h = History::new(100, 5000);
        record(&mut h, &json!(1), &json!(2));
        assert_eq!(
            record(&mut h, &json!(2), &json!("x".repeat(6000))),
            Recorded::TooLarge
        );
        assert_eq!(
            h.status(),
            HistoryStatus {
                undo: 0,
                redo: 0,
                bytes: 0
            }
        );
    }

    #[test]
    fn a_step_that_no_longer_applies_clears_the_history() {
        let mut h = History::default();
        walk(
            &mut h,
            &[
                json!({"a": [1]}),
                json!({"a": [1, 2]}),
                json!({"a": [1, 2, 3]}),
            ],
        );
        let err = h.undo(&json!({"b": 1})).expect_err("does not apply");
        assert!(
            err.to_string().contains("history has been cleared"),
            "{err}"
        );
        assert!(!h.can_undo() && !h.can_redo());
    }

    /// A rule's setState between the user's edit and Undo: Undo takes back
    /// the user's edit and keeps the rule's, unless the rule changed the
    /// same place (then it is refused and the history cleared).
    #[test]
    fn changes_by_others_stay_and_block_only_their_places() {
        let storage = juggler::Storage::with_data(json!({"a": 1, "b": 1, "list": [1, 2, 3]}));
        let mut h = History::default();
        let user = storage
            .set_undoable(juggler::path!["a"], json!(2))
            .expect("applies");
        h.record(user.forward, user.backward);
        let rule = storage
            .set_undoable(juggler::path!["b"], json!(9))
            .expect("applies");
        assert!(h.others_changed(&rule.forward, "a request rule"));
        storage
            .apply_ops(h.undo_ops().expect("no conflict").expect("step"))
            .expect("applies");
        assert_eq!(storage.data(), json!({"a": 1, "b": 9, "list": [1, 2, 3]}));
        let rule = storage
            .set_undoable(juggler::path!["list", 0], json!(0))
            .expect("applies");
        assert!(h.others_changed(&rule.forward, "a request rule"));
        storage
            .apply_ops(h.redo_ops().expect("no conflict").expect("step"))
            .expect("applies");
        assert_eq!(storage.data(), json!({"a": 2, "b": 9, "list": [0, 2, 3]}));

        let rule = storage
            .set_undoable(juggler::path!["a"], json!(5))
            .expect("applies");
        assert!(h.others_changed(&rule.forward, "a request rule"));
        let err = h.undo(&storage.data()).expect_err("the rule changed /a");
        assert_eq!(
            err.to_string(),
            "cannot undo: /a was changed since by a request rule; that edit stays (older ones \
             can still be undone)"
        );
        assert!(!h.can_undo() && !h.can_redo());
    }

    /// One step refused does not take the older ones with it (it cleared
    /// the whole history: outside tester's U22); an older step at the same
    /// place as the refused one is refused in turn.
    #[test]
    fn a_refused_step_goes_alone() {
        let storage = juggler::Storage::with_data(json!({"a": 0, "b": 0}));
        let mut h = History::default();
        for (path, v) in [("b", 1), ("a", 1), ("a", 2)] {
            let user = storage
                .set_undoable(juggler::path![path], json!(v))
                .expect("applies");
            h.record(user.forward, user.backward);
        }
        let rule = storage
            .set_undoable(juggler::path!["a"], json!(9))
            .expect("applies");
        h.others_changed(&rule.forward, "a request rule");
        assert!(h.undo_ops().is_err(), "the last /a edit meets the rule's");
        assert!(
            h.undo_ops().is_err(),
            "the first /a edit meets the last one, kept"
        );
        let back = h.undo_ops().expect("/b is free").expect("a step");
        storage.apply_ops(back).expect("applies");
        assert_eq!(storage.data(), json!({"a": 9, "b": 0}));
        assert!(!h.can_undo());
    }

    #[test]
    fn ops_for_a_storage() {
        let storage = juggler::Storage::with_data(json!({"a": 1}));
        let mut h = History::default();
        let applied = storage
            .set_undoable(juggler::path!["b"], json!(2))
            .expect("applies");
        h.record(applied.forward, applied.backward);
        storage
            .apply_ops(h.undo_ops().expect("no conflict").expect("step"))
            .expect("applies");
        assert_eq!(storage.data(), json!({"a": 1}));
        storage
            .apply_ops(h.redo_ops().expect("no conflict").expect("step"))
            .expect("applies");
        assert_eq!(storage.data(), json!({"a": 1, "b": 2}));
    }
}
