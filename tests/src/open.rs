//! One session through each flavor's own API, as its clients open them, and each flavor's own
//! check of what it handed out: for tests that work across flavors (the admin API, the
//! console). [`TENANTS`] configures one tenant of each flavor, each with the name an operator
//! knows it by.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};

use crate::TestApp;

/// The admin token of [`TENANTS`].
pub const ADMIN_TOKEN: &str = "admin-token-0123456789";

/// The QuickBlox application (its id is the name operators know).
pub const QB_APP: &str = "4242";
/// Bob's QuickBlox user id: what the app knows.
pub const QB_BOB: &str = "1001";
/// The Amity network's configured name (its id is derived from the API key).
pub const AMITY_NETWORK: &str = "Demo network";
/// The QuickSync API key's name.
pub const QS_KEY_NAME: &str = "demo-app";
/// The session-storage client.
pub const SS_CLIENT: &str = "client-a";

const QB_KEY: &str = "k3yK3yK3y";
const QB_SECRET: &str = "s3cr3tS3cr3t";
const AMITY_KEY: &str = "amity-key";
const QS_KEY: &str = "qs-key";
const WALLET_SECRET: &str = "wallet-secret-0123456789-0123456789";
const SS_SECRET: &str = "secret-a";

/// One tenant of each flavor, and the admin API on.
pub const TENANTS: &str = r#"
[admin]
token = "admin-token-0123456789"

[[quickblox.applications]]
application_id = 4242
auth_key = "k3yK3yK3y"
auth_secret = "s3cr3tS3cr3t"

[[quickblox.users]]
id = 1001
application_id = 4242
login = "bob"
password = "bob-pass"

[[amity.networks]]
api_key = "amity-key"
name = "Demo network"
server_key = "amity-server-key"

[[quicksync.api_keys]]
key = "qs-key"
name = "demo-app"

[quicksync.wallet_token]
hs256_secret = "wallet-secret-0123456789-0123456789"

[[session_storage.clients]]
client_id = "client-a"
client_secret = "secret-a"
"#;

/// A session a flavor handed out.
#[derive(Debug, Clone)]
pub struct Opened {
    /// Its flavor's name.
    pub flavor: &'static str,
    /// Its tenant, as an operator names it.
    pub tenant: String,
    /// Its user, as the app knows it (`None`: a QuickBlox application session).
    pub user: Option<String>,
    /// What its client holds: the bearer, or the session id (session-storage).
    pub credential: String,
    /// The QuickSync group it belongs to.
    pub group: Option<String>,
}

async fn json_of(r: reqwest::Response, what: &str) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

fn hmac_sha1(secret: &str, message: &str) -> String {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(message.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// A QuickBlox session of application 4242, signed as its SDK signs it; bob's with `user`.
pub async fn quickblox(app: &TestApp, user: bool, agent: &str) -> Opened {
    let nonce =
        i64::from(u32::from_be_bytes(session_core::token::random_bytes::<4>().unwrap()) >> 1);
    let mut p = vec![
        ("application_id".to_owned(), QB_APP.to_owned()),
        ("auth_key".to_owned(), QB_KEY.to_owned()),
        ("nonce".to_owned(), nonce.to_string()),
        (
            "timestamp".to_owned(),
            chrono::Utc::now().timestamp().to_string(),
        ),
    ];
    if user {
        p.push(("user[login]".to_owned(), "bob".to_owned()));
        p.push(("user[password]".to_owned(), "bob-pass".to_owned()));
    }
    let mut canonical: Vec<String> = p.iter().map(|(k, v)| format!("{k}={v}")).collect();
    canonical.sort();
    p.push((
        "signature".to_owned(),
        hmac_sha1(QB_SECRET, &canonical.join("&")),
    ));
    let r = app
        .client
        .post(app.url("/session.json"))
        .header("user-agent", agent)
        .form(&p)
        .send()
        .await
        .unwrap();
    let body = json_of(r, "quickblox create").await;
    Opened {
        flavor: "quickblox",
        tenant: QB_APP.to_owned(),
        user: user.then(|| QB_BOB.to_owned()),
        credential: body["session"]["token"].as_str().unwrap().to_owned(),
        group: None,
    }
}

/// An Amity session of `user` on `device` (v5, as the SDK logs in).
pub async fn amity(app: &TestApp, user: &str, device: &str, agent: &str) -> Opened {
    let r = app
        .client
        .post(app.url("/api/v5/sessions"))
        .header("x-api-key", AMITY_KEY)
        .header("user-agent", agent)
        .json(&json!({"userId": user, "deviceId": device}))
        .send()
        .await
        .unwrap();
    let body = json_of(r, "amity create").await;
    Opened {
        flavor: "amity",
        tenant: AMITY_NETWORK.to_owned(),
        user: Some(user.to_owned()),
        credential: body["accessToken"].as_str().unwrap().to_owned(),
        group: None,
    }
}

/// A wallet address of 40 random hex digits, in checksum-like mixed case (apps show it so).
pub fn wallet() -> String {
    let hex = session_core::token::random_hex(20).unwrap();
    let mixed: String = hex
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    format!("0x{mixed}")
}

fn wallet_bearer(address: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": address.to_lowercase(), "exp": now + 600, "iat": now}),
        &jsonwebtoken::EncodingKey::from_secret(WALLET_SECRET.as_bytes()),
    )
    .unwrap()
}

/// A QuickSync group hosted by `address` (its host's session).
pub async fn quicksync(app: &TestApp, address: &str, agent: &str) -> Opened {
    let r = app
        .client
        .post(app.url("/v1/session"))
        .header("X-API-KEY", QS_KEY)
        .header("user-agent", agent)
        .bearer_auth(wallet_bearer(address))
        .json(&json!({"rules": {"userCapacity": 5}}))
        .send()
        .await
        .unwrap();
    let body = json_of(r, "quicksync create").await;
    Opened {
        flavor: "quicksync",
        tenant: QS_KEY_NAME.to_owned(),
        user: Some(address.to_owned()),
        credential: body["credentials"]["token"].as_str().unwrap().to_owned(),
        group: Some(body["sessionId"].as_str().unwrap().to_owned()),
    }
}

/// `address` joins the QuickSync group of `host`.
pub async fn quicksync_join(app: &TestApp, host: &Opened, address: &str, agent: &str) -> Opened {
    let group = host.group.clone().unwrap();
    let r = app
        .client
        .post(app.url("/v1/session/join"))
        .header("user-agent", agent)
        .bearer_auth(wallet_bearer(address))
        .json(&json!({"sessionId": group}))
        .send()
        .await
        .unwrap();
    let body = json_of(r, "quicksync join").await;
    Opened {
        flavor: "quicksync",
        tenant: QS_KEY_NAME.to_owned(),
        user: Some(address.to_owned()),
        credential: body["credentials"]["token"].as_str().unwrap().to_owned(),
        group: Some(group),
    }
}

/// A session-storage session of client-a; its user is what the session id begins with.
pub async fn session_storage(app: &TestApp, agent: &str) -> Opened {
    let r = app
        .client
        .post(app.url("/session-storage/session"))
        .header("ClientID", SS_CLIENT)
        .header("ClientSecret", SS_SECRET)
        .header("user-agent", agent)
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    let body = json_of(r, "session-storage create").await;
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    Opened {
        flavor: "session-storage",
        tenant: SS_CLIENT.to_owned(),
        user: Some(id.split('.').next().unwrap().to_owned()),
        credential: id,
        group: None,
    }
}

/// The flavor's own check of what `o` holds: its status and body (QuickBlox `GET
/// /session.json`, Amity `GET /api/v3/sessions`, QuickSync `GET /v1/session/current`,
/// session-storage `GET /session-storage/sessions/{id}`).
pub async fn check(app: &TestApp, o: &Opened) -> (u16, Value) {
    let req = match o.flavor {
        "quickblox" => app
            .client
            .get(app.url("/session.json"))
            .header("QB-Token", &o.credential),
        "amity" => app
            .client
            .get(app.url("/api/v3/sessions"))
            .bearer_auth(&o.credential),
        "quicksync" => app
            .client
            .get(app.url("/v1/session/current"))
            .bearer_auth(&o.credential),
        _ => app
            .client
            .get(app.url(&format!("/session-storage/sessions/{}", o.credential)))
            .header("ClientID", SS_CLIENT)
            .header("ClientSecret", SS_SECRET),
    };
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Asserts that the flavor refuses `o` now, in its own format.
pub async fn assert_refused(app: &TestApp, o: &Opened) {
    let (status, body) = check(app, o).await;
    match o.flavor {
        "quickblox" => {
            assert_eq!(status, 401, "{body}");
            assert_eq!(
                body,
                json!({"errors": {"base": ["Required session does not exist"]}})
            );
        }
        "amity" => {
            assert_eq!(status, 401, "{body}");
            assert_eq!(body["status"], "error", "{body}");
            assert!(body["code"].is_u64(), "{body}");
        }
        "quicksync" => {
            assert_eq!(status, 401, "{body}");
            assert_eq!(body["status"], 401, "{body}");
            assert!(body["title"].is_string(), "{body}");
        }
        _ => {
            assert_eq!(status, 404, "{body}");
            assert_eq!(body["ok"], false, "{body}");
            assert_eq!(
                body["errors"][0]["error_code"], "SESSION_NOT_FOUND",
                "{body}"
            );
        }
    }
}

/// Asserts that the flavor still accepts `o`.
pub async fn assert_accepted(app: &TestApp, o: &Opened) {
    let (status, body) = check(app, o).await;
    assert_eq!(status, 200, "{} {body}", o.flavor);
}
