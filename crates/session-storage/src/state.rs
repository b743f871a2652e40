//! What the routes share: the core services, the settings and the clients known at start-up.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::StatusCode;
use session_core::{CoreDeps, Flavor, Owner, OwnerLimit, TokenHash, TokenHasher};

use crate::settings::{ClientSettings, Settings};

/// Domain separation for the keyed hash of client secrets.
const SECRET_PURPOSE: &str = "session-storage/client-secret";

/// An authenticated (or authenticatable) client, ready to use.
#[derive(Debug)]
pub struct Client {
    /// The `ClientID`.
    pub id: String,
    /// Keyed hash of the `ClientSecret`.
    secret_hash: TokenHash,
    /// The user part of its session ids.
    pub user: String,
    /// The store partition of its sessions.
    pub owner: Owner,
    /// Its per-user limit.
    pub limit: OwnerLimit,
}

impl Client {
    /// Builds a client from its settings (which must have passed validation).
    pub fn new(
        c: &ClientSettings,
        settings: &Settings,
        hasher: &TokenHasher,
    ) -> Result<Self, String> {
        c.validate()?;
        let user = c.user();
        let owner = Owner::new(Flavor::SessionStorage, &[&c.client_id, &user])
            .map_err(|e| e.to_string())?;
        Ok(Self {
            id: c.client_id.clone(),
            secret_hash: secret_hash(hasher, &c.client_secret),
            user,
            owner,
            limit: OwnerLimit {
                max: c.max_sessions_per_user,
                policy: settings.policy_for(c),
            },
        })
    }

    /// Whether `presented` is this client's secret (compared in constant time).
    pub fn secret_matches(&self, hasher: &TokenHasher, presented: &str) -> bool {
        self.secret_hash.ct_eq(&secret_hash(hasher, presented))
    }
}

fn secret_hash(hasher: &TokenHasher, secret: &str) -> TokenHash {
    hasher.hash_parts(&[SECRET_PURPOSE, secret])
}

/// The routes' shared state.
pub struct AppState {
    /// Store, clock, hasher, body limit.
    pub core: CoreDeps,
    /// `[session_storage]`.
    pub settings: Arc<Settings>,
    /// Clients from the configuration, by `client_id`.
    pub clients: HashMap<String, Arc<Client>>,
}

impl AppState {
    /// The state for `settings`; a client that cannot be built is logged and left out.
    pub fn new(core: CoreDeps, settings: Arc<Settings>) -> Self {
        let mut clients = HashMap::new();
        for c in &settings.clients {
            match Client::new(c, &settings, &core.hasher) {
                Ok(client) => {
                    clients.insert(client.id.clone(), Arc::new(client));
                }
                Err(e) => tracing::error!(reason = %e, "session-storage client left out"),
            }
        }
        Self {
            core,
            settings,
            clients,
        }
    }

    /// The status of a create refused at the per-user limit.
    pub fn limit_status(&self) -> StatusCode {
        StatusCode::from_u16(self.settings.limit_status).unwrap_or(StatusCode::CONFLICT)
    }
}
