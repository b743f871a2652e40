//! With Redis stopped, /readyz answers 503 within the store timeout and the process stays up;
//! once Redis is back, /readyz answers 200 again within 2 s, with no restart of the gateway.

use std::time::{Duration, Instant};

use e2e::{spawn_with, test_settings};
use session_core::SystemClock;
use session_redis::testing::RedisServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_redis_down_and_back() {
    let mut redis = RedisServer::start();
    let mut settings = e2e::on_redis(test_settings(""), &redis);
    settings.store.timeout_ms = 300;
    let app = spawn_with(settings, std::sync::Arc::new(SystemClock)).await;
    let ready = |app: &e2e::TestApp| {
        let req = app
            .client
            .get(app.url("/readyz"))
            .timeout(Duration::from_secs(5));
        async move { req.send().await.map(|r| r.status().as_u16()) }
    };
    assert_eq!(ready(&app).await.unwrap(), 200);

    redis.stop();
    // Every worker answers 503, each within the 300 ms store timeout (plus scheduling slack).
    for _ in 0..6 {
        let started = Instant::now();
        assert_eq!(ready(&app).await.unwrap(), 503);
        assert!(
            started.elapsed() < Duration::from_millis(1000),
            "readyz took {:?} with Redis down",
            started.elapsed()
        );
    }
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(
        health.status(),
        200,
        "the process stays up while Redis is away"
    );

    redis.start_again();
    let back = Instant::now();
    loop {
        // Two in a row, so more than one worker has recovered.
        if ready(&app).await.unwrap() == 200 && ready(&app).await.unwrap() == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(2),
            "readyz still not 200 {:?} after Redis came back",
            back.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
