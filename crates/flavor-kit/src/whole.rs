//! Whole numbers as JSON Schema's `integer` has them: `60` and `60.0` alike (a document that says
//! `integer` allows both), never `60.5`.

use serde::{Deserialize, Deserializer};
use serde_json::{Number, Value};

/// Largest float that still holds every whole number below it exactly (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

/// `n` when it is a whole number that fits an `i64`.
pub fn of_number(n: &Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && (-EXACT..=EXACT).contains(f))
            .map(|f| f as i64)
    })
}

/// `v` when it is a whole number that is not negative.
pub fn of_value(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => v
            .as_u64()
            .or_else(|| of_number(n).and_then(|i| u64::try_from(i).ok())),
        _ => None,
    }
}

/// A serde `deserialize_with` for `Option<i64>` members: `null` or absent is `None`, a whole
/// number (`60` or `60.0`) is itself, anything else is an error naming what was expected.
pub fn option_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => of_number(&n).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid number `{n}`, expected a whole number"))
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn whole_floats_count_and_fractions_do_not() {
        for (v, want) in [
            (json!(60), Some(60)),
            (json!(60.0), Some(60)),
            (json!(0.0), Some(0)),
            (json!(60.5), None),
            (json!(-1), None),
            (json!(-1.0), None),
            (json!(1e300), None),
            (json!("60"), None),
            (json!(null), None),
        ] {
            assert_eq!(of_value(&v), want, "{v}");
        }
        #[derive(serde::Deserialize)]
        struct S {
            #[serde(default, deserialize_with = "option_i64")]
            n: Option<i64>,
        }
        let n = |v: Value| serde_json::from_value::<S>(v).map(|s| s.n);
        assert_eq!(n(json!({"n": 759.0})).unwrap(), Some(759));
        assert_eq!(n(json!({"n": -5})).unwrap(), Some(-5));
        assert_eq!(n(json!({"n": null})).unwrap(), None);
        assert_eq!(n(json!({})).unwrap(), None);
        assert!(n(json!({"n": 759.5})).is_err());
        assert!(n(json!({"n": "759"})).is_err());
    }
}
