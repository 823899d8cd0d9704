//! The load generator: tokio-tungstenite clients that speak juggler 0.6
//! JSON frames directly (no juggler client), the same for every server.
//! Every answer, notification and state diff they receive goes through the
//! checkers of [`bench::check`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use bench::check::{Frame, data_matches, parse_frame};
use bench::error::{Error, Result, check_failed};
use bench::mirror::Mirror;
use futures_util::{FutureExt, SinkExt, StreamExt};
use sonic_rs::JsonContainerTrait;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A client WebSocket.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Frames up to 256 MiB: the large-state scenario moves about 11 MB at
/// once.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(256 << 20))
        .max_frame_size(Some(256 << 20))
}

/// Opens a WebSocket to `url` (Nagle off, as a latency-minded client).
pub async fn connect(url: &str) -> Result<Ws> {
    let (ws, _) =
        tokio_tungstenite::connect_async_with_config(url, Some(ws_config()), true).await?;
    Ok(ws)
}

/// Opens a WebSocket with small buffers, for holding thousands at once
/// (tungstenite fills its whole read buffer on the first read: 128 KiB
/// each by default, 4 KiB here; large messages only take more reads).
pub async fn connect_light(url: &str) -> Result<Ws> {
    let config = ws_config()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024);
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true).await?;
    Ok(ws)
}

/// Opens a WebSocket whose socket has a receive buffer of only `bytes`, so
/// that a client that stops reading pushes back on the server at once
/// instead of after the kernel's buffers fill.
pub async fn connect_small_rcvbuf(url: &str, bytes: u32) -> Result<Ws> {
    let request = url.into_client_request()?;
    let uri = request.uri();
    let addr: SocketAddr = format!(
        "{}:{}",
        uri.host().unwrap_or("127.0.0.1"),
        uri.port_u16().unwrap_or(80)
    )
    .parse()
    .map_err(|e| Error::Setup(format!("bad server address in {url}: {e}")))?;
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_recv_buffer_size(bytes)?;
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    let (ws, _) = tokio_tungstenite::client_async_with_config(
        request,
        MaybeTlsStream::Plain(stream),
        Some(ws_config()),
    )
    .await?;
    Ok(ws)
}

/// The text of a juggler 0.6 request; `data` is JSON text.
pub fn request_text(id: u64, name: &str, data: &str) -> String {
    let name = serde_json::Value::from(name).to_string();
    let mut s = String::with_capacity(data.len() + name.len() + 48);
    s.push_str("{\"type\":\"request\",\"id\":");
    s.push_str(&id.to_string());
    s.push_str(",\"name\":");
    s.push_str(&name);
    s.push_str(",\"data\":");
    s.push_str(data);
    s.push('}');
    s
}

/// The text of a received message: `Ok(None)` for control frames, an error
/// for binary frames and for the end of the connection.
fn text_of(msg: Message) -> Result<Option<Utf8Bytes>> {
    match msg {
        Message::Text(t) => Ok(Some(t)),
        Message::Binary(_) => check_failed("server sent a binary frame"),
        Message::Close(c) => check_failed(format!("server closed the connection: {c:?}")),
        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => Ok(None),
    }
}

/// The next text frame; fails when the connection ends.
pub async fn next_text(ws: &mut Ws) -> Result<Utf8Bytes> {
    loop {
        match ws.next().await {
            None => return check_failed("server closed the connection"),
            Some(msg) => {
                if let Some(t) = text_of(msg?)? {
                    return Ok(t);
                }
            }
        }
    }
}

/// A text frame that is already buffered, without waiting; `Ok(None)` when
/// none is.
fn buffered_text(ws: &mut Ws) -> Result<Option<Utf8Bytes>> {
    loop {
        match ws.next().now_or_never() {
            None => return Ok(None),
            Some(None) => return check_failed("server closed the connection"),
            Some(Some(msg)) => {
                if let Some(t) = text_of(msg?)? {
                    return Ok(Some(t));
                }
            }
        }
    }
}

/// The data that connection `conn` sends with request `id` (a 16-character
/// string, different for every request, so a wrong pairing shows).
fn echo_data(conn: usize, id: u64) -> String {
    format!("\"c{:03}-{:011}\"", conn % 1000, id % 100_000_000_000)
}

/// Requests in flight on one connection and the latencies of the answered.
struct InFlight {
    conn: usize,
    sent_at: Vec<Option<Instant>>,
    latencies: Vec<u32>,
    done: u64,
}

impl InFlight {
    /// Checks one answer: an id that was sent and not yet answered,
    /// `success: true` and the data that was sent.
    fn answer(&mut self, text: &str) -> Result<()> {
        let now = Instant::now();
        let Frame::Response { id, success, data } = parse_frame(text)? else {
            return check_failed(format!(
                "expected a response, got {}",
                bench::check::clip(text)
            ));
        };
        let Some(at) = usize::try_from(id)
            .ok()
            .and_then(|i| self.sent_at.get_mut(i))
            .and_then(Option::take)
        else {
            return check_failed(format!(
                "response to request {id}, not sent or answered twice"
            ));
        };
        if !success || !data_matches(data.as_deref(), &echo_data(self.conn, id)) {
            return check_failed(format!(
                "wrong answer to echo request {id}: {}",
                bench::check::clip(text)
            ));
        }
        self.latencies
            .push(u32::try_from(now.duration_since(at).as_micros()).unwrap_or(u32::MAX));
        self.done += 1;
        Ok(())
    }
}

/// Sends `n` `echo` requests on `ws`, keeping `window` of them in flight,
/// and checks every answer (see [`InFlight::answer`]). Returns the latency
/// of each request in microseconds.
pub async fn run_requests(mut ws: Ws, conn: usize, n: u64, window: u64) -> Result<Vec<u32>> {
    let mut f = InFlight {
        conn,
        sent_at: vec![None; n as usize + 1],
        latencies: Vec::with_capacity(n as usize),
        done: 0,
    };
    let mut next = 1u64;
    while f.done < n {
        let mut fed = false;
        while next <= n && next - 1 - f.done < window {
            let text = request_text(next, "echo", &echo_data(conn, next));
            ws.feed(Message::text(text)).await?;
            f.sent_at[next as usize] = Some(Instant::now());
            next += 1;
            fed = true;
        }
        if fed {
            ws.flush().await?;
        }
        let text = next_text(&mut ws).await?;
        f.answer(&text)?;
        // Whatever else already arrived, before topping the window up.
        while f.done < n {
            match buffered_text(&mut ws)? {
                Some(text) => f.answer(&text)?,
                None => break,
            }
        }
    }
    let _ = ws.close(None).await;
    Ok(f.latencies)
}

/// What [`run_notify_burst`] saw.
pub struct NotifyRun {
    /// From sending the request to the last of: every notification and the
    /// answer.
    pub elapsed_s: f64,
}

/// Asks for `count` notifications `(name, data)` with `notify.burst` and
/// checks that exactly `count` identical ones arrive, all before the answer
/// (the reference sends them first), and that the answer is `count`.
pub async fn run_notify_burst(mut ws: Ws, name: &str, data: &str, count: u64) -> Result<NotifyRun> {
    let req = format!(
        "{{\"name\":{},\"data\":{data},\"count\":{count}}}",
        serde_json::Value::from(name)
    );
    let start = Instant::now();
    ws.send(Message::text(request_text(1, "notify.burst", &req)))
        .await?;
    let mut got = 0u64;
    let mut answered = false;
    let expected_count = count.to_string();
    while !(answered && got == count) {
        let text = next_text(&mut ws).await?;
        match parse_frame(&text)? {
            Frame::Notify { name: n, data: d } => {
                if n != name || !data_matches(d.as_deref(), data) {
                    return check_failed(format!(
                        "notification {} is not ({name:?}, {data}): {}",
                        got + 1,
                        bench::check::clip(&text)
                    ));
                }
                got += 1;
                if got > count {
                    return check_failed(format!("more than {count} notifications"));
                }
            }
            Frame::Response { id, success, data } => {
                if id != 1 || !success || !data_matches(data.as_deref(), &expected_count) {
                    return check_failed(format!(
                        "wrong answer to notify.burst: {}",
                        bench::check::clip(&text)
                    ));
                }
                if got != count {
                    return check_failed(format!(
                        "answer to notify.burst after {got} of {count} notifications"
                    ));
                }
                answered = true;
            }
            Frame::State { diff } => {
                // This connection's state never changes: only an empty diff
                // (or one that keeps null) would be harmless; report any.
                if diff.as_array().is_some_and(|a| !a.is_empty()) {
                    return check_failed(format!(
                        "unexpected state message: {}",
                        sonic_rs::to_string(&diff).unwrap_or_default()
                    ));
                }
            }
        }
    }
    let elapsed_s = start.elapsed().as_secs_f64();
    let _ = ws.close(None).await;
    Ok(NotifyRun { elapsed_s })
}

/// One churn cycle: connect, ping (an empty-name request), check the
/// answer, close with the closing handshake.
pub async fn churn_once(url: &str, i: u64) -> Result<()> {
    let mut ws = connect(url).await?;
    let data = format!("\"churn-{i}\"");
    ws.send(Message::text(request_text(1, "", &data))).await?;
    loop {
        let text = next_text(&mut ws).await?;
        match parse_frame(&text)? {
            Frame::Response {
                id,
                success,
                data: d,
            } => {
                if id != 1 || !success || !data_matches(d.as_deref(), &data) {
                    return check_failed(format!(
                        "wrong ping answer: {}",
                        bench::check::clip(&text)
                    ));
                }
                break;
            }
            Frame::State { .. } => {}
            Frame::Notify { .. } => return check_failed("unexpected notification"),
        }
    }
    ws.close(None).await?;
    // Wait for the server's close frame and the end of the stream; errors
    // after our close are the server cutting the handshake short, which
    // costs it nothing here.
    while let Some(msg) = ws.next().await {
        if msg.is_err() {
            break;
        }
    }
    Ok(())
}

/// An answer a [`Peer`] received.
#[derive(Debug)]
pub struct Answer {
    /// `success` of the response.
    pub success: bool,
    /// `data` as raw JSON (`None` for null).
    pub data: Option<String>,
    /// When it arrived.
    pub at: Instant,
}

/// A general client: sends requests, keeps every answer by id, mirrors the
/// state from every diff (checked) and counts notifications.
pub struct Peer {
    ws: Ws,
    next_id: u64,
    /// The mirrored state.
    pub mirror: Mirror,
    answers: HashMap<u64, Answer>,
    /// Notifications received.
    pub notifies: u64,
    /// When the last state message was applied.
    pub last_state_at: Option<Instant>,
    /// When the text of the last state message had arrived (before it was
    /// parsed and applied).
    pub last_state_frame_at: Option<Instant>,
}

impl Peer {
    /// Connects with a mirror.
    pub async fn connect(url: &str, mirror: Mirror) -> Result<Peer> {
        Ok(Self::from_ws(connect(url).await?, mirror))
    }

    /// Wraps an open WebSocket.
    pub fn from_ws(ws: Ws, mirror: Mirror) -> Peer {
        Peer {
            ws,
            next_id: 1,
            mirror,
            answers: HashMap::new(),
            notifies: 0,
            last_state_at: None,
            last_state_frame_at: None,
        }
    }

    /// The WebSocket, to hold without reading.
    pub fn into_ws(self) -> Ws {
        self.ws
    }

    /// Sends a request (`data` is JSON text); returns its id.
    pub async fn send(&mut self, name: &str, data: &str) -> Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        self.ws
            .send(Message::text(request_text(id, name, data)))
            .await?;
        Ok(id)
    }

    /// Reads and handles one frame.
    pub async fn pump(&mut self) -> Result<()> {
        let text = next_text(&mut self.ws).await?;
        let arrived = Instant::now();
        match parse_frame(&text)? {
            Frame::Response { id, success, data } => {
                if id == 0 || id >= self.next_id || self.answers.contains_key(&id) {
                    return check_failed(format!("response to request {id} that was not sent"));
                }
                self.answers.insert(
                    id,
                    Answer {
                        success,
                        data: data.map(|d| d.into_owned()),
                        at: Instant::now(),
                    },
                );
            }
            Frame::State { diff } => {
                self.mirror.apply(diff, text.len())?;
                self.last_state_at = Some(Instant::now());
                self.last_state_frame_at = Some(arrived);
            }
            Frame::Notify { .. } => self.notifies += 1,
        }
        Ok(())
    }

    /// Requests sent so far (pings included).
    pub fn sent(&self) -> u64 {
        self.next_id - 1
    }

    /// Whether the answer to `id` arrived.
    pub fn answered(&self, id: u64) -> bool {
        self.answers.contains_key(&id)
    }

    /// Reads frames until `done` holds (checked before each read).
    pub async fn until(&mut self, mut done: impl FnMut(&Peer) -> bool) -> Result<()> {
        while !done(self) {
            self.pump().await?;
        }
        Ok(())
    }

    /// Reads frames until the answer to `id` arrives, checks it is a
    /// success with the data whose compact text is `expected`, returns it.
    pub async fn expect_answer(&mut self, id: u64, expected: &str) -> Result<Answer> {
        self.until(|p| p.answered(id)).await?;
        let Some(a) = self.answers.remove(&id) else {
            return check_failed("answer vanished");
        };
        if !a.success || !data_matches(a.data.as_deref(), expected) {
            return check_failed(format!(
                "request {id}: expected success with {expected}, got success={} data={}",
                a.success,
                a.data.as_deref().unwrap_or("null")
            ));
        }
        Ok(a)
    }

    /// A ping (empty-name request) and its checked answer: after it, the
    /// server has this connection set up.
    pub async fn ping(&mut self) -> Result<()> {
        let id = self.send("", "\"ping\"").await?;
        self.expect_answer(id, "\"ping\"").await.map(|_| ())
    }
}
