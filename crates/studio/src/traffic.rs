//! The traffic log: a bounded ring of the frames the studio sees, on its
//! own server's connections and on its remote sessions.
//!
//! The runtime pushes a [`Frame`] for every request, response, state diff
//! and notification; the log numbers it, pairs a response with its request
//! (same peer, same request id) and measures the time between, trims data
//! that is too large to keep, and drops the oldest entries past its bounds.
//! The UI reads it through a [`TrafficFilter`] and exports it as NDJSON.

use std::collections::VecDeque;
use std::io::{self, Write};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

mod chunk;
mod filter;
mod frame;
mod row;
mod row_json;

pub use chunk::{CHUNK_ENTRIES, EntryChunk};
pub use filter::{TrafficFilter, TrafficLimits, TrafficStatus};
pub use frame::{Direction, Frame, PatchCache, Peer, ProxySide, TapFrame, TrafficKind};
pub use row::TrafficRow;

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct TrafficEntry {
    /// Number of the entry, from 1, increasing; never reused, not even
    /// after a clear.
    #[ts(type = "number")]
    pub seq: u64,
    /// When: milliseconds since the Unix epoch.
    pub time_ms: f64,
    /// Whose.
    pub peer: Peer,
    /// Which way.
    pub direction: Direction,
    /// What.
    pub kind: TrafficKind,
    /// Request or notification name.
    pub name: Option<String>,
    /// Request id of a request or response.
    #[ts(type = "number | null")]
    pub request_id: Option<u64>,
    /// A response's `success`.
    pub success: Option<bool>,
    /// The data; `null` when it was too large to keep (`dataTruncated`).
    #[ts(as = "crate::ts::JsonValue")]
    pub data: Value,
    /// The data was larger than the log keeps, and is left out.
    pub data_truncated: bool,
    /// Size of the message on the wire, in bytes.
    pub size: usize,
    /// The other half of a request/response pair: the request's `seq` in a
    /// response, the response's in a request once it is answered.
    #[ts(type = "number | null")]
    pub pair: Option<u64>,
    /// Milliseconds from request to response, in both halves of a pair.
    pub rtt_ms: Option<f64>,
    /// A warning about this exchange from the studio itself (a request that
    /// nothing answered, so it was answered `null`), in both halves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub note: Option<String>,
}

/// Bytes an entry counts for: its wire size unless its data was left out,
/// plus a little for the entry itself.
fn weight(entry: &TrafficEntry) -> usize {
    const ENTRY: usize = 128;
    ENTRY + if entry.data_truncated { 0 } else { entry.size }
}

/// The traffic log.
#[derive(Debug, Clone, Default)]
pub struct TrafficLog {
    entries: VecDeque<TrafficEntry>,
    bytes: usize,
    limits: TrafficLimits,
    paused: bool,
    dropped: u64,
    lost: u64,
    last_seq: u64,
    /// Requests waiting for their response: (peer, request id) → (seq, time).
    pending: FxHashMap<(Peer, u64), Pending>,
    /// Per peer, the `seq` of its first entry, or [`LOST`] once that entry
    /// is gone (trimmed, cleared, or dropped while paused): whether the log
    /// still holds a peer's whole session.
    starts: FxHashMap<Peer, u64>,
    /// Whether new entries are written out as JSON for the control clients
    /// that follow the traffic.
    writing: bool,
    /// The `seq` from which entries are not written out yet.
    unwritten: u64,
    /// Entries written out and not taken yet.
    written: Vec<EntryChunk>,
}

/// A peer's first entry is no longer held.
const LOST: u64 = u64::MAX;

/// Peers whose start is remembered, at most; past it, the lost ones are
/// forgotten (ids are not reused, so a forgotten peer seldom comes back).
const MAX_STARTS: usize = 65_536;

/// A request waiting for its response.
#[derive(Debug, Clone)]
struct Pending {
    seq: u64,
    time_ms: f64,
    /// What the response's entry is to carry as its `note`.
    note: Option<String>,
}

impl TrafficLog {
    /// An empty log with these bounds.
    pub fn new(limits: TrafficLimits) -> Self {
        TrafficLog {
            limits,
            ..TrafficLog::default()
        }
    }

    /// The bounds.
    pub fn limits(&self) -> TrafficLimits {
        self.limits
    }

    /// Changes the bounds; the oldest entries go at once if needed.
    pub fn set_limits(&mut self, limits: TrafficLimits) {
        self.limits = limits;
        self.trim();
    }

    /// Adds a frame; returns its entry, or `None` while paused. A response
    /// is paired with the latest request of the same peer and request id.
    pub fn push(&mut self, frame: Frame) -> Option<&TrafficEntry> {
        if self.paused {
            self.dropped += 1;
            self.note_start(&frame.peer, LOST);
            return None;
        }
        self.last_seq += 1;
        let seq = self.last_seq;
        self.note_start(&frame.peer, seq);
        let truncated = frame.size > self.limits.max_data_bytes;
        let mut entry = TrafficEntry {
            seq,
            time_ms: frame.time_ms,
            peer: frame.peer,
            direction: frame.direction,
            kind: frame.kind,
            name: frame.name,
            request_id: frame.request_id,
            success: frame.success,
            data: if truncated { Value::Null } else { frame.data },
            data_truncated: truncated,
            size: frame.size,
            pair: None,
            rtt_ms: None,
            note: None,
        };
        match (entry.kind, entry.request_id) {
            (TrafficKind::Request, Some(id)) => {
                let pending = Pending {
                    seq,
                    time_ms: entry.time_ms,
                    note: None,
                };
                self.pending.insert((entry.peer.clone(), id), pending);
                self.trim_pending();
            }
            (TrafficKind::Response, Some(id)) => {
                let key = (entry.peer.clone(), id);
                if let Some(Pending {
                    seq: req_seq,
                    time_ms: req_time,
                    note,
                }) = self.pending.remove(&key)
                {
                    let rtt = (entry.time_ms - req_time).max(0.0);
                    entry.pair = Some(req_seq);
                    entry.rtt_ms = Some(rtt);
                    entry.note = note;
                    if let Some(req) = self.get_mut(req_seq) {
                        req.pair = Some(seq);
                        req.rtt_ms = Some(rtt);
                    }
                }
            }
            _ => {}
        }
        self.bytes += weight(&entry);
        self.entries.push_back(entry);
        if self.writing && self.unwritten_len() >= CHUNK_ENTRIES {
            self.write_out();
        }
        self.trim();
        self.entries.back()
    }

    /// Drops the oldest entries past the bounds (the newest always stays).
    fn trim(&mut self) {
        while self.entries.len() > 1
            && (self.entries.len() > self.limits.max_entries || self.bytes > self.limits.max_bytes)
        {
            if self.writing
                && self
                    .entries
                    .front()
                    .is_some_and(|e| e.seq >= self.unwritten)
            {
                // Written before it goes: control clients get every entry.
                self.write_out();
            }
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= weight(&old);
                if let Some(start) = self.starts.get_mut(&old.peer)
                    && *start == old.seq
                {
                    *start = LOST;
                }
            }
        }
    }

    /// Keeps the requests waiting for a response within `max_entries`,
    /// dropping the oldest (their responses then go unpaired).
    fn trim_pending(&mut self) {
        let max = self.limits.max_entries.max(1);
        if self.pending.len() > max {
            let mut seqs: Vec<u64> = self.pending.values().map(|p| p.seq).collect();
            seqs.sort_unstable();
            let keep_from = seqs[seqs.len() - max];
            self.pending.retain(|_, p| p.seq >= keep_from);
        }
    }

    /// Remembers `seq` as `peer`'s first entry, unless it has one.
    fn note_start(&mut self, peer: &Peer, seq: u64) {
        if self.starts.contains_key(peer) {
            return;
        }
        if self.starts.len() >= MAX_STARTS {
            self.starts.retain(|_, start| *start != LOST);
        }
        self.starts.insert(peer.clone(), seq);
    }

    /// Every entry of `peer`, oldest first, when the log still holds its
    /// first one (so nothing of it is missing at the start); `None` when it
    /// has none or lost its start.
    pub fn session(&self, peer: &Peer) -> Option<Vec<&TrafficEntry>> {
        let start = *self.starts.get(peer)?;
        if start == LOST {
            return None;
        }
        Some(self.since(start - 1).filter(|e| e.peer == *peer).collect())
    }

    /// Puts `note` on the newest request of `peer` named `name` (with this
    /// data, when its data was kept) that waits for its response, and on
    /// that response when it comes. The studio's request handler knows the
    /// request by its name and data only, not by its id. Returns whether a
    /// request was found.
    pub fn annotate_pending(&mut self, peer: &Peer, name: &str, data: &Value, note: &str) -> bool {
        let newest = self
            .pending
            .iter()
            .filter(|((p, _), _)| p == peer)
            .filter(|(_, pending)| {
                self.get(pending.seq).is_some_and(|e| {
                    e.name.as_deref() == Some(name) && (e.data_truncated || e.data == *data)
                })
            })
            .max_by_key(|(_, pending)| pending.seq)
            .map(|(key, _)| key.clone());
        let Some(key) = newest else {
            return false;
        };
        let Some(pending) = self.pending.get_mut(&key) else {
            return false;
        };
        pending.note = Some(note.to_owned());
        let seq = pending.seq;
        if let Some(entry) = self.get_mut(seq) {
            entry.note = Some(note.to_owned());
        }
        true
    }

    fn get_mut(&mut self, seq: u64) -> Option<&mut TrafficEntry> {
        let first = self.entries.front()?.seq;
        let i = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.entries.get_mut(i)
    }

    /// The entry numbered `seq`, if still held.
    pub fn get(&self, seq: u64) -> Option<&TrafficEntry> {
        let first = self.entries.front()?.seq;
        let i = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.entries.get(i)
    }

    /// Every entry held, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &TrafficEntry> {
        self.entries.iter()
    }

    /// The entries newer than `seq`, oldest first (for a UI that has seen
    /// up to `seq`).
    pub fn since(&self, seq: u64) -> impl DoubleEndedIterator<Item = &TrafficEntry> {
        let skip = self.entries.front().map_or(0, |f| {
            usize::try_from(seq.saturating_add(1).saturating_sub(f.seq)).unwrap_or(usize::MAX)
        });
        self.entries.iter().skip(skip)
    }

    /// The entries that pass `filter`, oldest first.
    pub fn filtered<'a>(
        &'a self,
        filter: &'a TrafficFilter,
    ) -> impl DoubleEndedIterator<Item = &'a TrafficEntry> + 'a {
        self.entries.iter().filter(move |e| filter.matches(e))
    }

    /// The newest `limit` entries that pass `filter`, oldest first.
    pub fn latest(&self, filter: &TrafficFilter, limit: usize) -> Vec<&TrafficEntry> {
        let mut out: Vec<&TrafficEntry> = self
            .entries
            .iter()
            .rev()
            .filter(|e| filter.matches(e))
            .take(limit)
            .collect();
        out.reverse();
        out
    }

    /// Writes the entries that pass `filter` as NDJSON: one JSON object per
    /// line, oldest first. Returns how many were written.
    pub fn export_ndjson(&self, filter: &TrafficFilter, out: &mut impl Write) -> io::Result<usize> {
        let mut n = 0;
        for entry in self.filtered(filter) {
            serde_json::to_writer(&mut *out, entry)?;
            out.write_all(b"\n")?;
            n += 1;
        }
        Ok(n)
    }

    /// Counts `n` frames that could not be logged (see `TrafficStatus::lost`).
    pub fn add_lost(&mut self, n: u64) {
        self.lost += n;
    }

    /// Stops (true) or resumes (false) recording.
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    /// Whether recording is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Forgets every entry and waiting request; numbering goes on.
    pub fn clear(&mut self) {
        if self.writing {
            self.write_out();
        }
        self.entries.clear();
        self.pending.clear();
        self.starts.values_mut().for_each(|start| *start = LOST);
        self.bytes = 0;
        // The counts say what is missing from the log; an emptied log is
        // missing nothing, and "2 dropped while paused" would outlive it.
        self.dropped = 0;
        self.lost = 0;
    }

    /// Entries, bytes, pause and numbering.
    pub fn status(&self) -> TrafficStatus {
        TrafficStatus {
            entries: self.entries.len(),
            bytes: self.bytes,
            paused: self.paused,
            dropped: self.dropped,
            lost: self.lost,
            last_seq: self.last_seq,
        }
    }
}

#[cfg(test)]
mod tests;
