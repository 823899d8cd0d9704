//! The connection core without sockets: random sequences of events against
//! a model of the client (a mirror that applies every state message).

use std::collections::VecDeque;
use std::time::Duration;

use proptest::prelude::*;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{Action, Answered, Core, Route, Settings};
use crate::server::faults::FaultSettings;
use crate::storage::Storage;

const STATE_DELAY: Duration = Duration::from_millis(1);
const NOTIFY_DELAY: Duration = Duration::from_millis(2);
const ANSWER_DELAY: Duration = Duration::from_millis(3);
/// How far the clock moves with each event.
const TICK: Duration = Duration::from_millis(10);

#[derive(Debug, Clone)]
enum Event {
    /// The application changes the state; the core hears of it.
    Set(u8, i64),
    /// The application changes the state; the core has not heard yet (the
    /// change is seen through the next message with autoflush 0).
    SetUnheard(u8, i64),
    Notify(u16),
    /// A request comes in (empty name: a ping); `ready`: its handler
    /// answers at once.
    Request {
        empty: bool,
        ready: bool,
    },
    /// The worker (or a spawned task) answers its oldest request.
    WorkerAnswers,
    Flush,
    Faults(Faults),
}

#[derive(Debug, Clone, Copy)]
struct Faults {
    hold: bool,
    delay_state: bool,
    delay_notify: bool,
    delay_answer: bool,
    ignore_empty: bool,
}

impl Faults {
    fn settings(self) -> FaultSettings {
        let ms = |on: bool, d: Duration| if on { d.as_millis() as u64 } else { 0 };
        FaultSettings {
            hold_state: self.hold,
            delay_state_ms: ms(self.delay_state, STATE_DELAY),
            delay_notify_ms: ms(self.delay_notify, NOTIFY_DELAY),
            delay_response_ms: ms(self.delay_answer, ANSWER_DELAY),
            ignore_empty_requests: self.ignore_empty,
            ..FaultSettings::default()
        }
    }
}

fn faults() -> impl Strategy<Value = Faults> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(hold, delay_state, delay_notify, delay_answer, ignore_empty)| Faults {
                hold,
                delay_state,
                delay_notify,
                delay_answer,
                ignore_empty,
            },
        )
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => (0u8..4, any::<i64>()).prop_map(|(k, v)| Event::Set(k, v)),
        2 => (0u8..4, any::<i64>()).prop_map(|(k, v)| Event::SetUnheard(k, v)),
        2 => any::<u16>().prop_map(Event::Notify),
        4 => (any::<bool>(), any::<bool>())
            .prop_map(|(empty, ready)| Event::Request { empty, ready }),
        3 => Just(Event::WorkerAnswers),
        1 => Just(Event::Flush),
        1 => faults().prop_map(Event::Faults),
    ]
}

fn autoflush() -> impl Strategy<Value = Option<Duration>> {
    prop_oneof![
        Just(None),
        Just(Some(Duration::ZERO)),
        Just(Some(Duration::from_millis(25))),
    ]
}

/// The client's side of the wire, and what the test knows of the server.
struct Model {
    core: Core,
    state: Storage,
    now: Instant,
    mirror: Value,
    fault: FaultSettings,
    autoflush: Option<Duration>,
    parallel: bool,
    max_pending: usize,
    next_id: u64,
    /// Requests the worker or spawned tasks have, oldest first.
    worker: VecDeque<u64>,
    /// Ids read and not answered, in the order read.
    unanswered: VecDeque<u64>,
    /// Ids in the order their answers went out.
    answers: Vec<u64>,
    /// Requests read (not ignored).
    read: u64,
    /// The last delay since the last notification or answer went out.
    message_delay: Option<Duration>,
    /// The previous action.
    last: Option<Action>,
    state_messages: u64,
}

impl Model {
    fn new(autoflush: Option<Duration>, parallel: bool, max_pending: usize) -> Model {
        let state = Storage::new();
        let settings = Settings {
            autoflush,
            max_pending,
            parallel,
            max_depth: 64,
        };
        let mut m = Model {
            core: Core::new(settings, state.clone(), FaultSettings::default()),
            state,
            now: Instant::now(),
            mirror: Value::Null,
            fault: FaultSettings::default(),
            autoflush,
            parallel,
            max_pending,
            next_id: 1,
            worker: VecDeque::new(),
            unanswered: VecDeque::new(),
            answers: Vec::new(),
            read: 0,
            message_delay: None,
            last: None,
            state_messages: 0,
        };
        m.core.opened(m.now);
        m.act();
        m
    }

    /// Carries out the core's actions the way the driver does, checking
    /// each against what the client can see.
    fn act(&mut self) {
        while let Some(action) = self.core.poll_action() {
            match &action {
                Action::Delay(d) => {
                    if *d != STATE_DELAY {
                        self.message_delay = Some(*d);
                    }
                }
                Action::Send(text) => self.received(text),
                Action::Flush => {}
            }
            self.last = Some(action);
        }
    }

    fn received(&mut self, text: &str) {
        let mut msg: Value = serde_json::from_str(text).expect("JSON");
        match msg["type"].as_str().expect("type") {
            "state" => {
                assert!(!self.fault.hold_state, "a state message while held");
                let delayed = self.last == Some(Action::Delay(STATE_DELAY));
                assert_eq!(delayed, self.fault.delay_state_ms > 0, "state delay");
                crate::diff::patch(&mut self.mirror, msg["diff"].take()).expect("diff applies");
                self.state_messages += 1;
            }
            kind => {
                let delay = match kind {
                    "notify" => self.fault.delay_notify_ms,
                    "response" => self.fault.delay_response_ms,
                    other => panic!("unexpected {other} message"),
                };
                let expected = (delay > 0).then(|| Duration::from_millis(delay));
                assert_eq!(self.message_delay.take(), expected, "{kind} delay");
                if self.autoflush == Some(Duration::ZERO) && !self.fault.hold_state {
                    // Every change made before a message reaches the client first.
                    assert_eq!(self.mirror, self.state.data(), "state before {kind}");
                }
                if kind == "response" {
                    self.answers.push(msg["id"].as_u64().expect("id"));
                }
            }
        }
    }

    fn set(&mut self, key: u8, value: i64) {
        self.state
            .set(crate::path![format!("k{key}")], json!(value));
    }

    fn answer(&mut self, id: u64, from: Answered) {
        let pos = self.unanswered.iter().position(|i| *i == id).expect("read");
        self.unanswered.remove(pos);
        let text = crate::Message::encode_response(&id.into(), true, &Value::Null);
        self.core.answered(text, from);
    }

    fn step(&mut self, event: Event) {
        self.now += TICK;
        if self.core.deadline().is_some_and(|d| d <= self.now) {
            self.core.timer();
            self.act();
        }
        match event {
            Event::Set(k, v) => {
                self.set(k, v);
                self.core.state_changed(self.now);
            }
            Event::SetUnheard(k, v) => self.set(k, v),
            Event::Notify(n) => self
                .core
                .notify(crate::Message::encode_notify("n", &json!(n))),
            Event::Request { empty, ready } => {
                if !self.core.can_read() {
                    // The driver stops reading.
                    assert_eq!(self.core.pending(), self.max_pending);
                    return;
                }
                let id = self.next_id;
                self.next_id += 1;
                let name = if empty { "" } else { "x" };
                let text = format!(r#"{{"type":"request","id":{id},"name":"{name}","data":null}}"#);
                let request = self.core.receive(&text, |_| {}).expect("a request");
                let Some(request) = request else {
                    assert!(empty && self.fault.ignore_empty_requests, "ignored");
                    return;
                };
                assert_eq!(request.id.as_u64(), Some(id));
                self.read += 1;
                self.unanswered.push_back(id);
                match request.route {
                    Route::Spawn => {
                        assert!(self.parallel);
                        self.worker.push_back(id);
                    }
                    Route::Worker => {
                        assert!(!self.parallel && !self.worker.is_empty());
                        self.worker.push_back(id);
                    }
                    Route::Inline => {
                        assert!(!self.parallel && self.worker.is_empty());
                        if ready {
                            self.answer(id, Answered::Inline);
                        } else {
                            self.core.moved_to_worker();
                            self.worker.push_back(id);
                        }
                    }
                }
                self.act();
                self.core.end_batch();
            }
            Event::WorkerAnswers => {
                if let Some(id) = self.worker.pop_front() {
                    self.answer(id, Answered::Queued);
                    self.act();
                    self.core.end_batch();
                }
            }
            Event::Flush => self.core.flush_requested(),
            Event::Faults(f) => {
                self.fault = f.settings();
                self.core.faults_changed(self.fault.clone());
            }
        }
        self.act();
        assert!(self.core.pending() <= self.max_pending);
        assert_eq!(self.core.pending(), self.unanswered.len());
    }

    /// Faults off, every request answered, a flush: the client has it all.
    fn finish(&mut self) {
        self.step(Event::Faults(Faults {
            hold: false,
            delay_state: false,
            delay_notify: false,
            delay_answer: false,
            ignore_empty: false,
        }));
        while !self.worker.is_empty() {
            self.step(Event::WorkerAnswers);
        }
        self.step(Event::Flush);
        assert_eq!(self.mirror, self.state.data(), "the client converged");
        assert_eq!(self.core.pending(), 0);
        assert_eq!(self.answers.len() as u64, self.read, "one answer each");
        if !self.parallel {
            let mut sorted = self.answers.clone();
            sorted.sort_unstable();
            assert_eq!(self.answers, sorted, "answers in request order");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever happens, in whatever order: the client's mirror ends equal
    /// to the state; with autoflush 0 each notification and answer comes
    /// after the state changes made before it; held state never goes out;
    /// each delay comes before its kind of message; every request read gets
    /// one answer, in order unless parallel; reading stops at max_pending.
    #[test]
    fn the_client_converges_and_order_holds(
        autoflush in autoflush(),
        parallel in any::<bool>(),
        max_pending in 1usize..4,
        events in proptest::collection::vec(event(), 0..60),
    ) {
        let mut m = Model::new(autoflush, parallel, max_pending);
        for e in events {
            m.step(e);
        }
        m.finish();
    }
}

#[test]
fn a_state_set_before_the_connection_opened_goes_out_first() {
    let state = Storage::with_data(json!({"a": 1}));
    let settings = Settings {
        autoflush: Some(Duration::ZERO),
        max_pending: 8,
        parallel: false,
        max_depth: 64,
    };
    let mut core = Core::new(settings, state, FaultSettings::default());
    core.opened(Instant::now());
    let Some(Action::Send(text)) = core.poll_action() else {
        panic!("no state message");
    };
    assert_eq!(
        text.as_str(),
        r#"{"type":"state","diff":[{"op":"replace","path":"","value":{"a":1}}]}"#
    );
    assert_eq!(core.poll_action(), Some(Action::Flush));
    assert_eq!(core.poll_action(), None);
}

#[test]
fn autoflush_waits_for_its_deadline_and_sends_changes_together() {
    let state = Storage::new();
    let delay = Duration::from_millis(200);
    let settings = Settings {
        autoflush: Some(delay),
        max_pending: 8,
        parallel: false,
        max_depth: 64,
    };
    let mut core = Core::new(settings, state.clone(), FaultSettings::default());
    let t0 = Instant::now();
    core.opened(t0);
    assert_eq!(core.poll_action(), None);
    state.set(crate::path!["a"], json!(1));
    core.state_changed(t0);
    state.set(crate::path!["b"], json!(2));
    core.state_changed(t0 + Duration::from_millis(50));
    assert_eq!(
        core.deadline(),
        Some(t0 + delay),
        "the first change sets it"
    );
    assert_eq!(core.poll_action(), None);
    core.timer();
    let Some(Action::Send(text)) = core.poll_action() else {
        panic!("no state message");
    };
    assert!(
        text.contains(r#""a":1"#) && text.contains(r#""b":2"#),
        "{text}"
    );
    assert_eq!(core.poll_action(), Some(Action::Flush));
    assert_eq!(core.deadline(), None);
}

#[test]
fn a_client_that_sends_anything_but_requests_is_closed() {
    let mut core = Core::new(
        Settings {
            autoflush: None,
            max_pending: 8,
            parallel: false,
            max_depth: 64,
        },
        Storage::new(),
        FaultSettings::default(),
    );
    for text in [
        r#"{"type":"notify","name":"x","data":1}"#,
        "not json",
        r#"[1, 2]"#,
    ] {
        assert!(
            matches!(
                core.receive(text, |_| {}),
                Err(crate::link::End::Protocol(_))
            ),
            "{text}"
        );
    }
    assert_eq!(core.pending(), 0);
}
