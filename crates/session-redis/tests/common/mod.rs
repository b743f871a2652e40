//! Shared by the test binaries: a contract backend over a RedisStore with the system clock.

#![allow(dead_code, unused_macros, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use session_core::contract::Backend;
use session_core::token::random_hex;
use session_core::{Clock, SharedStore, SystemClock};
use session_redis::{RedisSettings, RedisStore};

/// A RedisStore on the system clock; time passes for real.
pub struct Real {
    pub store: Arc<RedisStore>,
    pub prefix: String,
}

#[async_trait]
impl Backend for Real {
    fn store(&self) -> SharedStore {
        self.store.clone()
    }
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now()
    }
    async fn pass(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

/// Settings with a key prefix of their own, so tests sharing a server never meet.
pub fn settings(url: String, cluster_urls: Vec<String>, timeout: Duration) -> RedisSettings {
    RedisSettings {
        url,
        cluster_urls,
        key_prefix: format!("t{}", random_hex(4).unwrap()),
        timeout,
        tls: Default::default(),
    }
}

/// A backend over `settings`.
pub fn backend(settings: RedisSettings) -> Real {
    let prefix = settings.key_prefix.clone();
    let store = RedisStore::new(settings, Arc::new(SystemClock)).unwrap();
    Real {
        store: Arc::new(store),
        prefix,
    }
}
