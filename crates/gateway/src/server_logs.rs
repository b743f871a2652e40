//! What the HTTP server itself logs about connections, made to fit the gateway's levels: a
//! client's malformed request or broken connection (actix-http's WARN and ERROR lines) is no
//! fault of ours and is logged again at INFO; a failing `accept` (out of file descriptors) is
//! logged again at WARN, at most once a second, with how many were left out.
//!
//! [`ServerLogs`] is a layer that re-emits those events (target `gateway::server`);
//! [`replaced`] tells the output layer which originals to leave out.

use std::fmt;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The accept loop's target.
const ACCEPT: &str = "actix_server::accept";
/// The HTTP codec's and dispatcher's targets.
const HTTP: &str = "actix_http";

/// Whether `meta` is an event [`ServerLogs`] logs again in its own words.
pub fn replaced(meta: &Metadata<'_>) -> bool {
    let level = *meta.level();
    let target = meta.target();
    (level == Level::ERROR && target.starts_with(ACCEPT))
        || ((level == Level::ERROR || level == Level::WARN) && target.starts_with(HTTP))
}

/// The layer; `every_ms` bounds how often accept failures are logged.
#[derive(Debug)]
pub struct ServerLogs {
    every_ms: i64,
    last_accept_ms: AtomicI64,
    suppressed: AtomicU64,
}

impl ServerLogs {
    /// Accept failures at most once a second.
    pub fn new() -> Self {
        Self::every(1000)
    }

    /// Accept failures at most once every `ms` milliseconds.
    pub fn every(ms: i64) -> Self {
        Self {
            every_ms: ms,
            last_accept_ms: AtomicI64::new(i64::MIN / 2),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Whether an accept failure seen at `now_ms` is logged; counts it when not.
    fn admit_accept(&self, now_ms: i64) -> Option<u64> {
        let last = self.last_accept_ms.load(Ordering::Relaxed);
        if now_ms - last >= self.every_ms
            && self
                .last_accept_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            return Some(self.suppressed.swap(0, Ordering::Relaxed));
        }
        self.suppressed.fetch_add(1, Ordering::Relaxed);
        None
    }
}

impl Default for ServerLogs {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Subscriber> Layer<S> for ServerLogs {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        if !replaced(meta) {
            return;
        }
        let mut message = Message::default();
        event.record(&mut message);
        if meta.target().starts_with(ACCEPT) {
            if let Some(suppressed) = self.admit_accept(now_ms()) {
                tracing::warn!(target: "gateway::server", suppressed, "cannot accept connections: {}", message.0);
            }
        } else {
            tracing::info!(target: "gateway::server", "connection ended: {}", message.0);
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// An event's `message`.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            value.clone_into(&mut self.0);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_failures_are_logged_at_most_once_a_period() {
        let logs = ServerLogs::every(1000);
        assert_eq!(logs.admit_accept(10_000), Some(0));
        for t in 10_001..10_500 {
            assert_eq!(logs.admit_accept(t), None);
        }
        assert_eq!(logs.admit_accept(10_999), None);
        assert_eq!(logs.admit_accept(11_000), Some(500));
        assert_eq!(logs.admit_accept(11_001), None);
    }
}
