//! The requests of a dashboard's widgets that no enabled rule answers, as
//! the engine's rules would judge them (`check`'s warnings and the
//! Builder's "no rule" mark), and the rule "Add a rule" offers for each.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::dashboard::widget::SendRequest;
use crate::dashboard::{BoundPath, Dashboard, PathKey, Widget, WidgetKind};
use crate::rules::Rule;
use crate::template::{Piece, pieces};

/// A widget's request that no enabled rule answers, as it will be sent
/// (its placeholders judged as `check`'s warnings judge them), with a rule
/// that would answer it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct UnansweredRequest {
    /// The widget's id.
    pub widget: String,
    /// Where to look: `widgets[2].send.name`, or `….send.data` when a
    /// rule takes the name but not this data.
    pub field: String,
    /// The request's name.
    pub name: String,
    /// Its data as the widget's template, placeholders and all.
    #[ts(as = "crate::ts::JsonValue")]
    pub data: Value,
    /// Whether some enabled rule takes the name (not this data).
    pub by_name: bool,
    /// What the page gets, and what to do.
    pub message: String,
    /// A rule answering exactly this request name, named after the widget
    /// (an id no rule of `rules` has): a toggle's or a setpoint's sets its
    /// path to the value sent and answers `null`; any other answers `null`.
    pub rule: Rule,
    /// What `rule` does, in words.
    pub rule_does: String,
}

/// The requests of `widgets` (each with its index in the dashboard) that
/// no enabled rule of `rules` answers; `workspace` names the rules' file
/// in the messages, `unanswered` is its setting; `is_array` says whether
/// the state has an array at some steps (a rule then sets an element
/// where a widget's pointer has a token of digits).
pub fn unanswered_requests<'a>(
    widgets: impl IntoIterator<Item = (usize, &'a Widget)>,
    rules: &[Rule],
    workspace: &str,
    unanswered: Option<crate::workspace::Unanswered>,
    is_array: &dyn Fn(&[PathKey]) -> bool,
) -> Vec<UnansweredRequest> {
    let mut out = Vec::new();
    for Sent {
        field,
        widget,
        send: s,
        default_data,
        value,
    } in widgets.into_iter().filter_map(|(i, w)| sent(i, w))
    {
        let data = s.data.as_ref().unwrap_or(&default_data);
        let filled = hole(value);
        let answers = |hole: &dyn Fn(&Value, &Value) -> Option<bool>| {
            rules
                .iter()
                .any(|r| crate::rules::may_answer(r, &s.name, data, hole).unwrap_or(false))
        };
        if answers(&filled) {
            continue;
        }
        // Some rule takes the name but not this data: the data is what to
        // look at.
        let by_name = answers(&|_, _| Some(true));
        let at = if by_name && s.data.is_some() {
            "data"
        } else {
            "name"
        };
        let placeholders = if has_placeholders(data) {
            " (its placeholders filled in by the page)"
        } else {
            ""
        };
        let message = format!(
            "no enabled rule of {workspace} answers the request {:?} with data {data}{placeholders}: \
             served by the studio, the page gets {}; {}",
            s.name,
            match unanswered {
                Some(crate::workspace::Unanswered::Null) => "null (\"unanswered\": \"null\")",
                _ => "an error (no rule for it)",
            },
            if by_name {
                "widen a rule's match.data, add a rule for this data, or check the data"
            } else {
                "add a rule, or check the name"
            }
        );
        let (rule, rule_does) = rule_for(widget, s, data, rules, is_array);
        out.push(UnansweredRequest {
            widget: widget.id.clone(),
            field: format!("{field}.send.{at}"),
            name: s.name.clone(),
            data: data.clone(),
            by_name,
            message,
            rule,
            rule_does,
        });
    }
    out
}

/// The rule "Add a rule" adds for `widget` sending `send` with `data`, and
/// what it does in words.
fn rule_for(
    widget: &Widget,
    send: &SendRequest,
    data: &Value,
    rules: &[Rule],
    is_array: &dyn Fn(&[PathKey]) -> bool,
) -> (Rule, String) {
    let path = match &widget.kind {
        WidgetKind::Toggle(t) => Some(&t.path),
        WidgetKind::Setpoint(s) => Some(&s.path),
        _ => None,
    };
    let mut rule = crate::rules::rule_from_request(&send.name, &Value::Null);
    rule.id = crate::rules::free_id(rules, &widget.id);
    let Some(path) = path else {
        return (rule, "answers null".into());
    };
    let steps = match path.steps() {
        Ok(steps) => steps,
        Err(e) => return (rule, format!("answers null: its path is no path ({e})")),
    };
    // A pointer's "0" is an element where the state has an array (as the
    // page reads it): set as a key, it would make the array an object.
    let pointer = matches!(path, BoundPath::Pointer(_));
    let mut resolved = Vec::with_capacity(steps.len());
    for step in steps {
        let step = match step {
            PathKey::Key(k) if pointer && is_array(&resolved) => {
                match crate::dashboard::path::index_token(&k) {
                    Some(i) => PathKey::Index(i as u64),
                    None => PathKey::Key(k),
                }
            }
            step => step,
        };
        resolved.push(step);
    }
    let Some(value) = value_template(data) else {
        return (
            rule,
            format!(
                "answers null; it cannot set {path}, the request's data not carrying {{{{value}}}} \
                 as a whole value: edit its setState in the Requests pane"
            ),
        );
    };
    rule.action = crate::rules::Action::SetState {
        path: Value::Array(
            resolved
                .into_iter()
                .map(|s| match s {
                    PathKey::Key(k) => Value::String(k),
                    PathKey::Index(i) => Value::from(i),
                })
                .collect(),
        ),
        value,
        respond: Value::Null,
    };
    (
        rule,
        format!("sets {path} to the value sent, then answers null"),
    )
}

/// The template of a rule taking `{{value}}` back from the request whose
/// data is `data` (a widget's template): `"{{data}}"`, `"{{data.on}}"`…;
/// `None` when the data carries it only inside text, or not at all.
fn value_template(data: &Value) -> Option<Value> {
    fn steps(t: &Value) -> Option<Vec<String>> {
        match t {
            Value::String(text) => (whole_placeholder(text)?.trim() == "value").then(Vec::new),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
                let mut s = steps(v)?;
                s.insert(0, i.to_string());
                Some(s)
            }),
            // A key with a dot, or a placeholder of its own, has no step
            // to name it.
            Value::Object(map) => map.iter().find_map(|(k, v)| {
                if k.contains('.') || has_placeholders(&Value::String(k.clone())) {
                    return None;
                }
                let mut s = steps(v)?;
                s.insert(0, k.clone());
                Some(s)
            }),
            _ => None,
        }
    }
    let expr = std::iter::once("data".to_owned())
        .chain(steps(data)?)
        .collect::<Vec<_>>()
        .join(".");
    let template = Value::String(format!("{{{{{expr}}}}}"));
    crate::template::check(&template)
        .is_empty()
        .then_some(template)
}

/// The expression of `text` when it is exactly one placeholder.
fn whole_placeholder(text: &str) -> Option<&str> {
    match pieces(text).as_slice() {
        [Piece::Placeholder { raw, expr }] if raw.len() == text.len() => Some(expr),
        _ => None,
    }
}

/// What `{{value}}` stands for in a widget's request.
#[derive(Debug, Clone, Copy)]
enum ValueKind {
    /// A toggle's new state.
    Bool,
    /// A setpoint's new number.
    Number,
    /// A button's bound value, or a row: anything.
    Any,
}

/// Judges the pieces of a request template the page fills in when it
/// sends (see `runtime/template.js`) for [`crate::rules::data_matches_with`]:
/// whether what they become may match a rule's pattern.
fn hole(value: ValueKind) -> impl Fn(&Value, &Value) -> Option<bool> {
    move |pattern, sent| match sent {
        // The whole string is one placeholder: it becomes a value.
        Value::String(text) if let Some(expr) = whole_placeholder(text) => {
            let mut steps = expr.trim().split('.');
            let root = steps.next().unwrap_or_default();
            let whole = steps.next().is_none();
            Some(match (root, whole, value) {
                ("value", true, ValueKind::Bool) => pattern.is_boolean(),
                ("value", true, ValueKind::Number) => pattern.is_number(),
                ("now", _, _) => pattern.is_string(),
                ("nowMs", _, _) => pattern.is_number(),
                _ => true,
            })
        }
        Value::String(_) if has_placeholders(sent) => Some(pattern.is_string()),
        // Keys are text templates: which members there will be is known
        // only when sent.
        Value::Object(map)
            if map
                .keys()
                .any(|k| has_placeholders(&Value::String(k.clone()))) =>
        {
            Some(pattern.is_object())
        }
        _ => None,
    }
}

fn has_placeholders(template: &Value) -> bool {
    match template {
        Value::String(s) => pieces(s)
            .iter()
            .any(|p| matches!(p, Piece::Placeholder { .. })),
        Value::Array(items) => items.iter().any(has_placeholders),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| has_placeholders(&Value::String(k.clone())) || has_placeholders(v)),
        _ => false,
    }
}

/// A request a widget sends.
pub(super) struct Sent<'a> {
    /// The field it is under.
    pub(super) field: String,
    /// The widget that sends it.
    widget: &'a Widget,
    pub(super) send: &'a SendRequest,
    /// The data it sends when `send.data` is absent.
    default_data: Value,
    /// What `{{value}}` is.
    value: ValueKind,
}

/// Every request a widget sends.
pub(super) fn requests(d: &Dashboard) -> Vec<Sent<'_>> {
    d.widgets
        .iter()
        .enumerate()
        .filter_map(|(i, w)| sent(i, w))
        .collect()
}

/// The request `w`, `widgets[i]`, sends, if it sends one.
fn sent(i: usize, w: &Widget) -> Option<Sent<'_>> {
    let value = || Value::String("{{value}}".into());
    let field = format!("widgets[{i}]");
    let (field, send, default_data, value) = match &w.kind {
        WidgetKind::Button(b) => (field, &b.send, Value::Null, ValueKind::Any),
        WidgetKind::Toggle(t) => (field, &t.send, value(), ValueKind::Bool),
        WidgetKind::Setpoint(s) => (field, &s.send, value(), ValueKind::Number),
        WidgetKind::Table(t) => {
            let a = t.row_action.as_ref()?;
            (
                format!("{field}.rowAction"),
                &a.send,
                Value::String("{{row}}".into()),
                ValueKind::Any,
            )
        }
        _ => return None,
    };
    Some(Sent {
        field,
        widget: w,
        send,
        default_data,
        value,
    })
}
