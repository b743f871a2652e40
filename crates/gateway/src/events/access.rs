//! What the admin API's event routes read.

use session_core::events::SharedEventLog;

/// The event log and the configured webhooks' names.
#[derive(Clone)]
pub struct EventsAdmin {
    /// The log.
    pub log: SharedEventLog,
    /// The configured webhooks (their consumer groups and dead letters).
    pub webhooks: Vec<String>,
}
