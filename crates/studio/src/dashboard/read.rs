//! Reading a dashboard: the text as JSON, then its members, then each
//! widget by its `type`, then what must hold between them. Every problem
//! names its field (`widgets[2].thresholds[0].color`) and, from a text, its
//! line and column.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::widget::{self, COMMON_FIELDS, Common, KINDS, Widget, WidgetKind};
use super::{Dashboard, Grid, VERSION, validate};
use crate::error::Problem;
use crate::workspace::positions::Positions;
use crate::workspace::validate::problem_of_serde;

/// How deep a dashboard file may nest: far more than any widget needs
/// (a lamp's value or a request template holds JSON), and little enough
/// that reading it needs no special stack.
const MAX_DEPTH: usize = 64;

/// The members of a dashboard other than its widgets.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Head {
    #[serde(rename = "$schema", default)]
    schema: Option<String>,
    version: u32,
    title: String,
    #[serde(default)]
    grid: Option<Grid>,
}

/// A dashboard from its text; its problems with their lines and columns.
pub(super) fn parse(text: &str) -> Result<Dashboard, Vec<Problem>> {
    let at_start = |message: String| Problem {
        line: Some(1),
        column: Some(1),
        field: String::new(),
        message,
    };
    if text.trim().is_empty() {
        return Err(vec![at_start(
            "the file is empty: a dashboard is a JSON object, as { \"version\": 1, \"title\": \
             \"…\", \"widgets\": [] }"
                .into(),
        )]);
    }
    if juggler::json::check_depth(text, MAX_DEPTH).is_err() {
        return Err(vec![at_start(format!(
            "the JSON nests deeper than {MAX_DEPTH} levels: no dashboard needs that many"
        ))]);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de)
        .and_then(|v: Value| de.end().map(|()| v).map_err(wrap_end))
        .map_err(|e| {
            let mut problem = problem_of_serde(text, e);
            // Broken JSON has no field yet (serde_path_to_error says `?`).
            if problem.field == "?" {
                problem.field.clear();
            }
            vec![problem]
        })?;
    from_value(value).map_err(|mut problems| {
        Positions::locate(text, &mut problems);
        problems
    })
}

/// Trailing text after the JSON value, as the error type of the rest.
fn wrap_end(e: serde_json::Error) -> serde_path_to_error::Error<serde_json::Error> {
    serde_path_to_error::Error::new(serde_path_to_error::Track::new().path(), e)
}

/// A dashboard from a JSON value: every problem, without positions.
pub(super) fn from_value(value: Value) -> Result<Dashboard, Vec<Problem>> {
    let Value::Object(mut map) = value else {
        return Err(vec![Problem::new(
            "",
            "a dashboard is a JSON object, as { \"version\": 1, \"title\": \"…\", \"widgets\": [] }",
        )]);
    };
    if let Some(found) = map.get("version").and_then(Value::as_u64)
        && found > u64::from(VERSION)
    {
        return Err(vec![Problem::new(
            "version",
            format!(
                "dashboard version {found} is newer than this Juggler Studio understands (up to \
                 {VERSION}): open it with a newer Juggler Studio"
            ),
        )]);
    }
    let widgets = map.remove("widgets");
    let mut problems = Vec::new();
    let head = read::<Head>(Value::Object(map), "").map_err(|p| problems.push(p));
    let widgets = match widgets {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| {
                widget_from_value(item, &format!("widgets[{i}]"))
                    .map_err(|p| problems.extend(p))
                    .ok()
            })
            .collect(),
        Some(_) => {
            problems.push(Problem::new(
                "widgets",
                "the widgets are a list: \"widgets\": [ { \"id\": …, \"type\": …, … } ]",
            ));
            Vec::new()
        }
    };
    let Ok(head) = head else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let dashboard = Dashboard {
        schema: head.schema,
        version: head.version,
        title: head.title,
        grid: head.grid,
        widgets,
    };
    let problems = validate::validate(&dashboard);
    if problems.is_empty() {
        Ok(dashboard)
    } else {
        Err(problems)
    }
}

/// One widget: its `type`, the members every widget has, the members of
/// its kind. `field` is where it is (`widgets[3]`).
pub(super) fn widget_from_value(value: Value, field: &str) -> Result<Widget, Vec<Problem>> {
    let Value::Object(mut map) = value else {
        return Err(vec![Problem::new(
            field,
            "a widget is a JSON object, as { \"id\": \"level\", \"type\": \"value\", \"x\": 0, \
             \"y\": 0, \"w\": 3, \"h\": 2, \"path\": \"/level\" }",
        )]);
    };
    let kinds = KINDS.join(", ");
    let kind = match map.remove("type") {
        None => {
            return Err(vec![Problem::new(
                field,
                format!("no \"type\": add \"type\" with one of {kinds}"),
            )]);
        }
        Some(Value::String(kind)) if KINDS.contains(&kind.as_str()) => kind,
        Some(other) => {
            return Err(vec![Problem::new(
                join(field, "type"),
                format!("{other} is not a widget type: use one of {kinds}"),
            )]);
        }
    };
    let mut common = Map::new();
    for key in COMMON_FIELDS {
        if let Some(v) = map.remove(key) {
            common.insert(key.to_owned(), v);
        }
    }
    let common = read::<Common>(Value::Object(common), field);
    let kind = kind_from(&kind, Value::Object(map), field);
    match (common, kind) {
        (Ok(c), Ok(kind)) => Ok(Widget {
            id: c.id,
            x: c.x,
            y: c.y,
            w: c.w,
            h: c.h,
            title: c.title,
            kind,
        }),
        (c, k) => Err(c.err().into_iter().chain(k.err()).collect()),
    }
}

/// The members of a widget of `kind` (one of [`KINDS`]).
fn kind_from(kind: &str, members: Value, field: &str) -> Result<WidgetKind, Problem> {
    use WidgetKind as K;
    Ok(match kind {
        "value" => K::Value(read(members, field)?),
        "lamp" => K::Lamp(read(members, field)?),
        "gauge" => K::Gauge(read(members, field)?),
        "table" => K::Table(read(members, field)?),
        "trend" => K::Trend(read(members, field)?),
        "button" => K::Button(read(members, field)?),
        "toggle" => K::Toggle(read(members, field)?),
        "setpoint" => K::Setpoint(read(members, field)?),
        "notifications" => K::Notifications(read(members, field)?),
        "json" => K::Json(read(members, field)?),
        _ => K::Text(read::<widget::TextWidget>(members, field)?),
    })
}

/// `value` as a `T`; a problem names the field under `field`.
fn read<T: DeserializeOwned>(value: Value, field: &str) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let inner = if inner == "." { "" } else { inner.as_str() };
        Problem::new(join(field, inner), e.inner().to_string())
    })
}

/// `outer.inner` (or `outer[0]`), either may be empty.
fn join(outer: &str, inner: &str) -> String {
    match (outer.is_empty(), inner.is_empty()) {
        (_, true) => outer.to_owned(),
        (true, false) => inner.to_owned(),
        (false, false) if inner.starts_with('[') => format!("{outer}{inner}"),
        (false, false) => format!("{outer}.{inner}"),
    }
}
