//! The store contract on a real single redis-server, with the system clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use chrono::Utc;
use redis::AsyncCommands;
use session_core::{
    Clock, Error, Flavor, ManualClock, Owner, Rotation, Session, SessionId, SessionRef,
    SessionStore, SystemClock, TokenHasher,
};
use session_redis::testing::RedisServer;
use session_redis::{RedisSettings, RedisStore};

/// One server for every test of this binary; each test has a key prefix of its own.
static SERVER: LazyLock<RedisServer> = LazyLock::new(RedisServer::start);

async fn single() -> common::Real {
    common::backend(common::settings(
        SERVER.url(),
        Vec::new(),
        Duration::from_secs(5),
    ))
}

session_core::store_contract_tests!(single);

/// Every key and everything in it, as text.
async fn dump(prefix: &str) -> String {
    let client = redis::Client::open(SERVER.url()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = c.keys(format!("{prefix}:*")).await.unwrap();
    assert!(!keys.is_empty());
    let mut out = String::new();
    for k in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&k)
            .query_async(&mut c)
            .await
            .unwrap();
        let body: Vec<String> = match kind.as_str() {
            "hash" => c.hgetall(&k).await.unwrap(),
            "zset" => c.zrange(&k, 0, -1).await.unwrap(),
            "set" => c.smembers(&k).await.unwrap(),
            "string" => vec![c.get(&k).await.unwrap()],
            other => panic!("unexpected key type {other} at {k}"),
        };
        out.push_str(&format!("{k} {kind} {body:?}\n"));
    }
    out
}

#[tokio::test]
async fn a_dump_holds_hashes_never_tokens() {
    let b = single().await;
    let h = TokenHasher::new("server-secret");
    let o = Owner::new(Flavor::Amity, &["net", "user"]).unwrap();
    let mut s = Session::new(
        SessionRef::new(o, SessionId::parse("s1").unwrap()),
        Flavor::Amity,
        "net",
        Utc::now(),
        chrono::Duration::hours(1),
    );
    s.token_hash = Some(h.hash("raw-access-token-0"));
    s.refresh_hash = Some(h.hash("raw-refresh-token-0"));
    b.store.create(s.clone(), None).await.unwrap();
    b.store
        .rotate_refresh(
            &s.reference(),
            &h.hash("raw-refresh-token-0"),
            Rotation {
                token_hash: h.hash("raw-access-token-1"),
                refresh_hash: h.hash("raw-refresh-token-1"),
                expires_at: s.expires_at,
            },
        )
        .await
        .unwrap();
    let text = dump(&b.prefix).await;
    assert!(!text.contains("raw-"), "a raw token in the dump:\n{text}");
    assert!(text.contains(h.hash("raw-access-token-1").as_str()));
    // The spent refresh hash is kept (as a hash) for reuse detection.
    assert!(text.contains(h.hash("raw-refresh-token-0").as_str()));
}

#[tokio::test]
async fn keys_follow_the_documented_schema_and_expire() {
    let b = single().await;
    let o = Owner::new(Flavor::Quicksync, &["key", "g"]).unwrap();
    let group = Session::new(
        SessionRef::new(o.clone(), SessionId::parse("g1").unwrap()),
        Flavor::Quicksync,
        "key",
        Utc::now(),
        chrono::Duration::hours(1),
    );
    let mut host = group.clone();
    host.id = SessionId::parse("h1").unwrap();
    host.parent = Some(group.id.clone());
    b.store.create_group(group, host).await.unwrap();
    let client = redis::Client::open(SERVER.url()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let mut keys: Vec<String> = c.keys(format!("{}:*", b.prefix)).await.unwrap();
    keys.sort();
    let base = format!("{}:{{qs:key:g}}:", b.prefix);
    let want: Vec<String> = ["exp", "idx", "m:g1", "s:g1", "s:h1"]
        .iter()
        .map(|k| format!("{base}{k}"))
        .collect();
    assert_eq!(keys, want);
    // Every key expires, and no later than the sessions plus a moment.
    for k in &keys {
        let ttl: i64 = c.pttl(k).await.unwrap();
        assert!(ttl > 3_500_000 && ttl <= 3_600_000, "{k}: pttl {ttl}");
    }
    // Gone once deleted: nothing of the owner is left behind.
    let gref = SessionRef::new(o, SessionId::parse("g1").unwrap());
    assert_eq!(b.store.delete_group(&gref).await.unwrap(), 2);
    let left: Vec<String> = c.keys(format!("{}:*", b.prefix)).await.unwrap();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test]
async fn expired_entries_are_pruned_from_the_indexes() {
    let b = single().await;
    let o = Owner::new(Flavor::SessionStorage, &["c", "prune"]).unwrap();
    let mk = |id: &str, ttl: chrono::Duration| {
        Session::new(
            SessionRef::new(o.clone(), SessionId::parse(id).unwrap()),
            Flavor::SessionStorage,
            "c",
            Utc::now(),
            ttl,
        )
    };
    let client = redis::Client::open(SERVER.url()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let idx = format!("{}:{{ss:c:prune}}:idx", b.prefix);
    let keys = |mut c: redis::aio::MultiplexedConnection| {
        let pattern = format!("{}:*", b.prefix);
        async move { c.keys::<_, Vec<String>>(pattern).await.unwrap() }
    };

    // Only short-lived sessions: the index keys expire with them, nothing is left.
    for i in 0..5 {
        let s = mk(&format!("s{i}"), chrono::Duration::milliseconds(200));
        b.store.create(s, None).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let left = keys(c.clone()).await;
    assert!(left.is_empty(), "left behind: {left:?}");

    // With a long-lived one, the expired entries are pruned by the next plain write.
    let long = mk("long", chrono::Duration::hours(1));
    b.store.create(long.clone(), None).await.unwrap();
    for i in 0..5 {
        let s = mk(&format!("t{i}"), chrono::Duration::milliseconds(200));
        b.store.create(s, None).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(c.zcard::<_, usize>(&idx).await.unwrap(), 6);
    b.store
        .create(mk("next", chrono::Duration::hours(1)), None)
        .await
        .unwrap();
    assert_eq!(c.zcard::<_, usize>(&idx).await.unwrap(), 2);
    assert_eq!(b.store.count_by_owner(&o).await.unwrap(), 2);
    b.store.delete(&long.reference()).await.unwrap();
    b.store
        .delete(&SessionRef::new(
            o.clone(),
            SessionId::parse("next").unwrap(),
        ))
        .await
        .unwrap();
    let left = keys(c.clone()).await;
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn new_does_no_io_and_validates_settings() {
    // No runtime and nothing listening: creating the store must still succeed.
    let ok = RedisStore::new(
        RedisSettings {
            url: "redis://127.0.0.1:1/".into(),
            cluster_urls: Vec::new(),
            key_prefix: "sg".into(),
            timeout: Duration::from_millis(100),
        },
        Arc::new(SystemClock),
    );
    assert!(ok.is_ok());
    let bad = |url: &str, prefix: &str, timeout_ms: u64| {
        RedisStore::new(
            RedisSettings {
                url: url.into(),
                cluster_urls: Vec::new(),
                key_prefix: prefix.into(),
                timeout: Duration::from_millis(timeout_ms),
            },
            Arc::new(SystemClock),
        )
        .is_err()
    };
    assert!(bad("not a url", "sg", 100));
    assert!(bad("redis://127.0.0.1:1/", "s{g}", 100));
    assert!(bad("redis://127.0.0.1:1/", "sg", 0));
}

#[tokio::test]
async fn a_corrupt_record_is_an_internal_error_not_a_panic() {
    let b = single().await;
    let o = Owner::new(Flavor::Quickblox, &["app", "corrupt"]).unwrap();
    let s = Session::new(
        SessionRef::new(o, SessionId::parse("c1").unwrap()),
        Flavor::Quickblox,
        "app",
        Utc::now(),
        chrono::Duration::hours(1),
    );
    b.store.create(s.clone(), None).await.unwrap();
    let client = redis::Client::open(SERVER.url()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{}:{{qb:app:corrupt}}:s:c1", b.prefix);
    let _: () = c.hset(&key, "expires", "soon").await.unwrap();
    let r = s.reference();
    assert!(matches!(b.store.get(&r).await, Err(Error::Internal(_))));
    assert!(matches!(
        b.store.touch(&r, chrono::Duration::hours(1), None).await,
        Err(Error::Internal(_))
    ));
    let _: () = c.hset(&key, "expires", "1").await.unwrap();
    let _: () = c.hset(&key, "attrs", "{not json").await.unwrap();
    let _: () = c.pexpire(&key, 60_000).await.unwrap();
    assert!(matches!(b.store.get(&r).await, Err(Error::Internal(_))));
}

#[tokio::test]
async fn scripts_are_reloaded_after_a_flush() {
    // A server of its own: flushing the shared one would race other tests' script loads.
    let server = RedisServer::start();
    let b = common::backend(common::settings(
        server.url(),
        Vec::new(),
        Duration::from_secs(5),
    ));
    let o = Owner::new(Flavor::Amity, &["net", "flush"]).unwrap();
    let mk = |id: &str| {
        Session::new(
            SessionRef::new(o.clone(), SessionId::parse(id).unwrap()),
            Flavor::Amity,
            "net",
            Utc::now(),
            chrono::Duration::hours(1),
        )
    };
    b.store.create(mk("a"), None).await.unwrap();
    let client = redis::Client::open(server.url()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query_async(&mut c)
        .await
        .unwrap();
    b.store.create(mk("b"), None).await.unwrap();
    assert_eq!(b.store.count_by_owner(&o).await.unwrap(), 2);
}

/// `take_expired`, sorted by flavor name.
fn expired(store: &RedisStore) -> Vec<(Flavor, u64)> {
    let mut got = store.take_expired();
    got.sort_by_key(|(f, _)| f.as_str());
    got
}

#[tokio::test]
async fn expired_sessions_are_counted_once_when_pruned() {
    let b = single().await;
    let ss = Owner::new(Flavor::SessionStorage, &["c", "expiry"]).unwrap();
    let mk = |o: &Owner, flavor: Flavor, id: &str, ttl_ms: i64| {
        Session::new(
            SessionRef::new(o.clone(), SessionId::parse(id).unwrap()),
            flavor,
            "c",
            Utc::now(),
            chrono::Duration::milliseconds(ttl_ms),
        )
    };
    // A long-lived session keeps the owner's index keys alive; the short ones expire.
    let long = mk(&ss, Flavor::SessionStorage, "long", 3_600_000);
    b.store.create(long.clone(), None).await.unwrap();
    let mut short = Vec::new();
    for i in 0..3 {
        let s = mk(&ss, Flavor::SessionStorage, &format!("s{i}"), 300);
        short.push(s.reference());
        b.store.create(s, None).await.unwrap();
    }
    // Deleted before expiry: not an expiry.
    let deleted = mk(&ss, Flavor::SessionStorage, "deleted", 300);
    b.store.create(deleted.clone(), None).await.unwrap();
    assert_eq!(b.store.delete(&deleted.reference()).await.unwrap(), 1);
    // A short group with a long-lived member: the member goes with the group, counted once.
    let qs = Owner::new(Flavor::Quicksync, &["key", "expiry"]).unwrap();
    let group = mk(&qs, Flavor::Quicksync, "g1", 300);
    let mut host = mk(&qs, Flavor::Quicksync, "h1", 3_600_000);
    host.parent = Some(group.id.clone());
    b.store.create_group(group, host).await.unwrap();
    let other = mk(&qs, Flavor::Quicksync, "g2", 3_600_000);
    b.store.create(other, None).await.unwrap();
    // An owner of no flavor (the gateway's index pointers) is never counted.
    let ix = Owner::custom("ix", &["c", "subject"]).unwrap();
    b.store
        .create(mk(&ix, Flavor::Amity, "p0", 3_600_000), None)
        .await
        .unwrap();
    b.store
        .create(mk(&ix, Flavor::Amity, "p1", 300), None)
        .await
        .unwrap();
    assert!(expired(&b.store).is_empty());

    tokio::time::sleep(Duration::from_millis(450)).await;
    // Redis has dropped the records itself: a read or a touch sees nothing and counts nothing.
    assert!(b.store.get(&short[0]).await.unwrap().is_none());
    assert!(b
        .store
        .touch(&short[1], chrono::Duration::hours(1), None)
        .await
        .unwrap()
        .is_none());
    assert!(expired(&b.store).is_empty());
    // Counting prunes the index entries: each expired session is counted once.
    assert_eq!(b.store.count_by_owner(&ss).await.unwrap(), 1);
    assert_eq!(b.store.count_by_owner(&qs).await.unwrap(), 1);
    assert_eq!(b.store.count_by_owner(&ix).await.unwrap(), 1);
    assert_eq!(
        expired(&b.store),
        vec![(Flavor::Quicksync, 2), (Flavor::SessionStorage, 3)]
    );
    assert_eq!(b.store.count_by_owner(&ss).await.unwrap(), 1);
    let page = b.store.list_by_owner(&qs, None, 10).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(expired(&b.store).is_empty());
    assert!(b.store.get(&long.reference()).await.unwrap().is_some());
}

#[tokio::test]
async fn a_record_the_gateway_finds_expired_is_counted_on_the_lazy_check() {
    // The gateway's clock runs ahead of Redis's: the record is still there, the script drops it.
    let clock = Arc::new(ManualClock::starting_now());
    let store = RedisStore::new(
        common::settings(SERVER.url(), Vec::new(), Duration::from_secs(5)),
        clock.clone(),
    )
    .unwrap();
    let o = Owner::new(Flavor::Amity, &["net", "lazy"]).unwrap();
    let mk = |id: &str| {
        Session::new(
            SessionRef::new(o.clone(), SessionId::parse(id).unwrap()),
            Flavor::Amity,
            "net",
            clock.now(),
            chrono::Duration::hours(1),
        )
    };
    let a = mk("a");
    store.create(a.clone(), None).await.unwrap();
    store.create(mk("b"), None).await.unwrap();
    clock.advance(chrono::Duration::hours(2));
    assert!(store
        .touch(&a.reference(), chrono::Duration::hours(1), None)
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.take_expired(), vec![(Flavor::Amity, 1)]);
    assert_eq!(store.count_by_owner(&o).await.unwrap(), 0);
    assert_eq!(store.take_expired(), vec![(Flavor::Amity, 1)]);
    assert!(store.take_expired().is_empty());
}
