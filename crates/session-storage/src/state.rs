//! What the routes share: the core services, the settings and the clients known at start-up.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::StatusCode;
use flavor_kit::Throttle;
use session_core::{CoreDeps, Flavor};

use crate::clients::Client;
use crate::settings::Settings;

/// The routes' shared state.
pub struct State {
    /// Store, clock, hasher, body limit.
    pub core: CoreDeps,
    /// `[session_storage]`.
    pub settings: Arc<Settings>,
    /// Clients from the configuration, by `client_id`.
    pub clients: HashMap<String, Arc<Client>>,
    /// Wrong credentials, counted per client address.
    pub throttle: Throttle,
}

impl State {
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
            throttle: Throttle::new(Flavor::SessionStorage, &core, settings.throttle),
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
