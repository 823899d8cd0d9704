//! The problems of shape after the first: serde stops at the first field it
//! cannot read, so a file with a typo in three rules told one per run. Each
//! list element (or, outside lists, the member) where a problem was found
//! is left out and the rest read again, until nothing more is found (or enough is). What then reads is
//! checked beyond shape too (a regex, an id used twice): those were told
//! only on the next run, once the shape was fixed.

use std::collections::HashMap;

use serde_json::Value;

use super::Workspace;
use crate::error::Problem;

/// At most this many more problems are told (a file of another kind would
/// otherwise give one per element).
const MOST: usize = 20;

/// The problems after the first, at `first` (a field path as serde names
/// it: `rules[1].action`), each placed at its field of `text`; relative
/// paths of the rest are resolved against `base_dir`.
pub(super) fn after(text: &str, first: &str, base_dir: &std::path::Path) -> Vec<Problem> {
    let Ok(Ok(mut value)) =
        juggler::json::deserialize_with(text, super::validate::MAX_DEPTH, |de| {
            <Value as serde::Deserialize>::deserialize(de)
        })
    else {
        return Vec::new();
    };
    let mut left_out = LeftOut::default();
    let mut field = first.to_owned();
    let mut more = Vec::new();
    while more.len() < MOST {
        // The element of a list the problem is in (the innermost), as the
        // value read now has it; outside any list, the member itself (a
        // setting with a default, as server.port).
        let member_only = match element_of(&field) {
            Some((list, index)) => {
                let Some(Value::Array(items)) = at_mut(&mut value, list) else {
                    break;
                };
                if index >= items.len() {
                    break;
                }
                items.remove(index);
                left_out.add(
                    &left_out.original(list),
                    left_out.original_index(list, index),
                );
                false
            }
            None => {
                let Some((object, member)) = field.rsplit_once('.') else {
                    break;
                };
                let Some(Value::Object(members)) = at_mut(&mut value, object) else {
                    break;
                };
                if members.remove(member).is_none() {
                    break;
                }
                true
            }
        };
        match serde_path_to_error::deserialize::<_, Workspace>(&value) {
            Ok(rest) => {
                let left = MOST - more.len();
                more.extend(
                    rest.validate(base_dir)
                        .into_iter()
                        .take(left)
                        .map(|p| Problem::new(left_out.original(&p.field), p.message)),
                );
                break;
            }
            // A member that must be there: its problem was told already.
            Err(e) if member_only && e.inner().to_string().starts_with("missing field") => break,
            Err(e) => {
                field = e.path().to_string();
                let message = e.inner().to_string();
                more.push(Problem::new(left_out.original(&field), message));
            }
        }
    }
    more
}

/// `rules[1].action` → (`rules`, 1): the last list index of a path.
fn element_of(field: &str) -> Option<(&str, usize)> {
    let open = field.rfind('[')?;
    let close = open + field[open..].find(']')?;
    Some((&field[..open], field[open + 1..close].parse().ok()?))
}

/// The value at a serde field path (`a.b[1].c`), to edit.
fn at_mut<'v>(value: &'v mut Value, field: &str) -> Option<&'v mut Value> {
    let mut at = value;
    for part in field.split('.').filter(|p| !p.is_empty()) {
        let (key, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            at = at.get_mut(key)?;
        }
        for index in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            at = at.get_mut(index.parse::<usize>().ok()?)?;
        }
    }
    Some(at)
}

/// The list elements left out so far, by their list's path and their index
/// in the file: to name a later problem as the file has it.
#[derive(Default)]
struct LeftOut(HashMap<String, Vec<usize>>);

impl LeftOut {
    fn add(&mut self, list: &str, index: usize) {
        let gone = self.0.entry(list.to_owned()).or_default();
        gone.push(index);
        gone.sort_unstable();
    }

    /// The file's index of what is element `index` of `list` (a path as
    /// the value read now has it) once the left-out ones are gone.
    fn original_index(&self, list: &str, index: usize) -> usize {
        self.shift(&self.original(list), index)
    }

    /// Element `index` of the list at `list` (as the file has it) counted
    /// past the elements left out before it.
    fn shift(&self, list: &str, index: usize) -> usize {
        let mut at = index;
        for gone in self.0.get(list).into_iter().flatten() {
            if *gone <= at {
                at += 1;
            }
        }
        at
    }

    /// `field` (as the value read now has it) as the file has it.
    fn original(&self, field: &str) -> String {
        let mut out = String::new();
        let mut rest = field;
        while let Some(open) = rest.find('[') {
            let Some(close) = rest[open..].find(']').map(|c| open + c) else {
                break;
            };
            out.push_str(&rest[..open]);
            let index = rest[open + 1..close].parse::<usize>();
            match index {
                Ok(i) => {
                    let at = self.shift(&out, i);
                    out.push_str(&format!("[{at}]"));
                }
                Err(_) => out.push_str(&rest[open..=close]),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_index_is_named_as_the_file_has_it() {
        let mut left = LeftOut::default();
        left.add("rules", 1);
        assert_eq!(left.original("rules[1].action"), "rules[2].action");
        assert_eq!(left.original("rules[0].id"), "rules[0].id");
        left.add("rules", 2);
        assert_eq!(left.original("rules[1].x"), "rules[3].x");
        left.add("scenarios[3].steps", 0);
        assert_eq!(
            left.original("scenarios[3].steps[0]"),
            "scenarios[3].steps[1]"
        );
        assert_eq!(left.original_index("rules", 1), 3);
    }

    #[test]
    fn the_element_and_the_value_of_a_path() {
        assert_eq!(element_of("rules[1].action"), Some(("rules", 1)));
        assert_eq!(
            element_of("scenarios[0].steps[12]"),
            Some(("scenarios[0].steps", 12))
        );
        assert_eq!(element_of("server.port"), None);
        let mut v = serde_json::json!({"a": {"b": [0, {"c": [5, 6]}]}});
        assert_eq!(
            at_mut(&mut v, "a.b[1].c[1]"),
            Some(&mut serde_json::json!(6))
        );
        assert_eq!(at_mut(&mut v, "a.x"), None);
    }
}
