//! Tenant documents sealed at rest: AES-256-GCM under `store.secrets_key`, with the previous
//! keys (`store.previous_secrets_keys`) kept to open what they sealed until `rotate-secrets`
//! has sealed it again under the active key.
//!
//! A sealed document is one line of text: `sealed1.<key id>.<base64url(nonce ‖ ciphertext)>`,
//! where the key id is 8 hex digits of a digest of the key (it names the key, it reveals
//! nothing of it), the nonce 12 random bytes, and the ciphertext carries its 16-byte tag. The
//! collection and the document id are authenticated with it (associated data), so a sealed
//! document copied under another id or collection does not open. A document that is not
//! sealed (written before a key was configured) opens as it is.

use std::borrow::Cow;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::tenants;

/// Bytes of a secrets key.
pub const KEY_LEN: usize = 32;
/// What every sealed document starts with (the format's version).
pub const SEALED_PREFIX: &str = "sealed1.";
/// Bytes of a nonce.
const NONCE_LEN: usize = 12;
/// Domain separation of the key id digest.
const KEY_ID_LABEL: &[u8] = b"session-gateway/secrets-key-id/v1\0";
/// Domain separation of the associated data.
const AAD_LABEL: &str = "session-gateway/tenant-document/v1";

/// Why a document cannot be opened (never quoting it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// It names a key that is neither the active nor a previous one.
    #[error("sealed under key {0}, which is not configured")]
    UnknownKey(String),
    /// It is sealed but no key is configured at all.
    #[error("sealed, and no store.secrets_key is configured")]
    NoKey,
    /// It does not have the sealed form, or its tag does not verify (altered, or moved to
    /// another id).
    #[error("a sealed document that does not open (altered or moved)")]
    Corrupt,
}

/// How an opened document was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
    /// Sealed under the active key.
    Active,
    /// Sealed under a previous key.
    Previous,
    /// Not sealed.
    Plain,
}

/// One key and its id.
#[derive(Clone)]
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn new(bytes: &[u8; KEY_LEN]) -> Self {
        Self {
            id: key_id(bytes),
            cipher: Aes256Gcm::new(bytes.into()),
        }
    }
}

/// The id of a key: 8 hex digits of SHA-256 over a label and the key.
pub fn key_id(key: &[u8; KEY_LEN]) -> String {
    let digest = Sha256::new()
        .chain_update(KEY_ID_LABEL)
        .chain_update(key)
        .finalize();
    hex::encode(&digest[..4])
}

/// Reads a key written as base64 (standard or URL-safe, padded or not): exactly 32 bytes.
pub fn parse_key(text: &str) -> Result<[u8; KEY_LEN], String> {
    let text = text.trim();
    let bytes = STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
        .map_err(|_| "is not base64".to_owned())?;
    <[u8; KEY_LEN]>::try_from(bytes.as_slice())
        .map_err(|_| format!("must be {KEY_LEN} bytes, not {}", bytes.len()))
}

/// Seals and opens tenant documents with a key ring.
#[derive(Clone)]
pub struct Sealer {
    active: Option<Key>,
    previous: Vec<Key>,
    /// Stores leave documents as stored (see [`Sealer::passthrough`]).
    passthrough: bool,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("active", &self.active.as_ref().map(|k| &k.id))
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Sealer {
    /// A ring: `active` seals (none: documents are written plain), every key opens.
    pub fn new(active: Option<[u8; KEY_LEN]>, previous: &[[u8; KEY_LEN]]) -> Self {
        Self {
            active: active.as_ref().map(Key::new),
            previous: previous.iter().map(Key::new).collect(),
            passthrough: false,
        }
    }

    /// A sealer with which a store writes and hands back documents exactly as stored, for the
    /// tools that handle sealing themselves (`rotate-secrets`, start-up checks).
    pub fn passthrough() -> Self {
        Self {
            passthrough: true,
            ..Self::default()
        }
    }

    /// Whether documents are sealed when written.
    pub fn seals(&self) -> bool {
        self.active.is_some()
    }

    /// The active key's id.
    pub fn active_id(&self) -> Option<&str> {
        self.active.as_ref().map(|k| k.id.as_str())
    }

    /// `plain`, sealed under the active key for document `id` of `collection`; unchanged when no
    /// key is configured.
    pub fn seal(&self, collection: &str, id: &str, plain: &str) -> crate::Result<String> {
        let Some(key) = &self.active else {
            return Ok(plain.to_owned());
        };
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = aad(collection, id);
        let sealed = key
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| crate::Error::Internal("cannot seal a document".into()))?;
        let mut raw = Vec::with_capacity(NONCE_LEN + sealed.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&sealed);
        Ok(format!(
            "{SEALED_PREFIX}{}.{}",
            key.id,
            URL_SAFE_NO_PAD.encode(raw)
        ))
    }

    /// Opens document `id` of `collection` as stored, and says how it was stored.
    pub fn open(
        &self,
        collection: &str,
        id: &str,
        stored: &str,
    ) -> Result<(String, Sealing), SealError> {
        let Some(rest) = stored.strip_prefix(SEALED_PREFIX) else {
            return Ok((stored.to_owned(), Sealing::Plain));
        };
        let (kid, body) = rest.split_once('.').ok_or(SealError::Corrupt)?;
        let (key, sealing) = match &self.active {
            Some(k) if k.id == kid => (k, Sealing::Active),
            _ => match self.previous.iter().find(|k| k.id == kid) {
                Some(k) => (k, Sealing::Previous),
                None if self.active.is_none() && self.previous.is_empty() => {
                    return Err(SealError::NoKey)
                }
                None => return Err(SealError::UnknownKey(kid.chars().take(8).collect())),
            },
        };
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Corrupt)?;
        if raw.len() < NONCE_LEN {
            return Err(SealError::Corrupt);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let aad = aad(collection, id);
        let plain = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SealError::Corrupt)?;
        let text = String::from_utf8(plain).map_err(|_| SealError::Corrupt)?;
        Ok((text, sealing))
    }
}

impl Default for Sealer {
    /// No key: documents are written plain and sealed ones do not open.
    fn default() -> Self {
        Self::new(None, &[])
    }
}

impl Sealer {
    /// What a store writes for document `id` of `collection`: sealed under the active key when
    /// the collection holds tenants ([`crate::tenants::ALL`]) and a key is configured.
    pub fn to_store<'v>(
        &self,
        collection: &str,
        id: &str,
        value: &'v str,
    ) -> crate::Result<Cow<'v, str>> {
        if self.passthrough || self.active.is_none() || !tenants::ALL.contains(&collection) {
            return Ok(Cow::Borrowed(value));
        }
        self.seal(collection, id, value).map(Cow::Owned)
    }

    /// What a store hands back for document `id` of `collection` as stored: opened; `None`
    /// (logged, never quoted) when it cannot be opened.
    pub fn from_store(&self, collection: &str, id: &str, stored: String) -> Option<String> {
        if self.passthrough || !stored.starts_with(SEALED_PREFIX) {
            return Some(stored);
        }
        match self.open(collection, id, &stored) {
            Ok((text, _)) => Some(text),
            Err(e) => {
                tracing::warn!(collection, reason = %e, "ignoring a tenant document that does not open");
                None
            }
        }
    }
}

/// The key id a stored document was sealed under, if it is sealed.
pub fn sealed_with(stored: &str) -> Option<&str> {
    stored
        .strip_prefix(SEALED_PREFIX)
        .and_then(|rest| rest.split_once('.'))
        .map(|(kid, _)| kid)
}

fn aad(collection: &str, id: &str) -> String {
    format!("{AAD_LABEL}\n{collection}\n{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [u8; KEY_LEN] = [7; KEY_LEN];
    const B: [u8; KEY_LEN] = [9; KEY_LEN];

    #[test]
    fn documents_round_trip_and_carry_the_key_id_only() {
        let s = Sealer::new(Some(A), &[]);
        let plain = r#"{"auth_secret":"s3cr3tS3cr3t"}"#;
        let sealed = s.seal("c", "1", plain).unwrap();
        assert!(sealed.starts_with(SEALED_PREFIX));
        assert!(!sealed.contains("s3cr3t"));
        assert_eq!(sealed_with(&sealed), Some(key_id(&A).as_str()));
        assert_eq!(s.active_id(), Some(key_id(&A).as_str()));
        assert_eq!(
            s.open("c", "1", &sealed).unwrap(),
            (plain.to_owned(), Sealing::Active)
        );
        // Fresh nonces: the same document never seals to the same text.
        assert_ne!(s.seal("c", "1", plain).unwrap(), sealed);
        // Plain documents open as they are.
        assert_eq!(
            s.open("c", "1", plain).unwrap(),
            (plain.to_owned(), Sealing::Plain)
        );
    }

    #[test]
    fn moved_altered_or_foreign_documents_do_not_open() {
        let s = Sealer::new(Some(A), &[]);
        let sealed = s.seal("c", "1", "{}").unwrap();
        assert_eq!(s.open("c", "2", &sealed), Err(SealError::Corrupt));
        assert_eq!(s.open("d", "1", &sealed), Err(SealError::Corrupt));
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(s.open("c", "1", &altered), Err(SealError::Corrupt));
        assert_eq!(s.open("c", "1", "sealed1.x"), Err(SealError::Corrupt));
        let other = Sealer::new(Some(B), &[]);
        assert!(matches!(
            other.open("c", "1", &sealed),
            Err(SealError::UnknownKey(_))
        ));
        assert_eq!(
            Sealer::new(None, &[]).open("c", "1", &sealed),
            Err(SealError::NoKey)
        );
    }

    #[test]
    fn a_rotated_ring_opens_the_old_key_and_seals_with_the_new() {
        let old = Sealer::new(Some(A), &[]);
        let sealed = old.seal("c", "1", "{}").unwrap();
        let ring = Sealer::new(Some(B), &[A]);
        assert_eq!(
            ring.open("c", "1", &sealed).unwrap(),
            ("{}".to_owned(), Sealing::Previous)
        );
        let again = ring.seal("c", "1", "{}").unwrap();
        assert_eq!(sealed_with(&again), Some(key_id(&B).as_str()));
        // No active key: nothing is sealed, but previous keys still open.
        let open_only = Sealer::new(None, &[A]);
        assert!(!open_only.seals());
        assert_eq!(open_only.seal("c", "1", "{}").unwrap(), "{}");
        assert!(open_only.open("c", "1", &sealed).is_ok());
        assert!(!format!("{ring:?}").contains("7, 7"));
    }

    #[test]
    fn stores_seal_tenant_collections_only() {
        let s = Sealer::new(Some(A), &[]);
        let doc = r#"{"client_secret":"x"}"#;
        let stored = s
            .to_store(tenants::SESSION_STORAGE_CLIENTS, "a", doc)
            .unwrap();
        assert!(stored.starts_with(SEALED_PREFIX));
        assert_eq!(
            s.from_store(tenants::SESSION_STORAGE_CLIENTS, "a", stored.into_owned()),
            Some(doc.to_owned())
        );
        assert_eq!(s.to_store("other", "a", doc).unwrap(), doc);
        assert_eq!(
            Sealer::default()
                .to_store(tenants::AMITY_NETWORKS, "a", doc)
                .unwrap(),
            doc
        );
        let sealed = s.seal(tenants::AMITY_NETWORKS, "a", doc).unwrap();
        assert_eq!(
            Sealer::default().from_store(tenants::AMITY_NETWORKS, "a", sealed.clone()),
            None
        );
        let raw = Sealer::passthrough();
        assert_eq!(
            raw.from_store(tenants::AMITY_NETWORKS, "a", sealed.clone()),
            Some(sealed)
        );
        assert_eq!(
            raw.to_store(tenants::AMITY_NETWORKS, "a", doc).unwrap(),
            doc
        );
    }

    #[test]
    fn keys_are_32_bytes_of_base64() {
        let b64 = STANDARD.encode(A);
        assert_eq!(parse_key(&b64).unwrap(), A);
        assert_eq!(parse_key(&URL_SAFE_NO_PAD.encode(A)).unwrap(), A);
        assert!(parse_key("not base64!").unwrap_err().contains("base64"));
        assert!(parse_key(&STANDARD.encode([1u8; 16]))
            .unwrap_err()
            .contains("32 bytes"));
    }
}
