//! Opaque page tokens: the store's cursor, base64url-encoded and authenticated with the server's
//! keyed hash bound to the client's partition, so a token can neither be forged nor replayed by
//! another client.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use session_core::token::ct_eq_str;
use session_core::{Cursor, Owner, TokenHasher};

/// Longest page token accepted.
pub const MAX_LEN: usize = 1024;
/// Hex characters of the authentication tag kept (128 bits).
const TAG_HEX: usize = 32;
/// Domain separation for the tag.
const PURPOSE: &str = "session-storage/page-token/v1";

#[derive(Deserialize)]
struct Body {
    /// Format version.
    v: u8,
    /// The store cursor.
    c: String,
}

/// The token that resumes `owner`'s listing at `cursor`.
pub fn encode(hasher: &TokenHasher, owner: &Owner, cursor: &Cursor) -> String {
    let json = serde_json::json!({"v": 1, "c": cursor.as_str()}).to_string();
    let payload = URL_SAFE_NO_PAD.encode(json);
    format!("{payload}.{}", tag(hasher, owner, &payload))
}

/// The cursor in `token`, if this server issued it for `owner`.
pub fn decode(hasher: &TokenHasher, owner: &Owner, token: &str) -> Option<Cursor> {
    if token.len() > MAX_LEN {
        return None;
    }
    let (payload, presented) = token.rsplit_once('.')?;
    // Issued under the active key or a previous one of the ring.
    let genuine = hasher
        .keys()
        .any(|k| ct_eq_str(presented, &tag(k, owner, payload)));
    if presented.len() != TAG_HEX || !genuine {
        return None;
    }
    let body: Body = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (body.v == 1).then(|| Cursor::from_raw(body.c))
}

fn tag(hasher: &TokenHasher, owner: &Owner, payload: &str) -> String {
    let full = hasher.hash_parts(&[PURPOSE, owner.as_str(), payload]);
    full.to_hex().chars().take(TAG_HEX).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use session_core::Flavor;

    fn owner(c: &str) -> Owner {
        Owner::new(Flavor::SessionStorage, &[c, "u"]).unwrap()
    }

    #[test]
    fn tokens_round_trip_for_their_owner_only() {
        let h = TokenHasher::new("k");
        let c = Cursor::from_raw("0000001700000000000:u.0a1b2c3d.4e5f6a7b");
        let t = encode(&h, &owner("a"), &c);
        assert_eq!(decode(&h, &owner("a"), &t), Some(c.clone()));
        assert_eq!(decode(&h, &owner("b"), &t), None);
        assert_eq!(decode(&TokenHasher::new("other"), &owner("a"), &t), None);
        let rotated = TokenHasher::ring("other", &["k"]);
        assert_eq!(decode(&rotated, &owner("a"), &t), Some(c.clone()));
    }

    #[test]
    fn tampered_tokens_are_refused() {
        let h = TokenHasher::new("k");
        let o = owner("a");
        let t = encode(&h, &o, &Cursor::from_raw("1:x"));
        let (payload, tag) = t.rsplit_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"v":1,"c":"2:y"}"#);
        for bad in [
            format!("{forged}.{tag}"),
            format!("{payload}.{}", "0".repeat(TAG_HEX)),
            payload.to_owned(),
            format!("{t}x"),
            String::new(),
            "x".repeat(MAX_LEN + 1),
        ] {
            assert_eq!(decode(&h, &o, &bad), None, "{bad}");
        }
    }
}
