//! `juggler-studio check FILE`: validates a workspace file or a dashboard
//! file (`dashboard.json`), telling the two apart by name and content.
//!
//! A dashboard beside a `workspace.json` is also compared with that
//! workspace's initial state: a widget bound to a path the state does not
//! have is noted (it shows as unbound until the state has it), which is no
//! error.
//!
//! What loads but is likely a mistake is a warning, with its line and field
//! as an error has, and the exit status stays 0: widgets on top of each
//! other, a colour name no browser knows (it draws nothing), a `{{` never
//! closed (the page sends it as typed), and a request that no rule of the
//! workspace beside answers.

use std::path::Path;

use serde_json::Value;

use crate::Workspace;
use crate::dashboard::widget::SendRequest;
use crate::dashboard::{self, BoundPath, Dashboard, WidgetKind};
use crate::error::Problem;
use crate::template::{Piece, RequestInfo, pieces};
use crate::workspace::positions::Positions;

/// Which kind of file `check` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A workspace (`workspace.json`, `*.workspace.json`, any other name).
    Workspace,
    /// A dashboard made by the builder.
    Dashboard,
}

/// A dashboard is named `dashboard.json` (or `NAME.dashboard.json`), or
/// has `widgets` or a `$schema` naming the dashboard schema; anything else
/// is read as a workspace.
pub fn kind_of(path: &Path, text: &str) -> FileKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name == dashboard::FILE_NAME || name.ends_with(".dashboard.json") {
        return FileKind::Dashboard;
    }
    // Only the top level matters; a text that is no JSON is a workspace's
    // problem to report, as before.
    let Ok(Value::Object(top)) = juggler::json::from_str::<Value>(text, 64) else {
        return FileKind::Workspace;
    };
    let schema_says = top
        .get("$schema")
        .and_then(Value::as_str)
        .is_some_and(|s| s.ends_with(dashboard::SCHEMA_FILE_NAME));
    if schema_says || top.contains_key("widgets") {
        FileKind::Dashboard
    } else {
        FileKind::Workspace
    }
}

/// Checks the file at `path`: what to print on stdout when it is valid,
/// or on stderr when it is not.
pub fn check(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            "check the path: give a workspace file (see `juggler-studio new`) or a builder's dashboard.json"
        } else {
            "check that the file is readable"
        };
        format!("{}: cannot read the file: {e}; {hint}", path.display())
    })?;
    match kind_of(path, &text) {
        FileKind::Workspace => check_workspace(path),
        FileKind::Dashboard => check_dashboard(path, &text),
    }
}

fn check_workspace(path: &Path) -> Result<String, String> {
    let ws = Workspace::load(path).map_err(|e| e.to_string())?;
    Ok(format!(
        "{}: ok (version {}, {} rules, {} notify presets, {} remotes, {} scenarios{})",
        path.display(),
        ws.version,
        ws.rules.len(),
        ws.notify_presets.len(),
        ws.remotes.len(),
        ws.scenarios.len(),
        if ws.schemas.is_some() {
            ", schemas"
        } else {
            ""
        }
    ))
}

fn check_dashboard(path: &Path, text: &str) -> Result<String, String> {
    let d = Dashboard::parse(text, &path.display().to_string()).map_err(|e| e.to_string())?;
    let beside = crate::workspace::base_dir(path).join("workspace.json");
    let ws = Workspace::load(&beside).ok();
    let mut warnings = warnings(&d, ws.as_ref().map(|ws| (ws, beside.as_path())));
    Positions::locate(text, &mut warnings);
    let plural = if warnings.len() == 1 { "" } else { "s" };
    let mut out = format!(
        "{}: ok (dashboard version {}, {} widgets{})",
        path.display(),
        d.version,
        d.widgets.len(),
        if warnings.is_empty() {
            String::new()
        } else {
            format!(", {} warning{plural}", warnings.len())
        }
    );
    for w in &warnings {
        let at = match (w.line, w.column) {
            (Some(line), Some(column)) => format!("{line}:{column}: "),
            _ => String::new(),
        };
        out.push_str(&format!(
            "\n{}:{at}warning: {}: {}",
            path.display(),
            w.field,
            w.message
        ));
    }
    if let Some(ws) = ws {
        for (field, p) in bound_paths(&d) {
            if p.lookup(&ws.initial_state).is_none() {
                out.push_str(&format!(
                    "\nnote: {field} {p} is not in the initialState of {}: the widget shows as \
                     unbound until the state has it",
                    beside.display()
                ));
            }
        }
    }
    Ok(out)
}

/// What loads but likely is not what the author meant; `workspace` is the
/// one beside the dashboard, with its path.
pub fn warnings(d: &Dashboard, workspace: Option<(&Workspace, &Path)>) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, a) in d.widgets.iter().enumerate() {
        if let Some((j, b)) = d.widgets[..i]
            .iter()
            .enumerate()
            .find(|(_, b)| a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
        {
            out.push(Problem::new(
                format!("widgets[{i}]"),
                format!(
                    "{:?} overlaps widgets[{j}] ({:?}): one hides the other; move or resize one",
                    a.id, b.id
                ),
            ));
        }
    }
    for (field, c) in colours(d) {
        let known = c.starts_with('#')
            || CSS_COLOURS
                .split_whitespace()
                .any(|n| n.eq_ignore_ascii_case(c));
        if !known {
            out.push(Problem::new(
                field,
                format!(
                    "{c:?} is no CSS colour name: the browser draws nothing; write #rrggbb (as \
                     #16a34a) or a name such as green"
                ),
            ));
        }
    }
    for (field, s) in requests(d) {
        if let Some(data) = &s.data {
            unclosed_in(&mut out, &format!("{field}.send.data"), data);
        }
        if let Some(q) = &s.confirm {
            unclosed(&mut out, &format!("{field}.send.confirm"), q);
        }
        if let Some((ws, file)) = workspace {
            let req = RequestInfo {
                name: s.name.clone(),
                data: Value::Null,
                connection_id: 0,
                now: 0,
            };
            let answered = ws.rules.iter().any(|r| {
                crate::rules::test_rule(r, &req).is_ok_and(|t| t.enabled && t.name_matches)
            });
            if !answered {
                out.push(Problem::new(
                    format!("{field}.send.name"),
                    format!(
                        "no rule of {} answers the request {:?}: served by the studio, the \
                         page gets {}; add a rule, or check the name",
                        file.display(),
                        s.name,
                        match ws.unanswered {
                            Some(crate::workspace::Unanswered::Null) =>
                                "null (\"unanswered\": \"null\")",
                            _ => "an error (no rule for it)",
                        }
                    ),
                ));
            }
        }
    }
    out
}

/// A `{{` with no `}}` after it, in the strings (and keys) of `value`.
fn unclosed_in(out: &mut Vec<Problem>, field: &str, value: &Value) {
    match value {
        Value::String(s) => unclosed(out, field, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                unclosed_in(out, &format!("{field}[{i}]"), item);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let at = format!("{field}.{k}");
                unclosed(out, &at, k);
                unclosed_in(out, &at, v);
            }
        }
        _ => {}
    }
}

fn unclosed(out: &mut Vec<Problem>, field: &str, text: &str) {
    let open = pieces(text).into_iter().find_map(|p| match p {
        Piece::Text(t) => t.find("{{").map(|at| t[at..].to_owned()),
        Piece::Placeholder { .. } => None,
    });
    if let Some(open) = open {
        out.push(Problem::new(
            field,
            format!(
                "{open:?} opens a placeholder that is never closed: the page sends it as \
                 typed; close it with }}}}"
            ),
        ));
    }
}

/// Every colour a widget sets, with its field.
fn colours(d: &Dashboard) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for (i, w) in d.widgets.iter().enumerate() {
        let field = format!("widgets[{i}]");
        match &w.kind {
            WidgetKind::Lamp(l) => {
                for (j, c) in l.colors.iter().flatten().enumerate() {
                    out.push((format!("{field}.colors[{j}].color"), c.color.as_str()));
                }
            }
            WidgetKind::Gauge(g) => {
                for (j, t) in g.thresholds.iter().flatten().enumerate() {
                    out.push((format!("{field}.thresholds[{j}].color"), t.color.as_str()));
                }
            }
            WidgetKind::Trend(t) => {
                for (j, s) in t.series.iter().enumerate() {
                    if let Some(c) = &s.color {
                        out.push((format!("{field}.series[{j}].color"), c.as_str()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Every request a widget sends, with the field it is under.
fn requests(d: &Dashboard) -> Vec<(String, &SendRequest)> {
    let mut out = Vec::new();
    for (i, w) in d.widgets.iter().enumerate() {
        let field = format!("widgets[{i}]");
        match &w.kind {
            WidgetKind::Button(b) => out.push((field, &b.send)),
            WidgetKind::Toggle(t) => out.push((field, &t.send)),
            WidgetKind::Table(t) => {
                if let Some(a) = &t.row_action {
                    out.push((format!("{field}.rowAction"), &a.send));
                }
            }
            _ => {}
        }
    }
    out
}

/// The colour names of CSS Color 4, and the keywords a colour may be.
const CSS_COLOURS: &str = "transparent currentcolor aliceblue antiquewhite aqua aquamarine azure \
    beige bisque black blanchedalmond blue blueviolet brown burlywood cadetblue chartreuse \
    chocolate coral cornflowerblue cornsilk crimson cyan darkblue darkcyan darkgoldenrod \
    darkgray darkgreen darkgrey darkkhaki darkmagenta darkolivegreen darkorange darkorchid \
    darkred darksalmon darkseagreen darkslateblue darkslategray darkslategrey darkturquoise \
    darkviolet deeppink deepskyblue dimgray dimgrey dodgerblue firebrick floralwhite \
    forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray green greenyellow grey \
    honeydew hotpink indianred indigo ivory khaki lavender lavenderblush lawngreen \
    lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgray lightgreen \
    lightgrey lightpink lightsalmon lightseagreen lightskyblue lightslategray lightslategrey \
    lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine \
    mediumblue mediumorchid mediumpurple mediumseagreen mediumslateblue mediumspringgreen \
    mediumturquoise mediumvioletred midnightblue mintcream mistyrose moccasin navajowhite \
    navy oldlace olive olivedrab orange orangered orchid palegoldenrod palegreen \
    paleturquoise palevioletred papayawhip peachpuff peru pink plum powderblue purple \
    rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell \
    sienna silver skyblue slateblue slategray slategrey snow springgreen steelblue tan teal \
    thistle tomato turquoise violet wheat white whitesmoke yellow yellowgreen";

/// Every path a widget reads, with its field.
pub fn bound_paths(d: &Dashboard) -> Vec<(String, &BoundPath)> {
    let mut out = Vec::new();
    for (i, w) in d.widgets.iter().enumerate() {
        let field = format!("widgets[{i}]");
        let one = match &w.kind {
            WidgetKind::Value(v) => Some(&v.path),
            WidgetKind::Lamp(v) => Some(&v.path),
            WidgetKind::Gauge(v) => Some(&v.path),
            WidgetKind::Table(v) => Some(&v.path),
            WidgetKind::Toggle(v) => Some(&v.path),
            WidgetKind::Setpoint(v) => Some(&v.path),
            WidgetKind::Json(v) => Some(&v.path),
            WidgetKind::Button(v) => v.path.as_ref(),
            WidgetKind::Trend(t) => {
                for (j, s) in t.series.iter().enumerate() {
                    out.push((format!("{field}.series[{j}].path"), &s.path));
                }
                None
            }
            WidgetKind::Notifications(_) | WidgetKind::Text(_) => None,
        };
        if let Some(p) = one {
            out.push((format!("{field}.path"), p));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashboards_and_workspaces_are_told_apart() {
        let kind = |name: &str, text: &str| kind_of(Path::new(name), text);
        assert_eq!(kind("x/dashboard.json", "not json"), FileKind::Dashboard);
        assert_eq!(kind("plant.dashboard.json", "{}"), FileKind::Dashboard);
        assert_eq!(
            kind("a.json", r#"{"version": 1, "widgets": []}"#),
            FileKind::Dashboard
        );
        assert_eq!(
            kind("a.json", r#"{"$schema": "../dashboard.schema.json"}"#),
            FileKind::Dashboard
        );
        assert_eq!(
            kind("workspace.json", r#"{"version": 1}"#),
            FileKind::Workspace
        );
        assert_eq!(kind("a.json", "[1"), FileKind::Workspace);
    }
}
