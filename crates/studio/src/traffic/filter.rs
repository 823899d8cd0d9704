//! Which entries to show, the log's bounds, and its status for the UI.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Direction, Peer, TrafficEntry, TrafficKind};

/// Which entries to show. Every field that is set must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export_to = crate::ts::DIR)]
pub struct TrafficFilter {
    /// Kinds shown; empty shows every kind.
    pub kinds: Vec<TrafficKind>,
    /// Text the name contains (any case).
    pub name: Option<String>,
    /// Only this peer's traffic.
    pub peer: Option<Peer>,
    /// Only the traffic of this proxy (its id, `p1`…): both sides, every
    /// connection.
    pub proxy: Option<String>,
    /// Only this direction.
    pub direction: Option<Direction>,
    /// Text the name or the data (as JSON) contains (any case).
    pub text: Option<String>,
}

impl TrafficFilter {
    /// Whether `entry` passes.
    pub fn matches(&self, entry: &TrafficEntry) -> bool {
        if !self.kinds.is_empty() && !self.kinds.contains(&entry.kind) {
            return false;
        }
        if self.peer.as_ref().is_some_and(|p| *p != entry.peer)
            || self.direction.is_some_and(|d| d != entry.direction)
        {
            return false;
        }
        if let Some(id) = &self.proxy
            && !matches!(&entry.peer, Peer::Proxy { proxy, .. } if proxy == id)
        {
            return false;
        }
        let name = entry.name.as_deref().unwrap_or("").to_lowercase();
        if let Some(part) = &self.name
            && !name.contains(&part.to_lowercase())
        {
            return false;
        }
        if let Some(text) = &self.text {
            let text = text.to_lowercase();
            if !name.contains(&text) && !entry.data.to_string().to_lowercase().contains(&text) {
                return false;
            }
        }
        true
    }
}

/// Bounds of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct TrafficLimits {
    /// Entries kept, at most. Default 10,000.
    pub max_entries: usize,
    /// Bytes of data kept, at most (entries' sizes, the data left out of
    /// trimmed ones not counted). Default 64 MiB.
    pub max_bytes: usize,
    /// Data larger than this (wire size, bytes) is left out of its entry.
    /// Default 1 MiB.
    pub max_data_bytes: usize,
}

impl Default for TrafficLimits {
    fn default() -> Self {
        TrafficLimits {
            max_entries: 10_000,
            max_bytes: 64 * 1024 * 1024,
            max_data_bytes: 1024 * 1024,
        }
    }
}

/// The state of the log, for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct TrafficStatus {
    /// Entries held.
    pub entries: usize,
    /// Bytes held (as counted against `maxBytes`).
    pub bytes: usize,
    /// Whether new frames are dropped.
    pub paused: bool,
    /// Frames dropped while paused, since the start or the last clear.
    #[ts(type = "number")]
    pub dropped: u64,
    /// Frames the log could not take: more were waiting to be logged than
    /// it queues (the engine fell behind); counted, not logged. Since the
    /// start or the last clear.
    #[ts(type = "number")]
    pub lost: u64,
    /// `seq` of the newest entry ever pushed (0 before the first).
    #[ts(type = "number")]
    pub last_seq: u64,
}
