//! Templates: JSON values whose strings may hold placeholders that a
//! request fills in.
//!
//! A placeholder is `{{ROOT.STEP.STEP…}}`, with these roots:
//!
//! | placeholder | value |
//! |---|---|
//! | `{{data}}`, `{{data.user.name}}`, `{{data.items.0}}` | the request's data, or a member / element of it (a negative index counts from the end) |
//! | `{{name}}` | the request's name |
//! | `{{connectionId}}` | the id of the connection that sent it (a number) |
//! | `{{now}}` | the time, RFC 3339 in UTC with milliseconds (`2026-11-25T09:17:00.123Z`) |
//! | `{{nowMs}}` | the time, milliseconds since the Unix epoch (a number) |
//!
//! A string that is exactly one placeholder becomes that placeholder's JSON
//! value (a number stays a number, an object an object; a missing member
//! gives `null`). Anywhere else a placeholder is replaced by text: a string
//! as it is, any other value as compact JSON, a missing member as nothing.
//! Object keys are templates too (always text). Text that is not a
//! placeholder, `{{` included, is left as it is.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

/// A request as rules and templates see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct RequestInfo {
    /// The request name.
    pub name: String,
    /// The request data.
    #[serde(default)]
    #[ts(as = "crate::ts::JsonValue")]
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

/// The roots a placeholder may start with.
pub const ROOTS: [&str; 5] = ["data", "name", "connectionId", "now", "nowMs"];

/// Fills the placeholders of `template` from `req`.
pub fn render(template: &Value, req: &RequestInfo) -> Value {
    render_noting(template, req, &mut Vec::new())
}

/// [`render`], adding to `missing` each placeholder (as written, `{{…}}`)
/// that found nothing in `req`: a rule's `{{data.value}}` for a request
/// whose data is a bare number gave null without a word.
pub fn render_noting(template: &Value, req: &RequestInfo, missing: &mut Vec<String>) -> Value {
    match template {
        Value::String(s) => render_string(s, req, missing),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_noting(v, req, missing))
                .collect(),
        ),
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(render_text(k, req, missing), render_noting(v, req, missing));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// A string template: the raw value when the whole string is one
/// placeholder, text otherwise.
fn render_string(s: &str, req: &RequestInfo, missing: &mut Vec<String>) -> Value {
    if let Some(expr) = whole_placeholder(s)
        && let Ok(path) = parse_expr(expr)
    {
        return lookup(&path, req).unwrap_or_else(|| {
            missing.push(s.to_owned());
            Value::Null
        });
    }
    if s.contains("{{") {
        Value::String(render_text(s, req, missing))
    } else {
        Value::String(s.to_owned())
    }
}

/// `Some(inner)` when `s` is exactly one `{{…}}`.
fn whole_placeholder(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}")).then_some(inner)
}

/// Replaces every valid placeholder in `s` with its text.
fn render_text(s: &str, req: &RequestInfo, missing: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(s.len());
    for piece in pieces(s) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Placeholder { raw, expr } => match parse_expr(expr) {
                Ok(path) => match lookup(&path, req) {
                    Some(Value::String(v)) => out.push_str(&v),
                    Some(v) => out.push_str(&v.to_string()),
                    None => missing.push(raw.to_owned()),
                },
                Err(_) => out.push_str(raw),
            },
        }
    }
    out
}

/// What is wrong with the placeholders of `template`: `(field, message)`
/// pairs, the field relative to the template in the form `.key[2].other`
/// (empty for the template itself).
pub fn check(template: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    check_into(template, &mut String::new(), &mut out);
    out
}

fn check_into(value: &Value, field: &mut String, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => check_text(s, field, out),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = field.len();
                field.push_str(&format!("[{i}]"));
                check_into(item, field, out);
                field.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let len = field.len();
                field.push('.');
                field.push_str(k);
                check_text(k, field, out);
                check_into(v, field, out);
                field.truncate(len);
            }
        }
        _ => {}
    }
}

fn check_text(s: &str, field: &str, out: &mut Vec<(String, String)>) {
    for piece in pieces(s) {
        if let Piece::Placeholder { raw, expr } = piece
            && let Err(message) = parse_expr(expr)
        {
            out.push((field.to_owned(), format!("placeholder {raw}: {message}")));
        }
    }
}

/// A piece of a template's text: plain text, or a `{{…}}` placeholder.
pub(crate) enum Piece<'a> {
    Text(&'a str),
    Placeholder { raw: &'a str, expr: &'a str },
}

/// Cuts `s` into text and `{{…}}` placeholders.
pub(crate) fn pieces(s: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let end = start + 2 + len + 2;
        out.push(Piece::Placeholder {
            raw: &rest[start..end],
            expr: &rest[start + 2..end - 2],
        });
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// A parsed placeholder: its root and the steps below it.
struct Expr<'a> {
    root: &'a str,
    steps: Vec<&'a str>,
}

fn parse_expr(expr: &str) -> std::result::Result<Expr<'_>, String> {
    let expr = expr.trim();
    let mut parts = expr.split('.');
    let root = parts.next().unwrap_or_default();
    if !ROOTS.contains(&root) {
        return Err(format!(
            "unknown name {root:?}: use data, data.MEMBER…, name, connectionId, now or nowMs"
        ));
    }
    let steps: Vec<&str> = parts.collect();
    if steps.iter().any(|s| s.is_empty()) {
        return Err("an empty step: write steps as data.a.b or data.items.0".into());
    }
    if root != "data" && !steps.is_empty() {
        return Err(format!("{root} has no members: only data does"));
    }
    Ok(Expr { root, steps })
}

fn lookup(expr: &Expr<'_>, req: &RequestInfo) -> Option<Value> {
    match expr.root {
        "name" => Some(Value::String(req.name.clone())),
        "connectionId" => Some(Value::from(req.connection_id)),
        "now" => Some(Value::String(rfc3339_utc(req.now))),
        "nowMs" => Some(Value::from(req.now)),
        _ => {
            let mut cur = &req.data;
            for step in &expr.steps {
                cur = match cur {
                    Value::Object(map) => map.get(*step)?,
                    Value::Array(items) => {
                        let i: i64 = step.parse().ok()?;
                        let len = i64::try_from(items.len()).ok()?;
                        let idx = if i < 0 { len + i } else { i };
                        items.get(usize::try_from(idx).ok()?)?
                    }
                    _ => return None,
                };
            }
            Some(cur.clone())
        }
    }
}

/// Milliseconds since the Unix epoch as RFC 3339 in UTC, with milliseconds.
pub fn rfc3339_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(i64::MAX));
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) of the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(data: Value) -> RequestInfo {
        RequestInfo {
            name: "user.get".into(),
            data,
            connection_id: 7,
            now: 1_764_062_220_123,
        }
    }

    #[test]
    fn a_whole_placeholder_keeps_the_json_value() {
        let r = req(json!({"user": {"name": "Ana", "age": 41, "tags": ["a", "b"]}}));
        let t = json!({
            "name": "{{data.user.name}}",
            "age": "{{data.user.age}}",
            "user": "{{data.user}}",
            "last": "{{ data.user.tags.-1 }}",
            "conn": "{{connectionId}}",
            "missing": "{{data.nope}}",
            "request": "{{name}}",
        });
        assert_eq!(
            render(&t, &r),
            json!({
                "name": "Ana",
                "age": 41,
                "user": {"name": "Ana", "age": 41, "tags": ["a", "b"]},
                "last": "b",
                "conn": 7,
                "missing": null,
                "request": "user.get",
            })
        );
    }

    #[test]
    fn placeholders_inside_text_become_text() {
        let r = req(json!({"id": 5, "o": {"a": [1]}, "s": "x"}));
        let t = json!([
            "user {{data.id}} of {{name}}",
            "{{data.o}}!",
            "[{{data.missing}}]",
            "{{data.s}}{{data.s}}",
            {"key-{{data.id}}": "{{data.s}}"}
        ]);
        assert_eq!(
            render(&t, &r),
            json!([
                "user 5 of user.get",
                "{\"a\":[1]}!",
                "[]",
                "xx",
                {"key-5": "x"}
            ])
        );
    }

    #[test]
    fn other_text_is_left_alone() {
        let r = req(json!(1));
        for s in [
            "{{",
            "{{data",
            "a }} b",
            "{{unknown}}",
            "{{}}",
            "no placeholders",
        ] {
            assert_eq!(render(&json!(s), &r), json!(s), "{s}");
        }
        assert_eq!(render(&json!([1, true, null]), &r), json!([1, true, null]));
    }

    #[test]
    fn time_placeholders() {
        let r = req(Value::Null);
        assert_eq!(
            render(&json!("{{now}}"), &r),
            json!("2025-11-25T09:17:00.123Z")
        );
        assert_eq!(
            render(&json!("{{nowMs}}"), &r),
            json!(1_764_062_220_123_u64)
        );
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn check_names_the_field_of_a_bad_placeholder() {
        let t = json!({"a": ["ok {{data.x}}", "{{dta.x}}"], "{{now.x}}": 1, "b": "{{data..x}}"});
        let problems = check(&t);
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, [".a[1]", ".{{now.x}}", ".b"]);
        assert!(
            problems[0].1.contains("unknown name \"dta\""),
            "{}",
            problems[0].1
        );
        assert!(check(&json!({"x": "{{data}} {{name}} {{nowMs}}"})).is_empty());
    }
    /// A placeholder that finds nothing is named (it gave null without a
    /// word); one that finds a value is not.
    #[test]
    fn placeholders_that_find_nothing_are_named() {
        let req = RequestInfo {
            name: "level.setpoint".into(),
            data: json!(55),
            connection_id: 1,
            now: 0,
        };
        let mut missing = Vec::new();
        let out = render_noting(
            &json!({"setpoint": "{{data.value}}", "text": "at {{data.at}} from {{connectionId}}", "all": "{{data}}"}),
            &req,
            &mut missing,
        );
        assert_eq!(
            out,
            json!({"setpoint": null, "text": "at  from 1", "all": 55})
        );
        assert_eq!(missing, ["{{data.value}}", "{{data.at}}"]);
    }
}
