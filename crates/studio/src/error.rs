//! The engine's errors, and [`Problem`]: one thing wrong in a workspace file,
//! located by line, column and field path.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done ("cannot read", "cannot save", …), with the
        /// consequence when it matters.
        action: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A workspace file that cannot be used as it is: bad JSON, a wrong
    /// field, or a setting that does not hold. Each problem names its line,
    /// column and field.
    #[error("{}", problems_text(.file, .problems))]
    Workspace {
        /// The file's name as the user gave it.
        file: String,
        /// At least one problem, in file order.
        problems: Vec<Problem>,
    },
    /// A dashboard file (`dashboard.json`) that cannot be used as it is;
    /// each problem names its line, column and field.
    #[error("{}", problems_text(.file, .problems))]
    Dashboard {
        /// The file's name as the user gave it.
        file: String,
        /// At least one problem, in file order.
        problems: Vec<Problem>,
    },
    /// A workspace file written by a newer Juggler Studio.
    #[error(
        "{file}: workspace version {found} is newer than this Juggler Studio understands \
         (up to {supported}); open it with a newer Juggler Studio. The file was not changed."
    )]
    FutureVersion {
        /// The file's name as the user gave it.
        file: String,
        /// The version found in the file.
        found: u64,
        /// The newest version this engine reads and writes.
        supported: u32,
    },
    /// The workspace file was changed by something else since this studio
    /// opened or last saved it: saving over it would lose that change.
    #[error(
        "{}: the file changed on disk since it was opened or last saved here; not saved. \
         Save as… another file to keep both, open it again to take the version on disk \
         (the changes here are lost), or overwrite it",
        path.display()
    )]
    ChangedOnDisk {
        /// The workspace file.
        path: PathBuf,
    },
    /// A request rule that cannot be used (bad regex, bad path, duplicate id).
    #[error("rule {id:?}: {field}: {message}")]
    Rule {
        /// The rule's id.
        id: String,
        /// The field at fault, relative to the rule (`match.name`).
        field: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// An undo or redo step no longer fits the document it was given: the
    /// state changed without being recorded. The history has been cleared.
    #[error("{0}")]
    History(String),
    /// A protocol-level failure (server start, a remote request).
    #[error(transparent)]
    Juggler(#[from] juggler::Error),
    /// A value given to the engine that does not hold, at one field: its
    /// message names the field; `field` and `detail` keep them apart so a
    /// client can show the detail next to the field without parsing text.
    #[error("{text}")]
    Field {
        /// The field at fault, as `server.wsPath`, `rules[0].id` or
        /// `scenarios[1].steps[0].wait.ms`; empty when not known.
        field: String,
        /// What is wrong with it, without the field's name.
        detail: String,
        /// The whole message (names the field).
        text: String,
    },
    /// A remote juggler server could not be reached (recording it): the
    /// juggler error kept, so a caller can tell whether waiting would help
    /// (`juggler::Error::connect_failure`).
    #[error(
        "cannot connect to {url}: {source} (check the URL, the credentials and, if given, the generation)"
    )]
    Connect {
        /// The server's URL, without its credentials.
        url: String,
        /// Why: `source.connect_failure()` tells whether to wait and retry.
        source: juggler::Error,
    },
    /// Anything else that a caller should see as a message.
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// A field error whose message is `CONTEXT: FIELD: DETAIL` (the parts
    /// left out when empty).
    pub fn field(context: &str, field: impl Into<String>, detail: impl Into<String>) -> Self {
        let (field, detail) = (field.into(), detail.into());
        let mut text = String::new();
        for part in [context, field.as_str()] {
            if !part.is_empty() {
                text.push_str(part);
                text.push_str(": ");
            }
        }
        text.push_str(&detail);
        Error::Field {
            field,
            detail,
            text,
        }
    }

    /// A serde error of a value read for `context`, at the field it names:
    /// the message reads as before (`CONTEXT: PATH: MESSAGE`) while the
    /// field is given as `top` joined with the path (`rules[0].id`).
    pub fn serde(
        context: &str,
        top: &str,
        e: &serde_path_to_error::Error<serde_json::Error>,
    ) -> Self {
        let detail = e.inner().to_string();
        // serde_path_to_error leaves the path out when it knows none.
        let path = if e.to_string() == detail {
            String::new()
        } else {
            e.path().to_string()
        };
        let text = if context.is_empty() {
            e.to_string()
        } else {
            format!("{context}: {e}")
        };
        Error::Field {
            field: join_field(top, &path),
            detail,
            text,
        }
    }
}

/// `top` and a serde path joined as in a workspace file: `rules` + `[0].id`
/// is `rules[0].id`, `settings` + `port` is `settings.port`.
pub fn join_field(top: &str, path: &str) -> String {
    if path.is_empty() || path == "." {
        top.to_owned()
    } else if top.is_empty() || path.starts_with('[') {
        format!("{top}{path}")
    } else {
        format!("{top}.{path}")
    }
}

/// The engine's result type.
pub type Result<T> = std::result::Result<T, Error>;

fn problems_text(file: &str, problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(file);
        out.push_str(if p.line.is_some() { ":" } else { ": " });
        out.push_str(&p.to_string());
    }
    out
}

/// One thing wrong in a workspace file.
///
/// Displayed as `LINE:COLUMN: FIELD: MESSAGE` (the file name goes in front
/// of it in [`Error::Workspace`]); the line and column are 1-based and point
/// at the value at fault, or are left out when the problem has no place in
/// a file (a workspace built in memory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column (in characters), when known.
    pub column: Option<u32>,
    /// The field path, as `rules[2].match.name`; empty for the whole file.
    pub field: String,
    /// What is wrong, and what to do about it.
    pub message: String,
}

impl Problem {
    /// A problem at `field` with no position yet.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            line: None,
            column: None,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "{line}:")?;
            if let Some(column) = self.column {
                write!(f, "{column}:")?;
            }
            f.write_str(" ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}
