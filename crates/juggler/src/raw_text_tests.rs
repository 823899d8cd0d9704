use proptest::prelude::*;
use serde_json::{Value, json};

use super::{MIN_LEN, Spans, matches, scope, with_text};
use crate::test_values::value;
use crate::value_parser::parse_with_spans;

proptest! {
    /// A value matches its own compact text, and no other text.
    #[test]
    fn a_value_matches_exactly_its_compact_text(v in value(), other in value()) {
        let text = v.to_string();
        prop_assert!(matches(&v, &text));
        let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
        prop_assert_eq!(matches(&v, &pretty), pretty == text);
        let other_text = other.to_string();
        prop_assert_eq!(matches(&v, &other_text), other_text == text);
        let spaced = format!("{} ", text);
        prop_assert!(!matches(&v, &spaced));
        prop_assert!(text.is_empty() || !matches(&v, &text[..text.len() - 1]));
    }
}

#[test]
fn numbers_and_strings_match_as_written() {
    // Numbers pass on as they came (arbitrary_precision): "1E+05" is its
    // own text, not 100000.0.
    for text in [
        r#"[1E+05,-0,123456789.12345679,1234567890123456789012345678901234567890]"#,
        r#"[1E16,2e-7,1e+16,-0.0,5e-324]"#,
        r#"{"a\"b":"tab\there \u0001 é","":[true,false,null,{}]}"#,
    ] {
        let v: Value = serde_json::from_str(text).expect("json");
        let compact = v.to_string();
        assert!(matches(&v, &compact));
        assert_eq!(matches(&v, text), compact == text, "{text}");
    }
    let v: Value = serde_json::from_str(r#"["\u00e9"]"#).expect("json");
    assert!(
        !matches(&v, r#"["\u00e9"]"#),
        "an escape serde_json would not write"
    );
    assert!(matches(&v, "[\"é\"]"));
}

/// A big document as a request would carry it.
fn big_request() -> String {
    let items: Vec<Value> = (0..MIN_LEN / 20)
        .map(|i| json!({"id": i, "v": i as f64 / 8.0, "s": format!("item-{i}")}))
        .collect();
    json!({"type": "request", "id": 1, "name": "set", "data": {"value": {"items": items}}})
        .to_string()
}

fn spans_of(text: &str) -> (Value, Spans) {
    let (v, spans) = parse_with_spans(text).expect("parses");
    (v, Spans::new(text.into(), spans))
}

#[test]
fn a_moved_value_is_found_by_its_address_and_checked() {
    let text = big_request();
    let (mut msg, spans) = spans_of(&text);
    let value = msg["data"]["value"].take();
    let expect = value.to_string();
    scope(Some(spans), || {
        let moved = vec![value];
        with_text(&moved[0], |t| assert_eq!(t, Some(expect.as_str())));
        // Changed in place (same address): the check refuses the text.
        let mut changed = moved;
        changed[0]["items"][3]["s"] = json!("other");
        with_text(&changed[0], |t| assert_eq!(t, None));
        // A small change of the same length is refused too.
        changed[0]["items"][3]["s"] = json!("item-3");
        with_text(&changed[0], |t| assert_eq!(t, Some(expect.as_str())));
        changed[0]["items"][3]["id"] = json!(4);
        with_text(&changed[0], |t| assert_eq!(t, None));
    });
}

#[test]
fn nothing_is_known_outside_the_scope() {
    let text = big_request();
    let (msg, spans) = spans_of(&text);
    let value = &msg["data"]["value"];
    with_text(value, |t| assert_eq!(t, None));
    scope(Some(spans), || with_text(value, |t| assert!(t.is_some())));
    with_text(value, |t| assert_eq!(t, None));
    // Small containers are not recorded.
    let (small, spans) = spans_of(r#"{"a":[1,2]}"#);
    scope(Some(spans), || {
        with_text(&small["a"], |t| assert_eq!(t, None))
    });
}
