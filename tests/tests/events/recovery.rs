//! What becomes of events when things fail: a gateway killed (`kill -9`) between a change and
//! its delivery delivers it after its restart (Redis; the memory store keeps nothing across a
//! restart), and a receiver that always fails gets its events dead-lettered once the retry
//! horizon passes, listed by the admin API.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use e2e::process::Gateway;
use serde_json::{json, Value};

use super::{admin, answer, brief, create_at, overlay, Receiver, Store, USER};

/// The gateway process, on the shared Redis under `prefix`, configured by `config`.
fn start(config: &std::path::Path, prefix: &str) -> Gateway {
    let url = e2e::shared_redis().url();
    Gateway::start(
        config,
        &[
            ("GATEWAY__STORE__BACKEND", "redis"),
            ("GATEWAY__STORE__URL", &url),
            ("GATEWAY__STORE__KEY_PREFIX", prefix),
        ],
        None,
    )
}

/// The receiver is down while a gateway writes two events; the gateway is killed with SIGKILL
/// before it could deliver them; a new gateway process on the same Redis delivers both, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_written_before_a_kill_9_are_delivered_after_the_restart_on_redis() {
    let receiver = Receiver::start().await;
    let prefix = format!("k{}", session_core::token::random_hex(4).unwrap());
    let dir = std::env::temp_dir().join(format!("sg-events-{prefix}"));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("gateway.toml");
    std::fs::write(&config, overlay(&receiver.url("/hook"))).unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();

    let first = start(&config, &prefix);
    receiver.down_for(6).await;
    let a = create_at(&http, &first.base, USER).await;
    let b = create_at(&http, &first.base, USER).await;
    // The first attempts fail (the receiver is down); the process dies before a retry lands.
    tokio::time::sleep(Duration::from_millis(800)).await;
    drop(first); // SIGKILL
    assert!(
        receiver.events().await.is_empty(),
        "delivered before the kill"
    );

    let _second = start(&config, &prefix);
    let events = receiver
        .wait_for(Duration::from_secs(30), |e| e.len() >= 2)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (deliveries, rejected) = receiver.received().await;
    assert_eq!(rejected, 0);
    assert_eq!(deliveries.len(), 2, "{:?}", brief(&events));
    assert_eq!(brief(&events), ["session.created", "session.created"]);
    let ids: HashSet<&String> = deliveries.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 2, "an event was delivered twice");
    let tenants: Vec<&Value> = events.iter().map(|e| &e["tenant"]).collect();
    assert_eq!(tenants, [&json!("client-u"), &json!("client-u")]);
    assert!(!a.is_empty() && a != b);
}

/// A receiver that answers 503 to everything, a one-second retry horizon: the events are
/// retried, then dead-lettered, and the admin API lists them with the last error.
async fn a_failing_receiver_fills_the_dead_letter_list(store: Store) {
    let receiver = Receiver::start().await;
    receiver.down_for(120).await;
    let overlay = overlay(&receiver.url("/hook")).replace(
        "retry_max_ms = 1000",
        "retry_max_ms = 300\nretry_horizon_secs = 1",
    );
    let app = super::spawn_with_overlay(store, &overlay).await;
    let id = super::create(&app, super::USER).await;
    let until = Instant::now() + Duration::from_secs(20);
    let letters = loop {
        let path = "/admin/v1/events/dead-letters?webhook=hook";
        let (status, body) = answer(admin(&app, reqwest::Method::GET, path)).await;
        assert_eq!(status, 200);
        let data = body["data"].as_array().unwrap().clone();
        if !data.is_empty() {
            break data;
        }
        assert!(Instant::now() < until, "nothing was dead-lettered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    assert_eq!(letter["webhook"], "hook");
    assert_eq!(letter["event"]["type"], "session.created");
    assert_eq!(letter["event"]["tenant"], "client-u");
    assert!(
        letter["error"].as_str().unwrap().contains("503"),
        "{letter}"
    );
    assert!(letter["attempts"].as_u64().unwrap() >= 2, "{letter}");
    assert!(receiver.events().await.is_empty());
    assert!(!id.is_empty());
    let path = "/admin/v1/events/dead-letters?webhook=nope";
    let (status, _) = answer(admin(&app, reqwest::Method::GET, path)).await;
    assert_eq!(status, 404);
    let metrics = app.get_text("/metrics").await;
    let dead = metrics
        .lines()
        .find(|l| l.starts_with("session_gateway_events_dead_lettered_total"))
        .unwrap_or_else(|| panic!("no dead letters counted: {metrics}"));
    assert!(dead.ends_with(" 1"), "{dead}");
}

super::on_stores! {
    a_failing_receiver_fills_the_dead_letter_list => memory = Memory, redis = Redis;
}
