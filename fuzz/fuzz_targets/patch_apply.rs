//! JSON Patch application (`juggler::diff::patch`), all or nothing: on error
//! the document is unchanged; on success it matches the `json-patch` crate
//! (RFC 6902). Also: `diff(a, b)` applied to `a` gives `b`.
//!
//! Input: a JSON document, a 0x00 byte, a JSON Patch (any JSON value).

#![no_main]

use juggler::diff;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some(cut) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let (Ok(doc), Ok(patch)) = (
        serde_json::from_slice::<Value>(&data[..cut]),
        serde_json::from_slice::<Value>(&data[cut + 1..]),
    ) else {
        return;
    };

    let mut ours = doc.clone();
    let result = diff::patch(&mut ours, patch.clone());
    if result.is_err() {
        assert_eq!(ours, doc, "a failed patch changed the document");
    }

    // The reference implementation of RFC 6902.
    if let Ok(p) = serde_json::from_value::<json_patch::Patch>(patch.clone()) {
        let mut theirs = doc.clone();
        // (json-patch itself may leave a failed `move` half done: only its
        // verdict and its result on success are compared.)
        let r = json_patch::patch(&mut theirs, &p);
        assert_eq!(
            result.is_ok(),
            r.is_ok(),
            "ours {result:?} vs json-patch {r:?} on {doc} / {patch}"
        );
        if result.is_ok() {
            assert_eq!(ours, theirs, "results differ on {doc} / {patch}");
        }
    }

    // The diff of any two documents takes the first to the second.
    let ops = diff::diff(&doc, &patch);
    let mut reached = doc.clone();
    diff::apply_owned(&mut reached, ops).expect("own diff applies");
    assert_eq!(reached, patch);
});
