use std::fs;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::widget::{GaugeStyle, ValueFormat};
use super::*;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The dashboard `juggler-studio new --builder` writes, titled.
fn sample_text() -> String {
    let text = fs::read_to_string(manifest_dir().join("scaffold/builder/dashboard.json"))
        .expect("the builder scaffold's dashboard");
    text.replace("{{title}}", "Tank farm")
}

fn problems(text: &str) -> Vec<Problem> {
    match read::parse(text) {
        Ok(d) => panic!("expected problems, read {d:?}"),
        Err(p) => p,
    }
}

/// One problem, as `LINE:COLUMN: FIELD: MESSAGE`.
fn one_problem(text: &str) -> String {
    let p = problems(text);
    assert_eq!(p.len(), 1, "{p:?}");
    p[0].to_string()
}

/// A dashboard text with these widgets.
fn with_widgets(widgets: Value) -> String {
    let d = json!({"version": 1, "title": "t", "widgets": widgets});
    serde_json::to_string_pretty(&d).expect("json")
}

#[test]
fn the_sample_reads_and_writes_back_byte_for_byte() {
    let text = sample_text();
    let d = Dashboard::parse(&text, "dashboard.json").expect("valid");
    assert_eq!(d.title, "Tank farm");
    assert_eq!(d.widgets.len(), 11);
    assert_eq!(d.to_json_string(), text, "the canonical form is stable");
    let again = Dashboard::parse(&d.to_json_string(), "again").expect("valid");
    assert_eq!(again, d);
    let WidgetKind::Gauge(g) = &d.widget("level-gauge").expect("gauge").kind else {
        panic!("a gauge");
    };
    assert_eq!(g.style, None);
    assert_eq!(g.min.to_string(), "0");
    let WidgetKind::Value(v) = &d.widget("level").expect("value").kind else {
        panic!("a value");
    };
    assert_eq!(v.format, Some(ValueFormat::Number));
}

#[test]
fn numbers_and_optional_members_keep_their_form() {
    // 100 stays 100 (not 100.0), 0.25 stays 0.25, 1e2 is written in
    // serde_json's one form of an exponent (1e+2) and stays so;
    // a member left out stays out, one given with its default stays in.
    let text = r#"{"version": 1, "title": "t", "widgets": [
        {"id": "g", "type": "gauge", "x": 0, "y": 0, "w": 2, "h": 2,
         "path": ["level", 0], "min": -0.25, "max": 1e2, "style": "arc"},
        {"id": "t", "type": "trend", "x": 2, "y": 0, "w": 2, "h": 2,
         "series": [{"path": "/a~1b/c~0d"}], "windowMinutes": 0.5, "max": 100}]}"#;
    let d = Dashboard::parse(text, "d").expect("valid");
    let out = d.to_json_string();
    for kept in [
        "\"min\": -0.25",
        "\"max\": 1e+2",
        "\"style\": \"arc\"",
        "\"windowMinutes\": 0.5",
        "\"max\": 100\n",
    ] {
        assert!(out.contains(kept), "{kept} in {out}");
    }
    assert!(!out.contains("grid"), "{out}");
    assert!(!out.contains("title\": null"), "{out}");
    let WidgetKind::Gauge(g) = &d.widgets[0].kind else {
        panic!("gauge")
    };
    assert_eq!(g.style, Some(GaugeStyle::Arc));
    assert_eq!(
        g.path,
        BoundPath::Steps(vec![PathKey::Key("level".into()), PathKey::Index(0)])
    );
    assert_eq!(
        Dashboard::parse(&out, "d").expect("valid").to_json_string(),
        out
    );
}

#[test]
fn members_are_written_in_a_fixed_readable_order() {
    let text = with_widgets(json!([
        {"h": 2, "path": "/v", "w": 2, "type": "value", "y": 0, "x": 0, "id": "v", "title": "V"}
    ]));
    let out = Dashboard::parse(&text, "d")
        .expect("valid")
        .to_json_string();
    let at = |key: &str| out.find(&format!("\"{key}\"")).expect(key);
    let order = ["$schema", "version", "title", "widgets", "id", "type"];
    let order: Vec<usize> = order.iter().skip(1).map(|k| at(k)).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{out}");
    let widget = &out[at("widgets")..];
    let keys: Vec<usize> = ["id", "type", "title", "x", "y", "w", "h", "path"]
        .iter()
        .map(|k| widget.find(&format!("\"{k}\"")).expect(k))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{widget}");
}

#[test]
fn a_shape_problem_names_the_line_column_and_field() {
    let text = "{\n  \"version\": 1,\n  \"title\": \"t\",\n  \"widgets\": [\n    { \"id\": \"g\", \"type\": \"gauge\", \"x\": 0, \"y\": 0, \"w\": 2, \"h\": 2,\n      \"path\": \"/a\", \"min\": 0, \"max\": 1,\n      \"thresholds\": [ { \"from\": 0.5, \"colour\": \"red\" } ] }\n  ]\n}\n";
    let p = one_problem(text);
    assert!(
        p.starts_with(
            "7:48: widgets[0].thresholds[0].colour: unknown field `colour`, expected `from` or \
             `color`"
        ),
        "{p}"
    );
}

#[test]
fn every_broken_widget_is_reported_at_once() {
    let text = with_widgets(json!([
        {"id": "a", "type": "dial", "x": 0, "y": 0, "w": 1, "h": 1},
        {"id": "b", "type": "value", "x": 0, "y": 0, "w": 1, "h": 1},
        {"id": "c", "type": "value", "x": "0", "y": 0, "w": 1, "h": 1, "path": "/c"},
        {"type": "text", "x": 0, "y": 0, "w": 1, "h": 1, "text": "hi", "size": 3},
        "a string",
        {"id": "f", "x": 0, "y": 0, "w": 1, "h": 1},
    ]));
    let p: Vec<String> = problems(&text)
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    let expect = [
        "widgets[0].type: \"dial\" is not a widget type: use one of value, lamp, gauge",
        "widgets[1]: missing field `path`",
        "widgets[2].x: invalid type: string \"0\", expected u32",
        "widgets[3]: missing field `id`",
        "widgets[3].size: unknown field `size`, expected `text` or `style`",
        "widgets[4]: a widget is a JSON object",
        "widgets[5]: no \"type\": add \"type\" with one of value, lamp",
    ];
    assert_eq!(p.len(), expect.len(), "{p:#?}");
    for (got, want) in p.iter().zip(expect) {
        assert!(
            got.starts_with(want),
            "{got}\n  does not start with\n{want}"
        );
    }
}

#[test]
fn what_must_hold_between_fields_is_checked() {
    let text = with_widgets(json!([
        {"id": "v", "type": "value", "x": 10, "y": 0, "w": 4, "h": 1, "path": "level", "decimals": 11},
        {"id": "v", "type": "gauge", "x": 0, "y": 999, "w": 1, "h": 2, "path": "/a~2",
         "min": 5, "max": 5, "thresholds": [{"from": 3, "color": "#12345"}, {"from": 2, "color": "red; x"}]},
        {"id": "bad id!", "type": "button", "x": 0, "y": 0, "w": 0, "h": 1, "label": "Go",
         "send": {"name": " ", "data": {"a": "{{row.id}}", "{{value.x}}": ["{{nowMs.x}}", "{{value.}}"]},
                  "confirm": "{{data}}?"}},
        {"id": "t", "type": "table", "x": 0, "y": 0, "w": 1, "h": 1, "path": "/rows",
         "columns": [{"key": "a"}, {"key": "a"}, {"key": ""}],
         "rowAction": {"label": "Ack", "send": {"name": "ack", "data": "{{value}}"}}},
        {"id": "tr", "type": "trend", "x": 0, "y": 0, "w": 1, "h": 1, "series": [],
         "windowMinutes": 0, "min": 2, "max": 1},
        {"id": "n", "type": "notifications", "x": 0, "y": 0, "w": 1, "h": 1, "max": 0},
        {"id": "s", "type": "setpoint", "x": 0, "y": 0, "w": 1, "h": 1, "path": "/s",
         "send": {"name": "set"}, "step": 0},
    ]));
    let got: Vec<String> = problems(&text)
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    let expect = [
        "widgets[0].path: \"level\" does not start with \"/\": write \"/level\"",
        "widgets[0].w: the widget ends at column 14 of a grid of 12",
        "widgets[0].decimals: 11 is out of range: use 0 to 10",
        "widgets[1].id: \"v\" is the id of an earlier widget",
        "widgets[1].y: the widget ends below row 1000",
        "widgets[1].path: \"a~2\": \"~\" must be followed by 0",
        "widgets[1].max: max (5) is not above min (5)",
        "widgets[1].thresholds[0].color: \"#12345\" is not a colour",
        "widgets[1].thresholds[1].from: thresholds go up",
        "widgets[1].thresholds[1].color: \"red; x\" is not a colour",
        "widgets[2].id: \"bad id!\": an id is 1 to 64 letters",
        "widgets[2].w: a widget is at least 1 column wide",
        "widgets[2].send.name: the request's name is empty",
        "widgets[2].send.data.a: placeholder {{row.id}}: unknown name \"row\": use value, value.MEMBER, now or nowMs",
        "widgets[2].send.data.{{value.x}}[0]: placeholder {{nowMs.x}}: nowMs has no members",
        "widgets[2].send.data.{{value.x}}[1]: placeholder {{value.}}: an empty step",
        "widgets[2].send.confirm: placeholder {{data}}: unknown name \"data\"",
        "widgets[3].columns[1].key: \"a\" is shown by an earlier column",
        "widgets[3].columns[2].key: the key is empty",
        "widgets[3].rowAction.send.data: placeholder {{value}}: unknown name \"value\": use row, row.MEMBER, now or nowMs",
        "widgets[4].series: a trend has 1 to 8 series",
        "widgets[4].windowMinutes: 0 is out of range",
        "widgets[4].max: max (1) is not above min (2)",
        "widgets[5].max: 0 is out of range: keep 1 to 1000",
        "widgets[6].step: the step is above 0",
    ];
    let unmatched: Vec<&&str> = expect
        .iter()
        .filter(|want| !got.iter().any(|g| g.starts_with(**want)))
        .collect();
    assert!(unmatched.is_empty(), "missing {unmatched:#?}\nin {got:#?}");
    assert_eq!(got.len(), expect.len(), "{got:#?}");
}

#[test]
fn the_file_as_a_whole() {
    assert_eq!(
        one_problem(""),
        "1:1: the file is empty: a dashboard is a JSON object, as { \"version\": 1, \"title\": \
         \"…\", \"widgets\": [] }"
    );
    assert!(one_problem("[1]").contains("a dashboard is a JSON object"));
    let p = one_problem("{\"version\": 1, \"title\": \"t\"} x");
    assert!(p.starts_with("1:30: trailing characters"), "{p}");
    let p = one_problem("{\n  \"version\": 1,\n  \"title\": \"t\",");
    assert!(
        p.starts_with("3:15: EOF while parsing a value: the file ends too early"),
        "{p}"
    );
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert!(one_problem(&deep).contains("nests deeper than 64 levels"));
    let p = one_problem("{\"version\": 2, \"title\": \"t\", \"widgets\": \"soon\"}");
    assert!(
        p.starts_with("1:13: version: dashboard version 2 is newer than this Juggler Studio"),
        "{p}"
    );
    let p = one_problem("{\"version\": 0, \"title\": \"t\"}");
    assert!(
        p.contains("version: version 0 is not a dashboard version"),
        "{p}"
    );
    let p = one_problem("{\"version\": 1, \"title\": \"t\", \"widgets\": {}}");
    assert!(p.contains("widgets: the widgets are a list"), "{p}");
    let p = one_problem(
        "{\"version\": 1, \"title\": \"t\", \"grid\": {\"columns\": 0, \"rowHeight\": 8, \"gap\": 0}}",
    );
    assert!(
        p.contains("grid.columns: 0 is out of range: use 1 to 48"),
        "{p}"
    );
    let p = one_problem("{\"version\": 1}");
    assert!(p.contains("missing field `title`"), "{p}");
}

#[test]
fn an_error_from_serde_says_the_field_too() {
    let err = serde_json::from_value::<Dashboard>(json!({
        "version": 1, "title": "t",
        "widgets": [{"id": "a", "type": "lamp", "x": 0, "y": 0, "w": 1, "h": 1, "path": 3}]
    }))
    .expect_err("a number is no path")
    .to_string();
    assert!(
        err.starts_with("widgets[0].path: a number given: a path is a JSON Pointer"),
        "{err}"
    );
    let err = Dashboard::parse("{\"version\": 1, \"title\": 1}", "my/dashboard.json")
        .expect_err("bad")
        .to_string();
    assert!(
        err.starts_with("my/dashboard.json:1:25: title: invalid type"),
        "{err}"
    );
}

#[test]
fn paths_find_values_as_the_runtime_does() {
    let state = json!({"a/b": {"c~d": 1}, "list": [{"x": true}, 2], "": {"": 5}});
    let at = |p: Value| -> Option<Value> {
        let path: BoundPath = serde_json::from_value(p).expect("a path");
        path.lookup(&state).cloned()
    };
    assert_eq!(at(json!("/a~1b/c~0d")), Some(json!(1)));
    assert_eq!(at(json!(["a/b", "c~d"])), Some(json!(1)));
    assert_eq!(at(json!("/list/0/x")), Some(json!(true)));
    assert_eq!(at(json!(["list", 1])), Some(json!(2)));
    assert_eq!(at(json!(["list", "1"])), None, "a key is no index");
    assert_eq!(at(json!("/list/01")), None, "no leading zeros");
    assert_eq!(at(json!("/list/-")), None);
    assert_eq!(at(json!("//")), Some(json!(5)));
    assert_eq!(at(json!("")), Some(state.clone()));
    assert_eq!(at(json!([])), Some(state.clone()));
    assert_eq!(at(json!("/nope")), None);
    let p: BoundPath = serde_json::from_value(json!(["a/b", 0])).expect("path");
    assert_eq!(p.to_string(), "/a~1b/0");
    for bad in [
        json!(["a", -1]),
        json!(["a", 1.5]),
        json!([null]),
        json!({}),
        json!(1),
    ] {
        assert!(
            serde_json::from_value::<BoundPath>(bad.clone()).is_err(),
            "{bad}"
        );
    }
    // Read, but not a pointer: validation says so, beside other problems.
    let p: BoundPath = serde_json::from_value(json!("x")).expect("a string");
    assert!(p.steps().is_err());
    assert_eq!(p.lookup(&state), None);
}

/// The committed `dashboard.schema.json` is the schema of the types; run
/// with `STUDIO_UPDATE_SCHEMA=1` to rewrite it after changing them.
#[test]
fn the_committed_schema_is_current_and_accepts_the_sample() {
    let schema = crate::workspace::tests::assert_committed_schema(
        SCHEMA_FILE_NAME,
        &Dashboard::json_schema(),
    );
    assert_eq!(schema["title"], "Juggler Studio dashboard");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let sample: Value = serde_json::from_str(&sample_text()).expect("json");
    let errors: Vec<String> = validator
        .iter_errors(&sample)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // An editor is told of a wrong member inside a widget, too.
    let mut bad = sample.clone();
    bad["widgets"][1]["thresholds"][0]["colour"] = json!("red");
    assert!(!validator.is_valid(&bad));
    let mut bad = sample;
    bad["widgets"][0]["type"] = json!("dial");
    assert!(!validator.is_valid(&bad));
}

/// A hand-written compact file saved with no edit: its bytes stay (Save
/// rewrote it in canonical form, a change nobody made).
#[test]
fn a_hand_written_dashboard_saved_unchanged_keeps_its_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let value: Value = serde_json::from_str(&sample_text()).expect("json");
    let compact = serde_json::to_string(&value).expect("json");
    let file = dir.path().join(FILE_NAME);
    fs::write(&file, &compact).expect("write");
    let opened = folder::open(dir.path()).expect("open");
    let saved = folder::save(
        dir.path(),
        opened.dashboard.clone().expect("dashboard"),
        Some(&compact),
    )
    .expect("save");
    assert!(!saved.written, "the same dashboard: nothing written");
    assert_eq!(saved.text, compact, "the next save's base is the file");
    assert_eq!(fs::read_to_string(&file).expect("read"), compact);
    // An edit is written, in canonical form.
    let mut edited = opened.dashboard.expect("dashboard");
    edited["title"] = json!("Edited");
    let saved = folder::save(dir.path(), edited, Some(&saved.text)).expect("save");
    assert!(saved.written);
    assert_ne!(fs::read_to_string(&file).expect("read"), compact);
}

/// A negative or fractional grid number said only "invalid number".
#[test]
fn a_grid_number_that_is_no_whole_number_says_what_is_allowed() {
    let text = with_widgets(json!([
        {"id": "a", "type": "text", "text": "t", "x": -1, "y": 0.5, "w": 1.5, "h": -2},
    ]));
    let p: Vec<String> = problems(&text)
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        p[0],
        "widgets[0].x: -1 is not a whole number of grid cells: use 0 or more, without a fraction"
    );
    for (field, value, least) in [("y", "0.5", 0), ("w", "1.5", 1), ("h", "-2", 1)] {
        let mut widget =
            json!({"id": "a", "type": "text", "text": "t", "x": 0, "y": 0, "w": 1, "h": 1});
        widget[field] = serde_json::from_str(value).expect("number");
        let got = one_problem(&with_widgets(json!([widget])));
        assert!(
            got.ends_with(&format!(
                "widgets[0].{field}: {value} is not a whole number of grid cells: use {least} or more, without a fraction"
            )),
            "{got}"
        );
    }
}
