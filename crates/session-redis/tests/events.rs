//! The events contract on a real redis-server and on a real 3-master Redis Cluster.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use session_core::events::contract::EventBackend;
use session_core::events::SharedEventLog;
use session_core::{Clock, SharedStore, SystemClock};
use session_redis::events::RedisEventLog;
use session_redis::testing::{RedisCluster, RedisServer};
use session_redis::{EventKeys, RedisSettings, RedisStore};

static SERVER: LazyLock<RedisServer> = LazyLock::new(RedisServer::start);
static CLUSTER: LazyLock<RedisCluster> = LazyLock::new(RedisCluster::start);

/// A store writing events and its log, on the system clock.
struct Backend {
    store: Arc<RedisStore>,
    log: Arc<RedisEventLog>,
}

#[async_trait]
impl EventBackend for Backend {
    fn store(&self) -> SharedStore {
        self.store.clone()
    }
    fn log(&self) -> SharedEventLog {
        self.log.clone()
    }
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now()
    }
    async fn pass(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

fn backend(settings: RedisSettings) -> Backend {
    let keys = Arc::new(EventKeys::new(
        &settings.key_prefix,
        !settings.cluster_urls.is_empty(),
    ));
    let clock = Arc::new(SystemClock);
    Backend {
        store: Arc::new(
            RedisStore::new(settings.clone(), clock.clone())
                .unwrap()
                .with_events(keys.clone()),
        ),
        log: Arc::new(RedisEventLog::new(settings, clock, keys).unwrap()),
    }
}

mod single {
    use super::*;

    async fn single() -> Backend {
        backend(common::settings(
            SERVER.url(),
            Vec::new(),
            Duration::from_secs(5),
        ))
    }

    session_core::events_contract_tests!(single);
}

mod cluster {
    use super::*;

    async fn cluster() -> Backend {
        backend(common::settings(
            String::new(),
            CLUSTER.urls(),
            Duration::from_secs(5),
        ))
    }

    session_core::events_contract_tests!(cluster);
}

/// The store contract holds unchanged while every change also writes its events.
mod store_contract_with_events {
    use super::*;

    async fn single_with_events() -> common::Real {
        let settings = common::settings(SERVER.url(), Vec::new(), Duration::from_secs(5));
        let prefix = settings.key_prefix.clone();
        let b = backend(settings);
        common::Real {
            store: b.store,
            prefix,
        }
    }

    session_core::store_contract_tests!(single_with_events);
}
