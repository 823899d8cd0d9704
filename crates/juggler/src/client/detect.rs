//! Telling a server's wire generation from what it sends: a 0.6 frame is
//! a JSON object (`{`), a 0.7 frame starts with a segment-type digit (see
//! the protocol's generation 0.7). A server that says nothing at first (its
//! state is still `null`) is asked with a 0.7 transport ping: a 0.7 server
//! answers `3`, a 0.6 server takes it for a bad message and closes the
//! connection — the client then connects again as 0.6. No frame can ask
//! both harmlessly (0.6 reads each frame as a JSON request object, 0.7
//! needs a leading type digit), so that second connection stays; see
//! `ClientBuilder::detect_generation`.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::error::{Error, Result};
use crate::transport::Generation;

/// How long to wait for the server to speak first before asking it.
pub const FIRST_FRAME_WAIT: Duration = Duration::from_millis(500);

/// What the first exchange showed.
#[derive(Debug, PartialEq)]
pub(crate) enum Detected {
    /// The server's first frame, in its generation: still to be read.
    Frame(Generation, Message),
    /// A 0.7 server answered the ping (nothing left to read).
    Answered,
    /// A 0.6 server, which the 0.7 ping has cost this connection (it closed
    /// it, or will on reading the ping): connect again.
    Reconnect06,
}

/// The generation a frame's text is in, if it is either.
pub(crate) fn generation_of(text: &str) -> Option<Generation> {
    match text.as_bytes().first() {
        Some(b'{') => Some(Generation::V06),
        Some(b'0'..=b'3') => Some(Generation::V07),
        _ => None,
    }
}

/// Reads until the server shows its generation, for at most `limit`.
pub(crate) async fn detect<S>(ws: &mut WebSocketStream<S>, limit: Duration) -> Result<Detected>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = tokio::time::Instant::now() + limit;
    let first_wait = FIRST_FRAME_WAIT.min(limit);
    match tokio::time::timeout(first_wait, next_text(ws)).await {
        Ok(Some(frame)) => return frame_generation(frame),
        Ok(None) => return Err(closed_early()),
        Err(_) => {}
    }
    ws.send(Message::text("2")).await?;
    match tokio::time::timeout_at(deadline, next_text(ws)).await {
        Ok(Some(frame)) if frame.to_text().is_ok_and(|t| t.starts_with('3')) => {
            Ok(Detected::Answered)
        }
        // It spoke meanwhile (its state changed): the frame tells. A 0.6
        // server closes the connection once it reads the ping.
        Ok(Some(frame)) => match frame_generation(frame)? {
            Detected::Frame(Generation::V06, _) => Ok(Detected::Reconnect06),
            other => Ok(other),
        },
        Ok(None) => Ok(Detected::Reconnect06),
        Err(_) => Err(Error::Protocol(format!(
            "could not tell the server's wire generation within {limit:?}: it sent nothing \
             and did not answer a 0.7 ping; give it (--generation 0.6 or 0.7)"
        ))),
    }
}

fn frame_generation(frame: Message) -> Result<Detected> {
    let text = frame.to_text().unwrap_or_default();
    match generation_of(text) {
        Some(g) => Ok(Detected::Frame(g, frame)),
        None => Err(Error::Protocol(format!(
            "the server's first frame is neither juggler 0.6 nor 0.7: {:?}; give the \
             generation (--generation 0.6 or 0.7) if it is a juggler server",
            text.chars().take(40).collect::<String>()
        ))),
    }
}

fn closed_early() -> Error {
    Error::Protocol("the server closed the connection before saying anything".into())
}

/// The next text frame; `None` when the connection ends (WebSocket pings
/// are answered by tungstenite as they are read).
async fn next_text<S>(ws: &mut WebSocketStream<S>) -> Option<Message>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match ws.next().await? {
            Ok(m @ Message::Text(_)) => return Some(m),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_tells_its_generation() {
        assert_eq!(generation_of(r#"{"type":"state"}"#), Some(Generation::V06));
        for t in ["0{\"type\":\"state\"}", "1{\"ty", "2", "3abc"] {
            assert_eq!(generation_of(t), Some(Generation::V07), "{t}");
        }
        for t in ["", "[1]", "4", "hello"] {
            assert_eq!(generation_of(t), None, "{t}");
        }
    }
}
