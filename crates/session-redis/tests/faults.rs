//! Faults a store must survive without lying: Redis over `maxmemory`, a write pause (what a
//! failover does), on real redis-server processes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use session_core::{
    DocUpsert, Error, Flavor, LimitPolicy, NewSession, Owner, OwnerLimit, Session, SessionId,
    SessionRef, SessionStore,
};
use session_redis::testing::RedisServer;

fn session(owner: &Owner, id: &str) -> Session {
    let mut s = Session::new(
        SessionRef::new(owner.clone(), SessionId::parse(id).unwrap()),
        owner.flavor().unwrap_or(Flavor::SessionStorage),
        owner.part(0).unwrap(),
        Utc::now(),
        chrono::Duration::hours(1),
    );
    s.subject = owner.part(1);
    s.device = Some(format!("device-{id}-{}", "x".repeat(40)));
    s
}

fn used_memory(server: &RedisServer) -> u64 {
    let info = server.command(&["INFO", "memory"]).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// With Redis over `maxmemory` (noeviction), every write is refused as a whole: the store
/// answers `StoreUnavailable`, nothing of a refused create is stored, and everything that was
/// acknowledged is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_over_maxmemory_are_refused_whole() {
    let server =
        RedisServer::start_with_args(&["--maxmemory", "3mb", "--maxmemory-policy", "noeviction"]);
    let b = common::backend(common::settings(
        server.url(),
        Vec::new(),
        Duration::from_secs(5),
    ));
    let big = Owner::new(Flavor::SessionStorage, &["client", "big"]).unwrap();
    let limit = Some(OwnerLimit {
        max: 100_000,
        policy: LimitPolicy::EvictOldest,
    });
    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    let mut i = 0u32;
    while refused.len() < 60 && i < 200_000 {
        i += 1;
        // Three shapes of create: a large owner, a new user with a document, a small owner.
        let (s, new) = match i % 3 {
            0 => {
                let s = session(&big, &format!("b{i}"));
                (s.clone(), NewSession::new(s).limit(limit))
            }
            1 => {
                let o = Owner::new(Flavor::Amity, &["net", &format!("user{i}")]).unwrap();
                let s = session(&o, &format!("a{i}"));
                let mut n = NewSession::new(s.clone());
                n.doc = Some(DocUpsert {
                    fresh: session_core::doc::encode(
                        serde_json::json!({"id": i, "name": "x".repeat(40)})
                            .as_object()
                            .unwrap(),
                    )
                    .unwrap(),
                    ..DocUpsert::default()
                });
                n.retire_device = true;
                (s, n)
            }
            _ => {
                let o = Owner::new(Flavor::SessionStorage, &["client", &format!("u{}", i % 50)])
                    .unwrap();
                let s = session(&o, &format!("c{i}"));
                (s.clone(), NewSession::new(s).limit(limit))
            }
        };
        match b.store.create_with(new).await {
            Ok(_) => acknowledged.push(s.reference()),
            Err(Error::StoreUnavailable(msg)) => {
                assert!(
                    msg.to_lowercase().contains("maxmemory") || msg.contains("OOM"),
                    "{msg}"
                );
                refused.push(s.reference());
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert!(
        refused.len() >= 60,
        "Redis never filled up after {i} creates"
    );
    // Nothing refused was stored, everything acknowledged is there.
    for r in &refused {
        assert!(
            b.store.get(r).await.unwrap().is_none(),
            "a refused create was stored"
        );
    }
    for r in &acknowledged {
        assert!(
            b.store.get(r).await.unwrap().is_some(),
            "an acknowledged create is gone"
        );
    }
    // Refused before it ran: Redis stays close to its limit (the last write admitted under it
    // may still double a hash table, a few hundred KB at this size).
    let used = used_memory(&server);
    assert!(used < 3 * 1024 * 1024 + 256 * 1024, "used_memory {used}");
    // Reads still work; deleting frees room and writes work again.
    for r in acknowledged.iter().take(2000) {
        b.store.delete(r).await.unwrap();
    }
    let o = Owner::new(Flavor::SessionStorage, &["client", "after"]).unwrap();
    b.store.create(session(&o, "after"), None).await.unwrap();
}

/// During `CLIENT PAUSE 3000 WRITE` (what Redis's FAILOVER does), reads keep answering at once
/// on their own connection; the paused write completes after the pause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_never_wait_behind_a_paused_write() {
    let server = RedisServer::start();
    let b = common::backend(common::settings(
        server.url(),
        Vec::new(),
        Duration::from_secs(5),
    ));
    let o = Owner::new(Flavor::Amity, &["net", "pause"]).unwrap();
    let s = session(&o, "s1");
    b.store.create(s.clone(), None).await.unwrap();
    assert_eq!(
        server
            .command(&["CLIENT", "PAUSE", "3000", "WRITE"])
            .as_deref(),
        Some("OK")
    );
    let started = Instant::now();
    // A write issued now waits for the pause ...
    let writer = {
        let store = b.store.clone();
        let s2 = session(&o, "s2");
        tokio::spawn(async move {
            let t = Instant::now();
            store.create(s2, None).await.unwrap();
            t.elapsed()
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    // ... while reads answer at once, again and again.
    let mut slowest = Duration::ZERO;
    let mut reads = 0;
    while started.elapsed() < Duration::from_millis(2500) {
        let t = Instant::now();
        assert!(b.store.get(&s.reference()).await.unwrap().is_some());
        assert_eq!(b.store.count_by_owner(&o).await.unwrap(), 1);
        slowest = slowest.max(t.elapsed());
        reads += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reads > 50, "{reads} reads");
    assert!(
        slowest < Duration::from_millis(200),
        "a read took {slowest:?}"
    );
    let waited = writer.await.unwrap();
    assert!(
        waited > Duration::from_millis(2000),
        "the write did not wait: {waited:?}"
    );
    assert_eq!(b.store.count_by_owner(&o).await.unwrap(), 2);
}
