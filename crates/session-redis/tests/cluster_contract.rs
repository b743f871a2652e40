//! The store contract on a real 3-master Redis Cluster, with the system clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::time::Duration;

use chrono::Utc;
use redis::AsyncCommands;
use session_core::{Flavor, Owner, Session, SessionId, SessionRef, SessionStore};
use session_redis::testing::RedisCluster;

/// One cluster for every test of this binary; each test has a key prefix of its own.
static CLUSTER: LazyLock<RedisCluster> = LazyLock::new(RedisCluster::start);

async fn cluster() -> common::Real {
    common::backend(common::settings(
        String::new(),
        CLUSTER.urls(),
        Duration::from_secs(5),
    ))
}

session_core::store_contract_tests!(cluster);

/// Sessions of different owners land in different slots and on different nodes, while all of
/// one owner's keys share a slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_spread_over_the_nodes() {
    let b = cluster().await;
    for i in 0..24 {
        let o = Owner::new(Flavor::Amity, &["net", &format!("user{i}")]).unwrap();
        let g = Session::new(
            SessionRef::new(o.clone(), SessionId::parse("g").unwrap()),
            Flavor::Amity,
            "net",
            Utc::now(),
            chrono::Duration::hours(1),
        );
        let mut m = g.clone();
        m.id = SessionId::parse("m").unwrap();
        m.parent = Some(g.id.clone());
        b.store.create_group(g, m).await.unwrap();
    }
    let mut nodes_with_keys = 0;
    let mut slots = BTreeSet::new();
    for url in CLUSTER.urls() {
        // A plain (non-cluster) connection sees only what this node holds.
        let client = redis::Client::open(url.as_str()).unwrap();
        let mut c = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = c.keys(format!("{}:*", b.prefix)).await.unwrap();
        if !keys.is_empty() {
            nodes_with_keys += 1;
        }
        let mut per_owner: std::collections::BTreeMap<String, BTreeSet<i64>> = Default::default();
        for k in &keys {
            let slot: i64 = redis::cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(k)
                .query_async(&mut c)
                .await
                .unwrap();
            slots.insert(slot);
            let owner = k.split('{').nth(1).unwrap().split('}').next().unwrap();
            per_owner.entry(owner.to_owned()).or_default().insert(slot);
        }
        for (owner, s) in per_owner {
            assert_eq!(s.len(), 1, "owner {owner} spans slots {s:?}");
        }
    }
    assert_eq!(nodes_with_keys, 3, "24 owners should reach all 3 masters");
    assert!(slots.len() > 20, "owners share too few slots: {slots:?}");
    // And the store reads them back through the cluster.
    let o = Owner::new(Flavor::Amity, &["net", "user7"]).unwrap();
    let members = b
        .store
        .list_members(&SessionRef::new(o, SessionId::parse("g").unwrap()))
        .await
        .unwrap();
    assert_eq!(members.len(), 1);
    b.store.ping().await.unwrap();
}
