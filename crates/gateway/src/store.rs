//! Builds the configured store. The memory store is one shared instance; Redis gets one
//! `RedisStore` per actix worker (its connection's driver then runs on the worker's own runtime).

use std::sync::Arc;
use std::time::Duration;

use session_core::{MemoryStore, SharedClock, SharedStore};
use session_redis::{RedisSettings, RedisStore};

impl StoreSettings {
    /// The Redis part of the settings.
    pub fn redis_settings(&self) -> RedisSettings {
        RedisSettings {
            url: self.url.clone(),
            cluster_urls: self.cluster_urls.clone(),
            key_prefix: self.key_prefix.clone(),
            timeout: Duration::from_millis(self.timeout_ms),
        }
    }
}

use crate::configuration::{Backend, StoreSettings};

/// How often the memory store drops expired sessions.
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Hands each worker its store.
#[derive(Clone)]
pub enum StoreFactory {
    /// One store shared by every worker.
    Shared(SharedStore),
    /// A new lazily connecting Redis store per worker.
    Redis(RedisSettings, SharedClock),
}

impl StoreFactory {
    /// The factory for `settings`. Call from within the runtime (the memory store's sweeper is a
    /// task).
    pub fn new(settings: &StoreSettings, clock: SharedClock) -> Self {
        match settings.backend {
            Backend::Memory => {
                let store = Arc::new(MemoryStore::new(clock));
                store.spawn_sweeper(SWEEP_EVERY);
                Self::Shared(store)
            }
            Backend::Redis => Self::Redis(settings.redis_settings(), clock),
        }
    }

    /// The store one worker uses.
    pub fn for_worker(&self) -> Result<SharedStore, session_core::Error> {
        match self {
            Self::Shared(store) => Ok(store.clone()),
            Self::Redis(settings, clock) => {
                Ok(Arc::new(RedisStore::new(settings.clone(), clock.clone())?))
            }
        }
    }
}
