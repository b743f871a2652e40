//! Names of the store document collections that hold tenants and credentials managed at run
//! time (through the admin API). Each document is the JSON of the matching configuration entry,
//! so a flavor reads a run-time tenant exactly as it reads one from `config/`.

/// QuickBlox applications, keyed by `application_id`.
pub const QUICKBLOX_APPLICATIONS: &str = "quickblox.applications";
/// QuickBlox users, keyed by `<application_id>:<login>`.
pub const QUICKBLOX_USERS: &str = "quickblox.users";
/// Amity networks, keyed by the keyed hash of their `api_key`.
pub const AMITY_NETWORKS: &str = "amity.networks";
/// QuickSync API keys, keyed by the keyed hash of the key.
pub const QUICKSYNC_API_KEYS: &str = "quicksync.api_keys";
/// Session-storage clients, keyed by `client_id`.
pub const SESSION_STORAGE_CLIENTS: &str = "session_storage.clients";

/// Every collection of run-time tenants: the documents stores keep sealed
/// ([`crate::secrets`]).
pub const ALL: [&str; 5] = [
    QUICKBLOX_APPLICATIONS,
    QUICKBLOX_USERS,
    AMITY_NETWORKS,
    QUICKSYNC_API_KEYS,
    SESSION_STORAGE_CLIENTS,
];
