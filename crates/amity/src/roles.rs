//! Roles as responses show them: those of the network's configuration.

use serde::Serialize;
use utoipa::ToSchema;

use crate::network::Network;

/// A role as a response shows it (from the network's configuration).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AmityRole)]
pub struct RoleView {
    /// The role's id.
    #[schema(example = "moderator")]
    role_id: String,
    /// Its shown name (the id when none is configured).
    #[schema(example = "Moderator")]
    display_name: String,
    /// What it grants.
    #[schema(example = json!(["BAN_USER", "MUTE_CHANNEL"]))]
    permissions: Vec<String>,
    /// The network's `last_cache_purge`.
    #[schema(example = "2020-01-01T00:00:00.000Z")]
    created_at: String,
    /// The network's `last_cache_purge`.
    #[schema(example = "2020-01-01T00:00:00.000Z")]
    updated_at: String,
    /// Always false.
    is_deleted: bool,
}

impl RoleView {
    /// The network's roles among `role_ids`.
    pub fn of(network: &Network, role_ids: &[String]) -> Vec<Self> {
        let stamp = network.settings.last_cache_purge.clone();
        network
            .settings
            .roles
            .iter()
            .filter(|r| role_ids.contains(&r.role_id))
            .map(|r| Self {
                role_id: r.role_id.clone(),
                display_name: r.display_name.clone().unwrap_or_else(|| r.role_id.clone()),
                permissions: r.permissions.clone(),
                created_at: stamp.clone(),
                updated_at: stamp.clone(),
                is_deleted: false,
            })
            .collect()
    }

    /// The permissions the roles `role_ids` grant, sorted and without repeats.
    pub fn permissions_of(network: &Network, role_ids: &[String]) -> Vec<String> {
        let mut out: Vec<String> = network
            .settings
            .roles
            .iter()
            .filter(|r| role_ids.contains(&r.role_id))
            .flat_map(|r| r.permissions.iter().cloned())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}
