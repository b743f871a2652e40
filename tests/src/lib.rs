//! Helpers for black-box tests: [`spawn_app`] starts a whole gateway on a free port (memory
//! store) and [`spawn_app_on_redis`] does the same on a real `redis-server` that the harness
//! starts. Logs stay silent unless `TEST_LOG` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod open;
pub mod process;

use std::sync::{Arc, OnceLock};

use actix_web::dev::ServerHandle;
use gateway::configuration::{Settings, Sources};
use gateway::startup::Application;
use gateway::telemetry::{self, LogSettings};
use session_core::{ManualClock, SharedClock, SystemClock};
use session_redis::testing::{RedisCluster, RedisServer};

/// Settings every test app starts from, before the test's own overlay.
const TEST_BASE: &str = r#"
[server]
host = "127.0.0.1"
port = 0
workers = 2
shutdown_timeout_secs = 1

[store]
token_secret = "test-token-secret-0123456789"
"#;

/// A running gateway.
pub struct TestApp {
    /// `http://127.0.0.1:PORT` (or https).
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// A client without redirects, cookies or proxies.
    pub client: reqwest::Client,
    /// The settings it runs with.
    pub settings: Settings,
    handle: ServerHandle,
}

impl TestApp {
    /// `address` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The body of `GET path` as text (whatever its status).
    pub async fn get_text(&self, path: &str) -> String {
        let response = self.client.get(self.url(path)).send().await;
        response.unwrap().text().await.unwrap()
    }

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// Loads test settings: defaults, `TEST_BASE`, then `overlay` (TOML). No files, no env vars.
pub fn test_settings(overlay: &str) -> Settings {
    Settings::load_from(Sources {
        environment: Some("test".into()),
        config_dir: None,
        file: None,
        overlay: Some(format!("{TEST_BASE}\n{overlay}")),
        env_vars: false,
    })
    .unwrap_or_else(|e| panic!("test settings do not load: {e}"))
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            telemetry::init(&LogSettings {
                level: "debug".into(),
                ..Default::default()
            });
        }
    });
}

/// Starts a gateway on the memory store with the system clock.
pub async fn spawn_app(overlay: &str) -> TestApp {
    spawn_with(test_settings(overlay), Arc::new(SystemClock)).await
}

/// Starts a gateway on the memory store with a settable clock that the test moves.
pub async fn spawn_app_with_clock(overlay: &str) -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::starting_now());
    let app = spawn_with(test_settings(overlay), clock.clone()).await;
    (app, clock)
}

/// The redis-server shared by every test of one test binary.
pub fn shared_redis() -> &'static RedisServer {
    static SERVER: OnceLock<RedisServer> = OnceLock::new();
    SERVER.get_or_init(RedisServer::start)
}

/// Starts a gateway on a real Redis (shared per test binary, keys under a fresh prefix).
pub async fn spawn_app_on_redis(overlay: &str) -> TestApp {
    let settings = on_redis(test_settings(overlay), shared_redis());
    spawn_with(settings, Arc::new(SystemClock)).await
}

/// The 3-master Redis Cluster shared by every test of one test binary (started on first use).
pub fn shared_cluster() -> &'static RedisCluster {
    static CLUSTER: OnceLock<RedisCluster> = OnceLock::new();
    CLUSTER.get_or_init(RedisCluster::start)
}

/// Starts a gateway on the shared Redis Cluster (keys under a fresh prefix).
pub async fn spawn_app_on_cluster(overlay: &str) -> TestApp {
    let settings = on_cluster(test_settings(overlay), shared_cluster());
    spawn_with(settings, Arc::new(SystemClock)).await
}

/// `settings` switched to `cluster` (every node a seed), with keys under a fresh prefix.
pub fn on_cluster(settings: Settings, cluster: &RedisCluster) -> Settings {
    let urls = cluster.urls();
    let mut settings = on_redis_at(settings, urls[0].clone());
    settings.store.cluster_urls = urls;
    settings
}

/// What `flavor` answers for the edge error `e` at `path`: status, `Retry-After` and JSON body
/// (what a test compares an answer over HTTP with).
pub fn edge_answer(
    flavor: session_core::Flavor,
    e: flavor_kit::EdgeError,
    path: &str,
) -> (u16, Option<String>, serde_json::Value) {
    let r = gateway::flavors::all()
        .find(|r| r.flavor() == flavor)
        .unwrap();
    let res = r.render_edge(e, path);
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = actix_web::body::MessageBody::try_into_bytes(res.into_body())
        .unwrap_or_else(|_| panic!("a streamed edge answer"));
    (status, retry, serde_json::from_slice(&body).unwrap())
}

/// `settings` switched to `redis`, with keys under a fresh prefix.
pub fn on_redis(settings: Settings, redis: &RedisServer) -> Settings {
    on_redis_at(settings, redis.url())
}

/// `settings` switched to the Redis at `url`, with keys under a fresh prefix.
pub fn on_redis_at(mut settings: Settings, url: String) -> Settings {
    settings.store.backend = gateway::configuration::Backend::Redis;
    settings.store.url = url;
    settings.store.key_prefix = format!("t{}", session_core::token::random_hex(6).unwrap());
    settings
}

/// A redis-server of its own that is already over its `maxmemory` (policy `noeviction`): it
/// holds one large key and is then limited below it, so every write is refused.
pub fn full_redis() -> RedisServer {
    let server = RedisServer::start_with_args(&["--maxmemory-policy", "noeviction"]);
    let junk = "x".repeat(4 << 20);
    assert_eq!(
        server.command(&["SET", "junk", &junk]).as_deref(),
        Some("OK")
    );
    assert_eq!(
        server
            .command(&["CONFIG", "SET", "maxmemory", "2mb"])
            .as_deref(),
        Some("OK")
    );
    server
}

/// How many keys `server` holds.
pub fn key_count(server: &RedisServer) -> u64 {
    server
        .command(&["DBSIZE"])
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("DBSIZE did not answer"))
}

/// Starts a gateway on `redis` (keys under a fresh prefix) with the system clock.
pub async fn spawn_app_on(overlay: &str, redis: &RedisServer) -> TestApp {
    spawn_with(
        on_redis(test_settings(overlay), redis),
        Arc::new(SystemClock),
    )
    .await
}

/// Starts a gateway on a Redis nobody listens on, with a short store timeout: every store call
/// fails fast.
pub async fn spawn_app_on_absent_redis(overlay: &str) -> TestApp {
    let mut settings = on_redis_at(test_settings(overlay), "redis://127.0.0.1:1".into());
    settings.store.timeout_ms = 300;
    spawn_with(settings, Arc::new(SystemClock)).await
}

/// Starts a gateway with explicit settings and clock.
pub async fn spawn_with(settings: Settings, clock: SharedClock) -> TestApp {
    init_logs();
    let app = Application::build_with_clock(settings.clone(), clock)
        .await
        .unwrap_or_else(|e| panic!("the gateway does not start: {e}"));
    let address = app.address().to_owned();
    let port = app.port();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    TestApp {
        address,
        port,
        client,
        settings,
        handle,
    }
}
