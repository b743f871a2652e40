//! The store contract on the embedded memory store, with a settable clock.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use session_core::contract::Backend;
use session_core::{Clock, ManualClock, MemoryStore, SharedStore};

struct Memory {
    clock: Arc<ManualClock>,
    store: SharedStore,
}

#[async_trait]
impl Backend for Memory {
    fn store(&self) -> SharedStore {
        self.store.clone()
    }
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
    async fn pass(&self, d: std::time::Duration) {
        self.clock
            .advance(chrono::Duration::from_std(d).unwrap_or_default());
    }
}

async fn memory() -> Memory {
    let clock = Arc::new(ManualClock::starting_now());
    let store = Arc::new(MemoryStore::new(clock.clone()));
    Memory { clock, store }
}

session_core::store_contract_tests!(memory);

#[tokio::test]
async fn sweeper_drops_expired_sessions() {
    use session_core::{Flavor, Owner, Session, SessionId, SessionRef, SessionStore};
    let b = memory().await;
    let store = MemoryStore::new(b.clock.clone());
    let o = Owner::new(Flavor::Quickblox, &["app", "x"]).unwrap();
    let s = Session::new(
        SessionRef::new(o.clone(), SessionId::parse("a").unwrap()),
        Flavor::Quickblox,
        "app",
        b.clock.now(),
        chrono::Duration::seconds(1),
    );
    store.create(s, None).await.unwrap();
    assert_eq!(store.sweep(), 0);
    b.clock.advance(chrono::Duration::seconds(2));
    assert_eq!(store.sweep(), 1);
}
