//! Access tokens as compact JWS.
//!
//! Reading one, on the hot path: the header is decoded on the stack and read for `alg` and
//! `kid` alone, an HS256 signature is checked with the key's keyed HMAC state (no key schedule,
//! no allocation), and the payload is decoded on the stack and read for the few claims a check
//! needs (the device information and the rest are skipped, never built). Every token is
//! refused unless its signature verifies under the key its `kid` names.
//!
//! Writing one ([`sign_hs256`]): the header, the same for every token of a key, is encoded once
//! per key, and the signature starts from the key's keyed HMAC state, so a token costs its
//! claims' JSON, their base64 and one HMAC over the signing input, in one buffer.

use std::borrow::Cow;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::errors::InvalidToken;
use crate::tokens::MAX_TOKEN_LEN;

/// Largest decoded header read.
const MAX_HEADER: usize = 256;
/// Largest key id kept.
const MAX_KID: usize = 64;
/// Largest decoded payload (a token of [`MAX_TOKEN_LEN`] characters decodes to less).
const MAX_PAYLOAD: usize = MAX_TOKEN_LEN / 4 * 3;

/// The encoded header (base64url of its JSON) of the HS256 tokens of key `kid`: what
/// [`sign_hs256`] starts each token with.
pub fn hs256_header(kid: &str) -> serde_json::Result<String> {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    Ok(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?))
}

/// A compact HS256 JWS of `claims` under the encoded `header` ([`hs256_header`]) and the keyed
/// HMAC state `key`.
pub fn sign_hs256(
    header: &str,
    claims: &impl Serialize,
    key: &Hmac<Sha256>,
) -> serde_json::Result<String> {
    let payload = serde_json::to_vec(claims)?;
    let mut token = String::with_capacity(header.len() + payload.len().div_ceil(3) * 4 + 46);
    token.push_str(header);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
    let mut mac = key.clone();
    mac.update(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut token);
    Ok(token)
}

/// The algorithms a header may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// HMAC-SHA256.
    Hs256,
    /// ECDSA P-256 SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

/// A compact JWS split into its parts, with its header read.
#[derive(Debug)]
pub struct Compact<'t> {
    token: &'t str,
    signing_input: &'t str,
    payload: &'t str,
    signature: &'t str,
    alg: Alg,
    kid: [u8; MAX_KID],
    kid_len: usize,
}

#[derive(Deserialize)]
struct HeaderFields<'a> {
    #[serde(borrow)]
    alg: &'a str,
    #[serde(borrow, default)]
    kid: Option<&'a str>,
}

impl<'t> Compact<'t> {
    /// Splits `token` and reads its header; anything that is not a compact JWS with a known
    /// algorithm and a key id is refused.
    pub fn parse(token: &'t str) -> Result<Self, InvalidToken> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(InvalidToken);
        }
        let (signing_input, signature) = token.rsplit_once('.').ok_or(InvalidToken)?;
        let (header, payload) = signing_input.split_once('.').ok_or(InvalidToken)?;
        let mut buf = [0u8; MAX_HEADER];
        let n = URL_SAFE_NO_PAD
            .decode_slice(header, &mut buf)
            .map_err(|_| InvalidToken)?;
        let fields: HeaderFields<'_> =
            serde_json::from_slice(&buf[..n]).map_err(|_| InvalidToken)?;
        let alg = match fields.alg {
            "HS256" => Alg::Hs256,
            "ES256" => Alg::Es256,
            "EdDSA" => Alg::EdDsa,
            _ => return Err(InvalidToken),
        };
        let kid = fields.kid.ok_or(InvalidToken)?.as_bytes();
        if kid.is_empty() || kid.len() > MAX_KID {
            return Err(InvalidToken);
        }
        let mut out = Self {
            token,
            signing_input,
            payload,
            signature,
            alg,
            kid: [0; MAX_KID],
            kid_len: kid.len(),
        };
        out.kid[..kid.len()].copy_from_slice(kid);
        Ok(out)
    }

    /// The whole token.
    pub fn token(&self) -> &'t str {
        self.token
    }

    /// The header's algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The header's key id.
    pub fn kid(&self) -> &str {
        // Copied from a `&str` whole: always UTF-8.
        std::str::from_utf8(&self.kid[..self.kid_len]).unwrap_or_default()
    }

    /// Whether the header names HS256 and the signature verifies under `key` (compared in
    /// constant time).
    pub fn hs256_verifies(&self, key: &Hmac<Sha256>) -> bool {
        if self.alg != Alg::Hs256 {
            return false;
        }
        let mut sig = [0u8; 32];
        match URL_SAFE_NO_PAD.decode_slice(self.signature, &mut sig) {
            Ok(32) => {}
            _ => return false,
        }
        let mut mac = key.clone();
        mac.update(self.signing_input.as_bytes());
        mac.verify_slice(&sig).is_ok()
    }

    /// The claims a check reads, from the payload (call it once the signature verified).
    pub fn claims(&self) -> Result<AccessClaims, InvalidToken> {
        let mut buf = [0u8; MAX_PAYLOAD];
        let n = URL_SAFE_NO_PAD
            .decode_slice(self.payload, &mut buf)
            .map_err(|_| InvalidToken)?;
        let wire: Wire<'_> = serde_json::from_slice(&buf[..n]).map_err(|_| InvalidToken)?;
        Ok(AccessClaims {
            user_id: wire.user.user_id.into_owned(),
            network_id: wire.user.network_id.into_owned(),
            sid: wire.sid.into_owned(),
            jti: wire.jti.into_owned(),
            exp: wire.exp,
            nk: wire.nk.map(Cow::into_owned),
        })
    }
}

/// What a check needs of an access token's claims.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccessClaims {
    /// `user.userId`.
    pub user_id: String,
    /// `user.networkId`.
    pub network_id: String,
    /// The session.
    pub sid: String,
    /// The token id (its keyed hash is the session's proof).
    pub jti: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// The network's key id, in tokens signed by the flavor's signing keys.
    pub nk: Option<String>,
}

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow)]
    user: WireUser<'a>,
    #[serde(borrow)]
    sid: Cow<'a, str>,
    #[serde(borrow)]
    jti: Cow<'a, str>,
    exp: i64,
    #[serde(borrow, default)]
    nk: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct WireUser<'a> {
    #[serde(rename = "userId", borrow)]
    user_id: Cow<'a, str>,
    #[serde(rename = "networkId", borrow)]
    network_id: Cow<'a, str>,
}

/// The same claims read by `jsonwebtoken` (the asymmetric keys' path).
#[derive(Deserialize)]
pub struct OwnedClaims {
    user: OwnedUser,
    sid: String,
    jti: String,
    exp: i64,
    #[serde(default)]
    nk: Option<String>,
}

#[derive(Deserialize)]
struct OwnedUser {
    #[serde(rename = "userId")]
    user_id: String,
    #[serde(rename = "networkId")]
    network_id: String,
}

impl From<OwnedClaims> for AccessClaims {
    fn from(c: OwnedClaims) -> Self {
        Self {
            user_id: c.user.user_id,
            network_id: c.user.network_id,
            sid: c.sid,
            jti: c.jti,
            exp: c.exp,
            nk: c.nk,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::json;

    use super::*;

    fn claims() -> serde_json::Value {
        json!({
            "user": {"userId": "al\"ice é", "publicUserId": "x", "networkId": "n1",
                     "deviceInfo": {"kind": "web", "nested": [1, {"a": null}]}},
            "sub": "s", "sid": "sid1", "jti": "jti1", "iat": 1, "exp": 2
        })
    }

    fn sign(alg: Algorithm, kid: Option<&str>, key: &[u8]) -> String {
        let mut h = Header::new(alg);
        h.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&h, &claims(), &EncodingKey::from_secret(key)).unwrap()
    }

    fn mac(key: &[u8]) -> Hmac<Sha256> {
        Hmac::new_from_slice(key).unwrap()
    }

    #[test]
    fn a_signed_token_is_the_one_jsonwebtoken_writes_and_verifies() {
        let header = hs256_header("k1").unwrap();
        let token = sign_hs256(&header, &claims(), &mac(b"secret")).unwrap();
        assert_eq!(token, sign(Algorithm::HS256, Some("k1"), b"secret"));
        let jws = Compact::parse(&token).unwrap();
        assert_eq!((jws.alg(), jws.kid()), (Alg::Hs256, "k1"));
        assert!(jws.hs256_verifies(&mac(b"secret")));
        assert!(!jws.hs256_verifies(&mac(b"other")));
        assert_eq!(jws.claims().unwrap().jti, "jti1");
    }

    #[test]
    fn tokens_signed_by_jsonwebtoken_read_back() {
        let key = b"k".repeat(32);
        let token = sign(Algorithm::HS256, Some("kid-1"), &key);
        let c = Compact::parse(&token).unwrap();
        assert_eq!(
            (c.alg(), c.kid(), c.token()),
            (Alg::Hs256, "kid-1", token.as_str())
        );
        assert!(c.hs256_verifies(&mac(&key)));
        assert!(!c.hs256_verifies(&mac(b"other")));
        assert_eq!(
            c.claims().unwrap(),
            AccessClaims {
                user_id: "al\"ice é".into(),
                network_id: "n1".into(),
                sid: "sid1".into(),
                jti: "jti1".into(),
                exp: 2,
                nk: None,
            }
        );
    }

    #[test]
    fn altered_unsigned_and_foreign_tokens_are_refused() {
        let key = b"k".repeat(32);
        let token = sign(Algorithm::HS256, Some("kid-1"), &key);
        let (input, sig) = token.rsplit_once('.').unwrap();
        // Another payload under the same signature.
        let (header, _) = input.split_once('.').unwrap();
        let forged = format!(
            "{header}.{}.{sig}",
            URL_SAFE_NO_PAD.encode(
                r#"{"user":{"userId":"eve","networkId":"n1"},"sid":"s","jti":"j","exp":9}"#
            )
        );
        assert!(!Compact::parse(&forged).unwrap().hs256_verifies(&mac(&key)));
        // A truncated signature, none at all, "alg": "none", another algorithm, no kid.
        let short = &token[..token.len() - 2];
        assert!(!Compact::parse(short).unwrap().hs256_verifies(&mac(&key)));
        assert!(!Compact::parse(&format!("{input}."))
            .unwrap()
            .hs256_verifies(&mac(&key)));
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"kid-1"}"#),
            input.split_once('.').unwrap().1
        );
        assert!(Compact::parse(&none).is_err());
        assert!(Compact::parse(&sign(Algorithm::HS512, Some("k"), &key)).is_err());
        assert!(Compact::parse(&sign(Algorithm::HS256, None, &key)).is_err());
        for bad in ["", "a.b", "a.b.c", "...", &"a".repeat(MAX_TOKEN_LEN + 1)] {
            assert!(Compact::parse(bad).is_err(), "{bad}");
        }
        // A kid longer than any we issue.
        let long_kid = sign(Algorithm::HS256, Some(&"k".repeat(65)), &key);
        assert!(Compact::parse(&long_kid).is_err());
    }
}
