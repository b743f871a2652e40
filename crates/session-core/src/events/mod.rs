//! Session events: what every change of a session (or of a run-time tenant) tells other
//! services, written by the store in the same atomic step as the change, and the log the
//! deliverers read them from (docs/events.md).

mod buffer;
#[cfg(any(test, feature = "contract"))]
pub mod contract;
mod event;
mod kind;
mod log;
mod memory;
mod signs;

pub use buffer::EventBuffer;
pub use event::Event;
pub use kind::{EventKind, EventType, RevokeReason, TenantChange};
pub use log::{
    DeadLetter, EventLog, EventPage, ReadRequest, SharedEventLog, Wakeups, DEAD_LETTERS_KEPT, LANES,
};
pub use memory::MemoryEventLog;
pub use signs::{SignCounter, Signs};

#[cfg(test)]
mod memory_contract {
    use std::sync::Arc;

    use async_trait::async_trait;
    use chrono::{DateTime, Utc};

    use super::contract::EventBackend;
    use super::{MemoryEventLog, SharedEventLog};
    use crate::{Clock, ManualClock, MemoryStore, SharedStore};

    struct Memory {
        store: Arc<MemoryStore>,
        clock: Arc<ManualClock>,
    }

    #[async_trait]
    impl EventBackend for Memory {
        fn store(&self) -> SharedStore {
            self.store.clone()
        }
        fn log(&self) -> SharedEventLog {
            Arc::new(MemoryEventLog::of(self.store.clone()).unwrap())
        }
        fn now(&self) -> DateTime<Utc> {
            self.clock.now()
        }
        async fn pass(&self, d: std::time::Duration) {
            self.clock.advance(chrono::Duration::from_std(d).unwrap());
        }
    }

    async fn memory() -> Memory {
        let clock = Arc::new(ManualClock::starting_now());
        Memory {
            store: Arc::new(MemoryStore::new(clock.clone()).with_events(100_000)),
            clock,
        }
    }

    crate::events_contract_tests!(memory);
}
