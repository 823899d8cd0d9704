//! The task that owns one connection's socket.
//!
//! It waits on incoming frames, outgoing notifications, answers from the
//! request worker, state changes, the autoflush and ping timers and
//! cancellation. State is never queued: the task only remembers which version
//! of the state the client has, and on each sync sends what changed since
//! (see [`crate::Storage`]), so a slow client costs a number, not a queue.
//! What to send when is decided by the sans-IO [`super::core`]; this only
//! moves bytes and runs the application's handlers.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use futures_util::FutureExt;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_util::sync::CancellationToken;

use super::connection::{Connection, Info, Inner, Outgoing};
use super::core::{Action, Answered, BATCH, Core, Request, Route, Settings};
use super::faults::{FaultSettings, Faults, Kind, Shape};
use super::{HandlerError, RequestHandler, Shared};
use crate::Direction;
use crate::link::{self, Counters, End, Link, Read};
use crate::message::RequestId;
use crate::raw_text;
use crate::tap::{self, Out, Tap, Tapped};

/// Answers one request the way the reference does.
async fn answer(
    conn: &Connection,
    handler: Option<&RequestHandler>,
    id: RequestId,
    name: String,
    data: Value,
) -> Out {
    let tapped = conn.inner.tapped;
    if name.is_empty() {
        return Out::response(id, true, data, tapped);
    }
    let result = match handler {
        None => Err(HandlerError::from("request handler not implemented")),
        Some(h) => AssertUnwindSafe(h(conn.clone(), name.clone(), data))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!(conn = conn.id(), request = %name, "request handler panicked");
                Err(HandlerError::from(format!(
                    "request handler for {name:?} panicked"
                )))
            }),
    };
    match result {
        Ok(v) => Out::response(id, true, v, tapped),
        Err(e) => Out::response(id, false, e.0, tapped),
    }
}

/// An answer being computed.
type Answering = std::pin::Pin<Box<dyn std::future::Future<Output = Out> + Send>>;

/// Work for the sequential request worker.
enum Job {
    /// A request not started yet.
    New(RequestId, String, Value),
    /// A request the socket task started and that has to wait for something.
    Started(Answering),
}

fn answering(
    conn: Connection,
    handler: Option<RequestHandler>,
    id: RequestId,
    name: String,
    data: Value,
) -> Answering {
    Box::pin(async move { answer(&conn, handler.as_ref(), id, name, data).await })
}

pub(crate) async fn run<S>(
    shared: Arc<Shared>,
    ws: WebSocketStream<S>,
    info: Info,
    permit: OwnedSemaphorePermit,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let config = &shared.config;
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let state = config.shared_state.clone().unwrap_or_default();
    let (out_tx, out_rx) = mpsc::channel(config.send_queue_size.max(1));
    let cancel = shared.cancel.child_token();
    let closed = CancellationToken::new();
    let counters = Arc::new(Counters::default());
    let conn = Connection {
        inner: Arc::new(Inner {
            id,
            info,
            connected_at: SystemTime::now(),
            state: state.clone(),
            out: out_tx,
            cancel: cancel.clone(),
            closed: closed.clone(),
            counters: counters.clone(),
            faults: shared
                .default_faults
                .as_ref()
                .map(|f| Faults::new(f.get()))
                .unwrap_or_default(),
            overflow: config.notify_overflow,
            tapped: shared.on_traffic.is_some(),
            full_since: Mutex::new(None),
            close_reason: Mutex::new(None),
        }),
    };
    tracing::debug!(conn = id, remote = conn.remote(), "connection opened");
    shared
        .connections
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, conn.clone());

    if let Some(handler) = shared.on_connection.clone() {
        let conn = conn.clone();
        let closed = closed.clone();
        shared.tracker.spawn(async move {
            tokio::select! {
                _ = handler(conn) => {}
                _ = closed.cancelled() => {}
            }
        });
    }

    let tap = shared
        .on_traffic
        .clone()
        .map(|f| -> Tap { Arc::new(move |t: &Tapped<'_>| f(id, t)) });
    let link = Link::new(ws, config.transport.clone(), cancel.clone(), counters);
    let core = Core::new(
        Settings {
            autoflush: config.autoflush,
            max_pending: config.max_pending_requests.max(1),
            parallel: config.parallel_requests,
            max_depth: config.transport.max_depth,
        },
        state.clone(),
        conn.inner.faults.get(),
    );
    let mut driver = Driver {
        shared: shared.clone(),
        conn: conn.clone(),
        link,
        core,
        version: state.version_rx(),
        jobs: None,
        faults: conn.inner.faults.subscribe(),
        tap,
    };
    driver.follow_faults();
    let end = driver.run(out_rx).await;
    let close_reason = conn
        .inner
        .close_reason
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let end = match (end, close_reason) {
        (End::Cancelled, _) if conn.inner.faults.is_dropped() => End::Dropped,
        (End::Cancelled, Some(why)) => End::Policy(why),
        (end, _) => end,
    };
    match &end {
        End::Protocol(why) | End::Timeout(why) | End::Policy(why) => {
            tracing::warn!(
                conn = id,
                remote = conn.remote(),
                "closing connection: {why}"
            )
        }
        too_large @ End::TooLarge { .. } => tracing::warn!(
            conn = id,
            remote = conn.remote(),
            "closing connection: {too_large}"
        ),
        other => tracing::debug!(
            conn = id,
            remote = conn.remote(),
            "connection closed: {other}"
        ),
    }
    *conn
        .inner
        .close_reason
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some(end.to_string());
    let Driver { link, core, .. } = driver;
    drop(core);
    closed.cancel();
    shared
        .connections
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
    if config.shared_state.is_none() {
        // The connection's own state: its watchers would otherwise wait for
        // ever. Ended once it is out of the list, so that a watcher woken
        // by the end and reading the list again does not find it there. A
        // shared state lives on with the other connections.
        state.end();
    }
    link.close(&end, shared.config.shutdown_timeout).await;
    drop(permit);
}

/// The sequential request worker: answers, in order, the requests that
/// had to wait (and those read behind them).
fn spawn_worker(shared: &Arc<Shared>, conn: &Connection) -> mpsc::UnboundedSender<Job> {
    let (jobs_tx, mut jobs_rx) = mpsc::unbounded_channel::<Job>();
    let conn = conn.clone();
    let handler = shared.on_request.clone();
    let closed = conn.inner.closed.clone();
    shared.tracker.spawn(async move {
        loop {
            let job = tokio::select! {
                job = jobs_rx.recv() => job,
                _ = closed.cancelled() => None,
            };
            let fut = match job {
                None => break,
                Some(Job::New(id, name, data)) => {
                    answering(conn.clone(), handler.clone(), id, name, data)
                }
                Some(Job::Started(fut)) => fut,
            };
            let text = tokio::select! {
                t = fut => t,
                _ = closed.cancelled() => break,
            };
            if conn.inner.out.send(Outgoing::Answer(text)).await.is_err() {
                break;
            }
        }
    });
    jobs_tx
}

type Frame = Option<
    std::result::Result<
        tokio_tungstenite::tungstenite::Message,
        tokio_tungstenite::tungstenite::Error,
    >,
>;

/// The connection's task: moves bytes between the socket, the queues and
/// the [`Core`], which decides what goes out when.
struct Driver<S> {
    shared: Arc<Shared>,
    conn: Connection,
    link: Link<S>,
    core: Core,
    /// Wakes the task on state changes (the core reads the version itself).
    version: tokio::sync::watch::Receiver<u64>,
    /// The sequential request worker's queue, once a request had to wait
    /// (most connections never need one: it is a task and a queue less).
    jobs: Option<mpsc::UnboundedSender<Job>>,
    /// Fault injection: changes of the settings.
    faults: tokio::sync::watch::Receiver<FaultSettings>,
    /// Sees every message in and out.
    tap: Option<Tap>,
}

impl<S> Driver<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    async fn run(&mut self, mut out_rx: mpsc::Receiver<Outgoing>) -> End {
        let cancel = self.conn.inner.cancel.clone();
        self.core.opened(Instant::now());
        if let Err(end) = self.act().await {
            return end;
        }
        loop {
            let result = tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    if self.shared.cancel.is_cancelled() {
                        self.drain(&mut out_rx).await;
                    }
                    Err(End::Cancelled)
                }
                // Before anything it affects: faults set before a change
                // apply to that change.
                Ok(()) = self.faults.changed() => {
                    let fault = self.faults.borrow_and_update().clone();
                    self.core.faults_changed(fault);
                    self.follow_faults();
                    self.act().await
                }
                changed = self.version.changed() => match changed {
                    Ok(()) => {
                        self.core.state_changed(Instant::now());
                        self.act().await
                    }
                    Err(_) => Err(End::Cancelled),
                },
                Some(out) = out_rx.recv() => self.outgoing(out, &mut out_rx).await,
                _ = link::sleep_until(self.core.deadline()) => {
                    self.core.timer();
                    self.act().await
                }
                _ = link::sleep_until(self.link.ping_deadline()) => self.link.ping_due().await,
                frame = self.link.next_frame(), if self.core.can_read() => {
                    self.incoming(frame, &mut out_rx).await
                }
            };
            if let Err(end) = result {
                return end;
            }
        }
    }

    /// The sequential request worker, started the first time it is needed.
    fn worker(&mut self) -> &mpsc::UnboundedSender<Job> {
        let (shared, conn) = (&self.shared, &self.conn);
        self.jobs.get_or_insert_with(|| spawn_worker(shared, conn))
    }

    /// The link's part of the faults: 0.7 pings and segment size.
    fn follow_faults(&mut self) {
        let fault = self.core.faults();
        self.link.ignore_pings = fault.shape(Kind::Ping) == Shape::Hold;
        self.link.segment_size = fault.segment_size;
    }

    /// Carries out what the core decided.
    async fn act(&mut self) -> std::result::Result<(), End> {
        while let Some(action) = self.core.poll_action() {
            match action {
                Action::Delay(d) => tokio::select! {
                    _ = tokio::time::sleep(d) => {}
                    _ = self.conn.inner.cancel.cancelled() => return Err(End::Cancelled),
                },
                Action::Send(out) => {
                    if let Some(t) = &self.tap {
                        let (message, size) = (out.view(), out.len());
                        t(&Tapped {
                            direction: Direction::Out,
                            message,
                            size,
                        });
                    }
                    self.link.queue(out.into_text()).await?
                }
                Action::Flush => self.link.flush().await?,
            }
        }
        Ok(())
    }

    /// The server is shutting down: reads nothing more, but sends the
    /// answers of the requests already read (with whatever is queued before
    /// them) for up to `shutdown_timeout`.
    async fn drain(&mut self, out_rx: &mut mpsc::Receiver<Outgoing>) {
        if self.core.pending() == 0 {
            return;
        }
        let deadline = Instant::now() + self.shared.config.shutdown_timeout;
        // Writes now stop at the deadline, not at the shutdown signal.
        self.link.set_cancel(CancellationToken::new());
        let _ = tokio::time::timeout_at(deadline, async {
            while self.core.pending() > 0 {
                let Some(out) = out_rx.recv().await else {
                    break;
                };
                if self.outgoing(out, out_rx).await.is_err() {
                    break;
                }
            }
        })
        .await;
        if self.core.pending() > 0 {
            tracing::debug!(
                conn = self.conn.id(),
                pending = self.core.pending(),
                "shutdown: requests left unanswered after shutdown_timeout"
            );
        }
    }

    /// One item of the send queue, given to the core and carried out.
    async fn queued(&mut self, out: Outgoing) -> std::result::Result<(), End> {
        match out {
            Outgoing::Text(text) => self.core.notify(text),
            Outgoing::Answer(text) => self.core.answered(text, Answered::Queued),
            Outgoing::Flush(done) => {
                self.core.flush_requested();
                let r = self.act().await;
                let _ = done.send(());
                return r;
            }
        }
        self.act().await
    }

    /// Sends `first` and whatever else is already waiting in the queue,
    /// then flushes once: a burst of answers or notifications costs one write.
    async fn outgoing(
        &mut self,
        first: Outgoing,
        out_rx: &mut mpsc::Receiver<Outgoing>,
    ) -> std::result::Result<(), End> {
        let mut next = Some(first);
        let mut n = 0;
        while let Some(out) = next.take() {
            self.queued(out).await?;
            n += 1;
            if n < BATCH {
                next = out_rx.try_recv().ok();
            }
        }
        self.core.end_batch();
        self.act().await
    }

    /// Handles `first` and the frames that are already there, then flushes
    /// once what the inline answers queued.
    async fn incoming(
        &mut self,
        first: Frame,
        out_rx: &mut mpsc::Receiver<Outgoing>,
    ) -> std::result::Result<(), End> {
        let mut frame = first;
        let mut handled = 0;
        loop {
            if let Read::Message(text) = self.link.read(frame).await? {
                let tapped = self.tap.as_ref();
                let request = self
                    .core
                    .receive(&text, |m| tap::tap(tapped, Direction::In, m, text.len()))?;
                if let Some(request) = request {
                    self.request(request, text, out_rx).await?;
                }
            }
            handled += 1;
            // Decide before taking the next frame: a frame taken is a frame
            // that must be handled.
            if handled == BATCH || !self.core.can_read() {
                break;
            }
            match self.link.ready_frame().await {
                Some(next) => frame = next,
                None => break,
            }
        }
        self.core.end_batch();
        self.act().await
    }

    /// Starts answering one request (whose message's text is `text`) the
    /// way the core routed it.
    async fn request(
        &mut self,
        request: Request,
        text: String,
        out_rx: &mut mpsc::Receiver<Outgoing>,
    ) -> std::result::Result<(), End> {
        let Request {
            id,
            name,
            data,
            route,
            spans,
        } = request;
        let handler = self.shared.on_request.clone();
        match route {
            Route::Spawn => {
                let conn = self.conn.clone();
                let closed = self.conn.inner.closed.clone();
                self.shared.tracker.spawn(async move {
                    tokio::select! {
                        _ = async {
                            let text = answer(&conn, handler.as_ref(), id, name, data).await;
                            let _ = conn.inner.out.send(Outgoing::Answer(text)).await;
                        } => {}
                        _ = closed.cancelled() => {}
                    }
                });
                return Ok(());
            }
            Route::Worker => {
                let _ = self.worker().send(Job::New(id, name, data));
                return Ok(());
            }
            Route::Inline => {}
        }
        // Most handlers answer without waiting: poll once here and skip two
        // task hops; one that has to wait moves on to the worker as it is.
        let mut fut = answering(self.conn.clone(), handler, id, name, data);
        // A big value the handler passes on is written from its text.
        let mut raw = (!spans.is_empty()).then(|| raw_text::Spans::new(text, spans));
        let polled = std::future::poll_fn(|cx| {
            std::task::Poll::Ready(raw_text::scope(raw.take(), || fut.as_mut().poll(cx)))
        });
        match polled.await {
            std::task::Poll::Ready(text) => {
                // What the handler sent (notifications) goes out before its
                // answer, as it would through the queue.
                while let Ok(out) = out_rx.try_recv() {
                    self.queued(out).await?;
                }
                self.core.answered(text, Answered::Inline);
                self.act().await
            }
            std::task::Poll::Pending => {
                self.core.moved_to_worker();
                let _ = self.worker().send(Job::Started(fut));
                Ok(())
            }
        }
    }
}
