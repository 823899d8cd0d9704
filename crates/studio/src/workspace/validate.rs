//! Checks of a workspace file: its version before anything else, the
//! problems serde finds while reading it, and what must hold once it is
//! read (ranges, regexes, files that exist, unique names).

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::Deserializer;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::{VERSION, Workspace, resolve};
use crate::error::Problem;

/// The `version` of a workspace text: `Ok(None)` when it is not a whole
/// number (the full read reports that), `Err` when the text is not a JSON
/// object or has no version.
pub(crate) fn probe_version(text: &str) -> Result<Option<u64>, Problem> {
    struct Probe;
    impl<'de> Visitor<'de> for Probe {
        type Value = Option<Value>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a workspace: a JSON object, as { \"version\": 1, … }")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut version = None;
            while let Some(key) = map.next_key::<String>()? {
                if key == "version" {
                    version = Some(map.next_value::<Value>()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(version)
        }
    }
    if text.trim().is_empty() {
        return Err(Problem {
            line: Some(1),
            column: Some(1),
            field: String::new(),
            message: "the file is empty: a workspace is a JSON object, as { \"version\": 1 }"
                .into(),
        });
    }
    let version = juggler::json::deserialize_with(text, MAX_DEPTH, |de| {
        de.deserialize_map(Probe).and_then(|v| de.end().map(|()| v))
    })
    .map_err(|e| Problem::new("", e.to_string()))?
    .map_err(|e| {
        let mut problem = problem_of_json(text, String::new(), &e);
        if e.classify() == serde_json::error::Category::Data
            && let Some(span) = super::Positions::scan(text).get("")
        {
            // Not an object: point at where the value starts.
            (problem.line, problem.column) = (Some(span.start.0), Some(span.start.1));
        }
        problem
    })?;
    match version {
        None => {
            let (line, column) = super::Positions::scan(text).find("").unwrap_or((1, 1));
            Err(Problem {
                line: Some(line),
                column: Some(column),
                field: String::new(),
                message: format!("no \"version\": add \"version\": {VERSION} as the first member"),
            })
        }
        Some(v) => Ok(v.as_u64()),
    }
}

/// How deep a workspace file may nest: the juggler default, so any state a
/// dashboard can be sent fits in `initialState`.
pub(crate) const MAX_DEPTH: usize = juggler::json::DEFAULT_MAX_DEPTH;

/// A serde_json error as a problem at its line and column.
pub(crate) fn problem_of_serde(
    text: &str,
    e: serde_path_to_error::Error<serde_json::Error>,
) -> Problem {
    let field = e.path().to_string();
    let field = if field == "." { String::new() } else { field };
    let mut problem = problem_of_json(text, field, e.inner());
    // serde_json places an error raised by a type's own check (a port out
    // of range) where its parent ends; then the value's start is better.
    if e.inner().classify() == serde_json::error::Category::Data
        && !problem.field.is_empty()
        && let Some(span) = super::Positions::scan(text).get(&problem.field)
        && problem
            .line
            .zip(problem.column)
            .is_none_or(|at| at > span.end)
    {
        problem.line = Some(span.start.0);
        problem.column = Some(span.start.1);
    }
    problem
}

fn problem_of_json(text: &str, field: String, e: &serde_json::Error) -> Problem {
    let mut message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    if let Some(stripped) = message.strip_suffix(&suffix) {
        message = stripped.to_owned();
    }
    if e.is_eof() {
        message.push_str(": the file ends too early (is it cut short?)");
    }
    let (line, column) = if e.line() == 0 {
        (None, None)
    } else {
        (
            u32::try_from(e.line()).ok(),
            u32::try_from(char_column(text, e.line(), e.column())).ok(),
        )
    };
    Problem {
        line,
        column,
        field,
        message,
    }
}

/// serde_json counts columns in bytes; people count characters.
fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(line_text) = text.split('\n').nth(line.saturating_sub(1)) else {
        return byte_column;
    };
    let mut end = byte_column.min(line_text.len());
    while !line_text.is_char_boundary(end) {
        end -= 1;
    }
    line_text[..end].chars().count().max(1)
}

/// What must hold in a workspace once its fields are read.
pub(crate) fn validate(ws: &Workspace, base_dir: &Path) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut problem = |field: String, message: String| out.push(Problem::new(field, message));
    if ws.version != VERSION {
        problem(
            "version".into(),
            format!(
                "version {} is not a workspace version: write \"version\": {VERSION}",
                ws.version
            ),
        );
    }

    check_server(&ws.server, base_dir, &mut problem);
    check_rules(ws, &mut problem);
    check_remotes(ws, base_dir, &mut problem);
    for (field, message) in crate::scenario::check_all(&ws.scenarios) {
        problem(field, message);
    }
    if let Err(problems) = crate::schemas::Compiled::new(ws.schemas.as_ref()) {
        for (field, message) in problems {
            problem(field, message);
        }
    }
    out
}

/// The server settings' problems.
fn check_server(
    s: &super::ServerSettings,
    base_dir: &Path,
    problem: &mut impl FnMut(String, String),
) {
    if s.host.trim().is_empty() {
        problem(
            "server.host".into(),
            "the host is empty: write 127.0.0.1 (this machine only) or 0.0.0.0 (every \
             interface)"
                .into(),
        );
    }
    for (field, value) in [("wsPath", &s.ws_path), ("indexPath", &s.index_path)] {
        if let Some(p) = value
            && !p.starts_with('/')
        {
            problem(
                format!("server.{field}"),
                format!(
                    "{p:?} does not start with /: write it as an absolute URL path, as \"/{p}\""
                ),
            );
        }
    }
    let files = [
        ("staticDir", &s.static_dir, true),
        ("pemFile", &s.pem_file, false),
        ("htpasswdFile", &s.htpasswd_file, false),
    ];
    for (field, value, is_dir) in files {
        if let Some(p) = value {
            if let Some(message) = missing(base_dir, p, is_dir) {
                problem(format!("server.{field}"), message);
            }
        }
    }
    check_server_numbers(s, problem);
    for (i, origin) in s.allowed_origins.iter().flatten().enumerate() {
        if origin.trim().is_empty() {
            problem(
                format!("server.allowedOrigins[{i}]"),
                "an empty origin: write one as http://localhost:8080".into(),
            );
        }
    }
}

/// The server's durations (seconds) and sizes: in range, and no size 0.
fn check_server_numbers(s: &super::ServerSettings, problem: &mut impl FnMut(String, String)) {
    let durations = [
        ("autoflush", s.autoflush.unwrap_or(0.0), false),
        ("shutdownTimeout", s.shutdown_timeout, false),
        ("pingDelay", s.ping_delay, true),
        ("pingTimeout", s.ping_timeout, true),
        ("idleTimeout", s.idle_timeout.unwrap_or(1.0), true),
        ("tcpKeepalive", s.tcp_keepalive.unwrap_or(1.0), true),
        (
            "notifyOverflowClose",
            s.notify_overflow_close.unwrap_or(0.0),
            false,
        ),
    ];
    for (field, secs, positive) in durations {
        if !secs.is_finite() || secs < 0.0 || (positive && secs == 0.0) || secs > 1e9 {
            let least = if positive { "more than 0" } else { "0 or more" };
            problem(
                format!("server.{field}"),
                format!("{secs} seconds is out of range: write a number of seconds, {least}"),
            );
        }
    }
    let sizes = [
        ("maxSegmentSize", s.max_segment_size),
        ("maxMessageSize", s.max_message_size),
        ("sendQueueSize", s.send_queue_size),
        ("maxPendingRequests", s.max_pending_requests),
        ("maxConnections", s.max_connections),
    ];
    for (field, n) in sizes {
        if n == 0 {
            problem(
                format!("server.{field}"),
                "0 stops everything: write a number of at least 1".into(),
            );
        }
    }
}

/// Rules with the same id, and each rule's own problems.
fn check_rules(ws: &Workspace, problem: &mut impl FnMut(String, String)) {
    let mut ids = HashSet::new();
    for (i, rule) in ws.rules.iter().enumerate() {
        if !ids.insert(rule.id.as_str()) {
            problem(
                format!("rules[{i}].id"),
                format!(
                    "another rule has the id {:?}: give each rule its own",
                    rule.id
                ),
            );
        }
        for (field, message) in rule.check() {
            problem(format!("rules[{i}].{field}"), message);
        }
    }
}

/// The bookmarks' problems: names, URLs, CA files.
fn check_remotes(ws: &Workspace, base_dir: &Path, problem: &mut impl FnMut(String, String)) {
    let mut names = HashSet::new();
    for (i, remote) in ws.remotes.iter().enumerate() {
        if remote.name.trim().is_empty() {
            problem(
                format!("remotes[{i}].name"),
                "the name is empty: name the bookmark".into(),
            );
        } else if !names.insert(remote.name.as_str()) {
            problem(
                format!("remotes[{i}].name"),
                format!(
                    "another bookmark is named {:?}: give each its own name",
                    remote.name
                ),
            );
        }
        if !(remote.url.starts_with("ws://") || remote.url.starts_with("wss://")) {
            problem(
                format!("remotes[{i}].url"),
                format!(
                    "{:?} is not a WebSocket URL: write ws://host:port/path or wss://…",
                    remote.url
                ),
            );
        }
        if let super::RemoteTrust::CaFile(file) = &remote.trust
            && let Some(message) = missing(base_dir, file, false)
        {
            problem(format!("remotes[{i}].trust.caFile"), message);
        }
    }
}

/// Why `path` (relative to `base_dir`) is not the file or folder needed.
fn missing(base_dir: &Path, path: &str, want_dir: bool) -> Option<String> {
    let full = resolve(base_dir, path);
    let (ok, kind) = match std::fs::metadata(&full) {
        Ok(meta) if want_dir => (meta.is_dir(), "is not a folder"),
        Ok(meta) => (meta.is_file(), "is not a file"),
        Err(_) => (false, "does not exist"),
    };
    (!ok).then(|| {
        format!(
            "{} {kind} (paths are relative to the workspace file's folder): fix the path or \
             create the {}",
            full.display(),
            if want_dir { "folder" } else { "file" }
        )
    })
}
