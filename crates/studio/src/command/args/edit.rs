//! Arguments of the commands that edit the studio's own things: the
//! server's settings, the state, notifications, rules, the traffic log and
//! remote sessions.

use serde_json::Value;
use ts_rs::TS;

use super::{Args, plain_args, wrapped_args};
use crate::command::error::CommandError;
use crate::command::fields::{Fields, unwrap_key};
use crate::remote::RemoteTarget;
use crate::traffic::TrafficFilter;

wrapped_args! {
    /// `server.settings`: replaces the server's settings.
    #[ts(export_to = crate::ts::DIR)]
    pub struct SetServerSettings { settings: "settings" as "import('./ServerSettings').ServerSettings" }
}
wrapped_args! {
    /// `notify.presets`: replaces the notify presets.
    #[ts(export_to = crate::ts::DIR)]
    pub struct SetNotifyPresets { presets: "presets" as "Array<import('./NotifyPreset').NotifyPreset>" }
}
wrapped_args! {
    /// `remote.bookmarks`: replaces the remote-server bookmarks.
    #[ts(export_to = crate::ts::DIR)]
    pub struct SetRemoteBookmarks { bookmarks: "bookmarks" as "Array<import('./RemoteBookmark').RemoteBookmark>" }
}
/// `rules.set`: replaces all request rules. Sent as `{"rules": …}`, bare,
/// or as `{"rulesText": …}`.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct SetRules {
    /// The new rules (`null` when sent as `rulesText`).
    #[ts(type = "Array<import('./Rule').Rule>", optional)]
    pub rules: Value,
    /// Instead of `rules`: their JSON text, so that the numbers in the
    /// rules' values stay as written (a client holding doubles would round
    /// them). Kept as text: the rules are read from it, since reading them
    /// from a parsed `Value` turns an integer `-0` into `0`.
    #[ts(rename = "rulesText", optional)]
    pub rules_text: Option<String>,
}

impl Args for SetRules {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        match data {
            Value::Object(map) if map.contains_key("rulesText") => {
                let text: String = Fields::of(Value::Object(map)).get("rulesText")?;
                // Parsed here for its line and column when it is not JSON.
                parse_text("rulesText", &text)?;
                Ok(SetRules {
                    rules: Value::Null,
                    rules_text: Some(text),
                })
            }
            other => Ok(SetRules {
                rules: unwrap_key(other, "rules"),
                rules_text: None,
            }),
        }
    }
}

/// Reads a state path (`path`): a list of keys and indexes; missing is the
/// root.
fn path_of(fields: &mut Fields) -> Result<juggler::Path, CommandError> {
    let path = fields
        .take_opt("path")
        .unwrap_or_else(|| Value::Array(vec![]));
    juggler::Path::from_json(&path).map_err(|e| CommandError::invalid_field("path", e))
}

/// `state.set`: sets the value at a path.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct StateSet {
    /// Where (keys and indexes); missing is the root.
    #[ts(type = "string | number | Array<string | number>")]
    pub path: juggler::Path,
    /// The new value.
    #[ts(as = "crate::ts::JsonValue")]
    pub value: Value,
    /// A connection's own state instead of the shared one.
    #[ts(as = "Option<f64>", optional)]
    pub connection: Option<u64>,
}

impl Args for StateSet {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(StateSet {
            path: path_of(&mut f)?,
            value: f.take("value"),
            connection: f.connection(),
        })
    }
}

/// `state.remove`: removes the value at a path.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct StateRemove {
    /// Where (keys and indexes).
    #[ts(type = "string | number | Array<string | number>")]
    pub path: juggler::Path,
    /// A connection's own state instead of the shared one.
    #[ts(as = "Option<f64>", optional)]
    pub connection: Option<u64>,
}

impl Args for StateRemove {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(StateRemove {
            path: path_of(&mut f)?,
            connection: f.connection(),
        })
    }
}

/// `state.patch`: applies a JSON Patch.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct StatePatch {
    /// The JSON Patch operations.
    #[ts(type = "Array<import('./JsonValue').JsonValue>")]
    pub diff: Value,
    /// A connection's own state instead of the shared one.
    #[ts(as = "Option<f64>", optional)]
    pub connection: Option<u64>,
}

impl Args for StatePatch {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        let diff = f
            .take_opt("diff")
            .ok_or_else(|| CommandError::invalid_field("diff", "a JSON Patch array is required"))?;
        Ok(StatePatch {
            diff,
            connection: f.connection(),
        })
    }
}

/// `state.replace`: replaces the whole state.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct StateReplace {
    /// The new state.
    #[ts(as = "crate::ts::JsonValue")]
    pub value: Value,
    /// A connection's own state instead of the shared one.
    #[ts(as = "Option<f64>", optional)]
    pub connection: Option<u64>,
}

impl Args for StateReplace {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(StateReplace {
            value: f.take("value"),
            connection: f.connection(),
        })
    }
}

/// `state.text`: the JSON text of the value at a path, as the engine holds
/// it. The UI parses messages with `JSON.parse`, which rounds integers past
/// 2^53 and turns `-0` into `0`; text written by the engine keeps them, so a
/// dialog that shows this text and sends it back changes nothing.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct StateText {
    /// Where (keys and indexes); missing is the root.
    #[ts(type = "string | number | Array<string | number>", optional)]
    pub path: juggler::Path,
    /// A connection's own state instead of the shared one.
    #[ts(as = "Option<f64>", optional)]
    pub connection: Option<u64>,
}

impl Args for StateText {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(StateText {
            path: path_of(&mut f)?,
            connection: f.connection(),
        })
    }
}

/// `model.text`: the JSON text of the value at a path of the model, as the
/// engine holds it (see [`StateText`]): the UI's copy of the model is
/// `JSON.parse`'d, so an entry it loads into an editor (a sent request, a
/// notification, an unmatched request) comes from this text instead.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct ModelText {
    /// Where (keys and indexes), as in the model: `["notifyHistory", 0]`.
    #[ts(type = "string | number | Array<string | number>")]
    pub path: juggler::Path,
}

impl Args for ModelText {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        Ok(ModelText {
            path: path_of(&mut Fields::of(data))?,
        })
    }
}

/// `state.setText`: sets the value at a path from JSON text that the engine
/// parses, so that its numbers stay exactly as written (see [`StateText`]).
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct StateSetText {
    /// Where (keys and indexes); missing is the root (the whole state).
    #[ts(type = "string | number | Array<string | number>", optional)]
    pub path: juggler::Path,
    /// The new value as JSON text; the engine parses it.
    #[ts(rename = "text", as = "String")]
    pub value: Value,
    /// A connection's own state instead of the shared one.
    #[ts(as = "Option<f64>", optional)]
    pub connection: Option<u64>,
}

impl Args for StateSetText {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        let text: String = f.get("text")?;
        Ok(StateSetText {
            path: path_of(&mut f)?,
            value: parse_text("text", &text)?,
            connection: f.connection(),
        })
    }
}

/// Parses the JSON text of `text` as a message's JSON is parsed (exact
/// numbers, nesting as deep as a message may carry); an error names
/// `field` and says where the text goes wrong.
pub(super) fn parse_text(field: &str, text: &str) -> Result<Value, CommandError> {
    let parsed = juggler::json::deserialize_with(text, juggler::json::DEFAULT_MAX_DEPTH, |de| {
        let value = <Value as serde::Deserialize>::deserialize(&mut *de)?;
        de.end()?;
        Ok::<_, serde_json::Error>(value)
    });
    match parsed {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => {
            let column = char_column(text, e.line(), e.column());
            Err(CommandError::invalid_field(field, &e).at_text(e.line(), column))
        }
        Err(e) => Err(CommandError::invalid_field(field, e)),
    }
}

/// A command's `data`, or the value of its `dataText`: JSON text the engine
/// parses, for a client (the UI) whose own parser would round the numbers
/// typed in it. Both at once is refused: which one was meant is unknown.
fn data_or_text(f: &mut Fields) -> Result<Value, CommandError> {
    let text: Option<String> = f.get("dataText")?;
    match (f.take_opt("data"), text) {
        (Some(_), Some(_)) => Err(CommandError::invalid_field(
            "dataText",
            "give data or dataText, not both",
        )),
        (data, None) => Ok(data.unwrap_or(Value::Null)),
        (None, Some(text)) if text.trim().is_empty() => Ok(Value::Null),
        (None, Some(text)) => parse_text("dataText", &text),
    }
}

/// serde_json counts a column in bytes; an editor counts characters (an
/// `é` before the fault would put the caret one too far).
fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let end = start.saturating_add(byte_column).min(text.len());
    let mut cut = end;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    text.get(start..cut)
        .map_or(byte_column, |s| s.chars().count())
}

/// `notify.send`: sends a notification to connections.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct NotifySend {
    /// The notification's name.
    pub name: String,
    /// The connections; missing or empty: all of them.
    #[ts(as = "Option<Vec<f64>>", optional)]
    pub connections: Option<Vec<u64>>,
    /// Its data: `data`, or `dataText` parsed by the engine (exact
    /// numbers; empty text is `null`).
    #[ts(as = "Option<crate::ts::JsonValue>", optional)]
    pub data: Value,
    /// Instead of `data`: its JSON text. Parsed into `data` on arrival;
    /// the field is here for the bindings only.
    #[ts(rename = "dataText", as = "Option<String>", optional)]
    pub data_text: (),
}

impl Args for NotifySend {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(NotifySend {
            name: f.get("name")?,
            connections: f.get("connections")?,
            data: data_or_text(&mut f)?,
            data_text: (),
        })
    }
}

/// `notify.presetSave`: saves one preset, the others left as the engine
/// holds them (a client's copy of them may have rounded numbers).
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct NotifyPresetSave {
    /// The preset's name; one of that name is replaced.
    pub name: String,
    /// Its data: `data`, or `dataText` parsed by the engine (exact
    /// numbers; empty text is `null`).
    #[ts(as = "Option<crate::ts::JsonValue>", optional)]
    pub data: Value,
    /// Instead of `data`: its JSON text. Parsed into `data` on arrival;
    /// the field is here for the bindings only.
    #[ts(rename = "dataText", as = "Option<String>", optional)]
    pub data_text: (),
}

impl Args for NotifyPresetSave {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(NotifyPresetSave {
            name: f.get("name")?,
            data: data_or_text(&mut f)?,
            data_text: (),
        })
    }
}

plain_args! {
    /// `notify.presetRemove` and `notify.presetText`: one preset by name.
    #[ts(export_to = crate::ts::DIR)]
    pub struct NotifyPresetName {
        /// The preset's name.
        pub name: String,
    }
}

/// `rules.test`: runs a rule against a sample request, without effects.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct RulesTest {
    /// The rule.
    #[ts(type = "import('./Rule').Rule")]
    pub rule: Value,
    /// The request.
    #[ts(type = "import('./RequestInfo').RequestInfo")]
    pub sample: Value,
}

impl Args for RulesTest {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(RulesTest {
            rule: f.take("rule"),
            sample: f.take("sample"),
        })
    }
}

/// `rules.fromRequest`: a rule that answers a request as it was answered.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct RulesFromRequest {
    /// The request's name.
    pub name: String,
    /// Its data.
    #[ts(as = "Option<crate::ts::JsonValue>", optional)]
    pub data: Value,
}

impl Args for RulesFromRequest {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(RulesFromRequest {
            name: f.get("name")?,
            data: f.take("data"),
        })
    }
}

plain_args! {
    /// `traffic.query` and `traffic.export`: which entries.
    #[ts(export_to = crate::ts::DIR)]
    pub struct TrafficQuery {
        /// Which entries; missing: all.
        #[ts(
            type = "Partial<import('./TrafficFilter').TrafficFilter> | null",
            optional
        )]
        pub filter: Option<TrafficFilter>,
        /// `traffic.query`: the newest this many (default 500).
        #[ts(optional)]
        pub limit: Option<usize>,
    }
}

plain_args! {
    /// `traffic.follow`: whether this control client gets the traffic log's
    /// new entries as `traffic` events.
    #[ts(export_to = crate::ts::DIR)]
    pub struct TrafficFollow {
        /// `true` to get them (from the next batch on), `false` to stop.
        pub on: bool,
    }
}

plain_args! {
    /// `traffic.pause`: pauses or resumes the traffic log.
    #[ts(export_to = crate::ts::DIR)]
    pub struct TrafficPause {
        /// `true` to pause.
        pub paused: bool,
    }
}

/// `remote.connect`: connects a remote session.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct RemoteConnect {
    /// The server. Sent as `{"target": …}` or bare.
    pub target: RemoteTarget,
}

impl Args for RemoteConnect {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let target = serde_json::from_value(unwrap_key(data, "target"))
            .map_err(|e| CommandError::invalid_field("target", e))?;
        Ok(RemoteConnect { target })
    }
}

/// `remote.reconnect`: connects a stopped session again, to its target or
/// to a changed one (the Client pane's form of a stopped session).
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct RemoteReconnect {
    /// The session.
    pub id: String,
    /// Where to connect now; absent: where it connected. A password left
    /// out keeps the session's for the same user (the form never gets it
    /// back); a generation the session detected keeps "auto".
    #[ts(optional)]
    pub target: Option<RemoteTarget>,
}

impl Args for RemoteReconnect {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        let target = match f.take_opt("target") {
            None | Some(Value::Null) => None,
            Some(t) => Some(
                serde_json::from_value(t).map_err(|e| CommandError::invalid_field("target", e))?,
            ),
        };
        Ok(RemoteReconnect {
            id: f.get("id")?,
            target,
        })
    }
}

plain_args! {
    /// A command about one thing by its id (`remote.disconnect`,
    /// `proxy.stop`, `record.stop`).
    #[ts(export_to = crate::ts::DIR)]
    pub struct ById {
        /// The id.
        pub id: String,
    }
}

/// `remote.text`: the JSON text of the value at a path of a remote
/// session's state (see [`StateText`]: the UI shows it where a double
/// would not hold the number).
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct RemoteText {
    /// The session.
    pub id: String,
    /// Where in its state (keys and indexes); missing is the root.
    #[ts(type = "string | number | Array<string | number>", optional)]
    pub path: juggler::Path,
}

impl Args for RemoteText {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(RemoteText {
            id: f.get("id")?,
            path: path_of(&mut f)?,
        })
    }
}

/// `remote.send`: sends a request on a remote session.
#[derive(Debug, Clone, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct RemoteSend {
    /// The session.
    pub id: String,
    /// The request's name.
    pub name: String,
    /// Its data: `data`, or `dataText` parsed by the engine (exact
    /// numbers; empty text is `null`).
    #[ts(as = "Option<crate::ts::JsonValue>", optional)]
    pub data: Value,
    /// Instead of `data`: its JSON text. Parsed into `data` on arrival;
    /// the field is here for the bindings only.
    #[ts(rename = "dataText", as = "Option<String>", optional)]
    pub data_text: (),
}

impl Args for RemoteSend {
    fn from_data(data: Value) -> Result<Self, CommandError> {
        let mut f = Fields::of(data);
        Ok(RemoteSend {
            id: f.get("id")?,
            name: f.get("name")?,
            data: data_or_text(&mut f)?,
            data_text: (),
        })
    }
}
