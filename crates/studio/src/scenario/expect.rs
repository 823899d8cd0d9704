//! An `expectRequest` step waiting for its request: which requests match,
//! and what the failure says about the ones that came instead. No I/O.

use serde_json::Value;

use crate::rules::data_matches;

/// How many of the other requests a failure message names.
const SEEN_SHOWN: usize = 5;
/// Longest data shown per request in a message, in characters.
const DATA_SHOWN: usize = 120;

/// A request expected by a running step.
#[derive(Debug, Clone)]
pub struct Expectation {
    name: String,
    data: Option<Value>,
    /// The matching request's data, once it came.
    matched: Option<Value>,
    /// Requests that came meanwhile and did not match: name, data.
    seen: Vec<(String, Value)>,
    seen_total: usize,
}

impl Expectation {
    /// Expects a request named `name` whose data contains `data` (any data
    /// when `None` or `null`).
    pub fn new(name: impl Into<String>, data: Option<Value>) -> Self {
        Expectation {
            name: name.into(),
            data: data.filter(|d| !d.is_null()),
            matched: None,
            seen: Vec::new(),
            seen_total: 0,
        }
    }

    /// Whether a request named `name` with `data` is the one expected.
    pub fn fits(&self, name: &str, data: &Value) -> bool {
        name == self.name && self.data.as_ref().is_none_or(|p| data_matches(p, data))
    }

    /// Offers a dashboard's request: `true` when it is the one expected
    /// (only the first such request is taken; later ones are not).
    pub fn offer(&mut self, name: &str, data: &Value) -> bool {
        if self.matched.is_some() {
            return false;
        }
        let fits = self.fits(name, data);
        if fits {
            self.matched = Some(data.clone());
        } else {
            self.seen_total += 1;
            if self.seen.len() < SEEN_SHOWN {
                self.seen.push((name.to_owned(), data.clone()));
            }
        }
        fits
    }

    /// The data of the matching request, once it came.
    pub fn matched(&self) -> Option<&Value> {
        self.matched.as_ref()
    }

    /// Why the step failed after `within_ms`: `no such request within 2000
    /// ms; requests seen meanwhile: pump.stop {"pump":1}`. A request of
    /// the expected name whose data did not match says so.
    pub fn failure(&self, within_ms: u64) -> String {
        let what = match &self.data {
            Some(p) => format!("no such request (data containing {})", short(p)),
            None => "no such request".to_owned(),
        };
        let mut text = format!("{what} within {within_ms} ms; ");
        if self.seen.is_empty() {
            text.push_str("no requests seen meanwhile");
            return text;
        }
        text.push_str("requests seen meanwhile: ");
        let shown: Vec<String> = self
            .seen
            .iter()
            .map(|(name, data)| {
                let mut s = format!("{name} {}", short(data));
                if *name == self.name {
                    s.push_str(" (its data does not match)");
                }
                s
            })
            .collect();
        text.push_str(&shown.join(", "));
        if self.seen_total > self.seen.len() {
            text.push_str(&format!(" and {} more", self.seen_total - self.seen.len()));
        }
        text
    }
}

/// JSON text cut to a readable length.
pub(crate) fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= DATA_SHOWN {
        return text;
    }
    let cut: String = text.chars().take(DATA_SHOWN).collect();
    format!("{cut}…")
}
