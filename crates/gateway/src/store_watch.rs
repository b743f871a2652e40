//! At start-up, a gateway on Redis pings it until it answers: a clear WARN when it cannot be
//! reached (and a reminder every [`REMIND_EVERY`]), an INFO once it answers. Requests and
//! `/readyz` answer 503 meanwhile; the store connects by itself once Redis is there.

use std::sync::Arc;
use std::time::Duration;

use session_core::{SessionStore, SystemClock};
use session_redis::RedisStore;

use crate::configuration::{Backend, StoreSettings};
use crate::startup_summary::mask_url;

/// How often the store is tried while it does not answer.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);
/// How often the WARN is repeated while it does not answer.
pub const REMIND_EVERY: Duration = Duration::from_secs(30);

/// Spawns the watch on the current runtime when the store is Redis.
pub fn spawn(settings: &StoreSettings) {
    if settings.backend != Backend::Redis {
        return;
    }
    let target = if settings.cluster_urls.is_empty() {
        mask_url(&settings.url)
    } else {
        settings
            .cluster_urls
            .iter()
            .map(|u| mask_url(u))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let timeout = Duration::from_millis(settings.timeout_ms);
    let store = settings
        .redis_settings()
        .and_then(|s| RedisStore::new(s, Arc::new(SystemClock)));
    match store {
        Ok(store) => {
            actix_web::rt::spawn(watch(store, target, timeout));
        }
        Err(e) => tracing::warn!(error = %e, "store: cannot watch Redis at {target}"),
    }
}

async fn watch(store: RedisStore, target: String, timeout: Duration) {
    let mut warned: Option<tokio::time::Instant> = None;
    loop {
        let reason = match tokio::time::timeout(timeout, store.ping()).await {
            Ok(Ok(())) => {
                if warned.is_some() {
                    tracing::info!("store: Redis at {target} answers now; the gateway is ready");
                } else {
                    tracing::info!("store: Redis at {target} answers");
                }
                return;
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!(
                "no answer within store.timeout_ms ({} ms)",
                timeout.as_millis()
            ),
        };
        let now = tokio::time::Instant::now();
        match warned {
            None => {
                tracing::warn!(
                    "store: Redis at {target} is unreachable ({reason}); retrying every {} s, \
                     and every request and /readyz answer 503 until it answers",
                    RETRY_EVERY.as_secs()
                );
                warned = Some(now);
            }
            Some(at) if now.duration_since(at) >= REMIND_EVERY => {
                tracing::warn!("store: Redis at {target} is still unreachable ({reason})");
                warned = Some(now);
            }
            Some(_) => {}
        }
        tokio::time::sleep(RETRY_EVERY).await;
    }
}
