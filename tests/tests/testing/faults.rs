//! Injected faults in each flavor's own format, and the request journal with its secrets
//! masked.

use std::time::{Duration, Instant};

use e2e::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

use super::*;

on_both_stores!(overlay() =>
    faults_answer_in_each_flavors_format,
    the_journal_shows_requests_with_secrets_masked,
);

async fn add_fault(app: &TestApp, rule: Value) -> u64 {
    expect(admin(app, Method::POST, "/faults").json(&rule), 201).await["id"]
        .as_u64()
        .unwrap()
}

async fn am_login_raw(app: &TestApp, user: &str) -> (u16, Value) {
    read(
        app.client
            .post(app.url("/api/v4/sessions"))
            .header("x-api-key", AM_KEY)
            .json(&json!({"userId": user, "deviceId": "d"}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn faults_answer_in_each_flavors_format(app: &TestApp) {
    // Amity: one 503, then the real thing.
    let once = add_fault(
        app,
        json!({"flavor": "amity", "method": "POST", "path": "/api/v4/sessions", "status": 503,
               "delay_ms": 0, "probability": 1.0, "times": 1}),
    )
    .await;
    assert_eq!(
        am_login_raw(app, "frank").await,
        (
            503,
            json!({"status": "error", "code": 500000,
                   "message": "Service temporarily unavailable, please retry"})
        )
    );
    assert_eq!(am_login_raw(app, "frank").await.0, 200);
    let rules = expect(admin(app, Method::GET, "/faults"), 200).await;
    assert_eq!(rules["data"][0]["id"], once);
    assert_eq!(rules["data"][0]["hits"], 1);
    assert_eq!(rules["data"][0]["times"], 1);
    let journal = expect(
        admin(app, Method::GET, "/requests?flavor=amity&limit=2"),
        200,
    )
    .await;
    assert_eq!(journal["data"][0]["status"], 200);
    assert_eq!(journal["data"][0]["fault"], Value::Null);
    assert_eq!(journal["data"][1]["status"], 503);
    assert_eq!(journal["data"][1]["fault"], once);

    // QuickBlox: a 401 for every read of a session, however valid its token.
    let token = qb_create(app).await;
    let forever = add_fault(
        app,
        json!({"flavor": "quickblox", "method": "GET", "path": "/session.json", "status": 401}),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            qb_get(app, &token).await,
            (
                401,
                json!({"errors": {"base": ["Required session does not exist"]}})
            )
        );
    }
    expect(
        admin(app, Method::DELETE, &format!("/faults/{forever}")),
        204,
    )
    .await;
    expect(
        admin(app, Method::DELETE, &format!("/faults/{forever}")),
        404,
    )
    .await;
    assert_eq!(qb_get(app, &token).await.0, 200);

    // session-storage: its own error entries, with the request's path.
    add_fault(
        app,
        json!({"flavor": "session-storage", "method": "POST", "path": "/session-storage/session",
               "status": 401, "times": 1}),
    )
    .await;
    let r = ss(app.client.post(app.url("/session-storage/session")), SS_A)
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, 401);
    assert_eq!(body["ok"], false);
    assert_eq!(body["errors"][0]["error_code"], "INVALID_CREDENTIALS");
    assert_eq!(body["errors"][0]["instance"], "/session-storage/session");

    // QuickSync: problem details for a whole prefix.
    add_fault(
        app,
        json!({"flavor": "quicksync", "path": "/v1/wallet-proof/*", "status": 503, "times": 1}),
    )
    .await;
    let r = app
        .client
        .get(app.url("/v1/wallet-proof/nonce"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let (status, body) = read(r).await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], 503);
    assert_eq!(body["title"], "Service Unavailable");
    assert_eq!(body["instance"], "/v1/wallet-proof/nonce");

    // A delay alone: the request waits, then is served.
    let id = ss_create(app, SS_A).await;
    add_fault(
        app,
        json!({"flavor": "session-storage", "path": "/session-storage/sessions/*", "delay_ms": 300}),
    )
    .await;
    let started = Instant::now();
    assert_eq!(ss_get(app, SS_A, &id).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Probability: never at 0, about half the time at 0.5.
    let cleared = expect(admin(app, Method::DELETE, "/faults"), 200).await;
    assert_eq!(cleared["removed"], 4, "{cleared}");
    add_fault(
        app,
        json!({"flavor": "quicksync", "path": "/v1/wallet-proof/nonce", "status": 500, "probability": 0.0}),
    )
    .await;
    let half = add_fault(
        app,
        json!({"flavor": "quicksync", "path": "/v1/wallet-proof/nonce", "status": 503, "probability": 0.5}),
    )
    .await;
    let mut refused = 0;
    for _ in 0..200 {
        let r = app
            .client
            .get(app.url("/v1/wallet-proof/nonce"))
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            200 => {}
            503 => refused += 1,
            other => panic!("status {other}"),
        }
    }
    assert!((50..=150).contains(&refused), "{refused} of 200");
    let rules = expect(admin(app, Method::GET, "/faults"), 200).await;
    assert_eq!(rules["data"][0]["hits"], 0);
    assert_eq!(rules["data"][1]["id"], half);
    assert_eq!(rules["data"][1]["hits"], refused);

    for bad in [
        json!({"flavor": "amity", "status": 418}),
        json!({"flavor": "amity", "status": 503, "path": "/v1/session"}),
        json!({"flavor": "amity", "status": 503, "delay_ms": 600000}),
        json!({"flavor": "amity"}),
        json!({"status": 503}),
        json!({"flavor": "amity", "status": 503, "times": 0}),
        json!({"flavor": "amity", "status": 503, "times": 1_000_000_001u64}),
        json!({"flavor": "amity", "status": 503, "times": 9_223_372_036_854_775_808u64}),
        json!(["amity", null, null, 503]),
    ] {
        let body = expect(admin(app, Method::POST, "/faults").json(&bad), 422).await;
        assert_eq!(body["error"]["code"], "invalid_request", "{bad}");
        assert!(body["error"]["message"].is_string(), "{bad}: {body}");
    }
    let most = json!({"flavor": "amity", "status": 503, "times": 1_000_000_000u64});
    let added = expect(admin(app, Method::POST, "/faults").json(&most), 201).await;
    let rules = expect(admin(app, Method::GET, "/faults"), 200).await;
    let rule = rules["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == added["id"]);
    assert_eq!(rule.unwrap()["times"], 1_000_000_000u64);
    expect(admin(app, Method::DELETE, "/faults"), 200).await;
}

/// What the journal test compares of an entry.
type JournalRow<'a> = (
    &'a str,
    &'a str,
    u64,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
);

async fn the_journal_shows_requests_with_secrets_masked(app: &TestApp) {
    expect(admin(app, Method::DELETE, "/requests"), 200).await;
    ss_create(app, SS_A).await;
    let login = am_login(app, "erin").await;
    let access = login["accessToken"].as_str().unwrap().to_owned();
    let refresh = login["refreshToken"].as_str().unwrap().to_owned();
    assert_eq!(am_check(app, &access).await.0, 200);
    let qb = qb_create(app).await;
    assert_eq!(qb_get(app, &qb).await.0, 200);
    app.client.get(app.url("/healthz")).send().await.unwrap();

    let journal = expect(admin(app, Method::GET, "/requests?limit=10"), 200).await;
    let data = journal["data"].as_array().unwrap();
    // (method, path, status, flavor, tenant, subject) of each entry, newest first.
    let seen: Vec<JournalRow> = data
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap(),
                e["path"].as_str().unwrap(),
                e["status"].as_u64().unwrap(),
                e["flavor"].as_str().unwrap(),
                e["tenant"].as_str(),
                e["subject"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/session.json", 200, "quickblox", Some("4242"), None),
            (
                "POST",
                "/session.json",
                201,
                "quickblox",
                Some("4242"),
                None
            ),
            (
                "GET",
                "/api/v3/sessions",
                200,
                "amity",
                Some(AM_NETWORK),
                Some("erin")
            ),
            (
                "POST",
                "/api/v4/sessions",
                200,
                "amity",
                Some(AM_NETWORK),
                Some("erin")
            ),
            (
                "POST",
                "/session-storage/session",
                201,
                "session-storage",
                Some("client-a"),
                Some("u1")
            ),
        ],
        "newest first, only the flavors' requests"
    );
    for e in data {
        assert!(e["latency_ms"].as_f64().unwrap() >= 0.0);
        assert!(e["time"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .is_ok());
        assert!(e["id"].as_u64().unwrap() >= 1);
    }
    let text = journal.to_string();
    for secret in [&access, &refresh, &qb, SS_A.1, AM_KEY] {
        assert!(
            !text.contains(secret),
            "a secret or token is in the journal"
        );
    }
    let am = &data[3];
    assert_eq!(am["request"]["headers"]["x-api-key"], "********");
    assert_eq!(am["request"]["body"]["userId"], "erin");
    assert_eq!(am["response"]["body"]["accessToken"], "********");
    assert_eq!(am["response"]["body"]["refreshToken"], "********");
    let ss_entry = &data[4];
    assert_eq!(ss_entry["request"]["headers"]["clientid"], "client-a");
    assert_eq!(ss_entry["request"]["headers"]["clientsecret"], "********");
    let form = data[1]["request"]["body"].as_str().unwrap();
    assert!(
        form.contains("application_id=4242") && form.contains("signature=*"),
        "{form}"
    );
    assert_eq!(data[1]["response"]["body"]["session"]["token"], "********");

    let amity = expect(admin(app, Method::GET, "/requests?flavor=amity"), 200).await;
    assert_eq!(amity["data"].as_array().unwrap().len(), 2);
    let one = expect(admin(app, Method::GET, "/requests?limit=1"), 200).await;
    assert_eq!(one["data"].as_array().unwrap().len(), 1);
    for bad in ["?limit=0", "?limit=1001", "?flavor=nope", "?color=red"] {
        expect(admin(app, Method::GET, &format!("/requests{bad}")), 422).await;
    }
    let cleared = expect(admin(app, Method::DELETE, "/requests"), 200).await;
    assert_eq!(cleared["removed"], 5);
}

#[tokio::test]
async fn the_journal_keeps_its_configured_size() {
    let app = e2e::spawn_app(&overlay_with("journal_size = 3")).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(ss_create(&app, SS_A).await);
    }
    let journal = expect(admin(&app, Method::GET, "/requests?limit=3"), 200).await;
    let entries = journal["data"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["id"], 5);
    assert_eq!(entries[2]["id"], 3);
    expect(admin(&app, Method::GET, "/requests?limit=4"), 422).await;
    // A body is kept up to 16 KiB: a longer one shows as its size only.
    let long = json!({"data": {"intent": "x".repeat(20_000)}});
    ss(app.client.post(app.url("/session-storage/session")), SS_A)
        .json(&long)
        .send()
        .await
        .unwrap();
    let journal = expect(admin(&app, Method::GET, "/requests?limit=1"), 200).await;
    assert_eq!(
        journal["data"][0]["request"]["body"],
        "(16384 bytes or more, not shown)"
    );
    let off = e2e::spawn_app(&overlay_with("journal_size = 0")).await;
    ss_create(&off, SS_A).await;
    let journal = expect(admin(&off, Method::GET, "/requests"), 200).await;
    assert_eq!(journal["data"], json!([]));
}
