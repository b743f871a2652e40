//! The wallet bearer: an HS256 JWT whose `sub` is the wallet address. Issued by
//! `/v1/wallet-proof/verify`; tokens minted elsewhere with the configured key are accepted too,
//! as are tokens signed by an operator's verifier whose public key is configured. Algorithms are
//! pinned (HS256 with the secret, the configured one with the public key) and `exp` is checked
//! against the gateway's clock.

use chrono::{DateTime, Utc};
use flavor_kit::signing_keys::KeyRing;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::eip191::Address;
use crate::settings::WalletTokenSettings;

/// The claims the gateway writes and reads.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
}

/// Issues and verifies wallet bearers.
pub struct WalletTokens {
    /// `[[quicksync.wallet_token.keys]]`.
    ring: KeyRing,
    keys: Option<(EncodingKey, DecodingKey)>,
    validation: Validation,
    public: Option<(DecodingKey, Validation)>,
    ttl_seconds: i64,
    issuer: Option<String>,
    audience: Option<String>,
}

impl std::fmt::Debug for WalletTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletTokens")
            .field("configured", &self.is_configured())
            .field("ring", &self.ring)
            .field("public_key", &self.public.is_some())
            .field("ttl_seconds", &self.ttl_seconds)
            .finish_non_exhaustive()
    }
}

impl WalletTokens {
    /// From `[quicksync.wallet_token]` (validated): with an empty secret nothing is issued, and
    /// only bearers signed with the public key, if one is configured, are accepted.
    pub fn new(s: &WalletTokenSettings) -> Self {
        let keys = (!s.hs256_secret.is_empty()).then(|| {
            (
                EncodingKey::from_secret(s.hs256_secret.as_bytes()),
                DecodingKey::from_secret(s.hs256_secret.as_bytes()),
            )
        });
        let public = match s.public_key() {
            Ok(Some((key, alg))) => Some((key, validation(alg, s))),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "quicksync: wallet_token public key ignored");
                None
            }
        };
        let ring = KeyRing::new(&s.keys).unwrap_or_else(|e| {
            // Validated with the section: never reached.
            tracing::error!(reason = %e, "quicksync: wallet_token.keys left out");
            KeyRing::default()
        });
        Self {
            ring,
            keys,
            validation: validation(Algorithm::HS256, s),
            public,
            ttl_seconds: i64::try_from(s.ttl_seconds).unwrap_or(900),
            issuer: s.issuer.clone(),
            audience: s.audience.clone(),
        }
    }

    /// Whether bearers can be issued (a secret or a signing key is configured).
    pub fn is_configured(&self) -> bool {
        self.keys.is_some() || self.ring.active().is_some()
    }

    /// A bearer for `address`, valid from `now` for the configured lifetime; `None` when no
    /// secret is configured.
    pub fn issue(&self, address: &Address, now: DateTime<Utc>) -> Option<String> {
        let claims = Claims {
            sub: address.checksummed(),
            exp: now.timestamp() + self.ttl_seconds,
            iat: Some(now.timestamp()),
            nbf: None,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        if let Some(key) = self.ring.active() {
            return key.sign(&claims).ok();
        }
        let (enc, _) = self.keys.as_ref()?;
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, enc).ok()
    }

    /// The wallet a bearer speaks for, or why it is refused.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Address, &'static str> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| "it is not a well-formed JWT")?;
        let by_kid;
        let (dec, validation) = match header.kid.as_deref().and_then(|kid| self.ring.get(kid)) {
            // The key its header names, with the one algorithm that key is for.
            Some(key) => {
                let mut v = self.validation.clone();
                v.algorithms = vec![key.algorithm()];
                by_kid = v;
                (key.decoding(), &by_kid)
            }
            None => match (&self.keys, &self.public) {
                (_, Some((key, v))) if v.algorithms.contains(&header.alg) => (key, v),
                (Some((_, key)), _) => (key, &self.validation),
                (None, Some((key, v))) => (key, v),
                (None, None) => return Err("wallet bearers are not configured"),
            },
        };
        let data = jsonwebtoken::decode::<Claims>(token, dec, validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            match e.kind() {
                K::InvalidAlgorithm => "the algorithm is not accepted",
                K::InvalidSignature => "the signature does not verify",
                K::MissingRequiredClaim(_) => "a required claim is missing",
                K::InvalidIssuer => "the issuer is not accepted",
                K::InvalidAudience => "the audience is not accepted",
                _ => "it is not a well-formed JWT",
            }
        })?;
        let c = data.claims;
        let now = now.timestamp();
        if c.exp <= now {
            return Err("it has expired");
        }
        if c.nbf.is_some_and(|nbf| nbf > now) {
            return Err("it is not valid yet");
        }
        Address::parse(&c.sub).ok_or("its subject is not a wallet address")
    }
}

/// One pinned algorithm; time claims are checked by the caller against the gateway's clock.
fn validation(alg: Algorithm, s: &WalletTokenSettings) -> Validation {
    let mut v = Validation::new(alg);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.leeway = 0;
    v.set_required_spec_claims(&["exp", "sub"]);
    match &s.audience {
        Some(aud) => v.set_audience(&[aud]),
        None => v.validate_aud = false,
    }
    if let Some(iss) = &s.issuer {
        v.set_issuer(&[iss]);
        v.required_spec_claims.insert("iss".into());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Claims of the test address, valid for a minute from `now`.
    fn minute_of(now: DateTime<Utc>) -> Claims {
        Claims {
            sub: addr().lower(),
            exp: now.timestamp() + 60,
            iat: None,
            nbf: None,
            iss: None,
            aud: None,
        }
    }
    use chrono::Duration;

    fn settings() -> WalletTokenSettings {
        WalletTokenSettings {
            hs256_secret: "s3cret".into(),
            ..Default::default()
        }
    }

    fn addr() -> Address {
        Address::parse("0x2c7536e3605d9c16a7a3d7b1898e529396a65c23").unwrap()
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let t = WalletTokens::new(&settings());
        let now = Utc::now();
        let jwt = t.issue(&addr(), now).unwrap();
        assert_eq!(t.verify(&jwt, now + Duration::seconds(899)), Ok(addr()));
        assert_eq!(
            t.verify(&jwt, now + Duration::seconds(900)),
            Err("it has expired")
        );
    }

    #[test]
    fn other_keys_algorithms_and_garbage_are_refused() {
        let t = WalletTokens::new(&settings());
        let now = Utc::now();
        let claims = minute_of(now);
        let other = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"other"),
        )
        .unwrap();
        assert_eq!(t.verify(&other, now), Err("the signature does not verify"));
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(b"s3cret"),
        )
        .unwrap();
        assert_eq!(t.verify(&hs512, now), Err("the algorithm is not accepted"));
        assert!(t.verify("not.a.jwt", now).is_err());
        // An unsigned token ("alg": "none").
        let b64 = |s: &str| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
        };
        let none = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&serde_json::to_string(&claims).unwrap())
        );
        assert!(t.verify(&none, now).is_err());
        // Unconfigured: nothing verifies.
        let off = WalletTokens::new(&WalletTokenSettings::default());
        assert!(off.issue(&addr(), now).is_none());
        assert!(off.verify(&t.issue(&addr(), now).unwrap(), now).is_err());
    }

    #[test]
    fn audience_and_issuer_are_enforced_when_configured() {
        let mut s = settings();
        s.issuer = Some("me".into());
        s.audience = Some("quicksync".into());
        let strict = WalletTokens::new(&s);
        let lax = WalletTokens::new(&settings());
        let now = Utc::now();
        assert_eq!(
            strict.verify(&strict.issue(&addr(), now).unwrap(), now),
            Ok(addr())
        );
        assert!(strict
            .verify(&lax.issue(&addr(), now).unwrap(), now)
            .is_err());
    }

    #[test]
    fn keys_with_kids_sign_and_verify_until_removed() {
        use flavor_kit::signing_keys::test_keys;
        let hs = test_keys::hs256("hs-1", 'h');
        let ed = test_keys::ed25519("ed-2");
        let now = Utc::now();
        let first = WalletTokens::new(&WalletTokenSettings {
            keys: vec![hs.clone()],
            ..settings()
        });
        let t1 = first.issue(&addr(), now).unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&t1).unwrap().kid.as_deref(),
            Some("hs-1")
        );
        assert_eq!(first.verify(&t1, now), Ok(addr()));
        // Rotated: the EdDSA key signs, the HS256 key still verifies.
        let rotated = WalletTokens::new(&WalletTokenSettings {
            keys: vec![ed.clone(), hs],
            ..settings()
        });
        let t2 = rotated.issue(&addr(), now).unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&t2).unwrap().alg,
            Algorithm::EdDSA
        );
        assert_eq!(rotated.verify(&t1, now), Ok(addr()));
        assert_eq!(rotated.verify(&t2, now), Ok(addr()));
        // Removed: its bearers are refused; the legacy secret still verifies kid-less ones.
        let removed = WalletTokens::new(&WalletTokenSettings {
            keys: vec![ed],
            ..settings()
        });
        assert!(removed.verify(&t1, now).is_err());
        let legacy = WalletTokens::new(&settings()).issue(&addr(), now).unwrap();
        assert_eq!(removed.verify(&legacy, now), Ok(addr()));
    }

    #[test]
    fn public_key_settings_are_checked() {
        let mut s = settings();
        s.public_key_pem =
            Some("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----".into());
        assert!(s.public_key().unwrap_err().contains("together"));
        s.public_key_algorithm = Some("HS256".into());
        assert!(s.public_key().unwrap_err().contains("public_key_algorithm"));
        s.public_key_algorithm = Some("ES256".into());
        assert!(s.public_key().unwrap_err().contains("not a usable"));
    }

    const EC_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgaOlScvcBY3d1DIdj
3cwDv5Ia5T3I05VibuakasAmwlChRANCAASrdUUtvIG7yoPLESnUtxes8ExIcCIG
43RONz7517xZDc92IZqLEqXh4xUOJaBqiQOpuVJUS9Gp+aLUKjMw3n/Z
-----END PRIVATE KEY-----
";
    const EC_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq3VFLbyBu8qDyxEp1LcXrPBMSHAi
BuN0Tjc++de8WQ3PdiGaixKl4eMVDiWgaokDqblSVEvRqfmi1CozMN5/2Q==
-----END PUBLIC KEY-----
";

    #[test]
    fn public_key_bearers_verify_with_their_algorithm_only() {
        let mut s = settings();
        s.public_key_pem = Some(EC_PUBLIC.into());
        s.public_key_algorithm = Some("ES256".into());
        let t = WalletTokens::new(&s);
        assert!(s.public_key().unwrap().is_some());
        assert!(t.public.is_some());
        let now = Utc::now();
        let claims = minute_of(now);
        let es256 = jsonwebtoken::encode(
            &Header::new(Algorithm::ES256),
            &claims,
            &EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap(),
        )
        .unwrap();
        assert_eq!(t.verify(&es256, now), Ok(addr()));
        assert_eq!(t.verify(&t.issue(&addr(), now).unwrap(), now), Ok(addr()));
        // Public-key only: HS256 bearers are no longer accepted, ES256 ones are.
        s.hs256_secret.clear();
        let only = WalletTokens::new(&s);
        assert_eq!(only.verify(&es256, now), Ok(addr()));
        assert!(only.verify(&t.issue(&addr(), now).unwrap(), now).is_err());
    }
}
