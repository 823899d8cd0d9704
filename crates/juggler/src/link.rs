//! One WebSocket as both sides of juggler use it: framing by generation,
//! 0.7 pings, counters, and a bounded clean close. The owner task selects on
//! [`Link::next_frame`] (cancel-safe) and acts on what [`Link::read`] makes
//! of each frame.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_util::sync::CancellationToken;

use crate::transport::{self, Decoder, Generation, Incoming, TransportConfig};

/// Traffic counters of one connection.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) messages_in: AtomicU64,
    pub(crate) messages_out: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
}

/// Which way a message went, seen from this side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Received from the peer.
    In,
    /// Sent to the peer.
    Out,
}

/// Why a link stopped.
#[derive(Debug)]
pub(crate) enum End {
    /// The peer closed, or the socket failed.
    Peer(String),
    /// We are closing (cancelled).
    Cancelled,
    /// The peer broke the protocol.
    Protocol(String),
    /// The peer went silent for too long (0.6 idle limit, 0.7 ping timeout).
    Timeout(String),
    /// Dropped on purpose (fault injection): the socket goes away without
    /// a close frame, as when a network fails.
    Dropped,
    /// We close because of a policy (the peer does not read its queue).
    Policy(String),
    /// The peer sent a message over our `max_message_size`.
    TooLarge {
        /// Its size as far as it was read.
        size: usize,
        /// Our limit.
        limit: usize,
    },
}

impl From<crate::Error> for End {
    /// A message that could not be read ends the link: a protocol error,
    /// or one over the size limit.
    fn from(e: crate::Error) -> End {
        match e {
            crate::Error::MessageTooLarge { size, limit } => End::TooLarge { size, limit },
            crate::Error::Protocol(why) => End::Protocol(why),
            e => End::Protocol(e.to_string()),
        }
    }
}

/// What one incoming frame asks of the owner.
pub(crate) enum Read {
    /// A whole message's JSON text.
    Message(String),
    /// Nothing to do (a pong, a partial segment, a WebSocket ping).
    Nothing,
}

pub(crate) struct Link<S> {
    sink: SplitSink<WebSocketStream<S>, WsMessage>,
    stream: SplitStream<WebSocketStream<S>>,
    config: TransportConfig,
    decoder: Decoder,
    cancel: CancellationToken,
    pub(crate) counters: Arc<Counters>,
    last_rx: Instant,
    ping_sent: Option<Instant>,
    /// Fault injection: leave 0.7 pings unanswered.
    pub(crate) ignore_pings: bool,
    /// Fault injection: 0.7 segment size instead of the configured one.
    pub(crate) segment_size: Option<usize>,
}

impl<S> Link<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// Deepest nesting a message may have (`TransportConfig::max_depth`).
    pub(crate) fn max_depth(&self) -> usize {
        self.config.max_depth
    }

    pub(crate) fn new(
        ws: WebSocketStream<S>,
        config: TransportConfig,
        cancel: CancellationToken,
        counters: Arc<Counters>,
    ) -> Self {
        let (sink, stream) = ws.split();
        Link {
            sink,
            stream,
            decoder: Decoder::new(config.generation, config.max_message_size),
            config,
            cancel,
            counters,
            last_rx: Instant::now(),
            ping_sent: None,
            ignore_pings: false,
            segment_size: None,
        }
    }

    /// Replaces what stops a blocked write (the server's drain on shutdown).
    pub(crate) fn set_cancel(&mut self, cancel: CancellationToken) {
        self.cancel = cancel;
    }

    /// The next frame; cancel-safe.
    pub(crate) async fn next_frame(
        &mut self,
    ) -> Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>> {
        self.stream.next().await
    }

    /// The next frame if one is already there, else `None`. Polls with the
    /// task's own waker: a no-op waker (as `now_or_never` uses) would take
    /// the place of the task's in the socket's registration, and the task
    /// would then sleep through the next frame.
    pub(crate) async fn ready_frame(
        &mut self,
    ) -> Option<Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>> {
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match self.stream.poll_next_unpin(cx) {
                std::task::Poll::Ready(frame) => Some(frame),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }

    /// Makes sense of one frame, answering 0.7 pings.
    pub(crate) async fn read(
        &mut self,
        frame: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>,
    ) -> Result<Read, End> {
        let frame = match frame {
            None => return Err(End::Peer("the peer went away without a close frame".into())),
            Some(Err(e)) => {
                use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
                return Err(match e {
                    WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
                        End::TooLarge {
                            size,
                            limit: max_size,
                        }
                    }
                    WsError::Capacity(c) => End::Protocol(c.to_string()),
                    e => End::Peer(e.to_string()),
                });
            }
            Some(Ok(frame)) => frame,
        };
        self.last_rx = Instant::now();
        self.ping_sent = None;
        match frame {
            WsMessage::Text(text) => {
                self.counters
                    .bytes_in
                    .fetch_add(text.len() as u64, Ordering::Relaxed);
                match self.decoder.feed(text.as_str()).map_err(End::from)? {
                    Incoming::Message(m) => {
                        self.counters.messages_in.fetch_add(1, Ordering::Relaxed);
                        Ok(Read::Message(m))
                    }
                    Incoming::Ping(pong) => {
                        if !self.ignore_pings {
                            self.send_frame(pong.into()).await?;
                        }
                        Ok(Read::Nothing)
                    }
                    Incoming::Partial | Incoming::Pong => Ok(Read::Nothing),
                }
            }
            WsMessage::Binary(_) => Err(End::Protocol(
                "binary frame: juggler speaks only text frames".into(),
            )),
            WsMessage::Close(frame) => Err(End::Peer(match frame {
                Some(f) if !f.reason.is_empty() => format!("closed by peer: {}", f.reason),
                _ => "closed by peer".into(),
            })),
            WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_) => Ok(Read::Nothing),
        }
    }

    /// Writes one frame into the socket's buffer; `flush` sends it.
    async fn feed_frame(&mut self, frame: Utf8Bytes) -> Result<(), End> {
        self.counters
            .bytes_out
            .fetch_add(frame.len() as u64, Ordering::Relaxed);
        let fed = tokio::select! {
            r = self.sink.feed(WsMessage::Text(frame)) => r,
            _ = self.cancel.cancelled() => return Err(End::Cancelled),
        };
        fed.map_err(|e| End::Peer(e.to_string()))
    }

    async fn send_frame(&mut self, frame: Utf8Bytes) -> Result<(), End> {
        self.feed_frame(frame).await?;
        self.flush().await
    }

    /// Sends what `queue` buffered. A peer that stops reading blocks this
    /// until the link is cancelled.
    pub(crate) async fn flush(&mut self) -> Result<(), End> {
        let flushed = tokio::select! {
            r = self.sink.flush() => r,
            _ = self.cancel.cancelled() => return Err(End::Cancelled),
        };
        flushed.map_err(|e| End::Peer(e.to_string()))
    }

    /// Buffers one message's JSON text (cut into segments for 0.7) without
    /// flushing, so that a burst of messages costs one write.
    pub(crate) async fn queue(&mut self, text: Utf8Bytes) -> Result<(), End> {
        self.counters.messages_out.fetch_add(1, Ordering::Relaxed);
        match self.config.generation {
            Generation::V06 => self.feed_frame(text).await,
            Generation::V07 => {
                let max = self
                    .segment_size
                    .unwrap_or(self.config.max_segment_size)
                    .max(1);
                if text.len() <= max {
                    // Fewer bytes than the limit means fewer characters too.
                    let mut frame = String::with_capacity(text.len() + 1);
                    frame.push('0');
                    frame.push_str(&text);
                    return self.feed_frame(frame.into()).await;
                }
                for frame in transport::encode(Generation::V07, &text, max) {
                    self.feed_frame(frame.into()).await?;
                }
                Ok(())
            }
        }
    }

    /// When the 0.7 ping timer fires next, if it runs.
    /// (0.6: when the idle limit runs out, if one is set.)
    pub(crate) fn ping_deadline(&self) -> Option<Instant> {
        if self.config.generation != Generation::V07 {
            return self.config.idle_timeout.map(|t| self.last_rx + t);
        }
        Some(match self.ping_sent {
            Some(sent) => sent + self.config.ping_timeout,
            None => self.last_rx + self.config.ping_delay,
        })
    }

    /// The ping timer fired: ping, or give up on a silent peer.
    pub(crate) async fn ping_due(&mut self) -> Result<(), End> {
        if self.config.generation != Generation::V07 {
            return Err(End::Timeout(format!(
                "idle: nothing received for {:?} (idle_timeout)",
                self.config.idle_timeout.unwrap_or_default()
            )));
        }
        if self.ping_sent.is_some() {
            return Err(End::Timeout(format!(
                "ping timeout: nothing received for {:?} after a ping",
                self.config.ping_timeout
            )));
        }
        self.ping_sent = Some(Instant::now());
        self.send_frame(Utf8Bytes::from_static(transport::PING_FRAME))
            .await
    }

    /// Ends the WebSocket cleanly: a close frame (with `code` and `reason`
    /// when we close because of an error), then waits up to `timeout` for the
    /// peer's.
    pub(crate) async fn close(mut self, end: &End, timeout: Duration) {
        let frame = match end {
            End::Protocol(reason) => Some(CloseFrame {
                code: CloseCode::Protocol,
                reason: truncate(reason, 120).into(),
            }),
            End::Timeout(reason) => Some(CloseFrame {
                code: CloseCode::Away,
                reason: truncate(reason, 120).into(),
            }),
            End::TooLarge { size, limit } => Some(CloseFrame {
                code: CloseCode::Size,
                reason: format!(
                    "message of at least {size} bytes is over the limit of {limit} bytes \
                     (max_message_size)"
                )
                .into(),
            }),
            End::Policy(reason) => Some(CloseFrame {
                code: CloseCode::Policy,
                reason: truncate(reason, 120).into(),
            }),
            End::Cancelled => Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }),
            End::Peer(_) => None,
            End::Dropped => return,
        };
        let _ = tokio::time::timeout(timeout, async {
            if let Some(frame) = frame {
                let _ = self.sink.send(WsMessage::Close(Some(frame))).await;
            }
            let _ = self.sink.close().await;
            while let Some(Ok(_)) = self.stream.next().await {}
        })
        .await;
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Sleeps until `deadline`, or forever without one.
pub(crate) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::Peer(s) => write!(f, "{s}"),
            End::Cancelled => write!(f, "closed locally"),
            End::Protocol(s) => write!(f, "protocol error: {s}"),
            End::Timeout(s) | End::Policy(s) => write!(f, "{s}"),
            End::Dropped => write!(f, "dropped on purpose (fault injection)"),
            End::TooLarge { size, limit } => write!(
                f,
                "{}: raise max_message_size (ClientBuilder::max_message_size, \
                 ServerBuilder::max_message_size) on the side that refused it",
                crate::Error::MessageTooLarge {
                    size: *size,
                    limit: *limit
                }
            ),
        }
    }
}
