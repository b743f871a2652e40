//! Networks: the tenants of this flavor, from configuration first and then from the store's
//! run-time collection ([`session_core::tenants::AMITY_NETWORKS`], keyed by the keyed hash of
//! the API key, each document the JSON of a `[[amity.networks]]` entry).

use std::collections::HashMap;
use std::sync::Arc;

use flavor_kit::tenants::{self, Document, Known, TenantKind};
use jsonwebtoken::{DecodingKey, EncodingKey};
use session_core::tenants::AMITY_NETWORKS;
use session_core::token::ct_eq_str;
use session_core::{CoreDeps, Flavor, TokenHasher};
use sha2::{Digest, Sha256};

use crate::settings::{NetworkSettings, Settings};

/// Label of the derived HS256 key of a network.
const JWT_KEY_LABEL: &str = "amity.jwt.v1";
/// Label of the default network id digest.
const NETWORK_ID_LABEL: &str = "amity.network-id.v1:";
/// Label of the server-key index.
const SERVER_KEY_LABEL: &str = "amity.server-key.v1";

/// A network ready to serve: its settings, id, key id and token keys.
pub struct Network {
    /// The entry it was built from.
    pub settings: NetworkSettings,
    /// `networkId` in tokens and user paths.
    pub id: String,
    /// The `kid` of its access tokens: the keyed hash of the API key (the store document id).
    pub kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("id", &self.id)
            .field("secure_mode", &self.settings.secure_mode)
            .finish_non_exhaustive()
    }
}

impl Network {
    /// Builds a network from its settings; keys derive from `hasher` unless `jwt_secret` is set.
    pub fn new(settings: NetworkSettings, hasher: &TokenHasher) -> Self {
        let kid = doc_id(hasher, &settings.api_key);
        let id = settings
            .network_id
            .clone()
            .unwrap_or_else(|| default_network_id(&settings.api_key));
        let secret = match &settings.jwt_secret {
            Some(s) => s.as_bytes().to_vec(),
            None => hex::encode(hasher.derive(&[JWT_KEY_LABEL, &settings.api_key])).into_bytes(),
        };
        Self {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            settings,
            id,
            kid,
        }
    }

    /// The key that signs its access tokens.
    pub fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }

    /// The key that verifies its access tokens.
    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The store collection of its users.
    pub fn users_collection(&self) -> String {
        format!("amity.users.{}", self.id)
    }

    /// Whether `server_key` is this network's server key.
    pub fn server_key_matches(&self, server_key: &str) -> bool {
        self.settings
            .server_key
            .as_deref()
            .is_some_and(|k| ct_eq_str(k, server_key))
    }
}

/// The store document id of the network with `api_key`: its keyed hash.
pub fn doc_id(hasher: &TokenHasher, api_key: &str) -> String {
    hasher.hash(api_key).to_hex()
}

/// The default network id: 24 hex characters of a digest of the API key (stable across
/// replicas and `token_secret` changes).
pub fn default_network_id(api_key: &str) -> String {
    let digest = Sha256::new()
        .chain_update(NETWORK_ID_LABEL)
        .chain_update(api_key)
        .finalize();
    hex::encode(&digest[..12])
}

/// Run-time networks: documents of [`AMITY_NETWORKS`] keyed by the keyed hash of their
/// `api_key`, each the JSON of a `[[amity.networks]]` entry.
pub const TENANT_KIND: TenantKind = TenantKind {
    name: "amity-networks",
    collection: AMITY_NETWORKS,
    id_fields: &["api_key"],
    id_hashed: true,
    example: r#"{"api_key": "amity-key-2", "name": "second network", "server_key": "amity-server-key-2", "secure_mode": false}"#,
    check: |doc| read_network(doc.clone()).map(drop),
    known: |doc, _| read_network(doc.clone()).ok().map(|s| known(&s)),
};

/// The network id a network's sessions carry, and the names operators know it by: that id and
/// its configured `name`.
pub fn known(settings: &NetworkSettings) -> Known {
    let id = settings
        .network_id
        .clone()
        .unwrap_or_else(|| default_network_id(&settings.api_key));
    let mut k = Known::by_id(id);
    k.names.extend(settings.name.clone());
    k
}

/// A run-time network document as the flavor reads it: a valid network entry.
fn read_network(doc: Document) -> Result<NetworkSettings, String> {
    let settings: NetworkSettings = serde_json::from_value(serde_json::Value::Object(doc))
        .map_err(|e| format!("not a network entry ({:?} error)", e.classify()))?;
    settings
        .validate()
        .map_err(|(key, reason)| format!("{key}: {reason}"))?;
    Ok(settings)
}

/// Finds networks by API key, token key id or server key.
#[derive(Clone)]
pub struct Networks {
    by_kid: Arc<HashMap<String, Arc<Network>>>,
    by_server_key: Arc<HashMap<String, Arc<Network>>>,
}

impl Networks {
    /// The configured networks.
    pub fn from_settings(settings: &Settings, hasher: &TokenHasher) -> Self {
        let mut by_kid = HashMap::new();
        let mut by_server_key = HashMap::new();
        for n in &settings.networks {
            let net = Arc::new(Network::new(n.clone(), hasher));
            if let Some(k) = &n.server_key {
                by_server_key.insert(server_key_index(hasher, k), net.clone());
            }
            by_kid.insert(net.kid.clone(), net);
        }
        Self {
            by_kid: Arc::new(by_kid),
            by_server_key: Arc::new(by_server_key),
        }
    }

    /// The network whose client API key is `api_key`.
    pub async fn by_api_key(
        &self,
        core: &CoreDeps,
        api_key: &str,
    ) -> session_core::Result<Option<Arc<Network>>> {
        let kid = doc_id(&core.hasher, api_key);
        let found = self.by_kid(core, &kid).await?;
        Ok(found.filter(|n| ct_eq_str(&n.settings.api_key, api_key)))
    }

    /// The network whose tokens carry `kid`.
    pub async fn by_kid(
        &self,
        core: &CoreDeps,
        kid: &str,
    ) -> session_core::Result<Option<Arc<Network>>> {
        if let Some(n) = self.by_kid.get(kid) {
            return Ok(Some(n.clone()));
        }
        let found = tenants::document(Flavor::Amity, &core.store, &TENANT_KIND, kid, read_network)
            .await?
            .map(|s| Arc::new(Network::new(s, &core.hasher)));
        Ok(found.filter(|n| n.kid == kid))
    }

    /// The network whose server key is `server_key`; `api_key`, when sent, names it directly.
    /// Run-time networks are otherwise searched one by one.
    pub async fn by_server_key(
        &self,
        core: &CoreDeps,
        server_key: &str,
        api_key: Option<&str>,
    ) -> session_core::Result<Option<Arc<Network>>> {
        if let Some(api_key) = api_key {
            let found = self.by_api_key(core, api_key).await?;
            return Ok(found.filter(|n| n.server_key_matches(server_key)));
        }
        let index = server_key_index(&core.hasher, server_key);
        if let Some(n) = self.by_server_key.get(&index) {
            return Ok(Some(n.clone()).filter(|n| n.server_key_matches(server_key)));
        }
        let docs = core.store.doc_list(AMITY_NETWORKS).await?;
        Ok(docs
            .iter()
            .filter_map(|(_, doc)| tenants::parse(Flavor::Amity, &TENANT_KIND, doc, read_network))
            .map(|s| Arc::new(Network::new(s, &core.hasher)))
            .find(|n| n.server_key_matches(server_key)))
    }
}

fn server_key_index(hasher: &TokenHasher, server_key: &str) -> String {
    hasher.hash_parts(&[SERVER_KEY_LABEL, server_key]).to_hex()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ids_and_keys_are_stable_and_distinct() {
        let h = TokenHasher::new("secret");
        let a = Network::new(
            NetworkSettings {
                api_key: "a".into(),
                ..Default::default()
            },
            &h,
        );
        let a2 = Network::new(
            NetworkSettings {
                api_key: "a".into(),
                ..Default::default()
            },
            &h,
        );
        let b = Network::new(
            NetworkSettings {
                api_key: "b".into(),
                ..Default::default()
            },
            &h,
        );
        assert_eq!(a.id, a2.id);
        assert_eq!(a.id.len(), 24);
        assert_ne!(a.id, b.id);
        assert_eq!(a.kid, a2.kid);
        assert_ne!(a.kid, b.kid);
        // The network id does not depend on the token secret; the key id does.
        let other = Network::new(
            NetworkSettings {
                api_key: "a".into(),
                ..Default::default()
            },
            &TokenHasher::new("other"),
        );
        assert_eq!(a.id, other.id);
        assert_ne!(a.kid, other.kid);
    }
}
