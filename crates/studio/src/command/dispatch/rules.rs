//! `rules.*`: request rules.

use super::{Reply, answer, done};
use crate::command::list::RulesCommand;
use crate::engine::Engine;

/// Runs a `rules.*` command.
pub(crate) async fn run(engine: &Engine, command: RulesCommand) -> Reply {
    match command {
        RulesCommand::RulesSet(a) => done(match a.rules_text {
            Some(text) => engine.set_rules_text(&text),
            None => engine.set_rules(a.rules),
        }),
        RulesCommand::RulesText(()) => answer(engine.rules_text()),
        RulesCommand::RulesTest(a) => answer(engine.test_rule(a.rule, a.sample)),
        RulesCommand::RulesFromRequest(a) => {
            answer(Ok(crate::rules::rule_from_request(&a.name, &a.data)))
        }
    }
}
