//! Session ids: `<user>.<8 hex>.<8 hex>` on the wire. The user part tells whose id it is, so a
//! path id maps to its store reference without a lookup; the store keeps only the part after the
//! user (the user is its owner's), `<8 hex>.<8 hex>`.

use session_core::token::random_hex;
use session_core::SessionId;

/// A fresh store id (64 random bits).
pub fn new_id() -> session_core::Result<SessionId> {
    SessionId::parse(&format!("{}.{}", random_hex(4)?, random_hex(4)?))
}

/// The wire id of the session `id` of `user`.
pub fn wire(user: &str, id: &SessionId) -> String {
    format!("{user}.{id}")
}

/// The store id of the wire id `raw` if it is one of `user`'s; `None` when it is malformed or
/// names another user.
pub fn parse_own(raw: &str, user: &str) -> Option<SessionId> {
    let mut parts = raw.rsplitn(3, '.');
    let (b, a, owner) = (parts.next()?, parts.next()?, parts.next()?);
    if owner != user || !is_hex8(a) || !is_hex8(b) {
        return None;
    }
    // `<a>.<b>` is the raw id's tail: two 8-character parts and the dot between them.
    SessionId::parse(&raw[raw.len() - (a.len() + 1 + b.len())..]).ok()
}

/// The user a subject names: the user part of a session id (`<user>.<8 hex>.<8 hex>`, what
/// apps see), or the value itself.
pub fn user_of(subject: &str) -> String {
    let mut parts = subject.rsplitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(b), Some(a), Some(user)) if is_hex8(a) && is_hex8(b) && !user.is_empty() => {
            user.to_owned()
        }
        _ => subject.to_owned(),
    }
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
        let id = new_id().unwrap();
        let w = wire("test-user", &id);
        let parts: Vec<&str> = w.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "test-user");
        assert!(parts[1..].iter().all(|p| is_hex8(p)));
        assert_eq!(parse_own(&w, "test-user"), Some(id.clone()));
        assert_ne!(new_id().unwrap(), id);
    }

    #[test]
    fn subjects_name_users_by_themselves_or_by_a_session_id() {
        assert_eq!(user_of("user-a"), "user-a");
        assert_eq!(user_of("user-a.0a1b2c3d.4e5f6a7b"), "user-a");
        assert_eq!(user_of("user.a"), "user.a");
        assert_eq!(user_of(".0a1b2c3d.4e5f6a7b"), ".0a1b2c3d.4e5f6a7b");
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
