//! Replaying a recording through the embedded server: its state diffs and
//! notifications reach the connected dashboards at the recorded pace (or
//! faster, or step by step), and their requests are answered from the
//! recorded responses when a recorded request matches (else by the rules).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{Edit, Engine};
use crate::error::{Error, Result};
use crate::model::ReplayInfo;
use crate::recording::{Entry, Event, PathChange, Recording, Timeline};

/// Fastest playback: 1000× real time.
pub const MAX_SPEED: f64 = 1000.0;

/// A seek this many entries forward, or fewer, from a state that is the
/// recording's applies their diffs instead of setting the whole state.
const SEEK_BY_DIFFS_MAX: usize = 1000;

/// The loaded recording.
pub(super) struct ReplaySlot {
    info: ReplayInfo,
    timeline: Arc<Timeline>,
    /// Recorded (name, data) → answers (success, data), in recorded order.
    answers: HashMap<(String, String), Vec<(bool, Value)>>,
    /// How many times each (name, data) was answered during this replay.
    asked: HashMap<(String, String), usize>,
    /// Cancels the playing task.
    playing: Option<CancellationToken>,
}

impl ReplaySlot {
    fn new(path: &Path, recording: Recording, timeline: Timeline) -> ReplaySlot {
        let entries = timeline.entries();
        let mut answers: HashMap<(String, String), Vec<(bool, Value)>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            let Event::Request { id, name, data } = &entry.event else {
                continue;
            };
            let response = entries[i + 1..].iter().find_map(|e| match &e.event {
                Event::Response {
                    id: rid,
                    success,
                    data,
                } if rid == id => Some((*success, data.clone())),
                _ => None,
            });
            if let Some(answer) = response {
                answers
                    .entry((name.clone(), data.to_string()))
                    .or_default()
                    .push(answer);
            }
        }
        ReplaySlot {
            info: ReplayInfo {
                path: path.display().to_string(),
                header: recording.header,
                entries: entries.len(),
                duration_ms: entries.last().map(|e| e.t).unwrap_or(0.0),
                step: 0,
                t: 0.0,
                playing: false,
                speed: 1.0,
                truncated_tail: recording.truncated_tail,
                served: false,
            },
            timeline: Arc::new(timeline),
            answers,
            asked: HashMap::new(),
            playing: None,
        }
    }
}

fn loaded() -> Error {
    Error::Invalid("no recording is loaded: load one with replay.load".into())
}

impl Engine {
    /// Writes a workspace that mocks the back end of the loaded recording
    /// (see [`crate::mock`]) to `out` (relative to the workspace file);
    /// returns where, and how many rules and notify presets it holds.
    pub fn replay_mock(&self, out: &str, how: crate::mock::How, force: bool) -> Result<Value> {
        let recording = {
            let slot = self.inner.requests.replay_slot();
            let slot = slot.as_ref().ok_or_else(|| {
                Error::Invalid("no recording is loaded: load one in the Replay pane first".into())
            })?;
            std::path::PathBuf::from(&slot.info.path)
        };
        let out = self.inner.workspace.resolve(out);
        let mock = crate::mock::make(&recording, &out, how, force)?;
        // As JSON: the engine's callers (and tests) read it as such.
        Ok(serde_json::json!(crate::mock::MockMade::of(
            &out, &mock, None
        )))
    }

    /// Loads a recording for replay (stopping the one loaded before). The
    /// dashboards see nothing until it plays, steps or seeks.
    pub async fn replay_load(&self, path: &Path) -> Result<ReplayInfo> {
        let owned = path.to_owned();
        // Reading and indexing a big recording is work for a blocking thread.
        let (recording, timeline) = tokio::task::spawn_blocking(move || {
            let mut recording = Recording::read_session(&owned)?;
            // The timeline keeps the entries; the slot reads them there.
            let timeline = Timeline::new(std::mem::take(&mut recording.entries))?;
            Ok::<_, Error>((recording, timeline))
        })
        .await
        .map_err(|e| Error::Invalid(format!("loading the recording failed: {e}")))??;
        self.replay_stop();
        let slot = ReplaySlot::new(path, recording, timeline);
        let info = slot.info.clone();
        // Replayed changes are not edits: they cannot be undone.
        self.inner.state.clear_history();
        self.inner.state.forget_replay();
        *self.inner.requests.replay_slot() = Some(slot);
        self.publish_replay();
        Ok(info)
    }

    /// Unloads the recording (the state stays as it is).
    pub fn replay_stop(&self) {
        let slot = self.inner.requests.replay_slot().take();
        if let Some(t) = slot.and_then(|s| s.playing) {
            t.cancel();
        }
        self.inner.publish.replay(None);
    }

    /// Plays from the current step at `speed` (default: the last one).
    pub fn replay_play(&self, speed: Option<f64>) -> Result<ReplayInfo> {
        let token = CancellationToken::new();
        {
            let mut slot = self.inner.requests.replay_slot();
            let slot = slot.as_mut().ok_or_else(loaded)?;
            if let Some(s) = speed {
                if !(s.is_finite() && s > 0.0 && s <= MAX_SPEED) {
                    return Err(Error::Invalid(format!(
                        "speed: {s} is not a speed between 0 and {MAX_SPEED} (1 is real time)"
                    )));
                }
                slot.info.speed = s;
            }
            if let Some(old) = slot.playing.replace(token.clone()) {
                old.cancel();
            }
            if slot.info.step >= slot.info.entries {
                // Played to the end: play again from the start (on the
                // state as it is: no longer the recording's).
                slot.info.step = 0;
                slot.info.t = 0.0;
                slot.asked.clear();
                self.inner.state.forget_replay();
            }
            slot.info.playing = true;
        }
        self.publish_replay();
        let engine = self.clone();
        tokio::spawn(async move { engine.play(token).await });
        self.replay_info()
    }

    /// Pauses playback.
    pub fn replay_pause(&self) -> Result<ReplayInfo> {
        {
            let mut slot = self.inner.requests.replay_slot();
            let slot = slot.as_mut().ok_or_else(loaded)?;
            if let Some(t) = slot.playing.take() {
                t.cancel();
            }
            slot.info.playing = false;
        }
        self.publish_replay();
        self.replay_info()
    }

    /// Plays the next entry now (pausing playback); `None` at the end.
    pub async fn replay_step(&self) -> Result<Option<Entry>> {
        self.replay_pause()?;
        let next = {
            let slot = self.inner.requests.replay_slot();
            let slot = slot.as_ref().ok_or_else(loaded)?;
            slot.timeline.entries().get(slot.info.step).cloned()
        };
        let Some(entry) = next else { return Ok(None) };
        self.play_entry(&entry).await?;
        self.advance(1, entry.t);
        Ok(Some(entry))
    }

    /// Jumps to `step` (entries played): the dashboards get the state of
    /// that moment as one diff; notifications in between are not sent.
    pub fn replay_seek(&self, step: usize) -> Result<ReplayInfo> {
        // Held throughout: two seeks at once must not leave the state of
        // one at the step of the other.
        let mut slot = self.inner.requests.replay_slot();
        let slot_ref = slot.as_mut().ok_or_else(loaded)?;
        let timeline = slot_ref.timeline.clone();
        let entries = timeline.entries();
        let step = step.min(entries.len());
        let from = slot_ref.info.step;
        let forward = (from..=from + SEEK_BY_DIFFS_MAX).contains(&step);
        if forward && slot_ref.playing.is_none() && self.inner.state.replay_exact() {
            // A few steps on from the recording's own state: their diffs,
            // as playing them would apply them (nothing the size of the
            // state is copied).
            let ops: Vec<Value> = entries[from..step]
                .iter()
                .filter_map(|e| match &e.event {
                    Event::State { diff } => diff.as_array(),
                    _ => None,
                })
                .flatten()
                .cloned()
                .collect();
            if !ops.is_empty() {
                self.inner
                    .state
                    .apply_unrecorded(Edit::Patch(Value::Array(ops)))?;
            }
        } else {
            // The served document and the model's mirror each need their
            // own copy of the state: both are made at once, on two threads
            // (for a 10 MB state each is ~10^6 allocations).
            let (state, mirror) = std::thread::scope(|s| {
                let other = s.spawn(|| timeline.state_at(step));
                (timeline.state_at(step), other.join())
            });
            let mirror = mirror.map_err(|_| {
                Error::Invalid("rebuilding the recording's state failed (a panic)".into())
            })??;
            self.inner.state.set_from_replay(state?, mirror)?;
        }
        slot_ref.info.step = step;
        slot_ref.info.t = step
            .checked_sub(1)
            .and_then(|i| entries.get(i))
            .map(|e| e.t)
            .unwrap_or(0.0);
        drop(slot);
        self.publish_replay();
        self.replay_info()
    }

    /// The loaded recording's state after `step` entries.
    pub fn timeline_state(&self, step: usize) -> Result<Value> {
        let timeline = self.timeline()?;
        timeline.state_at(step)
    }

    /// The change history of a path (RFC 6901 pointer) in the loaded
    /// recording.
    pub fn timeline_history(&self, pointer: &str) -> Result<Vec<PathChange>> {
        if !(pointer.is_empty() || pointer.starts_with('/')) {
            return Err(Error::Invalid(format!(
                "pointer: {pointer:?} is not a JSON pointer (\"\" or starting with /)"
            )));
        }
        self.timeline()?.history(pointer)
    }

    /// Entries `from..from+limit` of the loaded recording, lent to `f`:
    /// one can be a whole multi-megabyte state, so they are not copied.
    pub fn timeline_entries<T>(
        &self,
        from: usize,
        limit: usize,
        f: impl FnOnce(&[Entry]) -> T,
    ) -> Result<T> {
        let timeline = self.timeline()?;
        let entries = timeline.entries();
        let from = from.min(entries.len());
        let to = from.saturating_add(limit).min(entries.len());
        Ok(f(&entries[from..to]))
    }

    fn timeline(&self) -> Result<Arc<Timeline>> {
        let slot = self.inner.requests.replay_slot();
        Ok(slot.as_ref().ok_or_else(loaded)?.timeline.clone())
    }

    fn replay_info(&self) -> Result<ReplayInfo> {
        let slot = self.inner.requests.replay_slot();
        Ok(slot.as_ref().ok_or_else(loaded)?.info.clone())
    }

    fn publish_replay(&self) {
        let mut slot = self.inner.requests.replay_slot();
        self.inner.state.with_replay_exact(|exact| {
            if let Some(s) = slot.as_mut() {
                s.info.served = exact;
            }
            self.inner.publish.replay(slot.as_ref().map(|s| &s.info));
        });
    }

    /// A recorded answer to a dashboard's request, if the recording has a
    /// request with this name and data: the n-th time it is asked gets the
    /// n-th recorded answer (the last one once they run out).
    pub(super) fn replay_answer(&self, name: &str, data: &Value) -> Option<(bool, Value)> {
        let mut slot = self.inner.requests.replay_slot();
        let slot = slot.as_mut()?;
        let key = (name.to_owned(), data.to_string());
        let answers = slot.answers.get(&key)?;
        let n = slot.asked.entry(key).or_insert(0);
        let answer = answers.get(*n).or_else(|| answers.last())?.clone();
        *n += 1;
        Some(answer)
    }

    async fn play(&self, token: CancellationToken) {
        loop {
            let next = {
                let slot = self.inner.requests.replay_slot();
                let Some(slot) = slot.as_ref() else {
                    return;
                };
                if token.is_cancelled() {
                    return;
                }
                slot.timeline
                    .entries()
                    .get(slot.info.step)
                    .cloned()
                    .map(|e| (e.t - slot.info.t, slot.info.speed, e))
            };
            let Some((gap, speed, entry)) = next else {
                if let Some(slot) = self.inner.requests.replay_slot().as_mut() {
                    slot.info.playing = false;
                    slot.playing = None;
                }
                self.publish_replay();
                return;
            };
            let wait = Duration::from_secs_f64((gap.max(0.0) / speed / 1000.0).min(3600.0));
            if !wait.is_zero() {
                tokio::select! {
                    _ = token.cancelled() => return,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
            if token.is_cancelled() {
                return;
            }
            if let Err(e) = self.play_entry(&entry).await {
                tracing::warn!(error = %e, "replay stopped");
                self.event("replay.failed", json!({"error": e.to_string()}));
                let _ = self.replay_pause();
                return;
            }
            self.advance(1, entry.t);
        }
    }

    fn advance(&self, by: usize, t: f64) {
        {
            let mut slot = self.inner.requests.replay_slot();
            if let Some(slot) = slot.as_mut() {
                slot.info.step = (slot.info.step + by).min(slot.info.entries);
                slot.info.t = t;
            }
        }
        self.publish_replay();
    }

    async fn play_entry(&self, entry: &Entry) -> Result<()> {
        match &entry.event {
            Event::State { diff } => self.inner.state.apply_unrecorded(Edit::Patch(diff.clone())),
            Event::Notify { name, data } => {
                // No server, nobody to tell: the replay goes on.
                if self.inner.host.is_running() {
                    self.notify(name, data.clone(), &[]).await?;
                }
                Ok(())
            }
            // Requests and responses answer the dashboards' requests.
            Event::Request { .. } | Event::Response { .. } => Ok(()),
        }
    }
}
