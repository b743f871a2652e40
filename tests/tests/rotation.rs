//! Key rotation on a running deployment: sessions of all four flavors and run-time tenants of all
//! five kinds survive a restart with a new active token key (the old one listed as previous) and a
//! new secrets key, `rotate-secrets` re-files the tenants, a restart with only the new keys
//! refuses the sessions nobody used meanwhile (in each flavor's format), the store holds no
//! secret, token or password in plain form, and two replicas that rotate one after the other
//! lose nothing. On a single redis-server and on a 3-master Redis Cluster; not on memory: the
//! memory store keeps nothing across a restart (the rings themselves are covered on memory by
//! the crates' tests).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use e2e::{on_cluster, on_redis, spawn_with, test_settings, TestApp};
use futures_util::future::join_all;
use gateway::configuration::Settings;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use session_core::SystemClock;

use crate::quicksync::{prove, Wallet};

const ADMIN: &str = "rotation-admin-token-0123";
const OLD: &str = "rotation-old-token-secret-0001";
const NEW: &str = "rotation-new-token-secret-0002";
const SEAL_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const SEAL_B: &str = "HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=";

const QB_APP: &str = "9101";
const QB_KEY: &str = "rot-qb-auth-key-7f3a";
const QB_SECRET: &str = "rot-qb-auth-secret-91c2";
const QB_LOGIN: &str = "erin";
const QB_PASSWORD: &str = "rot-erin-password-55d1";
const AMITY_KEY: &str = "rot-amity-api-key-a8e4";
const AMITY_SERVER_KEY: &str = "rot-amity-server-key-b2c9";
const AMITY_JWT: &str = "rot-amity-jwt-secret-0123456789abcdef-c3d0";
const SS_CLIENT: &str = "rot-client";
const SS_SECRET: &str = "rot-client-secret-d4e7";
const QS_KEY: &str = "rot-qs-api-key-e5f8";

/// Every tenant secret and password the tests put in the store.
const SECRETS: &[&str] = &[
    QB_KEY,
    QB_SECRET,
    QB_PASSWORD,
    AMITY_KEY,
    AMITY_SERVER_KEY,
    AMITY_JWT,
    SS_SECRET,
    QS_KEY,
];

const OVERLAY: &str = r#"
[admin]
token = "rotation-admin-token-0123"

[quicksync.wallet_token]
hs256_secret = "rotation-wallet-secret-0123456789abcdef"
"#;

/// The keys of `[store]` one gateway runs with.
#[derive(Clone, Copy)]
struct Ring {
    token: &'static str,
    previous_tokens: &'static [&'static str],
    seal: &'static str,
    previous_seals: &'static [&'static str],
}

const BEFORE: Ring = Ring {
    token: OLD,
    previous_tokens: &[],
    seal: SEAL_A,
    previous_seals: &[],
};
/// The new keys accepted, the old ones still active (the first step of a rolling rotation).
const STAGED: Ring = Ring {
    token: OLD,
    previous_tokens: &[NEW],
    seal: SEAL_A,
    previous_seals: &[SEAL_B],
};
const ROTATED: Ring = Ring {
    token: NEW,
    previous_tokens: &[OLD],
    seal: SEAL_B,
    previous_seals: &[SEAL_A],
};
const AFTER: Ring = Ring {
    token: NEW,
    previous_tokens: &[],
    seal: SEAL_B,
    previous_seals: &[],
};

/// The Redis a scenario runs on, shared by the test binary (each scenario keeps its keys under
/// a prefix of its own).
#[derive(Clone, Copy)]
enum Redis {
    /// One redis-server.
    Node,
    /// The 3-master Redis Cluster.
    Cluster,
}

impl Redis {
    /// `settings` switched to it.
    fn apply(self, settings: Settings) -> Settings {
        match self {
            Redis::Node => on_redis(settings, e2e::shared_redis()),
            Redis::Cluster => on_cluster(settings, e2e::shared_cluster()),
        }
    }

    /// The port of each of its nodes (on the cluster, every master).
    fn ports(self) -> Vec<u16> {
        match self {
            Redis::Node => vec![e2e::shared_redis().port()],
            Redis::Cluster => e2e::shared_cluster().ports(),
        }
    }
}

/// Runs each scenario, an `async fn(Redis)` of this module, on one redis-server and on the
/// 3-master cluster, as the tests `<scenario>::redis` and `<scenario>::cluster`.
macro_rules! on_node_and_cluster {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                super::$scenario(Redis::Node).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn cluster() {
                super::$scenario(Redis::Cluster).await;
            }
        }
    )+};
}

on_node_and_cluster!(
    every_key_rotates_without_signing_anyone_out,
    two_replicas_rotating_one_after_the_other_lose_nothing,
);

fn settings(redis: Redis, prefix: &str, ring: Ring) -> Settings {
    let mut s = redis.apply(test_settings(OVERLAY));
    s.store.key_prefix = prefix.to_owned();
    s.store.token_secret = ring.token.to_owned();
    s.store.previous_token_secrets = ring.previous_tokens.iter().map(|k| k.to_string()).collect();
    s.store.secrets_key = Some(ring.seal.to_owned());
    s.store.previous_secrets_keys = ring.previous_seals.iter().map(|k| k.to_string()).collect();
    s
}

async fn start(redis: Redis, prefix: &str, ring: Ring) -> TestApp {
    spawn_with(settings(redis, prefix, ring), Arc::new(SystemClock)).await
}

/// `session-gateway rotate-secrets` with `ring`.
async fn rotate_secrets(redis: Redis, prefix: &str, ring: Ring) -> gateway::rotate_secrets::Report {
    let s = settings(redis, prefix, ring);
    let raw = gateway::keys::raw_store(&s.store, Arc::new(SystemClock)).unwrap();
    gateway::rotate_secrets::run(
        raw.as_ref(),
        &gateway::keys::token_ring(&s.store),
        &gateway::keys::sealer(&s.store),
    )
    .await
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Run-time tenants of the five kinds.

async fn put_tenants(app: &TestApp) {
    for (kind, doc) in [
        (
            "quickblox-applications",
            json!({"application_id": 9101, "auth_key": QB_KEY, "auth_secret": QB_SECRET}),
        ),
        (
            "quickblox-users",
            json!({"application_id": 9101, "login": QB_LOGIN, "password": QB_PASSWORD}),
        ),
        (
            "amity-networks",
            json!({"api_key": AMITY_KEY, "server_key": AMITY_SERVER_KEY,
                   "network_id": "rot-net", "jwt_secret": AMITY_JWT}),
        ),
        (
            "session-storage-clients",
            json!({"client_id": SS_CLIENT, "client_secret": SS_SECRET,
                   "max_sessions_per_user": 100}),
        ),
        (
            "quicksync-api-keys",
            json!({"key": QS_KEY, "name": "rot-tenant"}),
        ),
    ] {
        let r = app
            .client
            .put(app.url(&format!("/admin/v1/tenants/{kind}")))
            .bearer_auth(ADMIN)
            .json(&doc)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{kind}: {:?}", r.text().await);
    }
}

// ---------------------------------------------------------------------------------------------
// One session of each flavor, made with the run-time tenants.

#[derive(Debug, Clone)]
struct Sessions {
    quickblox: String,
    amity_access: String,
    amity_refresh: String,
    storage_id: String,
    storage_publisher: String,
    storage_page: String,
    quicksync: String,
}

impl Sessions {
    fn tokens(&self) -> [&str; 5] {
        [
            &self.quickblox,
            &self.amity_access,
            &self.amity_refresh,
            &self.storage_publisher,
            &self.quicksync,
        ]
    }
}

static SEQ: AtomicU64 = AtomicU64::new(1);

fn next() -> u64 {
    SEQ.fetch_add(1, Ordering::Relaxed)
}

async fn open_sessions(app: &TestApp) -> Sessions {
    let n = next();
    let amity = amity_login(app, &format!("user-{n}")).await;
    let (storage_id, storage_publisher) = storage_create(app).await;
    // A second one, so that the listing has a next page.
    storage_create(app).await;
    Sessions {
        quickblox: quickblox_login(app).await,
        amity_access: amity["accessToken"].as_str().unwrap().to_owned(),
        amity_refresh: amity["refreshToken"].as_str().unwrap().to_owned(),
        storage_id,
        storage_publisher,
        storage_page: storage_page(app).await,
        quicksync: quicksync_create(app, &format!("wallet-{n}")).await,
    }
}

/// Every session of `s` works on `app`.
async fn assert_live(app: &TestApp, s: &Sessions) {
    let (status, body) = quickblox_check(app, &s.quickblox).await;
    assert_eq!(status, 200, "quickblox: {body}");
    let (status, body) = amity_check(app, &s.amity_access).await;
    assert_eq!(status, 200, "amity: {body}");
    assert_eq!(
        storage_get(app, &s.storage_id).await,
        200,
        "session storage"
    );
    assert_eq!(
        storage_list(app, &s.storage_page).await.0,
        200,
        "session-storage page token"
    );
    assert_eq!(
        quicksync_current(app, &s.quicksync).await.0,
        200,
        "quicksync"
    );
}

/// Every token of `s` is refused on `app`, each in its flavor's format.
async fn assert_refused(app: &TestApp, s: &Sessions) {
    let (status, body) = quickblox_check(app, &s.quickblox).await;
    assert_eq!(status, 401, "quickblox: {body}");
    assert_eq!(
        body,
        json!({"errors": {"base": ["Required session does not exist"]}})
    );
    let (status, body) = amity_check(app, &s.amity_access).await;
    assert_eq!(status, 401, "amity: {body}");
    assert_eq!(body["status"], "error", "amity: {body}");
    assert_eq!(body["code"], 400100, "amity: {body}");
    let (status, body) = amity_refresh(app, &s.amity_refresh).await;
    assert_eq!(status, 401, "amity refresh: {body}");
    assert_eq!(body["status"], "error", "amity refresh: {body}");
    let (status, body) = storage_list(app, &s.storage_page).await;
    assert_eq!(status, 422, "session-storage page token: {body}");
    assert_eq!(
        body["errors"][0]["error_code"], "INVALID_PAGE_TOKEN",
        "{body}"
    );
    let (status, body) = quicksync_current(app, &s.quicksync).await;
    assert_eq!(status, 401, "quicksync: {body}");
    assert_eq!(body["status"], 401, "quicksync: {body}");
}

// ---------------------------------------------------------------------------------------------
// Flavor clients.

async fn read(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn hmac_sha1(secret: &str, message: &str) -> String {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(message.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

async fn quickblox_login(app: &TestApp) -> String {
    let ts = chrono::Utc::now().timestamp().to_string();
    let nonce = next().to_string();
    let mut pairs = vec![
        ("application_id", QB_APP),
        ("auth_key", QB_KEY),
        ("nonce", &nonce),
        ("timestamp", &ts),
        ("user[login]", QB_LOGIN),
        ("user[password]", QB_PASSWORD),
    ];
    let canonical = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let signature = hmac_sha1(QB_SECRET, &canonical);
    pairs.push(("signature", &signature));
    let body = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let r = app
        .client
        .post(app.url("/session.json"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, v) = read(r).await;
    assert_eq!(status, 201, "{v}");
    v["session"]["token"].as_str().unwrap().to_owned()
}

async fn quickblox_check(app: &TestApp, token: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url("/session.json"))
        .header("QB-Token", token)
        .send()
        .await
        .unwrap();
    read(r).await
}

async fn amity_login(app: &TestApp, user: &str) -> Value {
    let r = app
        .client
        .post(app.url("/api/v4/sessions"))
        .header("x-api-key", AMITY_KEY)
        .json(&json!({"userId": user, "deviceId": format!("{user}-device")}))
        .send()
        .await
        .unwrap();
    let (status, v) = read(r).await;
    assert_eq!(status, 200, "{v}");
    v
}

/// An Amity bearer call: `GET /api/v3/sessions` checks the token, `DELETE /api/v4/sessions`
/// signs it out.
async fn amity_bearer(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> (u16, Value) {
    let r = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    read(r).await
}

async fn amity_check(app: &TestApp, token: &str) -> (u16, Value) {
    amity_bearer(app, reqwest::Method::GET, "/api/v3/sessions", token).await
}

async fn amity_logout(app: &TestApp, token: &str) -> (u16, Value) {
    amity_bearer(app, reqwest::Method::DELETE, "/api/v4/sessions", token).await
}

async fn amity_refresh(app: &TestApp, refresh: &str) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v4/sessions/refresh"))
        .header("x-api-key", AMITY_KEY)
        .json(&json!({"refreshToken": refresh}))
        .send()
        .await
        .unwrap();
    read(r).await
}

fn storage(rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    rb.header("ClientID", SS_CLIENT)
        .header("ClientSecret", SS_SECRET)
}

async fn storage_create(app: &TestApp) -> (String, String) {
    let r = storage(app.client.post(app.url("/session-storage/session")))
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    let (status, v) = read(r).await;
    assert_eq!(status, 201, "{v}");
    (
        v["data"]["id"].as_str().unwrap().to_owned(),
        v["data"]["publisher"].as_str().unwrap().to_owned(),
    )
}

async fn storage_get(app: &TestApp, id: &str) -> u16 {
    storage(
        app.client
            .get(app.url(&format!("/session-storage/sessions/{id}"))),
    )
    .send()
    .await
    .unwrap()
    .status()
    .as_u16()
}

async fn storage_page(app: &TestApp) -> String {
    let (status, v) = storage_list_query(app, "?page_size=1").await;
    assert_eq!(status, 200, "{v}");
    v["next_page_token"].as_str().unwrap().to_owned()
}

async fn storage_list(app: &TestApp, page_token: &str) -> (u16, Value) {
    storage_list_query(app, &format!("?page_size=1&page_token={page_token}")).await
}

async fn storage_list_query(app: &TestApp, query: &str) -> (u16, Value) {
    let r = storage(
        app.client
            .get(app.url(&format!("/session-storage/sessions{query}"))),
    )
    .send()
    .await
    .unwrap();
    read(r).await
}

async fn quicksync_create(app: &TestApp, seed: &str) -> String {
    let wallet = Wallet::new(seed);
    let bearer = prove(app, &wallet).await;
    let r = app
        .client
        .post(app.url("/v1/session"))
        .header("X-API-KEY", QS_KEY)
        .bearer_auth(bearer)
        .json(&json!({"identity": {"name": "Host", "chainAddress": wallet.address()}}))
        .send()
        .await
        .unwrap();
    let (status, v) = read(r).await;
    assert_eq!(status, 200, "{v}");
    v["credentials"]["token"].as_str().unwrap().to_owned()
}

async fn quicksync_current(app: &TestApp, token: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url("/v1/session/current"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    read(r).await
}

// ---------------------------------------------------------------------------------------------
// The store as bytes.

/// A snapshot of every key and value of each node of `redis` (RDB files, uncompressed): on the
/// cluster, one a master.
fn snapshots(redis: Redis) -> Vec<Vec<u8>> {
    redis.ports().into_iter().map(snapshot).collect()
}

/// A snapshot of the node on `port`.
fn snapshot(port: u16) -> Vec<u8> {
    let cli = |args: &[&str]| {
        let out = std::process::Command::new("redis-cli")
            .args(["-p", &port.to_string()])
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "redis-cli {args:?} failed");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(cli(&["CONFIG", "SET", "rdbcompression", "no"]), "OK");
    let file = std::env::temp_dir().join(format!("rotation-{}-{}.rdb", std::process::id(), next()));
    cli(&["--rdb", &file.display().to_string()]);
    let bytes = std::fs::read(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

async fn every_key_rotates_without_signing_anyone_out(redis: Redis) {
    let prefix = &format!("rot{}", session_core::token::random_hex(4).unwrap());

    // Before: the old keys.
    let before = start(redis, prefix, BEFORE).await;
    put_tenants(&before).await;
    let used = open_sessions(&before).await;
    let dormant = open_sessions(&before).await;
    assert_live(&before, &used).await;
    before.stop().await;

    // Restarted with the new keys active and the old ones previous: nobody is signed out, and
    // new sessions are made under the new keys.
    let rotated = start(redis, prefix, ROTATED).await;
    assert_live(&rotated, &used).await;
    let fresh = open_sessions(&rotated).await;
    assert_live(&rotated, &fresh).await;
    let report = rotate_secrets(redis, prefix, ROTATED).await;
    let total = report.total();
    assert_eq!(total.unreadable, 0, "{report}");
    // The five documents sealed under the old secrets key are sealed again; the copies filed
    // under the new token key's ids when first used were sealed under the new one already.
    assert_eq!(total.resealed, 5, "{report}");
    assert_eq!(total.resealed + total.current, total.examined, "{report}");
    // A second run changes nothing.
    let again = rotate_secrets(redis, prefix, ROTATED).await.total();
    assert_eq!(again.current, again.examined, "{again}");
    assert_live(&rotated, &used).await;
    // An Amity session opened under the old token key signs out under the ring, once.
    let logout = amity_logout(&rotated, &used.amity_access).await;
    assert_eq!(logout, (200, json!({"success": true})));
    assert_eq!(amity_check(&rotated, &used.amity_access).await.0, 401);
    assert_eq!(amity_logout(&rotated, &used.amity_access).await.0, 401);
    rotated.stop().await;

    // Restarted with the new keys only: what was used under the ring, and everything new,
    // works; what nobody presented meanwhile is refused; the tenants, re-filed, still work.
    let after = start(redis, prefix, AFTER).await;
    let report = rotate_secrets(redis, prefix, AFTER).await;
    assert_eq!(report.total().removed, 2, "the old ids: {report}");
    assert_eq!(report.total().unreadable, 0, "{report}");
    assert_live(&after, &fresh).await;
    assert_eq!(quickblox_check(&after, &used.quickblox).await.0, 200);
    assert_eq!(quicksync_current(&after, &used.quicksync).await.0, 200);
    assert_refused(&after, &dormant).await;
    let later = open_sessions(&after).await;
    assert_live(&after, &later).await;

    // No tenant secret, password or token in plain form anywhere in the store: on each node
    // (each master of the cluster), which holds some of the gateway's keys.
    for dump in snapshots(redis) {
        assert!(
            contains(&dump, prefix),
            "the snapshot holds the gateway's keys"
        );
        for secret in SECRETS {
            assert!(!contains(&dump, secret), "{secret} is stored in plain form");
        }
        for s in [&used, &dormant, &fresh, &later] {
            for token in s.tokens() {
                assert!(!contains(&dump, token), "a token is stored in plain form");
            }
        }
    }
    after.stop().await;
}

async fn two_replicas_rotating_one_after_the_other_lose_nothing(redis: Redis) {
    let prefix = format!("rr{}", session_core::token::random_hex(4).unwrap());
    let mut a = start(redis, &prefix, BEFORE).await;
    let mut b = start(redis, &prefix, BEFORE).await;
    put_tenants(&a).await;
    let mut all = vec![open_sessions(&a).await, open_sessions(&b).await];

    // Each step restarts one replica, then the other, while both serve every session.
    for ring in [STAGED, ROTATED] {
        for restarted in 0..2 {
            if restarted == 0 {
                a.stop().await;
                a = start(redis, &prefix, ring).await;
            } else {
                b.stop().await;
                b = start(redis, &prefix, ring).await;
            }
            all.push(open_sessions(&a).await);
            all.push(open_sessions(&b).await);
            // Both replicas, concurrently, several times each: re-keying on one never signs a
            // session out on the other.
            let checks = all
                .iter()
                .flat_map(|s| [(&a, s), (&b, s), (&a, s), (&b, s)])
                .map(|(app, s)| assert_live(app, s));
            join_all(checks).await;
        }
    }
    a.stop().await;
    b.stop().await;
}
