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
use session_redis::testing::{hour_session, RedisServer};
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

/// Every key and everything in it, as bytes.
async fn dump(prefix: &str) -> Vec<u8> {
    let client = redis::Client::open(SERVER.url()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = c.keys(format!("{prefix}:*")).await.unwrap();
    assert!(!keys.is_empty());
    let mut out = Vec::new();
    for k in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&k)
            .query_async(&mut c)
            .await
            .unwrap();
        let body: Vec<Vec<u8>> = match kind.as_str() {
            "hash" => c.hgetall(&k).await.unwrap(),
            "zset" => c.zrange(&k, 0, -1).await.unwrap(),
            "string" => vec![c.get(&k).await.unwrap()],
            other => panic!("unexpected key type {other} at {k}"),
        };
        out.extend(k.as_bytes());
        for b in body {
            out.extend(b);
        }
    }
    out
}

fn holds(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn conn() -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(SERVER.url()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap()
}

async fn keys_of(prefix: &str) -> Vec<String> {
    let mut keys: Vec<String> = conn().await.keys(format!("{prefix}:*")).await.unwrap();
    keys.sort();
    keys
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
    let bytes = dump(&b.prefix).await;
    assert!(!holds(&bytes, b"raw-"), "a raw token in the dump");
    assert!(holds(&bytes, h.hash("raw-access-token-1").as_bytes()));
    // The spent refresh hash is kept (its first 8 bytes) for reuse detection.
    assert!(holds(
        &bytes,
        &h.hash("raw-refresh-token-0").as_bytes()[..8]
    ));
}

#[tokio::test]
async fn a_small_owner_is_one_hash_that_expires_with_its_sessions() {
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
    let keys = keys_of(&b.prefix).await;
    let owner_key = format!("{}:3:{{qs:key:g}}", b.prefix);
    assert_eq!(keys, vec![owner_key.clone()]);
    let mut c = conn().await;
    let mut fields: Vec<String> = c.hkeys(&owner_key).await.unwrap();
    fields.sort();
    // One field a session (its head, then its body: the owner implies no subject "g" for these
    // records' None, so their bodies say so), the member's name and the marker.
    assert_eq!(fields, ["pmember:h1", "sg1", "sh1", "~"]);
    let group_field: Vec<u8> = c.hget(&owner_key, "sg1").await.unwrap();
    let (_, body) = session_core::Record::split_stored(&group_field).unwrap();
    assert!(
        body.is_some(),
        "the group's body follows its head: they fit in 64 bytes"
    );
    let ttl: i64 = c.pttl(&owner_key).await.unwrap();
    assert!(ttl > 3_500_000 && ttl <= 3_600_000, "pttl {ttl}");
    // Gone once deleted: nothing of the owner is left behind.
    let gref = SessionRef::new(o, SessionId::parse("g1").unwrap());
    assert_eq!(b.store.delete_group(&gref).await.unwrap(), 2);
    assert!(keys_of(&b.prefix).await.is_empty());
}

#[tokio::test]
async fn expired_sessions_are_pruned_by_the_next_write() {
    let b = single().await;
    let o = Owner::new(Flavor::SessionStorage, &["c", "prune"]).unwrap();
    let mk = |id: &str, ttl: chrono::Duration| {
        let mut s = Session::new(
            SessionRef::new(o.clone(), SessionId::parse(id).unwrap()),
            Flavor::SessionStorage,
            "c",
            Utc::now(),
            ttl,
        );
        // What the owner implies: the record is its head alone.
        s.subject = Some("prune".into());
        s
    };
    let owner_key = format!("{}:3:{{ss:c:prune}}", b.prefix);
    // Only short-lived sessions: the owner expires with them, nothing is left.
    for i in 0..5 {
        let s = mk(&format!("s{i}"), chrono::Duration::milliseconds(200));
        b.store.create(s, None).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(keys_of(&b.prefix).await.is_empty());
    // With a long-lived one, the expired sessions are dropped by the next write.
    let long = mk("long", chrono::Duration::hours(1));
    b.store.create(long.clone(), None).await.unwrap();
    for i in 0..5 {
        let s = mk(&format!("t{i}"), chrono::Duration::milliseconds(200));
        b.store.create(s, None).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut c = conn().await;
    // Six heads and the owner's marker `~`.
    assert_eq!(c.hlen::<_, usize>(&owner_key).await.unwrap(), 7);
    b.store
        .create(mk("next", chrono::Duration::hours(1)), None)
        .await
        .unwrap();
    assert_eq!(c.hlen::<_, usize>(&owner_key).await.unwrap(), 3);
    assert_eq!(b.store.count_by_owner(&o).await.unwrap(), 2);
    assert_eq!(b.store.take_expired(), vec![(Flavor::SessionStorage, 5)]);
    b.store.delete(&long.reference()).await.unwrap();
    b.store
        .delete(&SessionRef::new(
            o.clone(),
            SessionId::parse("next").unwrap(),
        ))
        .await
        .unwrap();
    assert!(keys_of(&b.prefix).await.is_empty());
}

#[tokio::test]
async fn a_large_owner_gets_its_indexes_and_keeps_them_exact() {
    let b = single().await;
    let o = Owner::new(Flavor::SessionStorage, &["c", "large"]).unwrap();
    let limit = Some(session_core::OwnerLimit {
        max: 150,
        policy: session_core::LimitPolicy::EvictOldest,
    });
    let t0 = Utc::now();
    let mk = |i: i64| {
        let mut s = Session::new(
            SessionRef::new(o.clone(), SessionId::parse(&format!("s{i:04}")).unwrap()),
            Flavor::SessionStorage,
            "c",
            t0 + chrono::Duration::milliseconds(i),
            chrono::Duration::hours(1),
        );
        s.updated_at = s.created_at;
        s
    };
    for i in 0..200 {
        b.store.create(mk(i), limit).await.unwrap();
    }
    let owner_key = format!("{}:3:{{ss:c:large}}", b.prefix);
    // Same lifetime for all: the expiry index alone orders them.
    assert_eq!(
        keys_of(&b.prefix).await,
        vec![owner_key.clone(), format!("{owner_key}:x")]
    );
    assert_eq!(b.store.count_by_owner(&o).await.unwrap(), 150);
    let first = b.store.list_by_owner(&o, None, 1).await.unwrap();
    assert_eq!(first.items[0].id.as_str(), "s0050");
    // Moving one expiry out of creation order adds the creation index.
    let r = SessionRef::new(o.clone(), SessionId::parse("s0060").unwrap());
    b.store
        .touch(&r, chrono::Duration::hours(3), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        keys_of(&b.prefix).await,
        vec![
            owner_key.clone(),
            format!("{owner_key}:c"),
            format!("{owner_key}:x")
        ]
    );
    let out = b.store.create(mk(200), limit).await.unwrap();
    assert_eq!(out.evicted[0].as_str(), "s0050");
    let mut c = conn().await;
    for k in [
        owner_key.clone(),
        format!("{owner_key}:c"),
        format!("{owner_key}:x"),
    ] {
        let ttl: i64 = c.pttl(&k).await.unwrap();
        assert!(ttl > 3 * 3_600_000, "{k}: pttl {ttl}");
    }
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
            tls: Default::default(),
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
                tls: Default::default(),
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
    let key = format!("{}:3:{{qb:app:corrupt}}", b.prefix);
    let head: Vec<u8> = c.hget(&key, "sc1").await.unwrap();
    let _: () = c.hset(&key, "sc1", "soon").await.unwrap();
    let r = s.reference();
    assert!(matches!(b.store.get(&r).await, Err(Error::Internal(_))));
    assert!(matches!(
        b.store.touch(&r, chrono::Duration::hours(1), None).await,
        Err(Error::Internal(_))
    ));
    let _: () = c
        .hset(&key, "sc1", [head.as_slice(), b"\xc1{not msgpack"].concat())
        .await
        .unwrap();
    assert!(matches!(b.store.get(&r).await, Err(Error::Internal(_))));
}

#[tokio::test]
async fn functions_are_loaded_again_after_a_flush() {
    // A server of its own: flushing the shared one would race other tests' calls.
    let server = RedisServer::start();
    let b = common::backend(common::settings(
        server.url(),
        Vec::new(),
        Duration::from_secs(5),
    ));
    let o = Owner::new(Flavor::Amity, &["net", "flush"]).unwrap();
    let mk = |id: &str| hour_session(&o, Flavor::Amity, "net", id);
    b.store.create(mk("a"), None).await.unwrap();
    let client = redis::Client::open(server.url()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("FUNCTION")
        .arg("FLUSH")
        .query_async(&mut c)
        .await
        .unwrap();
    b.store.create(mk("b"), None).await.unwrap();
    assert_eq!(b.store.count_by_owner(&o).await.unwrap(), 2);

    // A burst of calls that all find the library missing loads it once.
    let _: () = redis::cmd("FUNCTION")
        .arg("FLUSH")
        .query_async(&mut c)
        .await
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(&mut c)
        .await
        .unwrap();
    let burst = (0..50).map(|i| {
        let owner = Owner::new(Flavor::Amity, &["net", &format!("burst{i}")]).unwrap();
        let store = b.store.clone();
        async move {
            let s = hour_session(&owner, Flavor::Amity, "net", "a");
            store.create(s, None).await
        }
    });
    for created in futures_util::future::join_all(burst).await {
        created.unwrap();
    }
    let stats = server.command(&["INFO", "commandstats"]).unwrap();
    let loads = stats
        .lines()
        .find(|l| l.starts_with("cmdstat_function|load:"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        loads.starts_with("cmdstat_function|load:calls=1,"),
        "{loads}"
    );
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
    // A read sees them gone and counts nothing.
    assert!(b.store.get(&short[0]).await.unwrap().is_none());
    assert!(expired(&b.store).is_empty());
    // Reads count them out but change nothing ...
    assert_eq!(b.store.count_by_owner(&ss).await.unwrap(), 1);
    assert_eq!(b.store.count_by_owner(&qs).await.unwrap(), 1);
    assert_eq!(b.store.count_by_owner(&ix).await.unwrap(), 1);
    assert!(expired(&b.store).is_empty());
    // ... the next write to each owner drops them: each expired session is counted once.
    assert!(b
        .store
        .touch(&short[1], chrono::Duration::hours(1), None)
        .await
        .unwrap()
        .is_none());
    for o in [&ss, &qs, &ix] {
        let flavor = o.flavor().unwrap_or(Flavor::Amity);
        b.store
            .create(mk(o, flavor, "later", 3_600_000), None)
            .await
            .unwrap();
    }
    assert_eq!(
        expired(&b.store),
        vec![(Flavor::Quicksync, 2), (Flavor::SessionStorage, 3)]
    );
    assert_eq!(b.store.count_by_owner(&ss).await.unwrap(), 2);
    let page = b.store.list_by_owner(&qs, None, 10).await.unwrap();
    assert_eq!(page.items.len(), 2);
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
    // The touch's script dropped both, each counted once.
    assert_eq!(store.take_expired(), vec![(Flavor::Amity, 2)]);
    assert_eq!(store.count_by_owner(&o).await.unwrap(), 0);
    assert!(store.take_expired().is_empty());
}

/// The `d<id>` fields of an owner hash (bodies kept apart from their heads).
async fn body_fields(owner_key: &str) -> Vec<String> {
    let fields: Vec<String> = conn().await.hkeys(owner_key).await.unwrap();
    let mut bodies: Vec<String> = fields.into_iter().filter(|f| f.starts_with('d')).collect();
    bodies.sort();
    bodies
}

#[tokio::test]
async fn a_body_has_a_field_of_its_own_only_when_it_does_not_fit_with_its_head() {
    let b = single().await;
    let o = Owner::new(Flavor::SessionStorage, &["c", "fields"]).unwrap();
    let owner_key = format!("{}:3:{{ss:c:fields}}", b.prefix);
    let attrs = |n: usize| {
        let mut a = session_core::Attrs::new();
        a.insert("k".into(), "v".repeat(n).into());
        a
    };
    let mk = |id: &str, n: usize| {
        let mut s = hour_session(&o, Flavor::SessionStorage, "c", id);
        s.subject = Some("fields".into());
        s.attrs = attrs(n);
        s
    };
    let id = |s: &str| SessionRef::new(o.clone(), SessionId::parse(s).unwrap());
    let patch = |n: usize| session_core::SessionPatch {
        attrs: Some(attrs(n)),
        ..Default::default()
    };
    // A small owner: a short body follows its head, a long one (past the 64 bytes of a listpack
    // value) gets `d<id>`.
    b.store.create(mk("short", 4), None).await.unwrap();
    assert!(body_fields(&owner_key).await.is_empty());
    let enc: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg(&owner_key)
        .query_async(&mut conn().await)
        .await
        .unwrap();
    assert_eq!(
        enc, "listpack",
        "head and body in one value of at most 64 bytes"
    );
    b.store.create(mk("long", 100), None).await.unwrap();
    assert_eq!(body_fields(&owner_key).await, ["dlong"]);
    assert_eq!(
        b.store.get(&id("long")).await.unwrap().unwrap().attrs,
        attrs(100)
    );
    assert_eq!(
        b.store.get(&id("short")).await.unwrap().unwrap().attrs,
        attrs(4)
    );
    // Bodies that change size move between the two forms, and read back the same.
    let grown = b
        .store
        .update(&id("short"), patch(90))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grown.attrs, attrs(90));
    let shrunk = b
        .store
        .update(&id("long"), patch(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shrunk.attrs, attrs(2));
    assert_eq!(body_fields(&owner_key).await, ["dshort"]);
    let all = b.store.owner_sessions(&o).await.unwrap();
    let by_id = |s: &str| {
        all.iter()
            .find(|x| x.id.as_str() == s)
            .unwrap()
            .attrs
            .clone()
    };
    assert_eq!((by_id("short"), by_id("long")), (attrs(90), attrs(2)));
    let touched = b
        .store
        .touch(&id("short"), chrono::Duration::hours(2), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(touched.attrs, attrs(90));

    // A large owner (past 32 sessions): its hash is a hashtable, every new body follows its head.
    for i in 0..40 {
        b.store
            .create(mk(&format!("n{i:02}"), 100), None)
            .await
            .unwrap();
    }
    let apart = body_fields(&owner_key).await;
    assert!(apart.contains(&"dn00".to_owned()), "{apart:?}");
    assert!(!apart.contains(&"dn39".to_owned()), "{apart:?}");
    for s in ["n00", "n39"] {
        assert_eq!(
            b.store.get(&id(s)).await.unwrap().unwrap().attrs,
            attrs(100)
        );
        let t = b
            .store
            .touch(&id(s), chrono::Duration::hours(3), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.attrs, attrs(100), "{s}");
    }
    let page = b.store.list_by_owner(&o, None, 100).await.unwrap();
    assert_eq!(page.items.len(), 42);
    assert!(page
        .items
        .iter()
        .filter(|s| s.id.as_str().starts_with('n'))
        .all(|s| s.attrs == attrs(100)));
    for s in ["n00", "n39"] {
        b.store.delete(&id(s)).await.unwrap();
        assert_eq!(b.store.get(&id(s)).await.unwrap(), None);
    }
    assert!(!body_fields(&owner_key).await.contains(&"dn00".to_owned()));
    assert_eq!(b.store.count_by_owner(&o).await.unwrap(), 40);
}
