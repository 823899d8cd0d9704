//! The floor: a raw tokio-tungstenite server in this process (on its own
//! runtime, so it does not share the load generator's threads), with no
//! juggler library. It shows what the same traffic costs with nothing but
//! WebSocket work and the least string work that yields valid juggler 0.6
//! frames (a reference point, not a strict lower bound: it sends one frame
//! per change, where a juggler server may coalesce):
//!
//! - any request but the three below is echoed: a `response` with the
//!   request's raw `id` and `data` text (`echo`, the ping, ...);
//! - `notify.burst`: the notify frame is built once and written `count`
//!   times;
//! - `state.burst` (string-key paths): for each value 1..=count one
//!   `replace` frame is built once and queued to every connection (the
//!   first one replaces the whole `null` state, as a diff must);
//! - `state.set`: one `replace` frame at the path's pointer, queued to every
//!   connection; a set of the whole state (`[]`) is also kept and sent to
//!   connections that join later.
//!
//! The floor keeps no JSON document, so it is right only for the order of
//! calls of the scenarios (a fresh floor for each run, the whole state set
//! before any leaf). Requests are read with serde_json into borrowed raw
//! text, without building a tree.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bench::error::Result;
use futures_util::{FutureExt, SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::load::ws_config;

/// A running floor server; stopped on [`Floor::stop`] or drop.
pub struct Floor {
    url: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Floor {
    /// Starts a floor on 127.0.0.1 on a free port, on a runtime of
    /// `threads` workers.
    pub fn start(threads: usize) -> Result<Floor> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("ws://{}/ws", listener.local_addr()?);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("floor")
            .enable_all()
            .build()?;
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("floor-main".into())
            .spawn(move || {
                rt.block_on(async move {
                    let listener = match TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            eprintln!("floor: cannot listen: {e}");
                            return;
                        }
                    };
                    let shared = Arc::new(Shared::default());
                    let accept = async {
                        loop {
                            match listener.accept().await {
                                Ok((stream, _)) => {
                                    let _ = stream.set_nodelay(true);
                                    tokio::spawn(serve(stream, shared.clone()));
                                }
                                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                            }
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = stop_rx => {}
                    }
                });
                rt.shutdown_timeout(Duration::from_secs(2));
            })?;
        Ok(Floor {
            url,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// `ws://127.0.0.1:PORT/ws`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops it and waits for its threads.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Floor {
    fn drop(&mut self) {
        self.halt();
    }
}

#[derive(Default)]
struct Shared {
    next_conn: AtomicU64,
    conns: Mutex<HashMap<u64, mpsc::UnboundedSender<Utf8Bytes>>>,
    state: Mutex<FloorState>,
}

#[derive(Default)]
struct FloorState {
    /// The state frame of the last whole-state set, for late joiners.
    whole: Option<Utf8Bytes>,
    /// Whether some change was sent (the state is no longer `null`).
    changed: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn broadcast(&self, frames: impl IntoIterator<Item = Utf8Bytes>) {
        let conns: Vec<_> = lock(&self.conns).values().cloned().collect();
        for frame in frames {
            for c in &conns {
                let _ = c.send(frame.clone());
            }
        }
    }
}

type ServerWs = WebSocketStream<TcpStream>;

async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(ws_config())).await
    else {
        return;
    };
    let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    let (tx, mut rx) = mpsc::unbounded_channel::<Utf8Bytes>();
    {
        let st = lock(&shared.state);
        if let Some(whole) = &st.whole {
            let _ = tx.send(whole.clone());
        }
        lock(&shared.conns).insert(id, tx);
    }
    let _ = run(&mut ws, &mut rx, &shared).await;
    lock(&shared.conns).remove(&id);
}

async fn run(
    ws: &mut ServerWs,
    rx: &mut mpsc::UnboundedReceiver<Utf8Bytes>,
    shared: &Shared,
) -> Result<()> {
    loop {
        tokio::select! {
            msg = ws.next() => {
                let Some(msg) = msg else { return Ok(()) };
                if let Message::Text(t) = msg? {
                    handle(&t, ws, shared).await?;
                }
                // Answer whatever else already arrived, then write once.
                while let Some(Some(msg)) = ws.next().now_or_never() {
                    if let Message::Text(t) = msg? {
                        handle(&t, ws, shared).await?;
                    }
                }
                ws.flush().await?;
            }
            Some(frame) = rx.recv() => {
                ws.feed(Message::Text(frame)).await?;
                for _ in 0..1024 {
                    match rx.try_recv() {
                        Ok(frame) => ws.feed(Message::Text(frame)).await?,
                        Err(_) => break,
                    }
                }
                ws.flush().await?;
            }
        }
    }
}

#[derive(Deserialize)]
struct Request<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    data: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Step {
    Index(i64),
    Key(String),
}

#[derive(Deserialize)]
struct NotifyBurst<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    data: &'a RawValue,
    count: u64,
}

#[derive(Deserialize)]
struct StateBurst {
    path: Vec<Step>,
    count: u64,
}

#[derive(Deserialize)]
struct StateSet<'a> {
    path: Vec<Step>,
    #[serde(borrow)]
    value: &'a RawValue,
}

fn response(id: &RawValue, success: bool, data: &str) -> String {
    let mut s = String::with_capacity(id.get().len() + data.len() + 48);
    s.push_str("{\"type\":\"response\",\"id\":");
    s.push_str(id.get());
    s.push_str(if success {
        ",\"success\":true,\"data\":"
    } else {
        ",\"success\":false,\"data\":"
    });
    s.push_str(data);
    s.push('}');
    s
}

fn failure(id: &RawValue, e: &serde_json::Error) -> String {
    response(
        id,
        false,
        &serde_json::Value::from(e.to_string()).to_string(),
    )
}

fn pointer(path: &[Step]) -> String {
    let mut p = String::new();
    for step in path {
        p.push('/');
        match step {
            Step::Index(i) => p.push_str(&i.to_string()),
            Step::Key(k) => p.push_str(&k.replace('~', "~0").replace('/', "~1")),
        }
    }
    p
}

fn replace_frame(pointer: &str, value: &str) -> Utf8Bytes {
    let mut s = String::with_capacity(pointer.len() + value.len() + 64);
    s.push_str("{\"type\":\"state\",\"diff\":[{\"op\":\"replace\",\"path\":");
    s.push_str(&serde_json::Value::from(pointer).to_string());
    s.push_str(",\"value\":");
    s.push_str(value);
    s.push_str("}]}");
    Utf8Bytes::from(s)
}

/// `{"k1":{"k2":value}}` for a path of keys.
fn nested(path: &[Step], value: &str) -> Option<String> {
    let mut s = String::new();
    for step in path {
        let Step::Key(k) = step else { return None };
        s.push('{');
        s.push_str(&serde_json::Value::from(k.as_str()).to_string());
        s.push(':');
    }
    s.push_str(value);
    s.push_str(&"}".repeat(path.len()));
    Some(s)
}

async fn handle(text: &str, ws: &mut ServerWs, shared: &Shared) -> Result<()> {
    let req: Request<'_> = serde_json::from_str(text)?;
    let answer = match req.name.as_ref() {
        "notify.burst" => match serde_json::from_str::<NotifyBurst<'_>>(req.data.get()) {
            Ok(b) => {
                let frame = Utf8Bytes::from(format!(
                    "{{\"type\":\"notify\",\"name\":{},\"data\":{}}}",
                    serde_json::Value::from(b.name.as_ref()),
                    b.data.get()
                ));
                for _ in 0..b.count {
                    ws.feed(Message::Text(frame.clone())).await?;
                }
                response(req.id, true, &b.count.to_string())
            }
            Err(e) => failure(req.id, &e),
        },
        "state.burst" => match serde_json::from_str::<StateBurst>(req.data.get()) {
            Ok(b) => {
                let ptr = pointer(&b.path);
                let first_whole = !std::mem::replace(&mut lock(&shared.state).changed, true);
                let frames = (1..=b.count).map(|i| {
                    let v = i.to_string();
                    match nested(&b.path, &v) {
                        Some(whole) if i == 1 && first_whole => replace_frame("", &whole),
                        _ => replace_frame(&ptr, &v),
                    }
                });
                shared.broadcast(frames);
                response(req.id, true, &b.count.to_string())
            }
            Err(e) => failure(req.id, &e),
        },
        "state.set" => match serde_json::from_str::<StateSet<'_>>(req.data.get()) {
            Ok(s) => {
                let frame = replace_frame(&pointer(&s.path), s.value.get());
                {
                    let mut st = lock(&shared.state);
                    st.changed = true;
                    if s.path.is_empty() {
                        st.whole = Some(frame.clone());
                    }
                }
                shared.broadcast([frame]);
                response(req.id, true, "null")
            }
            Err(e) => failure(req.id, &e),
        },
        _ => response(req.id, true, req.data.get()),
    };
    ws.feed(Message::text(answer)).await?;
    Ok(())
}

/// Worker threads of the floor: as many as the machine's CPUs, as tokio
/// gives our server by default.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
