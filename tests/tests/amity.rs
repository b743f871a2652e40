//! Black-box tests of the Amity flavor (`/api/v3|v4|v5/sessions` and friends) over HTTP, on the
//! memory store and on Redis, plus the official `@amityco/ts-sdk` driven from Node.
//!
//! Scenarios shared by both stores are plain async fns over a [`TestApp`]; `on_both_stores!` makes
//! a `<scenario>::memory` and a `<scenario>::redis` test of each (`cargo test -p e2e -- amity::`
//! runs this module).

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration as StdDuration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use e2e::{spawn_app, spawn_app_with_clock, TestApp};
use futures_util::future::join_all;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{json, Value};
use sha2::Sha256;

pub(crate) const API_KEY: &str = "amity-e2e-key";
const SERVER_KEY: &str = "amity-e2e-server-key";
const NETWORK_ID: &str = "net-e2e";
const JWT_SECRET: &str = "amity-e2e-jwt-secret-0123456789abcdef";
const SECURE_API_KEY: &str = "amity-e2e-secure-key";
const SECURE_SERVER_KEY: &str = "amity-e2e-secure-server";
const OTHER_API_KEY: &str = "amity-e2e-other-key";
/// `store.token_secret` of the e2e harness (tests/src/lib.rs).
const TOKEN_SECRET: &str = "test-token-secret-0123456789";
const TTL: i64 = 3600;

pub(crate) fn overlay() -> String {
    format!(
        r#"
[[amity.networks]]
api_key = "{API_KEY}"
server_key = "{SERVER_KEY}"
network_id = "{NETWORK_ID}"
jwt_secret = "{JWT_SECRET}"
token_ttl_seconds = {TTL}
refresh_ttl_seconds = 7200
max_sessions_per_user = 3
default_user_roles = ["moderator"]
roles = [{{ role_id = "moderator", display_name = "Moderator", permissions = ["MUTE_CHANNEL", "BAN_USER"] }}]

[[amity.networks]]
api_key = "{SECURE_API_KEY}"
server_key = "{SECURE_SERVER_KEY}"
secure_mode = true
auth_token_ttl_seconds = 60

[[amity.networks]]
api_key = "{OTHER_API_KEY}"
"#
    )
}

on_both_stores!(overlay() =>
    v3_register_returns_the_documented_shape,
    v4_and_v5_differ_as_documented,
    users_are_created_once_and_change_only_by_sent_fields,
    concurrent_first_logins_share_one_user,
    odd_user_ids_and_browser_models_work,
    bearer_check_chat_settings_and_logout,
    a_renewal_on_the_same_device_retires_the_old_token,
    no_remembered_check_outlives_a_logout,
    the_session_cap_evicts_the_oldest,
    concurrent_logins_never_exceed_the_cap,
    refresh_rotates_and_a_reused_token_revokes_the_family,
    concurrent_refreshes_exactly_one_wins,
    refresh_errors,
    validation_errors_list_every_failing_field,
    unreadable_bodies_and_missing_keys,
    bad_bearers_are_refused,
    secure_mode_auth_tokens,
    a_user_holds_the_newest_ten_auth_tokens,
);

// ---------------------------------------------------------------------------------------------
// helpers

pub(crate) async fn read(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    assert!(
        ctype.starts_with("application/json"),
        "status {status}: content-type {ctype:?}, body {text}"
    );
    (status, serde_json::from_str(&text).unwrap())
}

async fn register(app: &TestApp, version: u8, api_key: &str, body: Value) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url(&format!("/api/v{version}/sessions")))
        .header("x-api-key", api_key)
        .json(&body)
        .send()
        .await
        .unwrap();
    read(resp).await
}

/// A successful login of `user` on `device`.
pub(crate) async fn login(app: &TestApp, version: u8, user: &str, device: &str) -> Value {
    let (status, body) = register(
        app,
        version,
        API_KEY,
        json!({"userId": user, "deviceId": device, "deviceInfo": {"kind": "web"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

pub(crate) fn token(body: &Value) -> String {
    body["accessToken"].as_str().unwrap().to_owned()
}

async fn check(app: &TestApp, token: &str) -> (u16, Value) {
    let resp = app
        .client
        .get(app.url("/api/v3/sessions"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    read(resp).await
}

pub(crate) async fn refresh(app: &TestApp, api_key: &str, refresh_token: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/api/v4/sessions/refresh"))
        .header("x-api-key", api_key)
        .json(&json!({"refreshToken": refresh_token}))
        .send()
        .await
        .unwrap();
    read(resp).await
}

#[track_caller]
fn assert_error(got: &(u16, Value), status: u16, code: u64) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["status"], "error", "{}", got.1);
    assert_eq!(got.1["code"], code, "{}", got.1);
    assert!(
        got.1["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        got.1
    );
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn jwt_parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let header = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
    let claims = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
    (
        serde_json::from_slice(&header).unwrap(),
        serde_json::from_slice(&claims).unwrap(),
    )
}

/// The `kid` the gateway gives tokens of the network with `api_key`.
fn kid_of(api_key: &str) -> String {
    // The keyed hash of the API key (the store's 16-byte form, as hex).
    let mut mac = Hmac::<Sha256>::new_from_slice(TOKEN_SECRET.as_bytes()).unwrap();
    mac.update(api_key.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

fn sign(header: &Header, claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

// ---------------------------------------------------------------------------------------------
// scenarios on both stores

async fn v3_register_returns_the_documented_shape(app: &TestApp) {
    let device_info = json!({"kind": "ios", "model": "iPhone15,2", "sdkVersion": "6.35.3"});
    let (status, body) = register(
        app,
        3,
        API_KEY,
        json!({"userId": "alice", "deviceId": "dev-1", "displayName": "Alice",
               "deviceInfo": device_info}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let keys: HashSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        HashSet::from([
            "accessToken",
            "refreshToken",
            "issuedAt",
            "expiresAt",
            "users",
            "roles",
            "files",
            "lastCachePurge"
        ])
    );
    let issued = time(&body["issuedAt"]);
    let expires = time(&body["expiresAt"]);
    assert_eq!(expires - issued, Duration::seconds(TTL));
    assert!(body["issuedAt"].as_str().unwrap().ends_with(".000Z"));
    assert!((Utc::now() - issued).num_seconds().abs() < 60);
    assert_eq!(body["files"], json!([]));
    assert_eq!(body["lastCachePurge"], "2020-01-01T00:00:00.000Z");
    assert!(body["refreshToken"].as_str().unwrap().len() > 40);

    let users = body["users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    let u = &users[0];
    let id = u["_id"].as_str().unwrap();
    assert_eq!(id.len(), 24);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(u["path"], format!("{NETWORK_ID}/social/user/{id}"));
    assert_eq!(u["userId"], "alice");
    assert_eq!(u["userInternalId"], id);
    assert_eq!(u["userPublicId"], "alice");
    assert_eq!(u["displayName"], "Alice");
    assert_eq!(u["roles"], json!(["moderator"]));
    assert_eq!(u["permissions"], json!(["BAN_USER", "MUTE_CHANNEL"]));
    assert_eq!(u["metadata"], json!({}));
    assert_eq!(u["flagCount"], 0);
    assert_eq!(u["hashFlag"], Value::Null);
    assert_eq!(u["isGlobalBan"], false);
    assert_eq!(u["isBrand"], false);
    assert_eq!(u["isDeleted"], false);
    assert_eq!(u["description"], "");
    for k in ["profileHandle", "avatarFileId", "avatarCustomUrl"] {
        assert!(u.get(k).is_some(), "{k}");
    }
    assert_eq!(time(&u["createdAt"]), time(&u["updatedAt"]));
    let roles = body["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["roleId"], "moderator");
    assert_eq!(roles[0]["displayName"], "Moderator");
    assert_eq!(roles[0]["permissions"], json!(["MUTE_CHANNEL", "BAN_USER"]));
    assert_eq!(roles[0]["isDeleted"], false);
    assert!(roles[0]["createdAt"].is_string() && roles[0]["updatedAt"].is_string());

    // The access token: HS256 under the network's jwt_secret, exp == expiresAt.
    let access = token(&body);
    let (header, _) = jwt_parts(&access);
    assert_eq!(header["alg"], "HS256");
    assert_eq!(header["kid"], kid_of(API_KEY));
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(
        &access,
        &DecodingKey::from_secret(JWT_SECRET.as_bytes()),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["exp"], expires.timestamp());
    assert_eq!(claims["iat"], issued.timestamp());
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["user"]["userId"], "alice");
    assert_eq!(claims["user"]["publicUserId"], "alice");
    assert_eq!(claims["user"]["networkId"], NETWORK_ID);
    assert_eq!(claims["user"]["deviceInfo"], device_info);
    assert!(claims["sid"].as_str().is_some_and(|s| s.len() == 32));

    assert_eq!(check(app, &access).await.0, 200);
}

async fn v4_and_v5_differ_as_documented(app: &TestApp) {
    let (status, v4) = register(
        app,
        4,
        API_KEY,
        json!({"userId": "vera", "deviceId": "d4", "profileHandle": "vera_h"}),
    )
    .await;
    assert_eq!(status, 200, "{v4}");
    assert!(v4["refreshToken"].is_string());
    assert!(v4.get("userType").is_none());
    assert_eq!(v4["users"][0]["profileHandle"], "vera_h");
    // Without displayName, a new user is shown by its userId.
    assert_eq!(v4["users"][0]["displayName"], "vera");
    let (_, claims) = jwt_parts(&token(&v4));
    assert_eq!(claims["user"]["deviceInfo"], json!({}));

    let resp = app
        .client
        .post(app.url("/api/v5/sessions"))
        .header("X-API-Key", API_KEY)
        .header("set-access-token-cookie", "true")
        .json(&json!({"userId": "vera", "deviceId": "d5", "deviceInfo": {"kind": "web"}}))
        .send()
        .await
        .unwrap();
    let (status, v5) = read(resp).await;
    assert_eq!(status, 200, "{v5}");
    assert!(v5.get("refreshToken").is_none(), "{v5}");
    assert_eq!(v5["userType"], "signed-in");
    assert_eq!(v5["users"][0]["_id"], v4["users"][0]["_id"]);
    for k in [
        "accessToken",
        "issuedAt",
        "expiresAt",
        "users",
        "roles",
        "files",
        "lastCachePurge",
    ] {
        assert!(v5.get(k).is_some(), "{k}");
    }
    // v5 reserves the ADMIN_ and DELETED_ prefixes; v3 and v4 do not.
    for id in ["ADMIN_x", "DELETED_x"] {
        let body = json!({"userId": id, "deviceId": "d"});
        let got = register(app, 5, API_KEY, body.clone()).await;
        assert_error(&got, 422, 500000);
        assert_eq!(got.1["data"]["detail"][0]["path"], json!(["userId"]));
        assert_eq!(register(app, 4, API_KEY, body).await.0, 200);
    }
}

async fn users_are_created_once_and_change_only_by_sent_fields(app: &TestApp) {
    let first = register(
        app,
        3,
        API_KEY,
        json!({"userId": "carol", "deviceId": "d1", "displayName": "Carol"}),
    )
    .await
    .1;
    let u1 = first["users"][0].clone();
    assert_eq!(u1["displayName"], "Carol");

    // A renewal without displayName changes nothing.
    let second = register(
        app,
        5,
        API_KEY,
        json!({"userId": "carol", "deviceId": "d1"}),
    )
    .await
    .1;
    let u2 = &second["users"][0];
    assert_eq!(u2["_id"], u1["_id"]);
    assert_eq!(u2["displayName"], "Carol");
    assert_eq!(u2["updatedAt"], u1["updatedAt"]);
    assert_eq!(u2["createdAt"], u1["createdAt"]);

    // v4 sets profileHandle; displayName stays.
    let third = register(
        app,
        4,
        API_KEY,
        json!({"userId": "carol", "deviceId": "d1", "profileHandle": "carol_h"}),
    )
    .await
    .1;
    assert_eq!(third["users"][0]["profileHandle"], "carol_h");
    assert_eq!(third["users"][0]["displayName"], "Carol");
    assert_eq!(third["users"][0]["_id"], u1["_id"]);

    // v3 has no profileHandle: it is ignored. null is "not sent".
    let fourth = register(
        app,
        3,
        API_KEY,
        json!({"userId": "carol", "deviceId": "d1", "profileHandle": "x", "displayName": null}),
    )
    .await
    .1;
    assert_eq!(fourth["users"][0]["profileHandle"], "carol_h");
    assert_eq!(fourth["users"][0]["displayName"], "Carol");

    let fifth = register(
        app,
        5,
        API_KEY,
        json!({"userId": "carol", "deviceId": "d1", "displayName": "Caroline"}),
    )
    .await
    .1;
    assert_eq!(fifth["users"][0]["displayName"], "Caroline");
    assert_eq!(fifth["users"][0]["createdAt"], u1["createdAt"]);
    assert!(time(&fifth["users"][0]["updatedAt"]) >= time(&u1["updatedAt"]));

    // The same userId in another network is another user.
    let other = register(
        app,
        5,
        OTHER_API_KEY,
        json!({"userId": "carol", "deviceId": "d1"}),
    )
    .await;
    assert_eq!(other.0, 200);
    assert_ne!(other.1["users"][0]["_id"], u1["_id"]);
    assert_eq!(other.1["users"][0]["displayName"], "carol");
}

async fn odd_user_ids_and_browser_models_work(app: &TestApp) {
    // Characters store keys and tokens must carry safely.
    let user = "ü{x}:y z/%.*";
    let ua = "gecko#Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    assert!(ua.len() > 100);
    let body = json!({"userId": user, "deviceId": "ascWebSdk#1",
                      "deviceInfo": {"kind": "web", "model": ua, "sdkVersion": "6.35.3"}});
    let (status, first) = register(app, 3, API_KEY, body.clone()).await;
    assert_eq!(status, 200, "{first}");
    let (_, claims) = jwt_parts(&token(&first));
    assert_eq!(claims["user"]["userId"], user);
    let model = claims["user"]["deviceInfo"]["model"].as_str().unwrap();
    assert_eq!(model, &ua[..100]);
    assert_eq!(check(app, &token(&first)).await.0, 200);
    let (status, renewed) = refresh(app, API_KEY, first["refreshToken"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(renewed["users"][0]["_id"], first["users"][0]["_id"]);
    let (_, again) = register(app, 5, API_KEY, json!({"userId": user, "deviceId": "x"})).await;
    assert_eq!(again["users"][0]["_id"], first["users"][0]["_id"]);
    assert_eq!(again["users"][0]["userId"], user);
}

async fn concurrent_first_logins_share_one_user(app: &TestApp) {
    let calls = (0..20).map(|i| {
        register(
            app,
            5,
            API_KEY,
            json!({"userId": "dave", "deviceId": format!("d{i}"), "displayName": "Dave"}),
        )
    });
    let results = join_all(calls).await;
    let ids: HashSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            body["users"][0]["_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

async fn bearer_check_chat_settings_and_logout(app: &TestApp) {
    let t1 = token(&login(app, 5, "erin", "dev-a").await);
    let t2 = token(&login(app, 5, "erin", "dev-b").await);

    let got = check(app, &t1).await;
    assert_eq!(
        got,
        (200, json!({"lastCachePurge": "2020-01-01T00:00:00.000Z"}))
    );
    // The scheme is case-insensitive.
    let resp = app
        .client
        .get(app.url("/api/v3/sessions"))
        .header("Authorization", format!("bearer {t1}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let chat = |t: String| async move {
        let resp = app
            .client
            .get(app.url("/api/v3/network-settings/chat"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        read(resp).await
    };
    let (status, settings) = chat(t1.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(settings["enabled"], true);
    assert_eq!(
        settings["messagePreview"],
        json!({"enabled": false, "isIncludeDeleted": false})
    );
    assert!(settings["mention"].is_object());

    // t1 has been checked (so this worker remembers it): its signature under other genuine
    // claims (t2's) is neither t1 nor t2.
    let (signed2, _) = t2.rsplit_once('.').unwrap();
    let (_, signature1) = t1.rsplit_once('.').unwrap();
    let spliced = format!("{signed2}.{signature1}");
    let refused = check(app, &spliced).await;
    assert_error(&refused, 401, 400100);
    assert_eq!(refused.1["message"], "Invalid access token");
    assert_error(&chat(spliced).await, 401, 400100);

    let delete = |t: String| async move {
        let resp = app
            .client
            .delete(app.url("/api/v4/sessions"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        read(resp).await
    };
    assert_eq!(delete(t1.clone()).await, (200, json!({"success": true})));
    assert_error(&check(app, &t1).await, 401, 400100);
    assert_error(&chat(t1.clone()).await, 401, 400100);
    assert_error(&delete(t1.clone()).await, 401, 400100);
    // The user's other session is untouched.
    assert_eq!(check(app, &t2).await.0, 200);
    assert_eq!(chat(t2.clone()).await.0, 200);
}

async fn a_renewal_on_the_same_device_retires_the_old_token(app: &TestApp) {
    let other = token(&login(app, 5, "fay", "tablet").await);
    let first = token(&login(app, 5, "fay", "phone").await);
    // Checked once before the renewal: a remembered check must not outlive its session.
    assert_eq!(check(app, &first).await.0, 200);
    let renewed = token(&login(app, 5, "fay", "phone").await);
    assert_ne!(first, renewed);
    assert_error(&check(app, &first).await, 401, 400100);
    assert_eq!(check(app, &renewed).await.0, 200);
    assert_eq!(check(app, &other).await.0, 200);
}

async fn no_remembered_check_outlives_a_logout(app: &TestApp) {
    let t = token(&login(app, 5, "noor", "d1").await);
    let other = token(&login(app, 5, "noor", "d2").await);
    // Concurrent checks on several connections reach every worker: each remembers the token
    // and (on the memory store) its check of the session.
    let checks = |t: String| {
        join_all((0..32).map(move |_| {
            let t = t.clone();
            async move { check(app, &t).await.0 }
        }))
    };
    assert!(checks(t.clone()).await.iter().all(|s| *s == 200));
    let resp = app
        .client
        .delete(app.url("/api/v4/sessions"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(read(resp).await, (200, json!({"success": true})));
    // Once the logout has answered, no worker answers the token again.
    let after = checks(t).await;
    assert!(after.iter().all(|s| *s == 401), "{after:?}");
    assert!(checks(other).await.iter().all(|s| *s == 200));
}

async fn the_session_cap_evicts_the_oldest(app: &TestApp) {
    // max_sessions_per_user = 3
    let mut tokens = Vec::new();
    for i in 0..5 {
        let t = token(&login(app, 5, "gus", &format!("device-{i}")).await);
        // Each checked while live: a remembered check must not outlive an evicted session.
        assert_eq!(check(app, &t).await.0, 200);
        tokens.push(t);
        // Distinct creation times keep "oldest" unambiguous.
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
    for (i, t) in tokens.iter().enumerate() {
        let got = check(app, t).await;
        if i < 2 {
            assert_error(&got, 401, 400100);
        } else {
            assert_eq!(got.0, 200, "token {i}: {}", got.1);
        }
    }
    // Other users are not affected by gus's cap.
    assert_eq!(
        check(app, &token(&login(app, 5, "gwen", "d").await))
            .await
            .0,
        200
    );
}

async fn concurrent_logins_never_exceed_the_cap(app: &TestApp) {
    // max_sessions_per_user = 3, enforced atomically by the store.
    let logins = (0..12).map(|i| {
        register(
            app,
            5,
            API_KEY,
            json!({"userId": "hugo", "deviceId": format!("device-{i}")}),
        )
    });
    let tokens: Vec<String> = join_all(logins)
        .await
        .into_iter()
        .map(|(status, body)| {
            assert_eq!(status, 200, "{body}");
            token(&body)
        })
        .collect();
    let checks = join_all(tokens.iter().map(|t| check(app, t))).await;
    let live = checks.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(live, 3, "{checks:?}");
    for got in checks.iter().filter(|(s, _)| *s != 200) {
        assert_error(got, 401, 400100);
    }
}

async fn refresh_rotates_and_a_reused_token_revokes_the_family(app: &TestApp) {
    let first = login(app, 4, "hal", "d1").await;
    let (a1, r1) = (
        token(&first),
        first["refreshToken"].as_str().unwrap().to_owned(),
    );

    let (status, second) = refresh(app, API_KEY, &r1).await;
    assert_eq!(status, 200, "{second}");
    let (a2, r2) = (
        token(&second),
        second["refreshToken"].as_str().unwrap().to_owned(),
    );
    assert_ne!(a1, a2);
    assert_ne!(r1, r2);
    assert_eq!(second["users"][0]["userId"], "hal");
    assert_eq!(second["users"][0]["_id"], first["users"][0]["_id"]);
    assert_eq!(
        time(&second["expiresAt"]) - time(&second["issuedAt"]),
        Duration::seconds(TTL)
    );
    // The same session: same sid, same device info.
    let (_, c1) = jwt_parts(&a1);
    let (_, c2) = jwt_parts(&a2);
    assert_eq!(c1["sid"], c2["sid"]);
    assert_eq!(c2["user"]["deviceInfo"], json!({"kind": "web"}));
    // The old access token is retired by the rotation, the new one works.
    assert_error(&check(app, &a1).await, 401, 400100);
    assert_eq!(check(app, &a2).await.0, 200);

    // Presenting the spent r1 again: refused, and the whole family goes.
    assert_error(&refresh(app, API_KEY, &r1).await, 401, 400100);
    assert_error(&check(app, &a2).await, 401, 400100);
    assert_error(&refresh(app, API_KEY, &r2).await, 401, 400100);

    // Other sessions of the user are not part of that family.
    let other = login(app, 4, "hal", "d2").await;
    assert_eq!(check(app, &token(&other)).await.0, 200);
    let (status, _) = refresh(app, API_KEY, other["refreshToken"].as_str().unwrap()).await;
    assert_eq!(status, 200);
}

async fn concurrent_refreshes_exactly_one_wins(app: &TestApp) {
    let first = login(app, 3, "ivy", "d1").await;
    let r1 = first["refreshToken"].as_str().unwrap().to_owned();
    let results = join_all((0..16).map(|_| refresh(app, API_KEY, &r1))).await;
    let winners: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for got in results.iter().filter(|(s, _)| *s != 200) {
        assert_error(got, 401, 400100);
    }
    // The losers presented a spent token: the family, the winner's new pair included, is gone.
    assert_error(&check(app, &token(winners[0])).await, 401, 400100);
    let r2 = winners[0]["refreshToken"].as_str().unwrap();
    assert_error(&refresh(app, API_KEY, r2).await, 401, 400100);
}

async fn refresh_errors(app: &TestApp) {
    let v4 = login(app, 4, "jan", "d1").await;
    let r = v4["refreshToken"].as_str().unwrap().to_owned();
    // Another network's API key cannot spend it (and does not burn it).
    assert_error(&refresh(app, OTHER_API_KEY, &r).await, 401, 400100);
    for bad in ["", "nonsense", "a.b.c", &format!("{r}x")] {
        let got = refresh(app, API_KEY, bad).await;
        if bad.is_empty() {
            assert_error(&got, 422, 500000);
        } else {
            assert_error(&got, 401, 400100);
        }
    }
    // A valid-looking token of the right session with a wrong secret is refused without
    // revoking the session.
    let (head, _) = r.rsplit_once('.').unwrap();
    let forged = format!("{head}.{}", "A".repeat(43));
    assert_error(&refresh(app, API_KEY, &forged).await, 401, 400100);
    assert_eq!(check(app, &token(&v4)).await.0, 200);
    assert_eq!(refresh(app, API_KEY, &r).await.0, 200);

    // Missing key, missing field, wrong type.
    let resp = app
        .client
        .post(app.url("/api/v4/sessions/refresh"))
        .json(&json!({"refreshToken": r}))
        .send()
        .await
        .unwrap();
    assert_error(&read(resp).await, 401, 400100);
    for body in [json!({}), json!({"refreshToken": 7})] {
        let resp = app
            .client
            .post(app.url("/api/v4/sessions/refresh"))
            .header("x-api-key", API_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        let got = read(resp).await;
        assert_error(&got, 422, 500000);
        assert_eq!(got.1["data"]["detail"][0]["path"], json!(["refreshToken"]));
    }
}

async fn validation_errors_list_every_failing_field(app: &TestApp) {
    let long = |n: usize| "x".repeat(n);
    // Lengths are inclusive: the limits themselves pass.
    let at_limits = json!({
        "userId": long(50), "deviceId": long(150), "displayName": long(100),
        "profileHandle": long(100), "authToken": long(100),
        "deviceInfo": {"kind": "android", "model": long(100), "sdkVersion": long(30)}
    });
    assert_eq!(register(app, 4, API_KEY, at_limits).await.0, 200);

    let cases: Vec<(u8, Value, Vec<&str>)> = vec![
        (3, json!({}), vec!["userId", "deviceId"]),
        (
            3,
            json!({"userId": "", "deviceId": ""}),
            vec!["userId", "deviceId"],
        ),
        (
            3,
            json!({"userId": long(51), "deviceId": "d"}),
            vec!["userId"],
        ),
        (
            3,
            json!({"userId": "u", "deviceId": long(151)}),
            vec!["deviceId"],
        ),
        (
            3,
            json!({"userId": "u", "deviceId": "d", "displayName": long(101)}),
            vec!["displayName"],
        ),
        (
            4,
            json!({"userId": "u", "deviceId": "d", "profileHandle": long(101)}),
            vec!["profileHandle"],
        ),
        (
            5,
            json!({"userId": "u", "deviceId": "d", "authToken": long(101)}),
            vec!["authToken"],
        ),
        (
            5,
            json!({"userId": "u", "deviceId": "d", "authToken": ""}),
            vec!["authToken"],
        ),
        (
            3,
            json!({"userId": "u", "deviceId": "d", "deviceInfo": {"kind": "windows"}}),
            vec!["deviceInfo.kind"],
        ),
        (
            3,
            json!({"userId": "u", "deviceId": "d", "deviceInfo": {"model": "m"}}),
            vec!["deviceInfo.kind"],
        ),
        (
            3,
            json!({"userId": "u", "deviceId": "d",
                   "deviceInfo": {"kind": "ios", "model": 7, "sdkVersion": long(31)}}),
            vec!["deviceInfo.model", "deviceInfo.sdkVersion"],
        ),
        // Wrong types.
        (
            3,
            json!({"userId": 42, "deviceId": ["d"], "displayName": true, "deviceInfo": "web"}),
            vec!["userId", "deviceId", "deviceInfo", "displayName"],
        ),
        (
            4,
            json!({"userId": "u", "deviceId": "d", "deviceInfo": {"kind": 1}, "profileHandle": {}}),
            vec!["deviceInfo.kind", "profileHandle"],
        ),
    ];
    for (version, body, paths) in cases {
        let got = register(app, version, API_KEY, body.clone()).await;
        assert_error(&got, 422, 500000);
        assert_eq!(got.1["message"], "Parameters validation error!");
        let detail = got.1["data"]["detail"].as_array().unwrap();
        let found: Vec<String> = detail
            .iter()
            .map(|d| {
                assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()));
                d["path"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect();
        assert_eq!(found, paths, "v{version} {body}");
    }
}

async fn unreadable_bodies_and_missing_keys(app: &TestApp) {
    let raw = |path: &str, ctype: Option<&str>, body: Vec<u8>| {
        let mut req = app
            .client
            .post(app.url(path))
            .header("x-api-key", API_KEY)
            .body(body);
        if let Some(c) = ctype {
            req = req.header("content-type", c);
        }
        async move { read(req.send().await.unwrap()).await }
    };
    for path in [
        "/api/v3/sessions",
        "/api/v4/sessions",
        "/api/v5/sessions",
        "/api/v4/sessions/refresh",
    ] {
        let json_ct = Some("application/json");
        assert_error(
            &raw(path, json_ct, b"{\"userId\": ".to_vec()).await,
            400,
            400000,
        );
        assert_error(&raw(path, json_ct, b"not json".to_vec()).await, 400, 400000);
        assert_error(&raw(path, json_ct, b"[1, 2]".to_vec()).await, 400, 400000);
        assert_error(&raw(path, json_ct, b"\"text\"".to_vec()).await, 400, 400000);
        assert_error(&raw(path, json_ct, Vec::new()).await, 400, 400000);
        assert_error(
            &raw(path, Some("text/plain"), b"{}".to_vec()).await,
            415,
            400000,
        );
        assert_error(&raw(path, None, b"{}".to_vec()).await, 415, 400000);
        let big = format!("{{\"userId\": \"{}\"}}", "x".repeat(70_000)).into_bytes();
        assert_error(&raw(path, json_ct, big).await, 413, 400000);
    }
    // `+json` media types are JSON too.
    let got = raw(
        "/api/v3/sessions",
        Some("application/vnd.api+json"),
        br#"{"userId": "kim", "deviceId": "d"}"#.to_vec(),
    )
    .await;
    assert_eq!(got.0, 200, "{}", got.1);

    let body = json!({"userId": "kim", "deviceId": "d"});
    for version in [3, 4, 5] {
        let url = app.url(&format!("/api/v{version}/sessions"));
        let missing = app.client.post(&url).json(&body).send().await.unwrap();
        let got = read(missing).await;
        assert_error(&got, 401, 400100);
        assert!(got.1["message"].as_str().unwrap().contains("API key"));
        assert_error(
            &register(app, version, "wrong-key", body.clone()).await,
            401,
            400100,
        );
        assert_error(&register(app, version, "", body.clone()).await, 401, 400100);
    }
    // Methods a path does not serve.
    for (method, path, allow) in [
        (reqwest::Method::PUT, "/api/v3/sessions", "POST, GET"),
        (reqwest::Method::GET, "/api/v4/sessions", "POST, DELETE"),
        (reqwest::Method::GET, "/api/v5/sessions", "POST"),
        (reqwest::Method::GET, "/api/v4/authentication/token", "POST"),
        (
            reqwest::Method::DELETE,
            "/api/v3/authentication/token",
            "GET",
        ),
        (
            reqwest::Method::POST,
            "/api/v3/network-settings/chat",
            "GET",
        ),
        (reqwest::Method::GET, "/api/v4/sessions/refresh", "POST"),
    ] {
        let resp = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["allow"], allow, "{path}");
        assert_error(&read(resp).await, 405, 400000);
    }
}

async fn bad_bearers_are_refused(app: &TestApp) {
    let good = token(&login(app, 5, "lee", "d1").await);
    let (header_json, claims_json) = jwt_parts(&good);
    let kid = header_json["kid"].as_str().unwrap().to_owned();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.clone());

    let expired = {
        let mut c = claims_json.clone();
        c["exp"] = json!(Utc::now().timestamp() - 10);
        sign(&header, &c, JWT_SECRET)
    };
    let unknown_session = {
        let mut c = claims_json.clone();
        c["sid"] = json!("0123456789abcdef0123456789abcdef");
        sign(&header, &c, JWT_SECRET)
    };
    let other_user = {
        let mut c = claims_json.clone();
        c["user"]["userId"] = json!("someone-else");
        sign(&header, &c, JWT_SECRET)
    };
    let wrong_secret = sign(&header, &claims_json, "another-secret-0123456789abcdefghij");
    let hs512 = {
        let mut h = Header::new(Algorithm::HS512);
        h.kid = Some(kid.clone());
        sign(&h, &claims_json, JWT_SECRET)
    };
    let no_kid = sign(&Header::new(Algorithm::HS256), &claims_json, JWT_SECRET);
    let unknown_kid = {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some("f".repeat(64));
        sign(&h, &claims_json, JWT_SECRET)
    };
    let alg_none = {
        let head = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#));
        let body = URL_SAFE_NO_PAD.encode(claims_json.to_string());
        format!("{head}.{body}.")
    };
    let tampered = {
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        let mut c = claims_json.clone();
        c["user"]["userId"] = json!("mallory");
        parts[1] = URL_SAFE_NO_PAD.encode(c.to_string());
        parts.join(".")
    };
    let cases = [
        ("expired", expired),
        ("unknown session", unknown_session),
        ("other user", other_user),
        ("wrong secret", wrong_secret),
        ("HS512", hs512),
        ("no kid", no_kid),
        ("unknown kid", unknown_kid),
        ("alg none", alg_none),
        ("tampered", tampered),
        ("garbage", "garbage".to_owned()),
        ("huge", "a".repeat(5000)),
    ];
    for (what, t) in &cases {
        let got = check(app, t).await;
        assert_eq!(got.0, 401, "{what}: {}", got.1);
        assert_error(&got, 401, 400100);
    }
    assert!(check(app, &cases[0].1).await.1["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    for auth in [None, Some("Basic abc"), Some("Bearer"), Some("Bearer ")] {
        let mut req = app.client.get(app.url("/api/v3/sessions"));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        assert_error(&read(req.send().await.unwrap()).await, 401, 400100);
    }
    // The genuine token still works.
    assert_eq!(check(app, &good).await.0, 200);
}

/// A user holds at most ten live secure-mode auth tokens: the eleventh issued pushes the first
/// out, the other ten still sign in.
async fn a_user_holds_the_newest_ten_auth_tokens(app: &TestApp) {
    let mut tokens = Vec::new();
    for _ in 0..11 {
        let resp = app
            .client
            .post(app.url("/api/v4/authentication/token"))
            .header("x-server-key", SECURE_SERVER_KEY)
            .json(&json!({"userId": "ten-tokens"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        tokens.push(resp.text().await.unwrap());
    }
    let login = |t: &str| json!({"userId": "ten-tokens", "deviceId": "d1", "authToken": t});
    assert_error(
        &register(app, 5, SECURE_API_KEY, login(&tokens[0])).await,
        401,
        400100,
    );
    for t in &tokens[1..] {
        let (status, body) = register(app, 5, SECURE_API_KEY, login(t)).await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn secure_mode_auth_tokens(app: &TestApp) {
    let post_token = |server_key: Option<&'static str>, body: Value| {
        let mut req = app
            .client
            .post(app.url("/api/v4/authentication/token"))
            .json(&body);
        if let Some(k) = server_key {
            req = req.header("x-server-key", k);
        }
        req.send()
    };
    let get_token = |server_key: Option<&'static str>, query: &'static str| {
        let mut req = app
            .client
            .get(app.url(&format!("/api/v3/authentication/token{query}")));
        if let Some(k) = server_key {
            req = req.header("x-server-key", k);
        }
        req.send()
    };

    // POST: text/plain token.
    let resp = post_token(Some(SECURE_SERVER_KEY), json!({"userId": "mia"}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let auth_token = resp.text().await.unwrap();
    assert_eq!(auth_token.len(), 40);
    assert!(auth_token.chars().all(|c| c.is_ascii_hexdigit()));

    // GET: the token as a JSON string.
    let (status, got) = read(
        get_token(Some(SECURE_SERVER_KEY), "?userId=mia")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let json_token = got.as_str().unwrap().to_owned();
    assert_eq!(json_token.len(), 40);
    assert_ne!(json_token, auth_token);

    // Registering in secure mode needs a live authToken of that user.
    let body = |token: Option<&str>| {
        let mut b = json!({"userId": "mia", "deviceId": "d1"});
        if let Some(t) = token {
            b["authToken"] = json!(t);
        }
        b
    };
    let got = register(app, 5, SECURE_API_KEY, body(None)).await;
    assert_error(&got, 401, 400100);
    assert!(got.1["message"].as_str().unwrap().contains("authToken"));
    assert_error(
        &register(app, 5, SECURE_API_KEY, body(Some(&"0".repeat(40)))).await,
        401,
        400100,
    );
    let someone_else = json!({"userId": "max", "deviceId": "d1", "authToken": auth_token});
    assert_error(
        &register(app, 5, SECURE_API_KEY, someone_else).await,
        401,
        400100,
    );
    for t in [&auth_token, &json_token] {
        let (status, session) = register(app, 3, SECURE_API_KEY, body(Some(t))).await;
        assert_eq!(status, 200, "{session}");
        assert_eq!(check(app, &token(&session)).await.0, 200);
    }
    // The same token serves a renewal too, until it expires.
    assert_eq!(
        register(app, 5, SECURE_API_KEY, body(Some(&auth_token)))
            .await
            .0,
        200
    );

    // Server-key failures: 401; a network not in secure mode: 403 400300.
    for key in [None, Some("wrong-server-key"), Some("")] {
        assert_error(
            &read(post_token(key, json!({"userId": "mia"})).await.unwrap()).await,
            401,
            400100,
        );
        assert_error(
            &read(get_token(key, "?userId=mia").await.unwrap()).await,
            401,
            400100,
        );
    }
    assert_error(
        &read(
            post_token(Some(SERVER_KEY), json!({"userId": "mia"}))
                .await
                .unwrap(),
        )
        .await,
        403,
        400300,
    );
    assert_error(
        &read(get_token(Some(SERVER_KEY), "?userId=mia").await.unwrap()).await,
        403,
        400300,
    );
    // A network not in secure mode ignores authToken (its length is still checked).
    let plain = json!({"userId": "mia", "deviceId": "d1", "authToken": "whatever"});
    assert_eq!(register(app, 5, API_KEY, plain).await.0, 200);

    // Bad input on the token routes.
    for body in [
        json!({}),
        json!({"userId": ""}),
        json!({"userId": 5}),
        json!({"userId": "x".repeat(51)}),
    ] {
        let got = read(post_token(Some(SECURE_SERVER_KEY), body).await.unwrap()).await;
        assert_error(&got, 422, 500000);
        assert_eq!(got.1["data"]["detail"][0]["path"], json!(["userId"]));
    }
    assert_error(
        &read(get_token(Some(SECURE_SERVER_KEY), "").await.unwrap()).await,
        422,
        500000,
    );
    assert_error(
        &read(
            get_token(Some(SECURE_SERVER_KEY), "?userId=")
                .await
                .unwrap(),
        )
        .await,
        422,
        500000,
    );
    let resp = app
        .client
        .post(app.url("/api/v4/authentication/token"))
        .header("x-server-key", SECURE_SERVER_KEY)
        .header("content-type", "application/json")
        .body("[\"mia\"]")
        .send()
        .await
        .unwrap();
    assert_error(&read(resp).await, 400, 400000);
    let resp = app
        .client
        .post(app.url("/api/v4/authentication/token"))
        .header("x-server-key", SECURE_SERVER_KEY)
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_error(&read(resp).await, 400, 400000);
}

// ---------------------------------------------------------------------------------------------
// memory only: a clock the test moves

#[tokio::test]
async fn memory_tokens_expire_by_the_gateway_clock() {
    let (app, clock) = spawn_app_with_clock(&overlay()).await;
    let v5 = login(&app, 5, "nia", "d1").await;
    let v4 = login(&app, 4, "nia", "d2").await;
    clock.advance(Duration::seconds(TTL - 1));
    assert_eq!(check(&app, &token(&v5)).await.0, 200);
    clock.advance(Duration::seconds(1));
    let got = check(&app, &token(&v5)).await;
    assert_error(&got, 401, 400100);
    assert!(got.1["message"].as_str().unwrap().contains("expired"));
    assert_error(&check(&app, &token(&v4)).await, 401, 400100);

    // The refresh token outlives the access token (refresh_ttl_seconds = 7200).
    let (status, renewed) = refresh(&app, API_KEY, v4["refreshToken"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(check(&app, &token(&renewed)).await.0, 200);
    let renewed_at = time(&renewed["issuedAt"]);
    assert_eq!(renewed_at.timestamp(), clock_now_seconds(&clock));
    // ... but not past its own lifetime.
    clock.advance(Duration::seconds(7200));
    let r = renewed["refreshToken"].as_str().unwrap();
    assert_error(&refresh(&app, API_KEY, r).await, 401, 400100);
}

fn clock_now_seconds(clock: &session_core::ManualClock) -> i64 {
    use session_core::Clock;
    clock.now().timestamp()
}

#[tokio::test]
async fn memory_auth_tokens_expire_by_the_gateway_clock() {
    let (app, clock) = spawn_app_with_clock(&overlay()).await;
    let resp = app
        .client
        .post(app.url("/api/v4/authentication/token"))
        .header("x-server-key", SECURE_SERVER_KEY)
        .json(&json!({"userId": "oli"}))
        .send()
        .await
        .unwrap();
    let auth_token = resp.text().await.unwrap();
    let body = json!({"userId": "oli", "deviceId": "d", "authToken": auth_token});
    clock.advance(Duration::seconds(59));
    assert_eq!(register(&app, 5, SECURE_API_KEY, body.clone()).await.0, 200);
    clock.advance(Duration::seconds(1));
    assert_error(&register(&app, 5, SECURE_API_KEY, body).await, 401, 400100);
}

#[tokio::test]
async fn memory_a_disabled_flavor_serves_nothing() {
    let app = spawn_app(&format!(
        "{}\n[flavors]\nenabled = [\"quickblox\"]\n",
        overlay()
    ))
    .await;
    let resp = app
        .client
        .post(app.url("/api/v3/sessions"))
        .header("x-api-key", API_KEY)
        .json(&json!({"userId": "u", "deviceId": "d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn store_outage_answers_503_in_amity_format() {
    // A Redis nobody listens on: every store call fails fast.
    let app = e2e::spawn_app_on_absent_redis(&overlay()).await;
    let got = register(&app, 5, API_KEY, json!({"userId": "u", "deviceId": "d"})).await;
    assert_error(&got, 503, 500000);
    // A well-signed token still needs the store: 503, not a pass.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid_of(API_KEY));
    let claims = json!({
        "user": {"userId": "u", "publicUserId": "u", "networkId": NETWORK_ID, "deviceInfo": {}},
        "sub": "0123456789abcdef01234567", "sid": "0123456789abcdef0123456789abcdef",
        "jti": "j", "iat": Utc::now().timestamp(), "exp": Utc::now().timestamp() + 60
    });
    assert_error(
        &check(&app, &sign(&header, &claims, JWT_SECRET)).await,
        503,
        500000,
    );
    // An unknown API key needs the store (run-time networks) too.
    assert_error(
        &register(&app, 5, "unknown", json!({"userId": "u", "deviceId": "d"})).await,
        503,
        500000,
    );
}

// ---------------------------------------------------------------------------------------------
// the official client

/// Drives `@amityco/ts-sdk` 6.x from Node against a gateway: login, a renewal, secureLogout,
/// then the logged-out tokens are refused. Install first: `npm ci --prefix tests/amity-e2e`.
#[tokio::test]
async fn official_sdk_login_renewal_and_secure_logout() {
    if std::env::var("SG_SKIP_CLIENT_E2E").as_deref() == Ok("1") {
        println!("SKIPPED official_sdk_login_renewal_and_secure_logout: SG_SKIP_CLIENT_E2E=1");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("amity-e2e");
    assert!(
        dir.join("node_modules/@amityco/ts-sdk").is_dir(),
        "the official SDK is not installed: run `npm ci --prefix tests/amity-e2e` \
         (or set SG_SKIP_CLIENT_E2E=1 to skip this test)"
    );
    let sdk_key = "amity-e2e-sdk-key";
    let app = spawn_app(&format!("[[amity.networks]]\napi_key = \"{sdk_key}\"\n")).await;
    let child = tokio::process::Command::new("node")
        .arg("sdk-e2e.mjs")
        .arg(&app.address)
        .arg(sdk_key)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("cannot run `node`: install Node.js 18+ (or set SG_SKIP_CLIENT_E2E=1)");
    let out = tokio::time::timeout(StdDuration::from_secs(90), child.wait_with_output())
        .await
        .expect("the SDK script did not finish in 90 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the SDK script failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("amity sdk e2e: OK"), "{stdout}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_redis_refuses_logins_whole() {
    let redis = e2e::full_redis();
    let app = e2e::spawn_app_on(&overlay(), &redis).await;
    let got = register(
        &app,
        3,
        API_KEY,
        json!({"userId": "full-redis-user", "deviceId": "d1"}),
    )
    .await;
    assert_error(&got, 503, 500_000);
    assert_eq!(
        got.1["message"],
        "Service temporarily unavailable, please retry"
    );
    assert_eq!(e2e::key_count(&redis), 1, "nothing of the login was stored");
}

/// The memory store at its bound (`store.memory.max_sessions`) refuses a login whole, with 503
/// in Amity's format, while the sessions it holds keep working; once they expire, the next
/// login drops them and goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_memory_store_refuses_logins_until_sessions_expire() {
    let overlay = format!(
        "{}
[store.memory]
max_sessions = 3
",
        overlay()
    );
    let (app, clock) = spawn_app_with_clock(&overlay).await;
    let mut held = Vec::new();
    for n in 0..3 {
        held.push(login(&app, 5, &format!("full-{n}"), "d1").await);
    }
    let got = register(
        &app,
        5,
        API_KEY,
        json!({"userId": "full-3", "deviceId": "d1"}),
    )
    .await;
    assert_error(&got, 503, 500_000);
    assert_eq!(
        got.1["message"],
        "Service temporarily unavailable, please retry"
    );
    for h in &held {
        assert_eq!(check(&app, &token(h)).await.0, 200);
    }
    clock.advance(Duration::days(31));
    login(&app, 5, "full-3", "d1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_checks_answer_through_a_write_pause() {
    let redis = session_redis::testing::RedisServer::start();
    let app = e2e::spawn_app_on(&overlay(), &redis).await;
    let access = token(&login(&app, 3, "paused-user", "d1").await);
    assert_eq!(
        redis
            .command(&["CLIENT", "PAUSE", "3000", "WRITE"])
            .as_deref(),
        Some("OK")
    );
    let started = std::time::Instant::now();
    let mut checks = 0;
    while started.elapsed() < std::time::Duration::from_millis(2500) {
        let t = std::time::Instant::now();
        let (status, body) = check(&app, &access).await;
        assert_eq!(status, 200, "{body}");
        assert!(
            t.elapsed() < std::time::Duration::from_millis(250),
            "a check took {:?}",
            t.elapsed()
        );
        checks += 1;
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(checks > 30, "{checks} checks");
}
