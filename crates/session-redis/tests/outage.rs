//! Redis going away and coming back: calls fail fast with StoreUnavailable, never hang, and the
//! same store recovers by itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use session_core::{Error, Flavor, Owner, Session, SessionStore};
use session_redis::testing::{hour_session, RedisServer};

const TIMEOUT: Duration = Duration::from_millis(300);
/// What a failing call may take at most: the timeout and a small margin.
const FAIL_WITHIN: Duration = Duration::from_secs(1);
/// How soon calls must succeed again once Redis is back.
const RECOVER_WITHIN: Duration = Duration::from_secs(2);

fn session(id: &str) -> Session {
    let o = Owner::new(Flavor::Quickblox, &["app", "outage"]).unwrap();
    hour_session(&o, Flavor::Quickblox, "app", id)
}

/// Asserts that `call` fails with StoreUnavailable within FAIL_WITHIN.
async fn fails_fast<T: std::fmt::Debug>(
    what: &str,
    call: impl std::future::Future<Output = session_core::Result<T>>,
) {
    let t0 = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .unwrap_or_else(|_| panic!("{what} hung"));
    let took = t0.elapsed();
    assert!(
        matches!(r, Err(Error::StoreUnavailable(_))),
        "{what}: {r:?}"
    );
    assert!(took < FAIL_WITHIN, "{what} took {took:?}");
}

/// Polls `ping` until it succeeds; returns how long that took.
async fn recovers(store: &dyn SessionStore) -> Duration {
    let t0 = Instant::now();
    loop {
        if store.ping().await.is_ok() {
            return t0.elapsed();
        }
        assert!(
            t0.elapsed() < RECOVER_WITHIN,
            "no recovery within {RECOVER_WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_fail_fast_while_redis_is_down_and_recover_after() {
    let mut server = RedisServer::start();
    let b = common::backend(common::settings(server.url(), Vec::new(), TIMEOUT));
    let st = b.store.clone();
    let s = session("s1");
    st.ping().await.unwrap();
    st.create(s.clone(), None).await.unwrap();
    assert!(st.get(&s.reference()).await.unwrap().is_some());

    server.stop();
    for _ in 0..3 {
        fails_fast("ping", st.ping()).await;
        fails_fast("get", st.get(&s.reference())).await;
        fails_fast("create", st.create(session("s2"), None)).await;
        fails_fast("count", st.count_by_owner(&s.owner)).await;
    }

    server.start_again();
    let took = recovers(st.as_ref()).await;
    eprintln!("recovered {took:?} after Redis came back");
    // The restarted server has no data (no persistence); writes and reads work again.
    assert!(st.get(&s.reference()).await.unwrap().is_none());
    st.create(s.clone(), None).await.unwrap();
    assert_eq!(st.get(&s.reference()).await.unwrap().unwrap(), s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_connect_that_fails_is_retried_by_the_next_call() {
    let mut server = RedisServer::start();
    server.stop();
    let b = common::backend(common::settings(server.url(), Vec::new(), TIMEOUT));
    let st = b.store.clone();
    fails_fast("ping before the first connect", st.ping()).await;
    fails_fast(
        "get before the first connect",
        st.get(&session("x").reference()),
    )
    .await;
    server.start_again();
    recovers(st.as_ref()).await;
    st.create(session("x"), None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out() {
    // Accepts connections (the kernel completes the handshake) but never replies.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://127.0.0.1:{}/", silent.local_addr().unwrap().port());
    let b = common::backend(common::settings(url, Vec::new(), TIMEOUT));
    let st = b.store.clone();
    fails_fast("ping", st.ping()).await;
    fails_fast("create", st.create(session("y"), None)).await;
    fails_fast("get", st.get(&session("y").reference())).await;
    drop(silent);
}
