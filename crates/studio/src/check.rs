//! `juggler-studio check FILE`: validates a workspace file or a dashboard
//! file (`dashboard.json`), telling the two apart by name and content.
//!
//! A dashboard is also compared with the initial state of the workspace
//! that serves it — the `workspace.json` beside it, else the one in the
//! folder above whose `staticDir` is the dashboard's folder (the page's
//! `web/` of a `juggler-studio new` project): a widget bound to a path the
//! state does not have is noted (it shows as unbound until the state has
//! it), which is no error.
//!
//! What loads but is likely a mistake is a warning, with its line and field
//! as an error has, and the exit status stays 0: widgets on top of each
//! other, a colour name no browser knows (it draws nothing), a `{{` never
//! closed (the page sends it as typed), and a request (its name and its
//! data, placeholders and all) that no enabled rule of the workspace beside
//! answers.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::Workspace;
use crate::dashboard::{self, BoundPath, Dashboard, PathKey, WidgetKind};
use crate::error::Problem;
use crate::template::{Piece, pieces};
use crate::workspace::positions::Positions;

mod unanswered;

use unanswered::{Sent, requests};
pub use unanswered::{UnansweredRequest, unanswered_requests};

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

/// The workspace that serves the dashboard file at `path`, and its file:
/// `workspace.json` beside it (a project made with the page at its top
/// level), else `../workspace.json` when its `staticDir` is the
/// dashboard's folder.
fn serving_workspace(path: &Path) -> Option<(Workspace, PathBuf)> {
    let folder = crate::workspace::base_dir(path);
    let beside = folder.join("workspace.json");
    if let Ok(ws) = Workspace::load(&beside) {
        return Some((ws, beside));
    }
    let above = folder.join("..").join("workspace.json");
    let ws = Workspace::load(&above).ok()?;
    let served = crate::workspace::resolve(
        &crate::workspace::base_dir(&above),
        ws.server.static_dir.as_deref()?,
    );
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    same(&served, &folder).then(|| {
        let above = folder
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or(above.clone(), |p| p.join("workspace.json"));
        (ws, above)
    })
}

fn check_dashboard(path: &Path, text: &str) -> Result<String, String> {
    let d = Dashboard::parse(text, &path.display().to_string()).map_err(|e| e.to_string())?;
    let serving = serving_workspace(path);
    let mut warnings = warnings(&d, serving.as_ref().map(|(ws, file)| (ws, file.as_path())));
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
    if let Some((ws, file)) = &serving {
        for (field, p) in bound_paths(&d) {
            if p.lookup(&ws.initial_state).is_none() {
                out.push_str(&format!(
                    "\nnote: {field} {p} is not in the initialState of {}: the widget shows as \
                     unbound until the state has it",
                    file.display()
                ));
            }
        }
    }
    Ok(out)
}

/// What loads but likely is not what the author meant; `workspace` is the
/// one that serves the dashboard, with its path.
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
    for Sent { field, send: s, .. } in requests(d) {
        if let Some(data) = &s.data {
            unclosed_in(&mut out, &format!("{field}.send.data"), data);
        }
        if let Some(q) = &s.confirm {
            unclosed(&mut out, &format!("{field}.send.confirm"), q);
        }
    }
    if let Some((ws, file)) = workspace {
        let widgets = d.widgets.iter().enumerate();
        let is_array = |steps: &[PathKey]| {
            BoundPath::Steps(steps.to_vec())
                .lookup(&ws.initial_state)
                .is_some_and(Value::is_array)
        };
        for u in unanswered_requests(
            widgets,
            &ws.rules,
            &file.display().to_string(),
            ws.unanswered,
            &is_array,
        ) {
            out.push(Problem::new(u.field, u.message));
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
    use serde_json::json;

    use super::*;
    use crate::dashboard::Widget;
    use crate::rules::Rule;

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

    /// The request warnings of `widgets` (JSON of the widgets' list)
    /// beside a workspace with these `rules`.
    fn unanswered(rules: &str, widgets: &str) -> Vec<(String, String)> {
        let ws = Workspace::parse(
            &format!(r#"{{"version": 1, "rules": {rules}}}"#),
            "workspace.json",
            Path::new("."),
        )
        .expect("workspace");
        let d = Dashboard::parse(
            &format!(r#"{{"version": 1, "title": "t", "widgets": {widgets}}}"#),
            "dashboard.json",
        )
        .expect("dashboard");
        warnings(&d, Some((&ws, Path::new("workspace.json"))))
            .into_iter()
            .filter(|p| p.message.contains("answers the request"))
            .map(|p| (p.field, p.message))
            .collect()
    }

    fn button(name: &str, data: &str) -> String {
        format!(
            r#"[{{"id": "b", "type": "button", "x": 0, "y": 0, "w": 2, "h": 1, "label": "Go",
                "send": {{"name": "{name}", "data": {data}}}}}]"#
        )
    }

    const PUMP_ON: &str = r#"[{"id": "on", "match": {"name": {"exact": "pump.set"},
        "data": {"on": true}}, "action": "echo"}]"#;

    /// A rule that answers only some data counted as answering every
    /// request of its name: a button sending data its pattern refuses got
    /// no warning, and the page got "no rule for pump.set".
    #[test]
    fn a_rules_data_pattern_decides_as_the_engine_does() {
        let got = unanswered(PUMP_ON, &button("pump.set", r#"{"on": false}"#));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "widgets[0].send.data");
        assert!(
            got[0]
                .1
                .contains(r#"answers the request "pump.set" with data {"on":false}:"#),
            "{}",
            got[0].1
        );
        assert!(got[0].1.contains("match.data"), "{}", got[0].1);
        // Data the pattern takes (a subset, 1 as 1.0) is answered.
        assert_eq!(
            unanswered(PUMP_ON, &button("pump.set", r#"{"on": true, "by": "ui"}"#)),
            []
        );
        let one =
            r#"[{"id": "one", "match": {"name": {"glob": "x.*"}, "data": [1]}, "action": "echo"}]"#;
        assert_eq!(unanswered(one, &button("x.y", "[1.0]")), []);
        // The same rule disabled answers nothing.
        let off = PUMP_ON.replace(r#""id": "on","#, r#""id": "on", "enabled": false,"#);
        let got = unanswered(&off, &button("pump.set", r#"{"on": true}"#));
        assert_eq!(got.len(), 1, "{got:?}");
        // No data: null, which the pattern does not take.
        let got = unanswered(
            PUMP_ON,
            r#"[{"id": "b", "type": "button", "x": 0, "y": 0, "w": 2, "h": 1, "label": "Go",
                "send": {"name": "pump.set"}}]"#,
        );
        assert_eq!(got[0].0, "widgets[0].send.name", "{got:?}");
        assert!(got[0].1.contains("with data null:"), "{}", got[0].1);
    }

    /// A placeholder is filled in by the page: data that may become what a
    /// pattern takes is no warning, data that cannot (a toggle's boolean
    /// against a string, text against a number) is; setpoints' requests
    /// were not checked at all.
    #[test]
    fn placeholders_may_match_what_they_can_become() {
        let toggle = |data: &str| {
            format!(
                r#"[{{"id": "t", "type": "toggle", "x": 0, "y": 0, "w": 2, "h": 1, "path": "/on",
                    "send": {{"name": "pump.set"{data}}}}}]"#
            )
        };
        assert_eq!(
            unanswered(PUMP_ON, &toggle(r#", "data": {"on": "{{value}}"}"#)),
            []
        );
        let got = unanswered(PUMP_ON, &toggle(r#", "data": {"on": "is {{value}}"}"#));
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].1.contains(
                r#"with data {"on":"is {{value}}"} (its placeholders filled in by the page)"#
            ),
            "{}",
            got[0].1
        );
        let whole = r#"[{"id": "w", "match": {"name": {"exact": "pump.set"}, "data": "on"}, "action": "echo"}]"#;
        let got = unanswered(whole, &toggle(""));
        assert!(got[0].1.contains(r#"with data "{{value}}""#), "{got:?}");
        let text = r#"[{"id": "w", "match": {"name": {"exact": "x"}, "data": {"id": "row-7"}}, "action": "echo"}]"#;
        assert_eq!(
            unanswered(text, &button("x", r#"{"id": "row-{{value}}"}"#)),
            []
        );
        assert_eq!(
            unanswered(text, &button("x", r#"{"id": "{{nowMs}}"}"#)).len(),
            1
        );
        let setpoint = r#"[{"id": "s", "type": "setpoint", "x": 0, "y": 0, "w": 2, "h": 1,
            "path": "/sp", "send": {"name": "sp.set"}}]"#;
        let got = unanswered(PUMP_ON, setpoint);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].1.contains(r#""sp.set""#), "{got:?}");
        let number =
            r#"[{"id": "n", "match": {"name": {"exact": "sp.set"}, "data": 5}, "action": "echo"}]"#;
        assert_eq!(unanswered(number, setpoint), []);
    }

    /// `unanswered_requests` of `widgets` (JSON) against `rules` (JSON).
    fn offered(rules: &str, widgets: &str) -> Vec<UnansweredRequest> {
        offered_in(&Value::Null, rules, widgets)
    }

    /// [`offered`] with this state.
    fn offered_in(state: &Value, rules: &str, widgets: &str) -> Vec<UnansweredRequest> {
        let rules: Vec<Rule> = serde_json::from_str(rules).expect("rules");
        let widgets: Vec<Widget> = match serde_json::from_str::<Value>(widgets) {
            Ok(Value::Array(items)) => items
                .into_iter()
                .map(|w| Dashboard::widget_from_value(w).expect("widget"))
                .collect(),
            other => panic!("widgets: {other:?}"),
        };
        let is_array = |steps: &[PathKey]| {
            BoundPath::Steps(steps.to_vec())
                .lookup(state)
                .is_some_and(Value::is_array)
        };
        unanswered_requests(
            widgets.iter().enumerate(),
            &rules,
            "the workspace",
            None,
            &is_array,
        )
    }

    fn toggle(data: &str) -> String {
        format!(
            r#"[{{"id": "pump", "type": "toggle", "x": 0, "y": 0, "w": 2, "h": 1,
                "path": ["pump", "on"], "send": {{"name": "pump.set"{data}}}}}]"#
        )
    }

    /// What the offered rule does with the request the page sends.
    fn answer(rule: &Rule, data: Value) -> crate::rules::Answer {
        let sample = crate::rules::RequestInfo {
            name: "pump.set".into(),
            data,
            connection_id: 1,
            now: 0,
        };
        crate::rules::test_rule(rule, &sample)
            .expect("the rule compiles")
            .answer
            .expect("the rule answers")
    }

    /// A toggle's or a setpoint's rule takes the value back from where the
    /// widget's data template puts `{{value}}`, and sets the widget's path
    /// to it; the rule answers the request, so it is no longer listed.
    #[test]
    fn the_offered_rule_sets_the_path_to_the_value_sent() {
        for (data, sent, value) in [
            ("", json!(true), "{{data}}"),
            (
                r#", "data": {"on": "{{ value }}", "by": "ui"}"#,
                json!({"on": false, "by": "ui"}),
                "{{data.on}}",
            ),
            (
                r#", "data": ["x", {"v": "{{value}}"}]"#,
                json!(["x", {"v": true}]),
                "{{data.1.v}}",
            ),
        ] {
            let got = offered("[]", &toggle(data));
            assert_eq!(got.len(), 1, "{data}: {got:?}");
            let u = &got[0];
            assert_eq!((u.widget.as_str(), u.rule.id.as_str()), ("pump", "pump"));
            assert_eq!(
                u.rule.matcher,
                crate::rules::RuleMatch {
                    name: crate::rules::NameMatch::Exact("pump.set".into()),
                    data: None
                }
            );
            match &u.rule.action {
                crate::rules::Action::SetState { value: v, .. } => assert_eq!(v, value, "{data}"),
                other => panic!("{data}: {other:?}"),
            }
            let want = sent
                .pointer(
                    &value
                        .trim_matches(['{', '}'])
                        .replace("data", "")
                        .replace('.', "/"),
                )
                .cloned()
                .expect("the value sent");
            let a = answer(&u.rule, sent);
            assert_eq!(
                a.effects,
                [crate::rules::Effect::SetState {
                    path: juggler::path!["pump", "on"],
                    value: want,
                }],
                "{data}"
            );
            assert_eq!(a.reply, crate::rules::Reply::ok(Value::Null));
            assert!(
                u.rule_does.contains("sets /pump/on to the value sent"),
                "{}",
                u.rule_does
            );
            let rules = serde_json::to_string(&[&u.rule]).expect("json");
            assert_eq!(offered(&rules, &toggle(data)), [], "{data}");
        }
    }

    /// A button's rule answers null; a toggle whose data carries the value
    /// only inside text gets one too, and says why it sets nothing; the
    /// rule takes an id no rule has, and a rule taking the name but not
    /// the data is told.
    #[test]
    fn a_rule_that_cannot_set_answers_null_under_a_free_id() {
        let got = offered(
            r#"[{"id": "b", "match": {"name": {"exact": "other"}}, "action": "echo"}]"#,
            &button("go", r#"{"n": 1}"#),
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].rule.id, "b-2");
        assert_eq!(
            got[0].rule.action,
            crate::rules::Action::Respond { value: Value::Null }
        );
        assert_eq!(got[0].rule_does, "answers null");

        let got = offered("[]", &toggle(r#", "data": "is {{value}}""#));
        assert_eq!(
            got[0].rule.action,
            crate::rules::Action::Respond { value: Value::Null }
        );
        assert!(
            got[0].rule_does.contains("cannot set /pump/on"),
            "{}",
            got[0].rule_does
        );

        let got = offered(PUMP_ON, &toggle(r#", "data": {"on": "x{{value}}"}"#));
        assert!(got[0].by_name, "{got:?}");
        assert_eq!(got[0].field, "widgets[0].send.data");
    }

    /// A pointer's token of digits is an element where the state has an
    /// array, as the page reads it: set as a key, "0" made the list of
    /// devices an object with one member.
    #[test]
    fn a_pointer_into_a_list_sets_the_element() {
        let widgets = |path: &str| {
            format!(
                r#"[{{"id": "d", "type": "toggle", "x": 0, "y": 0, "w": 2, "h": 1,
                    "path": {path}, "send": {{"name": "pump.set"}}}}]"#
            )
        };
        let state = json!({"devices": [{"on": true}], "byName": {"0": {"on": true}}});
        let path_of = |path: &str| match offered_in(&state, "[]", &widgets(path))[0]
            .rule
            .action
            .clone()
        {
            crate::rules::Action::SetState { path, .. } => path,
            other => panic!("{other:?}"),
        };
        assert_eq!(path_of(r#""/devices/0/on""#), json!(["devices", 0, "on"]));
        assert_eq!(path_of(r#""/byName/0/on""#), json!(["byName", "0", "on"]));
        // A juggler path says which it is.
        assert_eq!(
            path_of(r#"["devices", "0", "on"]"#),
            json!(["devices", "0", "on"])
        );
        let rule = offered_in(&state, "[]", &widgets(r#""/devices/0/on""#))[0]
            .rule
            .clone();
        let a = answer(&rule, json!(false));
        let mut after = state.clone();
        for e in a.effects {
            if let crate::rules::Effect::SetState { path, value } = e {
                let doc = juggler::Storage::with_data(after.clone());
                doc.set(path, value);
                after = doc.data();
            }
        }
        assert_eq!(after["devices"], json!([{"on": false}]));
    }
}
