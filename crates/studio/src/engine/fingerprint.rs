//! Fingerprints of a state document and of a file's bytes: whether the
//! workspace has changes not saved, and whether its file changed on disk,
//! told without keeping a copy of either. A 25 MB state held as a
//! `serde_json::Value` takes about ten times its text; the workspace store
//! kept two such copies and the file's bytes only to compare with them.

use std::hash::Hasher;
use std::io::{self, Read, Write};
use std::path::Path;

use serde_json::Value;
use siphasher::sip128::{Hasher128, SipHasher13};

/// 128 bits of a document or of bytes: equal for equal ones, and for
/// different ones only by a chance of about 2⁻¹²⁸ (nobody crafts the
/// collisions: these are the user's own state and file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fingerprint(u128);

impl Fingerprint {
    /// Of a document, equal exactly when the documents are (`==`: object
    /// members in any order, numbers as their text).
    pub(super) fn of_value(value: &Value) -> Fingerprint {
        let mut h = SipHasher13::new();
        feed(&mut h, value);
        Fingerprint(h.finish128().as_u128())
    }

    /// Of a file's bytes, read a piece at a time (the file may be as big
    /// as the state).
    pub(super) fn of_file(path: &Path) -> io::Result<Fingerprint> {
        let mut file = std::fs::File::open(path)?;
        let mut h = Bytes::default();
        let mut buf = vec![0; 64 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => return Ok(h.finish()),
                Ok(n) => h.0.write(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Of the bytes `write` writes, without holding them.
    pub(super) fn of_written(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Fingerprint {
        let mut h = Bytes::default();
        // Writing to a hasher cannot fail; a failure of `write`'s own
        // would give another fingerprint, read as "changed": the safe side.
        if let Err(e) = write(&mut h) {
            tracing::warn!("fingerprint of a text not written whole: {e}");
        }
        h.finish()
    }
}

/// A hasher of bytes as a writer: the same bytes in any pieces give the
/// same fingerprint.
#[derive(Default)]
struct Bytes(SipHasher13);

impl Bytes {
    fn finish(&self) -> Fingerprint {
        Fingerprint(self.0.finish128().as_u128())
    }
}

impl Write for Bytes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn feed(h: &mut SipHasher13, value: &Value) {
    match value {
        Value::Null => h.write_u8(0),
        Value::Bool(b) => h.write_u8(1 + u8::from(*b)),
        Value::Number(n) => {
            h.write_u8(3);
            text(h, n.as_str());
        }
        Value::String(s) => {
            h.write_u8(4);
            text(h, s);
        }
        Value::Array(items) => {
            h.write_u8(5);
            h.write_usize(items.len());
            for item in items {
                feed(h, item);
            }
        }
        Value::Object(members) => {
            h.write_u8(6);
            h.write_usize(members.len());
            // `==` of objects ignores the members' order (an undo puts a
            // removed member back last): a sum of their own fingerprints
            // does too.
            let sum = members.iter().fold(0u128, |sum, (key, item)| {
                let mut m = SipHasher13::new();
                text(&mut m, key);
                feed(&mut m, item);
                sum.wrapping_add(m.finish128().as_u128())
            });
            h.write_u128(sum);
        }
    }
}

fn text(h: &mut SipHasher13, s: &str) {
    h.write_usize(s.len());
    h.write(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Fingerprint {
        Fingerprint::of_value(&juggler::json::from_str(text, 128).expect("json"))
    }

    #[test]
    fn equal_documents_have_the_same_fingerprint_and_different_ones_not() {
        assert_eq!(of(r#"{"a":1,"b":[1,2]}"#), of(r#"{"b":[1,2],"a":1}"#));
        let distinct = [
            "null",
            "false",
            "true",
            "0",
            "1",
            "1.0",
            "\"1\"",
            "\"\"",
            "[]",
            "{}",
            "[null]",
            "[[]]",
            "[1,2]",
            "[2,1]",
            "[[1],2]",
            "[1,[2]]",
            r#"{"a":1}"#,
            r#"{"a":"1"}"#,
            r#"{"b":1}"#,
            r#"{"a":{"b":1}}"#,
            r#"{"a":1,"b":2}"#,
            r#"{"a":2,"b":1}"#,
            r#"["a",1]"#,
            r#"["a1"]"#,
            r#"["a","1"]"#,
        ];
        for (i, a) in distinct.iter().enumerate() {
            for b in &distinct[i + 1..] {
                let (va, vb): (Value, Value) = (
                    juggler::json::from_str(a, 128).expect("json"),
                    juggler::json::from_str(b, 128).expect("json"),
                );
                assert_ne!(va, vb, "the list holds different documents");
                assert_ne!(of(a), of(b), "{a} and {b}");
            }
        }
    }

    #[test]
    fn bytes_in_any_pieces_and_from_a_file() {
        let text = "{\n  \"version\": 1\n}\n".repeat(10_000);
        let whole = Fingerprint::of_written(|w| w.write_all(text.as_bytes()));
        let pieces = Fingerprint::of_written(|w| {
            for chunk in text.as_bytes().chunks(7) {
                w.write_all(chunk)?;
            }
            Ok(())
        });
        assert_eq!(whole, pieces);
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("w.json");
        std::fs::write(&path, &text).expect("write");
        assert_eq!(Fingerprint::of_file(&path).expect("read"), whole);
        std::fs::write(&path, text.replacen('1', "2", 1)).expect("write");
        assert_ne!(Fingerprint::of_file(&path).expect("read"), whole);
    }
}
