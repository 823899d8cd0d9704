//! Request rules: how the studio's server answers the requests of the
//! dashboards it serves.
//!
//! A [`RuleSet`] holds ordered [`Rule`]s; [`decide`] finds the first enabled
//! rule whose name matcher (exact, glob or regex) and optional data pattern
//! (a JSON subset) match a request, and says what to do: wait, perform
//! effects (set state, notify), and answer. No rule: [`Decision::NoRule`],
//! which the runtime answers with [`no_rule_reply`] and logs, so that the UI
//! can offer [`rule_from_request`]. All of it is pure: the runtime waits,
//! performs the effects and sends the reply.

mod data_match;
mod name_match;
mod set;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

pub use data_match::{data_matches, data_matches_with};
use name_match::NameMatcher;
pub use set::{RuleSet, decide, free_id, may_answer, rule_from_request, shadowed_by, test_rule};

use crate::error::{Error, Result};
use crate::template;
pub use crate::template::RequestInfo;

/// One request rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct Rule {
    /// Unique within the workspace; names the rule in logs and commands.
    pub id: String,
    /// A disabled rule is skipped. Default true.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Which requests the rule answers.
    #[serde(rename = "match")]
    pub matcher: RuleMatch,
    /// Milliseconds to wait before performing the action. Default 0.
    #[serde(default, deserialize_with = "delay_ms")]
    pub delay_ms: u32,
    /// What to do.
    pub action: Action,
}

fn yes() -> bool {
    true
}

/// A rule's delay, its errors in words: serde's own (`invalid value:
/// integer `99999999999999`, expected u32`) mean nothing to a user.
fn delay_ms<'de, D: serde::Deserializer<'de>>(de: D) -> std::result::Result<u32, D::Error> {
    const MAX: &str = "a delay is at most 4294967295 ms (about 49 days)";
    struct Delay;
    impl serde::de::Visitor<'_> for Delay {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number of milliseconds, from 0 to 4294967295 (about 49 days)")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<u32, E> {
            u32::try_from(v).map_err(|_| E::custom(format!("{v} ms is too long: {MAX}")))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<u32, E> {
            let v =
                u64::try_from(v).map_err(|_| E::custom(format!("{v} ms: a delay is 0 or more")))?;
            self.visit_u64(v)
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<u32, E> {
            if v.fract() == 0.0 && v > f64::from(u32::MAX) {
                Err(E::custom(format!("{v} ms is too long: {MAX}")))
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
            }
        }
    }
    de.deserialize_u64(Delay)
}

/// Which requests a rule answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct RuleMatch {
    /// The request name.
    pub name: NameMatch,
    /// A JSON subset the request data must contain (see [`data_matches`]);
    /// absent or `null`: any data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<crate::ts::JsonValue>", optional)]
    pub data: Option<Value>,
}

/// How a rule matches the request name; always the whole name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum NameMatch {
    /// Exactly this name.
    Exact(String),
    /// A glob: `*` any run of characters, `?` one character, `[abc]`,
    /// `[a-z]`, `[!a-z]`.
    Glob(String),
    /// A regular expression (Rust `regex` syntax), matched against the
    /// whole name.
    Regex(String),
}

/// What a rule does with a request it matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum Action {
    /// Answer with this value.
    Respond {
        /// The answer.
        #[ts(as = "crate::ts::JsonValue")]
        value: Value,
    },
    /// Answer with the request's data.
    Echo,
    /// Answer `success: false` with this value.
    Fail {
        /// The error value.
        #[ts(as = "crate::ts::JsonValue")]
        value: Value,
    },
    /// Answer with a template filled from the request (see [`template`]).
    Template {
        /// The template.
        #[ts(as = "crate::ts::JsonValue")]
        value: Value,
    },
    /// Set the state at a path, then answer.
    SetState {
        /// A state path (a string, an integer or a list of them); its
        /// strings are templates, so a step can come from the request.
        #[ts(as = "crate::ts::JsonValue")]
        path: Value,
        /// The value to set: a template.
        #[ts(as = "crate::ts::JsonValue")]
        value: Value,
        /// The answer: a template. Default `null`.
        #[serde(default)]
        #[ts(as = "crate::ts::JsonValue")]
        respond: Value,
    },
    /// Send a notification, then answer.
    Notify {
        /// The notification's name.
        name: String,
        /// The notification's data: a template. Default `null`.
        #[serde(default)]
        #[ts(as = "crate::ts::JsonValue")]
        data: Value,
        /// Who gets it. Default the sender.
        #[serde(default)]
        target: NotifyTarget,
        /// The answer: a template. Default `null`.
        #[serde(default)]
        #[ts(as = "crate::ts::JsonValue")]
        respond: Value,
    },
    /// Answer with these values in turn, one per request, starting over
    /// after the last.
    Cycle {
        /// The answers; at least one.
        #[ts(as = "Vec<crate::ts::JsonValue>")]
        values: Vec<Value>,
    },
}

/// Who gets a rule's notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum NotifyTarget {
    /// The connection that sent the request.
    #[default]
    Sender,
    /// Every connection.
    All,
}

/// The outcome of a request as the runtime sends it: the fields of a
/// juggler `response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct Reply {
    /// `true` for an answer, `false` for an error.
    pub success: bool,
    /// The answer, or the error value.
    #[ts(as = "crate::ts::JsonValue")]
    pub data: Value,
}

impl Reply {
    /// A successful answer.
    pub fn ok(data: Value) -> Self {
        Reply {
            success: true,
            data,
        }
    }

    /// An error answer.
    pub fn err(data: Value) -> Self {
        Reply {
            success: false,
            data,
        }
    }

    /// `Ok(data)` or `Err(data)`, as a juggler request handler returns it.
    pub fn into_result(self) -> std::result::Result<Value, Value> {
        if self.success {
            Ok(self.data)
        } else {
            Err(self.data)
        }
    }
}

/// The reply to a request that no rule matched: `success: false` with
/// `"no rule for NAME"`.
pub fn no_rule_reply(name: &str) -> Reply {
    Reply::err(Value::String(format!("no rule for {name}")))
}

/// Something the runtime does for a rule before it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export_to = crate::ts::DIR)]
pub enum Effect {
    /// Set the state at `path` (of the sender's state when state is not
    /// shared).
    SetState {
        /// Where.
        #[ts(type = "Array<string | number>")]
        path: juggler::Path,
        /// What.
        #[ts(as = "crate::ts::JsonValue")]
        value: Value,
    },
    /// Send a notification.
    Notify {
        /// Its name.
        name: String,
        /// Its data.
        #[ts(as = "crate::ts::JsonValue")]
        data: Value,
        /// To whom.
        target: NotifyTarget,
    },
}

/// What a matching rule says to do: wait `delay_ms`, perform `effects` in
/// order, then send `reply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct Answer {
    /// The rule that matched.
    pub rule_id: String,
    /// Milliseconds to wait first.
    pub delay_ms: u32,
    /// What to do before answering.
    pub effects: Vec<Effect>,
    /// The answer.
    pub reply: Reply,
    /// Placeholders of the rule (as written, `{{data.value}}`) that found
    /// nothing in this request: each gave null, or no text.
    #[serde(default)]
    pub missing: Vec<String>,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum Decision {
    /// No enabled rule matches: answer with [`no_rule_reply`] and log it.
    NoRule,
    /// A rule matched.
    Answer(Answer),
}

/// How one rule fares against a sample request ("test this rule").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct RuleTest {
    /// Whether the rule would answer the request: enabled, and both the
    /// name and the data match.
    pub matches: bool,
    /// Whether the rule is enabled.
    pub enabled: bool,
    /// Whether the name matches.
    pub name_matches: bool,
    /// Whether the data matches (true when the rule has no data pattern).
    pub data_matches: bool,
    /// What the rule would do when name and data match (even if it is
    /// disabled); a cycle shows its first answer.
    pub answer: Option<Answer>,
    /// An enabled rule before this one in the workspace's list that
    /// answers the same request first, so this one never does (it said
    /// "matches" all the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub shadowed_by: Option<String>,
}

impl Rule {
    /// What is wrong with this rule: `(field, message)` pairs, the field
    /// relative to the rule (`match.name.regex`, `action.template.value.x`).
    pub fn check(&self) -> Vec<(String, String)> {
        self.checked().1
    }

    /// The compiled name matcher, if it compiles, and the problems.
    fn checked(&self) -> (Option<NameMatcher>, Vec<(String, String)>) {
        let mut out = Vec::new();
        if self.id.trim().is_empty() {
            out.push(("id".into(), "the id is empty: give the rule a name".into()));
        }
        let matcher = match NameMatcher::compile(&self.matcher.name) {
            Ok(m) => Some(m),
            Err(message) => {
                let variant = match &self.matcher.name {
                    NameMatch::Exact(_) => "exact",
                    NameMatch::Glob(_) => "glob",
                    NameMatch::Regex(_) => "regex",
                };
                out.push((format!("match.name.{variant}"), message));
                None
            }
        };
        let mut templates = |field: &str, value: &Value| {
            for (sub, message) in template::check(value) {
                out.push((format!("action.{field}{sub}"), message));
            }
        };
        match &self.action {
            Action::Respond { .. } | Action::Echo | Action::Fail { .. } => {}
            Action::Template { value } => templates("template.value", value),
            Action::SetState {
                path,
                value,
                respond,
            } => {
                templates("setState.path", path);
                templates("setState.value", value);
                templates("setState.respond", respond);
                if let Err(e) = juggler::Path::from_json(path) {
                    out.push((
                        "action.setState.path".into(),
                        format!(
                            "not a state path ({e}): write a string, an integer or a list of \
                             them, as [\"users\", 0, \"name\"]"
                        ),
                    ));
                }
            }
            Action::Notify { data, respond, .. } => {
                templates("notify.data", data);
                templates("notify.respond", respond);
            }
            Action::Cycle { values } => {
                if values.is_empty() {
                    out.push((
                        "action.cycle.values".into(),
                        "no values to cycle through: give at least one".into(),
                    ));
                }
            }
        }
        (matcher, out)
    }

    /// The compiled name matcher, or the rule's first problem.
    fn compile(&self) -> Result<NameMatcher> {
        match self.checked() {
            (Some(matcher), problems) if problems.is_empty() => Ok(matcher),
            (_, problems) => {
                let (field, message) = problems.into_iter().next().unwrap_or_default();
                Err(Error::Rule {
                    id: self.id.clone(),
                    field,
                    message,
                })
            }
        }
    }

    fn data_matches(&self, data: &Value) -> bool {
        self.data_matches_with(data, &|_, _| None)
    }

    fn data_matches_with(
        &self,
        data: &Value,
        hole: &dyn Fn(&Value, &Value) -> Option<bool>,
    ) -> bool {
        self.matcher
            .data
            .as_ref()
            .is_none_or(|pattern| data_matches_with(pattern, data, hole))
    }

    /// What this rule does with `req`; `turn` picks a cycle's answer.
    fn answer(&self, req: &RequestInfo, turn: usize) -> Answer {
        let mut effects = Vec::new();
        let mut missing = Vec::new();
        let reply = match &self.action {
            Action::Respond { value } => Reply::ok(value.clone()),
            Action::Echo => Reply::ok(req.data.clone()),
            Action::Fail { value } => Reply::err(value.clone()),
            Action::Template { value } => {
                Reply::ok(template::render_noting(value, req, &mut missing))
            }
            Action::SetState {
                path,
                value,
                respond,
            } => {
                let rendered = template::render_noting(path, req, &mut missing);
                match juggler::Path::from_json(&rendered) {
                    Ok(path) => {
                        effects.push(Effect::SetState {
                            path,
                            value: template::render_noting(value, req, &mut missing),
                        });
                        Reply::ok(template::render_noting(respond, req, &mut missing))
                    }
                    Err(e) => Reply::err(Value::String(format!(
                        "rule {}: the path {rendered} is not a state path: {e}",
                        self.id
                    ))),
                }
            }
            Action::Notify {
                name,
                data,
                target,
                respond,
            } => {
                effects.push(Effect::Notify {
                    name: name.clone(),
                    data: template::render_noting(data, req, &mut missing),
                    target: *target,
                });
                Reply::ok(template::render_noting(respond, req, &mut missing))
            }
            Action::Cycle { values } => Reply::ok(
                values
                    .get(turn % values.len().max(1))
                    .cloned()
                    .unwrap_or_default(),
            ),
        };
        missing.dedup();
        Answer {
            rule_id: self.id.clone(),
            delay_ms: self.delay_ms,
            effects,
            reply,
            missing,
        }
    }
}

#[cfg(test)]
mod tests;
