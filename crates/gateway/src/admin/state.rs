//! What the admin routes share.

use std::sync::Arc;
use std::time::Duration;

use flavor_kit::{BodyLimits, Throttle};
use session_core::{Flavor, SharedStore, TokenHasher};

use crate::flavors::Sections;
use crate::metrics::Metrics;

/// What the admin routes need.
#[derive(Clone)]
pub struct AdminState {
    /// The bearer that opens the API.
    pub token: String,
    /// The store.
    pub store: SharedStore,
    /// Hashes credential ids (Amity and QuickSync keys are stored under their keyed hash).
    pub hasher: TokenHasher,
    /// Every flavor's loaded section: its configured tenants.
    pub sections: Sections,
    /// The flavors this process serves.
    pub enabled: Vec<Flavor>,
    /// The store's kind and target as the overview shows it (`memory`, `redis`, ...).
    pub backend: String,
    /// How long the store may take to answer a health check.
    pub timeout: Duration,
    /// The process's metrics (recent activity).
    pub metrics: Arc<Metrics>,
    /// Wrong bearers, counted per client address (`[admin.throttle]`).
    pub throttle: Arc<Throttle>,
    /// How much of a body, and for how long, is read.
    pub body: BodyLimits,
    /// The event log and webhooks, when events are on.
    pub events: Option<crate::events::EventsAdmin>,
}
