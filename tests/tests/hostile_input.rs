//! Hostile input on every route of every flavor, with valid credentials so that bodies are
//! really parsed: whatever arrives, the answer is a 4xx (or a success) in that flavor's own
//! error format, never a 5xx, a hang, or a body of another format.

use std::time::Duration;

use e2e::{spawn_app, TestApp};
use serde_json::Value;

const TENANTS: &str = r#"
[[quickblox.applications]]
application_id = 4242
auth_key = "k3yK3yK3y"
auth_secret = "s3cr3tS3cr3t"

[[amity.networks]]
api_key = "amity-key"
server_key = "amity-server-key"

[[quicksync.api_keys]]
key = "qs-key"

[quicksync.wallet_token]
hs256_secret = "wallet-secret-0123456789"

[[session_storage.clients]]
client_id = "client-a"
client_secret = "secret-a"
"#;

/// Every route, as `(method, path)`; `{id}` gets a syntactically plausible id.
const ROUTES: &[(&str, &str)] = &[
    ("POST", "/session.json"),
    ("GET", "/session.json"),
    ("DELETE", "/session.json"),
    ("POST", "/login.json"),
    ("DELETE", "/login.json"),
    ("POST", "/api/v3/sessions"),
    ("POST", "/api/v4/sessions"),
    ("POST", "/api/v5/sessions"),
    ("GET", "/api/v3/sessions"),
    ("DELETE", "/api/v4/sessions"),
    ("POST", "/api/v4/sessions/refresh"),
    ("POST", "/api/v4/authentication/token"),
    ("GET", "/api/v3/authentication/token"),
    ("GET", "/api/v3/network-settings/chat"),
    ("GET", "/v1/wallet-proof/nonce"),
    ("POST", "/v1/wallet-proof/verify?chain=Ethereum"),
    ("POST", "/v1/session"),
    ("POST", "/v1/session/join"),
    ("GET", "/v1/session/current"),
    ("DELETE", "/v1/session/current"),
    ("POST", "/v1/session/current/kick"),
    ("POST", "/v1/session/disconnect"),
    ("POST", "/session-storage/session"),
    ("GET", "/session-storage/sessions?page_size=1"),
    ("GET", "/session-storage/sessions/user.0a1b2c3d.4e5f6a7b"),
    ("DELETE", "/session-storage/sessions/user.0a1b2c3d.4e5f6a7b"),
    (
        "POST",
        "/session-storage/sessions/user.0a1b2c3d.4e5f6a7b?ttl_seconds=3600",
    ),
    // Methods and paths no flavor serves, under each flavor's prefix.
    ("PUT", "/session.json"),
    ("PATCH", "/login.json"),
    ("PUT", "/api/v5/sessions"),
    ("GET", "/api/v9/nothing-here"),
    ("PUT", "/v1/session"),
    ("GET", "/v1/nothing-here"),
    ("PUT", "/session-storage/session"),
    ("GET", "/session-storage/nothing-here"),
];

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn bodies(rng: &mut Rng) -> Vec<(Option<&'static str>, Vec<u8>)> {
    let json = Some("application/json");
    let form = Some("application/x-www-form-urlencoded");
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let mut out = vec![
        (json, b"".to_vec()),
        (json, b"{".to_vec()),
        (json, b"null".to_vec()),
        (json, b"[]".to_vec()),
        (json, b"[{}]".to_vec()),
        (json, b"\"text\"".to_vec()),
        (json, b"123456789012345678901234567890".to_vec()),
        (json, deep.into_bytes()),
        (
            json,
            br#"{"userId": 5, "deviceId": [], "data": "x", "sessionId": {}, "user": 1}"#.to_vec(),
        ),
        (json, br#"{"userId": "\ud800", "deviceId": "d"}"#.to_vec()),
        (
            json,
            format!(r#"{{"userId": "{}", "deviceId": "d"}}"#, "x".repeat(10_000)).into_bytes(),
        ),
        (
            json,
            br#"{"application_id": 1e400, "nonce": -99999999999999999999, "timestamp": "now"}"#
                .to_vec(),
        ),
        (
            json,
            br#"{"data": {"subscriber_count": -1, "intent": 7}, "identity": {"x": 1}}"#.to_vec(),
        ),
        (json, vec![0xff, 0xfe, 0x7b, 0x7d]),
        (
            form,
            b"user[login]=%ZZ&application_id=%FF%FE&nonce=1&&==&".to_vec(),
        ),
        (form, vec![0xc3, 0x28, b'=', 0xa0]),
        (Some("text/plain"), b"hello".to_vec()),
        (Some("application/json; charset=latin1"), b"{}".to_vec()),
        (None, b"{}".to_vec()),
        (json, vec![b'a'; 70_000]),
    ];
    for _ in 0..6 {
        let n = (rng.next() % 300) as usize;
        out.push((json, rng.bytes(n)));
        out.push((form, rng.bytes(n)));
    }
    out
}

fn wallet_bearer() -> String {
    let exp = chrono::Utc::now().timestamp() + 600;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &serde_json::json!({"sub": "0x8ba1f109551bd432803012645ac136ddd64dba72", "exp": exp}),
        &jsonwebtoken::EncodingKey::from_secret(b"wallet-secret-0123456789"),
    )
    .unwrap()
}

/// Checks that a 4xx/5xx body is in the format of the flavor that owns `path`.
fn assert_flavor_format(path: &str, status: u16, content_type: &str, body: &[u8]) {
    let what = format!(
        "{path} -> {status} {content_type}: {}",
        String::from_utf8_lossy(body)
    );
    let v: Value = serde_json::from_slice(body).unwrap_or_else(|_| panic!("not JSON: {what}"));
    if path.starts_with("/v1/") {
        assert!(
            content_type.starts_with("application/problem+json"),
            "{what}"
        );
        assert_eq!(v["status"], status, "{what}");
        assert!(v["title"].is_string(), "{what}");
    } else if path.starts_with("/api/") {
        assert_eq!(v["status"], "error", "{what}");
        assert!(v["code"].is_u64(), "{what}");
        assert!(v["message"].is_string(), "{what}");
    } else if path.starts_with("/session-storage/") {
        assert_eq!(v["ok"], false, "{what}");
        assert!(v["errors"][0]["status"].is_u64(), "{what}");
    } else {
        assert!(v["errors"].is_object() || v["errors"].is_array(), "{what}");
    }
}

async fn send(app: &TestApp, method: &str, path: &str, ct: Option<&str>, body: Vec<u8>) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = app
        .client
        .request(method, app.url(path))
        .timeout(Duration::from_secs(10))
        .header("x-api-key", "amity-key")
        .header("x-server-key", "amity-server-key")
        .header("X-API-KEY", "qs-key")
        .header("ClientID", "client-a")
        .header("ClientSecret", "secret-a")
        .header("QB-Token", "0123456789abcdef0123456789abcdef01234567")
        .body(body);
    if path.starts_with("/v1/") {
        req = req.bearer_auth(wallet_bearer());
    }
    if let Some(ct) = ct {
        req = req.header("content-type", ct);
    }
    let r = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: no answer: {e}"));
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = r.bytes().await.unwrap();
    assert!(
        status < 500,
        "{path} answered {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    if status >= 400 {
        assert_flavor_format(path, status, &content_type, &bytes);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_input_gets_a_5xx_or_a_foreign_error_format() {
    let app = spawn_app(TENANTS).await;
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    for (method, path) in ROUTES {
        for (ct, body) in bodies(&mut rng) {
            send(&app, method, path, ct, body).await;
        }
    }
    // And the process is still serving.
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
