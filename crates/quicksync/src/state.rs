//! What the routes share.

use std::sync::Arc;

use flavor_kit::Throttle;
use session_core::{CoreDeps, Flavor};

use crate::api_keys::ApiKeys;
use crate::nonce::Nonces;
use crate::settings::Settings;
use crate::wallet_token::WalletTokens;

/// The flavor's per-worker state.
#[derive(Debug)]
pub struct State {
    /// Store, clock, hasher, limits.
    pub core: CoreDeps,
    /// `[quicksync]`.
    pub settings: Arc<Settings>,
    /// Wallet bearers.
    pub wallet_tokens: WalletTokens,
    /// Wallet-proof nonces.
    pub nonces: Nonces,
    /// `X-API-KEY` tenants.
    pub api_keys: ApiKeys,
    /// Failed credential checks, counted per client address and per session.
    pub throttle: Throttle,
}

impl State {
    /// Builds the state from the gateway's deps and the section.
    pub fn new(core: CoreDeps, settings: Arc<Settings>) -> Self {
        Self {
            wallet_tokens: WalletTokens::new(&settings.wallet_token),
            nonces: Nonces::new(
                core.hasher.clone(),
                &settings.wallet_proof.statement,
                settings.wallet_proof.nonce_ttl_seconds,
            ),
            api_keys: ApiKeys::new(settings.api_keys.clone()),
            throttle: Throttle::new(Flavor::Quicksync, &core, settings.throttle),
            core,
            settings,
        }
    }
}
