//! JSON text from peers, parsed with a nesting bound instead of serde_json's
//! fixed recursion limit.
//!
//! serde_json stops at 128 levels; the reference (Python's `json`) answers
//! messages nested about 1,000 deep, so a dashboard may legitimately send
//! them. Parsing, diffing, serializing, comparing and dropping a `Value` all
//! recurse once per level, so the bound also keeps each of them inside a
//! thread's stack. Text nested deeper than the bound is refused before
//! anything is built.
//!
//! Measured on x86-64 (2 MiB thread stack): serde_json's parser overflows
//! between 600 and 1,000 levels in a debug build and between 2,000 and
//! 4,000 in release, so text deeper than serde_json's own limit is parsed
//! on a short-lived thread with a stack sized for `max_depth`. Cloning,
//! serializing, diffing and comparing held up to 1,500 levels (debug) and
//! 8,000 (release), dropping past 16,000: [`DEFAULT_MAX_DEPTH`] leaves
//! room for the caller's own frames in a debug build.

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// How deep the JSON text of one message may nest (arrays and objects,
/// counting the message's own object) unless configured otherwise: a
/// 1,000-level value inside a message's `data`, or inside a state diff,
/// fits.
pub const DEFAULT_MAX_DEPTH: usize = 1_100;

/// Depth up to which serde_json's own recursion check is left on: text
/// that fails below it failed for another reason.
pub(crate) const SERDE_LIMIT: usize = 127;

/// The deepest nesting of arrays and objects in `text`, counting on until
/// `stop` is passed (then `stop + 1`); brackets inside strings are skipped.
/// Not a validator: malformed text gets some depth, and the parser that
/// runs next says what is wrong with it.
pub fn nesting_depth(text: &str, stop: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    max = depth;
                    if max > stop {
                        return max;
                    }
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'"' => {
                // Skip the string: an escaped character never ends it.
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 1,
                        b'"' => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    max
}

/// Parses `text` as a `T`, accepting nesting up to `max_depth` levels and
/// refusing anything deeper with an error that says so.
pub fn from_str<T: DeserializeOwned + Send>(text: &str, max_depth: usize) -> Result<T> {
    // Most text is shallow: serde_json's own check costs nothing extra.
    match serde_json::from_str(text) {
        Ok(v) => return Ok(v),
        Err(e) if nesting_depth(text, SERDE_LIMIT) <= SERDE_LIMIT => return Err(e.into()),
        Err(_) => {}
    }
    check_depth(text, max_depth)?;
    from_str_unbounded(text, max_depth)
}

/// Reads a `T` from a parsed `value` through its text, so that every number
/// reaches a `Value` inside `T` as written: read from a `Value`, serde_json
/// hands an integer over as an `i64` when it fits (`-0` becomes `0`), and
/// one past `u64` as a `u128` that a tagged enum (a JSON Patch operation)
/// refuses. Errors say no line or column (see [`without_position`]).
pub fn from_value<T: DeserializeOwned + Send>(
    value: &serde_json::Value,
) -> std::result::Result<T, serde_json::Error> {
    let text = value.to_string();
    // As deep as the value is: it was parsed, and bounded, already.
    let depth = nesting_depth(&text, usize::MAX);
    match deserialize_with(&text, depth, |de| T::deserialize(de)) {
        Ok(read) => read.map_err(without_position),
        Err(e) => Err(serde::de::Error::custom(e)),
    }
}

/// `e` without serde_json's ` at line L column C`: for text written from a
/// value, whose positions mean nothing to whoever sent the value.
pub fn without_position(e: serde_json::Error) -> serde_json::Error {
    let message = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&tail) {
        Some(message) => serde::de::Error::custom(message),
        None => e,
    }
}

/// Runs `f` with a deserializer over `text` whose recursion limit is off,
/// for readers that need the deserializer itself (error paths, a first
/// probe): text nested deeper than `max_depth` is refused before `f` runs,
/// and text deeper than serde_json's own limit is read on a thread whose
/// stack fits it.
pub fn deserialize_with<R: Send>(
    text: &str,
    max_depth: usize,
    f: impl FnOnce(&mut serde_json::Deserializer<serde_json::de::StrRead<'_>>) -> R + Send,
) -> Result<R> {
    let run = || {
        let mut de = serde_json::Deserializer::from_str(text);
        de.disable_recursion_limit();
        f(&mut de)
    };
    if nesting_depth(text, SERDE_LIMIT) <= SERDE_LIMIT {
        return Ok(run());
    }
    check_depth(text, max_depth)?;
    on_deep_stack(max_depth, || Ok(run()))
}

/// Refuses text nested deeper than `max_depth`.
pub fn check_depth(text: &str, max_depth: usize) -> Result<()> {
    let depth = nesting_depth(text, max_depth);
    if depth > max_depth {
        return Err(Error::TooDeep { max_depth });
    }
    Ok(())
}

/// Parses without serde_json's recursion limit, on a thread whose stack
/// fits `max_depth` levels: only for text whose depth was checked.
pub(crate) fn from_str_unbounded<T: DeserializeOwned + Send>(
    text: &str,
    max_depth: usize,
) -> Result<T> {
    on_deep_stack(max_depth, || from_str_on_this_stack(text))
}

/// Parses without serde_json's recursion limit on the current thread: only
/// for text whose depth was checked, on a stack that fits it.
pub(crate) fn from_str_on_this_stack<T: DeserializeOwned>(text: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Runs `f` on a thread with room for `max_depth` levels of recursion
/// (about 4 KiB a level, twice what a debug build's parser takes), for work
/// on text or values whose depth was checked against `max_depth`. Only text
/// nested deeper than serde_json's limit is sent here, so the thread's cost
/// (tens of microseconds) is paid only by unusual messages.
pub fn on_deep_stack<T: Send>(max_depth: usize, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    const PER_LEVEL: usize = 4 << 10;
    const BASE: usize = 256 << 10;
    const MOST: usize = 1 << 30;
    let stack = max_depth
        .saturating_mul(PER_LEVEL)
        .saturating_add(BASE)
        .min(MOST);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("juggler-deep-json".into())
            .stack_size(stack)
            .spawn_scoped(scope, f)?
            .join()
            .unwrap_or_else(|_| Err(Error::Protocol("parsing deeply nested JSON failed".into())))
    })
}
