//! Publisher and subscriber tokens: `<base64url(client_id)>.<session id>.<secret>`, 32 random
//! bytes of secret. The store keeps only their keyed hashes; the token names its session, so a
//! check is one store read ([`verify`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use session_core::token::generate_b64_token;
use session_core::{CoreDeps, Flavor, Owner, Session, SessionRef, TokenHash, TokenHasher};

/// Attribute holding the keyed hashes of the subscriber tokens.
pub const SUBSCRIBER_HASHES: &str = "subscriber_hashes";

/// What a token lets its holder do in the session's room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends media (and may subscribe when the session allows it).
    Publisher,
    /// Receives media.
    Subscriber,
}

/// A fresh token for the session of wire id `wire_id` of `client_id`.
pub fn issue(client_id: &str, wire_id: &str) -> session_core::Result<String> {
    Ok(format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(client_id),
        wire_id,
        generate_b64_token()?
    ))
}

/// The keyed hash stored in place of `token`.
pub fn hash(hasher: &TokenHasher, token: &str) -> TokenHash {
    hasher.hash(token)
}

/// Where the session a token names is stored, without a lookup.
pub fn reference(token: &str) -> Option<SessionRef> {
    let (client, rest) = token.split_once('.')?;
    // The session id is `<user>.<hex>.<hex>`; the secret (base64url, no dots) comes last.
    let (id, secret) = rest.rsplit_once('.')?;
    if secret.is_empty() {
        return None;
    }
    let client = String::from_utf8(URL_SAFE_NO_PAD.decode(client).ok()?).ok()?;
    let user = id.split('.').next()?;
    let owner = Owner::new(Flavor::SessionStorage, &[&client, user]).ok()?;
    Some(SessionRef::new(owner, crate::ids::parse_own(id, user)?))
}

/// The live session `token` belongs to and the role it grants, in one store read; `None` for an
/// unknown, revoked or expired token.
pub async fn verify(core: &CoreDeps, token: &str) -> session_core::Result<Option<(Session, Role)>> {
    let Some(r) = reference(token) else {
        return Ok(None);
    };
    let Some(session) = core.store.get(&r).await? else {
        return Ok(None);
    };
    let presented = hash(&core.hasher, token);
    if session
        .token_hash
        .as_ref()
        .is_some_and(|h| h.ct_eq(&presented))
    {
        return Ok(Some((session, Role::Publisher)));
    }
    let subscriber = session
        .attrs
        .get(SUBSCRIBER_HASHES)
        .and_then(Value::as_array)
        .is_some_and(|hashes| {
            // Compare against every entry so the position of a match is not timed.
            hashes
                .iter()
                .filter_map(Value::as_str)
                .fold(false, |seen, h| {
                    TokenHash::from_hex(h).is_some_and(|h| h.ct_eq(&presented)) | seen
                })
        });
    Ok(subscriber.then_some((session, Role::Subscriber)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use chrono::Duration;
    use session_core::{MemoryStore, SystemClock};

    use super::*;
    use crate::ids::new_id;

    fn core() -> CoreDeps {
        let clock = Arc::new(SystemClock);
        CoreDeps {
            store: Arc::new(MemoryStore::new(clock.clone())),
            clock,
            hasher: TokenHasher::new("k"),
            max_body_bytes: 65536,
            metadata: session_core::MetadataPolicy::default(),
            body_timeout: std::time::Duration::from_secs(10),
        }
    }

    #[tokio::test]
    async fn tokens_name_their_session_and_verify_in_one_read() {
        let core = core();
        let client = "client.with:odd chars";
        let id = new_id().unwrap();
        let wire_id = crate::ids::wire("u1", &id);
        let owner = Owner::new(Flavor::SessionStorage, &[client, "u1"]).unwrap();
        let publisher = issue(client, &wire_id).unwrap();
        let sub = issue(client, &wire_id).unwrap();
        assert_ne!(publisher, sub);
        assert!(publisher.len() > 43 + wire_id.len());
        let r = reference(&publisher).unwrap();
        assert_eq!(r, SessionRef::new(owner, id));
        let mut s = Session::new(
            r,
            Flavor::SessionStorage,
            client,
            core.clock.now(),
            Duration::seconds(60),
        );
        s.token_hash = Some(hash(&core.hasher, &publisher));
        s.attrs.insert(
            SUBSCRIBER_HASHES.into(),
            serde_json::json!([hash(&core.hasher, &sub).to_hex()]),
        );
        core.store.create(s, None).await.unwrap();
        assert_eq!(
            verify(&core, &publisher).await.unwrap().unwrap().1,
            Role::Publisher
        );
        assert_eq!(
            verify(&core, &sub).await.unwrap().unwrap().1,
            Role::Subscriber
        );
        let (head, _) = publisher.rsplit_once('.').unwrap();
        let forged = format!("{head}.{}", generate_b64_token().unwrap());
        assert!(verify(&core, &forged).await.unwrap().is_none());
        for bad in [
            "",
            "x",
            "a.b",
            "!!.u1.0a1b2c3d.4e5f6a7b.s",
            &format!("{head}."),
        ] {
            assert!(verify(&core, bad).await.unwrap().is_none(), "{bad}");
        }
    }
}
