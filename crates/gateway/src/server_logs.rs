//! What the HTTP server itself logs about connections, made to fit the gateway's levels: a
//! client's malformed request or broken connection (actix-http's WARN and ERROR lines) is no
//! fault of ours and is not written (the client got its 400 or 408; nothing of ours failed); a
//! failing `accept` (out of file descriptors) is written at most once a second.
//!
//! [`ServerLogs`] is the output's filter. (It filters and never logs again in its own words: an
//! event logged from inside the subscriber would re-enter it.)

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::subscriber::Interest;
use tracing::{Level, Metadata};
use tracing_subscriber::layer::{Context, Filter};

/// The accept loop's target.
const ACCEPT: &str = "actix_server::accept";
/// The HTTP codec's and dispatcher's targets.
const HTTP: &str = "actix_http";

/// Whether `meta` is an event of the HTTP server's that [`ServerLogs`] holds back.
pub fn replaced(meta: &Metadata<'_>) -> bool {
    let level = *meta.level();
    let target = meta.target();
    (level == Level::ERROR && target.starts_with(ACCEPT))
        || ((level == Level::ERROR || level == Level::WARN) && target.starts_with(HTTP))
}

/// The filter; `every_ms` bounds how often accept failures are written.
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

impl<S> Filter<S> for ServerLogs {
    /// Whether the event `meta` is written: a client's malformed request or broken connection
    /// (actix-http's WARN and ERROR lines) never, an accept failure at most once a period,
    /// everything else always.
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        if !replaced(meta) {
            return true;
        }
        meta.target().starts_with(ACCEPT) && self.admit_accept(now_ms()).is_some()
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        match (replaced(meta), meta.target().starts_with(ACCEPT)) {
            (false, _) => Interest::always(),
            (true, true) => Interest::sometimes(),
            (true, false) => Interest::never(),
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
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
