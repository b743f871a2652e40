//! Builds the configured store. The memory store is one shared instance; Redis gets one
//! `RedisStore` per actix worker (its connection's driver then runs on the worker's own runtime).

use std::sync::Arc;
use std::time::Duration;

use session_core::events::{MemoryEventLog, SharedEventLog};
use session_core::{MemoryStore, Sealer, SharedClock, SharedStore};
use session_redis::events::RedisEventLog;
use session_redis::{EventKeys, RedisSettings, RedisStore, RedisTls};

impl StoreSettings {
    /// The backend as operators name it: `memory`, `redis` or `redis-cluster`.
    pub fn backend_name(&self) -> &'static str {
        match (self.backend, self.cluster_urls.is_empty()) {
            (Backend::Memory, _) => "memory",
            (Backend::Redis, true) => "redis",
            (Backend::Redis, false) => "redis-cluster",
        }
    }

    /// The Redis part of the settings (reads the TLS files it names).
    pub fn redis_settings(&self) -> Result<RedisSettings, session_core::Error> {
        Ok(RedisSettings {
            url: self.url.clone(),
            cluster_urls: self.cluster_urls.clone(),
            key_prefix: self.key_prefix.clone(),
            timeout: Duration::from_millis(self.timeout_ms),
            tls: RedisTls::from_files(
                self.tls_ca_file.as_deref(),
                self.tls_cert_file.as_deref(),
                self.tls_key_file.as_deref(),
            )?,
        })
    }
}

use crate::configuration::{Backend, StoreSettings};
use crate::events::EventsSettings;

/// How often the memory store drops expired sessions.
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Hands each worker its store.
#[derive(Clone)]
pub enum StoreFactory {
    /// One memory store shared by every worker.
    Memory(Arc<MemoryStore>),
    /// A new lazily connecting Redis store per worker; with events on, every store of the
    /// process shares the event keys (and their wake-ups).
    Redis(
        RedisSettings,
        SharedClock,
        Box<Sealer>,
        Option<Arc<EventKeys>>,
    ),
}

impl StoreFactory {
    /// The factory for `settings`. Call from within the runtime (the memory store's sweeper is a
    /// task).
    pub fn new(settings: &StoreSettings, clock: SharedClock) -> Result<Self, session_core::Error> {
        Self::with_events(settings, clock, None)
    }

    /// The factory for `settings`, its stores writing events when `events` says so.
    pub fn with_events(
        settings: &StoreSettings,
        clock: SharedClock,
        events: Option<&EventsSettings>,
    ) -> Result<Self, session_core::Error> {
        let events = events.filter(|e| e.enabled);
        let sealer = crate::keys::sealer(settings);
        Ok(match settings.backend {
            Backend::Memory => {
                let store = MemoryStore::with_capacity(clock, settings.memory.max_sessions)
                    .with_sealer(sealer);
                let store = Arc::new(match events {
                    Some(e) => store.with_events(e.max_events),
                    None => store,
                });
                store.spawn_sweeper(SWEEP_EVERY);
                Self::Memory(store)
            }
            Backend::Redis => {
                let keys = events.map(|_| {
                    Arc::new(EventKeys::new(
                        &settings.key_prefix,
                        !settings.cluster_urls.is_empty(),
                    ))
                });
                Self::Redis(settings.redis_settings()?, clock, Box::new(sealer), keys)
            }
        })
    }

    /// The log the stores write events to, when events are on.
    pub fn event_log(&self) -> Result<Option<SharedEventLog>, session_core::Error> {
        Ok(match self {
            Self::Memory(store) => {
                MemoryEventLog::of(store.clone()).map(|l| Arc::new(l) as SharedEventLog)
            }
            Self::Redis(settings, clock, _, Some(keys)) => Some(Arc::new(RedisEventLog::new(
                settings.clone(),
                clock.clone(),
                keys.clone(),
            )?)),
            Self::Redis(_, _, _, None) => None,
        })
    }

    /// The store one worker uses.
    pub fn for_worker(&self) -> Result<SharedStore, session_core::Error> {
        match self {
            Self::Memory(store) => Ok(store.clone()),
            Self::Redis(settings, clock, sealer, events) => {
                let store = RedisStore::new(settings.clone(), clock.clone())?
                    .with_sealer(Sealer::clone(sealer));
                Ok(Arc::new(match events {
                    Some(keys) => store.with_events(keys.clone()),
                    None => store,
                }))
            }
        }
    }

    /// The memory store, when that is the backend (for its size metrics).
    pub fn memory(&self) -> Option<&Arc<MemoryStore>> {
        match self {
            Self::Memory(store) => Some(store),
            Self::Redis(..) => None,
        }
    }
}
