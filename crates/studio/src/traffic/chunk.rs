//! New entries written out as JSON for control clients: a list of entries
//! per chunk, written once however many clients get it.
//!
//! The entries of a chunk are written together, after the batch that logged
//! them (one buffer, sized up front, for up to [`CHUNK_ENTRIES`], not one
//! small allocation per entry), and before any of them could leave the log;
//! so a request answered within the same batch goes out already paired.

use super::{TrafficLog, row_json};

/// Entries in one chunk at most (one `traffic` notification each: a burst
/// of 100,000 requests is 200 messages, not 200,000, which a browser could
/// not take in).
pub const CHUNK_ENTRIES: usize = 1000;

/// Entries of the log as the JSON text of a list of [`super::TrafficRow`]s.
#[derive(Debug, Clone)]
pub struct EntryChunk {
    /// The list's JSON text, as the log wrote it (see
    /// `juggler::server::Connection::notify_json`).
    pub json: String,
    /// How many entries it holds.
    pub len: usize,
}

impl TrafficLog {
    /// Starts (true) or stops (false) writing new entries out as JSON: only
    /// worth it while a control client follows the traffic.
    pub fn set_writing(&mut self, writing: bool) {
        if writing && !self.writing {
            self.unwritten = self.last_seq + 1;
        }
        self.writing = writing;
    }

    /// The entries written out since the last call, oldest first (every
    /// entry logged so far while writing).
    pub fn take_written(&mut self) -> Vec<EntryChunk> {
        if self.writing {
            self.write_out();
        }
        std::mem::take(&mut self.written)
    }

    /// Entries held and not written out yet.
    pub(super) fn unwritten_len(&self) -> usize {
        let Some(front) = self.entries.front() else {
            return 0;
        };
        let from = usize::try_from(self.unwritten.saturating_sub(front.seq)).unwrap_or(usize::MAX);
        self.entries.len().saturating_sub(from)
    }

    /// Writes out every entry not written yet.
    pub(super) fn write_out(&mut self) {
        let n = self.unwritten_len();
        let start = self.entries.len() - n;
        let mut at = start;
        while at < self.entries.len() {
            let end = (at + CHUNK_ENTRIES).min(self.entries.len());
            let part = self.entries.range(at..end);
            // The data's wire size, plus the entry's own fields.
            let room = part
                .clone()
                .map(|e| e.size.min(self.limits.max_data_bytes) + 256)
                .sum::<usize>();
            let mut out = Vec::with_capacity(room + 2);
            out.push(b'[');
            for (i, e) in part.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let mark = out.len();
                // Plain data into a Vec: not expected to fail, and the
                // text stays JSON if it does.
                if row_json::write(&mut out, e).is_err() {
                    out.truncate(mark);
                    out.extend_from_slice(b"null");
                }
            }
            out.push(b']');
            // Only strings went in.
            if let Ok(json) = String::from_utf8(out) {
                self.written.push(EntryChunk {
                    json,
                    len: end - at,
                });
            }
            at = end;
        }
        self.unwritten = self.last_seq + 1;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::traffic::{Direction, Frame, Peer, TrafficEntry, TrafficKind, TrafficLimits};

    fn request(n: u64, data: Value) -> Frame {
        Frame {
            time_ms: n as f64,
            peer: Peer::Connection(n % 3),
            direction: Direction::In,
            kind: TrafficKind::Request,
            name: Some("echo".into()),
            request_id: Some(n),
            success: None,
            size: data.to_string().len() + 40,
            data,
        }
    }

    /// What the chunks hold, in order, each checked against its length.
    fn seqs(chunks: &[EntryChunk]) -> Vec<u64> {
        let mut out = Vec::new();
        for c in chunks {
            let list: Vec<TrafficEntry> = serde_json::from_str(&c.json).expect("a list of entries");
            assert_eq!(list.len(), c.len);
            assert!(c.len <= CHUNK_ENTRIES);
            out.extend(list.iter().map(|e| e.seq));
        }
        out
    }

    /// A log far smaller than a batch still hands out every entry of it:
    /// each is written before it is trimmed, by count or by bytes.
    #[test]
    fn every_entry_is_written_even_when_the_batch_outgrows_the_log() {
        for limits in [
            TrafficLimits {
                max_entries: 3,
                ..TrafficLimits::default()
            },
            TrafficLimits {
                max_bytes: 2_000,
                ..TrafficLimits::default()
            },
        ] {
            let mut log = TrafficLog::new(limits);
            log.set_writing(true);
            let n = 2 * CHUNK_ENTRIES as u64 + 7;
            for i in 1..=n {
                log.push(request(i, json!({"i": i, "pad": "x".repeat(200)})));
            }
            assert!(log.status().entries < 20, "the log stayed small");
            let chunks = log.take_written();
            assert_eq!(seqs(&chunks), (1..=n).collect::<Vec<_>>());
            assert!(log.take_written().is_empty(), "taken once");
        }
    }

    /// Entries logged while nobody listened are not written; from the start
    /// of writing on, every one is, and a clear does not lose the unsent.
    #[test]
    fn writing_starts_with_the_next_entry_and_survives_a_clear() {
        let mut log = TrafficLog::default();
        log.push(request(1, json!(1)));
        assert!(log.take_written().is_empty());
        log.set_writing(true);
        log.push(request(2, json!(2)));
        log.push(request(3, json!(3)));
        log.clear();
        log.push(request(4, json!(4)));
        assert_eq!(seqs(&log.take_written()), vec![2, 3, 4]);
    }
}
