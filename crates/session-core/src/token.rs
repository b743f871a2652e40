//! Bearer secrets: generation from the OS CSPRNG, keyed hashing for storage at rest, and
//! constant-time comparison.
//!
//! The stores keep a [`TokenHash`]: the first 16 bytes (128 bits) of HMAC-SHA256 over the token
//! under the server's `token_secret`. A truncated MAC of 128 bits is a verifier nobody can
//! forge without the key, and with the key one still needs a preimage of 128 bits; it halves
//! the bytes every record spends on its secrets.
//!
//! A [`TokenHasher`] is a key ring: the active key hashes and derives everything new, and the
//! previous keys (`store.previous_token_secrets`) are what a lookup that missed under the
//! active key tries next, so a key can be rotated without signing anyone out.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::Result;

/// The fewest random bytes any token carries (160 bits).
pub const MIN_TOKEN_BYTES: usize = 20;

/// Bytes of a [`TokenHash`].
pub const TAG_LEN: usize = 16;

/// Fills a fresh buffer of `N` bytes from a CSPRNG: the thread's ChaCha generator, seeded from
/// the operating system and reseeded by it periodically (no system call per token).
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    rand::rng().fill_bytes(&mut buf);
    Ok(buf)
}

/// A token of 20 random bytes as 40 lowercase hex characters (the QuickBlox form).
pub fn generate_hex_token() -> Result<String> {
    Ok(hex::encode(random_bytes::<MIN_TOKEN_BYTES>()?))
}

/// A token of 32 random bytes as unpadded URL-safe base64 (43 characters).
pub fn generate_b64_token() -> Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// `n` random bytes as lowercase hex (for ids, not secrets, when `n` is small).
pub fn random_hex(n: usize) -> Result<String> {
    let mut buf = vec![0u8; n];
    rand::rng().fill_bytes(&mut buf);
    Ok(hex::encode(buf))
}

/// The keyed hash of a bearer secret (16 bytes): what the stores keep instead of the secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenHash([u8; TAG_LEN]);

impl TokenHash {
    /// Wraps the 16 bytes of a hash read back from a store.
    pub fn from_bytes(bytes: [u8; TAG_LEN]) -> Self {
        Self(bytes)
    }

    /// Reads a hash from exactly 16 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// Parses the 32 lowercase hex characters of [`TokenHash::to_hex`].
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; TAG_LEN];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Self(out))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; TAG_LEN] {
        &self.0
    }

    /// The hash as 32 lowercase hex characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Compares two hashes in constant time.
    pub fn ct_eq(&self, other: &TokenHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Long enough to tell two apart in a log, too short to matter.
        write!(f, "TokenHash({}…)", hex::encode(&self.0[..4]))
    }
}

impl Serialize for TokenHash {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_hex(&s).ok_or_else(|| serde::de::Error::custom("not a 32-hex-digit token hash"))
    }
}

/// Hashes bearer secrets with HMAC-SHA256 under the server's `token_secret` (the active key),
/// and knows the previous keys a lookup tries after a miss.
#[derive(Clone)]
pub struct TokenHasher {
    mac: Hmac<Sha256>,
    /// The previous keys, newest first; each without previous keys of its own.
    previous: Arc<[TokenHasher]>,
}

impl TokenHasher {
    /// A hasher keyed with `secret` alone.
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Self::ring(secret, &[] as &[&[u8]])
    }

    /// A key ring: `active` hashes and derives everything new; `previous` (newest first) are
    /// tried, in order, by lookups that missed under the active key.
    pub fn ring<K: AsRef<[u8]>>(active: impl AsRef<[u8]>, previous: &[K]) -> Self {
        Self {
            mac: keyed(active.as_ref()),
            previous: previous
                .iter()
                .map(|k| Self {
                    mac: keyed(k.as_ref()),
                    previous: Arc::from([]),
                })
                .collect(),
        }
    }

    /// The previous keys, newest first (each a hasher of its own, without previous keys).
    pub fn previous(&self) -> &[TokenHasher] {
        &self.previous
    }

    /// Whether previous keys are listed (lookups that miss try them).
    pub fn has_previous(&self) -> bool {
        !self.previous.is_empty()
    }

    /// The active key (a hasher without previous keys).
    pub fn active(&self) -> TokenHasher {
        Self {
            mac: self.mac.clone(),
            previous: Arc::from([]),
        }
    }

    /// Every key of the ring, the active one first: index 0 is the active key, `i` the
    /// previous key `i - 1`.
    pub fn keys(&self) -> impl Iterator<Item = &TokenHasher> {
        std::iter::once(self).chain(self.previous.iter())
    }

    /// The index (as in [`TokenHasher::keys`]) of the key under which `token` hashes to
    /// `stored`: 0 for the active key, which is the only one hashed when it matches. Each
    /// comparison is in constant time.
    pub fn key_of(&self, token: &str, stored: &TokenHash) -> Option<usize> {
        if self.hash(token).ct_eq(stored) {
            return Some(0);
        }
        self.previous
            .iter()
            .position(|k| k.hash(token).ct_eq(stored))
            .map(|i| i + 1)
    }

    /// The keyed hash of `token`.
    pub fn hash(&self, token: &str) -> TokenHash {
        tag(&self.mac_of(&[token.as_bytes()]))
    }

    /// The keyed hash of several parts, each length-prefixed so that no two part lists collide.
    pub fn hash_parts(&self, parts: &[&str]) -> TokenHash {
        tag(&self.derive(parts))
    }

    /// The whole 32-byte keyed digest of several length-prefixed parts: for ids derived from a
    /// secret (distinct `parts[0]` purposes keep derivations apart).
    pub fn derive(&self, parts: &[&str]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p.as_bytes());
        }
        mac.finalize().into_bytes().into()
    }

    fn mac_of(&self, chunks: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        for c in chunks {
            mac.update(c);
        }
        mac.finalize().into_bytes().into()
    }
}

fn keyed(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable_key(),
    }
}

fn tag(digest: &[u8; 32]) -> TokenHash {
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&digest[..TAG_LEN]);
    TokenHash(out)
}

#[cold]
fn unreachable_key() -> ! {
    // hmac::Hmac::new_from_slice only fails for fixed-size-key MACs; HMAC takes any key.
    panic!("HMAC rejected a key, which HMAC never does")
}

impl std::fmt::Debug for TokenHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHasher(<secret>)")
    }
}

/// Compares two secrets of any kind in constant time (length is not hidden).
pub fn ct_eq_str(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_the_documented_shape_and_differ() {
        let a = generate_hex_token().unwrap();
        let b = generate_hex_token().unwrap();
        assert_eq!(a.len(), 40);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
        let c = generate_b64_token().unwrap();
        assert_eq!(c.len(), 43);
        assert!(c
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn hashing_is_keyed_and_stable() {
        let h1 = TokenHasher::new("k1");
        let h2 = TokenHasher::new("k2");
        assert_eq!(h1.hash("t"), h1.hash("t"));
        assert_ne!(h1.hash("t"), h2.hash("t"));
        assert_ne!(h1.hash("t"), h1.hash("u"));
        assert!(h1.hash("t").ct_eq(&h1.hash("t")));
        assert!(!h1.hash("t").ct_eq(&h1.hash("u")));
        // Known answer: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog"),
        // first 16 bytes.
        assert_eq!(
            TokenHasher::new("key")
                .hash("The quick brown fox jumps over the lazy dog")
                .to_hex(),
            "f7bc83f430538424b13298e6aa6fb143"
        );
    }

    #[test]
    fn part_hashing_is_unambiguous_and_hex_round_trips() {
        let h = TokenHasher::new("k");
        assert_ne!(h.hash_parts(&["ab", "c"]), h.hash_parts(&["a", "bc"]));
        let t = h.hash("x");
        assert_eq!(TokenHash::from_hex(&t.to_hex()), Some(t));
        assert_eq!(TokenHash::from_slice(t.as_bytes()), Some(t));
        assert_eq!(TokenHash::from_hex("zz"), None);
        assert_eq!(
            &h.derive(&["a"])[..TAG_LEN],
            h.hash_parts(&["a"]).as_bytes()
        );
    }

    #[test]
    fn a_ring_hashes_with_its_active_key_and_finds_the_key_of_a_stored_hash() {
        let ring = TokenHasher::ring("new", &["old", "older"]);
        let (new, old, older) = (
            TokenHasher::new("new"),
            TokenHasher::new("old"),
            TokenHasher::new("older"),
        );
        assert_eq!(ring.hash("t"), new.hash("t"));
        assert_eq!(ring.derive(&["a"]), new.derive(&["a"]));
        assert_eq!(ring.active().hash("t"), new.hash("t"));
        assert!(!ring.active().has_previous());
        assert!(ring.has_previous() && !new.has_previous());
        assert_eq!(ring.previous().len(), 2);
        assert_eq!(ring.previous()[1].hash("t"), older.hash("t"));
        let hashes: Vec<TokenHash> = ring.keys().map(|k| k.hash("t")).collect();
        assert_eq!(hashes, vec![new.hash("t"), old.hash("t"), older.hash("t")]);
        assert_eq!(ring.key_of("t", &new.hash("t")), Some(0));
        assert_eq!(ring.key_of("t", &old.hash("t")), Some(1));
        assert_eq!(ring.key_of("t", &older.hash("t")), Some(2));
        assert_eq!(ring.key_of("t", &old.hash("u")), None);
        assert_eq!(new.key_of("t", &old.hash("t")), None);
    }

    #[test]
    fn debug_never_prints_a_whole_hash() {
        let h = TokenHasher::new("k").hash("secret");
        let shown = format!("{h:?}");
        assert!(!shown.contains(&h.to_hex()));
        assert!(!format!("{:?}", TokenHasher::new("supersecret")).contains("supersecret"));
    }
}
