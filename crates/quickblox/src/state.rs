//! What the routes share, and the section they are built from.

use std::sync::{Arc, OnceLock};

use chrono::Duration;
use flavor_kit::Throttle;
use serde::{Deserialize, Serialize};
use session_core::{CoreDeps, Flavor};

use crate::directory::{Directory, Tenants};
use crate::settings::Settings;

/// The `[quickblox]` section as the gateway loads it, with the directory of its applications and
/// users, built (and its passwords hashed) once, on first use, for every worker.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Section {
    settings: Settings,
    #[serde(skip)]
    directory: OnceLock<Arc<Directory>>,
}

impl From<Settings> for Section {
    fn from(settings: Settings) -> Self {
        Self {
            settings,
            directory: OnceLock::new(),
        }
    }
}

impl Section {
    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The directory, built on first use only.
    pub fn directory(&self) -> Arc<Directory> {
        self.directory
            .get_or_init(|| Arc::new(Directory::build(&self.settings)))
            .clone()
    }
}

/// The flavor's per-worker state.
pub struct State {
    /// Store, clock, hasher, limits.
    pub core: CoreDeps,
    /// Applications and users.
    pub tenants: Tenants,
    /// How far a timestamp may be from server time, in seconds.
    pub window_seconds: i64,
    /// Sliding session lifetime.
    pub ttl: Duration,
    /// Failed user logins, counted per user and per client address.
    pub throttle: Throttle,
}

impl State {
    /// Builds the state from the gateway's deps and the section.
    pub fn new(core: CoreDeps, section: &Section) -> Self {
        let settings = section.settings();
        Self {
            tenants: Tenants::new(section.directory(), core.store.clone()),
            window_seconds: i64::try_from(settings.timestamp_window_seconds)
                .unwrap_or(i64::MAX / 4),
            ttl: Duration::seconds(i64::try_from(settings.session_ttl_seconds).unwrap_or(7200)),
            throttle: Throttle::new(Flavor::Quickblox, &core, settings.throttle),
            core,
        }
    }
}
