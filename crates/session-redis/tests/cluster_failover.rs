//! A master of a 3+3 Redis Cluster dies and its replica takes over: only the users whose slots
//! it served wait; everyone else's logins and token checks carry on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::time::{Duration, Instant};

use session_core::{Flavor, Owner, Session, SessionId, SessionRef, SessionStore};
use session_redis::testing::{hour_session, RedisCluster};

fn user(prefix: &str, i: usize) -> (Owner, String) {
    let o = Owner::new(Flavor::Amity, &["net", &format!("user{i}")]).unwrap();
    let key = format!("{prefix}:3:{{{}}}", o.as_str());
    (o, key)
}

fn session(o: &Owner, id: &str) -> Session {
    hour_session(o, Flavor::Amity, "net", id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failover_blocks_only_the_users_of_the_failed_master() {
    let mut cluster = RedisCluster::start_with_replicas(1, 1000);
    let b = common::backend(common::settings(
        String::new(),
        cluster.urls(),
        Duration::from_millis(500),
    ));
    let users: Vec<(Owner, String)> = (0..60).map(|i| user(&b.prefix, i)).collect();
    for (o, _) in &users {
        b.store.create(session(o, "s0"), None).await.unwrap();
    }
    let victim = cluster.master_of(&users[0].1).unwrap();
    let (hit, spared): (Vec<_>, Vec<_>) = users
        .iter()
        .partition(|(_, key)| cluster.master_of(key) == Some(victim));
    assert!(
        !hit.is_empty() && spared.len() > 20,
        "{} hit, {} spared",
        hit.len(),
        spared.len()
    );

    cluster.kill(victim);
    let killed = Instant::now();
    // While the replica has not taken over: users on other masters are served at once.
    let mut round = 0;
    let mut hit_failed = 0;
    while killed.elapsed() < Duration::from_millis(900) {
        round += 1;
        for (o, _) in &spared {
            let t = Instant::now();
            b.store
                .create(session(o, &format!("r{round}")), None)
                .await
                .unwrap();
            assert!(b
                .store
                .get(&SessionRef::new(o.clone(), SessionId::parse("s0").unwrap()))
                .await
                .unwrap()
                .is_some());
            assert!(
                t.elapsed() < Duration::from_millis(300),
                "a spared user waited {:?}",
                t.elapsed()
            );
        }
        if b.store
            .create(session(&hit[0].0, &format!("h{round}")), None)
            .await
            .is_err()
        {
            hit_failed += 1;
        }
    }
    assert!(
        hit_failed > 0,
        "the failed master's users were never refused"
    );
    // Once the replica serves the slots, everyone is served again.
    let promoted = Instant::now() + Duration::from_secs(20);
    while cluster.master_of(&hit[0].1).is_none_or(|p| p == victim) {
        assert!(Instant::now() < promoted, "no replica took over");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        cluster.wait_healed(Duration::from_secs(20)),
        "the cluster did not heal"
    );
    eprintln!("failover took {:?}", killed.elapsed());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let all_ok = futures_util::future::join_all(
            hit.iter()
                .map(|(o, _)| b.store.create(session(o, "after"), None)),
        )
        .await
        .iter()
        .all(|r| r.is_ok() || matches!(r, Err(session_core::Error::Conflict(_))));
        if all_ok {
            break;
        }
        if Instant::now() >= deadline {
            let e = b.store.create(session(&hit[0].0, "probe"), None).await;
            panic!("the failed master's users were not served again: {e:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Their sessions survived on the replica.
    for (o, _) in &hit {
        let r = SessionRef::new(o.clone(), SessionId::parse("s0").unwrap());
        assert!(b.store.get(&r).await.unwrap().is_some());
    }
}
