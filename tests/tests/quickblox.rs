//! Black-box tests of the QuickBlox flavor over HTTP: every scenario runs on the memory store
//! (`<scenario>::memory`) and on a real Redis (`<scenario>::redis`); clock-driven ones run on the memory store with
//! a settable clock; `official_js_sdk_over_tls` drives the npm `quickblox` SDK from Node.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, NaiveDateTime, Utc};
use e2e::TestApp;
use hmac::{Hmac, Mac};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use session_core::Clock;

const APP: u64 = 4242;
const KEY: &str = "k3yK3yK3y";
const SECRET: &str = "s3cr3tS3cr3t";
const BOB_ID: u64 = 1001;
const TOKEN_HEADER: &str = "QB-Token";
const EXPIRATION: &str = "QB-Token-ExpirationDate";
const FORM: &str = "application/x-www-form-urlencoded; charset=UTF-8";

/// Two applications; alice (clear-text password, derived id), bob (argon2 hash, fixed id) and
/// carol (another application).
const OVERLAY: &str = r#"
[flavors]
enabled = ["quickblox"]

[admin]
token = "qb-admin-token-0123456789"

[[quickblox.applications]]
application_id = 4242
auth_key = "k3yK3yK3y"
auth_secret = "s3cr3tS3cr3t"

[[quickblox.applications]]
application_id = 77
auth_key = "other-key"
auth_secret = "other-secret"

[[quickblox.users]]
application_id = 4242
login = "alice"
email = "alice@example.com"
password = "alice-pass"
full_name = "Alice Example"

[[quickblox.users]]
id = 1001
application_id = 4242
login = "bob"
email = "Bob@Example.com"
password_hash = "$argon2id$v=19$m=8192,t=1,p=1$6VFHQp6XIKe7rUk4cHjkAw$oKuTjTS8Mz0x5g8aB8hTkpMVxMk7FSOcskmYo6GKnrQ"

[[quickblox.users]]
application_id = 77
login = "carol"
password = "carol-pass"
"#;

// ---------------------------------------------------------------------------------------------
// Client-side helpers: an independent implementation of the signing rules.

type Pairs = Vec<(String, String)>;

static NONCE: AtomicI64 = AtomicI64::new(1);

fn next_nonce() -> i64 {
    NONCE.fetch_add(1, Ordering::SeqCst)
}

fn now_ts() -> i64 {
    Utc::now().timestamp()
}

fn pairs(items: &[(&str, &str)]) -> Pairs {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn canonical(p: &Pairs) -> String {
    let mut parts: Vec<String> = p
        .iter()
        .filter(|(k, _)| k != "signature")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    parts.sort();
    parts.join("&")
}

fn hmac_sha1(secret: &str, message: &str) -> String {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(message.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

fn hmac_sha256(secret: &str, message: &str) -> String {
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(message.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// The four signed fields of application 4242 at `ts` with `nonce`.
fn base_at(ts: i64, nonce: i64) -> Pairs {
    pairs(&[
        ("application_id", &APP.to_string()),
        ("auth_key", KEY),
        ("timestamp", &ts.to_string()),
        ("nonce", &nonce.to_string()),
    ])
}

pub(crate) fn base() -> Pairs {
    base_at(now_ts(), next_nonce())
}

/// `p` plus its HMAC-SHA1 signature under `secret`.
fn signed_with(mut p: Pairs, secret: &str) -> Pairs {
    let sig = hmac_sha1(secret, &canonical(&p));
    p.push(("signature".into(), sig));
    p
}

pub(crate) fn signed(p: Pairs) -> Pairs {
    signed_with(p, SECRET)
}

/// Encodes like the JS SDK: values URI-encoded, brackets in names literal.
fn encode(p: &Pairs) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    p.iter()
        .map(|(k, v)| {
            let name = enc(k).replace("%5B", "[").replace("%5D", "]");
            format!("{name}={}", enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> Response {
    app.client
        .post(app.url(path))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn create(app: &TestApp, p: &Pairs) -> Response {
    post_raw(app, "/session.json", FORM, encode(p)).await
}

async fn create_json(app: &TestApp, body: &Value) -> Response {
    post_raw(app, "/session.json", "application/json", body.to_string()).await
}

/// Creates an application session; returns its token and session object.
async fn new_session(app: &TestApp) -> (String, Value) {
    let r = create(app, &signed(base())).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    let token = body["session"]["token"].as_str().unwrap().to_owned();
    (token, body["session"].clone())
}

async fn get_session(app: &TestApp, token: &str) -> Response {
    app.client
        .get(app.url("/session.json"))
        .header(TOKEN_HEADER, token)
        .header("Content-Type", FORM)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn delete(app: &TestApp, path: &str, token: &str) -> Response {
    app.client
        .delete(app.url(path))
        .header(TOKEN_HEADER, token)
        .header("Content-Type", FORM)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn login(app: &TestApp, token: &str, body: &str) -> Response {
    app.client
        .post(app.url("/login.json"))
        .header(TOKEN_HEADER, token)
        .header("Content-Type", FORM)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

/// Asserts status and exact JSON body, and that the body is JSON.
async fn expect(r: Response, status: u16, body: Value) {
    assert_eq!(r.status().as_u16(), status, "status; body expected {body}");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(ct.starts_with("application/json"), "content type {ct:?}");
    assert_eq!(r.json::<Value>().await.unwrap(), body);
}

fn no_session() -> Value {
    json!({"errors": {"base": ["Required session does not exist"]}})
}

fn unexpected_signature() -> Value {
    json!({"errors": {"base": ["Unexpected signature"]}})
}

fn field(name: &str, message: &str) -> Value {
    json!({"errors": {name: [message]}})
}

fn base_error(message: &str) -> Value {
    json!({"errors": {"base": [message]}})
}

/// The `QB-Token-ExpirationDate` header as an instant, asserting its format.
fn expiration_of(r: &Response) -> chrono::DateTime<Utc> {
    let v = r
        .headers()
        .get(EXPIRATION)
        .unwrap_or_else(|| panic!("no {EXPIRATION} header"))
        .to_str()
        .unwrap();
    NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S UTC")
        .unwrap_or_else(|e| panic!("{v:?}: {e}"))
        .and_utc()
}

fn assert_about(t: chrono::DateTime<Utc>, expected: chrono::DateTime<Utc>) {
    let d = (t - expected).num_seconds().abs();
    assert!(d <= 5, "{t} is not about {expected}");
}

fn is_timestamp(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok() && s.ends_with('Z'))
}

// ---------------------------------------------------------------------------------------------
// Scenarios that run on both stores.

async fn app_session_lifecycle(app: &TestApp) {
    let p = signed(base());
    let nonce: i64 = p[3].1.parse().unwrap();
    let ts: i64 = p[2].1.parse().unwrap();
    // A QB-Token sent to the creation is ignored.
    let r = app
        .client
        .post(app.url("/session.json"))
        .header("Content-Type", FORM)
        .header(TOKEN_HEADER, "0000000000000000000000000000000000000000")
        .body(encode(&p))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_about(expiration_of(&r), Utc::now() + Duration::hours(2));
    let body: Value = r.json().await.unwrap();
    let s = &body["session"];
    let keys: Vec<&String> = s.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 9, "{s}");
    let token = s["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 40);
    assert!(token
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(s["application_id"], APP);
    assert_eq!(s["user_id"], 0);
    assert_eq!(s["nonce"], nonce);
    assert_eq!(s["ts"], ts);
    assert!(
        s["id"]
            .as_u64()
            .is_some_and(|n| n >= 1 && n <= i32::MAX as u64),
        "{s}"
    );
    assert!(s["_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty() && !id.contains(&token)));
    assert!(
        is_timestamp(&s["created_at"]) && is_timestamp(&s["updated_at"]),
        "{s}"
    );

    // GET by header (with the SDK's form content type and no body) and by query parameter.
    let r = get_session(app, &token).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_about(expiration_of(&r), Utc::now() + Duration::hours(2));
    let got: Value = r.json().await.unwrap();
    for k in [
        "_id",
        "id",
        "application_id",
        "user_id",
        "nonce",
        "ts",
        "token",
        "created_at",
    ] {
        assert_eq!(got["session"][k], s[k], "{k}");
    }
    let r = app
        .client
        .get(app.url(&format!("/session.json?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key(EXPIRATION));

    // DELETE ends it: 200 with an empty body, then the token is unknown.
    let r = delete(app, "/session.json", &token).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(!r.headers().contains_key(EXPIRATION));
    assert_eq!(r.bytes().await.unwrap().len(), 0);
    let r = get_session(app, &token).await;
    assert!(!r.headers().contains_key(EXPIRATION));
    expect(r, 401, no_session()).await;
    expect(
        delete(app, "/session.json", &token).await,
        401,
        no_session(),
    )
    .await;
    expect(
        login(app, &token, "login=alice&password=alice-pass").await,
        401,
        no_session(),
    )
    .await;
}

async fn form_and_json_bodies_in_both_spellings(app: &TestApp) {
    // JSON with string values (as in the vendor's curl examples).
    let p = signed(base());
    let obj: serde_json::Map<String, Value> = p
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let r = create_json(app, &Value::Object(obj)).await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // JSON with numbers and a nested user, signed over the flattened names.
    let (ts, nonce) = (now_ts(), next_nonce());
    let mut p = base_at(ts, nonce);
    p.push(("user[login]".into(), "alice".into()));
    p.push(("user[password]".into(), "alice-pass".into()));
    let sig = hmac_sha1(SECRET, &canonical(&p));
    let body = json!({
        "application_id": APP, "auth_key": KEY, "timestamp": ts, "nonce": nonce,
        "user": {"login": "alice", "password": "alice-pass"}, "signature": sig,
    });
    let r = create_json(app, &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_ne!(v["session"]["user_id"], 0);

    // The seed's camelCase names, signed under the names as sent.
    let p = signed(pairs(&[
        ("applicationId", &APP.to_string()),
        ("authKey", KEY),
        ("timestamp", &now_ts().to_string()),
        ("nonce", &next_nonce().to_string()),
    ]));
    let r = create(app, &p).await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // Percent-encoded brackets and `+` for spaces decode before signing; no content type means
    // a form unless the body starts with `{`.
    let mut p = base();
    p.push(("extra".into(), "a b".into()));
    let p = signed(p);
    let raw = encode(&p).replace("%20", "+");
    let r = app
        .client
        .post(app.url("/session.json"))
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    // Signature hex in upper case is the same signature.
    let mut p = base();
    let sig = hmac_sha1(SECRET, &canonical(&p)).to_uppercase();
    p.push(("signature".into(), sig));
    assert_eq!(create(app, &p).await.status(), StatusCode::CREATED);
}

async fn sha256_signatures_are_accepted(app: &TestApp) {
    let mut p = base();
    let sig = hmac_sha256(SECRET, &canonical(&p));
    assert_eq!(sig.len(), 64);
    p.push(("signature".into(), sig));
    assert_eq!(create(app, &p).await.status(), StatusCode::CREATED);
    // A wrong SHA-256 signature is refused like any other.
    let mut p = base();
    p.push(("signature".into(), hmac_sha256("nope", &canonical(&p))));
    expect(create(app, &p).await, 422, unexpected_signature()).await;
}

async fn user_sessions_by_login_and_email(app: &TestApp) {
    // By login, with a password that needs encoding.
    let mut p = base();
    p.push(("user[login]".into(), "bob".into()));
    p.push(("user[password]".into(), "bob-pass".into()));
    let r = create(app, &signed(p)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["session"]["user_id"], BOB_ID);
    let token = v["session"]["token"].as_str().unwrap().to_owned();
    let got: Value = get_session(app, &token).await.json().await.unwrap();
    assert_eq!(got["session"]["user_id"], BOB_ID);

    // By e-mail, case-insensitive.
    let mut p = base();
    p.push(("user[email]".into(), "bob@example.COM".into()));
    p.push(("user[password]".into(), "bob-pass".into()));
    let r = create(app, &signed(p)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["session"]["user_id"],
        BOB_ID
    );

    // A derived id is stable: two sessions of alice report the same one.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let mut p = base();
        p.push(("user[login]".into(), "alice".into()));
        p.push(("user[password]".into(), "alice-pass".into()));
        let v: Value = create(app, &signed(p)).await.json().await.unwrap();
        ids.push(v["session"]["user_id"].as_u64().unwrap());
    }
    assert_eq!(ids[0], ids[1]);
    assert!(ids[0] >= 1 && ids[0] != BOB_ID);
}

async fn wrong_user_credentials_are_401(app: &TestApp) {
    let unauthorized = json!({"errors": ["Unauthorized"]});
    for (login_field, login_value, password) in [
        ("user[login]", "bob", "wrong"),
        ("user[login]", "nobody", "bob-pass"),
        ("user[email]", "bob@example.com", "bob-pass-"),
        // carol belongs to another application.
        ("user[login]", "carol", "carol-pass"),
    ] {
        let mut p = base();
        p.push((login_field.into(), login_value.into()));
        p.push(("user[password]".into(), password.into()));
        expect(create(app, &signed(p)).await, 401, unauthorized.clone()).await;
    }
}

async fn login_upgrades_and_logout_downgrades_the_same_token(app: &TestApp) {
    let (token, _) = new_session(app).await;

    let r = login(app, &token, "login=alice&password=alice-pass").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_about(expiration_of(&r), Utc::now() + Duration::hours(2));
    let v: Value = r.json().await.unwrap();
    let user = &v["user"];
    assert_eq!(user["login"], "alice");
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["full_name"], "Alice Example");
    for k in ["created_at", "updated_at", "last_request_at"] {
        assert!(is_timestamp(&user[k]), "{k}: {user}");
    }
    let alice = user["id"].as_u64().unwrap();
    let got: Value = get_session(app, &token).await.json().await.unwrap();
    assert_eq!(got["session"]["user_id"], alice);
    assert_eq!(got["session"]["token"], token.as_str());

    // A wrong password leaves the session as it was.
    expect(
        login(app, &token, "login=alice&password=nope").await,
        401,
        json!({"errors": ["Unauthorized"]}),
    )
    .await;
    let got: Value = get_session(app, &token).await.json().await.unwrap();
    assert_eq!(got["session"]["user_id"], alice);

    // JSON, by e-mail: switches to bob.
    let r = app
        .client
        .post(app.url("/login.json"))
        .header(TOKEN_HEADER, &token)
        .json(&json!({"email": "bob@example.com", "password": "bob-pass"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(r.json::<Value>().await.unwrap()["user"]["id"], BOB_ID);

    // Logout: 200, empty, the token stays valid with user_id 0.
    let r = delete(app, "/login.json", &token).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key(EXPIRATION));
    assert_eq!(r.bytes().await.unwrap().len(), 0);
    let got: Value = get_session(app, &token).await.json().await.unwrap();
    assert_eq!(got["session"]["user_id"], 0);

    // Bad login bodies.
    expect(
        login(app, &token, "password=x").await,
        422,
        field("login", "is required"),
    )
    .await;
    expect(
        login(app, &token, "login=alice").await,
        422,
        field("password", "is required"),
    )
    .await;
}

async fn signature_and_application_errors(app: &TestApp) {
    // Signed with another secret.
    expect(
        create(app, &signed_with(base(), "wrong")).await,
        422,
        unexpected_signature(),
    )
    .await;
    // A parameter changed after signing.
    let mut p = signed(base());
    p[3].1 = next_nonce().to_string();
    expect(create(app, &p).await, 422, unexpected_signature()).await;
    // An extra unsigned parameter.
    let mut p = signed(base());
    p.push(("extra".into(), "1".into()));
    expect(create(app, &p).await, 422, unexpected_signature()).await;
    // Garbage signatures.
    for sig in ["", "xyz", "9fb8bed202bb290ffe4c0272f8ab3fc1b0fe3f"] {
        let mut p = base();
        p.push(("signature".into(), sig.into()));
        let expected = if sig.is_empty() {
            field("signature", "is required")
        } else {
            unexpected_signature()
        };
        expect(create(app, &p).await, 422, expected).await;
    }
    // Unknown application; known application with another's key.
    let unknown = base_error("Unknown application or auth key");
    let mut p = base();
    p[0].1 = "999".into();
    expect(create(app, &signed(p)).await, 422, unknown.clone()).await;
    let mut p = base();
    p[0].1 = "77".into();
    expect(
        create(app, &signed_with(p, "other-secret")).await,
        422,
        unknown,
    )
    .await;
    // Application 77 with its own credentials works, and its user logs in there.
    let mut p = base();
    p[0].1 = "77".into();
    p[1].1 = "other-key".into();
    p.push(("user[login]".into(), "carol".into()));
    p.push(("user[password]".into(), "carol-pass".into()));
    let r = create(app, &signed_with(p, "other-secret")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["session"]["application_id"],
        77
    );
}

async fn timestamps_outside_the_window_are_refused(app: &TestApp) {
    let bad = base_error("Bad timestamp");
    for skew in [-601, 601, -100_000, i64::from(i32::MAX)] {
        let p = signed(base_at(now_ts() + skew, next_nonce()));
        expect(create(app, &p).await, 422, bad.clone()).await;
    }
    let p = signed(base_at(i64::MIN, next_nonce()));
    expect(create(app, &p).await, 422, bad.clone()).await;
    for skew in [-590, 590] {
        let p = signed(base_at(now_ts() + skew, next_nonce()));
        assert_eq!(
            create(app, &p).await.status(),
            StatusCode::CREATED,
            "{skew}"
        );
    }
}

async fn nonces_are_one_use_and_unsigned_requests_burn_none(app: &TestApp) {
    let replay = base_error("Nonce has already been used");
    let p = signed(base());
    assert_eq!(create(app, &p).await.status(), StatusCode::CREATED);
    expect(create(app, &p).await, 422, replay.clone()).await;

    // A forged request with a fresh nonce does not spend it.
    let ts = now_ts();
    let nonce = next_nonce();
    let forged = signed_with(base_at(ts, nonce), "forger");
    expect(create(app, &forged).await, 422, unexpected_signature()).await;
    let genuine = signed(base_at(ts, nonce));
    assert_eq!(create(app, &genuine).await.status(), StatusCode::CREATED);

    // The same nonce at another timestamp, or for another application, is another triple.
    let other_ts = signed(base_at(ts - 1, nonce));
    assert_eq!(create(app, &other_ts).await.status(), StatusCode::CREATED);
    let mut other_app = base_at(ts, nonce);
    other_app[0].1 = "77".into();
    other_app[1].1 = "other-key".into();
    let r = create(app, &signed_with(other_app, "other-secret")).await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // Negative nonces (Android) are fine and echoed.
    for n in [-1, i64::from(i32::MIN), i64::MIN] {
        let t = now_ts();
        let r = create(app, &signed(base_at(t, n))).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{n}");
        assert_eq!(r.json::<Value>().await.unwrap()["session"]["nonce"], n);
        expect(
            create(app, &signed(base_at(t, n))).await,
            422,
            replay.clone(),
        )
        .await;
    }
}

async fn concurrent_duplicates_exactly_one_wins(app: &TestApp) {
    const N: usize = 24;
    let p = signed(base());
    let body = encode(&p);
    let sends = (0..N).map(|_| {
        app.client
            .post(app.url("/session.json"))
            .header("Content-Type", FORM)
            .body(body.clone())
            .send()
    });
    let results = futures_util::future::join_all(sends).await;
    let mut created = 0;
    let mut replayed = 0;
    for r in results {
        let r = r.unwrap();
        match r.status().as_u16() {
            201 => created += 1,
            422 => {
                assert_eq!(
                    r.json::<Value>().await.unwrap(),
                    base_error("Nonce has already been used")
                );
                replayed += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((created, replayed), (1, N - 1));
}

async fn bad_input_gets_a_json_4xx(app: &TestApp) {
    let limit = app.settings.server.max_body_bytes;
    let good = encode(&signed(base()));
    let cases: Vec<(&str, &str, Vec<u8>, u16, Value)> = vec![
        ("empty form", FORM, vec![], 400, base_error("Request body is empty")),
        ("blank json", "application/json", b"  \n".to_vec(), 400, base_error("Request body is empty")),
        ("bad json", "application/json", b"{\"application_id\":".to_vec(), 400, base_error("Malformed JSON body")),
        ("json array", "application/json", b"[1,2]".to_vec(), 400, base_error("Malformed JSON body")),
        ("json scalar", "application/json", b"42".to_vec(), 400, base_error("Malformed JSON body")),
        ("bad utf-8 json", "application/json", b"{\"auth_key\":\"\xff\"}".to_vec(), 400, base_error("Request is not valid UTF-8")),
        ("bad utf-8 form", FORM, b"auth_key=%FF%FE".to_vec(), 400, base_error("Request is not valid UTF-8")),
        ("raw bad utf-8 form", FORM, b"auth_key=\xff".to_vec(), 400, base_error("Request is not valid UTF-8")),
        ("nameless pair", FORM, b"=1".to_vec(), 400, base_error("Malformed form body")),
        ("nameless member", "application/json", br#"{"":1,"application_id":4242}"#.to_vec(), 400, base_error("Malformed JSON body")),
        ("nameless nested member", "application/json", br#"{"user":{"":"x"}}"#.to_vec(), 400, base_error("Malformed JSON body")),
        (
            "text/plain",
            "text/plain",
            good.clone().into_bytes(),
            415,
            base_error("Unsupported content type: send application/x-www-form-urlencoded or application/json (UTF-8)"),
        ),
        (
            "latin1 charset",
            "application/x-www-form-urlencoded; charset=ISO-8859-1",
            good.clone().into_bytes(),
            415,
            base_error("Unsupported content type: send application/x-www-form-urlencoded or application/json (UTF-8)"),
        ),
        (
            "oversized",
            FORM,
            format!("auth_key={}", "k".repeat(limit)).into_bytes(),
            413,
            base_error(&format!("Request body is too large (limit {limit} bytes)")),
        ),
        (
            "too many parameters",
            FORM,
            (0..100).map(|i| format!("p{i}=1")).collect::<Vec<_>>().join("&").into_bytes(),
            400,
            base_error("Too many parameters"),
        ),
        (
            "long name",
            FORM,
            format!("{}=1", "n".repeat(200)).into_bytes(),
            400,
            base_error("Parameter name is too long"),
        ),
        ("no fields", FORM, b"x=1".to_vec(), 422, field("application_id", "is required")),
        ("empty app", FORM, b"application_id=".to_vec(), 422, field("application_id", "is required")),
        ("json nulls are absent", "application/json", br#"{"application_id":null}"#.to_vec(), 422, field("application_id", "is required")),
        ("non-numeric app", FORM, b"application_id=abc".to_vec(), 422, field("application_id", "must be an integer")),
        ("huge app", FORM, b"application_id=123456789012345678901234567890".to_vec(), 422, field("application_id", "is out of range")),
        ("zero app", FORM, b"application_id=0".to_vec(), 422, field("application_id", "is out of range")),
        ("float app", "application/json", br#"{"application_id":1.5}"#.to_vec(), 422, field("application_id", "must be an integer")),
        ("array app", "application/json", br#"{"application_id":[1]}"#.to_vec(), 422, field("application_id", "must be a string or a number")),
        ("deep user", "application/json", br#"{"user":{"login":{"x":1}}}"#.to_vec(), 422, field("user[login]", "must be a string or a number")),
        ("object key", "application/json", br#"{"application_id":4242,"auth_key":{}}"#.to_vec(), 422, field("auth_key", "must be a string or a number")),
        ("twice", FORM, b"application_id=1&applicationId=2".to_vec(), 422, field("application_id", "is given more than once")),
        ("no key", FORM, b"application_id=4242".to_vec(), 422, field("auth_key", "is required")),
        (
            "long key",
            FORM,
            format!("application_id=4242&auth_key={}", "k".repeat(1025)).into_bytes(),
            422,
            field("auth_key", "is too long"),
        ),
        ("no timestamp", FORM, b"application_id=4242&auth_key=k".to_vec(), 422, field("timestamp", "is required")),
        ("bad timestamp", FORM, b"application_id=4242&auth_key=k&timestamp=now".to_vec(), 422, field("timestamp", "must be an integer")),
        ("no nonce", FORM, b"application_id=4242&auth_key=k&timestamp=1".to_vec(), 422, field("nonce", "is required")),
        ("bad nonce", FORM, b"application_id=4242&auth_key=k&timestamp=1&nonce=x1".to_vec(), 422, field("nonce", "must be an integer")),
        ("huge nonce", FORM, b"application_id=4242&auth_key=k&timestamp=1&nonce=99999999999999999999".to_vec(), 422, field("nonce", "is out of range")),
        ("no signature", FORM, b"application_id=4242&auth_key=k&timestamp=1&nonce=1".to_vec(), 422, field("signature", "is required")),
        (
            "provider",
            FORM,
            b"application_id=4242&auth_key=k&timestamp=1&nonce=1&signature=s&provider=facebook&keys[token]=t".to_vec(),
            422,
            field("provider", "is not supported"),
        ),
        (
            "password without login",
            FORM,
            b"application_id=4242&auth_key=k&timestamp=1&nonce=1&signature=s&user[password]=p".to_vec(),
            422,
            field("user[login]", "is required"),
        ),
        (
            "login without password",
            FORM,
            b"application_id=4242&auth_key=k&timestamp=1&nonce=1&signature=s&user[login]=a".to_vec(),
            422,
            field("user[password]", "is required"),
        ),
    ];
    for (what, ct, body, status, expected) in cases {
        let r = post_raw(app, "/session.json", ct, body).await;
        assert_eq!(r.status().as_u16(), status, "{what}");
        assert_eq!(r.json::<Value>().await.unwrap(), expected, "{what}");
    }

    // Methods the resources do not serve.
    let r = app
        .client
        .put(app.url("/session.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "GET, POST, DELETE");
    expect(r, 405, base_error("Method not allowed")).await;
    let r = app.client.get(app.url("/login.json")).send().await.unwrap();
    assert_eq!(r.headers()["allow"], "POST, DELETE");
    expect(r, 405, base_error("Method not allowed")).await;

    // Login bodies are checked the same way (after a well-formed token).
    let (token, _) = new_session(app).await;
    for (ct, body, status, expected) in [
        (FORM, b"".to_vec(), 400, base_error("Request body is empty")),
        ("application/json", b"{".to_vec(), 400, base_error("Malformed JSON body")),
        ("text/xml", b"<x/>".to_vec(), 415, base_error("Unsupported content type: send application/x-www-form-urlencoded or application/json (UTF-8)")),
        (FORM, b"login=%C0".to_vec(), 400, base_error("Request is not valid UTF-8")),
        (FORM, b"login=a&login=b&password=p".to_vec(), 422, field("login", "is given more than once")),
    ] {
        let r = app
            .client
            .post(app.url("/login.json"))
            .header(TOKEN_HEADER, &token)
            .header("Content-Type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        expect(r, status, expected).await;
    }
}

async fn unknown_and_malformed_tokens_are_401(app: &TestApp) {
    let unknown = "0123456789abcdef0123456789abcdef01234567";
    for token in [
        unknown,
        "",
        "short",
        &unknown.to_uppercase(),
        &format!("{unknown}00"),
        "é",
    ] {
        expect(get_session(app, token).await, 401, no_session()).await;
        expect(delete(app, "/session.json", token).await, 401, no_session()).await;
        expect(delete(app, "/login.json", token).await, 401, no_session()).await;
        expect(
            login(app, token, "login=alice&password=alice-pass").await,
            401,
            no_session(),
        )
        .await;
    }
    // No token at all, and a bad query string.
    let r = app
        .client
        .get(app.url("/session.json"))
        .send()
        .await
        .unwrap();
    expect(r, 401, no_session()).await;
    let r = app
        .client
        .get(app.url("/session.json?token=%FF"))
        .send()
        .await
        .unwrap();
    expect(r, 400, base_error("Request is not valid UTF-8")).await;
    // A valid token is not accepted in another session's place.
    let (a, _) = new_session(app).await;
    let (b, _) = new_session(app).await;
    assert_ne!(a, b);
    let got: Value = get_session(app, &b).await.json().await.unwrap();
    assert_eq!(got["session"]["token"], b.as_str());
}

/// Applications and users added at run time (through the admin API, into the store) work like
/// configured ones.
async fn run_time_tenants_work_like_configured_ones(app: &TestApp) {
    let put = |kind: &str, body: Value| {
        app.client
            .put(app.url(&format!("/admin/v1/tenants/{kind}")))
            .bearer_auth("qb-admin-token-0123456789")
            .json(&body)
            .send()
    };
    let r = put(
        "quickblox-applications",
        json!({"application_id": 9001, "auth_key": "rt-key", "auth_secret": "rt-secret"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let r = put(
        "quickblox-users",
        json!({"application_id": 9001, "login": "dave", "email": "dave@example.com",
               "password": "dave-pass", "full_name": "Dave"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);

    let mut p = base();
    p[0].1 = "9001".into();
    p[1].1 = "rt-key".into();
    p.push(("user[login]".into(), "dave".into()));
    p.push(("user[password]".into(), "dave-pass".into()));
    let r = create(app, &signed_with(p, "rt-secret")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["session"]["application_id"], 9001);
    let dave = v["session"]["user_id"].as_u64().unwrap();
    assert!(dave >= 1);
    let token = v["session"]["token"].as_str().unwrap().to_owned();
    let r = login(app, &token, "email=DAVE@example.com&password=dave-pass").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(r.json::<Value>().await.unwrap()["user"]["id"], dave);
    expect(
        login(app, &token, "login=dave&password=nope").await,
        401,
        json!({"errors": ["Unauthorized"]}),
    )
    .await;
    // The run-time application signs with its own secret only.
    let mut p = base();
    p[0].1 = "9001".into();
    p[1].1 = "rt-key".into();
    expect(create(app, &signed(p)).await, 422, unexpected_signature()).await;
}

on_both_stores!(OVERLAY =>
    app_session_lifecycle,
    form_and_json_bodies_in_both_spellings,
    sha256_signatures_are_accepted,
    user_sessions_by_login_and_email,
    wrong_user_credentials_are_401,
    login_upgrades_and_logout_downgrades_the_same_token,
    signature_and_application_errors,
    timestamps_outside_the_window_are_refused,
    nonces_are_one_use_and_unsigned_requests_burn_none,
    concurrent_duplicates_exactly_one_wins,
    bad_input_gets_a_json_4xx,
    unknown_and_malformed_tokens_are_401,
    run_time_tenants_work_like_configured_ones,
);

// ---------------------------------------------------------------------------------------------
// Clock-driven scenarios (memory store, settable clock).

#[tokio::test]
async fn memory_sliding_lifetime_is_two_hours_after_the_last_request() {
    let (app, clock) = e2e::spawn_app_with_clock(OVERLAY).await;
    let p = signed(base_at(clock.now().timestamp(), next_nonce()));
    let r = create(&app, &p).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_about(expiration_of(&r), clock.now() + Duration::hours(2));
    let token = r.json::<Value>().await.unwrap()["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Each request pushes the end two hours past itself.
    for _ in 0..3 {
        clock.advance(Duration::minutes(119));
        let r = get_session(&app, &token).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_about(expiration_of(&r), clock.now() + Duration::hours(2));
    }
    // Login and logout count as requests too.
    clock.advance(Duration::minutes(119));
    let r = login(&app, &token, "login=alice&password=alice-pass").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_about(expiration_of(&r), clock.now() + Duration::hours(2));
    clock.advance(Duration::minutes(119));
    let r = delete(&app, "/login.json", &token).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_about(expiration_of(&r), clock.now() + Duration::hours(2));
    // Two idle hours end it.
    clock.advance(Duration::minutes(121));
    expect(get_session(&app, &token).await, 401, no_session()).await;
}

#[tokio::test]
async fn memory_window_and_lifetime_follow_the_clock_and_the_settings() {
    let overlay = format!(
        "{OVERLAY}\n[quickblox]\ntimestamp_window_seconds = 60\nsession_ttl_seconds = 300\n"
    );
    let (app, clock) = e2e::spawn_app_with_clock(&overlay).await;
    // The server's clock, not the test machine's, decides.
    clock.advance(Duration::days(3));
    let now = clock.now().timestamp();
    expect(
        create(&app, &signed(base_at(now_ts(), next_nonce()))).await,
        422,
        base_error("Bad timestamp"),
    )
    .await;
    expect(
        create(&app, &signed(base_at(now - 61, next_nonce()))).await,
        422,
        base_error("Bad timestamp"),
    )
    .await;
    let r = create(&app, &signed(base_at(now - 59, next_nonce()))).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_about(expiration_of(&r), clock.now() + Duration::seconds(300));
    let token = r.json::<Value>().await.unwrap()["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    clock.advance(Duration::seconds(299));
    assert_eq!(get_session(&app, &token).await.status(), StatusCode::OK);
    clock.advance(Duration::seconds(301));
    expect(get_session(&app, &token).await, 401, no_session()).await;
}

#[tokio::test]
async fn memory_a_nonce_claim_outlives_the_window() {
    let (app, clock) = e2e::spawn_app_with_clock(OVERLAY).await;
    let ts = clock.now().timestamp();
    let p = signed(base_at(ts, -42));
    assert_eq!(create(&app, &p).await.status(), StatusCode::CREATED);
    // Until the timestamp leaves the window the triple stays spent...
    clock.advance(Duration::seconds(600));
    expect(
        create(&app, &p).await,
        422,
        base_error("Nonce has already been used"),
    )
    .await;
    // ...and after, the timestamp itself is refused.
    clock.advance(Duration::seconds(2));
    expect(create(&app, &p).await, 422, base_error("Bad timestamp")).await;
}

// ---------------------------------------------------------------------------------------------
// The official JS SDK, over TLS.

#[tokio::test]
async fn official_js_sdk_over_tls() {
    if std::env::var("SG_SKIP_CLIENT_E2E").as_deref() == Ok("1") {
        println!("SKIPPED official_js_sdk_over_tls: SG_SKIP_CLIENT_E2E=1");
        return;
    }
    let harness = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("quickblox-e2e");
    assert!(
        harness.join("node_modules/quickblox").is_dir(),
        "the SDK is not installed: run `npm ci` in {} (or `make test-deps`)",
        harness.display()
    );

    // A self-signed certificate for 127.0.0.1 that Node is told to trust.
    let dir = std::env::temp_dir().join(format!(
        "sg-quickblox-e2e-{}",
        session_core::token::random_hex(6).unwrap()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    // TEST_BASE already has a [server] table, so the TLS paths are set on the loaded settings.
    let mut settings = e2e::test_settings(OVERLAY);
    settings.server.tls_cert = Some(cert.clone());
    settings.server.tls_key = Some(key.clone());
    let app = e2e::spawn_with(settings, std::sync::Arc::new(session_core::SystemClock)).await;
    assert!(app.address.starts_with("https://"), "{}", app.address);

    let run = tokio::process::Command::new("node")
        .arg("sdk-check.js")
        .current_dir(&harness)
        .env("NODE_EXTRA_CA_CERTS", &cert)
        .env("QB_API", format!("127.0.0.1:{}", app.port))
        .env("QB_APP_ID", APP.to_string())
        .env("QB_AUTH_KEY", KEY)
        .env("QB_AUTH_SECRET", SECRET)
        .env("QB_USER_LOGIN", "bob")
        .env("QB_USER_PASSWORD", "bob-pass")
        .env("QB_USER_ID", BOB_ID.to_string())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), run)
        .await
        .expect("the SDK check did not finish in 120 s")
        .expect("cannot run node");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the SDK check failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Store outages.

#[tokio::test]
async fn redis_outage_is_503_in_the_vendor_format_and_recovers() {
    let mut redis = session_redis::testing::RedisServer::start();
    let mut settings = e2e::on_redis(e2e::test_settings(OVERLAY), &redis);
    settings.store.timeout_ms = 300;
    let app = e2e::spawn_with(settings, std::sync::Arc::new(session_core::SystemClock)).await;
    let (token, _) = new_session(&app).await;

    redis.stop();
    let unavailable = base_error("Service temporarily unavailable");
    expect(get_session(&app, &token).await, 503, unavailable.clone()).await;
    expect(
        create(&app, &signed(base())).await,
        503,
        unavailable.clone(),
    )
    .await;
    expect(
        delete(&app, "/session.json", &token).await,
        503,
        unavailable.clone(),
    )
    .await;
    expect(
        login(&app, &token, "login=alice&password=alice-pass").await,
        503,
        unavailable,
    )
    .await;
    // Bad input is still refused without the store.
    expect(
        create(&app, &signed_with(base(), "wrong")).await,
        422,
        unexpected_signature(),
    )
    .await;

    redis.start_again();
    let mut recovered = false;
    for _ in 0..50 {
        if create(&app, &signed(base())).await.status() == StatusCode::CREATED {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "the gateway did not recover once Redis was back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_redis_refuses_creates_whole() {
    let redis = e2e::full_redis();
    let app = e2e::spawn_app_on(OVERLAY, &redis).await;
    let r = create(&app, &signed(base())).await;
    expect(r, 503, base_error("Service temporarily unavailable")).await;
    assert_eq!(
        e2e::key_count(&redis),
        1,
        "neither the nonce nor the session was stored"
    );
}

/// The memory store at its bound (`store.memory.max_sessions`) refuses a session whole, with
/// 503 in QuickBlox's format.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_memory_store_refuses_creates() {
    let app = e2e::spawn_app(&format!("{OVERLAY}\n[store.memory]\nmax_sessions = 2\n")).await;
    for _ in 0..2 {
        assert_eq!(
            create(&app, &signed(base())).await.status(),
            StatusCode::CREATED
        );
    }
    let r = create(&app, &signed(base())).await;
    expect(r, 503, base_error("Service temporarily unavailable")).await;
}

// ---------------------------------------------------------------------------------------------
// Brute-force throttling of user passwords, exact under concurrency on every store.

/// [`OVERLAY`] with a client window wide enough that only the user's window (10) limits.
fn throttle_overlay() -> String {
    format!("{OVERLAY}\n[quickblox.throttle]\nmax_failures_per_subject = 10\nmax_failures_per_client = 1000\n")
}

/// 100 wrong passwords for one user at once, with a limit of 10 per user: exactly 10 are
/// checked (401), 90 are refused before any check (429 with `Retry-After`, QuickBlox's error
/// body); the right password is refused too while the window is full, another user is not.
async fn parallel_wrong_passwords_are_checked_up_to_the_limit_exactly(app: &TestApp) {
    let (token, _) = new_session(app).await;
    let tasks = (0..100).map(|_| {
        let client = app.client.clone();
        let url = app.url("/login.json");
        let token = token.clone();
        tokio::spawn(async move {
            client
                .post(url)
                .header(TOKEN_HEADER, token)
                .header("Content-Type", FORM)
                .body("login=alice&password=wrong")
                .send()
                .await
                .unwrap()
        })
    });
    let (mut checked, mut throttled) = (0, 0);
    for r in futures_util::future::join_all(tasks).await {
        let r = r.unwrap();
        match r.status().as_u16() {
            401 => {
                checked += 1;
                assert_eq!(
                    r.json::<Value>().await.unwrap(),
                    json!({"errors": ["Unauthorized"]})
                );
            }
            429 => {
                throttled += 1;
                let retry: u64 = r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=901).contains(&retry), "Retry-After {retry}");
                let (status, _, body) = e2e::edge_answer(
                    session_core::Flavor::Quickblox,
                    flavor_kit::EdgeError::Throttled { retry_after: retry },
                    "/login.json",
                );
                assert_eq!(status, 429);
                assert_eq!(r.json::<Value>().await.unwrap(), body);
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((checked, throttled), (10, 90));
    let r = login(app, &token, "login=alice&password=alice-pass").await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let r = login(app, &token, "login=bob&password=bob-pass").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
}

on_both_stores!(and_cluster throttle_overlay() =>
    parallel_wrong_passwords_are_checked_up_to_the_limit_exactly,
);
