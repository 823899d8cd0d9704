//! An entry's JSON text, written directly: the same bytes as its derived
//! `Serialize` (a test holds the two together), without the serializer's
//! per-key work: with a burst of requests the log writes two entries per
//! request for the control clients, and the derived code spent most of that
//! time writing the same keys again.

use serde_json::Result;

use super::{Direction, Peer, ProxySide, TrafficEntry, TrafficKind};

/// Appends `entry`'s JSON text to `out`.
pub fn write(out: &mut Vec<u8>, entry: &TrafficEntry) -> Result<()> {
    let e = entry;
    field(out, "{\"seq\":", &e.seq)?;
    field(out, ",\"timeMs\":", &e.time_ms)?;
    key(out, ",\"peer\":");
    peer(out, &e.peer)?;
    key(out, ",\"direction\":");
    key(out, direction(e.direction));
    key(out, ",\"kind\":");
    key(out, kind(e.kind));
    field(out, ",\"name\":", &e.name)?;
    field(out, ",\"requestId\":", &e.request_id)?;
    field(out, ",\"success\":", &e.success)?;
    field(out, ",\"data\":", &e.data)?;
    field(out, ",\"dataTruncated\":", &e.data_truncated)?;
    field(out, ",\"size\":", &e.size)?;
    field(out, ",\"pair\":", &e.pair)?;
    field(out, ",\"rttMs\":", &e.rtt_ms)?;
    if let Some(note) = &e.note {
        field(out, ",\"note\":", note)?;
    }
    out.push(b'}');
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
    /// bytes as the derived `Serialize` (which the UI's types follow).
    #[test]
    fn writes_what_serde_writes() {
        for e in entries() {
            let mut ours = Vec::new();
            write(&mut ours, &e).expect("write");
            let theirs = serde_json::to_vec(&e).expect("serde");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "entry {}",
                e.seq
            );
        }
    }
}
