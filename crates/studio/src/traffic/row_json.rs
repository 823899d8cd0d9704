//! An entry's [`TrafficRow`] JSON text, written directly: the same bytes as
//! the row's derived `Serialize` (a test holds the two together), without
//! the serializer's per-field work or a copy of the entry: with a burst of
//! requests the log writes two entries per request for the followers.

use serde_json::Result;

use super::{Direction, Peer, ProxySide, TrafficEntry, TrafficKind};

/// Appends `entry`'s row text to `out`.
pub fn write(out: &mut Vec<u8>, entry: &TrafficEntry) -> Result<()> {
    let e = entry;
    field(out, "[", &e.seq)?;
    field(out, ",", &e.time_ms)?;
    key(out, ",");
    peer(out, &e.peer)?;
    key(out, ",");
    key(out, direction(e.direction));
    key(out, ",");
    key(out, kind(e.kind));
    field(out, ",", &e.name)?;
    field(out, ",", &e.request_id)?;
    field(out, ",", &e.success)?;
    field(out, ",", &e.data)?;
    field(out, ",", &e.data_truncated)?;
    field(out, ",", &e.size)?;
    field(out, ",", &e.pair)?;
    field(out, ",", &e.rtt_ms)?;
    field(out, ",", &e.note)?;
    out.push(b']');
    Ok(())
}

/// Literal JSON text (keys, punctuation, fixed values).
fn key(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
}

/// A key (with what comes before it) and its value.
fn field(out: &mut Vec<u8>, prefix: &str, value: &impl serde::Serialize) -> Result<()> {
    key(out, prefix);
    serde_json::to_writer(&mut *out, value)
}

fn peer(out: &mut Vec<u8>, peer: &Peer) -> Result<()> {
    match peer {
        Peer::Connection(id) => {
            field(out, "{\"connection\":", id)?;
        }
        Peer::Remote(id) => {
            field(out, "{\"remote\":", id)?;
        }
        Peer::Proxy {
            proxy,
            connection,
            side,
        } => {
            field(out, "{\"proxy\":{\"proxy\":", proxy)?;
            field(out, ",\"connection\":", connection)?;
            key(out, ",\"side\":");
            key(out, side_text(*side));
            out.push(b'}');
        }
    }
    out.push(b'}');
    Ok(())
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::In => "\"in\"",
        Direction::Out => "\"out\"",
    }
}

fn kind(k: TrafficKind) -> &'static str {
    match k {
        TrafficKind::Request => "\"request\"",
        TrafficKind::Response => "\"response\"",
        TrafficKind::State => "\"state\"",
        TrafficKind::Notify => "\"notify\"",
    }
}

fn side_text(s: ProxySide) -> &'static str {
    match s {
        ProxySide::Browser => "\"browser\"",
        ProxySide::Upstream => "\"upstream\"",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::traffic::TrafficRow;

    fn entries() -> Vec<TrafficEntry> {
        let peers = [
            Peer::Connection(7),
            Peer::Remote("r\"1\u{e9}\n".into()),
            Peer::Proxy {
                proxy: "p1".into(),
                connection: u64::MAX,
                side: ProxySide::Browser,
            },
            Peer::Proxy {
                proxy: "p2".into(),
                connection: 0,
                side: ProxySide::Upstream,
            },
        ];
        let kinds = [
            TrafficKind::Request,
            TrafficKind::Response,
            TrafficKind::State,
            TrafficKind::Notify,
        ];
        let data = [
            Value::Null,
            json!("c001-00000000001"),
            json!({"a": [1, 2.5, -0.0, 1e300], "\u{1}": "\\\"", "big": 123456789012345678901234567890u128}),
            serde_json::from_str("123456789.12345679").expect("number"),
        ];
        let times = [0.0, 1764700000000.123, f64::NAN, 1.0e-7, -3.5];
        let mut out = Vec::new();
        for (i, peer) in peers.iter().enumerate() {
            for (j, kind) in kinds.iter().enumerate() {
                for (k, d) in data.iter().enumerate() {
                    let n = (i * 16 + j * 4 + k) as u64;
                    out.push(TrafficEntry {
                        seq: n,
                        time_ms: times[(n as usize) % times.len()],
                        peer: peer.clone(),
                        direction: if n % 2 == 0 {
                            Direction::In
                        } else {
                            Direction::Out
                        },
                        kind: *kind,
                        name: (n % 3 != 0).then(|| format!("name \"{n}\" \u{2028}")),
                        request_id: (n % 2 == 0).then_some(n * 1_000_000_007),
                        success: [None, Some(true), Some(false)][(n % 3) as usize],
                        data: d.clone(),
                        data_truncated: n % 5 == 0,
                        size: n as usize * 31,
                        pair: (n % 4 == 1).then_some(n + 1),
                        rtt_ms: (n % 4 == 1).then_some(n as f64 / 7.0),
                        note: (n % 6 == 0).then(|| "nothing answered it".to_owned()),
                    });
                }
            }
        }
        out
    }

    /// Every field, every peer and kind, escapes, odd numbers: the same
    /// bytes as the row's derived `Serialize` (which the UI's types
    /// follow), and read back as a row, the same entry.
    #[test]
    fn writes_what_serde_writes() {
        for e in entries() {
            let mut ours = Vec::new();
            write(&mut ours, &e).expect("write");
            let theirs = serde_json::to_vec(&TrafficRow::from(e.clone())).expect("serde");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "entry {}",
                e.seq
            );
            if e.time_ms.is_finite() {
                let row: TrafficRow = serde_json::from_slice(&ours).expect("a row");
                assert_eq!(TrafficEntry::from(row), e);
            }
        }
    }
}
