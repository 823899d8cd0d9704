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

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

pub use data_match::data_matches;
use name_match::NameMatcher;

use crate::error::{Error, Result};
use crate::template;

/// One request rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::bindings::DIR)]
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
    #[serde(default)]
    pub delay_ms: u32,
    /// What to do.
    pub action: Action,
}

fn yes() -> bool {
    true
}

/// Which requests a rule answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::bindings::DIR)]
pub struct RuleMatch {
    /// The request name.
    pub name: NameMatch,
    /// A JSON subset the request data must contain (see [`data_matches`]);
    /// absent or `null`: any data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<crate::bindings::JsonValue>", optional)]
    pub data: Option<Value>,
}

/// How a rule matches the request name; always the whole name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::bindings::DIR)]
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
#[ts(export_to = crate::bindings::DIR)]
pub enum Action {
    /// Answer with this value.
    Respond {
        /// The answer.
        #[ts(as = "crate::bindings::JsonValue")]
        value: Value,
    },
    /// Answer with the request's data.
    Echo,
    /// Answer `success: false` with this value.
    Fail {
        /// The error value.
        #[ts(as = "crate::bindings::JsonValue")]
        value: Value,
    },
    /// Answer with a template filled from the request (see [`template`]).
    Template {
        /// The template.
        #[ts(as = "crate::bindings::JsonValue")]
        value: Value,
    },
    /// Set the state at a path, then answer.
    SetState {
        /// A state path (a string, an integer or a list of them); its
        /// strings are templates, so a step can come from the request.
        #[ts(as = "crate::bindings::JsonValue")]
        path: Value,
        /// The value to set: a template.
        #[ts(as = "crate::bindings::JsonValue")]
        value: Value,
        /// The answer: a template. Default `null`.
        #[serde(default)]
        #[ts(as = "crate::bindings::JsonValue")]
        respond: Value,
    },
    /// Send a notification, then answer.
    Notify {
        /// The notification's name.
        name: String,
        /// The notification's data: a template. Default `null`.
        #[serde(default)]
        #[ts(as = "crate::bindings::JsonValue")]
        data: Value,
        /// Who gets it. Default the sender.
        #[serde(default)]
        target: NotifyTarget,
        /// The answer: a template. Default `null`.
        #[serde(default)]
        #[ts(as = "crate::bindings::JsonValue")]
        respond: Value,
    },
    /// Answer with these values in turn, one per request, starting over
    /// after the last.
    Cycle {
        /// The answers; at least one.
        #[ts(as = "Vec<crate::bindings::JsonValue>")]
        values: Vec<Value>,
    },
}

/// Who gets a rule's notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::bindings::DIR)]
pub enum NotifyTarget {
    /// The connection that sent the request.
    #[default]
    Sender,
    /// Every connection.
    All,
}

/// A request as rules and templates see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::bindings::DIR)]
pub struct RequestInfo {
    /// The request name.
    pub name: String,
    /// The request data.
    #[serde(default)]
    #[ts(as = "crate::bindings::JsonValue")]
    pub data: Value,
    /// The connection that sent it. Default 0.
    #[serde(default)]
    #[ts(as = "Option<f64>", optional)]
    pub connection_id: u64,
    /// When it arrived: milliseconds since the Unix epoch. Default 0.
    #[serde(default)]
    #[ts(as = "Option<f64>", optional)]
    pub now: u64,
}

/// The outcome of a request as the runtime sends it: the fields of a
/// juggler `response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::bindings::DIR)]
pub struct Reply {
    /// `true` for an answer, `false` for an error.
    pub success: bool,
    /// The answer, or the error value.
    #[ts(as = "crate::bindings::JsonValue")]
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
#[ts(export_to = crate::bindings::DIR)]
pub enum Effect {
    /// Set the state at `path` (of the sender's state when state is not
    /// shared).
    SetState {
        /// Where.
        #[ts(type = "Array<string | number>")]
        path: juggler::Path,
        /// What.
        #[ts(as = "crate::bindings::JsonValue")]
        value: Value,
    },
    /// Send a notification.
    Notify {
        /// Its name.
        name: String,
        /// Its data.
        #[ts(as = "crate::bindings::JsonValue")]
        data: Value,
        /// To whom.
        target: NotifyTarget,
    },
}

/// What a matching rule says to do: wait `delay_ms`, perform `effects` in
/// order, then send `reply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::bindings::DIR)]
pub struct Answer {
    /// The rule that matched.
    pub rule_id: String,
    /// Milliseconds to wait first.
    pub delay_ms: u32,
    /// What to do before answering.
    pub effects: Vec<Effect>,
    /// The answer.
    pub reply: Reply,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export_to = crate::bindings::DIR)]
pub enum Decision {
    /// No enabled rule matches: answer with [`no_rule_reply`] and log it.
    NoRule,
    /// A rule matched.
    Answer(Answer),
}

/// How one rule fares against a sample request ("test this rule").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::bindings::DIR)]
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
        self.matcher
            .data
            .as_ref()
            .is_none_or(|pattern| data_matches(pattern, data))
    }

    /// What this rule does with `req`; `turn` picks a cycle's answer.
    fn answer(&self, req: &RequestInfo, turn: usize) -> Answer {
        let mut effects = Vec::new();
        let reply = match &self.action {
            Action::Respond { value } => Reply::ok(value.clone()),
            Action::Echo => Reply::ok(req.data.clone()),
            Action::Fail { value } => Reply::err(value.clone()),
            Action::Template { value } => Reply::ok(template::render(value, req)),
            Action::SetState {
                path,
                value,
                respond,
            } => {
                let rendered = template::render(path, req);
                match juggler::Path::from_json(&rendered) {
                    Ok(path) => {
                        effects.push(Effect::SetState {
                            path,
                            value: template::render(value, req),
                        });
                        Reply::ok(template::render(respond, req))
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
                    data: template::render(data, req),
                    target: *target,
                });
                Reply::ok(template::render(respond, req))
            }
            Action::Cycle { values } => Reply::ok(
                values
                    .get(turn % values.len().max(1))
                    .cloned()
                    .unwrap_or_default(),
            ),
        };
        Answer {
            rule_id: self.id.clone(),
            delay_ms: self.delay_ms,
            effects,
            reply,
        }
    }
}

/// Ordered rules, their compiled matchers and the cycle counters.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    matchers: Vec<NameMatcher>,
    /// Requests answered so far by each cycle rule, by rule id.
    turns: HashMap<String, usize>,
}

impl RuleSet {
    /// A set of `rules`, in order; fails on the first rule that cannot be
    /// used or on a repeated id.
    pub fn new(rules: Vec<Rule>) -> Result<Self> {
        let mut set = RuleSet::default();
        set.set_rules(rules)?;
        Ok(set)
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    fn position(&self, id: &str) -> Result<usize> {
        self.rules
            .iter()
            .position(|r| r.id == id)
            .ok_or_else(|| Error::Invalid(format!("no rule with id {id:?}")))
    }

    /// Replaces every rule, all or nothing. A cycle rule that is still
    /// there, unchanged, keeps its place in the cycle.
    pub fn set_rules(&mut self, rules: Vec<Rule>) -> Result<()> {
        let mut matchers = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            if rules[..i].iter().any(|r| r.id == rule.id) {
                return Err(duplicate(&rule.id));
            }
            matchers.push(rule.compile()?);
        }
        let old = std::mem::take(&mut self.rules);
        self.turns
            .retain(|id, _| rules.iter().any(|r| &r.id == id && old.contains(r)));
        self.rules = rules;
        self.matchers = matchers;
        Ok(())
    }

    /// Replaces the rule with the same id where it stands, or appends it.
    pub fn upsert(&mut self, rule: Rule) -> Result<()> {
        let matcher = rule.compile()?;
        match self.rules.iter().position(|r| r.id == rule.id) {
            Some(i) => {
                if self.rules[i] != rule {
                    self.turns.remove(&rule.id);
                }
                self.rules[i] = rule;
                self.matchers[i] = matcher;
            }
            None => {
                self.rules.push(rule);
                self.matchers.push(matcher);
            }
        }
        Ok(())
    }

    /// Appends `rule`, first giving it an id no other rule has (its own id,
    /// else that id with `-2`, `-3`…; `rule` when empty). Returns the id.
    pub fn add(&mut self, mut rule: Rule) -> Result<String> {
        let base = if rule.id.trim().is_empty() {
            "rule".to_owned()
        } else {
            rule.id.clone()
        };
        let mut id = base.clone();
        let mut n = 1;
        while self.get(&id).is_some() {
            n += 1;
            id = format!("{base}-{n}");
        }
        rule.id = id.clone();
        let matcher = rule.compile()?;
        self.rules.push(rule);
        self.matchers.push(matcher);
        Ok(id)
    }

    /// Removes the rule with this id.
    pub fn remove(&mut self, id: &str) -> Option<Rule> {
        let i = self.position(id).ok()?;
        self.matchers.remove(i);
        self.turns.remove(id);
        Some(self.rules.remove(i))
    }

    /// Moves the rule with this id to position `index` (clamped to the end).
    pub fn move_to(&mut self, id: &str, index: usize) -> Result<()> {
        let from = self.position(id)?;
        let rule = self.rules.remove(from);
        let matcher = self.matchers.remove(from);
        let to = index.min(self.rules.len());
        self.rules.insert(to, rule);
        self.matchers.insert(to, matcher);
        Ok(())
    }

    /// Enables or disables the rule with this id.
    pub fn set_enabled(&mut self, id: &str, enabled: bool) -> Result<()> {
        let i = self.position(id)?;
        self.rules[i].enabled = enabled;
        Ok(())
    }

    /// Starts every cycle over.
    pub fn reset_cycles(&mut self) {
        self.turns.clear();
    }

    /// The first enabled rule that matches `req`.
    fn find(&self, req: &RequestInfo) -> Option<&Rule> {
        self.rules
            .iter()
            .zip(&self.matchers)
            .find(|(rule, m)| rule.enabled && m.matches(&req.name) && rule.data_matches(&req.data))
            .map(|(rule, _)| rule)
    }

    /// What [`decide`] would do with `req`, without moving any cycle on.
    pub fn preview(&self, req: &RequestInfo) -> Decision {
        match self.find(req) {
            None => Decision::NoRule,
            Some(rule) => {
                let turn = self.turns.get(&rule.id).copied().unwrap_or(0);
                Decision::Answer(rule.answer(req, turn))
            }
        }
    }
}

fn duplicate(id: &str) -> Error {
    Error::Rule {
        id: id.to_owned(),
        field: "id".into(),
        message: "another rule has this id: give each rule its own".into(),
    }
}

/// What to do with `req`: the first enabled rule that matches, in order,
/// answers; a cycle rule moves on to its next answer.
pub fn decide(rules: &mut RuleSet, req: &RequestInfo) -> Decision {
    let decision = rules.preview(req);
    if let Decision::Answer(answer) = &decision
        && let Some(Rule {
            action: Action::Cycle { .. },
            ..
        }) = rules.get(&answer.rule_id)
    {
        *rules.turns.entry(answer.rule_id.clone()).or_default() += 1;
    }
    decision
}

/// How `rule` fares against `sample`, with no effect on anything.
pub fn test_rule(rule: &Rule, sample: &RequestInfo) -> Result<RuleTest> {
    let matcher = rule.compile()?;
    let name_matches = matcher.matches(&sample.name);
    let data_matches = rule.data_matches(&sample.data);
    Ok(RuleTest {
        matches: rule.enabled && name_matches && data_matches,
        enabled: rule.enabled,
        name_matches,
        data_matches,
        answer: (name_matches && data_matches).then(|| rule.answer(sample, 0)),
    })
}

/// A rule that answers this request ("make a rule from this"): it matches
/// the exact name and, when the data is not `null`, data containing this
/// data; it answers `null`. Its id is made from the name (add it with
/// [`RuleSet::add`] to make the id unique).
pub fn rule_from_request(name: &str, data: &Value) -> Rule {
    let id: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    Rule {
        id: if id.is_empty() { "rule".into() } else { id },
        enabled: true,
        matcher: RuleMatch {
            name: NameMatch::Exact(name.to_owned()),
            data: (!data.is_null()).then(|| data.clone()),
        },
        delay_ms: 0,
        action: Action::Respond { value: Value::Null },
    }
}

#[cfg(test)]
mod tests;
