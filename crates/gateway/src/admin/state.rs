//! What the admin routes share.

use std::sync::Arc;

use flavor_kit::{BodyLimits, Throttle};
use session_core::{SharedStore, TokenHasher};

/// What the admin routes need.
#[derive(Clone)]
pub struct AdminState {
    /// The bearer that opens the API.
    pub token: String,
    /// The store.
    pub store: SharedStore,
    /// Hashes credential ids (Amity and QuickSync keys are stored under their keyed hash).
    pub hasher: TokenHasher,
    /// Wrong bearers, counted per client address (`[admin.throttle]`).
    pub throttle: Arc<Throttle>,
    /// How much of a body, and for how long, is read.
    pub body: BodyLimits,
}
