//! Session events leave the gateway: signed webhooks (Standard Webhooks), delivered at least
//! once and in order per session by whichever replica holds a partition's lease, dead letters,
//! the pull API and the metrics (docs/events.md). The store writes the events; this module only
//! reads and delivers them.

mod access;
mod deliver;
pub mod metrics;
pub mod payload;
pub(crate) mod routes;
mod runtime;
pub mod settings;
mod shared;
pub mod signing;
mod sweep;
mod webhook;
mod window;

pub use access::EventsAdmin;
pub use metrics::EventMetrics;
pub use runtime::EventRuntime;
pub use settings::{EventsSettings, WebhookSettings};
