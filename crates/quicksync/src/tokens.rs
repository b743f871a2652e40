//! Session ids, member ids and member (session) tokens.
//!
//! A member token is `<group id>.<member id>.<secret>`: the store reference of the member is
//! computed from the token itself (owner `qs:<group id>`, id `<member id>`), so checking a bearer
//! is one store read followed by a constant-time comparison of keyed hashes.

use session_core::token::generate_b64_token;
use session_core::{Flavor, Owner, Session, SessionId, SessionRef, TokenHasher};

/// The partition of a group: the group and all its members share it (one Redis hash slot).
pub fn group_owner(group: &SessionId) -> session_core::Result<Owner> {
    Owner::new(Flavor::Quicksync, &[group.as_str()])
}

/// Where the group `group` is stored.
pub fn group_ref(group: &SessionId) -> session_core::Result<SessionRef> {
    Ok(SessionRef::new(group_owner(group)?, group.clone()))
}

/// A fresh session id: a random UUID (as the vendor's are).
pub fn new_group_id() -> session_core::Result<SessionId> {
    SessionId::parse(&uuid::Uuid::new_v4().to_string())
}

/// Parses a client-supplied session id; `None` for anything that cannot be one of ours.
pub fn parse_group_id(s: &str) -> Option<SessionId> {
    let u = uuid::Uuid::try_parse(s).ok()?;
    SessionId::parse(&u.hyphenated().to_string()).ok()
}

/// A wallet's member id in a group: stable for the pair (so a second join by the same wallet is
/// the store's atomic conflict), unlinkable across groups without the server secret.
pub fn member_id(
    hasher: &TokenHasher,
    group: &SessionId,
    wallet_lower: &str,
) -> session_core::Result<SessionId> {
    let h = hasher.hash_parts(&["quicksync-member", group.as_str(), wallet_lower]);
    SessionId::parse(&h.to_hex())
}

/// The key of `ring` the group `group` was created with: the one under which its host's
/// wallet (its subject) hashes to its creator's member id.
pub fn group_key<'r>(ring: &'r TokenHasher, group: &Session) -> Option<&'r TokenHasher> {
    let attrs: crate::records::GroupAttrs = crate::records::from_attrs(group).ok()?;
    let host = group.subject.as_deref()?;
    ring.keys()
        .find(|k| member_id(k, &group.id, host).is_ok_and(|id| id.as_str() == attrs.creator_id))
}

/// Parses a client-supplied member id (`userId`).
pub fn parse_member_id(s: &str) -> Option<SessionId> {
    let ok = s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ok.then(|| SessionId::parse(s).ok()).flatten()
}

/// A new member token for `member` of `group`.
pub fn issue(group: &SessionId, member: &SessionId) -> session_core::Result<String> {
    Ok(format!("{group}.{member}.{}", generate_b64_token()?))
}

/// The member a token claims to be, when it has the shape of one of ours.
pub fn parse(token: &str) -> Option<(SessionId, SessionId)> {
    let mut parts = token.split('.');
    let (Some(g), Some(m), Some(secret), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let secret_ok = secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !secret_ok {
        return None;
    }
    let group = parse_group_id(g).filter(|id| id.as_str() == g)?;
    Some((group, parse_member_id(m)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_member() {
        let g = new_group_id().unwrap();
        let m = member_id(&TokenHasher::new("k"), &g, "0xabc").unwrap();
        let t = issue(&g, &m).unwrap();
        assert_eq!(parse(&t), Some((g.clone(), m.clone())));
        assert_ne!(issue(&g, &m).unwrap(), t);
        for bad in [
            "",
            "a.b.c",
            &format!("{t}.x"),
            &t[..t.len() - 1],
            &t.replace(g.as_str(), "x"),
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        // A JWT has three parts too, but not ours.
        assert_eq!(parse("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dQ"), None);
    }

    #[test]
    fn member_ids_are_stable_per_wallet_and_group() {
        let h = TokenHasher::new("k");
        let g1 = new_group_id().unwrap();
        let g2 = new_group_id().unwrap();
        assert_eq!(
            member_id(&h, &g1, "0xa").unwrap(),
            member_id(&h, &g1, "0xa").unwrap()
        );
        assert_ne!(
            member_id(&h, &g1, "0xa").unwrap(),
            member_id(&h, &g2, "0xa").unwrap()
        );
        assert_ne!(
            member_id(&h, &g1, "0xa").unwrap(),
            member_id(&h, &g1, "0xb").unwrap()
        );
        assert!(parse_member_id(member_id(&h, &g1, "0xa").unwrap().as_str()).is_some());
        assert!(parse_member_id("ABC").is_none());
    }
}
