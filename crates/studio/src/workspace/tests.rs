use super::*;
use serde_json::json;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The whole error message of parsing `text` as `w.json`.
fn error_of(text: &str) -> String {
    match Workspace::parse(text, "w.json", Path::new(".")) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn problems_of(text: &str, base: &Path) -> Vec<Problem> {
    match Workspace::parse(text, "w.json", base) {
        Err(Error::Workspace { problems, .. }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

/// Each problem's line and field, in order.
fn lines_and_fields(problems: &[Problem]) -> Vec<(Option<u32>, &str)> {
    problems
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect()
}

#[test]
fn the_example_loads_and_round_trips() {
    let path = manifest_dir().join("workspace.example.json");
    let ws = Workspace::load(&path).expect("the example is valid");
    assert_eq!(ws.rules.len(), 7);
    assert_eq!(ws.remotes[1].trust, RemoteTrust::Insecure);
    assert_eq!(ws.schema.as_deref(), Some("./workspace.schema.json"));
    let text = ws.to_json_string();
    let again = Workspace::parse(&text, "again", &manifest_dir()).expect("valid");
    assert_eq!(again, ws);
    assert_eq!(again.to_json_string(), text, "saving is stable");
    crate::rules::RuleSet::new(ws.rules).expect("the example's rules compile");
}

#[test]
fn a_minimal_file_takes_every_default() {
    let ws = Workspace::parse("{\"version\": 1}", "w.json", Path::new(".")).expect("valid");
    assert_eq!(ws, Workspace::default());
    assert_eq!(ws.server.bind_address(), "127.0.0.1:8080");
    let text = ws.to_json_string();
    assert!(
        text.starts_with("{\n  \"version\": 1,\n  \"server\": {\n    \"host\": \"127.0.0.1\","),
        "{text}"
    );
    assert!(text.ends_with("\"recordings\": []\n}\n"), "{text}");
}

#[test]
fn corrupt_files_name_the_line_column_and_field() {
    let globb = r#"{
  "version": 1,
  "rules": [
    { "id": "a", "match": { "name": { "exact": "a" } }, "action": "echo" },
    { "id": "b", "match": { "name": { "exact": "b" } }, "action": "echo" },
    {
      "id": "c",
      "match": {
        "name": { "globb": "user.*" }
      },
      "action": "echo"
    }
  ]
}"#;
    let cases = [
        (
            globb,
            "w.json:9:25: rules[2].match.name: unknown variant `globb`, expected one of \
             `exact`, `glob`, `regex`",
        ),
        (
            "{\n  \"version\": 1,\n  \"server\": {\n    \"port\": 70000\n  }\n}",
            "w.json:4:13: server.port: port 70000 is out of range: use 1 to 65535, or 0 for \
             any free port",
        ),
        (
            "{\n  \"version\": 1,\n  \"server\": { \"generation\": 0.7 }\n}",
            "w.json:3:29: server.generation: unknown generation 0.7: write \"0.6\" or \"0.7\" \
             (a string)",
        ),
        (
            "{\n  \"version\": 1,\n  \"remotes\": [{\"name\": \"x\", \"url\": \"ws://h/ws\", \
             \"trust\": \"sometimes\"}]\n}",
            "w.json:3:68: remotes[0].trust: unknown variant `sometimes`, expected one of \
             `system`, `caFile`, `insecure`",
        ),
        (
            "{\n  \"version\": 1,\n  \"server\": {\n    \"prot\": 1\n  }\n}",
            "w.json:4:10: server.prot: unknown field `prot`, expected one of `host`, `port`, \
             `wsPath`, `staticDir`, `liveReload`, `indexPath`, `pemFile`, `htpasswdFile`, `autoflush`, \
             `shutdownTimeout`, `sharedState`, `parallelRequests`, `noCache`, `generation`, \
             `maxSegmentSize`, `pingDelay`, `pingTimeout`, `maxMessageSize`, `sendQueueSize`, \
             `maxPendingRequests`, `maxConnections`, `allowedOrigins`, `idleTimeout`, \
             `tcpKeepalive`, `notifyOverflowClose`",
        ),
        (
            "{\n  \"version\": 1,\n  \"rules\": [{\"id\": \"a\", \"action\": \"echo\"}]\n}",
            "w.json:3:41: rules[0]: missing field `match`",
        ),
        (
            "{\n  \"version\": 1,\n  \"rules\": []\n  \"remotes\": []\n}",
            "w.json:4:3: expected `,` or `}`",
        ),
        (
            "{\n  \"version\": 1,\n  \"initialState\": {\"a\": [1, 2",
            "w.json:3:29: EOF while parsing a list: the file ends too early (is it cut short?)",
        ),
        ("{\"version\": 1} x", "w.json:1:16: trailing characters"),
        (
            "  [1, 2]",
            "w.json:1:3: invalid type: sequence, expected a workspace: a JSON object, as \
             { \"version\": 1, … }",
        ),
        (
            "",
            "w.json:1:1: the file is empty: a workspace is a JSON object, as { \"version\": 1 }",
        ),
        (
            "\n\n  {\"server\": {}}",
            "w.json:3:3: no \"version\": add \"version\": 1 as the first member",
        ),
        (
            "{\"version\": \"1\"}",
            "w.json:1:15: version: invalid type: string \"1\", expected u32",
        ),
        (
            "{\"version\": 1, \"é\": 1}",
            "w.json:1:18: é: unknown field `é`, expected one of `$schema`, `version`, \
             `server`, `initialState`, `rules`, `notifyPresets`, `remotes`, `scenarios`, \
             `schemas`, `unanswered`, `recordings`",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, expected) in cases {
        let got = error_of(text);
        if got != expected {
            wrong.push(format!("for:\n{text}\n  got: {got}\n want: {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_future_version_is_refused_and_never_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("next.json");
    let text = "{\n  \"version\": 2,\n  \"somethingNew\": {\"x\": 1}\n}\n";
    fs::write(&path, text).expect("write");
    let err = Workspace::load(&path).expect_err("refused");
    assert!(matches!(
        err,
        Error::FutureVersion {
            found: 2,
            supported: 1,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: workspace version 2 is newer than this Juggler Studio understands (up to 1); \
             open it with a newer Juggler Studio. The file was not changed.",
            path.display()
        )
    );
    assert!(Workspace::load_lenient(&path).is_err());
    let err = Workspace::default()
        .save(&path)
        .expect_err("not overwritten");
    assert!(matches!(err, Error::FutureVersion { found: 2, .. }));
    assert_eq!(fs::read_to_string(&path).expect("read"), text);
    // A version below 1 is a plain problem.
    let problems = problems_of("{\"version\": 0}", Path::new("."));
    assert_eq!(
        problems[0].to_string(),
        "1:13: version: version 0 is not a workspace version: write \"version\": 1"
    );
}

#[test]
fn semantic_problems_name_the_line_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a-file"), "").expect("write");
    let text = r#"{
  "version": 1,
  "server": {
    "host": "",
    "wsPath": "ws",
    "staticDir": "missing-folder",
    "pemFile": "a-file",
    "htpasswdFile": "no-such-file",
    "pingDelay": 0,
    "autoflush": -1,
    "maxConnections": 0
  },
  "rules": [
    { "id": "a", "match": { "name": { "regex": "user(" } }, "action": "echo" },
    { "id": "a", "match": { "name": { "exact": "x" } },
      "action": { "template": { "value": { "hi": "{{dta.name}}" } } } },
    { "id": "c", "match": { "name": { "exact": "y" } }, "action": { "cycle": { "values": [] } } }
  ],
  "remotes": [
    { "name": "r", "url": "http://example.invalid/ws", "trust": { "caFile": "ca.pem" } },
    { "name": "r", "url": "wss://example.invalid/ws" }
  ]
}"#;
    let problems = problems_of(text, dir.path());
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let base = dir.path().display();
    let expected = [
        "4:13: server.host: the host is empty: write 127.0.0.1 (this machine only) or 0.0.0.0 \
         (every interface)"
            .to_owned(),
        "5:15: server.wsPath: \"ws\" does not start with /: write it as an absolute URL path, \
         as \"/ws\""
            .to_owned(),
        format!(
            "6:18: server.staticDir: {base}/missing-folder does not exist (paths are relative \
             to the workspace file's folder): fix the path or create the folder"
        ),
        format!(
            "8:21: server.htpasswdFile: {base}/no-such-file does not exist (paths are relative \
             to the workspace file's folder): fix the path or create the file"
        ),
        "9:18: server.pingDelay: 0 seconds is out of range: write a number of seconds, more \
         than 0"
            .to_owned(),
        "10:18: server.autoflush: -1 seconds is out of range: write a number of seconds, 0 or \
         more"
            .to_owned(),
        "11:23: server.maxConnections: 0 stops everything: write a number of at least 1".to_owned(),
        "14:48: rules[0].match.name.regex: the regex does not compile (unclosed group at \
         character 5): write a regex of the Rust regex crate"
            .to_owned(),
        "15:13: rules[1].id: another rule has the id \"a\": give each rule its own".to_owned(),
        "16:50: rules[1].action.template.value.hi: placeholder {{dta.name}}: unknown name \
         \"dta\": use data, data.MEMBER…, name, connectionId, now or nowMs"
            .to_owned(),
        "17:90: rules[2].action.cycle.values: no values to cycle through: give at least one"
            .to_owned(),
        "20:27: remotes[0].url: \"http://example.invalid/ws\" is not a WebSocket URL: write \
         ws://host:port/path or wss://…"
            .to_owned(),
        format!(
            "20:77: remotes[0].trust.caFile: {base}/ca.pem does not exist (paths are relative \
             to the workspace file's folder): fix the path or create the file"
        ),
        "21:15: remotes[1].name: another bookmark is named \"r\": give each its own name"
            .to_owned(),
    ];
    assert_eq!(shown, expected);
    // Lenient loading returns the workspace with the same problems.
    let (ws, lenient) = Workspace::parse_lenient(text, "w.json", dir.path()).expect("readable");
    assert_eq!(lenient, problems);
    assert_eq!(ws.rules.len(), 3);
    // The file name leads each line of the error.
    let message = Workspace::parse(text, "w.json", dir.path())
        .expect_err("invalid")
        .to_string();
    assert_eq!(message.lines().count(), 14, "{message}");
    assert!(
        message.lines().all(|l| l.starts_with("w.json:")),
        "{message}"
    );
    assert!(
        message.starts_with("w.json:4:13: server.host: "),
        "{message}"
    );
}

#[test]
fn save_is_atomic_and_keeps_opaque_sections() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.json");
    let text = r#"{"version": 1,
        "initialState": {"z": 1, "a": {"y": [3, 2, 1], "b": null}},
        "scenarios": [{"name": "s", "steps": [
            {"setState": {"path": "p", "value": {"zeta": 1, "alpha": {"b": 2}}}}]}],
        "recordings": [{"frames": [], "name": "r1"}]}"#;
    let ws = Workspace::parse(text, "w.json", dir.path()).expect("valid");
    ws.save(&path).expect("saved");
    let saved = fs::read_to_string(&path).expect("read");
    assert_eq!(Workspace::load(&path).expect("loads"), ws);
    // Members of opaque JSON keep their order.
    let z = saved.find("\"z\"").expect("z");
    let a = saved.find("\"a\"").expect("a");
    assert!(z < a, "{saved}");
    assert!(saved.find("\"zeta\"") < saved.find("\"alpha\""), "{saved}");
    assert_eq!(
        serde_json::to_value(&ws.scenarios[0]).expect("json"),
        json!({"name": "s", "steps": [
            {"setState": {"path": "p", "value": {"zeta": 1, "alpha": {"b": 2}}}}]})
    );

    // A failed save (the path is a folder) says so and leaves it alone.
    let folder = dir.path().join("folder.json");
    fs::create_dir(&folder).expect("mkdir");
    let err = ws.save(&folder).expect_err("cannot replace a folder");
    assert!(
        err.to_string()
            .contains("cannot save the workspace (the file on disk is unchanged)"),
        "{err}"
    );
    assert!(folder.is_dir());
    let names: Vec<_> = fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");

    let mut bad = ws.clone();
    bad.version = 3;
    assert!(bad.save(&path).is_err());
    assert_eq!(fs::read_to_string(&path).expect("read"), saved);
}

#[test]
fn reading_a_missing_file_names_it() {
    let err = Workspace::load(Path::new("/no/such/w.json")).expect_err("missing");
    assert!(
        err.to_string()
            .starts_with("/no/such/w.json: cannot read the workspace file: "),
        "{err}"
    );
}

#[test]
fn server_settings_become_a_juggler_server_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir(dir.path().join("www")).expect("mkdir");
    let mut s = ServerSettings {
        static_dir: Some("www".into()),
        autoflush: None,
        generation: Generation::V07,
        ping_delay: 1.5,
        ..ServerSettings::default()
    };
    let c = s.server_config(dir.path()).expect("config");
    let d = juggler::server::ServerConfig::default();
    assert_eq!(c.static_dir, Some(dir.path().join("www")));
    assert_eq!(c.autoflush, None);
    assert_eq!(c.transport.generation, juggler::Generation::V07);
    assert_eq!(
        c.transport.ping_delay,
        std::time::Duration::from_millis(1500)
    );
    assert_eq!(c.ws_path, d.ws_path);
    assert_eq!(c.index_path, d.index_path);
    assert_eq!(c.shutdown_timeout, d.shutdown_timeout);
    assert_eq!(c.transport.max_message_size, d.transport.max_message_size);
    assert_eq!(c.transport.max_segment_size, d.transport.max_segment_size);
    assert_eq!(c.transport.ping_timeout, d.transport.ping_timeout);
    assert_eq!(
        (
            c.send_queue_size,
            c.max_pending_requests,
            c.max_connections,
            c.no_cache
        ),
        (
            d.send_queue_size,
            d.max_pending_requests,
            d.max_connections,
            d.no_cache
        )
    );
    assert!(c.shared_state.is_none() && c.tls.is_none() && c.htpasswd.is_none());
    // Slow and dead peers: the juggler defaults, and each setting reaches it.
    assert_eq!(
        (c.transport.idle_timeout, c.tcp_keepalive, c.notify_overflow),
        (d.transport.idle_timeout, d.tcp_keepalive, d.notify_overflow)
    );
    let peers = ServerSettings {
        idle_timeout: Some(12.5),
        tcp_keepalive: None,
        notify_overflow_close: Some(2.0),
        ..ServerSettings::default()
    }
    .server_config(dir.path())
    .expect("config");
    assert_eq!(
        peers.transport.idle_timeout,
        Some(std::time::Duration::from_millis(12_500))
    );
    assert_eq!(peers.tcp_keepalive, None);
    assert_eq!(
        peers.notify_overflow,
        juggler::NotifyOverflow::Close(std::time::Duration::from_secs(2))
    );
    assert_eq!(
        ServerSettings::default()
            .autoflush
            .map(std::time::Duration::from_secs_f64),
        d.autoflush
    );
    s.pem_file = Some("missing.pem".into());
    let Err(err) = s.server_config(dir.path()) else {
        panic!("a missing PEM file is an error");
    };
    assert!(
        err.to_string().starts_with("server.pemFile missing.pem: "),
        "{err}"
    );
    s.pem_file = None;
    s.host = "::1".into();
    assert_eq!(s.bind_address(), "[::1]:8080");
    assert!(matches!(
        RemoteTrust::CaFile("ca.pem".into()).to_juggler(dir.path()),
        juggler::Trust::CaFile(p) if p == dir.path().join("ca.pem")
    ));
}

/// `schema` is the text committed as `crates/studio/FILE_NAME`; with
/// `STUDIO_UPDATE_SCHEMA=1` it is written there first. Returns it.
pub(crate) fn assert_committed_schema(file_name: &str, schema: &Value) -> Value {
    let path = manifest_dir().join(file_name);
    let mut text = serde_json::to_string_pretty(schema).expect("json");
    text.push('\n');
    if std::env::var_os("STUDIO_UPDATE_SCHEMA").is_some() {
        fs::write(&path, &text).expect("write the schema");
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is stale: run `STUDIO_UPDATE_SCHEMA=1 cargo test -p studio schema` and commit it",
        path.display()
    );
    schema.clone()
}

/// The committed `workspace.schema.json` is the schema of the types; run
/// with `STUDIO_UPDATE_SCHEMA=1` to rewrite it after changing them.
#[test]
fn the_committed_schema_is_current() {
    let value = assert_committed_schema("workspace.schema.json", &Workspace::json_schema());
    assert_eq!(value["title"], "Juggler Studio workspace");
    assert_eq!(value["properties"]["version"]["maximum"], 1);
    assert_eq!(value["required"], json!(["version"]));
}

/// serde stops at the first field it cannot read, so a workspace with a
/// typo in two rules and a scenario step told one per run (an outside
/// team's `check` finding F15): now every list element with a problem of
/// shape is told, each at its own line, named as the file has it.
#[test]
fn every_element_with_a_problem_of_shape_is_told_at_once() {
    let text = r#"{
 "version": 1,
 "rules": [
  {"id": "a", "match": {"name": {"exact": "x"}}, "action": {"respnd": {"value": 1}}},
  {"id": "b", "match": {"name": {"exact": "y"}}, "action": "echo"},
  {"id": "c", "match": {"name": {"exact": "z"}}, "action": {"fial": "no"}}
 ],
 "scenarios": [{"name": "s", "steps": [{"wait": {"ms": 1}}, {"wiat": {"ms": 1}}]}]
}"#;
    let problems = problems_of(text, Path::new("."));
    let told = lines_and_fields(&problems);
    assert_eq!(
        told,
        [
            (Some(4), "rules[0].action"),
            (Some(6), "rules[2].action"),
            (Some(8), "scenarios[0].steps[1]"),
        ],
        "{problems:?}"
    );
    assert!(
        problems[1].message.contains("unknown variant `fial`"),
        "{problems:?}"
    );
    assert!(
        problems[2].message.contains("unknown variant `wiat`"),
        "{problems:?}"
    );
}

/// A problem of shape in one rule hid the other rules' problems beyond
/// shape (a regex that does not compile, an id used twice) until the next
/// run: now they are told with it, named as the file has them.
#[test]
fn problems_beyond_shape_are_told_with_those_of_shape() {
    let text = r#"{
 "version": 1,
 "rules": [
  {"id": "a", "match": {"name": {"exact": "x"}}, "action": {"respnd": {"value": 1}}},
  {"id": "b", "match": {"name": {"regex": "user("}}, "action": "echo"},
  {"id": "b", "match": {"name": {"exact": "z"}}, "action": "echo"}
 ]
}"#;
    let problems = problems_of(text, Path::new("."));
    let told = lines_and_fields(&problems);
    assert_eq!(
        told,
        [
            (Some(4), "rules[0].action"),
            (Some(5), "rules[1].match.name.regex"),
            (Some(6), "rules[2].id"),
        ],
        "{problems:?}"
    );
    assert!(
        problems[1].message.contains("the regex does not compile"),
        "{problems:?}"
    );
}

/// The same when the problem of shape is a setting outside any list (a
/// port written as text): the rest is still read and checked.
#[test]
fn a_setting_of_the_wrong_kind_does_not_hide_the_rest() {
    let text = r#"{
 "version": 1,
 "server": {"port": "8080", "wsPath": "ws"},
 "rules": [
  {"id": "b", "match": {"name": {"regex": "user("}}, "action": "echo"}
 ]
}"#;
    let problems = problems_of(text, Path::new("."));
    let told: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        told,
        ["server.port", "server.wsPath", "rules[0].match.name.regex"],
        "{problems:?}"
    );
    // A required member of the wrong kind is told once, not again as missing.
    let problems = problems_of(r#"{"version": 1, "rules": "none"}"#, Path::new("."));
    assert_eq!(problems.len(), 1, "{problems:?}");
}
