//! Testing mode (`[testing] enabled`, refused with `APP_ENV=production`): the gateway as a local
//! stand-in for the vendors' services in CI. A clock every expiry follows and that tests move
//! ([`clock`]), reset and snapshots of the store's state ([`state`]), injected faults
//! ([`faults`]) and a request journal ([`journal`]), under `/admin/v1/testing/*` behind the admin
//! bearer ([`routes`]). docs/testing.md is the contract.
//!
//! Nothing of it runs unless it is on: startup wraps the clock and each worker's store, mounts
//! the routes and the middleware ([`layer`]) only then.

pub mod clock;
pub mod faults;
pub mod journal;
pub mod layer;
pub mod mask;
pub mod openapi;
pub mod routes;
pub mod seen;
pub mod settings;
pub mod state;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use session_core::{Flavor, SharedClock, SharedStore};

use self::clock::TestingClock;
use self::faults::Faults;
use self::journal::Journal;
use self::settings::TestingSettings;
use crate::configuration::Settings;

/// What testing mode keeps in one process, shared by its workers.
pub struct Testing {
    /// `[testing]`.
    pub settings: TestingSettings,
    /// The clock every flavor and store reads.
    pub clock: Arc<TestingClock>,
    /// The injected faults.
    pub faults: Faults,
    /// The request journal.
    pub journal: Journal,
    /// The flavors this process serves.
    pub served: Vec<Flavor>,
    /// The admin bearer.
    token: Arc<str>,
}

impl Testing {
    /// Testing mode over `base`, when the settings turn it on.
    pub fn new(settings: &Settings, base: SharedClock) -> Option<Arc<Self>> {
        let t = &settings.testing;
        if !t.enabled {
            return None;
        }
        Some(Arc::new(Self {
            settings: t.clone(),
            clock: Arc::new(TestingClock::new(base)),
            faults: Faults::default(),
            journal: Journal::new(t.journal_size),
            served: settings.flavors.enabled.clone(),
            token: settings.admin.token.clone().unwrap_or_default().into(),
        }))
    }

    /// The clock, as the flavors and stores take it.
    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }

    /// Before serving: catches up with the shared clock, loads `seed_file` (replacing the
    /// state), and keeps the clock in step with `store` from then on.
    pub async fn start(&self, store: SharedStore) -> Result<(), String> {
        self.clock.sync(&store).await;
        if let Some(path) = &self.settings.seed_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("testing.seed_file {}: {e}", path.display()))?;
            let snapshot: state::Snapshot = serde_json::from_str(&text)
                .map_err(|e| format!("testing.seed_file {}: {e}", path.display()))?;
            let loaded = state::load(&store, &snapshot)
                .await
                .map_err(|e| format!("testing.seed_file {}: {e}", path.display()))?;
            tracing::info!(
                owners = loaded.owners,
                sessions = loaded.sessions,
                documents = loaded.documents,
                "testing: seeded the store"
            );
        }
        self.clock
            .spawn_sync(store, Duration::from_millis(self.settings.clock_sync_ms));
        tracing::warn!(
            "testing mode is on: /admin/v1/testing/* can move the clock and wipe the store"
        );
        Ok(())
    }
}

/// Mounts `/admin/v1/testing/*` (before the admin scope, which would take the path otherwise).
/// `throttle` counts wrong bearers, shared with the admin API.
pub fn configure(
    cfg: &mut web::ServiceConfig,
    testing: &Arc<Testing>,
    store: SharedStore,
    throttle: Arc<flavor_kit::Throttle>,
) {
    let ctx = routes::Ctx {
        testing: testing.clone(),
        store,
    };
    routes::configure(cfg, ctx, testing.token.clone(), throttle);
}
