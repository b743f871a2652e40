//! The ids of run-time tenant documents. A kind whose id is a secret (an Amity API key, a
//! QuickSync key) files its documents under the keyed hash of that secret, so its ids follow
//! the token key ring: the admin API files a document under the id of every key of the ring,
//! a lookup reads the active key's id first and each previous key's after a miss, and
//! `rotate-secrets` files every document under the active key's id and drops ids of keys the
//! ring no longer lists.

use session_core::{Flavor, SharedStore, TokenHasher};

use crate::tenants::{self, Document, TenantKind};

/// The id of `joined` (see [`TenantKind::joined`]) under one key: its keyed hash for a kind whose id is
/// hashed, `joined` itself otherwise.
pub fn id_under(kind: &TenantKind, key: &TokenHasher, joined: &str) -> String {
    if kind.id_hashed {
        key.hash(joined).to_hex()
    } else {
        joined.to_owned()
    }
}

/// The ids `doc` is filed under: one per key of `ring`, the active key's first (a single id
/// for a kind whose id is not hashed).
pub fn ids(kind: &TenantKind, doc: &Document, ring: &TokenHasher) -> Result<Vec<String>, String> {
    let joined = kind.joined(doc)?;
    if !kind.id_hashed {
        return Ok(vec![joined]);
    }
    Ok(ring.keys().map(|k| id_under(kind, k, &joined)).collect())
}

/// The document of `kind` filed under the keyed hash of `secret`, read with `read` (see
/// [`tenants::parse`]), and the index of the ring key it was found under (0: the active key).
/// The active key's id is read first; each previous key's only after a miss. A document found
/// under a previous key's id is filed under the active key's id as well (once: an insert that
/// leaves an existing document alone), so that the next lookup hits first and the ids the
/// active key names (an Amity token's `kid`) find it before `rotate-secrets` has run.
pub async fn find_hashed<T>(
    flavor: Flavor,
    store: &SharedStore,
    kind: &TenantKind,
    ring: &TokenHasher,
    secret: &str,
    read: impl Fn(Document) -> Result<T, String>,
) -> session_core::Result<Option<(T, usize)>> {
    for (index, key) in ring.keys().enumerate() {
        let id = key.hash(secret).to_hex();
        let Some(text) = store.doc_get(kind.collection, &id).await? else {
            continue;
        };
        let Some(found) = tenants::parse(flavor, kind, &text, &read) else {
            continue;
        };
        if index > 0 {
            let active = ring.hash(secret).to_hex();
            if let Err(e) = store.doc_insert(kind.collection, &active, &text).await {
                tracing::warn!(kind = kind.name, error = %e, "a tenant found under a previous token key was not filed under the active one");
            }
        }
        return Ok(Some((found, index)));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use serde_json::{json, Value};
    use session_core::{MemoryStore, SystemClock};

    use super::*;

    const HASHED: TenantKind = TenantKind {
        name: "keys",
        collection: "test.keys",
        id_fields: &["key"],
        id_hashed: true,
        example: "{}",
        check: |_| Ok(()),
        known: tenants::not_a_tenant,
    };
    const PLAIN: TenantKind = TenantKind {
        name: "apps",
        collection: "test.apps",
        id_fields: &["app", "login"],
        id_hashed: false,
        example: "{}",
        check: |_| Ok(()),
        known: tenants::not_a_tenant,
    };

    fn doc(v: Value) -> Document {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn ids_follow_the_ring_for_hashed_kinds_only() {
        let ring = TokenHasher::ring("new", &["old"]);
        let d = doc(json!({"key": "k1", "app": 7, "login": "al"}));
        let hashed = ids(&HASHED, &d, &ring).unwrap();
        assert_eq!(
            hashed,
            vec![
                TokenHasher::new("new").hash("k1").to_hex(),
                TokenHasher::new("old").hash("k1").to_hex()
            ]
        );
        assert_eq!(ids(&PLAIN, &d, &ring).unwrap(), vec!["7:al".to_owned()]);
        assert_eq!(
            ids(&PLAIN, &doc(json!({"app": 7})), &ring).unwrap_err(),
            "`login` is required"
        );
        assert!(HASHED.joined(&doc(json!({"key": ""}))).is_err());
        assert!(HASHED
            .joined(&doc(json!({"key": "x".repeat(257)})))
            .is_err());
    }

    #[tokio::test]
    async fn lookups_read_the_active_id_first_then_previous_ones() {
        let store: SharedStore = Arc::new(MemoryStore::new(Arc::new(SystemClock)));
        let old = TokenHasher::new("old");
        store
            .doc_put("test.keys", &old.hash("k1").to_hex(), r#"{"n": 1}"#)
            .await
            .unwrap();
        let read = |d: Document| d.get("n").and_then(Value::as_u64).ok_or("no n".to_owned());
        let ring = TokenHasher::ring("new", &["old"]);
        let found = find_hashed(Flavor::Amity, &store, &HASHED, &ring, "k1", read).await;
        assert_eq!(found.unwrap(), Some((1, 1)));
        // Found under the previous key: now filed under the active key's id too.
        let active_only = TokenHasher::new("new");
        let found = find_hashed(Flavor::Amity, &store, &HASHED, &active_only, "k1", read).await;
        assert_eq!(found.unwrap(), Some((1, 0)));
        // A document already under the active id is left alone, and read first.
        store
            .doc_put("test.keys", &active_only.hash("k1").to_hex(), r#"{"n": 2}"#)
            .await
            .unwrap();
        let found = find_hashed(Flavor::Amity, &store, &HASHED, &ring, "k1", read).await;
        assert_eq!(found.unwrap(), Some((2, 0)));
        let unknown = find_hashed(Flavor::Amity, &store, &HASHED, &ring, "k2", read).await;
        assert_eq!(unknown.unwrap(), None);
    }
}
