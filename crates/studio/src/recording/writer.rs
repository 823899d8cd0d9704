//! Writing a recording as it happens.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::format::{Entry, Event, Header};
use crate::error::{Error, Result};

/// Appends entries to a recording file. Each entry is one `write` of one
/// whole line, straight to the file (no user-space buffer): a process that
/// dies loses at most the entry being written, and a reader skips a last
/// line cut short.
pub struct Recorder {
    file: File,
    path: PathBuf,
    started: Instant,
    entries: u64,
    bytes: u64,
}

impl Recorder {
    /// Creates (or truncates) `path` and writes the header.
    pub fn create(path: &Path, header: &Header) -> Result<Recorder> {
        let io = |action: &str, e| Error::Io {
            path: path.to_owned(),
            action: action.into(),
            source: e,
        };
        let file = File::create(path).map_err(|e| io("cannot create the recording", e))?;
        let mut rec = Recorder {
            file,
            path: path.to_owned(),
            started: Instant::now(),
            entries: 0,
            bytes: 0,
        };
        let line = serde_json::to_string(header)
            .map_err(|e| Error::Invalid(format!("cannot encode the recording header: {e}")))?;
        rec.write_line(line)?;
        Ok(rec)
    }

    /// Records `event` now.
    pub fn record(&mut self, event: Event) -> Result<()> {
        let t = self.started.elapsed().as_secs_f64() * 1000.0;
        self.record_at(t, event)
    }

    /// Records `event` at `t` milliseconds since the start.
    pub fn record_at(&mut self, t: f64, event: Event) -> Result<()> {
        // Whole milliseconds with 3 decimals are plenty and keep lines short.
        let t = (t * 1000.0).round() / 1000.0;
        let line = serde_json::to_string(&Entry { t, event })
            .map_err(|e| Error::Invalid(format!("cannot encode a recording entry: {e}")))?;
        self.write_line(line)?;
        self.entries += 1;
        Ok(())
    }

    fn write_line(&mut self, mut line: String) -> Result<()> {
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| Error::Io {
                path: self.path.clone(),
                action: "cannot write to the recording (is the disk full?)".into(),
                source: e,
            })?;
        self.bytes += line.len() as u64;
        Ok(())
    }

    /// Entries written so far (the header not counted).
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
