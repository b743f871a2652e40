//! What every task of the event runtime (deliverers, sweep, heartbeat) shares.

use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use session_core::events::SharedEventLog;
use session_core::SharedClock;
use tokio::sync::watch;

use super::metrics::EventMetrics;

/// What every task of the runtime shares.
pub(crate) struct Shared {
    pub log: SharedEventLog,
    pub worker: String,
    pub clock: SharedClock,
    pub metrics: EventMetrics,
    pub lease: Duration,
    pub poll: Duration,
    /// Lanes per webhook this replica should hold (all lanes over the live replicas).
    pub share: AtomicUsize,
    pub stop: watch::Receiver<bool>,
}
