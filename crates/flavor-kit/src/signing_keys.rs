//! JWT signing keys with key ids, for the flavors that issue or accept JWTs: a ring whose first
//! key that can sign signs, and every key verifies (until it is removed from the
//! configuration). Keys are HS256 secrets, ES256 or EdDSA private keys (PKCS#8 PEM; their
//! public halves are published as a JWKS document), or public keys that only verify.

use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

/// Shortest HS256 secret accepted (256 bits).
pub const MIN_SECRET_LEN: usize = 32;
/// Most keys of one ring.
pub const MAX_KEYS: usize = 16;

/// The verifying key of an asymmetric `alg` from its PEM public key; `None` for the HMAC
/// algorithms, whose keys are secrets.
pub fn public_key_from_pem(
    alg: Algorithm,
    pem: &[u8],
) -> Option<jsonwebtoken::errors::Result<DecodingKey>> {
    Some(match alg {
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(pem),
        Algorithm::EdDSA => DecodingKey::from_ed_pem(pem),
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => DecodingKey::from_rsa_pem(pem),
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => return None,
    })
}

/// One key as configured (`[[<section>.signing_keys]]` and the like).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeySettings {
    /// The key id tokens carry in their header (`kid`): 1-64 characters of A-Z a-z 0-9 . _ -.
    pub kid: String,
    /// `HS256` (the default), `ES256` or `EdDSA`; with `public_key_pem` also ES384, RS256,
    /// RS384, RS512, PS256, PS384 or PS512.
    pub algorithm: Option<String>,
    /// The HS256 secret (at least 32 characters).
    pub secret: Option<String>,
    /// An ES256 (P-256) or EdDSA (Ed25519) private key, PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub private_key_pem: Option<String>,
    /// A public key (`BEGIN PUBLIC KEY`) that only verifies.
    pub public_key_pem: Option<String>,
}

/// A usable key.
pub struct Key {
    kid: String,
    alg: Algorithm,
    hmac: Option<Hmac<Sha256>>,
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    jwk: Option<Value>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("signs", &self.encoding.is_some())
            .finish_non_exhaustive()
    }
}

impl Key {
    /// Builds a key; the error says what is wrong, never quoting a secret.
    pub fn new(s: &KeySettings) -> Result<Self, String> {
        check_kid(&s.kid)?;
        let alg_name = s.algorithm.as_deref().unwrap_or("HS256");
        let alg = Algorithm::from_str(alg_name)
            .map_err(|_| format!("algorithm: `{alg_name}` is not a JWT algorithm"))?;
        let material = [
            s.secret.is_some(),
            s.private_key_pem.is_some(),
            s.public_key_pem.is_some(),
        ];
        if material.iter().filter(|m| **m).count() != 1 {
            return Err("set exactly one of secret, private_key_pem, public_key_pem".into());
        }
        match (alg, &s.secret, &s.private_key_pem, &s.public_key_pem) {
            (Algorithm::HS256, Some(secret), _, _) => Self::hs256(&s.kid, secret.as_bytes()),
            (Algorithm::ES256, _, Some(pem), _) => Self::es256(&s.kid, pem),
            (Algorithm::EdDSA, _, Some(pem), _) => Self::eddsa(&s.kid, pem),
            (_, _, _, Some(pem)) => Self::public(&s.kid, alg, pem),
            (Algorithm::HS256, _, _, _) => Err("an HS256 key needs `secret`".into()),
            (Algorithm::ES256 | Algorithm::EdDSA, _, _, _) => Err(format!(
                "an {alg_name} key needs private_key_pem or public_key_pem"
            )),
            _ => Err(format!(
                "algorithm: {alg_name} keys can only verify (set public_key_pem)"
            )),
        }
    }

    /// An HS256 key.
    pub fn hs256(kid: &str, secret: &[u8]) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!(
                "secret: must be at least {MIN_SECRET_LEN} characters"
            ));
        }
        let hmac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| "secret: unusable")?;
        Ok(Self {
            kid: kid.to_owned(),
            alg: Algorithm::HS256,
            hmac: Some(hmac),
            decoding: DecodingKey::from_secret(secret),
            encoding: Some(EncodingKey::from_secret(secret)),
            jwk: None,
        })
    }

    fn es256(kid: &str, pem: &str) -> Result<Self, String> {
        use p256::pkcs8::DecodePrivateKey;
        let bad = || "private_key_pem: not a PKCS#8 P-256 private key".to_owned();
        let secret = p256::SecretKey::from_pkcs8_pem(pem).map_err(|_| bad())?;
        let point = p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(
            &secret.public_key(),
            false,
        );
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err(bad());
        };
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        Ok(Self {
            kid: kid.to_owned(),
            alg: Algorithm::ES256,
            hmac: None,
            decoding: DecodingKey::from_ec_components(&x, &y).map_err(|_| bad())?,
            encoding: Some(EncodingKey::from_ec_pem(pem.as_bytes()).map_err(|_| bad())?),
            jwk: Some(json!({
                "kty": "EC", "crv": "P-256", "x": x, "y": y,
                "kid": kid, "alg": "ES256", "use": "sig",
            })),
        })
    }

    fn eddsa(kid: &str, pem: &str) -> Result<Self, String> {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        let bad = || "private_key_pem: not a PKCS#8 Ed25519 private key".to_owned();
        let signing = ed25519_dalek::SigningKey::from_pkcs8_pem(pem).map_err(|_| bad())?;
        let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes());
        Ok(Self {
            kid: kid.to_owned(),
            alg: Algorithm::EdDSA,
            hmac: None,
            decoding: DecodingKey::from_ed_components(&x).map_err(|_| bad())?,
            encoding: Some(EncodingKey::from_ed_pem(pem.as_bytes()).map_err(|_| bad())?),
            jwk: Some(json!({
                "kty": "OKP", "crv": "Ed25519", "x": x,
                "kid": kid, "alg": "EdDSA", "use": "sig",
            })),
        })
    }

    fn public(kid: &str, alg: Algorithm, pem: &str) -> Result<Self, String> {
        let decoding = public_key_from_pem(alg, pem.as_bytes())
            .ok_or("public_key_pem: HMAC keys are secrets, not public keys")?
            .map_err(|_| format!("public_key_pem: not a usable {alg:?} public key"))?;
        Ok(Self {
            kid: kid.to_owned(),
            alg,
            hmac: None,
            decoding,
            encoding: None,
            jwk: None,
        })
    }

    /// Its id (empty for a key configured without one).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Its algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The keyed HMAC state of an HS256 key (for verifying without allocating).
    pub fn hmac(&self) -> Option<&Hmac<Sha256>> {
        self.hmac.as_ref()
    }

    /// The key that verifies its tokens.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Whether it can sign (a secret or a private key).
    pub fn signs(&self) -> bool {
        self.encoding.is_some()
    }

    /// Signs `claims` with this key; the header names its `kid` (when it has one).
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, String> {
        let encoding = self.encoding.as_ref().ok_or("this key only verifies")?;
        let mut header = Header::new(self.alg);
        header.kid = (!self.kid.is_empty()).then(|| self.kid.clone());
        jsonwebtoken::encode(&header, claims, encoding).map_err(|e| e.to_string())
    }

    /// Its public half as a JWK (asymmetric signing keys only).
    pub fn jwk(&self) -> Option<&Value> {
        self.jwk.as_ref()
    }
}

/// The keys of one flavor: the first that can sign signs, every one verifies.
#[derive(Debug, Default)]
pub struct KeyRing {
    keys: Vec<Key>,
}

impl KeyRing {
    /// The ring of `settings`; the error names the entry at fault (`[<index>].<field>: <reason>`),
    /// or the ring (`: <reason>`), to follow the ring's key.
    pub fn new(settings: &[KeySettings]) -> Result<Self, String> {
        if settings.len() > MAX_KEYS {
            return Err(format!(": at most {MAX_KEYS} keys"));
        }
        let mut keys: Vec<Key> = Vec::with_capacity(settings.len());
        for (i, s) in settings.iter().enumerate() {
            let key = Key::new(s).map_err(|e| format!("[{i}].{e}"))?;
            if keys.iter().any(|k| k.kid == key.kid) {
                return Err(format!("[{i}].kid: `{}` is listed twice", key.kid));
            }
            keys.push(key);
        }
        Ok(Self { keys })
    }

    /// A ring of already built keys (their kids must differ).
    pub fn of(keys: Vec<Key>) -> Self {
        Self { keys }
    }

    /// Whether it holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key that signs: the first that can.
    pub fn active(&self) -> Option<&Key> {
        self.keys.iter().find(|k| k.signs())
    }

    /// The key `kid`.
    pub fn get(&self, kid: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// Every key.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The JWKS document (RFC 7517) of its asymmetric signing keys.
    pub fn jwks(&self) -> Value {
        json!({"keys": self.keys.iter().filter_map(Key::jwk).collect::<Vec<_>>()})
    }
}

fn check_kid(kid: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err("kid: must be 1-64 characters of A-Z a-z 0-9 . _ -".into())
    }
}

/// Test keys (PKCS#8 PEM), for tests of the flavors that use this module.
#[doc(hidden)]
pub mod test_keys {
    /// A P-256 private key.
    pub const ES256_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgaOlScvcBY3d1DIdj
3cwDv5Ia5T3I05VibuakasAmwlChRANCAASrdUUtvIG7yoPLESnUtxes8ExIcCIG
43RONz7517xZDc92IZqLEqXh4xUOJaBqiQOpuVJUS9Gp+aLUKjMw3n/Z
-----END PRIVATE KEY-----
";
    /// Its public key.
    pub const ES256_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq3VFLbyBu8qDyxEp1LcXrPBMSHAi
BuN0Tjc++de8WQ3PdiGaixKl4eMVDiWgaokDqblSVEvRqfmi1CozMN5/2Q==
-----END PUBLIC KEY-----
";
    /// An Ed25519 private key (RFC 8410's example).
    pub const ED25519_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
-----END PRIVATE KEY-----
";

    /// An ES256 signing key with id `kid` ([`ES256_PRIVATE`]).
    pub fn es256(kid: &str) -> super::KeySettings {
        private(kid, "ES256", ES256_PRIVATE)
    }

    /// An EdDSA signing key with id `kid` ([`ED25519_PRIVATE`]).
    pub fn ed25519(kid: &str) -> super::KeySettings {
        private(kid, "EdDSA", ED25519_PRIVATE)
    }

    /// An HS256 key with id `kid`: `fill` repeated to the shortest accepted length.
    pub fn hs256(kid: &str, fill: char) -> super::KeySettings {
        super::KeySettings {
            kid: kid.into(),
            secret: Some(fill.to_string().repeat(super::MIN_SECRET_LEN)),
            ..Default::default()
        }
    }

    /// A ring of `n` HS256 keys, `k0` to `k<n-1>`.
    pub fn ring(n: usize) -> Vec<super::KeySettings> {
        (0..n).map(|i| hs256(&format!("k{i}"), 'x')).collect()
    }

    fn private(kid: &str, alg: &str, pem: &str) -> super::KeySettings {
        super::KeySettings {
            kid: kid.into(),
            algorithm: Some(alg.into()),
            private_key_pem: Some(pem.into()),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::test_keys::*;
    use super::*;

    fn settings(kid: &str, alg: &str) -> KeySettings {
        KeySettings {
            kid: kid.into(),
            algorithm: Some(alg.into()),
            ..Default::default()
        }
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct C {
        sub: String,
        exp: i64,
    }

    fn verify(key: &Key, token: &str) -> Option<C> {
        let mut v = jsonwebtoken::Validation::new(key.algorithm());
        v.validate_exp = false;
        jsonwebtoken::decode::<C>(token, key.decoding(), &v)
            .ok()
            .map(|d| d.claims)
    }

    #[test]
    fn every_kind_of_key_signs_and_verifies_with_its_kid() {
        let c = C {
            sub: "s".into(),
            exp: 1,
        };
        let hs = Key::new(&KeySettings {
            secret: Some("x".repeat(32)),
            ..settings("h1", "HS256")
        })
        .unwrap();
        let es = Key::new(&KeySettings {
            private_key_pem: Some(ES256_PRIVATE.into()),
            ..settings("e1", "ES256")
        })
        .unwrap();
        let ed = Key::new(&KeySettings {
            private_key_pem: Some(ED25519_PRIVATE.into()),
            ..settings("d1", "EdDSA")
        })
        .unwrap();
        for key in [&hs, &es, &ed] {
            let token = key.sign(&c).unwrap();
            let header = jsonwebtoken::decode_header(&token).unwrap();
            assert_eq!(header.kid.as_deref(), Some(key.kid()));
            assert_eq!(header.alg, key.algorithm());
            assert_eq!(
                verify(key, &token),
                Some(C {
                    sub: "s".into(),
                    exp: 1
                })
            );
        }
        assert!(hs.hmac().is_some() && es.hmac().is_none());
        // A public key verifies what its private half signed, and signs nothing.
        let public = Key::new(&KeySettings {
            public_key_pem: Some(ES256_PUBLIC.into()),
            ..settings("p1", "ES256")
        })
        .unwrap();
        assert!(!public.signs());
        assert!(public.sign(&c).is_err());
        assert_eq!(verify(&public, &es.sign(&c).unwrap()).unwrap().sub, "s");
        // Keys do not verify each other's tokens.
        assert_eq!(verify(&hs, &es.sign(&c).unwrap()), None);
    }

    #[test]
    fn the_first_key_that_signs_is_active_and_jwks_lists_public_halves() {
        let ring = KeyRing::new(&[
            KeySettings {
                public_key_pem: Some(ES256_PUBLIC.into()),
                ..settings("verify-only", "ES256")
            },
            KeySettings {
                private_key_pem: Some(ED25519_PRIVATE.into()),
                ..settings("2025-06", "EdDSA")
            },
            KeySettings {
                secret: Some("y".repeat(40)),
                ..settings("old", "HS256")
            },
        ])
        .unwrap();
        assert_eq!(ring.active().unwrap().kid(), "2025-06");
        assert_eq!(ring.get("old").unwrap().algorithm(), Algorithm::HS256);
        assert!(ring.get("nope").is_none());
        let jwks = ring.jwks();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1, "{jwks}");
        assert_eq!(keys[0]["kid"], "2025-06");
        assert_eq!(keys[0]["kty"], "OKP");
        assert!(!jwks.to_string().contains(&"y".repeat(40)));
    }

    #[test]
    fn bad_keys_are_refused_without_quoting_them() {
        for (s, why) in [
            (settings("", "HS256"), "kid"),
            (settings("a b", "HS256"), "kid"),
            (settings("k", "HS256"), "exactly one"),
            (
                KeySettings {
                    secret: Some("short-secret".into()),
                    ..settings("k", "HS256")
                },
                "secret",
            ),
            (
                KeySettings {
                    secret: Some("z".repeat(32)),
                    ..settings("k", "ES256")
                },
                "ES256",
            ),
            (
                KeySettings {
                    private_key_pem: Some(
                        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----".into(),
                    ),
                    ..settings("k", "ES256")
                },
                "private_key_pem",
            ),
            (
                KeySettings {
                    private_key_pem: Some(ES256_PRIVATE.into()),
                    ..settings("k", "RS256")
                },
                "only verify",
            ),
            (
                KeySettings {
                    secret: Some("z".repeat(32)),
                    ..settings("k", "XS1")
                },
                "algorithm",
            ),
        ] {
            let e = Key::new(&s).unwrap_err();
            assert!(e.contains(why), "{s:?}: {e}");
            assert!(!e.contains("zzzz") && !e.contains("short-secret"), "{e}");
        }
        let dup = KeySettings {
            secret: Some("z".repeat(32)),
            ..settings("k", "HS256")
        };
        let e = KeyRing::new(&[dup.clone(), dup]).unwrap_err();
        assert!(e.starts_with("[1].kid"), "{e}");
    }

    #[test]
    fn rings_kids_and_secrets_are_bounded_on_both_sides() {
        assert_eq!(KeyRing::new(&ring(MAX_KEYS)).unwrap().keys().len(), 16);
        assert_eq!(
            KeyRing::new(&ring(MAX_KEYS + 1)).unwrap_err(),
            ": at most 16 keys"
        );
        let kid = |n: usize| "k".repeat(n);
        let secret = |n: usize| KeySettings {
            secret: Some("s".repeat(n)),
            ..settings("k", "HS256")
        };
        // (accepted, refused one step past it, what the refusal names)
        for (good, bad, why) in [
            (hs256(&kid(64), 'x'), hs256(&kid(65), 'x'), "kid: "),
            (hs256(&kid(1), 'x'), hs256(&kid(0), 'x'), "kid: "),
            (hs256("a.b_c-D9", 'x'), hs256("a/b", 'x'), "kid: "),
            (
                secret(MIN_SECRET_LEN),
                secret(MIN_SECRET_LEN - 1),
                "secret: ",
            ),
        ] {
            assert!(Key::new(&good).is_ok(), "{good:?}");
            let e = Key::new(&bad).unwrap_err();
            assert!(e.starts_with(why), "{bad:?}: {e}");
            // In a ring, the refusal names the entry.
            let e = KeyRing::new(&[good.clone(), bad.clone()]).unwrap_err();
            assert!(e.starts_with(&format!("[1].{why}")), "{e}");
        }
    }
}
