//! Verifying an access token without the store: the key its `kid` names (one of the flavor's
//! signing keys, or a network's own key under one token key of the ring) must verify its
//! signature with the algorithm the key is for, and its `networkId` must be that network's.
//! HS256 tokens are read by [`crate::jws`] (no allocation but the claims kept); ES256 and
//! EdDSA ones through `jsonwebtoken`.

use std::sync::Arc;

use flavor_kit::signing_keys::Key;
use jsonwebtoken::{Algorithm, Validation};
use session_core::CoreDeps;

use crate::errors::AuthError;
use crate::jws::{AccessClaims, Alg, Compact, OwnedClaims};
use crate::network::{Network, Networks};

/// The network and claims of `token`, when its signature verifies.
pub async fn access_token(
    networks: &Networks,
    core: &CoreDeps,
    token: &str,
) -> Result<(Arc<Network>, AccessClaims), AuthError> {
    let jws = Compact::parse(token).map_err(|_| AuthError::InvalidToken)?;
    let (network, claims) = match networks.signing_keys().get(jws.kid()) {
        Some(key) => {
            let claims = with_flavor_key(key, &jws)?;
            let kid = claims.nk.as_deref().ok_or(AuthError::InvalidToken)?;
            let network = networks
                .by_kid(core, kid)
                .await?
                .ok_or(AuthError::InvalidToken)?;
            // A network with a `jwt_secret` of its own accepts only tokens of that key.
            if network.flavor_keys().is_none() {
                return Err(AuthError::InvalidToken);
            }
            (network, claims)
        }
        None => {
            let network = networks
                .by_kid(core, jws.kid())
                .await?
                .ok_or(AuthError::InvalidToken)?;
            let key = network.key(jws.kid()).ok_or(AuthError::InvalidToken)?;
            if !jws.hs256_verifies(key.hmac()) {
                return Err(AuthError::InvalidToken);
            }
            let claims = jws.claims().map_err(|_| AuthError::InvalidToken)?;
            (network, claims)
        }
    };
    if claims.network_id != network.id {
        return Err(AuthError::InvalidToken);
    }
    Ok((network, claims))
}

/// The claims of a token whose `kid` names one of the flavor's signing keys.
fn with_flavor_key(key: &Key, jws: &Compact<'_>) -> Result<AccessClaims, AuthError> {
    let alg = match jws.alg() {
        Alg::Hs256 => Algorithm::HS256,
        Alg::Es256 => Algorithm::ES256,
        Alg::EdDsa => Algorithm::EdDSA,
    };
    if alg != key.algorithm() {
        return Err(AuthError::InvalidToken);
    }
    if let Some(mac) = key.hmac() {
        return match jws.hs256_verifies(mac) {
            true => jws.claims().map_err(|_| AuthError::InvalidToken),
            false => Err(AuthError::InvalidToken),
        };
    }
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<OwnedClaims>(jws.token(), key.decoding(), &validation)
        .map(|data| data.claims.into())
        .map_err(|_| AuthError::InvalidToken)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use flavor_kit::signing_keys::{test_keys, KeyRing};
    use session_core::{MemoryStore, SystemClock, TokenHasher};

    use super::*;
    use crate::settings::{NetworkSettings, Settings};
    use crate::tokens::{Claims, UserClaims};

    fn core(hasher: TokenHasher) -> CoreDeps {
        let clock = Arc::new(SystemClock);
        CoreDeps {
            store: Arc::new(MemoryStore::new(clock.clone())),
            clock,
            hasher,
            max_body_bytes: 65_536,
            metadata: session_core::MetadataPolicy::default(),
            body_timeout: std::time::Duration::from_secs(10),
        }
    }

    fn settings(jwt_secret: Option<&str>) -> Settings {
        Settings {
            networks: vec![NetworkSettings {
                api_key: "verify-key".into(),
                jwt_secret: jwt_secret.map(str::to_owned),
                ..Default::default()
            }],
            ..Settings::default()
        }
    }

    fn claims(network: &Network) -> Claims {
        Claims {
            user: UserClaims {
                user_id: "alice".into(),
                public_user_id: "alice".into(),
                network_id: network.id.clone(),
                device_info: serde_json::json!({}),
            },
            sub: "u".into(),
            sid: "s".into(),
            jti: "j".into(),
            iat: 1,
            exp: 2,
            nk: None,
        }
    }

    /// A token of the (only) network of `s`, signed as `signer` signs.
    fn token(s: &Settings, signer: &TokenHasher, keys: Arc<KeyRing>) -> String {
        let n = Network::new(s.networks[0].clone(), signer, keys);
        n.sign(&mut claims(&n)).unwrap()
    }

    async fn verifies(s: &Settings, ring: &TokenHasher, keys: Arc<KeyRing>, token: &str) -> bool {
        let networks = Networks::from_settings(s, ring, keys);
        access_token(&networks, &core(ring.clone()), token)
            .await
            .is_ok()
    }

    #[actix_web::test]
    async fn tokens_of_a_previous_token_key_verify_while_it_is_listed() {
        let s = settings(None);
        let old = TokenHasher::new("old-secret");
        let t = token(&s, &old, Arc::default());
        let ring = TokenHasher::ring("new-secret", &["old-secret"]);
        assert!(verifies(&s, &ring, Arc::default(), &t).await);
        assert!(verifies(&s, &old, Arc::default(), &t).await);
        assert!(!verifies(&s, &TokenHasher::new("new-secret"), Arc::default(), &t).await);
        // New tokens are signed under the active key.
        let fresh = token(&s, &ring, Arc::default());
        assert!(verifies(&s, &TokenHasher::new("new-secret"), Arc::default(), &fresh).await);
    }

    #[actix_web::test]
    async fn flavor_keys_sign_with_their_kid_and_verify_until_removed() {
        let s = settings(None);
        let h = TokenHasher::new("secret");
        let es = test_keys::es256("es-1");
        let ed = test_keys::ed25519("ed-2");
        let first = Arc::new(KeyRing::new(std::slice::from_ref(&es)).unwrap());
        let t = token(&s, &h, first.clone());
        let header = jsonwebtoken::decode_header(&t).unwrap();
        assert_eq!(header.kid.as_deref(), Some("es-1"));
        assert!(verifies(&s, &h, first.clone(), &t).await);
        // Rotated: the new key signs, the old one still verifies until it is removed.
        let rotated = Arc::new(KeyRing::new(&[ed.clone(), es.clone()]).unwrap());
        assert!(verifies(&s, &h, rotated.clone(), &t).await);
        let t2 = token(&s, &h, rotated.clone());
        assert_eq!(
            jsonwebtoken::decode_header(&t2).unwrap().kid.as_deref(),
            Some("ed-2")
        );
        let removed = Arc::new(KeyRing::new(&[ed]).unwrap());
        assert!(verifies(&s, &h, removed.clone(), &t2).await);
        assert!(!verifies(&s, &h, removed, &t).await);
        // Tokens the network's own key signed before flavor keys were configured still verify.
        let own = token(&s, &h, Arc::default());
        assert!(verifies(&s, &h, rotated.clone(), &own).await);
        // A network with a jwt_secret of its own refuses tokens of the flavor's keys.
        let private = settings(Some(&"p".repeat(32)));
        assert!(!verifies(&private, &h, rotated, &t).await);
    }

    #[actix_web::test]
    async fn a_header_may_not_swap_the_algorithm_of_a_kid() {
        let s = settings(None);
        let h = TokenHasher::new("secret");
        let es = Arc::new(KeyRing::new(&[test_keys::es256("es-1")]).unwrap());
        let t = token(&s, &h, es.clone());
        let (_, rest) = t.split_once('.').unwrap();
        let swapped = format!(
            "{}.{rest}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"es-1"}"#)
        );
        assert!(!verifies(&s, &h, es, &swapped).await);
    }
}
