//! The workspace file: one human-readable, git-friendly JSON file holding
//! the server settings, the initial state, the request rules, notify
//! presets, remote bookmarks, scenarios ([`crate::scenario`]) and JSON
//! Schemas of the state and the requests ([`crate::schemas`]) (and, kept as
//! they are for a later version of the engine, recordings).
//!
//! ```json
//! {
//!   "$schema": "./workspace.schema.json",
//!   "version": 1,
//!   "server": { "port": 8080, "staticDir": "dashboard" },
//!   "initialState": { "counter": 0 },
//!   "rules": [
//!     { "id": "hello", "match": { "name": { "exact": "hello" } },
//!       "action": { "template": { "value": "hello {{data.name}}" } } }
//!   ],
//!   "notifyPresets": [ { "name": "alarm", "data": { "level": 3 } } ],
//!   "remotes": [ { "name": "plant", "url": "wss://plant.example/ws", "trust": "system" } ],
//!   "scenarios": [
//!     { "name": "hello", "steps": [
//!       { "expectRequest": { "name": "hello", "withinMs": 2000 } } ] }
//!   ],
//!   "schemas": { "state": { "type": "object" } },
//!   "recordings": []
//! }
//! ```
//!
//! Loading reports every problem with its line, column and field path
//! (`workspace.json:12:5: rules[2].match.name: unknown variant ...`): first
//! the JSON and the shape of each field, then what must hold between them
//! (port range, regexes that compile, files that exist). A file of a newer
//! `version` is refused and never rewritten. Saving is atomic. The JSON
//! Schema of the file is [`Workspace::json_schema`], committed as
//! `crates/studio/workspace.schema.json`.

mod atomic;
mod more_problems;
pub(crate) mod positions;
mod server_settings;
pub(crate) mod validate;

use std::fs;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::error::{Error, Problem, Result};
use crate::rules::Rule;
use crate::scenario::Scenario;
use crate::schemas::Schemas;
use positions::Positions;
pub use server_settings::{Generation, SITES_HINT, ServerSettings, resolve, static_dir_setting};

/// The workspace file version this engine reads and writes.
pub const VERSION: u32 = 1;

/// A Juggler Studio workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "Juggler Studio workspace")]
#[ts(export_to = crate::ts::DIR)]
pub struct Workspace {
    /// The JSON Schema editors use to check and complete this file; kept
    /// as it is.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The file format's version: 1.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// The studio's juggler server.
    #[serde(default)]
    pub server: ServerSettings,
    /// The state the server starts with (any JSON). Default `null`.
    #[serde(default)]
    #[ts(as = "crate::ts::JsonValue")]
    pub initial_state: Value,
    /// Request rules, in order: the first enabled one that matches answers.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Notifications ready to send.
    #[serde(default)]
    pub notify_presets: Vec<NotifyPreset>,
    /// Juggler servers to connect to.
    #[serde(default)]
    pub remotes: Vec<RemoteBookmark>,
    /// Scenarios: timelines of steps that drive the dashboards and check
    /// their requests (`juggler-studio run`, `scenario.run`).
    #[serde(default)]
    pub scenarios: Vec<Scenario>,
    /// JSON Schemas of the served state and of requests' data, checked as
    /// the studio runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub schemas: Option<Schemas>,
    /// What a dashboard's request gets when no scenario, replayed answer
    /// or rule answers it: `"error"` ("no rule for NAME"), or `"null"` (a
    /// success with `null`, and a warning in the Requests pane's unmatched
    /// list and the log). Default: `"null"` while a recording is replayed
    /// (a recording made with `record` holds no requests, and a page may
    /// throw on an error its back end never sent), else `"error"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unanswered: Option<Unanswered>,
    /// Reserved for recordings; kept as they are.
    #[serde(default)]
    #[ts(as = "Vec<crate::ts::JsonValue>")]
    pub recordings: Vec<Value>,
}

/// The answer to a request that nothing answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum Unanswered {
    /// A success with `null`, and a warning.
    Null,
    /// An error: "no rule for NAME".
    Error,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            schema: None,
            version: VERSION,
            server: ServerSettings::default(),
            initial_state: Value::Null,
            rules: Vec::new(),
            notify_presets: Vec::new(),
            remotes: Vec::new(),
            unanswered: None,
            scenarios: Vec::new(),
            schemas: None,
            recordings: Vec::new(),
        }
    }
}

/// A notification ready to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct NotifyPreset {
    /// The notification's name.
    pub name: String,
    /// Its data. Default `null`.
    #[serde(default)]
    #[ts(as = "crate::ts::JsonValue")]
    pub data: Value,
}

/// A juggler server to connect to. The password is never stored: the
/// studio asks for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct RemoteBookmark {
    /// Unique name of the bookmark.
    pub name: String,
    /// `ws://host:port/path` or `wss://…`.
    pub url: String,
    /// Wire generation the server speaks, `"0.6"` or `"0.7"`; when absent,
    /// told from what the server sends when connecting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub generation: Option<Generation>,
    /// HTTP Basic auth user, if the server asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub user: Option<String>,
    /// Which certificates to trust for `wss://`. Default `"system"`.
    #[serde(default)]
    pub trust: RemoteTrust,
}

/// Which server certificates a remote session trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum RemoteTrust {
    /// The operating system's trusted roots.
    #[default]
    System,
    /// The system's roots plus the CA certificates in this PEM file
    /// (relative to the workspace file's folder).
    CaFile(String),
    /// Any certificate, unverified: for development servers only.
    Insecure,
}

impl RemoteTrust {
    /// The juggler client's trust setting, with a CA file resolved against
    /// `base_dir`.
    pub fn to_juggler(&self, base_dir: &Path) -> juggler::Trust {
        match self {
            RemoteTrust::System => juggler::Trust::System,
            RemoteTrust::CaFile(file) => juggler::Trust::CaFile(resolve(base_dir, file)),
            RemoteTrust::Insecure => juggler::Trust::AcceptAny,
        }
    }
}

/// The folder that paths in the workspace file at `path` are relative to.
pub fn base_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl Workspace {
    /// Reads the workspace file at `path`; fails on any problem.
    pub fn load(path: &Path) -> Result<Workspace> {
        let text = read(path)?;
        Workspace::parse(&text, &path.display().to_string(), &base_dir(path))
    }

    /// Reads the workspace file at `path`, failing only on what keeps it
    /// from being read (bad JSON, a wrong field, a newer version); returns
    /// it with the problems found after reading, for a user to fix.
    pub fn load_lenient(path: &Path) -> Result<(Workspace, Vec<Problem>)> {
        let text = read(path)?;
        Workspace::parse_lenient(&text, &path.display().to_string(), &base_dir(path))
    }

    /// [`Workspace::load`] of the text of a file: `file` names it in
    /// messages, `base_dir` resolves its relative paths.
    pub fn parse(text: &str, file: &str, base_dir: &Path) -> Result<Workspace> {
        let (workspace, problems) = Workspace::parse_lenient(text, file, base_dir)?;
        if problems.is_empty() {
            Ok(workspace)
        } else {
            Err(Error::Workspace {
                file: file.to_owned(),
                problems,
            })
        }
    }

    /// [`Workspace::load_lenient`] of the text of a file.
    pub fn parse_lenient(
        text: &str,
        file: &str,
        base_dir: &Path,
    ) -> Result<(Workspace, Vec<Problem>)> {
        let invalid = |problem: Problem| Error::Workspace {
            file: file.to_owned(),
            problems: vec![problem],
        };
        match validate::probe_version(text) {
            Err(problem) => return Err(invalid(problem)),
            Ok(Some(found)) if found > u64::from(VERSION) => {
                return Err(Error::FutureVersion {
                    file: file.to_owned(),
                    found,
                    supported: VERSION,
                });
            }
            Ok(_) => {}
        }
        let workspace: Workspace =
            juggler::json::deserialize_with(text, validate::MAX_DEPTH, |de| {
                serde_path_to_error::deserialize(de)
            })
            .map_err(|e| invalid(Problem::new("", e.to_string())))?
            .map_err(|e| {
                let first = validate::problem_of_serde(text, e);
                let mut more = more_problems::after(text, &first.field, base_dir);
                Positions::locate(text, &mut more);
                Error::Workspace {
                    file: file.to_owned(),
                    problems: std::iter::once(first).chain(more).collect(),
                }
            })?;
        let mut problems = workspace.validate(base_dir);
        Positions::locate(text, &mut problems);
        Ok((workspace, problems))
    }

    /// What is wrong with this workspace beyond the shape of its fields,
    /// with relative paths resolved against `base_dir`. Problems carry no
    /// line or column (the loading functions add them).
    pub fn validate(&self, base_dir: &Path) -> Vec<Problem> {
        validate::validate(self, base_dir)
    }

    /// The file's text: pretty JSON (two-space indent), members in a fixed
    /// order (the initial state and opaque sections keep theirs), ending in
    /// a newline.
    pub fn to_json_string(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Writes what [`Workspace::to_json_string`] makes to `out`, a piece
    /// at a time (the text of a big state need not be held).
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }

    /// Writes the workspace to `path` atomically: a failed save leaves the
    /// old file as it was. Refuses to overwrite a file of a newer version.
    pub fn save(&self, path: &Path) -> Result<()> {
        if self.version != VERSION {
            return Err(Error::Invalid(format!(
                "{}: not saved: this workspace says version {}, and only version {VERSION} \
                 can be written",
                path.display(),
                self.version
            )));
        }
        if let Ok(old) = fs::read_to_string(path)
            && let Ok(Some(found)) = validate::probe_version(&old)
            && found > u64::from(VERSION)
        {
            return Err(Error::FutureVersion {
                file: path.display().to_string(),
                found,
                supported: VERSION,
            });
        }
        atomic::write(path, self.to_json_string().as_bytes()).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            action: "cannot save the workspace (the file on disk is unchanged)".into(),
            source,
        })
    }

    /// The JSON Schema (draft 2020-12) of the workspace file.
    pub fn json_schema() -> Value {
        serde_json::to_value(schemars::schema_for!(Workspace)).unwrap_or_default()
    }
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        action: "cannot read the workspace file".into(),
        source,
    })
}

#[cfg(test)]
pub(crate) mod tests;
