//! Bearer secrets: generation from the OS CSPRNG, keyed hashing for storage at rest, and
//! constant-time comparison.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// The fewest random bytes any token carries (160 bits).
pub const MIN_TOKEN_BYTES: usize = 20;

/// Fills a fresh buffer of `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)
        .map_err(|e| Error::Internal(format!("the OS random source failed: {e}")))?;
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
    getrandom::fill(&mut buf)
        .map_err(|e| Error::Internal(format!("the OS random source failed: {e}")))?;
    Ok(hex::encode(buf))
}

/// The keyed hash of a bearer secret: what the stores keep instead of the secret itself.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenHash(String);

impl TokenHash {
    /// Wraps a hash read back from a store.
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    /// The hash as lowercase hex.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares two hashes in constant time.
    pub fn ct_eq(&self, other: &TokenHash) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Long enough to tell two apart in a log, too short to matter.
        let head: String = self.0.chars().take(8).collect();
        write!(f, "TokenHash({head}…)")
    }
}

/// Hashes bearer secrets with HMAC-SHA256 under the server's `token_secret`.
#[derive(Clone)]
pub struct TokenHasher {
    key: Vec<u8>,
}

impl TokenHasher {
    /// A hasher keyed with `secret`.
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Self {
            key: secret.as_ref().to_vec(),
        }
    }

    /// The keyed hash of `token`.
    pub fn hash(&self, token: &str) -> TokenHash {
        TokenHash(hex::encode(self.mac(&[token.as_bytes()])))
    }

    /// The keyed hash of several parts, each length-prefixed so that no two part lists collide.
    pub fn hash_parts(&self, parts: &[&str]) -> TokenHash {
        let lens: Vec<[u8; 8]> = parts
            .iter()
            .map(|p| (p.len() as u64).to_be_bytes())
            .collect();
        let mut chunks: Vec<&[u8]> = Vec::with_capacity(parts.len() * 2);
        for (p, len) in parts.iter().zip(lens.iter()) {
            chunks.push(len);
            chunks.push(p.as_bytes());
        }
        TokenHash(hex::encode(self.mac(&chunks)))
    }

    fn mac(&self, chunks: &[&[u8]]) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => unreachable_key(),
        };
        for c in chunks {
            mac.update(c);
        }
        mac.finalize().into_bytes().to_vec()
    }
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
        // Known answer: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog").
        assert_eq!(
            TokenHasher::new("key")
                .hash("The quick brown fox jumps over the lazy dog")
                .as_str(),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn part_hashing_is_unambiguous() {
        let h = TokenHasher::new("k");
        assert_ne!(h.hash_parts(&["ab", "c"]), h.hash_parts(&["a", "bc"]));
    }

    #[test]
    fn debug_never_prints_a_whole_hash() {
        let h = TokenHasher::new("k").hash("secret");
        let shown = format!("{h:?}");
        assert!(!shown.contains(h.as_str()));
        assert!(!format!("{:?}", TokenHasher::new("supersecret")).contains("supersecret"));
    }
}
