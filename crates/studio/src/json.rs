//! Typed values read from JSON that was parsed already (a command's data),
//! keeping every number as it was written.
//!
//! With serde_json's `arbitrary_precision`, a `Value` holds each number as
//! its text, but reading a type from a `Value` hands an integer number to
//! the type as an `i64` or `u64` when it fits one: `-0` arrives as `0`, so a
//! notify preset, a rule's answer or a scenario step holding `-0` lost its
//! sign on the way in. Read from text, serde_json hands every number of a
//! `Value` field over as its text; so the value is written back to text
//! (which keeps the numbers exactly) and the type read from that.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// What [`from_value`] fails with: the path to the fault and what it is, as
/// `serde_path_to_error::deserialize` over the `Value` gave it.
pub(crate) type Error = serde_path_to_error::Error<serde_json::Error>;

/// Reads a `T` from `value`, its numbers as written (see the module).
/// Errors name the path, and say no line or column: the caller's text is
/// not the one read here.
pub(crate) fn from_value<T: DeserializeOwned + Send>(value: &Value) -> Result<T, Error> {
    let text = value.to_string();
    // Deep enough for the value: it was parsed (and bounded) already.
    let depth = juggler::json::nesting_depth(&text, usize::MAX);
    // One value written by serde_json: nothing can follow it.
    let read = juggler::json::deserialize_with(&text, depth, |de| {
        serde_path_to_error::deserialize::<_, T>(de)
    });
    match read {
        Ok(read) => read.map_err(without_position),
        // Only a deep value's reading thread not starting: as before, read
        // from the value itself.
        Err(_) => serde_path_to_error::deserialize(value.clone()),
    }
}

/// The error without its position in the text written here (which the user
/// never saw), its path kept.
fn without_position(e: Error) -> Error {
    let path = e.path().clone();
    Error::new(path, juggler::json::without_position(e.into_inner()))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize)]
    struct Preset {
        name: String,
        data: Value,
    }

    fn parsed(text: &str) -> Value {
        serde_json::from_str(text).expect("json")
    }

    #[test]
    fn every_number_of_a_value_field_arrives_as_written() {
        let text = r#"[{"name":"a","data":[-0,9007199254740993,123456789012345678901234567890,-0.0,1.50]}]"#;
        let presets: Vec<Preset> = from_value(&parsed(text)).expect("presets");
        assert_eq!(presets[0].name, "a");
        assert_eq!(
            presets[0].data.to_string(),
            "[-0,9007199254740993,123456789012345678901234567890,-0.0,1.50]"
        );
        // What it fixes: through the `Value`, `-0` became `0`.
        let through: Vec<Preset> = serde_json::from_value(parsed(text)).expect("presets");
        assert!(through[0].data.to_string().starts_with("[0,"));
    }

    #[test]
    fn errors_name_the_path_without_a_position() {
        let e = from_value::<Vec<Preset>>(&parsed(r#"[{"name":"a","data":1},{"name":2}]"#))
            .err()
            .expect("an error");
        assert_eq!(e.path().to_string(), "[1].name");
        assert_eq!(
            e.inner().to_string(),
            "invalid type: integer `2`, expected a string"
        );
        let e = from_value::<Vec<Preset>>(&parsed(r#"[{"name":"a"}]"#))
            .err()
            .expect("an error");
        assert_eq!(e.inner().to_string(), "missing field `data`");
    }

    #[test]
    fn values_deeper_than_serde_json_allows_are_read() {
        let deep = format!("{}-0{}", "[".repeat(1_000), "]".repeat(1_000));
        let value: Value = juggler::json::from_str(&deep, 1_100).expect("deep");
        let read: Value = from_value(&value).expect("read");
        assert_eq!(read.to_string(), deep);
    }
}
