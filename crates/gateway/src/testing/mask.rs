//! What the journal shows of headers, query strings and bodies: every value whose name speaks
//! of a secret (tokens, keys, secrets, passwords, signatures, publisher and subscriber tokens,
//! authorization, cookies, and every flavor's secret keys) is replaced by `********`, at any
//! depth. A body that is neither JSON nor a form is not shown.

use std::collections::BTreeMap;

use actix_web::http::header::HeaderMap;
use flavor_kit::tenants::MASK;
use serde_json::{Map, Value};

use crate::flavors;

/// Words that make a name a secret's, wherever they appear in it (case-insensitive).
const SECRET_WORDS: [&str; 9] = [
    "token",
    "secret",
    "password",
    "signature",
    "key",
    "publisher",
    "subscriber",
    "authorization",
    "cookie",
];

/// The most bytes of a body the journal keeps.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Whether a value named `name` is a secret.
pub fn is_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w)) || flavors::secret_keys().any(|k| k == name)
}

/// The headers, secrets masked.
pub fn headers(map: &HeaderMap) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, value) in map {
        let shown = if is_secret(name.as_str()) {
            MASK.to_owned()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        out.entry(name.as_str().to_owned())
            .and_modify(|v: &mut String| {
                v.push_str(", ");
                v.push_str(&shown);
            })
            .or_insert(shown);
    }
    out
}

/// `path?query`, the query's secret values masked.
pub fn path_and_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    match serde_urlencoded::from_str::<Vec<(String, String)>>(query) {
        Ok(pairs) => format!("{path}?{}", form(pairs)),
        Err(_) => format!("{path}?{MASK}"),
    }
}

/// Pairs of a form, secret values masked, encoded again.
fn form(pairs: Vec<(String, String)>) -> String {
    let masked: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| {
            let v = if is_secret(&k) { MASK.to_owned() } else { v };
            (k, v)
        })
        .collect();
    serde_urlencoded::to_string(masked).unwrap_or_default()
}

/// A body as the journal shows it: JSON with its secrets masked, a form likewise (as a
/// string), or a note of its size.
pub fn body(bytes: &[u8], truncated: bool) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    if truncated {
        return Some(Value::String(format!(
            "({} bytes or more, not shown)",
            bytes.len()
        )));
    }
    if let Ok(mut v) = serde_json::from_slice::<Value>(bytes) {
        json(&mut v, false);
        return Some(v);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        if let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(text) {
            if !pairs.is_empty() && text.contains('=') {
                return Some(Value::String(form(pairs)));
            }
        }
    }
    Some(Value::String(format!(
        "({} bytes, neither JSON nor a form: not shown)",
        bytes.len()
    )))
}

/// Masks, in place, every value under a secret's name (`secret`: this value is one).
fn json(v: &mut Value, secret: bool) {
    match v {
        Value::Object(map) => object(map),
        Value::Array(items) => items.iter_mut().for_each(|i| json(i, secret)),
        Value::Null => {}
        other if secret => *other = Value::String(MASK.into()),
        _ => {}
    }
}

fn object(map: &mut Map<String, Value>) {
    for (k, v) in map.iter_mut() {
        json(v, is_secret(k));
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};
    use serde_json::json;

    use super::*;

    #[test]
    fn secrets_are_masked_at_any_depth() {
        let raw = json!({
            "credentials": {"token": "t0k", "id": "m1", "role": "Host"},
            "accessToken": "a.b.c",
            "refreshToken": "r",
            "publisher": "p.1.2",
            "subscriber": ["s1", "s2"],
            "userId": "alice",
            "session": {"token": "0123abcd", "user_id": 7, "nonce": 42},
            "signature": 99
        });
        let v = body(raw.to_string().as_bytes(), false).unwrap();
        let text = v.to_string();
        for secret in ["t0k", "a.b.c", "\"r\"", "p.1.2", "s1", "0123abcd", "99"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(v["credentials"]["id"], "m1");
        assert_eq!(v["userId"], "alice");
        assert_eq!(v["session"]["nonce"], 42);
        assert_eq!(v["subscriber"], json!([MASK, MASK]));
    }

    #[test]
    fn forms_queries_and_headers_are_masked() {
        let v = body(
            b"application_id=7&auth_key=k3y&user%5Bpassword%5D=pw&signature=abc&nonce=5",
            false,
        )
        .unwrap();
        let text = v.as_str().unwrap();
        assert!(!text.contains("k3y") && !text.contains("pw&") && !text.contains("abc"));
        assert!(text.contains("application_id=7") && text.contains("nonce=5"));
        let p = path_and_query("/session.json", "token=abcdef&x=1");
        assert!(!p.contains("abcdef") && p.contains("x=1"), "{p}");
        let mut h = HeaderMap::new();
        for (n, val) in [
            ("authorization", "Bearer zzz"),
            ("x-api-key", "kkk"),
            ("clientsecret", "sss"),
            ("qb-token", "qqq"),
            ("clientid", "client-a"),
        ] {
            h.insert(HeaderName::from_static(n), HeaderValue::from_static(val));
        }
        let shown = headers(&h);
        assert_eq!(shown["clientid"], "client-a");
        for n in ["authorization", "x-api-key", "clientsecret", "qb-token"] {
            assert_eq!(shown[n], MASK, "{n}");
        }
        assert!(body(b"\x00\x01binary", false)
            .unwrap()
            .as_str()
            .unwrap()
            .contains("not shown"));
        assert!(body(b"{}", true)
            .unwrap()
            .as_str()
            .unwrap()
            .contains("not shown"));
        assert_eq!(body(b"", false), None);
    }
}
