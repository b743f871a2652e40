//! What the routes share.

use std::sync::Arc;

use flavor_kit::signing_keys::KeyRing;
use flavor_kit::Throttle;
use session_core::{CoreDeps, Flavor};

use crate::network::Networks;
use crate::settings::Settings;
use crate::token_memo::{TokenMemo, MEMO_ENTRIES};

/// The flavor's per-worker state.
pub struct State {
    /// Store, clock, hasher, limits.
    pub core: CoreDeps,
    /// The networks served (run-time networks are read from the store on use).
    pub networks: Networks,
    /// Failed credential checks, counted per client address and per user.
    pub throttle: Throttle,
    /// The access tokens this worker has verified.
    pub memo: TokenMemo,
}

impl State {
    /// Builds the state from the gateway's deps and the section.
    pub fn new(core: CoreDeps, settings: &Arc<Settings>) -> Self {
        let signing = KeyRing::new(&settings.signing_keys).unwrap_or_else(|e| {
            // Validated with the section: never reached.
            tracing::error!(reason = %e, "amity: signing_keys left out");
            KeyRing::default()
        });
        let networks = Networks::from_settings(settings, &core.hasher, Arc::new(signing));
        let throttle = Throttle::new(Flavor::Amity, &core, settings.throttle);
        Self {
            core,
            networks,
            throttle,
            memo: TokenMemo::new(MEMO_ENTRIES),
        }
    }
}
