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
    /// Anything else that a caller should see as a message.
    #[error("{0}")]
    Invalid(String),
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
