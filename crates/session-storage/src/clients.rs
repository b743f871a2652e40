//! Clients: those of the configuration, built once a worker, and those managed at run time in the
//! store's `session_storage.clients` collection.

use flavor_kit::tenants::{read_known, Document, Known, TenantKind};
use session_core::tenants::SESSION_STORAGE_CLIENTS;
use session_core::{Flavor, Owner, OwnerLimit, TokenHash, TokenHasher};

use crate::settings::{ClientSettings, Settings};

/// Run-time clients: documents of [`SESSION_STORAGE_CLIENTS`] keyed by `client_id`.
pub const TENANT_KIND: TenantKind = TenantKind {
    name: "session-storage-clients",
    collection: SESSION_STORAGE_CLIENTS,
    id_fields: &["client_id"],
    id_hashed: false,
    example: r#"{"client_id": "client-b", "client_secret": "secret-b-0123456789", "max_sessions_per_user": 10}"#,
    check: |doc| read_client(doc.clone()).map(drop),
    known: |doc, _| {
        read_client(doc.clone())
            .ok()
            .map(|c| Known::by_id(c.client_id))
    },
};

/// A run-time client document as the flavor reads it: a valid client entry (unknown keys are
/// ignored).
pub fn read_client(doc: Document) -> Result<ClientSettings, String> {
    let client: ClientSettings = read_known(doc, &ClientSettings::KEYS)
        .map_err(|e| format!("not a client document: {e}"))?;
    client.validate()?;
    Ok(client)
}

/// Domain separation for the keyed hash of client secrets.
const SECRET_PURPOSE: &str = "session-storage/client-secret";

/// An authenticated (or authenticatable) client, ready to use.
#[derive(Debug)]
pub struct Client {
    /// The `ClientID`.
    pub id: String,
    /// Keyed hash of the `ClientSecret`.
    secret_hash: TokenHash,
    /// The user part of its session ids.
    pub user: String,
    /// The store partition of its sessions.
    pub owner: Owner,
    /// Its per-user limit.
    pub limit: OwnerLimit,
}

impl Client {
    /// Builds a client from its settings (which must have passed validation).
    pub fn new(
        c: &ClientSettings,
        settings: &Settings,
        hasher: &TokenHasher,
    ) -> Result<Self, String> {
        c.validate()?;
        let user = c.user();
        let owner = Owner::new(Flavor::SessionStorage, &[&c.client_id, &user])
            .map_err(|e| e.to_string())?;
        Ok(Self {
            id: c.client_id.clone(),
            secret_hash: secret_hash(hasher, &c.client_secret),
            user,
            owner,
            limit: OwnerLimit {
                max: c.max_sessions_per_user,
                policy: settings.policy_for(c),
            },
        })
    }

    /// Whether `presented` is this client's secret (compared in constant time).
    pub fn secret_matches(&self, hasher: &TokenHasher, presented: &str) -> bool {
        self.secret_hash.ct_eq(&secret_hash(hasher, presented))
    }
}

fn secret_hash(hasher: &TokenHasher, secret: &str) -> TokenHash {
    hasher.hash_parts(&[SECRET_PURPOSE, secret])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn doc(v: serde_json::Value) -> Document {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn documents_tolerate_metadata_but_never_quote_a_value() {
        let c = read_client(doc(
            json!({"client_id": "a", "client_secret": "b", "created_by": "admin", "user_id": "u"}),
        ))
        .unwrap();
        assert_eq!(c.user(), "u");
        let e = read_client(doc(json!({"client_id": "a", "client_secret": 12345}))).unwrap_err();
        assert!(!e.contains("12345"), "{e}");
        let e = read_client(doc(json!({"client_id": "a", "client_secret": ""}))).unwrap_err();
        assert!(e.contains("client_secret"), "{e}");
    }
}
