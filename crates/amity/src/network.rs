//! Networks: the tenants of this flavor, from configuration first and then from the store's
//! run-time collection ([`session_core::tenants::AMITY_NETWORKS`], keyed by the keyed hash of
//! the API key, each document the JSON of a `[[amity.networks]]` entry).

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::web::Bytes;
use flavor_kit::signing_keys::KeyRing;
use flavor_kit::tenant_ids;
use flavor_kit::tenants::{self, Document, Known, TenantKind};
use hmac::{Hmac, Mac};
use session_core::tenants::AMITY_NETWORKS;
use session_core::token::ct_eq_str;
use session_core::{CoreDeps, Flavor, TokenHasher};
use sha2::{Digest, Sha256};

use crate::jws;
use crate::session_check;
use crate::settings::{NetworkSettings, Settings};
use crate::tokens::{is_locator, Claims};

/// Label of the derived HS256 key of a network.
const JWT_KEY_LABEL: &str = "amity.jwt.v1";
/// Label of the default network id digest.
const NETWORK_ID_LABEL: &str = "amity.network-id.v1:";
/// Label of the server-key index.
const SERVER_KEY_LABEL: &str = "amity.server-key.v1";

/// One key of a network's own: its key id (the keyed hash of the API key under one token key
/// of the ring, the store document id) and the HS256 key of the tokens that carry it.
pub struct NetworkKey {
    /// The key id (`kid`) of its tokens.
    pub kid: String,
    hmac: Hmac<Sha256>,
    /// The encoded header of its tokens ([`jws::hs256_header`]).
    header: String,
}

impl NetworkKey {
    /// The keyed HMAC state that verifies its tokens.
    pub fn hmac(&self) -> &Hmac<Sha256> {
        &self.hmac
    }
}

/// A network ready to serve: its settings, id, own keys and the flavor's signing keys.
pub struct Network {
    /// The entry it was built from.
    pub settings: NetworkSettings,
    /// `networkId` in tokens and user paths.
    pub id: String,
    /// One key per token key of the ring, the active key's first.
    keys: Vec<NetworkKey>,
    /// `[[amity.signing_keys]]`.
    signing: Arc<KeyRing>,
    /// The token check's answer body, rendered once: [`session_check`].
    check_answer: Bytes,
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
    /// Builds a network from its settings: a key for every token key of `hasher`'s ring (its
    /// HS256 secret is `jwt_secret`, or one derived from that token key and the API key), and
    /// the flavor's `signing` keys.
    pub fn new(settings: NetworkSettings, hasher: &TokenHasher, signing: Arc<KeyRing>) -> Self {
        let id = settings
            .network_id
            .clone()
            .unwrap_or_else(|| default_network_id(&settings.api_key));
        let keys = hasher
            .keys()
            .filter_map(|key| {
                let secret = match &settings.jwt_secret {
                    Some(s) => s.as_bytes().to_vec(),
                    None => {
                        hex::encode(key.derive(&[JWT_KEY_LABEL, &settings.api_key])).into_bytes()
                    }
                };
                // HMAC takes keys of any length, and a header of a string key id always
                // serialises: this never leaves a key out.
                let hmac = Hmac::<Sha256>::new_from_slice(&secret).ok()?;
                let kid = doc_id(key, &settings.api_key);
                let header = jws::hs256_header(&kid).ok()?;
                Some(NetworkKey { kid, hmac, header })
            })
            .collect();
        let check_answer = session_check::render(&settings.last_cache_purge);
        Self {
            settings,
            id,
            keys,
            signing,
            check_answer,
        }
    }

    /// The body of the token check's answer (`GET /api/v3/sessions`).
    pub fn check_answer(&self) -> Bytes {
        self.check_answer.clone()
    }

    /// The key id of the active token key (the store document id of a run-time network).
    pub fn kid(&self) -> &str {
        self.keys.first().map_or("", |k| k.kid.as_str())
    }

    /// The network's own key that `kid` names.
    pub fn key(&self, kid: &str) -> Option<&NetworkKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// The flavor's signing keys, when they sign this network's tokens (it has no
    /// `jwt_secret` of its own).
    pub fn flavor_keys(&self) -> Option<&KeyRing> {
        (self.settings.jwt_secret.is_none() && self.signing.active().is_some())
            .then_some(self.signing.as_ref())
    }

    /// Signs an access token: with the flavor's active signing key (the claims then name the
    /// network's key id in `nk`), else with the network's own key under the active token key.
    pub fn sign(&self, claims: &mut Claims) -> session_core::Result<String> {
        let fail =
            |e: String| session_core::Error::Internal(format!("cannot sign an access token: {e}"));
        if let Some(key) = self.flavor_keys().and_then(KeyRing::active) {
            claims.nk = Some(self.kid().to_owned());
            return key.sign(claims).map_err(fail);
        }
        claims.nk = None;
        let own = self
            .keys
            .first()
            .ok_or_else(|| fail("the network has no key".into()))?;
        jws::sign_hs256(&own.header, claims, &own.hmac).map_err(|e| fail(e.to_string()))
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
    signing: Arc<KeyRing>,
}

impl Networks {
    /// The configured networks, with the flavor's signing keys.
    pub fn from_settings(settings: &Settings, hasher: &TokenHasher, signing: Arc<KeyRing>) -> Self {
        let mut by_kid = HashMap::new();
        let mut by_server_key = HashMap::new();
        for n in &settings.networks {
            let net = Arc::new(Network::new(n.clone(), hasher, signing.clone()));
            if let Some(k) = &n.server_key {
                by_server_key.insert(server_key_index(hasher, k), net.clone());
            }
            // Under the key id of every token key of the ring: tokens issued under a previous
            // key name the network by that key's id.
            for key in &net.keys {
                by_kid.insert(key.kid.clone(), net.clone());
            }
        }
        Self {
            by_kid: Arc::new(by_kid),
            by_server_key: Arc::new(by_server_key),
            signing,
        }
    }

    /// Whether `network` is one of the configured networks (not a run-time document): its keys
    /// stay as they are while the process runs.
    pub fn is_configured(&self, network: &Arc<Network>) -> bool {
        network.keys.iter().any(|k| {
            self.by_kid
                .get(&k.kid)
                .is_some_and(|n| Arc::ptr_eq(n, network))
        })
    }

    /// The flavor's signing keys.
    pub fn signing_keys(&self) -> &KeyRing {
        &self.signing
    }

    /// The network whose client API key is `api_key`: a configured one, else a run-time
    /// document under the active token key's id (then each previous key's, after a miss).
    pub async fn by_api_key(
        &self,
        core: &CoreDeps,
        api_key: &str,
    ) -> session_core::Result<Option<Arc<Network>>> {
        if let Some(n) = self.by_kid.get(&doc_id(&core.hasher, api_key)) {
            return Ok(Some(n.clone()).filter(|n| ct_eq_str(&n.settings.api_key, api_key)));
        }
        let found = tenant_ids::find_hashed(
            Flavor::Amity,
            &core.store,
            &TENANT_KIND,
            &core.hasher,
            api_key,
            read_network,
        )
        .await?
        .map(|(s, _)| Arc::new(Network::new(s, &core.hasher, self.signing.clone())));
        Ok(found.filter(|n| ct_eq_str(&n.settings.api_key, api_key)))
    }

    /// The network one of whose key ids is `kid` (the document filed under that id).
    pub async fn by_kid(
        &self,
        core: &CoreDeps,
        kid: &str,
    ) -> session_core::Result<Option<Arc<Network>>> {
        if let Some(n) = self.by_kid.get(kid) {
            return Ok(Some(n.clone()));
        }
        if !is_locator(kid) {
            return Ok(None);
        }
        let found = tenants::document(Flavor::Amity, &core.store, &TENANT_KIND, kid, read_network)
            .await?
            .map(|s| Arc::new(Network::new(s, &core.hasher, self.signing.clone())));
        Ok(found.filter(|n| n.key(kid).is_some()))
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
            .map(|s| Arc::new(Network::new(s, &core.hasher, self.signing.clone())))
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

    fn network(api_key: &str, hasher: &TokenHasher) -> Network {
        Network::new(
            NetworkSettings {
                api_key: api_key.into(),
                ..Default::default()
            },
            hasher,
            Arc::default(),
        )
    }

    #[test]
    fn ids_and_keys_are_stable_and_distinct() {
        let h = TokenHasher::new("secret");
        let (a, a2, b) = (network("a", &h), network("a", &h), network("b", &h));
        assert_eq!(a.id, a2.id);
        assert_eq!(a.id.len(), 24);
        assert_ne!(a.id, b.id);
        assert_eq!(a.kid(), a2.kid());
        assert_ne!(a.kid(), b.kid());
        assert!(is_locator(a.kid()));
        // The network id does not depend on the token secret; the key id does.
        let other = network("a", &TokenHasher::new("other"));
        assert_eq!(a.id, other.id);
        assert_ne!(a.kid(), other.kid());
    }

    #[test]
    fn a_ring_gives_a_network_a_key_per_token_key() {
        let ring = TokenHasher::ring("new", &["old"]);
        let n = network("a", &ring);
        let (new, old) = (
            network("a", &TokenHasher::new("new")),
            network("a", &TokenHasher::new("old")),
        );
        assert_eq!(n.kid(), new.kid());
        assert!(n.key(old.kid()).is_some());
        assert!(n.key("0".repeat(32).as_str()).is_none());
        assert!(new.key(old.kid()).is_none());
    }
}
