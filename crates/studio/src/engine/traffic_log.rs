//! The traffic log and the recorders, as one service that owns its state.
//!
//! The taps (on every connection's task) only hand their frames over: a
//! short lock on a queue, not the engine's. A task takes the queue in
//! batches and logs each batch under one lock, with one model write of
//! `/traffic` and, while a control client follows the traffic, one send of
//! the new entries on the feed: with 100 dashboards, a change is 100
//! frames, and was 100 model writes and 100 events. Entries keep the order
//! the taps saw them in (`seq`); nothing is lost silently: past
//! [`MAX_QUEUED`] waiting frames, the frames are counted in `lost`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{Notify, broadcast};

use super::recorder::ActiveRecording;
use super::{Engine, Event, Publisher, TrafficFeed};
use crate::error::{Error, Result};
use crate::traffic::{Peer, TapFrame, TrafficFilter, TrafficLog};

/// Frames waiting to be logged, at most; past it they are counted as lost.
pub(super) const MAX_QUEUED: usize = 200_000;
/// Room for frames the queue keeps between batches, at most.
const KEEP_QUEUE_ROOM: usize = 16_384;
/// How long a batch gathers frames after the first one.
const BATCH_EVERY: Duration = Duration::from_millis(10);
/// Batches of entries the feed keeps for a follower that is behind (each
/// up to `CHUNK_ENTRIES` entries); one further behind is told how many it
/// missed (`events.lagged`) and asks for the log as it is.
pub(super) const FEED_CHUNKS: usize = 1024;

/// The traffic log, the recordings and the frames waiting for them.
pub(super) struct TrafficService {
    publish: Publisher,
    events: broadcast::Sender<Event>,
    /// The new entries, for the control clients that follow the traffic.
    feed: TrafficFeed,
    queue: Mutex<Vec<TapFrame>>,
    /// Frames that found the queue full since the last batch.
    lost: AtomicUsize,
    state: Mutex<LogState>,
    wake: Arc<Notify>,
    applier: AtomicBool,
    /// Whether a frame's data must be kept whatever its size (a recording
    /// runs), and the size above which the log leaves it out.
    recording: AtomicBool,
    max_data_bytes: AtomicUsize,
}

/// What the service's lock guards.
pub(super) struct LogState {
    pub(super) log: TrafficLog,
    pub(super) recordings: HashMap<String, ActiveRecording>,
    /// The recordings that ended, newest last (see [`super::recorder::Ended`]).
    pub(super) ended: std::collections::VecDeque<super::recorder::Ended>,
    pub(super) next_recording: u64,
    /// The last state patch decoded: the same text goes to every dashboard.
    last_patch: Option<(Box<str>, Value)>,
}

impl TrafficService {
    pub(super) fn new(
        log: TrafficLog,
        publish: Publisher,
        events: broadcast::Sender<Event>,
        feed: TrafficFeed,
    ) -> Arc<Self> {
        Arc::new(TrafficService {
            publish,
            events,
            feed,
            queue: Mutex::new(Vec::new()),
            lost: AtomicUsize::new(0),
            max_data_bytes: AtomicUsize::new(log.limits().max_data_bytes),
            state: Mutex::new(LogState {
                log,
                recordings: HashMap::new(),
                ended: Default::default(),
                next_recording: 0,
                last_patch: None,
            }),
            wake: Arc::new(Notify::new()),
            applier: AtomicBool::new(false),
            recording: AtomicBool::new(false),
        })
    }

    /// One tapped message of `peer`: queued for the next batch.
    pub(super) fn tap(self: &Arc<Self>, peer: Peer, t: &juggler::Tapped<'_>) {
        let keep = self.recording.load(Ordering::Relaxed)
            || t.size <= self.max_data_bytes.load(Ordering::Relaxed);
        let frame = TapFrame::new(crate::time::now_ms() as f64, peer, t, keep);
        let first = {
            let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            if q.len() >= MAX_QUEUED {
                self.lost.fetch_add(1, Ordering::Relaxed);
                return;
            }
            q.push(frame);
            q.len() == 1
        };
        if first {
            self.start_applier();
            self.wake.notify_one();
        }
    }

    /// The batching task, started by the first frame (taps run on the
    /// runtime; the engine may be made before one exists).
    fn start_applier(self: &Arc<Self>) {
        if self.applier.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            self.applier.store(false, Ordering::Release);
            return;
        };
        let (service, wake) = (Arc::downgrade(self), self.wake.clone());
        rt.spawn(apply_loop(service, wake));
    }

    /// The log's state, with every frame handed over so far logged: what
    /// a reader sees is never behind the taps.
    pub(super) fn state(&self) -> MutexGuard<'_, LogState> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.apply(&mut st);
        st
    }

    /// Logs the waiting frames as one batch.
    fn apply(&self, st: &mut LogState) {
        let mut frames = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|e| e.into_inner()));
        let lost = self.lost.swap(0, Ordering::Relaxed);
        if frames.is_empty() && lost == 0 {
            return;
        }
        st.log.add_lost(lost as u64);
        // Written once here, for every follower; not at all without one.
        st.log.set_writing(self.feed.receiver_count() > 0);
        let mut recorded = Vec::new();
        for frame in frames.drain(..) {
            let frame = frame.into_frame(&mut st.last_patch);
            if !st.recordings.is_empty() {
                recorded.extend(super::recorder::record(&mut st.recordings, &frame));
            }
            st.log.push(frame);
        }
        self.give_back(frames);
        self.recordings_written(st, recorded);
        self.publish.traffic(&st.log.status());
        let chunks = st.log.take_written();
        if !chunks.is_empty() {
            // A follower may have just left: nothing is lost, the log holds it.
            let _ = self.feed.send(chunks.into());
        }
    }

    /// Keeps the emptied queue's room for the next batch (up to
    /// [`KEEP_QUEUE_ROOM`] frames): the queue then does not grow, and copy
    /// itself, its way up again every batch.
    fn give_back(&self, spare: Vec<TapFrame>) {
        if spare.capacity() > KEEP_QUEUE_ROOM {
            return;
        }
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.is_empty() && spare.capacity() > q.capacity() {
            *q = spare;
        }
    }

    /// Publishes what the recordings wrote in a batch, and drops those that
    /// failed.
    fn recordings_written(&self, st: &mut LogState, written: Vec<super::recorder::Written>) {
        use super::recorder::Written;
        let mut last: HashMap<String, (u64, u64)> = HashMap::new();
        for w in written {
            match w {
                Written::Ok { id, entries, bytes } => {
                    last.insert(id, (entries, bytes));
                }
                Written::Failed { id, error } => {
                    last.remove(&id);
                    if let Some(rec) = st.recordings.remove(&id) {
                        super::recorder::ended(st, rec.info, Some(error.clone()));
                    }
                    self.publish.recordings().gone(&id);
                    let time = crate::time::now_ms();
                    let data = json!({"id": id, "error": error, "time": time});
                    self.event("recording.failed", data);
                }
            }
        }
        for (id, (entries, bytes)) in last {
            self.publish.recording_progress(&id, entries, bytes);
        }
        self.recording
            .store(!st.recordings.is_empty(), Ordering::Relaxed);
    }

    fn event(&self, name: &str, data: Value) {
        // No control client listening is fine.
        let _ = self.events.send((name.to_owned(), data));
    }

    /// The feed of new entries (see [`Engine::traffic_feed`]).
    pub(super) fn feed(&self) -> TrafficFeed {
        self.feed.clone()
    }

    /// Publishes the log's status (after a change of its settings).
    pub(super) fn publish_status(&self, st: &LogState) {
        self.publish.traffic(&st.log.status());
        self.recording
            .store(!st.recordings.is_empty(), Ordering::Relaxed);
        self.max_data_bytes
            .store(st.log.limits().max_data_bytes, Ordering::Relaxed);
    }
}

/// Takes the queue every [`BATCH_EVERY`] while frames come, until the
/// service is gone.
async fn apply_loop(service: Weak<TrafficService>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        tokio::time::sleep(BATCH_EVERY).await;
        let Some(service) = service.upgrade() else {
            return;
        };
        // A batch is milliseconds of work: the worker's other tasks (the
        // connections) move to another worker meanwhile rather than wait.
        let multi_thread = tokio::runtime::Handle::current().runtime_flavor()
            == tokio::runtime::RuntimeFlavor::MultiThread;
        if multi_thread {
            tokio::task::block_in_place(|| drop(service.state()));
        } else {
            drop(service.state());
        }
    }
}

impl Engine {
    /// A tapped message of `peer`, for the log and the recordings.
    pub(super) fn traffic(&self, peer: Peer, t: &juggler::Tapped<'_>) {
        self.inner.traffic.tap(peer, t);
    }

    /// Entries of the traffic log that pass `filter`, newest last.
    pub fn traffic_query(&self, filter: &TrafficFilter, limit: usize) -> Value {
        json!(self.inner.traffic.state().log.latest(filter, limit))
    }

    /// The traffic log (filtered) as NDJSON text.
    pub fn traffic_export(&self, filter: &TrafficFilter) -> Result<String> {
        let mut out = Vec::new();
        self.inner
            .traffic
            .state()
            .log
            .export_ndjson(filter, &mut out)
            .map_err(|e| Error::Invalid(format!("export failed: {e}")))?;
        String::from_utf8(out).map_err(|e| Error::Invalid(e.to_string()))
    }

    /// Empties the traffic log.
    pub fn traffic_clear(&self) {
        let mut st = self.inner.traffic.state();
        st.log.clear();
        self.inner.traffic.publish_status(&st);
    }

    /// Pauses or resumes the traffic log.
    pub fn traffic_pause(&self, paused: bool) {
        let mut st = self.inner.traffic.state();
        st.log.set_paused(paused);
        self.inner.traffic.publish_status(&st);
    }
}

#[cfg(test)]
mod tests {
    use juggler::{ClientBuilder, path};
    use serde_json::json;
    use tokio::net::TcpListener;

    use super::*;
    use crate::traffic::{TrafficEntry, TrafficKind};
    use crate::workspace::Workspace;

    /// Frames from many connections at once, logged in batches: every one
    /// is there, numbered without a gap, each connection's in the order it
    /// sent and got them, each answer paired with its request; the status
    /// in the model counts them all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_keep_every_frame_in_order() {
        let mut ws = Workspace::default();
        ws.server.autoflush = Some(0.0);
        let engine = Engine::new(ws, None).expect("engine");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = engine.start_server(Some(listener)).await.expect("start");
        let (clients, each) = (4, 200u64);
        let mut tasks = Vec::new();
        for c in 0..clients {
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let client = ClientBuilder::new(url.as_str())
                    .connect()
                    .await
                    .expect("connect");
                let sends = (0..each).map(|i| client.send("", json!([c, i])));
                for answer in futures_util::future::join_all(sends).await {
                    answer.expect("answer");
                }
                client.close();
            }));
        }
        for t in tasks {
            t.await.expect("client");
        }
        let total = 2 * clients as u64 * each;
        let entries: Vec<TrafficEntry> =
            serde_json::from_value(engine.traffic_query(&TrafficFilter::default(), 100_000))
                .expect("entries");
        assert_eq!(entries.len() as u64, total);
        for (n, e) in entries.iter().enumerate() {
            assert_eq!(e.seq, n as u64 + 1, "numbered in order, no gap");
        }
        let mut by_peer: HashMap<Peer, Vec<&TrafficEntry>> = HashMap::new();
        for e in &entries {
            by_peer.entry(e.peer.clone()).or_default().push(e);
        }
        assert_eq!(by_peer.len(), clients);
        for list in by_peer.values() {
            let requests: Vec<_> = list
                .iter()
                .filter(|e| e.kind == TrafficKind::Request)
                .collect();
            let ids: Vec<_> = requests.iter().map(|e| e.request_id).collect();
            let sorted = {
                let mut s = ids.clone();
                s.sort();
                s
            };
            assert_eq!(ids, sorted, "a connection's requests in the order sent");
            for r in requests {
                let answer = r.pair.expect("paired");
                assert!(answer > r.seq, "the answer after its request");
            }
        }
        // The model's status catches up within a batch.
        let status = || engine.model().get(path!["traffic", "lastSeq"]);
        for _ in 0..100 {
            if status() == Some(json!(total)) {
                break;
            }
            tokio::time::sleep(BATCH_EVERY).await;
        }
        assert_eq!(status(), Some(json!(total)));
        assert_eq!(engine.model().get(path!["traffic", "lost"]), Some(json!(0)));
        engine.shutdown().await;
    }
}
