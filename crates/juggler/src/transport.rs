//! The two wire generations as a pure codec: no I/O, no timers.
//!
//! Generation 0.6 puts one JSON message in each text frame. Generation 0.7
//! prefixes each frame with one character: `0` last segment, `1` more
//! follows, `2` ping, `3` pong. Segments are cut between code points (the
//! reference's browser client cuts between UTF-16 units, which can split an
//! emoji; we never do).

use std::time::Duration;

use crate::error::{Error, Result};

/// Which wire format a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Generation {
    /// hat-juggler 0.6.x: one JSON object per text frame.
    #[default]
    V06,
    /// hat-juggler 0.7.x: segmented messages and transport pings.
    V07,
}

impl std::str::FromStr for Generation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "0.6" | "6" | "v0.6" => Ok(Generation::V06),
            "0.7" | "7" | "v0.7" => Ok(Generation::V07),
            other => Err(Error::Config(format!(
                "unknown generation {other:?}: use \"0.6\" or \"0.7\""
            ))),
        }
    }
}

impl std::fmt::Display for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Generation::V06 => "0.6",
            Generation::V07 => "0.7",
        })
    }
}

/// Settings of the transport layer.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Wire generation. Default 0.6.
    pub generation: Generation,
    /// 0.7: longest segment, in characters. Default 64 Ki, as the reference.
    pub max_segment_size: usize,
    /// 0.7: silence after which a ping is sent. Default 30 s, as the reference.
    pub ping_delay: Duration,
    /// 0.7: how long to wait for anything after a ping before closing.
    /// Default 30 s, as the reference.
    pub ping_timeout: Duration,
    /// Longest message accepted (a frame, or a reassembled 0.7 message), in
    /// bytes; a longer one closes the connection. Default 64 MiB (the
    /// reference's client has no limit: raise this for bigger states).
    pub max_message_size: usize,
    /// 0.6: close a connection that receives nothing for this long (0.6 has
    /// no transport ping; the reference's browser client sends an
    /// empty-name request every 5 s). `None` keeps silent peers forever, as
    /// the reference does. Default `None`.
    pub idle_timeout: Option<Duration>,
    /// Deepest nesting of arrays and objects accepted in one message,
    /// counting the message's own object; a deeper message closes the
    /// connection. Default [`crate::json::DEFAULT_MAX_DEPTH`] (a 1,000-level
    /// value fits, as with the reference); the bound keeps parsing, diffing
    /// and dropping inside the stack, so raise it only with bigger stacks.
    pub max_depth: usize,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            generation: Generation::V06,
            max_segment_size: 64 * 1024,
            ping_delay: Duration::from_secs(30),
            ping_timeout: Duration::from_secs(30),
            max_message_size: 64 * 1024 * 1024,
            idle_timeout: None,
            max_depth: crate::json::DEFAULT_MAX_DEPTH,
        }
    }
}

/// Transport settings given one at a time on a builder. They win over the
/// whole [`TransportConfig`] given with the builder's `transport(..)`,
/// whatever the order of the calls: `.generation(V07).transport(config)`
/// speaks 0.7, as `.transport(config).generation(V07)` does.
#[derive(Debug, Clone, Default)]
pub(crate) struct TransportOverrides {
    pub(crate) generation: Option<Generation>,
    pub(crate) max_segment_size: Option<usize>,
    pub(crate) ping_delay: Option<Duration>,
    pub(crate) ping_timeout: Option<Duration>,
    pub(crate) max_message_size: Option<usize>,
    pub(crate) idle_timeout: Option<Option<Duration>>,
    pub(crate) max_depth: Option<usize>,
}

impl TransportOverrides {
    /// `base` with every setting given here in its place.
    pub(crate) fn apply(&self, base: &TransportConfig) -> TransportConfig {
        TransportConfig {
            generation: self.generation.unwrap_or(base.generation),
            max_segment_size: self.max_segment_size.unwrap_or(base.max_segment_size),
            ping_delay: self.ping_delay.unwrap_or(base.ping_delay),
            ping_timeout: self.ping_timeout.unwrap_or(base.ping_timeout),
            max_message_size: self.max_message_size.unwrap_or(base.max_message_size),
            idle_timeout: self.idle_timeout.unwrap_or(base.idle_timeout),
            max_depth: self.max_depth.unwrap_or(base.max_depth),
        }
    }
}

/// The transport setters `ClientBuilder` and `ServerBuilder` share, given
/// the builder's field holding the base `TransportConfig`; each builder
/// also has an `overrides: TransportOverrides` field.
macro_rules! transport_setters {
    ($($base:ident).+) => {
        /// All transport settings at once, as the base the other transport
        /// setters of this builder (`generation`, `max_message_size`,
        /// `max_depth`, `max_segment_size`, `ping_delay`, `ping_timeout`,
        /// `idle_timeout`) change one by one: those win, whether called
        /// before or after this.
        pub fn transport(mut self, transport: $crate::transport::TransportConfig) -> Self {
            self.$($base).+ = transport;
            self
        }

        /// Longest message accepted from the peer (a 0.6 frame, or a
        /// reassembled 0.7 message), in bytes; a longer one closes the
        /// connection saying so. Default 64 MiB (the reference has no
        /// limit on either side: raise this for bigger states). See
        /// [`TransportConfig::max_message_size`](crate::TransportConfig::max_message_size).
        pub fn max_message_size(mut self, bytes: usize) -> Self {
            self.overrides.max_message_size = Some(bytes);
            self
        }

        /// Deepest nesting accepted in one incoming message (see
        /// [`TransportConfig::max_depth`](crate::TransportConfig::max_depth)).
        /// Default [`crate::json::DEFAULT_MAX_DEPTH`].
        pub fn max_depth(mut self, levels: usize) -> Self {
            self.overrides.max_depth = Some(levels);
            self
        }

        /// 0.7: longest segment sent, in characters. Default 64 Ki, as the
        /// reference (its `max_segment_size`).
        pub fn max_segment_size(mut self, chars: usize) -> Self {
            self.overrides.max_segment_size = Some(chars);
            self
        }

        /// 0.7: silence after which a ping is sent. Default 30 s, as the
        /// reference (its `ping_delay`).
        pub fn ping_delay(mut self, delay: std::time::Duration) -> Self {
            self.overrides.ping_delay = Some(delay);
            self
        }

        /// 0.7: how long to wait for anything after a ping before closing.
        /// Default 30 s, as the reference (its `ping_timeout`).
        pub fn ping_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.overrides.ping_timeout = Some(timeout);
            self
        }

        /// 0.6: close a connection that receives nothing for `timeout` (a
        /// peer that vanished without closing). Default none, as the
        /// reference.
        pub fn idle_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
            self.overrides.idle_timeout = Some(timeout);
            self
        }
    };
}
pub(crate) use transport_setters;

/// What one incoming text frame amounts to.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A whole message's JSON text.
    Message(String),
    /// Part of a message; more segments follow.
    Partial,
    /// A 0.7 ping: answer with the returned frame at once.
    Ping(String),
    /// A 0.7 pong.
    Pong,
}

/// Reassembles incoming frames into messages.
#[derive(Debug)]
pub struct Decoder {
    generation: Generation,
    max_message_size: usize,
    pending: String,
}

impl Decoder {
    /// A decoder for one connection.
    pub fn new(generation: Generation, max_message_size: usize) -> Self {
        Decoder {
            generation,
            max_message_size,
            pending: String::new(),
        }
    }

    /// Reads one text frame.
    pub fn feed(&mut self, frame: &str) -> Result<Incoming> {
        match self.generation {
            Generation::V06 => {
                // A 0.7 frame is a type digit then a segment (or nothing, for
                // pings): name that mistake instead of "invalid JSON".
                let mut chars = frame.chars();
                let looks_07 = matches!(chars.next(), Some('0'..='3'))
                    && matches!(chars.next(), None | Some('{') | Some('"'));
                if looks_07 {
                    return Err(Error::Protocol(wrong_generation(frame, Generation::V06)));
                }
                Ok(Incoming::Message(frame.to_owned()))
            }
            Generation::V07 => {
                let mut chars = frame.chars();
                let kind = chars.next();
                let payload = chars.as_str();
                match kind {
                    Some('0') | Some('1') => {
                        let size = self.pending.len() + payload.len();
                        if size > self.max_message_size {
                            self.pending = String::new();
                            return Err(Error::MessageTooLarge {
                                size,
                                limit: self.max_message_size,
                            });
                        }
                        if kind == Some('1') {
                            self.pending.push_str(payload);
                            return Ok(Incoming::Partial);
                        }
                        if self.pending.is_empty() {
                            return Ok(Incoming::Message(payload.to_owned()));
                        }
                        let mut text = std::mem::take(&mut self.pending);
                        text.push_str(payload);
                        Ok(Incoming::Message(text))
                    }
                    Some('2') => Ok(Incoming::Ping(format!("3{payload}"))),
                    Some('3') => Ok(Incoming::Pong),
                    Some('{') => Err(Error::Protocol(wrong_generation(frame, Generation::V07))),
                    _ => Err(Error::Protocol(format!(
                        "invalid 0.7 frame type {:?}",
                        kind.map(String::from).unwrap_or_default()
                    ))),
                }
            }
        }
    }
}

fn wrong_generation(frame: &str, expected: Generation) -> String {
    let head: String = frame.chars().take(16).collect();
    // The close reason holds ~120 bytes: the advice goes first.
    match expected {
        Generation::V06 => format!(
            "peer speaks generation 0.7, this side 0.6: set both to the same (frame {head:?})"
        ),
        Generation::V07 => format!(
            "peer sent a 0.6 message on a 0.7 connection: set both to the same (frame {head:?})"
        ),
    }
}

/// The frames that carry one message's JSON text.
pub fn encode(generation: Generation, text: &str, max_segment_size: usize) -> Vec<String> {
    match generation {
        Generation::V06 => vec![text.to_owned()],
        Generation::V07 => segments(text, max_segment_size.max(1))
            .map(|(seg, last)| {
                let mut frame = String::with_capacity(seg.len() + 1);
                frame.push(if last { '0' } else { '1' });
                frame.push_str(seg);
                frame
            })
            .collect(),
    }
}

/// Cuts `text` into runs of at most `max` characters, each with whether it
/// is the last one. An empty text is one empty segment.
fn segments(text: &str, max: usize) -> impl Iterator<Item = (&str, bool)> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        let cut = s.char_indices().nth(max).map(|(i, _)| i);
        match cut {
            Some(i) => {
                rest = Some(&s[i..]);
                Some((&s[..i], false))
            }
            None => {
                rest = None;
                Some((s, true))
            }
        }
    })
}

/// The frame a 0.7 side sends to ping its peer (the reference sends no payload).
pub const PING_FRAME: &str = "2";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v06_passes_objects_and_refuses_07_frames() {
        let mut d = Decoder::new(Generation::V06, 1024);
        assert_eq!(d.feed("{}").ok(), Some(Incoming::Message("{}".into())));
        let err = d.feed("0{}").expect_err("0.7 frame").to_string();
        assert!(err.contains("generation 0.7"), "{err}");
        assert!(d.feed("2").is_err(), "a 0.7 ping");
        // Other non-objects are the JSON decoder's to explain.
        assert_eq!(d.feed("[1]").ok(), Some(Incoming::Message("[1]".into())));
        assert_eq!(d.feed("12").ok(), Some(Incoming::Message("12".into())));
    }

    #[test]
    fn v07_reassembles_and_answers_pings_between_segments() {
        let mut d = Decoder::new(Generation::V07, 1024);
        assert_eq!(d.feed("1{\"a\"").ok(), Some(Incoming::Partial));
        assert_eq!(d.feed("2xyz").ok(), Some(Incoming::Ping("3xyz".into())));
        assert_eq!(d.feed("3").ok(), Some(Incoming::Pong));
        assert_eq!(
            d.feed("0:1}").ok(),
            Some(Incoming::Message("{\"a\":1}".into()))
        );
        let err = d.feed("{}").expect_err("0.6 frame").to_string();
        assert!(err.contains("0.6 message on a 0.7"), "{err}");
        assert!(d.feed("9").is_err());
        assert!(d.feed("").is_err());
    }

    #[test]
    fn v07_limits_the_reassembled_size() {
        let mut d = Decoder::new(Generation::V07, 8);
        assert_eq!(d.feed("11234").ok(), Some(Incoming::Partial));
        assert!(d.feed("056789").is_err());
    }

    #[test]
    fn segments_cut_between_code_points() {
        let text = "a😀b😀c";
        let frames = encode(Generation::V07, text, 2);
        assert_eq!(frames, vec!["1a😀", "1b😀", "0c"]);
        let mut d = Decoder::new(Generation::V07, 1024);
        let mut out = None;
        for f in &frames {
            if let Ok(Incoming::Message(m)) = d.feed(f) {
                out = Some(m);
            }
        }
        assert_eq!(out.as_deref(), Some(text));
        assert_eq!(encode(Generation::V07, "", 4), vec!["0"]);
        assert_eq!(encode(Generation::V07, "abcd", 4), vec!["0abcd"]);
        assert_eq!(encode(Generation::V06, "{}", 1), vec!["{}"]);
    }
}
