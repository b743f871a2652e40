//! `X-API-KEY`: the tenant a session is created for. Keys come from `[[quicksync.api_keys]]`
//! (compared in constant time) and, failing that, from the store collection
//! [`session_core::tenants::QUICKSYNC_API_KEYS`] (documents keyed by the key's keyed hash, each
//! the JSON of a configuration entry), so run-time tenants work without a restart.

use flavor_kit::tenant_ids;
use flavor_kit::tenants::{Document, Known, TenantKind};
use serde::Deserialize;
use session_core::tenants::QUICKSYNC_API_KEYS;
use session_core::token::ct_eq_str;
use session_core::{CoreDeps, Flavor, TokenHasher};

use crate::errors::SessionError;
use crate::settings::{check_key, check_key_name, ApiKey, MAX_KEY_LEN};

/// Run-time API keys: documents of [`QUICKSYNC_API_KEYS`] keyed by the keyed hash of the key.
pub const TENANT_KIND: TenantKind = TenantKind {
    name: "quicksync-api-keys",
    collection: QUICKSYNC_API_KEYS,
    id_fields: &["key"],
    id_hashed: true,
    example: r#"{"key": "qs-key-2", "name": "second-app"}"#,
    check: |doc| check_stored(doc.clone()),
    known: |doc, hasher| {
        let k = read_stored(doc.clone()).ok()?;
        match (k.name, k.key) {
            (Some(name), _) => Some(Known::by_id(name)),
            (None, Some(key)) => Some(Known::by_id(derived_id(hasher, &key))),
            (None, None) => None,
        }
    },
};

/// The tenant id of a key without a `name`: `key-` and a prefix of the key's keyed hash.
pub fn derived_id(hasher: &TokenHasher, key: &str) -> String {
    derived_from(&hasher.hash(key).to_hex())
}

fn derived_from(hashed_hex: &str) -> String {
    format!("key-{}", &hashed_hex[..16])
}

/// A resolved tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The tenant id stored on its sessions: the key's `name`, or `key-` and a keyed-hash prefix.
    pub id: String,
}

/// A run-time key document: the configuration entry's JSON (unknown members are ignored, so
/// the admin API may add its own).
#[derive(Debug, Deserialize)]
struct StoredKey {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    disabled: bool,
}

/// A run-time key document as the flavor reads it.
fn read_stored(doc: Document) -> Result<StoredKey, String> {
    serde_json::from_value(serde_json::Value::Object(doc))
        .map_err(|e| format!("not an API key document ({:?} error)", e.classify()))
}

/// A run-time key document that can be used: its key and name within the configured keys'
/// bounds (a key longer than [`MAX_KEY_LEN`] is never looked up).
fn check_stored(doc: Document) -> Result<(), String> {
    let k = read_stored(doc)?;
    if let Err(reason) = k.key.as_deref().map_or(Ok(()), check_key) {
        return Err(format!("key: {reason}"));
    }
    if let Err(reason) = k.name.as_deref().map_or(Ok(()), check_key_name) {
        return Err(format!("name: {reason}"));
    }
    Ok(())
}

/// Resolves `X-API-KEY` values.
#[derive(Debug, Clone)]
pub struct ApiKeys {
    configured: Vec<ApiKey>,
}

impl ApiKeys {
    /// The configured keys.
    pub fn new(configured: Vec<ApiKey>) -> Self {
        Self { configured }
    }

    /// The tenant of `key`.
    pub async fn resolve(
        &self,
        core: &CoreDeps,
        key: Option<&str>,
    ) -> Result<Tenant, SessionError> {
        let key = key.ok_or(SessionError::MissingApiKey)?;
        if key.is_empty() {
            return Err(SessionError::MissingApiKey);
        }
        if key.len() > MAX_KEY_LEN {
            return Err(SessionError::BadApiKey);
        }
        // Look at every configured key, so timing does not tell which one matched.
        let mut found: Option<&ApiKey> = None;
        for k in &self.configured {
            if ct_eq_str(&k.key, key) && found.is_none() {
                found = Some(k);
            }
        }
        let hashed = core.hasher.hash(key);
        let derived_id = || derived_from(&hashed.to_hex());
        if let Some(k) = found {
            return Ok(Tenant {
                id: k.name.clone().unwrap_or_else(derived_id),
            });
        }
        let (stored, _) = tenant_ids::find_hashed(
            Flavor::Quicksync,
            &core.store,
            &TENANT_KIND,
            &core.hasher,
            key,
            read_stored,
        )
        .await
        .map_err(SessionError::store)?
        .ok_or(SessionError::BadApiKey)?;
        if stored.disabled || stored.key.as_deref().is_some_and(|k| !ct_eq_str(k, key)) {
            return Err(SessionError::BadApiKey);
        }
        Ok(Tenant {
            id: stored.name.unwrap_or_else(derived_id),
        })
    }
}
