//! What every flavor receives from the gateway.

use crate::clock::SharedClock;
use crate::metadata::MetadataPolicy;
use crate::store::SharedStore;
use crate::token::TokenHasher;

/// The shared services a flavor's routes run on: the store, the clock, the token hasher, the
/// request limits and the metadata policy. Cheap to clone.
#[derive(Clone)]
pub struct CoreDeps {
    /// Where sessions live.
    pub store: SharedStore,
    /// The time.
    pub clock: SharedClock,
    /// Keyed hashing of bearer secrets before they reach the store.
    pub hasher: TokenHasher,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// What sessions record of their clients.
    pub metadata: MetadataPolicy,
    /// How long a request body may take to arrive (`server.body_timeout_secs`).
    pub body_timeout: std::time::Duration,
}

impl std::fmt::Debug for CoreDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreDeps")
            .field("clock", &self.clock)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("metadata", &self.metadata)
            .field("body_timeout", &self.body_timeout)
            .finish_non_exhaustive()
    }
}
