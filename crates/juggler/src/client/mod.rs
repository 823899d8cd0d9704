//! The juggler client: `connect` of the reference.
//!
//! ```no_run
//! # async fn demo() -> juggler::Result<()> {
//! let client = juggler::client::ClientBuilder::new("ws://127.0.0.1:23023/ws")
//!     .on_notify(|name, data| println!("{name}: {data}"))
//!     .connect()
//!     .await?;
//! let answer = client.send("echo", serde_json::json!({"x": 1})).await?;
//! println!("{answer} / state {}", client.state().data());
//! client.close();
//! client.wait_closed().await;
//! # Ok(()) }
//! ```

mod connect_error;
mod core;
mod detect;

pub(crate) use connect_error::refusal_of;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use http::HeaderValue;
use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use self::core::{ClientCore, Received};
use crate::Direction;
use crate::error::{Error, Result};
use crate::link::{self, Counters, End, Link, Read};
use crate::message::RequestId;
use crate::storage::Storage;
use crate::tap::{MessageView, Tap, Tapped};
use crate::tls::{self, Trust};
use crate::transport::{Generation, TransportConfig, TransportOverrides};

/// Called with each notification: `(name, data)`.
pub type NotifyHandler = Arc<dyn Fn(String, Value) + Send + Sync>;

/// Settings of a connection; build with [`ClientBuilder`].
pub struct ClientBuilder {
    address: String,
    base: TransportConfig,
    overrides: TransportOverrides,
    trust: Trust,
    auth: Option<(String, String)>,
    headers: Vec<(String, String)>,
    on_notify: Option<NotifyHandler>,
    on_traffic: Option<crate::tap::Tap>,
    send_queue_size: usize,
    connect_timeout: Duration,
    /// Tell the generation from what the server sends, within this long.
    detect: Option<Duration>,
}

impl ClientBuilder {
    /// A connection to `address` (`ws://host:port/path` or `wss://…`).
    pub fn new(address: impl Into<String>) -> Self {
        ClientBuilder {
            address: address.into(),
            base: TransportConfig::default(),
            overrides: TransportOverrides::default(),
            trust: Trust::System,
            auth: None,
            headers: Vec::new(),
            on_notify: None,
            on_traffic: None,
            send_queue_size: 1024,
            connect_timeout: Duration::from_secs(30),
            detect: None,
        }
    }

    /// Wire generation. Default 0.6. A generation given wins over
    /// [`ClientBuilder::detect_generation`], whichever was called last.
    pub fn generation(mut self, generation: Generation) -> Self {
        self.overrides.generation = Some(generation);
        self
    }

    /// Tells the server's wire generation from its first frame (a 0.6
    /// frame is a JSON object, a 0.7 frame starts with a digit) instead of
    /// assuming one. A server that sends nothing within half a second is
    /// asked with a 0.7 transport ping: a 0.7 server answers it, a 0.6
    /// server closes that connection and the client connects again as
    /// 0.6. Without an answer within `limit`, `connect` fails saying to
    /// give the generation. [`Client::generation`] says which it was.
    ///
    /// Against a 0.6 server that is quiet at connect this costs a second
    /// connection: the server's connection callback runs for both, and the
    /// reference logs a traceback for the ping (`TypeError: 'int' object is
    /// not subscriptable`). The protocol leaves no way around it: a 0.6
    /// server closes on any frame but a JSON request object, a 0.7 server
    /// on any frame not led by its type digit, so whichever generation is
    /// asked first, the other pays. Give the generation when it is known.
    pub fn detect_generation(mut self, limit: Duration) -> Self {
        self.detect = Some(limit);
        self
    }

    crate::transport::transport_setters!(base);

    /// Which server certificates to accept for `wss://`. Default: the system's roots.
    pub fn trust(mut self, trust: Trust) -> Self {
        self.trust = trust;
        self
    }

    /// HTTP Basic credentials.
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth = Some((user.into(), password.into()));
        self
    }

    /// An extra header on the WebSocket handshake (e.g. `Origin`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Called with each notification, in order, on the connection's task:
    /// keep it quick (hand work to a channel).
    pub fn on_notify<F>(mut self, f: F) -> Self
    where
        F: Fn(String, Value) + Send + Sync + 'static,
    {
        self.on_notify = Some(Arc::new(f));
        self
    }

    /// Sees every message in and out as its parts (decoded, or about to be
    /// written) with its size, on the connection's task (keep it quick).
    /// For traffic logs and recorders.
    pub fn on_traffic<F>(mut self, f: F) -> Self
    where
        F: Fn(&crate::Tapped<'_>) + Send + Sync + 'static,
    {
        self.on_traffic = Some(Arc::new(f));
        self
    }

    /// Requests queued before `send` waits. Default 1024.
    pub fn send_queue_size(mut self, n: usize) -> Self {
        self.send_queue_size = n.max(1);
        self
    }

    /// How long the TCP, TLS and WebSocket handshakes may take. Default 30 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Connects.
    pub async fn connect(self) -> Result<Client> {
        let mut transport = self.overrides.apply(&self.base);
        let detect = self.detect.filter(|_| self.overrides.generation.is_none());
        let mut ws = self.handshake().await?;
        let mut first = None;
        if let Some(limit) = detect {
            let d = detect::detect(&mut ws, limit).await?;
            match d {
                detect::Detected::Frame(generation, frame) => {
                    transport.generation = generation;
                    first = Some(frame);
                }
                detect::Detected::Answered => transport.generation = Generation::V07,
                detect::Detected::Reconnect06 => {
                    tracing::debug!(
                        "{}: a 0.6 server (it did not answer a 0.7 ping)",
                        redacted(&self.address)
                    );
                    transport.generation = Generation::V06;
                    ws = self.handshake().await?;
                }
            }
        }
        Ok(Client::start(
            ws,
            transport,
            first,
            self.on_notify,
            self.on_traffic,
            self.send_queue_size,
        ))
    }

    /// The TCP, TLS and WebSocket handshakes.
    async fn handshake(&self) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>> {
        // Credentials in the address (`ws://user:password@host/ws`) are
        // Basic auth, as the reference's aiohttp takes them; they are not
        // sent in the request line, nor shown in errors.
        let (address, in_address) = split_userinfo(&self.address);
        connect_error::check_scheme(&redacted(&self.address))?;
        let mut request = address.as_str().into_client_request().map_err(|e| {
            Error::Config(format!(
                "invalid address {:?}: {e}",
                redacted(&self.address)
            ))
        })?;
        if let Some((user, password)) = self.auth.as_ref().or(in_address.as_ref()) {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            let value = HeaderValue::from_str(&format!("Basic {token}"))
                .map_err(|e| Error::Config(format!("invalid credentials: {e}")))?;
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, value);
        }
        for (name, value) in &self.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| Error::Config(format!("invalid header name {name:?}: {e}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|e| Error::Config(format!("invalid header value {value:?}: {e}")))?;
            request.headers_mut().insert(name, value);
        }
        let tls = request.uri().scheme_str() == Some("wss");
        let connector = if tls {
            Connector::Rustls(tls::client_config(&self.trust)?)
        } else {
            Connector::Plain
        };
        let max = self
            .overrides
            .max_message_size
            .unwrap_or(self.base.max_message_size);
        let ws_config = WebSocketConfig::default()
            .max_message_size(Some(max))
            .max_frame_size(Some(max));
        let connecting = tokio_tungstenite::connect_async_tls_with_config(
            request,
            Some(ws_config),
            true,
            Some(connector),
        );
        let (ws, _response) = tokio::time::timeout(self.connect_timeout, connecting)
            .await
            .map_err(|_| connect_error::timed_out(self.connect_timeout))?
            .map_err(|e| connect_error::handshake_error(e, tls))?;
        Ok(ws)
    }
}

/// `address` without its userinfo, and that userinfo as a percent-decoded
/// user and password.
fn split_userinfo(address: &str) -> (String, Option<(String, String)>) {
    let Some((scheme, rest)) = address.split_once("://") else {
        return (address.to_owned(), None);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (address.to_owned(), None);
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    (
        format!("{scheme}://{host}{tail}"),
        Some((decode(user), decode(password))),
    )
}

/// `address` with the password of its userinfo, if any, hidden.
pub fn redacted(address: &str) -> String {
    match split_userinfo(address) {
        (bare, Some((user, password))) if !password.is_empty() => {
            let (scheme, rest) = bare.split_once("://").unwrap_or(("", &bare));
            format!("{scheme}://{user}:***@{rest}")
        }
        _ => address.to_owned(),
    }
}

/// Connects to `address` with the default settings, as the reference's
/// `connect(address, notify_cb)`: `connect(address, None)`, or with a
/// handler of notifications, `connect(address, Some(Arc::new(|name, data|
/// ..)))`. [`ClientBuilder`] has every other setting.
///
/// ```no_run
/// # async fn demo() -> juggler::Result<()> {
/// use std::sync::Arc;
///
/// let quiet = juggler::connect("ws://127.0.0.1:23023/ws", None).await?;
/// let chatty = juggler::connect(
///     "ws://127.0.0.1:23023/ws",
///     Some(Arc::new(|name, data| println!("{name}: {data}"))),
/// )
/// .await?;
/// # Ok(()) }
/// ```
pub async fn connect(address: &str, on_notify: Option<NotifyHandler>) -> Result<Client> {
    let mut builder = ClientBuilder::new(address);
    builder.on_notify = on_notify;
    builder.connect().await
}

enum Command {
    Request(String, Value, oneshot::Sender<Result<Value>>),
}

/// A connection to a juggler server; cheap to clone. Dropping the last
/// clone closes the connection.
#[derive(Clone)]
pub struct Client {
    handle: Arc<Handle>,
}

struct Handle {
    inner: Arc<Inner>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.inner.cancel.cancel();
    }
}

struct Inner {
    state: Storage,
    commands: mpsc::Sender<Command>,
    cancel: CancellationToken,
    closed: CancellationToken,
    reason: Mutex<Option<String>>,
    counters: Arc<Counters>,
    generation: Generation,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("open", &self.is_open())
            .finish()
    }
}

impl Client {
    fn start<S>(
        ws: WebSocketStream<S>,
        transport: TransportConfig,
        first: Option<Frame>,
        on_notify: Option<NotifyHandler>,
        on_traffic: Option<crate::tap::Tap>,
        queue: usize,
    ) -> Client
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (commands, rx) = mpsc::channel(queue);
        let cancel = CancellationToken::new();
        let counters = Arc::new(Counters::default());
        let inner = Arc::new(Inner {
            state: Storage::new(),
            commands,
            cancel: cancel.clone(),
            closed: CancellationToken::new(),
            reason: Mutex::new(None),
            counters: counters.clone(),
            generation: transport.generation,
        });
        let link = Link::new(ws, transport, cancel, counters);
        let handlers = Handlers {
            notify: on_notify,
            tap: on_traffic,
        };
        tokio::spawn(drive(inner.clone(), link, rx, first, handlers));
        Client {
            handle: Arc::new(Handle { inner }),
        }
    }

    fn inner(&self) -> &Inner {
        &self.handle.inner
    }

    /// The wire generation the connection speaks (given, or detected).
    pub fn generation(&self) -> Generation {
        self.inner().generation
    }

    /// The mirror of the server's state. Its [`subscribe`](Storage::subscribe)
    /// watch ends (`changed` returns `None`) when the connection closes,
    /// also when it closes because the last `Client` handle was dropped:
    /// keep the `Client` while you watch.
    pub fn state(&self) -> &Storage {
        &self.inner().state
    }

    /// Sends a request and waits for its response's data. Fails with
    /// [`Error::Juggler`] carrying the data of a `success: false` response,
    /// or [`Error::ConnectionClosed`] with the reason when the connection
    /// closes first.
    pub async fn send(&self, name: &str, data: impl Serialize) -> Result<Value> {
        let data = serde_json::to_value(data)?;
        let (tx, rx) = oneshot::channel();
        self.inner()
            .commands
            .send(Command::Request(name.to_owned(), data, tx))
            .await
            .map_err(|_| self.closed())?;
        rx.await.map_err(|_| self.closed())?
    }

    /// Round-trip time of an empty-name request (the protocol's ping).
    pub async fn ping(&self) -> Result<Duration> {
        let start = tokio::time::Instant::now();
        self.send("", Value::Null).await?;
        Ok(start.elapsed())
    }

    /// Starts closing the connection.
    pub fn close(&self) {
        self.inner().cancel.cancel();
    }

    /// Whether the connection is open.
    pub fn is_open(&self) -> bool {
        !self.inner().closed.is_cancelled() && !self.inner().cancel.is_cancelled()
    }

    /// Waits until the connection is closed.
    pub async fn wait_closed(&self) {
        self.inner().closed.cancelled().await;
    }

    /// Why the connection closed, once it has.
    pub fn close_reason(&self) -> Option<String> {
        self.inner()
            .reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn closed(&self) -> Error {
        Error::closed(self.close_reason())
    }

    /// Traffic so far: messages and bytes in and out (the same
    /// [`ConnectionStats`](crate::server::ConnectionStats) a server connection keeps).
    pub fn stats(&self) -> crate::server::ConnectionStats {
        use std::sync::atomic::Ordering::Relaxed;
        let c = &self.inner().counters;
        crate::server::ConnectionStats {
            messages_in: c.messages_in.load(Relaxed),
            messages_out: c.messages_out.load(Relaxed),
            bytes_in: c.bytes_in.load(Relaxed),
            bytes_out: c.bytes_out.load(Relaxed),
        }
    }
}

type Reply = oneshot::Sender<Result<Value>>;

/// The application's handlers of a client's traffic.
struct Handlers {
    notify: Option<NotifyHandler>,
    tap: Option<Tap>,
}

/// What a read frame means, done: an answer handed to its waiter, a
/// notification to the handler.
fn received(
    core: &mut ClientCore<Reply>,
    read: std::result::Result<Read, End>,
    handlers: &Handlers,
) -> std::result::Result<(), End> {
    let on_notify = handlers.notify.as_ref();
    match read? {
        Read::Message(text) => match core.receive(&text, |m| {
            crate::tap::tap(handlers.tap.as_ref(), Direction::In, m, text.len())
        })? {
            Received::Answer(reply, result) => {
                let _ = reply.send(result);
            }
            Received::Notify(name, data) => {
                if let Some(f) = on_notify {
                    f(name, data);
                }
            }
            Received::Nothing => {}
        },
        Read::Nothing => {}
    }
    Ok(())
}

async fn drive<S>(
    inner: Arc<Inner>,
    mut link: Link<S>,
    mut commands: mpsc::Receiver<Command>,
    first: Option<Frame>,
    handlers: Handlers,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut core: ClientCore<Reply> = ClientCore::new(inner.state.clone(), link.max_depth());
    // The frame read to tell the generation is the first one handled.
    let mut start = Ok(());
    if let Some(frame) = first {
        let read = link.read(Some(Ok(frame))).await;
        start = received(&mut core, read, &handlers);
    }
    let end = loop {
        if let Err(end) = std::mem::replace(&mut start, Ok(())) {
            break end;
        }
        let ping_at = link.ping_deadline();
        let result = tokio::select! {
            biased;
            _ = inner.cancel.cancelled() => Err(End::Cancelled),
            frame = link.next_frame() => {
                let read = link.read(frame).await;
                received(&mut core, read, &handlers)
            }
            Some(first) = commands.recv() => {
                // Requests already queued go out together, with one flush.
                let mut next = Some(first);
                let mut n = 0;
                let mut result = Ok(());
                while let Some(Command::Request(name, data, reply)) = next.take() {
                    let text = core.request(&name, &data, reply);
                    if let Some(tap) = &handlers.tap {
                        let id = RequestId::from(core.last_id());
                        let message = MessageView::Request { id: &id, name: &name, data: &data };
                        tap(&Tapped { direction: Direction::Out, message, size: text.len() });
                    }
                    result = link.queue(text.into()).await;
                    n += 1;
                    if result.is_err() || n == 64 {
                        break;
                    }
                    next = commands.try_recv().ok();
                }
                match result {
                    Ok(()) => link.flush().await,
                    Err(e) => Err(e),
                }
            }
            _ = link::sleep_until(ping_at) => link.ping_due().await,
        };
        if let Err(end) = result {
            break end;
        }
    };
    match &end {
        End::Protocol(why) | End::Timeout(why) => {
            tracing::warn!("closing juggler client connection: {why}")
        }
        too_large @ End::TooLarge { .. } => {
            tracing::warn!("closing juggler client connection: {too_large}")
        }
        other => tracing::debug!("juggler client connection closed: {other}"),
    }
    *inner.reason.lock().unwrap_or_else(|e| e.into_inner()) = Some(end.to_string());
    // Its watchers would otherwise wait for ever for a server that is gone.
    inner.state.end();
    inner.closed.cancel();
    commands.close();
    // Dropping the senders fails every pending request with ConnectionClosed.
    drop(core);
    while let Ok(Command::Request(.., reply)) = commands.try_recv() {
        drop(reply);
    }
    link.close(&end, Duration::from_secs(1)).await;
}
