#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration as StdDuration;

use actix_web::test::TestRequest;
use session_core::unavailable::UnavailableStore;
use session_core::{ManualClock, MemoryStore, TokenHasher};

use super::*;

fn core(store: SharedStore, clock: Arc<ManualClock>) -> CoreDeps {
    CoreDeps {
        store,
        clock,
        hasher: TokenHasher::new("throttle-test"),
        max_body_bytes: 1024,
        body_timeout: StdDuration::from_secs(10),
        metadata: session_core::MetadataPolicy::default(),
    }
}

fn throttle(subject: u32, client: u32) -> (Throttle, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::starting_now());
    let store = Arc::new(MemoryStore::new(clock.clone()));
    let settings = ThrottleSettings {
        max_failures_per_subject: subject,
        max_failures_per_client: client,
        window_secs: 60,
    };
    (
        Throttle::new(Flavor::Quickblox, &core(store, clock.clone()), settings),
        clock,
    )
}

fn from(peer: &str) -> HttpRequest {
    TestRequest::default()
        .peer_addr(peer.parse().unwrap())
        .to_http_request()
}

const ALICE: Subject<'static> = Subject {
    tenant: "4242",
    name: "alice",
};

fn throttled(r: &Result<Pass, Refusal>) -> Option<u64> {
    match r {
        Err(Refusal::Throttled { retry_after }) => Some(*retry_after),
        _ => None,
    }
}

#[actix_web::test]
async fn failed_checks_fill_the_subject_window_until_it_slides() {
    let (t, clock) = throttle(3, 100);
    let req = from("192.0.2.1:1000");
    for _ in 0..3 {
        t.admit(&req, Some(ALICE)).await.unwrap().failed();
    }
    let refused = t.admit(&req, Some(ALICE)).await;
    assert_eq!(throttled(&refused), Some(60));
    // Another subject, and another address, are apart.
    let bob = Subject {
        tenant: "4242",
        name: "bob",
    };
    t.admit(&req, Some(bob)).await.unwrap().failed();
    clock.advance(chrono::Duration::seconds(30));
    assert_eq!(
        throttled(&t.admit(&from("192.0.2.2:1"), Some(ALICE)).await),
        Some(30)
    );
    clock.advance(chrono::Duration::seconds(31));
    t.admit(&req, Some(ALICE)).await.unwrap().succeeded();
}

#[actix_web::test]
async fn successes_and_unjudged_checks_are_not_counted() {
    let (t, _) = throttle(2, 100);
    let req = from("192.0.2.1:1000");
    for _ in 0..5 {
        t.admit(&req, Some(ALICE)).await.unwrap().succeeded();
        // The attempts are taken back in the background.
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
    for _ in 0..5 {
        drop(t.admit(&req, Some(ALICE)).await.unwrap());
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
    t.admit(&req, Some(ALICE)).await.unwrap().failed();
    t.admit(&req, Some(ALICE)).await.unwrap().failed();
    assert!(throttled(&t.admit(&req, Some(ALICE)).await).is_some());
}

#[actix_web::test]
async fn the_client_window_counts_every_subject_and_ipv6_by_its_network() {
    let (t, _) = throttle(100, 3);
    for (i, peer) in ["[2001:db8::1]:1", "[2001:db8::2]:1", "[2001:db8::ffff]:1"]
        .into_iter()
        .enumerate()
    {
        let name = format!("user{i}");
        let s = Subject {
            tenant: "t",
            name: &name,
        };
        t.admit(&from(peer), Some(s)).await.unwrap().failed();
    }
    assert!(throttled(&t.admit(&from("[2001:db8::3]:1"), Some(ALICE)).await).is_some());
    t.admit(&from("[2001:db8:0:1::1]:1"), Some(ALICE))
        .await
        .unwrap()
        .failed();
}

#[actix_web::test]
async fn cheap_checks_are_screened_once_a_window_is_full() {
    let (t, _) = throttle(0, 2);
    let req = from("192.0.2.9:1");
    assert!(t.screen(&req).is_ok());
    assert!(t.record_failure(&req, None).await.is_ok());
    assert!(t.record_failure(&req, None).await.is_ok());
    assert!(t.screen(&req).is_ok(), "not refused yet: nothing learnt");
    assert!(matches!(
        t.record_failure(&req, None).await,
        Err(Refusal::Throttled { retry_after: 60 })
    ));
    // Now known: refused without a store call, whatever the credential.
    assert!(matches!(
        t.screen(&req),
        Err(Refusal::Throttled { retry_after: 60 })
    ));
    assert!(t.screen(&from("192.0.2.10:1")).is_ok());
}

#[actix_web::test]
async fn a_store_that_is_away_refuses_and_windows_can_be_off() {
    let clock = Arc::new(ManualClock::starting_now());
    let t = Throttle::new(
        Flavor::Amity,
        &core(Arc::new(UnavailableStore), clock),
        ThrottleSettings::default(),
    );
    let req = from("192.0.2.1:1");
    assert!(matches!(
        t.admit(&req, Some(ALICE)).await,
        Err(Refusal::Store(_))
    ));
    // No window on: nothing is counted, nothing asked of the store.
    let off = ThrottleSettings {
        max_failures_per_subject: 0,
        max_failures_per_client: 0,
        window_secs: 1,
    };
    let clock = Arc::new(ManualClock::starting_now());
    let t = Throttle::new(Flavor::Amity, &core(Arc::new(UnavailableStore), clock), off);
    t.admit(&req, Some(ALICE)).await.unwrap().failed();
    assert!(t.record_failure(&req, None).await.is_ok());
}
