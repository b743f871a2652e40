//! What the contract runs against.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::store::SharedStore;

/// A store under test and a way to let time pass for it.
#[async_trait]
pub trait Backend: Send + Sync {
    /// The store.
    fn store(&self) -> SharedStore;
    /// The time the store believes it is.
    fn now(&self) -> DateTime<Utc>;
    /// Lets `d` pass for the store (a settable clock moves; a real one is waited for).
    async fn pass(&self, d: std::time::Duration);
}
