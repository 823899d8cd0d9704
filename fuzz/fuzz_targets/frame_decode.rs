//! Frame decoding of both wire generations: the transport decoder (0.7
//! segment reassembly, pings, the size limit) and the message codec.
//!
//! Input: byte 0 picks the generation and the size limit; the rest is cut
//! into frames at 0xFF bytes (never part of UTF-8 text, so every frame the
//! WebSocket layer could hand over can be expressed).

#![no_main]

use juggler::Message;
use juggler::transport::{self, Decoder, Generation, Incoming};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let generation = if head & 1 == 0 {
        Generation::V06
    } else {
        Generation::V07
    };
    let limit = [16, 256, 4096, 1 << 20][usize::from((head >> 1) & 3)];
    let mut decoder = Decoder::new(generation, limit);
    for frame in rest.split(|&b| b == 0xFF) {
        let Ok(frame) = std::str::from_utf8(frame) else {
            continue;
        };
        match decoder.feed(frame) {
            Ok(Incoming::Message(text)) => {
                if generation == Generation::V07 {
                    assert!(text.len() <= limit, "reassembled past the limit");
                }
                check_message(&text);
                check_segments(&text, head);
            }
            Ok(Incoming::Ping(pong)) => assert!(pong.starts_with('3')),
            Ok(Incoming::Partial | Incoming::Pong) => {}
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
});

/// A message that decodes encodes to text that decodes to the same message.
fn check_message(text: &str) {
    match Message::decode(text) {
        Ok(msg) => {
            let again = Message::decode(&msg.encode()).expect("re-decode own encoding");
            assert_eq!(msg, again);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// Our own segmentation reassembles to the same text.
fn check_segments(text: &str, head: u8) {
    let seg = usize::from(head >> 3) + 1;
    let frames = transport::encode(Generation::V07, text, seg);
    let mut decoder = Decoder::new(Generation::V07, text.len());
    let mut out = None;
    for (n, f) in frames.iter().enumerate() {
        match decoder.feed(f).expect("own segments decode") {
            Incoming::Message(m) => {
                assert_eq!(n + 1, frames.len(), "message before the last segment");
                out = Some(m);
            }
            Incoming::Partial => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(out.as_deref(), Some(text));
}
