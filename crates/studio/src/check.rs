//! `juggler-studio check FILE`: validates a workspace file or a dashboard
//! file (`dashboard.json`), telling the two apart by name and content.
//!
//! A dashboard beside a `workspace.json` is also compared with that
//! workspace's initial state: a widget bound to a path the state does not
//! have is noted (it shows as unbound until the state has it), which is no
//! error.

use std::path::Path;

use serde_json::Value;

use crate::Workspace;
use crate::dashboard::{self, BoundPath, Dashboard, WidgetKind};

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
    let mut out = format!(
        "{}: ok (dashboard version {}, {} widgets)",
        path.display(),
        d.version,
        d.widgets.len()
    );
    let beside = crate::workspace::base_dir(path).join("workspace.json");
    if let Ok(ws) = Workspace::load(&beside) {
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
