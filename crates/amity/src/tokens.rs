//! The flavor's bearer secrets: access tokens (JWT, signed by the network's own HS256 key or
//! the flavor's signing keys: [`crate::network::Network::sign`], read by [`crate::jws`]),
//! opaque refresh tokens and secure-mode auth tokens. Each lets the server compute where its
//! session is stored without a lookup, so a check is one store read.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use session_core::token::{generate_b64_token, random_hex};
use session_core::SessionId;

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
    /// The network's key id, in tokens signed by the flavor's signing keys (whose `kid` names
    /// the signing key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nk: Option<String>,
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

/// Whether `kid` has the shape of a network's key id (32 lowercase hex digits: the keyed hash
/// of its API key).
pub fn is_locator(kid: &str) -> bool {
    kid.len() == 32 && kid.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
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

    #[test]
    fn refresh_tokens_longer_than_the_bound_are_not_read() {
        let sid = new_session_id().unwrap();
        // A well-formed token of `len` characters: its secret takes up the rest.
        let token = |len: usize| {
            let head = format!("{}.{sid}.", URL_SAFE_NO_PAD.encode("u"));
            format!("{head}{}", "s".repeat(len - head.len()))
        };
        assert_eq!(token(MAX_TOKEN_LEN).len(), 4096);
        let read = RefreshToken::parse(&token(MAX_TOKEN_LEN)).unwrap();
        assert_eq!((read.user_id.as_str(), &read.session_id), ("u", &sid));
        assert!(
            RefreshToken::parse(&token(MAX_TOKEN_LEN + 1)).is_none(),
            "a token of 4097 characters was read"
        );
    }
}
