//! The workspace file parser (`studio::Workspace::parse_lenient`): never
//! panics, and what it reads it writes back as text that reads the same.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use studio::Workspace;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base = Path::new("/nonexistent-fuzz-dir");
    let Ok((workspace, problems)) = Workspace::parse_lenient(text, "fuzz.json", base) else {
        let _ = Workspace::parse(text, "fuzz.json", base);
        return;
    };
    for p in &problems {
        assert!(!p.to_string().is_empty());
    }
    let saved = workspace.to_json_string();
    let (again, problems_again) = Workspace::parse_lenient(&saved, "fuzz.json", base)
        .unwrap_or_else(|e| panic!("own output does not load: {e}\n{saved}"));
    assert_eq!(problems.len(), problems_again.len(), "problems differ\n{saved}");
    assert_eq!(again.to_json_string(), saved, "round trip");
});
