use proptest::prelude::*;
use serde_json::Value;

use crate::test_values::value;

/// The value alone.
fn parse(text: &str) -> Option<Value> {
    super::parse_with_spans(text).map(|(v, _)| v)
}

/// What serde_json makes of `text`, as a value and as its text (a `Map`
/// compares equal in any order: the text says the order too).
fn serde(text: &str) -> Option<(Value, String)> {
    let v: Value = serde_json::from_str(text).ok()?;
    let s = v.to_string();
    Some((v, s))
}

/// Either this parser gives up, or it builds exactly what serde_json
/// builds; and it never builds something from text serde_json refuses.
fn check(text: &str) {
    let ours = parse(text);
    let theirs = serde(text);
    if let Some(v) = ours {
        let (tv, ts) = theirs.unwrap_or_else(|| panic!("serde_json refuses {text:?}"));
        assert_eq!(v, tv, "{text}");
        assert_eq!(v.to_string(), ts, "{text}");
    }
}

/// Text this parser must take (not leave to serde_json).
fn takes(text: &str) {
    assert!(parse(text).is_some(), "gave up on {text:?}");
    check(text);
}

#[test]
fn builds_what_serde_json_builds() {
    for text in [
        "null",
        " true ",
        "false",
        "0",
        "-0",
        "1E+05",
        "-1.50e-007",
        "123456789.12345679",
        "0.9424502837770503",
        "1234567890123456789012345678901234567890",
        "-12345678901234567890123456789e400",
        "\"\"",
        r#""a\"b\\c\/d\b\f\n\r\t\u00e9\u0000 é ✓""#,
        "[]",
        "{}",
        " [ 1 , [ ] , { } , [[{\"a\":[{}]}]] ] ",
        r#"{"b":1,"a":2,"c":{"z":[1,2,{"y":null}],"x":"s"}}"#,
        // A repeated key keeps its first place and its last value.
        r#"{"k":1,"j":2,"k":3}"#,
        "{\n \"k\" :\t[1,\r\n2]\n}",
    ] {
        takes(text);
    }
}

#[test]
fn gives_up_on_what_it_leaves_to_serde_json() {
    for text in [
        "",
        " ",
        "[1,]",
        "{\"a\":1,}",
        "[1 2]",
        "{\"a\" 1}",
        "{1:2}",
        "01",
        "1.",
        "1e",
        "-",
        "+1",
        ".5",
        "tru",
        "nul",
        "[1]x",
        "\"open",
        "\"tab\there\"",
        r#""\x""#,
        r#""\u12""#,
        // Surrogates in escapes: serde_json decides.
        r#""\ud83d\ude00""#,
        r#""\ud800""#,
        "[",
        "{\"a\":",
        "]",
    ] {
        assert!(parse(text).is_none(), "took {text:?}");
    }
}

#[test]
fn leaves_deep_nesting_to_serde_json() {
    let depth = crate::json::SERDE_LIMIT;
    let fits = format!("{}{}", "[".repeat(depth - 1), "]".repeat(depth - 1));
    takes(&fits);
    let deep = format!("{}{}", "[".repeat(depth + 1), "]".repeat(depth + 1));
    assert!(parse(&deep).is_none());
    // Deep text never recurses here: no stack overflow at any depth.
    let deeper = "[".repeat(1_000_000);
    assert!(parse(&deeper).is_none());
}

proptest! {
    /// Any value's compact and pretty text is taken and built as serde_json
    /// builds it.
    #[test]
    fn random_values_match_serde_json(v in value()) {
        takes(&v.to_string());
        let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
        takes(&pretty);
    }

    /// Cutting or altering text never makes it build what serde_json would
    /// not.
    #[test]
    fn damaged_text_never_differs(v in value(), cut in any::<prop::sample::Index>(), b in any::<u8>()) {
        let text = v.to_string();
        let at = cut.index(text.len() + 1);
        let mut bytes = text.as_bytes()[..at].to_vec();
        check(&String::from_utf8_lossy(&bytes));
        if at < text.len() {
            bytes.push(b & 0x7f);
            bytes.extend_from_slice(&text.as_bytes()[at + 1..]);
            check(&String::from_utf8_lossy(&bytes));
        }
    }
}
