//! The rules in force: their order, their state (a `cycle`'s turn), the
//! decision for a request, a dry run of one rule, and a rule made from a
//! request seen.

use std::collections::HashMap;

use serde_json::Value;

use super::*;
use crate::error::{Error, Result};

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
        let id = free_id(&self.rules, &rule.id);
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

/// `id` when no rule of `rules` has it, else `id` with `-2`, `-3`… (`rule`
/// when `id` is empty).
pub fn free_id(rules: &[Rule], id: &str) -> String {
    let base = if id.trim().is_empty() { "rule" } else { id };
    let mut free = base.to_owned();
    let mut n = 1;
    while rules.iter().any(|r| r.id == free) {
        n += 1;
        free = format!("{base}-{n}");
    }
    free
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
        shadowed_by: None,
    })
}

/// Whether `rule` is enabled and answers a request named `name` whose data
/// is `data`, some pieces of which may not be known yet: `hole` says
/// whether those may match (see [`data_matches_with`]).
pub fn may_answer(
    rule: &Rule,
    name: &str,
    data: &Value,
    hole: &dyn Fn(&Value, &Value) -> Option<bool>,
) -> Result<bool> {
    let matcher = rule.compile()?;
    Ok(rule.enabled && matcher.matches(name) && rule.data_matches_with(data, hole))
}

/// The first enabled rule of `rules` before `rule` (all of them when it is
/// not in the list: a new rule goes at the end) that answers `sample`.
pub fn shadowed_by(rules: &[Rule], rule: &Rule, sample: &RequestInfo) -> Option<String> {
    let before = rules
        .iter()
        .position(|r| r.id == rule.id)
        .unwrap_or(rules.len());
    rules[..before]
        .iter()
        .filter(|r| r.enabled)
        .find(|r| {
            r.compile().is_ok_and(|m| m.matches(&sample.name)) && r.data_matches(&sample.data)
        })
        .map(|r| r.id.clone())
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
