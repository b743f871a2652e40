//! The memory store's watch on a session ([`session_core::HeadWatch`]): it holds while the
//! session is as it was read and ends, for good, with any change or removal of it, however the
//! store comes to make that change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Duration;
use session_core::{
    Clock, Flavor, HeadWatch, LimitPolicy, ManualClock, MemoryStore, Owner, OwnerLimit, Rotation,
    Session, SessionId, SessionPatch, SessionRef, SessionStore, TokenHasher,
};

fn hash(secret: &str) -> session_core::TokenHash {
    TokenHasher::new("k").hash(secret)
}

struct Fixture {
    clock: Arc<ManualClock>,
    store: MemoryStore,
    owner: Owner,
}

impl Fixture {
    fn new() -> Self {
        let clock = Arc::new(ManualClock::starting_now());
        Self {
            store: MemoryStore::new(clock.clone()),
            clock,
            owner: Owner::new(Flavor::Amity, &["net", "user"]).unwrap(),
        }
    }

    fn session(&self, id: &str) -> Session {
        let mut s = Session::new(
            SessionRef::new(self.owner.clone(), SessionId::parse(id).unwrap()),
            Flavor::Amity,
            "net",
            self.clock.now(),
            Duration::hours(1),
        );
        s.token_hash = Some(hash(id));
        s.refresh_hash = Some(hash(&format!("refresh-{id}")));
        s
    }

    async fn create(&self, id: &str, limit: Option<OwnerLimit>) -> SessionRef {
        let s = self.session(id);
        let r = s.reference();
        self.store.create(s, limit).await.unwrap();
        r
    }

    async fn watch(&self, r: &SessionRef) -> HeadWatch {
        let (_, watch) = self.store.get_head_watched(r).await.unwrap().unwrap();
        let watch = watch.expect("the memory store watches its sessions");
        assert!(watch.holds());
        watch
    }
}

#[tokio::test]
async fn a_watch_holds_until_its_session_is_removed() {
    let f = Fixture::new();
    let r = f.create("s1", None).await;
    let first = f.watch(&r).await;
    // Reads change nothing: a second read hands out the same watch, still holding.
    let second = f.watch(&r).await;
    f.store.get(&r).await.unwrap().unwrap();
    assert!(first.holds() && second.holds());
    assert_eq!(f.store.delete(&r).await.unwrap(), 1);
    assert!(!first.holds() && !second.holds());
    assert!(f.store.get_head_watched(&r).await.unwrap().is_none());
}

#[tokio::test]
async fn a_watch_ends_with_any_change_of_its_session() {
    let f = Fixture::new();
    let r = f.create("s1", None).await;

    let w = f.watch(&r).await;
    let patch = SessionPatch {
        subject: Some(Some("someone".into())),
        ..SessionPatch::default()
    };
    f.store.update(&r, patch).await.unwrap().unwrap();
    assert!(!w.holds(), "an update ends the watch");

    let w = f.watch(&r).await;
    f.store
        .touch(&r, Duration::hours(2), None)
        .await
        .unwrap()
        .unwrap();
    assert!(!w.holds(), "a touch (new expiry) ends the watch");

    let w = f.watch(&r).await;
    f.clock.advance(Duration::seconds(1));
    f.store.mark_seen(&r).await.unwrap();
    assert!(!w.holds(), "recording the last use ends the watch");

    let w = f.watch(&r).await;
    let rotation = Rotation {
        token_hash: hash("next"),
        refresh_hash: hash("next-refresh"),
        expires_at: f.clock.now() + Duration::hours(1),
    };
    // An unknown refresh secret is refused, and refusing changes nothing.
    let refused = f
        .store
        .rotate_refresh(&r, &hash("unknown"), rotation.clone())
        .await;
    assert!(refused.is_err());
    assert!(w.holds(), "a refused rotation leaves the session as it was");
    f.store
        .rotate_refresh(&r, &hash("refresh-s1"), rotation)
        .await
        .unwrap();
    assert!(!w.holds(), "a rotation (new token hash) ends the watch");
    let (head, _) = f.store.get_head_watched(&r).await.unwrap().unwrap();
    assert_eq!(head.token_hash, Some(hash("next")));
}

#[tokio::test]
async fn a_watch_ends_when_its_session_is_evicted_or_the_owner_wiped() {
    let f = Fixture::new();
    let limit = Some(OwnerLimit {
        max: 1,
        policy: LimitPolicy::EvictOldest,
    });
    let old = f.create("s1", limit).await;
    let w = f.watch(&old).await;
    f.clock.advance(Duration::milliseconds(5));
    let new = f.create("s2", limit).await;
    assert!(!w.holds(), "the evicted session's watch ends");

    let w = f.watch(&new).await;
    f.store.remove_owner(&f.owner).await.unwrap();
    assert!(!w.holds(), "wiping the owner ends the watch");
}

#[tokio::test]
async fn an_expired_session_keeps_no_watch_alive() {
    let f = Fixture::new();
    let r = f.create("s1", None).await;
    let w = f.watch(&r).await;
    f.clock.advance(Duration::hours(2));
    // Past its expiry the session reads as absent; the sweep drops it and ends the watch.
    assert!(f.store.get_head_watched(&r).await.unwrap().is_none());
    f.store.sweep();
    assert!(!w.holds());
}
