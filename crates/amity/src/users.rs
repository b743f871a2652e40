//! Users: store documents in `amity.users.<networkId>`, keyed by `userId`, created on first
//! sight and then changed only by the fields a request sends.

use serde::{Deserialize, Serialize};
use session_core::token::random_hex;
use session_core::CoreDeps;
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

/// The user `user_id`, created now when unknown; otherwise updated with `changes` (only the
/// fields sent, and only when they differ). Concurrent first sightings share one `_id`.
pub async fn upsert(
    core: &CoreDeps,
    network: &Network,
    user_id: &str,
    changes: &UserChanges,
) -> session_core::Result<User> {
    let now = iso(core.clock.now());
    let fresh = User {
        id: random_hex(12)?,
        user_id: user_id.to_owned(),
        display_name: Some(
            changes
                .display_name
                .clone()
                .unwrap_or_else(|| user_id.to_owned()),
        ),
        profile_handle: changes.profile_handle.clone(),
        roles: network.settings.default_user_roles.clone(),
        created_at: now.clone(),
        updated_at: now.clone(),
        ..User::default()
    };
    let collection = network.users_collection();
    let (stored, inserted) = core
        .store
        .doc_insert(&collection, user_id, &to_json(&fresh)?)
        .await?;
    if inserted {
        return Ok(fresh);
    }
    let mut user = from_json(&stored)?;
    let mut changed = false;
    if let Some(name) = &changes.display_name {
        if user.display_name.as_ref() != Some(name) {
            user.display_name = Some(name.clone());
            changed = true;
        }
    }
    if let Some(handle) = &changes.profile_handle {
        if user.profile_handle.as_ref() != Some(handle) {
            user.profile_handle = Some(handle.clone());
            changed = true;
        }
    }
    if changed {
        user.updated_at = now;
        core.store
            .doc_put(&collection, user_id, &to_json(&user)?)
            .await?;
    }
    Ok(user)
}

/// The user `user_id`, if known.
pub async fn get(
    core: &CoreDeps,
    network: &Network,
    user_id: &str,
) -> session_core::Result<Option<User>> {
    match core
        .store
        .doc_get(&network.users_collection(), user_id)
        .await?
    {
        Some(doc) => from_json(&doc).map(Some),
        None => Ok(None),
    }
}

fn to_json(user: &User) -> session_core::Result<String> {
    serde_json::to_string(user)
        .map_err(|e| session_core::Error::Internal(format!("cannot encode a user: {e}")))
}

fn from_json(doc: &str) -> session_core::Result<User> {
    serde_json::from_str(doc)
        .map_err(|e| session_core::Error::Internal(format!("unreadable user document: {e}")))
}
