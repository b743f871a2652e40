//! Testing mode (`[testing] enabled`) over HTTP, as a user's test suite drives it: the clock
//! ([`clock`]), reset and snapshots ([`state`]), faults and the journal ([`faults`]), and the
//! official clients under it ([`clients`]). Scenarios run on the memory store and on Redis.
//!
//! Here: the configuration every scenario starts from (all four flavors, one tenant or two of
//! each) and small clients of each flavor and of the admin API.

pub(crate) mod clients;
mod clock;
mod faults;
mod state;

use chrono::{DateTime, Utc};
use e2e::TestApp;
use hmac::{Hmac, Mac};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};

pub const ADMIN_TOKEN: &str = "testing-admin-token-0123";
pub const QB_APP: u64 = 4242;
pub const QB_KEY: &str = "qb-key";
pub const QB_SECRET: &str = "qb-secret-0123456789";
pub const AM_KEY: &str = "am-key-0123456789";
pub const AM_NETWORK: &str = "net-t";
pub const QS_KEY: &str = "qs-key-0123456789";
pub const QS_TENANT: &str = "tenant-q";
pub const QS_WALLET_SECRET: &str = "qs-wallet-secret-0123456789abcdef";
pub const SS_A: (&str, &str) = ("client-a", "secret-a-0123456789");
pub const SS_B: (&str, &str) = ("client-b", "secret-b-0123456789");

/// Every flavor with a tenant or two, testing mode on with a quick clock sync; `extra` is
/// added to `[testing]`.
pub fn overlay_with(extra: &str) -> String {
    format!(
        r#"
[admin]
token = "{ADMIN_TOKEN}"

[testing]
enabled = true
clock_sync_ms = 50
{extra}

[[quickblox.applications]]
application_id = {QB_APP}
auth_key = "{QB_KEY}"
auth_secret = "{QB_SECRET}"

[[quickblox.users]]
application_id = {QB_APP}
login = "alice"
password = "alice-pass"

[[amity.networks]]
api_key = "{AM_KEY}"
network_id = "{AM_NETWORK}"
jwt_secret = "amity-testing-jwt-secret-0123456789"
token_ttl_seconds = 3600
refresh_ttl_seconds = 7200

[[quicksync.api_keys]]
key = "{QS_KEY}"
name = "{QS_TENANT}"

[quicksync.wallet_token]
hs256_secret = "{QS_WALLET_SECRET}"
ttl_seconds = 900

[session_storage]
default_ttl_seconds = 3600

[[session_storage.clients]]
client_id = "{}"
client_secret = "{}"
user_id = "u1"

[[session_storage.clients]]
client_id = "{}"
client_secret = "{}"
user_id = "u1"
"#,
        SS_A.0, SS_A.1, SS_B.0, SS_B.1
    )
}

/// [`overlay_with`] nothing more.
pub fn overlay() -> String {
    overlay_with("")
}

// ---------------------------------------------------------------------------------------------
// The admin API.

pub fn admin(app: &TestApp, method: Method, path: &str) -> RequestBuilder {
    app.client
        .request(method, app.url(&format!("/admin/v1/testing{path}")))
        .bearer_auth(ADMIN_TOKEN)
}

/// Status and JSON body (`null` for none).
pub async fn read(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"))
    };
    (status, body)
}

/// A call that must answer `status`; its body.
pub async fn expect(rb: RequestBuilder, status: u16) -> Value {
    let (got, body) = read(rb.send().await.unwrap()).await;
    assert_eq!(got, status, "{body}");
    body
}

pub async fn clock_now(app: &TestApp) -> DateTime<Utc> {
    let body = expect(admin(app, Method::GET, "/clock"), 200).await;
    body["now"].as_str().unwrap().parse().unwrap()
}

pub async fn move_clock(app: &TestApp, change: Value) -> Value {
    expect(admin(app, Method::POST, "/clock").json(&change), 200).await
}

pub async fn advance(app: &TestApp, seconds: i64) -> Value {
    move_clock(app, json!({"advance_seconds": seconds})).await
}

// ---------------------------------------------------------------------------------------------
// QuickBlox: signed creates at the gateway's time.

fn hmac_sha1(secret: &str, message: &str) -> String {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(message.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// The form of a signed application session at `ts` with `nonce`.
pub fn qb_form(ts: i64, nonce: u32) -> String {
    let mut pairs = [
        ("application_id", QB_APP.to_string()),
        ("auth_key", QB_KEY.to_owned()),
        ("nonce", nonce.to_string()),
        ("timestamp", ts.to_string()),
    ];
    pairs.sort();
    let canonical = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!("{canonical}&signature={}", hmac_sha1(QB_SECRET, &canonical))
}

pub async fn qb_create_raw(app: &TestApp, form: String) -> Response {
    app.client
        .post(app.url("/session.json"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
}

/// A new application session signed at the gateway's time; its token.
pub async fn qb_create(app: &TestApp) -> String {
    let ts = clock_now(app).await.timestamp();
    let nonce = u32::from_be_bytes(session_core::token::random_bytes::<4>().unwrap()) % 1_000_000;
    let (status, body) = read(qb_create_raw(app, qb_form(ts, nonce)).await).await;
    assert_eq!(status, 201, "{body}");
    body["session"]["token"].as_str().unwrap().to_owned()
}

pub async fn qb_get(app: &TestApp, token: &str) -> (u16, Value) {
    read(
        app.client
            .get(app.url("/session.json"))
            .header("QB-Token", token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Amity.

pub async fn am_login(app: &TestApp, user: &str) -> Value {
    let r = app
        .client
        .post(app.url("/api/v4/sessions"))
        .header("x-api-key", AM_KEY)
        .json(&json!({"userId": user, "deviceId": format!("{user}-device")}))
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, 200, "{body}");
    body
}

pub async fn am_check(app: &TestApp, access: &str) -> (u16, Value) {
    read(
        app.client
            .get(app.url("/api/v3/sessions"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await
}

pub async fn am_refresh(app: &TestApp, refresh: &str) -> (u16, Value) {
    read(
        app.client
            .post(app.url("/api/v4/sessions/refresh"))
            .header("x-api-key", AM_KEY)
            .json(&json!({"refreshToken": refresh}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// session-storage.

pub fn ss(rb: RequestBuilder, (id, secret): (&str, &str)) -> RequestBuilder {
    rb.header("ClientID", id).header("ClientSecret", secret)
}

/// A new session of `client`; its id.
pub async fn ss_create(app: &TestApp, client: (&str, &str)) -> String {
    let r = ss(app.client.post(app.url("/session-storage/session")), client)
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, 201, "{body}");
    body["data"]["id"].as_str().unwrap().to_owned()
}

pub async fn ss_get(app: &TestApp, client: (&str, &str), id: &str) -> (u16, Value) {
    let r = ss(
        app.client
            .get(app.url(&format!("/session-storage/sessions/{id}"))),
        client,
    )
    .send()
    .await
    .unwrap();
    read(r).await
}

// ---------------------------------------------------------------------------------------------
// QuickSync: wallet bearers minted with the configured key, at the gateway's time.

/// A wallet address of its own.
pub fn wallet() -> String {
    format!("0x{}", session_core::token::random_hex(20).unwrap())
}

pub async fn qs_bearer(app: &TestApp, address: &str) -> String {
    let now = clock_now(app).await.timestamp();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": address, "iat": now, "exp": now + 600}),
        &jsonwebtoken::EncodingKey::from_secret(QS_WALLET_SECRET.as_bytes()),
    )
    .unwrap()
}

/// A new group of `expiry` seconds hosted by a new wallet; its id and the host's token.
pub async fn qs_create(app: &TestApp, expiry: u64) -> (String, String) {
    let bearer = qs_bearer(app, &wallet()).await;
    let r = app
        .client
        .post(app.url("/v1/session"))
        .header("X-API-KEY", QS_KEY)
        .bearer_auth(bearer)
        .json(&json!({"rules": {"expiryDurationInSeconds": expiry, "userCapacity": 5}}))
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, 200, "{body}");
    (
        body["sessionId"].as_str().unwrap().to_owned(),
        body["credentials"]["token"].as_str().unwrap().to_owned(),
    )
}

/// A new wallet joins `group`; its token.
pub async fn qs_join(app: &TestApp, group: &str) -> String {
    let bearer = qs_bearer(app, &wallet()).await;
    let r = app
        .client
        .post(app.url("/v1/session/join"))
        .bearer_auth(bearer)
        .json(&json!({"sessionId": group}))
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, 200, "{body}");
    body["credentials"]["token"].as_str().unwrap().to_owned()
}

pub async fn qs_current(app: &TestApp, token: &str) -> (u16, Value) {
    read(
        app.client
            .get(app.url("/v1/session/current"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Whether the app runs on Redis.
pub fn on_redis(app: &TestApp) -> bool {
    app.settings.store.backend == gateway::configuration::Backend::Redis
}

/// Whether Redis still holds `owner`'s hash (the app must run on the shared Redis).
pub fn redis_holds(app: &TestApp, owner: &str) -> bool {
    let key = format!("{}:3:{{{owner}}}", app.settings.store.key_prefix);
    e2e::shared_redis().command(&["EXISTS", &key]).as_deref() == Some("1")
}
