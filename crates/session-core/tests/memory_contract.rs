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

/// An import that would take the store past its bound (`store.memory.max_sessions`) is refused
/// whole, as a create is; replacing an owner counts only what it adds.
#[tokio::test]
async fn imports_respect_the_bound() {
    use session_core::SessionStore;
    use session_core::{Error, Flavor, Owner, OwnerDump, Session, SessionId, SessionRef};
    let clock = Arc::new(ManualClock::starting_now());
    let store = MemoryStore::with_capacity(clock.clone(), 3);
    let dump = |tag: &str, n: usize| {
        let o = Owner::new(Flavor::SessionStorage, &["import", tag]).unwrap();
        let mut d = OwnerDump::new(o.clone());
        d.sessions = (0..n)
            .map(|i| {
                Session::new(
                    SessionRef::new(o.clone(), SessionId::parse(&format!("s{i}")).unwrap()),
                    Flavor::SessionStorage,
                    "t",
                    clock.now(),
                    chrono::Duration::hours(1),
                )
            })
            .collect();
        d
    };
    store.import_owner(&dump("a", 2)).await.unwrap();
    assert!(matches!(
        store.import_owner(&dump("b", 2)).await,
        Err(Error::StoreUnavailable(_))
    ));
    assert_eq!(store.len(), 2, "nothing of the refused import was kept");
    // The same owner again, with one more: it replaces its two, so three fit.
    store.import_owner(&dump("a", 3)).await.unwrap();
    assert_eq!(store.len(), 3);
}
