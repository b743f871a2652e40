//! The flavor's bearer secrets: HS256 access tokens (JWT), opaque refresh tokens and
//! secure-mode auth tokens. Each lets the server compute where its session is stored without a
//! lookup, so a check is one store read.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use session_core::token::{generate_b64_token, random_hex};
use session_core::SessionId;

use crate::errors::InvalidToken;
use crate::network::Network;

/// The only algorithm access tokens use; tokens naming another are refused.
pub const ALGORITHM: Algorithm = Algorithm::HS256;
/// Longest bearer token read at all.
pub const MAX_TOKEN_LEN: usize = 4096;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Who the token is for.
    pub user: UserClaims,
    /// The user's internal id (`_id`).
    pub sub: String,
    /// The session the token belongs to.
    pub sid: String,
    /// A unique id of this token.
    pub jti: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch); equals `expiresAt` of the response.
    pub exp: i64,
}

/// The `user` claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserClaims {
    /// The client's user id.
    pub user_id: String,
    /// The public user id (the same as `userId`).
    pub public_user_id: String,
    /// The network's id.
    pub network_id: String,
    /// The device the session was issued to, as registered.
    pub device_info: serde_json::Value,
}

/// The key id (`kid`) of an access token, read without verifying it.
pub fn key_id(token: &str) -> Result<String, InvalidToken> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(InvalidToken);
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| InvalidToken)?;
    if header.alg != ALGORITHM {
        return Err(InvalidToken);
    }
    header.kid.ok_or(InvalidToken)
}

/// Signs `claims` with the network's key.
pub fn sign(network: &Network, claims: &Claims) -> session_core::Result<String> {
    let mut header = Header::new(ALGORITHM);
    header.kid = Some(network.kid.clone());
    jsonwebtoken::encode(&header, claims, network.encoding_key())
        .map_err(|e| session_core::Error::Internal(format!("cannot sign an access token: {e}")))
}

/// Verifies the signature and algorithm of `token` and returns its claims. Expiry is the
/// caller's to check, against the gateway's clock.
pub fn verify(network: &Network, token: &str) -> Result<Claims, InvalidToken> {
    let mut validation = Validation::new(ALGORITHM);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<Claims>(token, network.decoding_key(), &validation)
        .map(|data| data.claims)
        .map_err(|_| InvalidToken)
}

/// A fresh session id (128 random bits, hex).
pub fn new_session_id() -> session_core::Result<SessionId> {
    SessionId::parse(&random_hex(16)?)
}

/// A fresh token id (`jti`).
pub fn new_jti() -> session_core::Result<String> {
    random_hex(16)
}

/// A refresh token: `base64url(userId) "." sessionId "." secret`. The user and session id
/// locate the session (the network comes from the API key); only the keyed hash of the whole
/// token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// The user the session belongs to.
    pub user_id: String,
    /// The session.
    pub session_id: SessionId,
    secret: String,
}

impl RefreshToken {
    /// A new refresh token for the session.
    pub fn issue(user_id: &str, session_id: &SessionId) -> session_core::Result<Self> {
        Ok(Self {
            user_id: user_id.to_owned(),
            session_id: session_id.clone(),
            secret: generate_b64_token()?,
        })
    }

    /// Reads a presented refresh token; `None` when it cannot be one of ours.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() > MAX_TOKEN_LEN {
            return None;
        }
        let mut parts = s.split('.');
        let (user, sid, secret) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || secret.len() < 32 {
            return None;
        }
        let user_id = String::from_utf8(URL_SAFE_NO_PAD.decode(user).ok()?).ok()?;
        Some(Self {
            user_id,
            session_id: SessionId::parse(sid).ok()?,
            secret: secret.to_owned(),
        })
    }

    /// The token as sent to the client.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(self.user_id.as_bytes()),
            self.session_id,
            self.secret
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::settings::NetworkSettings;

    fn network(api_key: &str) -> Network {
        Network::new(
            NetworkSettings {
                api_key: api_key.into(),
                ..Default::default()
            },
            &session_core::TokenHasher::new("k"),
        )
    }

    fn claims() -> Claims {
        Claims {
            user: UserClaims {
                user_id: "alice".into(),
                public_user_id: "alice".into(),
                network_id: "n".into(),
                device_info: serde_json::json!({"kind": "web"}),
            },
            sub: "u1".into(),
            sid: "s1".into(),
            jti: "j".into(),
            iat: 1,
            exp: 2,
        }
    }

    #[test]
    fn tokens_verify_only_under_their_network_key() {
        let a = network("a");
        let token = sign(&a, &claims()).unwrap();
        assert_eq!(key_id(&token).unwrap(), a.kid);
        // Expired by the system clock, yet verified: expiry is checked against core.clock.
        assert_eq!(verify(&a, &token).unwrap(), claims());
        assert_eq!(verify(&network("b"), &token), Err(InvalidToken));
        let mut tampered = token.clone();
        tampered.pop();
        assert_eq!(verify(&a, &tampered), Err(InvalidToken));
        assert_eq!(key_id("not a jwt"), Err(InvalidToken));
    }

    #[test]
    fn other_algorithms_are_refused() {
        let a = network("a");
        let mut header = Header::new(Algorithm::HS512);
        header.kid = Some(a.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims(), a.encoding_key()).unwrap();
        assert_eq!(key_id(&token), Err(InvalidToken));
        assert_eq!(verify(&a, &token), Err(InvalidToken));
    }

    #[test]
    fn refresh_tokens_round_trip() {
        let sid = new_session_id().unwrap();
        let t = RefreshToken::issue("a.b c/é", &sid).unwrap();
        let s = t.encode();
        assert_eq!(RefreshToken::parse(&s).unwrap(), t);
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            "!!.s.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "YQ.s.short",
        ] {
            assert!(RefreshToken::parse(bad).is_none(), "{bad}");
        }
        assert_ne!(
            RefreshToken::issue("a", &sid).unwrap(),
            RefreshToken::issue("a", &sid).unwrap()
        );
    }
}
