//! How a QuickSync session is kept in the store: the group session carries the rules in its
//! attributes, each member session its display identity; both live in the group's partition.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use session_core::{Attrs, Session};

/// The member role of the session's creator.
pub const HOST: &str = "Host";
/// The member role of everyone who joined.
pub const CLIENT: &str = "Client";
/// The role of a group whose joins the gateway must screen first (password or whitelist).
pub const SCREENED: &str = "screened";

/// The group session's attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupAttrs {
    /// The host's member id.
    pub creator_id: String,
    /// Most members, the host included.
    pub max_users: u32,
    /// Most files.
    pub max_files: u32,
    /// Most megabytes in all.
    pub max_total_mega_bytes: u64,
    /// Argon2 PHC string of the join password.
    #[serde(default)]
    pub password_hash: Option<String>,
    /// Whether only whitelisted wallets may join.
    pub allow_only_whitelisted: bool,
    /// Whitelisted wallets, `0x` and lowercase hex.
    #[serde(default)]
    pub white_list: Vec<String>,
}

/// A member session's attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberAttrs {
    /// The generated pseudonym.
    pub pseudonym: String,
    /// Display name.
    pub name: String,
    /// Shown address.
    pub address: String,
}

/// Serialises attributes into a session's attribute map.
pub fn to_attrs<T: Serialize>(v: &T) -> session_core::Result<Attrs> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(session_core::Error::Internal(
            "attributes are not an object".into(),
        )),
    }
}

/// Reads a session's attributes back.
pub fn from_attrs<T: for<'de> Deserialize<'de>>(s: &Session) -> session_core::Result<T> {
    serde_json::from_value(serde_json::Value::Object(s.attrs.clone())).map_err(|e| {
        session_core::Error::Internal(format!("session {} has unreadable attributes: {e}", s.id))
    })
}

/// Seconds until `s` expires at `now`, rounded up (a fresh 3600 s session reports 3600); zero
/// once expired.
pub fn seconds_left(s: &Session, now: DateTime<Utc>) -> i64 {
    let ms = (s.expires_at - now).num_milliseconds();
    if ms <= 0 {
        0
    } else {
        (ms + 999) / 1000
    }
}
