//! Reading a recording back.

use std::path::Path;

use super::format::{Entry, FORMAT, Header, VERSION};
use crate::error::{Error, Result};

/// A whole recording in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// The first line.
    pub header: Header,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
    /// Set when the last line was cut short (the recorder stopped while
    /// writing it) and was left out.
    pub truncated_tail: bool,
}

impl Recording {
    /// Reads the recording at `path` ([`Recording::read`]), refused when
    /// it holds nothing but its header: a `record` that failed (another
    /// generation, a back end down or dying at once) left it, and a replay
    /// or mock of it would pass on a session that never was.
    pub fn read_session(path: &Path) -> Result<Recording> {
        let recording = Recording::read(path)?;
        if recording.entries.is_empty() {
            return Err(Error::Invalid(format!(
                "{} holds no session, only its header: the recording ended before the server \
                 sent anything (a failed `juggler-studio record`: another generation, or a back \
                 end that was down); record it again",
                path.display()
            )));
        }
        Ok(recording)
    }

    /// Reads only the header of the recording at `path` (what it is of,
    /// before a server is started for it).
    pub fn read_header(path: &Path) -> Result<Header> {
        use std::io::BufRead as _;
        let file = std::fs::File::open(path).map_err(|e| Error::Io {
            path: path.to_owned(),
            action: "cannot read the recording".into(),
            source: e,
        })?;
        let mut first = String::new();
        std::io::BufReader::new(file)
            .read_line(&mut first)
            .map_err(|e| Error::Io {
                path: path.to_owned(),
                action: "cannot read the recording".into(),
                source: e,
            })?;
        Ok(Recording::parse(&first, &path.display().to_string())?.header)
    }

    /// Reads the file at `path`.
    pub fn read(path: &Path) -> Result<Recording> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_owned(),
            action: "cannot read the recording".into(),
            source: e,
        })?;
        Recording::parse(&text, &path.display().to_string())
    }

    /// Parses recording text; `file` names it in errors, which give the
    /// line number.
    pub fn parse(text: &str, file: &str) -> Result<Recording> {
        let bad =
            |line: usize, message: String| Error::Invalid(format!("{file}:{line}: {message}"));
        let mut lines = text.split_inclusive('\n').enumerate();
        let header: Header = match lines.next() {
            Some((_, line)) => serde_json::from_str(line.trim_end()).map_err(|e| {
                bad(
                    1,
                    format!(
                        "not a Juggler Studio recording (the first line is not its header: {e})"
                    ),
                )
            })?,
            None => return Err(bad(1, "empty file: not a Juggler Studio recording".into())),
        };
        if header.format != FORMAT {
            return Err(bad(
                1,
                format!("format {:?} is not {FORMAT:?}", header.format),
            ));
        }
        if header.version > VERSION {
            return Err(bad(
                1,
                format!(
                    "recording version {} is newer than this Juggler Studio reads (up to {VERSION}): \
                     open it with a newer Juggler Studio",
                    header.version
                ),
            ));
        }
        let mut entries = Vec::new();
        let mut truncated_tail = false;
        while let Some((i, line)) = lines.next() {
            let complete = line.ends_with('\n');
            let body = line.trim_end();
            if body.is_empty() {
                continue;
            }
            // A recorded state may nest as deep as a dashboard's may.
            match juggler::json::from_str::<Entry>(body, juggler::json::DEFAULT_MAX_DEPTH + 8) {
                Ok(entry) if entry.t.is_finite() && entry.t >= 0.0 => entries.push(entry),
                Ok(_) => {
                    return Err(bad(
                        i + 1,
                        "`t` must be a number of milliseconds ≥ 0".into(),
                    ));
                }
                // Only the very last line may be cut short, by a crash.
                Err(_) if !complete && lines.next().is_none() => {
                    truncated_tail = true;
                    break;
                }
                Err(e) => return Err(bad(i + 1, format!("not a recording entry: {e}"))),
            }
        }
        Ok(Recording {
            header,
            entries,
            truncated_tail,
        })
    }

    /// Milliseconds from the start to the last entry.
    pub fn duration_ms(&self) -> f64 {
        self.entries.last().map(|e| e.t).unwrap_or(0.0)
    }
}
