//! `new --builder`: the dashboard it writes is valid, bound to the
//! workspace's state, and every request it sends is answered by both back
//! ends.

use std::path::Path;

use juggler::Generation;

use super::{NewDashboard, create};
use crate::Workspace;
use crate::check::bound_paths;
use crate::dashboard::{Dashboard, WidgetKind};
use crate::rules::NameMatch;

fn new_builder(dir: &Path, generation: Generation) {
    create(&NewDashboard {
        dir: dir.to_owned(),
        generation,
        title: "Tank \"north\"".into(),
        force: false,
        builder: true,
    })
    .expect("created");
}

/// The names of the requests the dashboard's widgets send.
fn request_names(d: &Dashboard) -> Vec<String> {
    d.widgets
        .iter()
        .filter_map(|w| match &w.kind {
            WidgetKind::Button(b) => Some(b.send.name.clone()),
            WidgetKind::Toggle(t) => Some(t.send.name.clone()),
            WidgetKind::Setpoint(s) => Some(s.send.name.clone()),
            WidgetKind::Table(t) => t.row_action.as_ref().map(|a| a.send.name.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_dashboard_is_valid_bound_and_answered() {
    for generation in [Generation::V06, Generation::V07] {
        let dir = tempfile::tempdir().expect("tempdir");
        new_builder(dir.path(), generation);
        let web = dir.path().join("web");
        let d = Dashboard::load(&web.join("dashboard.json")).expect("a valid dashboard");
        assert_eq!(d.title, "Tank \"north\"");
        let ws = Workspace::load(&dir.path().join("workspace.json")).expect("a valid workspace");
        for (field, path) in bound_paths(&d) {
            assert!(
                path.lookup(&ws.initial_state).is_some(),
                "{field} {path} is not in the initial state"
            );
        }
        let kinds: Vec<&str> = d
            .widgets
            .iter()
            .map(|w| match &w.kind {
                WidgetKind::Value(_) => "value",
                WidgetKind::Lamp(_) => "lamp",
                WidgetKind::Gauge(_) => "gauge",
                WidgetKind::Table(_) => "table",
                WidgetKind::Trend(_) => "trend",
                WidgetKind::Button(_) => "button",
                WidgetKind::Toggle(_) => "toggle",
                WidgetKind::Setpoint(_) => "setpoint",
                WidgetKind::Notifications(_) => "notifications",
                WidgetKind::Json(_) => "json",
                WidgetKind::Text(_) => "text",
            })
            .collect();
        for kind in [
            "value", "lamp", "gauge", "table", "trend", "button", "toggle", "setpoint",
        ] {
            assert!(kinds.contains(&kind), "a {kind} in {kinds:?}");
        }
        let server_py = std::fs::read_to_string(dir.path().join("server.py")).expect("server.py");
        for name in request_names(&d) {
            let ruled = ws
                .rules
                .iter()
                .any(|r| matches!(&r.matcher.name, NameMatch::Exact(n) if *n == name));
            assert!(ruled, "a rule answers {name}");
            assert!(
                server_py.contains(&format!("'{name}'")),
                "server.py answers {name}"
            );
        }
        let html = std::fs::read_to_string(web.join("index.html")).expect("index.html");
        assert!(html.contains("src=\"./runtime/main.js\""), "{html}");
        assert!(html.contains("<title>Tank \"north\"</title>"), "{html}");
        for (rel, text) in crate::dashboard::runtime::FILES {
            let written = std::fs::read_to_string(web.join(rel)).expect(rel);
            assert_eq!(&written, text, "{rel}");
        }
        assert!(web.join("dashboard.schema.json").is_file());
        assert!(web.join("vendor/@hat-open/juggler/index.js").is_file());
        assert!(!web.join("app.js").exists(), "no hand-written page");
    }
}

#[test]
fn check_reads_the_new_dashboard_and_notes_nothing_unbound() {
    let dir = tempfile::tempdir().expect("tempdir");
    new_builder(dir.path(), Generation::V06);
    let path = dir.path().join("web/dashboard.json");
    let report = crate::check::check(&path).expect("valid");
    assert!(
        report.ends_with("ok (dashboard version 1, 11 widgets)"),
        "{report}"
    );
    // A path the state lacks is noted, not refused: the workspace that
    // serves web/ is found in the folder above.
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("/level/value", "/level/nope")).expect("write");
    let report = crate::check::check(&path).expect("still valid");
    let workspace = dir.path().join("workspace.json");
    assert!(
        report.contains(&format!(
            "note: widgets[0].path /level/nope is not in the initialState of {}",
            workspace.display()
        )),
        "{report}"
    );
    // A workspace above that serves another folder is not this
    // dashboard's.
    let ws = std::fs::read_to_string(&workspace).expect("read");
    std::fs::create_dir(dir.path().join("other")).expect("mkdir");
    std::fs::write(
        &workspace,
        ws.replace("\"staticDir\": \"web\"", "\"staticDir\": \"other\""),
    )
    .expect("write");
    let report = crate::check::check(&path).expect("still valid");
    assert!(!report.contains("note:"), "{report}");
}
