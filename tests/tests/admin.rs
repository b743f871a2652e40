//! The admin API: bearer auth, run-time tenants stored in the store, and /metrics.

use e2e::{spawn_app, spawn_app_on_redis, spawn_app_with_clock, TestApp};
use serde_json::{json, Value};

const ADMIN: &str = "[admin]\ntoken = \"admin-token-0123456789\"\n";

fn bearer(app: &TestApp, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .bearer_auth("admin-token-0123456789")
}

#[tokio::test]
async fn admin_api_is_off_without_a_token() {
    let app = spawn_app("").await;
    let r = app
        .client
        .get(app.url("/admin/v1/tenants/amity-networks"))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn admin_api_refuses_a_wrong_or_missing_bearer() {
    let app = spawn_app(ADMIN).await;
    for auth in [None, Some("Bearer nope"), Some("admin-token-0123456789")] {
        let mut req = app.client.get(app.url("/admin/v1/tenants/amity-networks"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{auth:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
}

async fn tenants_round_trip(app: &TestApp) {
    let r = bearer(app, reqwest::Method::PUT, "/admin/v1/tenants/session-storage-clients")
        .json(&json!({"client_id": "rt-client", "client_secret": "rt-secret", "max_sessions_per_user": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["id"], "rt-client");
    assert_eq!(body["entry"]["client_secret"], "********");
    // An admin body is at most 64 KiB: over it, 422 `invalid_request` naming the limit.
    let r = bearer(
        app,
        reqwest::Method::PUT,
        "/admin/v1/tenants/session-storage-clients",
    )
    .json(&json!({"client_id": "big", "client_secret": "s".repeat(64 * 1024)}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_request");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("65536"),
        "{body}"
    );

    let r = bearer(
        app,
        reqwest::Method::PUT,
        "/admin/v1/tenants/quickblox-users",
    )
    .json(&json!({"application_id": 7, "login": "bob", "password": "bob-pass"}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["id"], "7:bob");

    let list: Value = bearer(
        app,
        reqwest::Method::GET,
        "/admin/v1/tenants/session-storage-clients",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("rt-secret"));

    let users: Value = bearer(
        app,
        reqwest::Method::GET,
        "/admin/v1/tenants/quickblox-users",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(
        !users.to_string().contains("bob-pass"),
        "plain passwords are never stored or shown"
    );

    let r = bearer(
        app,
        reqwest::Method::DELETE,
        "/admin/v1/tenants/session-storage-clients/rt-client",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 204);
    let r = bearer(
        app,
        reqwest::Method::DELETE,
        "/admin/v1/tenants/session-storage-clients/rt-client",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
    let r = bearer(app, reqwest::Method::GET, "/admin/v1/tenants/no-such-kind")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = bearer(
        app,
        reqwest::Method::PUT,
        "/admin/v1/tenants/amity-networks",
    )
    .json(&json!({"server_key": "x"}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    // A document its flavor could not use is refused, with the flavor's reason.
    for (kind, doc, reason) in [
        (
            "session-storage-clients",
            json!({"client_id": "c", "client_secret": ""}),
            "client_secret",
        ),
        (
            "amity-networks",
            json!({"api_key": "k", "server_key": "short"}),
            "server_key",
        ),
        (
            "quickblox-users",
            json!({"application_id": 7, "login": "nobody"}),
            "give exactly one of password and password_hash",
        ),
        (
            "quickblox-applications",
            json!({"application_id": 7}),
            "document",
        ),
        // Keys that no header could send as they are.
        (
            "amity-networks",
            json!({"api_key": "amity key "}),
            "api_key: must be 1-256 printable ASCII characters",
        ),
        (
            "quicksync-api-keys",
            json!({"key": "qs-clé"}),
            "key: must be 1-512 printable ASCII characters",
        ),
        // A run-time entry's id fields are at most 256 bytes (a stored key is named by them).
        (
            "quicksync-api-keys",
            json!({"key": "k".repeat(257)}),
            "`key` is longer than 256 bytes",
        ),
        (
            "quicksync-api-keys",
            json!({"key": "qs-key-2", "name": ""}),
            "name: must be 1-128 characters",
        ),
    ] {
        let r = bearer(
            app,
            reqwest::Method::PUT,
            &format!("/admin/v1/tenants/{kind}"),
        )
        .json(&doc)
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 422, "{kind}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_request", "{kind}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(reason), "{kind}: {message}");
    }
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_request"
    );
    let r = bearer(
        app,
        reqwest::Method::PUT,
        "/admin/v1/tenants/amity-networks",
    )
    .header("content-type", "application/json")
    .body("{not json")
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn memory_tenants_round_trip() {
    tenants_round_trip(&spawn_app(ADMIN).await).await;
}

#[tokio::test]
async fn redis_tenants_round_trip() {
    tenants_round_trip(&spawn_app_on_redis(ADMIN).await).await;
}

#[tokio::test]
async fn admin_session_handles_that_do_not_parse_are_404() {
    let app = spawn_app(ADMIN).await;
    for h in ["not-base64!", "AAAA", "bm8tbmV3bGluZQ"] {
        let r = bearer(
            &app,
            reqwest::Method::GET,
            &format!("/admin/v1/sessions/{h}"),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 404, "{h}");
    }
    let r = bearer(&app, reqwest::Method::GET, "/admin/v1/sessions?flavor=nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "an unknown flavor");
    let r = bearer(&app, reqwest::Method::DELETE, "/admin/v1/sessions?tenant=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "revoking needs a subject");
    for (page_size, status) in [(0, 422), (201, 422), (200, 200)] {
        let path = format!("/admin/v1/sessions?tenant=x&subject=y&page_size={page_size}");
        let r = bearer(&app, reqwest::Method::GET, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "page_size={page_size}");
        let body: Value = r.json().await.unwrap();
        if status == 422 {
            assert_eq!(body["error"]["code"], "invalid_request", "{body}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("page_size"),
                "{body}"
            );
        }
    }
    let r = bearer(
        &app,
        reqwest::Method::GET,
        "/admin/v1/sessions?tenant=x&subject=y",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"], json!([]));
    assert_eq!(body["next_page_token"], Value::Null);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app("").await;
    for _ in 0..3 {
        app.client.get(app.url("/healthz")).send().await.unwrap();
    }
    app.client.get(app.url("/nope")).send().await.unwrap();
    let text = app.get_text("/metrics").await;
    assert!(
        text.contains(r#"session_gateway_http_requests_total{flavor="gateway",route="/healthz",status="200"} 3"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(text.contains("session_gateway_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn metrics_label_a_request_with_the_pattern_of_the_resource_that_took_it() {
    use reqwest::Method;
    let app = spawn_app(ADMIN).await;
    let admin = "/admin/v1/tenants/amity-networks";
    for (method, path, with_bearer, status) in [
        // A flavor resource with a path parameter, its answer refused (no client credentials).
        (Method::GET, "/session-storage/sessions/abc", false, 401),
        // A method the resource does not take.
        (Method::PUT, "/api/v3/sessions", false, 405),
        // A path under a flavor's prefix that no resource takes.
        (Method::GET, "/api/v9/nothing", false, 404),
        // The admin API refusing a request before any of its resources takes it, then one taken.
        (Method::GET, admin, false, 401),
        (Method::GET, admin, true, 200),
    ] {
        let req = match with_bearer {
            true => bearer(&app, method, path),
            false => app.client.request(method, app.url(path)),
        };
        assert_eq!(req.send().await.unwrap().status(), status, "{path}");
    }

    let text = app.get_text("/metrics").await;
    for line in [
        r#"{flavor="session-storage",route="/session-storage/sessions/{id}",status="401"} 1"#,
        r#"{flavor="amity",route="/api/v3/sessions",status="405"} 1"#,
        r#"{flavor="gateway",route="unmatched",status="404"} 1"#,
        r#"{flavor="gateway",route="/admin/v1",status="401"} 1"#,
        r#"{flavor="gateway",route="/admin/v1/tenants/{kind}",status="200"} 1"#,
    ] {
        let counter = format!("session_gateway_http_requests_total{line}");
        assert!(text.contains(&counter), "{counter} in\n{text}");
    }
}

const TENANTS: &str = r#"
[admin]
token = "admin-token-0123456789"

[[session_storage.clients]]
client_id = "client-a"
client_secret = "secret-a"
user_id = "user-a"
"#;

async fn create_storage_session(app: &TestApp) -> String {
    let r = app
        .client
        .post(app.url("/session-storage/session"))
        .header("ClientID", "client-a")
        .header("ClientSecret", "secret-a")
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn sessions_listed_shown_and_revoked(app: &TestApp) {
    let ids = [
        create_storage_session(app).await,
        create_storage_session(app).await,
        create_storage_session(app).await,
    ];
    // Page through the subject's sessions two at a time.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut query = vec![
            ("tenant", "client-a".to_owned()),
            ("subject", "user-a".to_owned()),
            ("page_size", "2".to_owned()),
        ];
        if let Some(t) = &token {
            query.push(("page_token", t.clone()));
        }
        let page: Value = bearer(app, reqwest::Method::GET, "/admin/v1/sessions")
            .query(&query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for s in page["data"].as_array().unwrap() {
            assert_eq!(s["flavor"], "session-storage");
            assert_eq!(s["tenant"], "client-a");
            seen.push(s["handle"].as_str().unwrap().to_owned());
        }
        match page["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);

    let one: Value = bearer(
        app,
        reqwest::Method::GET,
        &format!("/admin/v1/sessions/{}", seen[0]),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(one["data"]["subject"], "user-a");
    assert!(
        !one.to_string().contains("token_hash"),
        "no secret material in the view"
    );

    let r = bearer(
        app,
        reqwest::Method::DELETE,
        &format!("/admin/v1/sessions/{}", seen[0]),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let r = bearer(app, reqwest::Method::DELETE, "/admin/v1/sessions")
        .query(&[("tenant", "client-a"), ("subject", "user-a")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["revoked"], 2);
    for id in ids {
        let r = app
            .client
            .get(app.url(&format!("/session-storage/sessions/{id}")))
            .header("ClientID", "client-a")
            .header("ClientSecret", "secret-a")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{id} revoked");
    }
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains(r#"session_gateway_sessions_created_total{flavor="session-storage"} 3"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"session_gateway_sessions_revoked_total{flavor="session-storage"} 3"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn memory_sessions_listed_shown_and_revoked() {
    sessions_listed_shown_and_revoked(&spawn_app(TENANTS).await).await;
}

#[tokio::test]
async fn redis_sessions_listed_shown_and_revoked() {
    sessions_listed_shown_and_revoked(&spawn_app_on_redis(TENANTS).await).await;
}

#[tokio::test]
async fn metrics_count_expired_sessions_by_flavor() {
    let (app, clock) = spawn_app_with_clock(TENANTS).await;
    let ids = [
        create_storage_session(&app).await,
        create_storage_session(&app).await,
        create_storage_session(&app).await,
    ];
    // Deleted before it expires: revoked, never expired.
    let r = app
        .client
        .delete(app.url(&format!("/session-storage/sessions/{}", ids[0])))
        .header("ClientID", "client-a")
        .header("ClientSecret", "secret-a")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert!(!app
        .get_text("/metrics")
        .await
        .contains("sessions_expired_total{"));

    // Past the default ttl (30 days): reads see them gone, and the next write to their owner
    // drops them, each counted once.
    clock.advance(chrono::Duration::days(31));
    for id in &ids {
        for _ in 0..2 {
            let r = app
                .client
                .get(app.url(&format!("/session-storage/sessions/{id}")))
                .header("ClientID", "client-a")
                .header("ClientSecret", "secret-a")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404, "{id}");
        }
    }
    create_storage_session(&app).await;
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains(r#"session_gateway_sessions_expired_total{flavor="session-storage"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"session_gateway_sessions_revoked_total{flavor="session-storage"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn metrics_report_the_memory_store_size_and_bound() {
    let app = spawn_app(&format!("{TENANTS}\n[store.memory]\nmax_sessions = 500\n")).await;
    create_storage_session(&app).await;
    create_storage_session(&app).await;
    let text = app.get_text("/metrics").await;
    assert!(
        text.contains("session_gateway_memory_store_sessions 2\n"),
        "{text}"
    );
    assert!(
        text.contains("session_gateway_memory_store_max_sessions 500\n"),
        "{text}"
    );
    let on_redis = spawn_app_on_redis(TENANTS).await.get_text("/metrics").await;
    assert!(!on_redis.contains("memory_store_sessions"), "{on_redis}");
}

/// Every route of the admin API and of testing mode (their route tables, which the document
/// lists): any other method answers 405 with `Allow` naming the route's methods, in the admin
/// error format; behind the bearer like the rest (401 first); a path no route takes is 404.
#[tokio::test]
async fn other_methods_on_admin_paths_are_405_with_allow_in_the_admin_format() {
    let app = spawn_app(&format!("{ADMIN}[testing]\nenabled = true\n")).await;
    let tables = gateway::admin::ROUTES
        .iter()
        .chain(gateway::testing::routes::ROUTES);
    let probed = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
    ];
    let mut refused = 0;
    for (pattern, methods) in tables {
        let path = ["{handle}", "{kind}", "{id}"]
            .iter()
            .fold(pattern.to_string(), |p, param| p.replace(param, "x"));
        for method in probed.iter().filter(|m| !methods.contains(m)) {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let r = bearer(&app, m, &path).send().await.unwrap();
            assert_eq!(r.status(), 405, "{method} {path}");
            assert_eq!(r.headers()["allow"], methods.join(", "), "{method} {path}");
            if *method != "HEAD" {
                let body: Value = r.json().await.unwrap();
                assert_eq!(
                    body["error"]["code"], "method_not_allowed",
                    "{method} {path}: {body}"
                );
                assert!(body["error"]["message"].is_string(), "{body}");
            }
            refused += 1;
        }
    }
    assert!(refused > 50, "{refused}");
    for path in ["/admin/v1/overview", "/admin/v1/testing/clock"] {
        let r = app
            .client
            .request(reqwest::Method::TRACE, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{path}");
    }
    for path in ["/admin/v1/nothing", "/admin/v1/testing/nothing"] {
        let r = bearer(&app, reqwest::Method::TRACE, path)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    app.stop().await;
}
