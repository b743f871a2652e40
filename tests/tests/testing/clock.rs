//! The clock of testing mode: its endpoints, every flavor's expiry following it (Redis's own
//! TTLs lagging behind), and gateways on one Redis moving together.

use std::time::Duration as StdDuration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use e2e::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

use super::*;

on_both_stores!(overlay() =>
    the_clock_moves_as_asked,
    every_expiry_follows_the_clock,
);

fn at(body: &Value) -> DateTime<Utc> {
    body["now"].as_str().unwrap().parse().unwrap()
}

async fn the_clock_moves_as_asked(app: &TestApp) {
    let c = expect(admin(app, Method::GET, "/clock"), 200).await;
    assert_eq!(c["offset_seconds"], 0, "{c}");
    assert_eq!(c["frozen"], false);
    assert!((at(&c) - Utc::now()).num_seconds().abs() < 5);

    let c = advance(app, 3600).await;
    assert_eq!(c["offset_seconds"], 3600, "{c}");
    assert!(
        (at(&c) - Utc::now() - Duration::hours(1))
            .num_seconds()
            .abs()
            < 5
    );

    let c = move_clock(app, json!({"freeze": true})).await;
    assert_eq!(c["frozen"], true);
    let t1 = at(&c);
    tokio::time::sleep(StdDuration::from_millis(30)).await;
    assert_eq!(clock_now(app).await, t1, "a frozen clock stands still");
    assert_eq!(at(&advance(app, 60).await), t1 + Duration::seconds(60));
    let day = t1 + Duration::days(1);
    let c = move_clock(app, json!({"set": day.to_rfc3339()})).await;
    assert_eq!(at(&c), day);
    let c = move_clock(app, json!({"freeze": false})).await;
    assert_eq!(c["frozen"], false);
    tokio::time::sleep(StdDuration::from_millis(30)).await;
    assert!(clock_now(app).await > day, "it runs on from where it stood");

    for bad in [
        json!({"set": t1.to_rfc3339()}),
        json!({"advance_seconds": -1}),
        json!({"advance_seconds": 1, "freeze": true}),
        json!({}),
        json!({"reset": false}),
        json!({"set": "tomorrow"}),
        json!({"rewind": 3}),
        json!({"advance_seconds": 1e12}),
        json!([7201, null, null, null]),
        json!({"advance_seconds": null}),
    ] {
        let body = expect(admin(app, Method::POST, "/clock").json(&bad), 422).await;
        assert_eq!(body["error"]["code"], "invalid_request", "{bad}: {body}");
    }

    let c = move_clock(app, json!({"reset": true})).await;
    assert_eq!(c["offset_seconds"], 0);
    assert_eq!(c["frozen"], false);
    assert!((at(&c) - Utc::now()).num_seconds().abs() < 5);

    for auth in [None, Some("nope")] {
        let mut rb = app.client.get(app.url("/admin/v1/testing/clock"));
        if let Some(a) = auth {
            rb = rb.bearer_auth(a);
        }
        let body = expect(rb, 401).await;
        assert_eq!(body["error"]["code"], "unauthorized");
    }
}

/// The claims of a JWT, unverified.
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn every_expiry_follows_the_clock(app: &TestApp) {
    // QuickBlox: two hours of inactivity end a session; the timestamp window moves too.
    let token = qb_create(app).await;
    assert_eq!(qb_get(app, &token).await.0, 200);
    advance(app, 7201).await;
    let (status, body) = qb_get(app, &token).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"errors": {"base": ["Required session does not exist"]}})
    );
    let real = qb_create_raw(app, qb_form(Utc::now().timestamp(), 7)).await;
    assert_eq!(
        read(real).await.1,
        json!({"errors": {"base": ["Bad timestamp"]}}),
        "a request signed by the system clock is two hours late"
    );
    assert_eq!(qb_get(app, &qb_create(app).await).await.0, 200);

    // session-storage: an absolute lifetime. On Redis the key outlives the session.
    let id = ss_create(app, SS_A).await;
    assert_eq!(ss_get(app, SS_A, &id).await.0, 200);
    advance(app, 3601).await;
    if on_redis(app) {
        assert!(
            redis_holds(app, "ss:client-a:u1"),
            "Redis has not expired the key by its own clock"
        );
    }
    let (status, body) = ss_get(app, SS_A, &id).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["errors"][0]["error_code"], "SESSION_NOT_FOUND");

    // Amity: access tokens carry the gateway's times; access and refresh lifetimes end.
    let login = am_login(app, "alice").await;
    let access = login["accessToken"].as_str().unwrap().to_owned();
    let refresh = login["refreshToken"].as_str().unwrap().to_owned();
    let c = claims(&access);
    let now = clock_now(app).await.timestamp();
    assert!(
        (c["iat"].as_i64().unwrap() - now).abs() <= 2,
        "{c} vs {now}"
    );
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(am_check(app, &access).await.0, 200);
    advance(app, 3601).await;
    let (status, body) = am_check(app, &access).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], 400100);
    let (status, renewed) = am_refresh(app, &refresh).await;
    assert_eq!(status, 200, "the refresh token lives 7200 s: {renewed}");
    let access = renewed["accessToken"].as_str().unwrap();
    assert_eq!(am_check(app, access).await.0, 200);
    advance(app, 7201).await;
    let (status, body) = am_refresh(app, renewed["refreshToken"].as_str().unwrap()).await;
    assert_eq!(status, 401, "{body}");

    // QuickSync: a group's lifetime, the wallet-proof nonce window, wallet bearers' exp.
    let (_, host) = qs_create(app, 600).await;
    assert_eq!(qs_current(app, &host).await.0, 200);
    advance(app, 601).await;
    assert_eq!(qs_current(app, &host).await.0, 401);
    let nonce: Value = app
        .client
        .get(app.url("/v1/wallet-proof/nonce"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let proof =
        json!({"walletAddress": wallet(), "message": nonce["message"], "signature": "0x00"});
    let verify = || async {
        read(
            app.client
                .post(app.url("/v1/wallet-proof/verify?chain=Ethereum"))
                .json(&proof)
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let (status, fresh) = verify().await;
    assert_eq!(status, 400);
    assert!(
        fresh["detail"].as_str().unwrap().contains("malformed"),
        "{fresh}"
    );
    advance(app, 601).await;
    let (status, stale) = verify().await;
    assert_eq!(status, 400);
    assert!(
        stale["detail"].as_str().unwrap().contains("expired"),
        "{stale}"
    );
    let bearer = qs_bearer(app, &wallet()).await;
    advance(app, 601).await;
    let r = app
        .client
        .post(app.url("/v1/session"))
        .header("X-API-KEY", QS_KEY)
        .bearer_auth(bearer)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "a wallet bearer past its exp by the gateway's clock"
    );
    move_clock(app, json!({"reset": true})).await;
}

/// Two gateways on one Redis (one key prefix): a move on one reaches the other within its
/// sync interval, and each treats the other's sessions by the shared clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateways_on_one_redis_share_the_clock() {
    let a = e2e::spawn_app_on_redis(&overlay()).await;
    let mut settings = e2e::test_settings(&overlay());
    settings.store = a.settings.store.clone();
    let b = e2e::spawn_with(settings, std::sync::Arc::new(session_core::SystemClock)).await;
    let id = ss_create(&a, SS_A).await;
    assert_eq!(ss_get(&b, SS_A, &id).await.0, 200);
    advance(&a, 3601).await;
    let mut seen = Value::Null;
    for _ in 0..40 {
        seen = expect(admin(&b, Method::GET, "/clock"), 200).await;
        if seen["offset_seconds"] == 3601 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(25)).await;
    }
    assert_eq!(seen["offset_seconds"], 3601, "{seen}");
    assert_eq!(ss_get(&b, SS_A, &id).await.0, 404);
    // And back: b resets, a follows.
    move_clock(&b, json!({"reset": true})).await;
    let mut offset = Value::Null;
    for _ in 0..40 {
        offset = expect(admin(&a, Method::GET, "/clock"), 200).await["offset_seconds"].clone();
        if offset == 0 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(25)).await;
    }
    assert_eq!(offset, 0);
    a.stop().await;
    b.stop().await;
}

/// Off by default: no testing routes (the admin API answers 404), nothing in the document.
#[tokio::test]
async fn testing_mode_is_off_by_default() {
    let app = e2e::spawn_app(&format!("[admin]\ntoken = \"{ADMIN_TOKEN}\"\n")).await;
    let body = expect(admin(&app, Method::GET, "/clock"), 404).await;
    assert_eq!(body["error"]["code"], "not_found");
    let doc: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/admin/v1/testing/clock"].is_null());
    let on = e2e::spawn_app(&overlay()).await;
    let doc: Value = on
        .client
        .get(on.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/admin/v1/testing/clock"]["post"].is_object());
    assert!(doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "testing"));
}
