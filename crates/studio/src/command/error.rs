//! The typed error of a control command: what the engine answers with
//! `success: false`. Its `code` says what kind of failure; `field`, `id`,
//! `detail` and `data` carry what a client needs to point at the cause
//! without reading the message.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::error::Error;

/// What kind of failure a command met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum ErrorCode {
    /// The command's data, or a value it gives, does not hold.
    Invalid,
    /// A workspace file that cannot be used (or a newer one).
    Workspace,
    /// `workspace.save` over a file changed on disk since it was opened or
    /// saved (again with `force: true` to overwrite it).
    ChangedOnDisk,
    /// A request rule that cannot be used.
    Rule,
    /// A file could not be read or written.
    Io,
    /// An undo or redo step no longer fits the state.
    History,
    /// A remote server answered a request with an error (see `data`).
    RemoteError,
    /// A protocol-level failure (server start, a remote link).
    Juggler,
    /// No command has this name.
    UnknownCommand,
}

impl ErrorCode {
    /// The name on the wire (`remoteError`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::Workspace => "workspace",
            ErrorCode::ChangedOnDisk => "changedOnDisk",
            ErrorCode::Rule => "rule",
            ErrorCode::Io => "io",
            ErrorCode::History => "history",
            ErrorCode::RemoteError => "remoteError",
            ErrorCode::Juggler => "juggler",
            ErrorCode::UnknownCommand => "unknownCommand",
        }
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The data of a control command's error answer (`success: false`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct CommandError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What went wrong and what to do (names the field, when there is one).
    pub message: String,
    /// The field at fault, when one is: a command argument (`path`), a
    /// workspace field (`server.wsPath`, `rules[2].match.name`,
    /// `scenarios[1].steps[0].wait.ms`) or, for `rule`, the field of the
    /// rule `id` (`match.name.regex`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    /// What is wrong with `field`, without its name (to show beside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<String>,
    /// `rule` only: the id of the rule at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<String>,
    /// `remoteError` only: the remote server's error value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<crate::ts::JsonValue>", optional)]
    pub data: Option<Value>,
    /// JSON text that does not parse (`text` of `state.setText`): the line
    /// where it goes wrong, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<f64>", optional)]
    pub line: Option<usize>,
    /// With `line`: the column (a character count, from 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<f64>", optional)]
    pub column: Option<usize>,
}

impl CommandError {
    /// An error with only a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CommandError {
            code,
            message: message.into(),
            field: None,
            detail: None,
            id: None,
            data: None,
            line: None,
            column: None,
        }
    }

    /// An `invalid` error naming no field.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message)
    }

    /// An `invalid` error of the argument `field`: `FIELD: DETAIL`.
    pub fn invalid_field(field: &str, detail: impl std::fmt::Display) -> Self {
        let detail = detail.to_string();
        CommandError {
            field: Some(field.to_owned()),
            message: format!("{field}: {detail}"),
            detail: Some(detail),
            ..Self::invalid("")
        }
    }

    /// No command is called `name`.
    pub fn unknown_command(name: &str) -> Self {
        Self::new(
            ErrorCode::UnknownCommand,
            format!("unknown command {name:?}; see CONTROL.md for the list"),
        )
    }

    /// The same error, at `line` and `column` of the text it is about.
    pub(crate) fn at_text(self, line: usize, column: usize) -> Self {
        CommandError {
            line: Some(line),
            column: Some(column),
            ..self
        }
    }

    /// The same error, about `field` (with `detail` the part beside it).
    fn at(mut self, field: &str, detail: &str) -> Self {
        if !field.is_empty() {
            self.field = Some(field.to_owned());
            self.detail = Some(detail.to_owned());
        }
        self
    }
}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        match e {
            Error::Workspace { problems, .. } => {
                first_problem(ErrorCode::Workspace, message, &problems)
            }
            Error::Dashboard { problems, .. } => {
                first_problem(ErrorCode::Invalid, message, &problems)
            }
            Error::FutureVersion { .. } => CommandError::new(ErrorCode::Workspace, message),
            Error::ChangedOnDisk { .. } => CommandError::new(ErrorCode::ChangedOnDisk, message),
            Error::Rule {
                id,
                field,
                message: detail,
            } => CommandError {
                id: Some(id),
                ..CommandError::new(ErrorCode::Rule, message).at(&field, &detail)
            },
            Error::Field { field, detail, .. } => {
                CommandError::invalid(message).at(&field, &detail)
            }
            Error::Io { .. } => CommandError::new(ErrorCode::Io, message),
            Error::History(_) => CommandError::new(ErrorCode::History, message),
            Error::Juggler(juggler::Error::Juggler(data)) => CommandError {
                data: Some(data),
                ..CommandError::new(ErrorCode::RemoteError, message)
            },
            Error::Juggler(_) | Error::Connect { .. } => {
                CommandError::new(ErrorCode::Juggler, message)
            }
            Error::Invalid(_) => CommandError::invalid(message),
        }
    }
}

/// The error of a file's problems, about the first one's field.
fn first_problem(code: ErrorCode, message: String, problems: &[crate::Problem]) -> CommandError {
    let error = CommandError::new(code, message);
    match problems.first() {
        Some(p) => error.at(&p.field, &p.message),
        None => error,
    }
}
