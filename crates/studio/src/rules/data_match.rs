//! The JSON subset match of a rule's `match.data`.

use serde_json::Value;

/// Whether `data` matches `pattern`: every member of a pattern object is
/// present in the data object and matches, recursively (the data may have
/// more members); a pattern array matches an array of the same length whose
/// elements match one by one; numbers match by value (`1` matches `1.0`);
/// anything else must be equal.
pub fn data_matches(pattern: &Value, data: &Value) -> bool {
    data_matches_with(pattern, data, &|_, _| None)
}

/// [`data_matches`] for data some pieces of which are not known yet (a
/// dashboard's request template, checked before the page fills it in):
/// `hole(pattern, piece)` is `None` for a piece known as it is, else
/// whether what it will be may match that part of the pattern.
pub fn data_matches_with(
    pattern: &Value,
    data: &Value,
    hole: &dyn Fn(&Value, &Value) -> Option<bool>,
) -> bool {
    if let Some(may) = hole(pattern, data) {
        return may;
    }
    match (pattern, data) {
        (Value::Object(p), Value::Object(d)) => p
            .iter()
            .all(|(k, pv)| d.get(k).is_some_and(|dv| data_matches_with(pv, dv, hole))),
        (Value::Array(p), Value::Array(d)) => {
            p.len() == d.len()
                && p.iter()
                    .zip(d)
                    .all(|(pv, dv)| data_matches_with(pv, dv, hole))
        }
        (Value::Number(p), Value::Number(d)) => {
            if let (Some(a), Some(b)) = (p.as_i64(), d.as_i64()) {
                a == b
            } else if let (Some(a), Some(b)) = (p.as_u64(), d.as_u64()) {
                a == b
            } else {
                p.as_f64() == d.as_f64()
            }
        }
        _ => pattern == data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_of_objects_recursively() {
        let data = json!({"user": {"name": "Ana", "age": 41}, "extra": true});
        assert!(data_matches(&json!({}), &data));
        assert!(data_matches(&json!({"user": {"name": "Ana"}}), &data));
        assert!(!data_matches(&json!({"user": {"name": "Bo"}}), &data));
        assert!(!data_matches(&json!({"missing": null}), &data));
        assert!(!data_matches(&json!({"user": "Ana"}), &data));
        assert!(data_matches(&json!({"extra": true}), &data));
    }

    #[test]
    fn arrays_element_wise_and_scalars() {
        assert!(data_matches(
            &json!([1, {"a": 1}]),
            &json!([1, {"a": 1, "b": 2}])
        ));
        assert!(!data_matches(&json!([1]), &json!([1, 2])));
        assert!(!data_matches(&json!([2, 1]), &json!([1, 2])));
        assert!(data_matches(&json!(1), &json!(1.0)));
        assert!(!data_matches(&json!(1), &json!(2)));
        assert!(data_matches(&json!(u64::MAX), &json!(u64::MAX)));
        assert!(!data_matches(&json!(-1), &json!(u64::MAX)));
        assert!(data_matches(&json!(null), &json!(null)));
        assert!(!data_matches(&json!(null), &json!({})));
        assert!(!data_matches(&json!("1"), &json!(1)));
        assert!(!data_matches(&json!({"a": 1}), &json!([1])));
    }
}
