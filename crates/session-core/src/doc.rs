//! Owner documents (MessagePack maps) and the upsert every store applies the same way.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::plan::DocUpsert;

/// Applies `up` to the stored document `existing` at `now` (ms): the new document and whether it
/// was inserted.
pub fn upsert(existing: Option<&[u8]>, up: &DocUpsert, now: i64) -> Result<(Vec<u8>, bool)> {
    let Some(existing) = existing else {
        return Ok((up.fresh.clone(), true));
    };
    if up.patch.is_empty() && up.refuse_if.is_none() {
        return Ok((existing.to_vec(), false));
    }
    let mut doc = decode(existing)?;
    if let Some(flag) = &up.refuse_if {
        if doc.get(flag) == Some(&Value::Bool(true)) {
            return Err(Error::Forbidden);
        }
    }
    let mut changed = false;
    for (k, v) in &up.patch {
        let default = up
            .defaults
            .iter()
            .find(|(d, _)| d == k)
            .map(|(_, v)| v.as_str());
        let current = doc
            .get(k)
            .and_then(Value::as_str)
            .or(if doc.contains_key(k) { None } else { default });
        if current != Some(v.as_str()) {
            if default == Some(v.as_str()) {
                doc.remove(k);
            } else {
                doc.insert(k.clone(), Value::String(v.clone()));
            }
            changed = true;
        }
    }
    if !changed {
        return Ok((existing.to_vec(), false));
    }
    if let Some(stamp) = &up.stamp {
        doc.insert(stamp.clone(), Value::from(now));
    }
    Ok((encode(&doc)?, false))
}

/// Decodes a document.
pub fn decode(bytes: &[u8]) -> Result<Map<String, Value>> {
    rmp_serde::from_slice(bytes)
        .map_err(|e| Error::Internal(format!("unreadable owner document: {e}")))
}

/// Encodes a document.
pub fn encode(doc: &Map<String, Value>) -> Result<Vec<u8>> {
    rmp_serde::to_vec(doc).map_err(|e| Error::Internal(format!("cannot encode a document: {e}")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc(v: Value) -> Vec<u8> {
        encode(v.as_object().unwrap()).unwrap()
    }

    #[test]
    fn upserts_insert_then_patch_only_what_differs() {
        let up = DocUpsert {
            fresh: doc(json!({"n": "a", "u": 1})),
            patch: vec![("n".into(), "a".into())],
            stamp: Some("u".into()),
            ..DocUpsert::default()
        };
        let (d, inserted) = upsert(None, &up, 5).unwrap();
        assert!(inserted);
        let (same, inserted) = upsert(Some(&d), &up, 9).unwrap();
        assert!(!inserted);
        assert_eq!(same, d, "nothing differs: untouched, stamp included");
        let up = DocUpsert {
            patch: vec![("n".into(), "b".into()), ("h".into(), "x".into())],
            ..up
        };
        let (d2, _) = upsert(Some(&d), &up, 9).unwrap();
        assert_eq!(
            Value::Object(decode(&d2).unwrap()),
            json!({"n": "b", "u": 9, "h": "x"})
        );
        assert!(upsert(Some(b"\xc1"), &up, 1).is_err());
    }

    #[test]
    fn defaults_stay_implicit_and_a_flag_refuses() {
        let up = DocUpsert {
            fresh: doc(json!({"i": 1})),
            patch: vec![("n".into(), "alice".into())],
            defaults: vec![("n".into(), "alice".into())],
            stamp: Some("u".into()),
            refuse_if: Some("ban".into()),
        };
        let (d, _) = upsert(None, &up, 1).unwrap();
        let (same, _) = upsert(Some(&d), &up, 2).unwrap();
        assert_eq!(same, d, "the default equals the patch: nothing changes");
        let named = DocUpsert {
            patch: vec![("n".into(), "Al".into())],
            ..up.clone()
        };
        let (d2, _) = upsert(Some(&d), &named, 3).unwrap();
        let (d3, _) = upsert(Some(&d2), &up, 4).unwrap();
        assert_eq!(Value::Object(decode(&d3).unwrap()), json!({"i": 1, "u": 4}));
        let banned = doc(json!({"i": 1, "ban": true}));
        assert!(matches!(
            upsert(Some(&banned), &up, 5),
            Err(Error::Forbidden)
        ));
    }
}
