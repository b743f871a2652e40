//! The memory store counts the sessions it drops because they expired (`take_expired`), and
//! nothing else. Reads filter expired sessions out; writes and the sweeper drop them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Duration;
use session_core::{
    Clock, Flavor, LimitPolicy, ManualClock, MemoryStore, Owner, OwnerLimit, Session, SessionId,
    SessionRef, SessionStore,
};

fn session(clock: &ManualClock, flavor: Flavor, owner: &Owner, id: &str, ttl: Duration) -> Session {
    Session::new(
        SessionRef::new(owner.clone(), SessionId::parse(id).unwrap()),
        flavor,
        "tenant",
        clock.now(),
        ttl,
    )
}

#[tokio::test]
async fn expired_sessions_are_counted_once_by_flavor() {
    let clock = Arc::new(ManualClock::starting_now());
    let store = MemoryStore::new(clock.clone());
    let ttl = Duration::seconds(1);
    let qb = Owner::new(Flavor::Quickblox, &["app", "u1"]).unwrap();
    let am = Owner::new(Flavor::Amity, &["net", "u2"]).unwrap();
    let mut qb_refs = Vec::new();
    for i in 0..3 {
        let s = session(&clock, Flavor::Quickblox, &qb, &format!("q{i}"), ttl);
        qb_refs.push(s.reference());
        store.create(s, None).await.unwrap();
    }
    for i in 0..2 {
        let s = session(&clock, Flavor::Amity, &am, &format!("a{i}"), ttl);
        store.create(s, None).await.unwrap();
    }
    // Deleted before it expires: revoked, not expired.
    let gone = session(&clock, Flavor::Quickblox, &qb, "deleted", ttl);
    store.create(gone.clone(), None).await.unwrap();
    assert_eq!(store.delete(&gone.reference()).await.unwrap(), 1);
    // Extended: still live after the others expire.
    let kept = session(&clock, Flavor::Amity, &am, "kept", ttl);
    store.create(kept.clone(), None).await.unwrap();
    // A record under an owner of no flavor (the gateway's index pointers) is not a session.
    let ix = Owner::custom("ix", &["tenant", "subject"]).unwrap();
    store
        .create(session(&clock, Flavor::Amity, &ix, "p1", ttl), None)
        .await
        .unwrap();
    assert!(store.take_expired().is_empty());

    clock.advance(Duration::milliseconds(500));
    store
        .touch(&kept.reference(), Duration::hours(1), None)
        .await
        .unwrap()
        .unwrap();
    clock.advance(Duration::seconds(1));
    // Nothing is dropped until the store looks.
    assert!(store.take_expired().is_empty());

    // Reads see them gone at once but change nothing ...
    for r in &qb_refs {
        assert!(store.get(r).await.unwrap().is_none());
    }
    assert!(store.get(&gone.reference()).await.unwrap().is_none());
    assert!(store.take_expired().is_empty());
    // ... the sweeper drops and counts them.
    assert_eq!(
        store.sweep(),
        6,
        "three quickblox, two amity sessions and the pointer"
    );
    let mut got = store.take_expired();
    got.sort_by_key(|(f, _)| f.as_str());
    assert_eq!(got, vec![(Flavor::Amity, 2), (Flavor::Quickblox, 3)]);
    // Reset by the take, and never counted twice.
    assert!(store.take_expired().is_empty());
    for r in &qb_refs {
        assert!(store.get(r).await.unwrap().is_none());
    }
    assert_eq!(store.sweep(), 0);
    assert!(store.take_expired().is_empty());
    assert!(store.get(&kept.reference()).await.unwrap().is_some());
}

#[tokio::test]
async fn an_expired_group_counts_its_members_and_eviction_is_not_expiry() {
    let clock = Arc::new(ManualClock::starting_now());
    let store = MemoryStore::new(clock.clone());
    let qs = Owner::new(Flavor::Quicksync, &["key", "g"]).unwrap();
    let group = session(&clock, Flavor::Quicksync, &qs, "g1", Duration::seconds(1));
    let mut host = session(&clock, Flavor::Quicksync, &qs, "h1", Duration::hours(1));
    host.parent = Some(group.id.clone());
    let mut guest = session(&clock, Flavor::Quicksync, &qs, "m1", Duration::hours(1));
    guest.parent = Some(group.id.clone());
    store.create_group(group.clone(), host).await.unwrap();
    store
        .join_group(&group.reference(), guest, 10)
        .await
        .unwrap();

    // Eviction under an owner limit ends a session early: not an expiry.
    let ss = Owner::new(Flavor::SessionStorage, &["client", "u"]).unwrap();
    let limit = Some(OwnerLimit {
        max: 1,
        policy: LimitPolicy::EvictOldest,
    });
    let first = session(
        &clock,
        Flavor::SessionStorage,
        &ss,
        "s1",
        Duration::hours(1),
    );
    store.create(first, limit).await.unwrap();
    let second = session(
        &clock,
        Flavor::SessionStorage,
        &ss,
        "s2",
        Duration::hours(1),
    );
    let created = store.create(second, limit).await.unwrap();
    assert_eq!(created.evicted.len(), 1);
    assert!(store.take_expired().is_empty());

    // The group expires; its live members go with it and count as expired too.
    clock.advance(Duration::seconds(2));
    assert!(store
        .list_members(&group.reference())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.sweep(), 3);
    assert_eq!(store.take_expired(), vec![(Flavor::Quicksync, 3)]);
    assert_eq!(store.count_by_owner(&qs).await.unwrap(), 0);
    assert!(store.take_expired().is_empty());
}
