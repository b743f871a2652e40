//! What the admin routes share.

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
    /// The event log and webhooks, when events are on.
    pub events: Option<crate::events::EventsAdmin>,
}
