//! Session ids: `<user>.<8 hex>.<8 hex>`. The user part tells whose id it is, so a path id maps to
//! its store reference without a lookup.

use session_core::token::random_hex;
use session_core::SessionId;

/// A fresh id for a session of `user` (64 random bits after the user part).
pub fn new_id(user: &str) -> session_core::Result<SessionId> {
    SessionId::parse(&format!("{user}.{}.{}", random_hex(4)?, random_hex(4)?))
}

/// `raw` as an id of `user`'s, or `None` when it is malformed or names another user.
pub fn parse_own(raw: &str, user: &str) -> Option<SessionId> {
    let mut parts = raw.rsplitn(3, '.');
    let (b, a, owner) = (parts.next()?, parts.next()?, parts.next()?);
    if owner != user || !is_hex8(a) || !is_hex8(b) {
        return None;
    }
    SessionId::parse(raw).ok()
}

fn is_hex8(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn new_ids_have_the_documented_shape_and_parse_back() {
        let id = new_id("test-user").unwrap();
        let parts: Vec<&str> = id.as_str().split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "test-user");
        assert!(parts[1..].iter().all(|p| is_hex8(p)));
        assert_eq!(parse_own(id.as_str(), "test-user"), Some(id.clone()));
        assert_ne!(new_id("test-user").unwrap(), id);
    }

    #[test]
    fn foreign_and_malformed_ids_are_refused() {
        for bad in [
            "other.0a1b2c3d.4e5f6a7b",
            "test-user.0a1b2c3d",
            "test-user.0A1B2C3D.4e5f6a7b",
            "test-user.0a1b2c3.4e5f6a7b",
            "test-user.0a1b2c3d.4e5f6a7b.00000000",
            "",
            "x.test-user.0a1b2c3d.4e5f6a7b",
        ] {
            assert_eq!(parse_own(bad, "test-user"), None, "{bad}");
        }
    }
}
