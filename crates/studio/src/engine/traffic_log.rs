//! The traffic log: what the taps see, queried, exported, cleared, paused.

use super::*;

impl Engine {
    pub(super) fn traffic(&self, peer: Peer, direction: crate::traffic::Direction, text: &str) {
        let Some(frame) = Frame::from_message_text(now_ms() as f64, peer, direction, text) else {
            return;
        };
        self.record_frame(&frame);
        let mut core = self.core();
        let entry = core.traffic.push(frame).map(|e| json!(e));
        let status = json!(core.traffic.status());
        drop(core);
        if let Some(entry) = entry {
            self.event("traffic", entry);
        }
        self.inner.model.set(path!["traffic"], status);
    }

    /// Entries of the traffic log that pass `filter`, newest last.
    pub fn traffic_query(&self, filter: &TrafficFilter, limit: usize) -> Value {
        json!(self.core().traffic.latest(filter, limit))
    }

    /// The traffic log (filtered) as NDJSON text.
    pub fn traffic_export(&self, filter: &TrafficFilter) -> Result<String> {
        let mut out = Vec::new();
        self.core()
            .traffic
            .export_ndjson(filter, &mut out)
            .map_err(|e| Error::Invalid(format!("export failed: {e}")))?;
        String::from_utf8(out).map_err(|e| Error::Invalid(e.to_string()))
    }

    /// Empties the traffic log.
    pub fn traffic_clear(&self) {
        let mut core = self.core();
        core.traffic.clear();
        let status = json!(core.traffic.status());
        drop(core);
        self.inner.model.set(path!["traffic"], status);
    }

    /// Pauses or resumes the traffic log.
    pub fn traffic_pause(&self, paused: bool) {
        let mut core = self.core();
        core.traffic.set_paused(paused);
        let status = json!(core.traffic.status());
        drop(core);
        self.inner.model.set(path!["traffic"], status);
    }
}
