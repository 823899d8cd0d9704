//! An entry as the `traffic` event carries it: its fields in order, as a
//! list. The keys were most of an entry's bytes (~150 of ~230 for a small
//! request): a follower of a burst of 200,000 requests got 80 MB of
//! notifications, half of which said the same names again.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::{Direction, Peer, TrafficEntry, TrafficKind};

/// [`TrafficEntry`]'s fields in its order: `[seq, timeMs, peer, direction,
/// kind, name, requestId, success, data, dataTruncated, size, pair, rttMs,
/// note]` (`note` `null` when there is none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = crate::ts::DIR)]
pub struct TrafficRow(
    #[ts(type = "number")] pub u64,
    pub f64,
    pub Peer,
    pub Direction,
    pub TrafficKind,
    pub Option<String>,
    #[ts(type = "number | null")] pub Option<u64>,
    pub Option<bool>,
    #[ts(as = "crate::ts::JsonValue")] pub Value,
    pub bool,
    pub usize,
    #[ts(type = "number | null")] pub Option<u64>,
    pub Option<f64>,
    pub Option<String>,
);

impl From<TrafficRow> for TrafficEntry {
    fn from(r: TrafficRow) -> Self {
        TrafficEntry {
            seq: r.0,
            time_ms: r.1,
            peer: r.2,
            direction: r.3,
            kind: r.4,
            name: r.5,
            request_id: r.6,
            success: r.7,
            data: r.8,
            data_truncated: r.9,
            size: r.10,
            pair: r.11,
            rtt_ms: r.12,
            note: r.13,
        }
    }
}

impl From<TrafficEntry> for TrafficRow {
    fn from(e: TrafficEntry) -> Self {
        TrafficRow(
            e.seq,
            e.time_ms,
            e.peer,
            e.direction,
            e.kind,
            e.name,
            e.request_id,
            e.success,
            e.data,
            e.data_truncated,
            e.size,
            e.pair,
            e.rtt_ms,
            e.note,
        )
    }
}
