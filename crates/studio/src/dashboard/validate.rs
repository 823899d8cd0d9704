//! What must hold in a dashboard once its fields are read: the version, a
//! grid of sensible size, unique widget ids, widgets inside the grid, paths
//! that are paths, `min` below `max`, CSS colours, and request templates
//! whose placeholders the runtime can fill.

use std::collections::HashSet;

use serde_json::{Number, Value};

use super::widget::{SendRequest, Threshold, Widget, WidgetKind};
use super::{BoundPath, Dashboard, VERSION};
use crate::error::Problem;
use crate::template::{Piece, pieces};

/// The most rows a widget may be placed at or span: a dashboard is a page.
const MAX_ROWS: u32 = 1000;
/// Digits after the decimal point, at most.
const MAX_DECIMALS: u8 = 10;
/// Lines of a trend, at most.
const MAX_SERIES: usize = 8;
/// A trend's window, at most: a day.
const MAX_WINDOW_MINUTES: f64 = 1440.0;
/// Notifications a widget keeps, at most.
const MAX_NOTIFICATIONS: u32 = 1000;

/// Collects problems under field paths.
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem::new(field, message));
    }
}

/// Every problem of `d` beyond the shapes of its fields.
pub(crate) fn validate(d: &Dashboard) -> Vec<Problem> {
    let mut out = Problems(Vec::new());
    if d.version != VERSION {
        out.add(
            "version",
            format!(
                "version {} is not a dashboard version: write \"version\": {VERSION}",
                d.version
            ),
        );
    }
    let grid = d.grid();
    for (field, value, lo, hi) in [
        ("columns", grid.columns, 1, 48),
        ("rowHeight", grid.row_height, 8, 400),
        ("gap", grid.gap, 0, 64),
    ] {
        if !(lo..=hi).contains(&value) {
            out.add(
                format!("grid.{field}"),
                format!("{value} is out of range: use {lo} to {hi}"),
            );
        }
    }
    let mut ids = HashSet::new();
    for (i, w) in d.widgets.iter().enumerate() {
        let field = format!("widgets[{i}]");
        if !ids.insert(w.id.as_str()) {
            out.add(
                format!("{field}.id"),
                format!("{:?} is the id of an earlier widget: ids are unique", w.id),
            );
        }
        layout(&mut out, &field, w, grid.columns);
        kind(&mut out, &field, &w.kind);
    }
    out.0
}

/// The id's characters and the widget's place on the grid.
fn layout(out: &mut Problems, field: &str, w: &Widget, columns: u32) {
    let id_ok = !w.id.is_empty()
        && w.id.len() <= 64
        && w.id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !id_ok {
        out.add(
            format!("{field}.id"),
            format!(
                "{:?}: an id is 1 to 64 letters, digits, \"-\", \"_\" or \".\"",
                w.id
            ),
        );
    }
    if w.w == 0 || w.h == 0 {
        out.add(
            format!("{field}.{}", if w.w == 0 { "w" } else { "h" }),
            "a widget is at least 1 column wide and 1 row high",
        );
    }
    if w.x.saturating_add(w.w) > columns {
        out.add(
            format!("{field}.{}", if w.x >= columns { "x" } else { "w" }),
            format!(
                "the widget ends at column {} of a grid of {columns}: move it left or make it \
                 narrower",
                w.x.saturating_add(w.w)
            ),
        );
    }
    if w.y.saturating_add(w.h) > MAX_ROWS {
        out.add(
            format!("{field}.y"),
            format!("the widget ends below row {MAX_ROWS}: move it up or make it lower"),
        );
    }
}

/// The members of each kind.
fn kind(out: &mut Problems, field: &str, kind: &WidgetKind) {
    match kind {
        WidgetKind::Value(v) => {
            path(out, field, "path", &v.path);
            decimals(out, field, v.decimals);
        }
        WidgetKind::Lamp(l) => {
            path(out, field, "path", &l.path);
            for (i, c) in l.colors.iter().flatten().enumerate() {
                color(out, &format!("{field}.colors[{i}].color"), &c.color);
            }
        }
        WidgetKind::Gauge(g) => {
            path(out, field, "path", &g.path);
            decimals(out, field, g.decimals);
            range(out, field, Some(&g.min), Some(&g.max));
            thresholds(out, field, g.thresholds.as_deref().unwrap_or_default());
        }
        WidgetKind::Table(t) => {
            path(out, field, "path", &t.path);
            let mut keys = HashSet::new();
            for (i, c) in t.columns.iter().enumerate() {
                let at = format!("{field}.columns[{i}]");
                if c.key.is_empty() {
                    out.add(
                        format!("{at}.key"),
                        "the key is empty: name a member of the rows",
                    );
                } else if !keys.insert(c.key.as_str()) {
                    out.add(
                        format!("{at}.key"),
                        format!("{:?} is shown by an earlier column", c.key),
                    );
                }
                decimals(out, &at, c.decimals);
            }
            if let Some(action) = &t.row_action {
                send(out, &format!("{field}.rowAction"), &action.send, &["row"]);
            }
        }
        WidgetKind::Trend(t) => trend(out, field, t),
        WidgetKind::Button(b) => {
            if let Some(p) = &b.path {
                path(out, field, "path", p);
            }
            send(out, field, &b.send, &["value"]);
        }
        WidgetKind::Toggle(t) => {
            path(out, field, "path", &t.path);
            send(out, field, &t.send, &["value"]);
        }
        WidgetKind::Setpoint(s) => {
            path(out, field, "path", &s.path);
            decimals(out, field, s.decimals);
            range(out, field, s.min.as_ref(), s.max.as_ref());
            if let Some(step) = s.step.as_ref().and_then(Number::as_f64)
                && step <= 0.0
            {
                out.add(format!("{field}.step"), "the step is above 0");
            }
        }
        WidgetKind::Notifications(n) => {
            if let Some(max) = n.max
                && !(1..=MAX_NOTIFICATIONS).contains(&max)
            {
                out.add(
                    format!("{field}.max"),
                    format!("{max} is out of range: keep 1 to {MAX_NOTIFICATIONS}"),
                );
            }
        }
        WidgetKind::Json(j) => path(out, field, "path", &j.path),
        WidgetKind::Text(_) => {}
    }
}

fn trend(out: &mut Problems, field: &str, t: &super::widget::TrendWidget) {
    if t.series.is_empty() || t.series.len() > MAX_SERIES {
        out.add(
            format!("{field}.series"),
            format!("a trend has 1 to {MAX_SERIES} series"),
        );
    }
    for (i, s) in t.series.iter().enumerate() {
        let at = format!("{field}.series[{i}]");
        path(out, &at, "path", &s.path);
        if let Some(c) = &s.color {
            color(out, &format!("{at}.color"), c);
        }
    }
    let window = t.window_minutes.as_f64().unwrap_or(0.0);
    if !(window > 0.0 && window <= MAX_WINDOW_MINUTES) {
        out.add(
            format!("{field}.windowMinutes"),
            format!(
                "{window} is out of range: show more than 0 and up to {MAX_WINDOW_MINUTES} minutes"
            ),
        );
    }
    range(out, field, t.min.as_ref(), t.max.as_ref());
    decimals(out, field, t.decimals);
}

fn path(out: &mut Problems, field: &str, member: &str, p: &BoundPath) {
    if let Err(message) = p.steps() {
        out.add(format!("{field}.{member}"), message);
    }
}

fn decimals(out: &mut Problems, field: &str, decimals: Option<u8>) {
    if let Some(d) = decimals
        && d > MAX_DECIMALS
    {
        out.add(
            format!("{field}.decimals"),
            format!("{d} is out of range: use 0 to {MAX_DECIMALS}"),
        );
    }
}

/// `min` below `max` when both are given.
fn range(out: &mut Problems, field: &str, min: Option<&Number>, max: Option<&Number>) {
    if let (Some(lo), Some(hi)) = (min.and_then(Number::as_f64), max.and_then(Number::as_f64))
        && lo >= hi
    {
        out.add(
            format!("{field}.max"),
            format!("max ({hi}) is not above min ({lo})"),
        );
    }
}

fn thresholds(out: &mut Problems, field: &str, list: &[Threshold]) {
    let mut last = f64::NEG_INFINITY;
    for (i, t) in list.iter().enumerate() {
        let at = format!("{field}.thresholds[{i}]");
        let from = t.from.as_f64().unwrap_or(f64::NAN);
        if from.is_nan() || from <= last {
            out.add(
                format!("{at}.from"),
                "thresholds go up: each from is above the one before",
            );
        }
        last = from;
        color(out, &format!("{at}.color"), &t.color);
    }
}

/// A CSS colour the runtime sets as it is: `#rgb`, `#rgba`, `#rrggbb`,
/// `#rrggbbaa`, or a name made of letters (`red`, `rebeccapurple`).
fn color(out: &mut Problems, field: &str, c: &str) {
    let ok = match c.strip_prefix('#') {
        Some(hex) => {
            matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit())
        }
        None => !c.is_empty() && c.len() <= 32 && c.chars().all(|c| c.is_ascii_alphabetic()),
    };
    if !ok {
        out.add(
            field,
            format!(
                "{c:?} is not a colour: write #rrggbb (as #16a34a) or a CSS colour name (as green)"
            ),
        );
    }
}

/// A request: a name, and templates whose placeholders are `roots`,
/// `now` or `nowMs`.
fn send(out: &mut Problems, field: &str, s: &SendRequest, roots: &[&str]) {
    if s.name.trim().is_empty() {
        out.add(format!("{field}.send.name"), "the request's name is empty");
    }
    if let Some(data) = &s.data {
        template(out, &format!("{field}.send.data"), data, roots);
    }
    if let Some(q) = &s.confirm {
        placeholders(out, &format!("{field}.send.confirm"), q, roots);
    }
}

fn template(out: &mut Problems, field: &str, value: &Value, roots: &[&str]) {
    match value {
        Value::String(s) => placeholders(out, field, s, roots),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                template(out, &format!("{field}[{i}]"), item, roots);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let at = format!("{field}.{k}");
                placeholders(out, &at, k, roots);
                template(out, &at, v, roots);
            }
        }
        _ => {}
    }
}

fn placeholders(out: &mut Problems, field: &str, text: &str, roots: &[&str]) {
    for piece in pieces(text) {
        let Piece::Placeholder { raw, expr } = piece else {
            continue;
        };
        let mut steps = expr.trim().split('.');
        let root = steps.next().unwrap_or_default();
        let rest: Vec<&str> = steps.collect();
        let with_members = roots.contains(&root);
        let message = if !with_members && !matches!(root, "now" | "nowMs") {
            let names: Vec<String> = roots.iter().map(|r| format!("{r}, {r}.MEMBER")).collect();
            Some(format!(
                "placeholder {raw}: unknown name {root:?}: use {}, now or nowMs",
                names.join(", ")
            ))
        } else if rest.iter().any(|s| s.is_empty()) {
            Some(format!(
                "placeholder {raw}: an empty step: write {root}.a.b or {root}.items.0"
            ))
        } else if !with_members && !rest.is_empty() {
            Some(format!("placeholder {raw}: {root} has no members"))
        } else {
            None
        };
        if let Some(m) = message {
            out.add(field, m);
        }
    }
}
