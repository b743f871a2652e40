//! What the flavor keeps in a session's attributes and the JSON it answers with.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use session_core::{Attrs, Session};
use utoipa::ToSchema;

use crate::users::User;

/// The response header that tells when the token expires.
pub const EXPIRATION_HEADER: &str = "QB-Token-ExpirationDate";

/// Attribute keys of a QuickBlox session.
pub mod attr {
    /// The session's integer id.
    pub const ID: &str = "qb_id";
    /// The nonce of the creating request.
    pub const NONCE: &str = "nonce";
    /// The timestamp of the creating request.
    pub const TS: &str = "ts";
}

/// The attributes of a new session.
pub fn new_attrs(id: u64, nonce: i64, ts: i64) -> Attrs {
    let mut attrs = Attrs::new();
    attrs.insert(attr::ID.into(), id.into());
    attrs.insert(attr::NONCE.into(), nonce.into());
    attrs.insert(attr::TS.into(), ts.into());
    attrs
}

/// An integer attribute (0 when absent).
/// The session's application: its tenant.
pub fn application_id(session: &Session) -> i64 {
    session.tenant.parse().unwrap_or(0)
}

/// The session's user: its subject, 0 for an application session.
pub fn user_id(session: &Session) -> i64 {
    session
        .subject
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// An integer attribute, 0 when missing.
pub fn int_attr(session: &Session, key: &str) -> i64 {
    session.attrs.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// `2012-04-03T07:34:48Z`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2012-04-03 09:34:48 UTC`, the form of [`EXPIRATION_HEADER`].
pub fn expiration(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The session object of `{"session": {...}}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuickbloxSession)]
pub struct SessionView {
    /// The session's store id (hex).
    #[serde(rename = "_id")]
    #[schema(example = "6d6fb7f3173903077d452f69a87c35c6756e0924")]
    pub store_id: String,
    /// Its integer id (a random positive 31-bit number).
    #[schema(example = 1667177452)]
    pub id: i64,
    /// The application.
    #[schema(example = 4242)]
    pub application_id: i64,
    /// The logged-in user, 0 for an application session.
    #[schema(example = 0)]
    pub user_id: i64,
    /// The nonce of the creating request.
    #[schema(example = 14632)]
    pub nonce: i64,
    /// The timestamp of the creating request (Unix seconds).
    #[schema(example = 1795321896)]
    pub ts: i64,
    /// The session token (40 lowercase hex characters): send it as `QB-Token`.
    #[schema(example = "e8d29ce24699f7942dbd10d6a9658e43c2845f2c")]
    pub token: String,
    /// When it was created (`2026-11-22T04:31:36Z`).
    #[schema(example = "2026-11-22T04:31:36Z")]
    pub created_at: String,
    /// When it was last used or changed.
    #[schema(example = "2026-11-22T04:31:36Z")]
    pub updated_at: String,
}

/// `{"session": ...}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuickbloxSessionEnvelope)]
pub struct SessionEnvelope {
    /// The session.
    pub session: SessionView,
}

impl SessionEnvelope {
    /// The envelope of `session`, whose token is `token`.
    pub fn new(session: &Session, token: &str) -> Self {
        Self {
            session: SessionView {
                store_id: session.id.to_string(),
                id: int_attr(session, attr::ID),
                application_id: application_id(session),
                user_id: user_id(session),
                nonce: int_attr(session, attr::NONCE),
                ts: int_attr(session, attr::TS),
                token: token.to_owned(),
                created_at: timestamp(session.created_at),
                updated_at: timestamp(session.updated_at),
            },
        }
    }
}

/// The user object of `{"user": {...}}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuickbloxUser)]
pub struct UserView {
    /// The user's id.
    #[schema(example = 1001)]
    pub id: u64,
    /// The login.
    #[schema(example = "alice")]
    pub login: String,
    /// The e-mail address.
    #[schema(example = "alice@example.com")]
    pub email: Option<String>,
    /// The display name.
    #[schema(example = "Alice Example")]
    pub full_name: Option<String>,
    /// When the user was created.
    #[schema(example = "2024-01-01T00:00:00Z")]
    pub created_at: String,
    /// When the user last changed.
    #[schema(example = "2024-01-01T00:00:00Z")]
    pub updated_at: String,
    /// This login.
    #[schema(example = "2026-11-22T04:31:36Z")]
    pub last_request_at: String,
}

/// `{"user": ...}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuickbloxUserEnvelope)]
pub struct UserEnvelope {
    /// The user.
    pub user: UserView,
}

impl UserEnvelope {
    /// The envelope of `user` logging in at `now`.
    pub fn new(user: &User, now: DateTime<Utc>) -> Self {
        Self {
            user: UserView {
                id: user.id,
                login: user.login.clone(),
                email: user.email.clone(),
                full_name: user.full_name.clone(),
                created_at: timestamp(user.created_at),
                updated_at: timestamp(user.created_at),
                last_request_at: timestamp(now),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn time_formats() {
        let t = Utc.with_ymd_and_hms(2012, 4, 3, 7, 34, 48).unwrap();
        assert_eq!(timestamp(t), "2012-04-03T07:34:48Z");
        assert_eq!(expiration(t), "2012-04-03 07:34:48 UTC");
    }
}
