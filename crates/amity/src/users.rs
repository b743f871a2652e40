//! Users: each user's document lives with its sessions (the owner's document in the store),
//! created on first sight and then changed only by the fields a request sends, in the same store
//! step as the session.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use session_core::clock::from_millis;
use session_core::{CoreDeps, DocUpsert, Flavor, Owner};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::network::Network;
use crate::roles::RoleView;
use crate::times::iso;

/// A user as stored, and as responses show it (every field is always written; the `default`
/// only fills fields missing from a stored document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = AmityUserRecord)]
pub struct User {
    /// Stable internal id (24 hex characters).
    #[serde(rename = "_id")]
    #[schema(required = true, example = "2509732605dee205d0e558c2")]
    pub id: String,
    /// The client's user id.
    #[schema(required = true, example = "alice")]
    pub user_id: String,
    /// Shown name (the `userId` when never given).
    #[schema(required = true, example = "Alice")]
    pub display_name: Option<String>,
    /// Unique handle (v4 and later).
    #[schema(required = true)]
    pub profile_handle: Option<String>,
    /// Free text.
    #[schema(required = true, example = "")]
    pub description: String,
    /// Avatar file.
    #[schema(required = true)]
    pub avatar_file_id: Option<String>,
    /// Avatar URL.
    #[schema(required = true)]
    pub avatar_custom_url: Option<String>,
    /// Role ids.
    #[schema(required = true)]
    pub roles: Vec<String>,
    /// Free-form metadata.
    #[schema(required = true, value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Times flagged.
    #[schema(required = true, example = 0)]
    pub flag_count: u64,
    /// Flag bloom filter.
    #[schema(required = true, value_type = Option<Object>)]
    pub hash_flag: Option<serde_json::Value>,
    /// Banned from the whole network: sessions are refused.
    #[schema(required = true, example = false)]
    pub is_global_ban: bool,
    /// A brand account.
    #[schema(required = true, example = false)]
    pub is_brand: bool,
    /// Soft-deleted.
    #[schema(required = true, example = false)]
    pub is_deleted: bool,
    /// ISO 8601 UTC with milliseconds.
    #[schema(required = true, example = "2026-11-22T04:27:29.200Z")]
    pub created_at: String,
    /// ISO 8601 UTC with milliseconds.
    #[schema(required = true, example = "2026-11-22T04:27:29.200Z")]
    pub updated_at: String,
}

impl Default for User {
    fn default() -> Self {
        Self {
            id: String::new(),
            user_id: String::new(),
            display_name: None,
            profile_handle: None,
            description: String::new(),
            avatar_file_id: None,
            avatar_custom_url: None,
            roles: Vec::new(),
            metadata: serde_json::Map::new(),
            flag_count: 0,
            hash_flag: None,
            is_global_ban: false,
            is_brand: false,
            is_deleted: false,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }
}

/// The fields of a user a session request may set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserChanges {
    /// `displayName`, when sent.
    pub display_name: Option<String>,
    /// `profileHandle`, when sent.
    pub profile_handle: Option<String>,
}

/// A user as a response shows it: the stored user and what is derived from it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AmityUser)]
pub struct UserView {
    #[serde(flatten)]
    user: User,
    /// `<networkId>/social/user/<_id>`.
    #[schema(example = "c09e2577972f047b2181e6a1/social/user/2509732605dee205d0e558c2")]
    path: String,
    /// The same as `_id`.
    #[schema(example = "2509732605dee205d0e558c2")]
    user_internal_id: String,
    /// The same as `userId`.
    #[schema(example = "alice")]
    user_public_id: String,
    /// The union of the user's roles' permissions, sorted.
    permissions: Vec<String>,
}

impl UserView {
    /// The view of `user` in `network`.
    pub fn new(user: User, network: &Network) -> Self {
        let permissions = RoleView::permissions_of(network, &user.roles);
        Self {
            path: format!("{}/social/user/{}", network.id, user.id),
            user_internal_id: user.id.clone(),
            user_public_id: user.user_id.clone(),
            permissions,
            user,
        }
    }
}

/// The partition of a user's sessions, with the user's document and auth tokens.
pub fn owner(network: &Network, user_id: &str) -> session_core::Result<Owner> {
    Owner::new(Flavor::Amity, &[&network.id, user_id])
}

/// The stable internal id (`_id`, 24 hex characters) of `user_id` in `network`: a digest of
/// both, so every replica and every concurrent first sighting agrees on it without reading the
/// store, and the access token that names it can be signed before the user is stored.
pub fn internal_id(network: &Network, user_id: &str) -> String {
    let mut h = Sha256::new();
    for part in ["amity-user", network.id.as_str(), user_id] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(&h.finalize()[..12])
}

/// The member of the stored document that records the last change.
const UPDATED: &str = "u";
/// The member that records the display name (left out while it is the `userId`).
const DISPLAY_NAME: &str = "n";
/// The member that records the profile handle.
const PROFILE_HANDLE: &str = "h";
/// The member that bans the user from the whole network.
const GLOBAL_BAN: &str = "gb";

/// What a session request asks of the user's document, in the same store step as the session:
/// the user as first seen, or the fields the request sends (only where they differ), refused
/// for a banned user.
pub fn upsert_plan(
    network: &Network,
    user_id: &str,
    changes: &UserChanges,
    now: DateTime<Utc>,
) -> session_core::Result<DocUpsert> {
    let now_ms = now.timestamp_millis();
    let fresh = Stored {
        id: internal_id(network, user_id),
        created_at: now_ms,
        updated_at: now_ms,
        display_name: changes.display_name.clone().filter(|n| n != user_id),
        profile_handle: changes.profile_handle.clone(),
        roles: network.settings.default_user_roles.clone(),
        ..Stored::default()
    };
    let mut patch = Vec::new();
    if let Some(name) = &changes.display_name {
        patch.push((DISPLAY_NAME.to_owned(), name.clone()));
    }
    if let Some(handle) = &changes.profile_handle {
        patch.push((PROFILE_HANDLE.to_owned(), handle.clone()));
    }
    Ok(DocUpsert {
        fresh: encode(&fresh)?,
        patch,
        defaults: vec![(DISPLAY_NAME.to_owned(), user_id.to_owned())],
        stamp: Some(UPDATED.to_owned()),
        refuse_if: Some(GLOBAL_BAN.to_owned()),
    })
}

/// The user `user_id` from its stored document.
pub fn from_doc(doc: &[u8], user_id: &str) -> session_core::Result<User> {
    let s: Stored = rmp_serde::from_slice(doc)
        .map_err(|e| session_core::Error::Internal(format!("unreadable user document: {e}")))?;
    Ok(User {
        id: s.id,
        user_id: user_id.to_owned(),
        display_name: Some(s.display_name.unwrap_or_else(|| user_id.to_owned())),
        profile_handle: s.profile_handle,
        description: s.description,
        avatar_file_id: s.avatar_file_id,
        avatar_custom_url: s.avatar_custom_url,
        roles: s.roles,
        metadata: s.metadata,
        flag_count: s.flag_count,
        hash_flag: s.hash_flag,
        is_global_ban: s.is_global_ban,
        is_brand: s.is_brand,
        is_deleted: s.is_deleted,
        created_at: iso(from_millis(s.created_at)),
        updated_at: iso(from_millis(s.updated_at)),
    })
}

/// The user `user_id`, if known (one read of its owner's document).
pub async fn get(
    core: &CoreDeps,
    network: &Network,
    user_id: &str,
) -> session_core::Result<Option<User>> {
    let owner = owner(network, user_id)?;
    match core.store.owner_doc(&owner).await? {
        Some(doc) => from_doc(&doc, user_id).map(Some),
        None => Ok(None),
    }
}

fn encode(s: &Stored) -> session_core::Result<Vec<u8>> {
    rmp_serde::to_vec_named(s)
        .map_err(|e| session_core::Error::Internal(format!("cannot encode a user: {e}")))
}

/// A user as the store keeps it: short member names, and nothing that has its default value
/// (the `userId` is the owner's, so it is not repeated).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
struct Stored {
    #[serde(rename = "i")]
    id: String,
    #[serde(rename = "c")]
    created_at: i64,
    #[serde(rename = "u")]
    updated_at: i64,
    #[serde(rename = "n", skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(rename = "h", skip_serializing_if = "Option::is_none")]
    profile_handle: Option<String>,
    #[serde(rename = "r", skip_serializing_if = "Vec::is_empty")]
    roles: Vec<String>,
    #[serde(rename = "d", skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(rename = "a", skip_serializing_if = "Option::is_none")]
    avatar_file_id: Option<String>,
    #[serde(rename = "au", skip_serializing_if = "Option::is_none")]
    avatar_custom_url: Option<String>,
    #[serde(rename = "m", skip_serializing_if = "serde_json::Map::is_empty")]
    metadata: serde_json::Map<String, serde_json::Value>,
    #[serde(rename = "fc", skip_serializing_if = "is_zero")]
    flag_count: u64,
    #[serde(rename = "hf", skip_serializing_if = "Option::is_none")]
    hash_flag: Option<serde_json::Value>,
    #[serde(rename = "gb", skip_serializing_if = "is_false")]
    is_global_ban: bool,
    #[serde(rename = "b", skip_serializing_if = "is_false")]
    is_brand: bool,
    #[serde(rename = "x", skip_serializing_if = "is_false")]
    is_deleted: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::settings::NetworkSettings;

    fn network() -> Network {
        Network::new(
            NetworkSettings {
                api_key: "k".into(),
                ..NetworkSettings::default()
            },
            &session_core::TokenHasher::new("s"),
            std::sync::Arc::default(),
        )
    }

    #[test]
    fn a_new_user_is_small_and_reads_back() {
        let n = network();
        let now = DateTime::from_timestamp_millis(1_764_000_000_123).unwrap();
        let plan = upsert_plan(&n, "alice", &UserChanges::default(), now).unwrap();
        assert!(plan.fresh.len() < 64, "{} bytes", plan.fresh.len());
        let u = from_doc(&plan.fresh, "alice").unwrap();
        assert_eq!(u.id, internal_id(&n, "alice"));
        assert_eq!(u.id.len(), 24);
        assert_eq!(u.display_name.as_deref(), Some("alice"));
        assert_eq!(u.created_at, "2025-11-24T16:00:00.123Z");
        assert_ne!(internal_id(&n, "bob"), u.id);
        // What a script's patch writes (a name, a stamp) reads back too.
        let mut doc = session_core::doc::decode(&plan.fresh).unwrap();
        doc.insert("n".into(), "Alice".into());
        doc.insert("u".into(), 1_764_000_000_999i64.into());
        let u = from_doc(&session_core::doc::encode(&doc).unwrap(), "alice").unwrap();
        assert_eq!(u.display_name.as_deref(), Some("Alice"));
        assert_eq!(u.updated_at, "2025-11-24T16:00:00.999Z");
        assert!(from_doc(b"\xc1", "alice").is_err());
    }
}
