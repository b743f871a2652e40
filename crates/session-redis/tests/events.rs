//! The events contract on a real redis-server and on a real 3-master Redis Cluster.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use session_core::events::contract::EventBackend;
use session_core::events::SharedEventLog;
use session_core::{
    Clock, Flavor, Owner, Session, SessionId, SessionRef, SessionStore, SharedStore, SystemClock,
};
use session_redis::events::RedisEventLog;
use session_redis::testing::{RedisCluster, RedisServer};
use session_redis::{EventKeys, RedisSettings, RedisStore};

static SERVER: LazyLock<RedisServer> = LazyLock::new(RedisServer::start);
static CLUSTER: LazyLock<RedisCluster> = LazyLock::new(RedisCluster::start);

/// A store writing events and its log, on the system clock.
struct Backend {
    store: Arc<RedisStore>,
    log: Arc<RedisEventLog>,
}

#[async_trait]
impl EventBackend for Backend {
    fn store(&self) -> SharedStore {
        self.store.clone()
    }
    fn log(&self) -> SharedEventLog {
        self.log.clone()
    }
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now()
    }
    async fn pass(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

fn backend(settings: RedisSettings) -> Backend {
    let keys = Arc::new(EventKeys::new(
        &settings.key_prefix,
        !settings.cluster_urls.is_empty(),
    ));
    let clock = Arc::new(SystemClock);
    Backend {
        store: Arc::new(
            RedisStore::new(settings.clone(), clock.clone())
                .unwrap()
                .with_events(keys.clone()),
        ),
        log: Arc::new(RedisEventLog::new(settings, clock, keys).unwrap()),
    }
}

/// A session-storage owner of its own, `<kind>:<random>`.
fn owner(kind: &str) -> Owner {
    let tag = session_core::token::random_hex(6).unwrap();
    Owner::new(Flavor::SessionStorage, &[kind, &tag]).unwrap()
}

/// A session of `o` created now that lives `ms` milliseconds; its expiry in ms.
async fn create(b: &Backend, o: &Owner, id: &str, ms: i64) -> i64 {
    let s = Session::new(
        SessionRef::new(o.clone(), SessionId::parse(id).unwrap()),
        Flavor::SessionStorage,
        "t",
        SystemClock.now(),
        chrono::Duration::milliseconds(ms),
    );
    let exp = s.expires_at.timestamp_millis();
    b.store.create(s, None).await.unwrap();
    exp
}

mod single {
    use super::*;

    async fn single() -> Backend {
        backend(common::settings(
            SERVER.url(),
            Vec::new(),
            Duration::from_secs(5),
        ))
    }

    session_core::events_contract_tests!(single);
}

mod cluster {
    use super::*;

    async fn cluster() -> Backend {
        backend(common::settings(
            String::new(),
            CLUSTER.urls(),
            Duration::from_secs(5),
        ))
    }

    session_core::events_contract_tests!(cluster);
}

/// The store contract holds unchanged while every change also writes its events.
mod store_contract_with_events {
    use super::*;

    async fn single_with_events() -> common::Real {
        let settings = common::settings(SERVER.url(), Vec::new(), Duration::from_secs(5));
        let prefix = settings.key_prefix.clone();
        let b = backend(settings);
        common::Real {
            store: b.store,
            prefix,
        }
    }

    session_core::store_contract_tests!(single_with_events);
}

/// A session that starts with nothing of its owner expiring earlier puts its owner in the
/// partition's queue for its lifetime (an append, not a sorted-set insert); a partition keeps at
/// most 16 queues, and a session of yet another lifetime goes to the sorted schedule. Either way
/// the sweep reports each expiry once and leaves nothing behind.
mod queues {
    use super::*;
    use session_core::events::EventLog;

    struct Fixture {
        b: Backend,
        keys: EventKeys,
        prefix: String,
    }

    fn fixture() -> Fixture {
        let settings = common::settings(SERVER.url(), Vec::new(), Duration::from_secs(5));
        let prefix = settings.key_prefix.clone();
        Fixture {
            b: backend(settings),
            keys: EventKeys::new(&prefix, false),
            prefix,
        }
    }

    fn owner() -> Owner {
        super::owner("queues")
    }

    async fn create(f: &Fixture, o: &Owner, id: &str, ms: i64) -> i64 {
        super::create(&f.b, o, id, ms).await
    }

    fn redis(args: &[&str]) -> Option<String> {
        SERVER.command(args)
    }

    #[tokio::test]
    async fn a_new_owner_is_queued_and_swept_once() {
        let f = fixture();
        let o = owner();
        let p = f.keys.partition_of(&o);
        let (heads, queue) = (f.keys.queue_heads(p), f.keys.queue(p, "1"));
        let hash = format!("{}:3:{{{}}}", f.prefix, o.as_str());
        let a = create(&f, &o, "a", 300).await;
        assert_eq!(redis(&["LLEN", &queue]).as_deref(), Some("1"));
        assert_eq!(redis(&["LINDEX", &queue, "0"]), Some(format!("{a} {hash}")));
        assert_eq!(redis(&["HGET", heads, "1"]), Some(a.to_string()));
        // A later session of the same owner is covered by the first: nothing more is written.
        let keep = create(&f, &o, "keep", 3_600_000).await;
        assert_eq!(redis(&["LLEN", &queue]).as_deref(), Some("1"));
        assert_eq!(redis(&["ZSCORE", f.keys.schedule(p), &hash]), None);

        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(f.b.log.sweep(&[p], 1000).await.unwrap(), 1);
        assert_eq!(f.b.log.sweep(&[p], 1000).await.unwrap(), 0);
        assert_eq!(redis(&["EXISTS", &queue]).as_deref(), Some("0"));
        assert_eq!(redis(&["HEXISTS", heads, "1"]).as_deref(), Some("0"));
        // The owner is due again at its next expiry, in the schedule.
        assert_eq!(
            redis(&["ZSCORE", f.keys.schedule(p), &hash]),
            Some(keep.to_string())
        );
    }

    #[tokio::test]
    async fn signing_in_again_is_covered_by_the_entry_already_queued() {
        let f = fixture();
        let o = owner();
        let p = f.keys.partition_of(&o);
        let queue = f.keys.queue(p, "1");
        let hash = format!("{}:3:{{{}}}", f.prefix, o.as_str());
        // A session that outlives the others keeps the owner's hash (as an Amity user's
        // document does) without covering them.
        let keep = create(&f, &o, "keep", 3_600_000).await;
        create(&f, &o, "a", 300).await;
        assert_eq!(redis(&["LLEN", &queue]).as_deref(), Some("1"));
        let a = SessionRef::new(o.clone(), SessionId::parse("a").unwrap());
        assert_eq!(f.b.store.delete(&a).await.unwrap(), 1);
        // Nothing held expires before `b`, but the entry of `a` is still queued, due earlier.
        create(&f, &o, "b", 400).await;
        assert_eq!(redis(&["LLEN", &queue]).as_deref(), Some("1"));

        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(f.b.log.sweep(&[p], 1000).await.unwrap(), 1);
        assert_eq!(f.b.log.sweep(&[p], 1000).await.unwrap(), 0);
        assert_eq!(redis(&["EXISTS", &queue]).as_deref(), Some("0"));
        assert_eq!(
            redis(&["ZSCORE", f.keys.schedule(p), &hash]),
            Some(keep.to_string())
        );
        assert_eq!(redis(&["HGET", &hash, "w"]), Some(keep.to_string()));
    }

    #[tokio::test]
    async fn a_partition_with_sixteen_queues_schedules_a_new_lifetime() {
        let f = fixture();
        let o = owner();
        let p = f.keys.partition_of(&o);
        let heads = f.keys.queue_heads(p);
        let far = "99999999999999";
        for life in 100..116 {
            let life = life.to_string();
            redis(&["HSET", heads, &life, far]).unwrap();
            redis(&["RPUSH", &f.keys.queue(p, &life), &format!("{far} none")]).unwrap();
        }
        let hash = format!("{}:3:{{{}}}", f.prefix, o.as_str());
        let a = create(&f, &o, "a", 300).await;
        assert_eq!(
            redis(&["EXISTS", &f.keys.queue(p, "1")]).as_deref(),
            Some("0")
        );
        assert_eq!(redis(&["HLEN", heads]).as_deref(), Some("16"));
        assert_eq!(
            redis(&["ZSCORE", f.keys.schedule(p), &hash]),
            Some(a.to_string())
        );

        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(f.b.log.sweep(&[p], 1000).await.unwrap(), 1);
        assert_eq!(f.b.log.sweep(&[p], 1000).await.unwrap(), 0);
        assert_eq!(redis(&["ZSCORE", f.keys.schedule(p), &hash]), None);
        // The queues not yet due are left as they were.
        assert_eq!(redis(&["HLEN", heads]).as_deref(), Some("16"));
        assert_eq!(
            redis(&["LLEN", &f.keys.queue(p, "100")]).as_deref(),
            Some("1")
        );
    }
}

/// On a cluster the sweep asks what is due with one call per node for many partitions (slots):
/// the call reads the other slots its node serves and stops at the first it does not, so a
/// sweep of all 16,384 partitions takes about a hundred calls instead of one per partition, and
/// still finds every due owner on every node, each once, whatever the limit per call.
mod sweep_across_nodes {
    use super::*;
    use session_core::events::EventLog;
    use std::collections::BTreeSet;

    /// A cluster of its own, so that only this test's calls are counted.
    static NODES: LazyLock<RedisCluster> = LazyLock::new(RedisCluster::start);

    /// `FCALL_RO` calls so far, summed over the nodes.
    fn read_calls() -> u64 {
        NODES
            .ports()
            .iter()
            .map(|&port| {
                let stats = NODES.command(port, &["INFO", "commandstats"]).unwrap();
                stats
                    .lines()
                    .find_map(|l| l.strip_prefix("cmdstat_fcall_ro:calls="))
                    .and_then(|rest| rest.split(',').next()?.parse().ok())
                    .unwrap_or(0)
            })
            .sum()
    }

    #[tokio::test]
    async fn one_call_per_node_finds_every_due_owner_once() {
        let settings = common::settings(String::new(), NODES.urls(), Duration::from_secs(5));
        let prefix = settings.key_prefix.clone();
        let b = backend(settings);
        let (mut nodes, mut partitions) = (BTreeSet::new(), BTreeSet::new());
        for _ in 0..48 {
            let o = owner("sweep");
            create(&b, &o, "a", 300).await;
            let hash = format!("{prefix}:3:{{{}}}", o.as_str());
            nodes.insert(NODES.master_of(&hash).unwrap());
            partitions.insert(b.log.partition_of(&o));
        }
        assert_eq!(nodes.len(), 3, "the owners are on every node");
        let all: Vec<usize> = (0..b.log.partitions()).collect();
        assert_eq!(all.len(), 16_384);
        tokio::time::sleep(Duration::from_millis(500)).await;

        let before = read_calls();
        // One owner a call at most: each call stops after the first partition with a due
        // owner (and at the end of its node's slots), and the next one goes on from there; a
        // second owner of the same partition waits for the next sweep.
        assert_eq!(b.log.sweep(&all, 1).await.unwrap(), partitions.len() as u64);
        let calls = read_calls() - before;
        assert!(
            (129..=128 + 48 + 2).contains(&calls),
            "{calls} calls for 16,384 partitions"
        );
        assert_eq!(
            b.log.sweep(&all, 1000).await.unwrap(),
            48 - partitions.len() as u64
        );
        assert_eq!(b.log.sweep(&all, 1000).await.unwrap(), 0);
    }
}

/// Old events are trimmed by age and by count on every partition a call names: on a cluster,
/// partitions of every node in one call (each node's share in a call of its own).
mod trim {
    use super::*;
    use session_core::events::EventLog;

    /// Appends `n` entries numbered `<ms>-1` to `<ms>-n` to `stream`.
    const FILL: &str = "for i = 1, tonumber(ARGV[2]) do \
                        redis.call('XADD', KEYS[1], ARGV[1] .. '-' .. i, 'k', 'v') end \
                        return 1";

    async fn trims(
        b: &Backend,
        keys: &EventKeys,
        parts: &[usize],
        node: impl Fn(&[&str]) -> String,
    ) {
        let now = SystemClock.now().timestamp_millis();
        let two_hours_ago = (now - 7_200_000).to_string();
        let len = |p: usize| -> usize { node(&["XLEN", keys.stream(p)]).parse().unwrap() };
        // By age: 250 entries of two hours ago, then 50 of now, kept for an hour.
        for &p in parts {
            node(&["EVAL", FILL, "1", keys.stream(p), &two_hours_ago, "250"]);
            node(&["EVAL", FILL, "1", keys.stream(p), &now.to_string(), "50"]);
        }
        let hour = chrono::Duration::hours(1);
        b.log.trim(parts, hour, 1_000_000).await.unwrap();
        for &p in parts {
            // Whole nodes of 100 entries go: the two that hold only old entries.
            assert!((50..=100).contains(&len(p)), "partition {p}: {}", len(p));
        }
        // By count: 300 more of now, 10 kept.
        for &p in parts {
            node(&[
                "EVAL",
                FILL,
                "1",
                keys.stream(p),
                &(now + 1).to_string(),
                "300",
            ]);
        }
        b.log.trim(parts, hour, 10).await.unwrap();
        for &p in parts {
            assert!((10..=110).contains(&len(p)), "partition {p}: {}", len(p));
        }
    }

    #[tokio::test]
    async fn single_node() {
        let settings = common::settings(SERVER.url(), Vec::new(), Duration::from_secs(5));
        let keys = EventKeys::new(&settings.key_prefix, false);
        let b = backend(settings);
        trims(&b, &keys, &[0, 5, 15], |args| SERVER.command(args).unwrap()).await;
    }

    #[tokio::test]
    async fn cluster_nodes() {
        let settings = common::settings(String::new(), CLUSTER.urls(), Duration::from_secs(5));
        let keys = EventKeys::new(&settings.key_prefix, true);
        let b = backend(settings);
        let parts = [0, 8000, 16000];
        let nodes: std::collections::BTreeSet<u16> = parts
            .iter()
            .map(|&p| CLUSTER.master_of(keys.stream(p)).unwrap())
            .collect();
        assert_eq!(nodes.len(), 3, "one partition on each node");
        trims(&b, &keys, &parts, |args| {
            let port = CLUSTER
                .master_of(args[if args[0] == "EVAL" { 3 } else { 1 }])
                .unwrap();
            CLUSTER.command(port, args).unwrap()
        })
        .await;
    }
}

/// The pull API on a cluster reads each partition's first event id (one call per node for
/// many slots), then only the partitions that can hold the page: a walk in small pages sees
/// every event once, in order, and the pages are full.
mod pull_across_nodes {
    use super::*;
    use session_core::events::EventLog;

    #[tokio::test]
    async fn small_pages_see_every_event_once_in_order() {
        let settings = common::settings(String::new(), CLUSTER.urls(), Duration::from_secs(5));
        let b = backend(settings);
        let mut sessions = std::collections::BTreeSet::new();
        for _ in 0..60 {
            let o = owner("pull");
            create(&b, &o, "a", 3_600_000).await;
            sessions.insert(o.as_str().to_owned());
        }
        // Events settle for a second on a cluster before they are listed.
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        let (mut seen, mut pages, mut after) = (Vec::new(), 0, None::<String>);
        loop {
            let page = b.log.page(after.as_deref(), 7).await.unwrap();
            if page.events.is_empty() {
                break;
            }
            assert!(page.events.len() <= 7);
            pages += 1;
            seen.extend(page.events.iter().map(|e| {
                let owner = e.session.as_ref().map(|r| r.owner.as_str().to_owned());
                (e.id.clone(), owner.unwrap_or_default())
            }));
            after = page.next;
        }
        assert_eq!(pages, 60_usize.div_ceil(7), "full pages");
        let owners: std::collections::BTreeSet<String> =
            seen.iter().map(|(_, o)| o.clone()).collect();
        assert_eq!(owners, sessions);
        assert_eq!(seen.len(), 60, "each event once");
        let position =
            |id: &str| -> Vec<u64> { id.split('-').map(|n| n.parse().unwrap()).collect() };
        assert!(seen
            .windows(2)
            .all(|w| position(&w[0].0) < position(&w[1].0)));
    }
}
