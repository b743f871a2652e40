//! Publisher and subscriber tokens: `<base64url(client_id)>.<session id>.<secret>`, 32 random
//! bytes of secret. The store keeps only their keyed hashes; the token names its session, so a
//! check is one store read ([`verify`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use session_core::token::generate_b64_token;
use session_core::{
    CoreDeps, Flavor, Guard, Owner, Session, SessionPatch, SessionRef, TokenHash, TokenHasher,
};

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
/// unknown, revoked or expired token. A token whose hash was stored under a previous key of the
/// ring (compared only after a mismatch under the active key) is re-keyed: its hash is stored
/// again under the active key, in one guarded write.
pub async fn verify(core: &CoreDeps, token: &str) -> session_core::Result<Option<(Session, Role)>> {
    let Some(r) = reference(token) else {
        return Ok(None);
    };
    let Some(session) = core.store.get(&r).await? else {
        return Ok(None);
    };
    let hasher = &core.hasher;
    if let Some(key) = session
        .token_hash
        .and_then(|stored| hasher.key_of(token, &stored))
    {
        let session = match key {
            0 => Some(session),
            _ => rekey_publisher(core, session, token).await?,
        };
        return Ok(session.map(|s| (s, Role::Publisher)));
    }
    let Some(key) = subscriber_key(&session, hasher, token) else {
        return Ok(None);
    };
    let session = match key {
        0 => Some(session),
        _ => rekey_subscriber(core, session, token, key).await?,
    };
    Ok(session.map(|s| (s, Role::Subscriber)))
}

/// The index of the ring key under which `token` is one of the session's subscriber tokens.
fn subscriber_key(session: &Session, hasher: &TokenHasher, token: &str) -> Option<usize> {
    let hashes = session
        .attrs
        .get(SUBSCRIBER_HASHES)
        .and_then(Value::as_array)?;
    hasher.keys().position(|key| {
        let presented = hash(key, token);
        // Compare against every entry so the position of a match is not timed.
        hashes
            .iter()
            .filter_map(Value::as_str)
            .fold(false, |seen, h| {
                TokenHash::from_hex(h).is_some_and(|h| h.ct_eq(&presented)) | seen
            })
    })
}

/// Stores the publisher token's hash under the active key (guarded by its previous hash).
async fn rekey_publisher(
    core: &CoreDeps,
    session: Session,
    token: &str,
) -> session_core::Result<Option<Session>> {
    let (Some(old), active) = (session.token_hash, hash(&core.hasher, token)) else {
        return Ok(Some(session));
    };
    let patch = SessionPatch {
        token_hash: Some(active),
        ..SessionPatch::default()
    };
    let guard = Guard {
        id: session.id.clone(),
        token: old,
        role: None,
    };
    match core
        .store
        .update_guarded(&session.reference(), patch, Some(&guard))
        .await
    {
        Ok(updated) => Ok(updated),
        // Re-keyed (or revoked) meanwhile: read it again.
        Err(session_core::Error::Unauthorized | session_core::Error::Forbidden) => {
            core.store.get(&session.reference()).await
        }
        Err(e) => Err(e),
    }
}

/// Replaces the subscriber token's hash under previous key `key` by its active one.
async fn rekey_subscriber(
    core: &CoreDeps,
    session: Session,
    token: &str,
    key: usize,
) -> session_core::Result<Option<Session>> {
    let Some(old_key) = core.hasher.keys().nth(key) else {
        return Ok(Some(session));
    };
    let (old, active) = (
        hash(old_key, token).to_hex(),
        hash(&core.hasher, token).to_hex(),
    );
    let mut attrs = session.attrs.clone();
    if let Some(Value::Array(hashes)) = attrs.get_mut(SUBSCRIBER_HASHES) {
        for h in hashes.iter_mut() {
            if h.as_str() == Some(old.as_str()) {
                *h = Value::String(active.clone());
            }
        }
    }
    let patch = SessionPatch {
        attrs: Some(attrs),
        ..SessionPatch::default()
    };
    // An unguarded patch of the attributes: a concurrent re-key of another subscriber token may
    // undo this one (that token is then re-keyed when next presented; none is lost).
    Ok(core
        .store
        .update(&session.reference(), patch)
        .await?
        .or(Some(session)))
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

    #[tokio::test]
    async fn tokens_of_a_previous_key_verify_and_are_re_keyed() {
        let old = core();
        let client = "c";
        let id = new_id().unwrap();
        let wire_id = crate::ids::wire("u1", &id);
        let publisher = issue(client, &wire_id).unwrap();
        let sub = issue(client, &wire_id).unwrap();
        let mut s = Session::new(
            reference(&publisher).unwrap(),
            Flavor::SessionStorage,
            client,
            old.clock.now(),
            Duration::seconds(60),
        );
        s.token_hash = Some(hash(&old.hasher, &publisher));
        s.attrs.insert(
            SUBSCRIBER_HASHES.into(),
            serde_json::json!([hash(&old.hasher, &sub).to_hex()]),
        );
        old.store.create(s, None).await.unwrap();
        // Only the new key: refused.
        let only_new = CoreDeps {
            hasher: TokenHasher::new("k2"),
            ..old.clone()
        };
        assert!(verify(&only_new, &publisher).await.unwrap().is_none());
        // The ring: accepted, and re-keyed, so that the new key alone accepts them afterwards.
        let ring = CoreDeps {
            hasher: TokenHasher::ring("k2", &["k"]),
            ..old.clone()
        };
        assert_eq!(
            verify(&ring, &publisher).await.unwrap().unwrap().1,
            Role::Publisher
        );
        assert_eq!(
            verify(&ring, &sub).await.unwrap().unwrap().1,
            Role::Subscriber
        );
        assert_eq!(
            verify(&only_new, &publisher).await.unwrap().unwrap().1,
            Role::Publisher
        );
        assert_eq!(
            verify(&only_new, &sub).await.unwrap().unwrap().1,
            Role::Subscriber
        );
        assert!(verify(&old, &publisher).await.unwrap().is_none());
    }
}
