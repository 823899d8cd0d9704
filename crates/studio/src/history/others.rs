//! Changes the undo history did not make (a request rule's or a scenario's
//! setState while the user edits), and whether a step can still be undone
//! or redone across them. They are not steps: Undo takes back what the
//! user did, not what the dashboard under test did meanwhile. A step goes
//! back across them only when they touched none of its places and moved
//! no array element it reaches (an add or remove at a lower index);
//! otherwise its inverse would write over their change or at the wrong
//! element, and the step is refused.

use std::collections::{HashSet, VecDeque};

use juggler::path::Op;

/// Distinct places changed by others that are kept while steps wait; past
/// it the history goes (every undo would check them all).
pub(super) const MAX_CHANGES: usize = 10_000;

/// One place changed by others: a pointer's steps, and whether it added or
/// removed there (moving the later elements of an array).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Change {
    at: Vec<String>,
    shifts: bool,
}

/// A change by others that a step cannot go back across.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The place as a JSON Pointer (`""` for the whole state).
    pub at: String,
    /// Who changed it ("a request rule", "a scenario").
    pub by: &'static str,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            write!(f, "the whole state was replaced since by {}", self.by)
        } else {
            write!(f, "{} was changed since by {}", self.at, self.by)
        }
    }
}

/// The changes by others, oldest first, numbered from the first ever made:
/// a step keeps the number it was made (or undone) at and is checked
/// against the changes from there on.
#[derive(Debug, Clone, Default)]
pub(super) struct Others {
    changes: VecDeque<(Change, &'static str)>,
    /// How many were dropped from the front (no step looks that far back).
    base: usize,
    /// The places logged since the last mark: a rule that sets the same
    /// place on every request is logged once per stretch.
    recent: HashSet<Change>,
}

impl Others {
    /// The number a step made (or moved) now checks from.
    pub(super) fn mark(&mut self) -> usize {
        self.recent.clear();
        self.base + self.changes.len()
    }

    /// Logs the places `ops` changed; false when more than [`MAX_CHANGES`]
    /// distinct ones are kept.
    pub(super) fn log(&mut self, ops: &[Op], by: &'static str) -> bool {
        for op in ops {
            let (at, shifts) = match op {
                Op::Add(p, _) => (p, true),
                Op::Remove(p) => (p, true),
                Op::Replace(p, _) => (p, false),
            };
            let change = Change {
                at: steps(at),
                shifts,
            };
            if self.recent.insert(change.clone()) {
                self.changes.push_back((change, by));
            }
        }
        self.changes.len() <= MAX_CHANGES
    }

    /// Whether the operations of a step made (or undone) at `since` can be
    /// applied across the changes logged after it.
    pub(super) fn check(&self, since: usize, ops: &[Op]) -> Result<(), Conflict> {
        let from = since.saturating_sub(self.base).min(self.changes.len());
        let places: Vec<Vec<String>> = ops.iter().map(|op| steps(op_path(op))).collect();
        for (change, by) in self.changes.range(from..) {
            if places.iter().any(|p| conflicts(change, p)) {
                return Err(Conflict {
                    at: pointer(&change.at),
                    by,
                });
            }
        }
        Ok(())
    }

    /// Drops the changes before `oldest`, which no step checks any more.
    pub(super) fn forget_before(&mut self, oldest: usize) {
        while self.base < oldest && self.changes.pop_front().is_some() {
            self.base += 1;
        }
    }

    /// Drops every change (no step is left to check).
    pub(super) fn clear(&mut self) {
        self.base += self.changes.len();
        self.changes.clear();
        self.recent.clear();
    }
}

fn op_path(op: &Op) -> &str {
    match op {
        Op::Add(p, _) | Op::Remove(p) | Op::Replace(p, _) => p,
    }
}

/// Whether a step's operation at `place` cannot go across `change`: one is
/// inside the other, or the change added or removed an array element at or
/// before the index the place goes through (the place now names another
/// element).
fn conflicts(change: &Change, place: &[String]) -> bool {
    let (a, b) = (change.at.as_slice(), place);
    if a.starts_with(b) || b.starts_with(a) {
        return true;
    }
    let Some((last, parent)) = a.split_last() else {
        return false;
    };
    if !change.shifts || !b.starts_with(parent) {
        return false;
    }
    // `-` appends: nothing after it moves.
    let Some(moved_from) = index(last) else {
        return false;
    };
    match b.get(parent.len()) {
        Some(step) if step == "-" => true,
        Some(step) => index(step).is_some_and(|i| i >= moved_from),
        None => false,
    }
}

fn index(step: &str) -> Option<usize> {
    if step.is_empty() || !step.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    step.parse().ok()
}

/// A JSON Pointer's unescaped steps (`""` is the whole document).
fn steps(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn pointer(steps: &[String]) -> String {
    let mut out = String::new();
    for step in steps {
        out.push('/');
        juggler::path::escape_segment(step, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn replace(p: &str) -> Op {
        Op::Replace(p.into(), json!(1))
    }

    fn check(logged: &[Op], step: &[Op]) -> Result<(), Conflict> {
        let mut others = Others::default();
        let since = others.mark();
        others.log(logged, "a request rule");
        others.check(since, step)
    }

    #[test]
    fn other_places_do_not_conflict() {
        assert_eq!(check(&[replace("/b")], &[replace("/a")]), Ok(()));
        assert_eq!(check(&[replace("/a/x")], &[replace("/a/y")]), Ok(()));
        // An element replaced does not move the others.
        assert_eq!(check(&[replace("/l/0")], &[replace("/l/1/name")]), Ok(()));
        // Added or removed after the step's index, or appended: it stays.
        assert_eq!(
            check(&[Op::Remove("/l/5".into())], &[replace("/l/1/name")]),
            Ok(())
        );
        assert_eq!(
            check(&[Op::Add("/l/-".into(), json!(1))], &[replace("/l/1")]),
            Ok(())
        );
        // A member named like an index, under an object the step does not reach.
        assert_eq!(
            check(&[Op::Add("/m/0".into(), json!(1))], &[replace("/n/3")]),
            Ok(())
        );
    }

    #[test]
    fn the_same_place_inside_or_around_conflicts() {
        let err = check(&[replace("/a")], &[replace("/a")]).expect_err("same place");
        assert_eq!(err.to_string(), "/a was changed since by a request rule");
        assert!(check(&[replace("/a/b/c")], &[replace("/a")]).is_err());
        assert!(check(&[replace("/a")], &[replace("/a/b/c")]).is_err());
        let err = check(&[replace("")], &[replace("/a")]).expect_err("whole state");
        assert_eq!(
            err.to_string(),
            "the whole state was replaced since by a request rule"
        );
        // Escaped member names are compared unescaped, and shown escaped.
        let err = check(&[replace("/x~1y")], &[replace("/x~1y/z")]).expect_err("x/y");
        assert_eq!(err.at, "/x~1y");
    }

    #[test]
    fn an_element_moved_before_the_steps_index_conflicts() {
        for moved in [Op::Remove("/l/0".into()), Op::Add("/l/1".into(), json!(0))] {
            assert!(
                check(std::slice::from_ref(&moved), &[replace("/l/1/name")]).is_err(),
                "{moved:?}"
            );
        }
    }

    #[test]
    fn only_changes_after_the_mark_count_and_each_place_is_logged_once() {
        let mut others = Others::default();
        others.log(&[replace("/a")], "a scenario");
        let since = others.mark();
        assert_eq!(others.check(since, &[replace("/a")]), Ok(()));
        for _ in 0..1000 {
            assert!(others.log(&[replace("/b")], "a request rule"));
        }
        assert_eq!(others.changes.len(), 2, "one /a, one /b");
        assert!(others.check(since, &[replace("/b")]).is_err());
        others.forget_before(since);
        assert_eq!(others.changes.len(), 1);
        assert!(
            others.check(since, &[replace("/b")]).is_err(),
            "still counted from its number"
        );
    }

    #[test]
    fn bounded() {
        let mut others = Others::default();
        let many: Vec<Op> = (0..=MAX_CHANGES)
            .map(|i| replace(&format!("/k{i}")))
            .collect();
        assert!(!others.log(&many, "a request rule"));
    }
}
