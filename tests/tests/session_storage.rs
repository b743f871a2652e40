//! Black-box tests of the session-storage flavor over HTTP, on the memory store and on Redis.
//! Every scenario runs on both backends (`<scenario>::memory`, `<scenario>::redis`); scenarios
//! that move a settable clock run on memory only.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use e2e::{spawn_app, spawn_app_with_clock, TestApp};
use futures_util::future::join_all;
use reqwest::{RequestBuilder, Response};
use serde_json::{json, Value};
use session_core::Clock;

const WS_URL: &str = "wss://ws.test.invalid/streaming";
const WEBRTC_URL: &str = "wss://rtc.test.invalid";

/// Clients: `a` (limit 5, user `test-user`), `b`, `c` (shares a's user id), `conc` (limit 7),
/// `evict` (limit 3, evict-oldest), `big` (limit 1000).
const A: (&str, &str) = ("client-a", "secret-a");
const B: (&str, &str) = ("client-b", "secret-b");
const C: (&str, &str) = ("client-c", "secret-c");
const CONC: (&str, &str) = ("client-conc", "secret-conc");
const EVICT: (&str, &str) = ("client-evict", "secret-evict");
const BIG: (&str, &str) = ("client-big", "secret-big");

/// The test configuration; `section_extra` goes into `[session_storage]`, or, when it starts with
/// `[`, before it as tables of their own.
fn overlay(section_extra: &str) -> String {
    let (tables, section_extra) = if section_extra.starts_with('[') {
        (section_extra, "")
    } else {
        ("", section_extra)
    };
    format!(
        r#"
{tables}

[flavors]
enabled = ["session-storage"]

[session_storage]
ws_url = "{WS_URL}"
webrtc_url = "{WEBRTC_URL}"
{section_extra}

[[session_storage.clients]]
client_id = "client-a"
client_secret = "secret-a"
max_sessions_per_user = 5
user_id = "test-user"

[[session_storage.clients]]
client_id = "client-b"
client_secret = "secret-b"

[[session_storage.clients]]
client_id = "client-c"
client_secret = "secret-c"
user_id = "test-user"

[[session_storage.clients]]
client_id = "client-conc"
client_secret = "secret-conc"
max_sessions_per_user = 7

[[session_storage.clients]]
client_id = "client-evict"
client_secret = "secret-evict"
max_sessions_per_user = 3
limit_policy = "evict-oldest"

[[session_storage.clients]]
client_id = "client-big"
client_secret = "secret-big"
max_sessions_per_user = 1000
"#
    )
}

// ---------------------------------------------------------------------------------------------
// helpers

fn with(rb: RequestBuilder, (id, secret): (&str, &str)) -> RequestBuilder {
    rb.header("ClientID", id).header("ClientSecret", secret)
}

async fn create_raw(app: &TestApp, client: (&str, &str), body: Value) -> Response {
    with(app.client.post(app.url("/session-storage/session")), client)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Creates a session and returns the create response's `data`.
async fn create(app: &TestApp, client: (&str, &str)) -> Value {
    let r = create_raw(app, client, json!({"data": {}})).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["ok"], true);
    body["data"].clone()
}

async fn create_id(app: &TestApp, client: (&str, &str)) -> String {
    create(app, client).await["id"].as_str().unwrap().to_owned()
}

async fn get(app: &TestApp, client: (&str, &str), id: &str) -> Response {
    with(
        app.client
            .get(app.url(&format!("/session-storage/sessions/{id}"))),
        client,
    )
    .send()
    .await
    .unwrap()
}

async fn delete(app: &TestApp, client: (&str, &str), id: &str) -> Response {
    with(
        app.client
            .delete(app.url(&format!("/session-storage/sessions/{id}"))),
        client,
    )
    .send()
    .await
    .unwrap()
}

async fn extend(app: &TestApp, client: (&str, &str), id: &str, query: &str) -> Response {
    with(
        app.client
            .post(app.url(&format!("/session-storage/sessions/{id}{query}"))),
        client,
    )
    .send()
    .await
    .unwrap()
}

async fn list(app: &TestApp, client: (&str, &str), query: &str) -> Response {
    with(
        app.client
            .get(app.url(&format!("/session-storage/sessions{query}"))),
        client,
    )
    .send()
    .await
    .unwrap()
}

/// Every id of `client`'s listing, walked with `page_size`.
async fn walk(app: &TestApp, client: (&str, &str), page_size: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let q = match &token {
            Some(t) => format!("?page_size={page_size}&page_token={t}"),
            None => format!("?page_size={page_size}"),
        };
        let r = list(app, client, &q).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        let page = body["data"].as_array().unwrap();
        assert!(page.len() <= page_size);
        ids.extend(page.iter().map(|s| s["id"].as_str().unwrap().to_owned()));
        match body["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => {
                assert!(body["next_page_token"].is_null());
                return ids;
            }
        }
    }
}

/// Asserts the flavor's error body and returns its first entry.
async fn assert_error(r: Response, status: u16, code: &str, instance: &str) -> Value {
    assert_eq!(r.status(), status, "expected {status} {code}");
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/json"), "{ct}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["ok"], false, "{body}");
    let e = &body["errors"][0];
    assert_eq!(e["status"], status, "{body}");
    assert_eq!(e["error_code"], code, "{body}");
    assert_eq!(e["instance"], instance, "{body}");
    assert!(e["title"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
    assert!(
        e["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(e["type"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
    e.clone()
}

fn parse_ts(v: &Value) -> DateTime<Utc> {
    let s = v.as_str().unwrap();
    assert!(s.ends_with('Z') && !s.contains('.'), "{s}");
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn is_own_id(id: &str, user: &str) -> bool {
    let parts: Vec<&str> = id.split('.').collect();
    parts.len() == 3
        && parts[0] == user
        && parts[1..].iter().all(|p| {
            p.len() == 8
                && p.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        })
}

// ---------------------------------------------------------------------------------------------
// create / get / delete

async fn create_answers_201_with_tokens_and_configured_urls(app: &TestApp) {
    let d = create(app, A).await;
    let id = d["id"].as_str().unwrap();
    assert!(is_own_id(id, "test-user"), "{id}");
    assert!(d["publisher"].as_str().unwrap().len() > 43);
    assert_eq!(d["subscriber"], json!([]));
    assert_eq!(d["webrtc_url"], WEBRTC_URL);
    assert_eq!(d["ws_url"], WS_URL);
    assert_eq!(d["intent"], "api");
    assert_eq!(d["webrtc_room_name"], id);
    let created = parse_ts(&d["created_at"]);
    assert_eq!(
        parse_ts(&d["expires_at"]) - created,
        chrono::Duration::days(30)
    );

    let r = create_raw(
        app,
        A,
        json!({"data": {"subscriber_count": 3, "intent": "broadcaster",
                        "publisher_count": 1, "publisher_can_subscribe": true}}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let d: Value = r.json().await.unwrap();
    let d = &d["data"];
    let subs: HashSet<&str> = d["subscriber"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(subs.len(), 3);
    assert!(!subs.contains(d["publisher"].as_str().unwrap()));
    assert_eq!(d["intent"], "broadcaster");

    // A client whose user id is not configured gets a UUID user part.
    let id = create_id(app, B).await;
    let user = id.split('.').next().unwrap();
    assert!(uuid::Uuid::parse_str(user).is_ok(), "{id}");
    assert!(is_own_id(&id, user));
}
on_both_stores!(overlay("") => create_answers_201_with_tokens_and_configured_urls);

async fn get_shows_the_session_without_its_tokens(app: &TestApp) {
    let created = create(app, A).await;
    let id = created["id"].as_str().unwrap();
    let r = get(app, A, id).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let data = body["data"].as_object().unwrap();
    let mut keys: Vec<&str> = data.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "expires_at", "id", "updated_at"]);
    assert_eq!(data["id"], id);
    assert_eq!(data["created_at"], created["created_at"]);
    assert_eq!(data["updated_at"], created["created_at"]);
    assert_eq!(data["expires_at"], created["expires_at"]);
    assert!(!body
        .to_string()
        .contains(created["publisher"].as_str().unwrap()));
}
on_both_stores!(overlay("") => get_shows_the_session_without_its_tokens);

async fn delete_answers_204_then_404(app: &TestApp) {
    let id = create_id(app, A).await;
    let r = delete(app, A, &id).await;
    assert_eq!(r.status(), 204);
    assert!(r.bytes().await.unwrap().is_empty());
    let path = format!("/session-storage/sessions/{id}");
    assert_error(get(app, A, &id).await, 404, "SESSION_NOT_FOUND", &path).await;
    assert_error(delete(app, A, &id).await, 404, "SESSION_NOT_FOUND", &path).await;
    assert_error(
        extend(app, A, &id, "?ttl_seconds=600").await,
        404,
        "SESSION_NOT_FOUND",
        &path,
    )
    .await;
    for unknown in ["test-user.00000000.00000000", "nonsense", "test-user.zz.zz"] {
        let path = format!("/session-storage/sessions/{unknown}");
        assert_error(get(app, A, unknown).await, 404, "SESSION_NOT_FOUND", &path).await;
    }
}
on_both_stores!(overlay("") => delete_answers_204_then_404);

// ---------------------------------------------------------------------------------------------
// credentials and isolation

async fn every_endpoint_requires_credentials(app: &TestApp) {
    let id = create_id(app, A).await;
    let endpoints = [
        ("POST", "/session-storage/session".to_owned()),
        ("GET", "/session-storage/sessions".to_owned()),
        ("GET", format!("/session-storage/sessions/{id}")),
        ("DELETE", format!("/session-storage/sessions/{id}")),
        ("POST", format!("/session-storage/sessions/{id}")),
    ];
    for (method, path) in &endpoints {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let req = || {
            app.client
                .request(m.clone(), app.url(path))
                .json(&json!({"data": {}}))
        };
        let r = req().send().await.unwrap();
        assert_error(r, 401, "MISSING_CREDENTIALS", path).await;
        let r = req().header("ClientID", A.0).send().await.unwrap();
        assert_error(r, 401, "MISSING_CREDENTIALS", path).await;
        let r = req().header("ClientSecret", A.1).send().await.unwrap();
        assert_error(r, 401, "MISSING_CREDENTIALS", path).await;
        let r = req()
            .header("ClientID", A.0)
            .header("ClientSecret", "secret-b")
            .send()
            .await
            .unwrap();
        assert_error(r, 401, "INVALID_CREDENTIALS", path).await;
        let r = req()
            .header("ClientID", "no-such-client")
            .header("ClientSecret", A.1)
            .send()
            .await
            .unwrap();
        assert_error(r, 401, "INVALID_CREDENTIALS", path).await;
        let r = req()
            .header("ClientID", A.0)
            .header("ClientSecret", "secret-a-but-longer")
            .send()
            .await
            .unwrap();
        assert_error(r, 401, "INVALID_CREDENTIALS", path).await;
    }
    // The session is untouched by all of that.
    assert_eq!(get(app, A, &id).await.status(), 200);
}
on_both_stores!(overlay("") => every_endpoint_requires_credentials);

async fn header_names_are_case_insensitive(app: &TestApp) {
    for (id_header, secret_header) in [
        ("ClientId", "ClientSecret"),
        ("clientid", "clientsecret"),
        ("CLIENTID", "CLIENTSECRET"),
    ] {
        let r = app
            .client
            .get(app.url("/session-storage/sessions"))
            .header(id_header, A.0)
            .header(secret_header, A.1)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{id_header}");
    }
}
on_both_stores!(overlay("") => header_names_are_case_insensitive);

async fn clients_never_see_each_others_sessions(app: &TestApp) {
    let id = create_id(app, A).await;
    let path = format!("/session-storage/sessions/{id}");
    // B has another user part; C shares A's user part but not its partition.
    for other in [B, C] {
        assert_error(get(app, other, &id).await, 404, "SESSION_NOT_FOUND", &path).await;
        assert_error(
            delete(app, other, &id).await,
            404,
            "SESSION_NOT_FOUND",
            &path,
        )
        .await;
        assert_error(
            extend(app, other, &id, "?ttl_seconds=600").await,
            404,
            "SESSION_NOT_FOUND",
            &path,
        )
        .await;
        assert!(!walk(app, other, 100).await.contains(&id));
    }
    let c_id = create_id(app, C).await;
    assert!(is_own_id(&c_id, "test-user"));
    assert_eq!(get(app, A, &c_id).await.status(), 404);
    assert_eq!(walk(app, A, 100).await, vec![id.clone()]);
    assert_eq!(walk(app, C, 100).await, [c_id]);
    let r: Value = get(app, A, &id).await.json().await.unwrap();
    assert_eq!(r["data"]["id"], id);
}
on_both_stores!(overlay("") => clients_never_see_each_others_sessions);

/// A client added at run time (admin API → the store's `session_storage.clients`) works at
/// once on every replica, and removing it revokes it at once.
async fn run_time_clients_work_and_are_revocable(app: &TestApp) {
    let admin = |rb: RequestBuilder| rb.bearer_auth("admin-token-for-tests");
    let rt = ("rt-client", "rt-secret-0123");
    assert_eq!(list(app, rt, "").await.status(), 401);
    let r = admin(
        app.client
            .put(app.url("/admin/v1/tenants/session-storage-clients")),
    )
    .json(&json!({"client_id": rt.0, "client_secret": rt.1,
                  "max_sessions_per_user": 2, "user_id": "rt-user"}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let id = create_id(app, rt).await;
    assert!(is_own_id(&id, "rt-user"), "{id}");
    create(app, rt).await;
    // Its own limit applies.
    let r = create_raw(app, rt, json!({"data": {}})).await;
    assert_error(r, 409, "SESSION_LIMIT_REACHED", "/session-storage/session").await;
    let r = list(app, (rt.0, "wrong"), "").await;
    assert_error(r, 401, "INVALID_CREDENTIALS", "/session-storage/sessions").await;
    // Configured clients still see nothing of it.
    assert_eq!(get(app, A, &id).await.status(), 404);
    let r = admin(
        app.client
            .delete(app.url("/admin/v1/tenants/session-storage-clients/rt-client")),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 204);
    let r = list(app, rt, "").await;
    assert_error(r, 401, "INVALID_CREDENTIALS", "/session-storage/sessions").await;
}
on_both_stores!(overlay("[admin]\ntoken = \"admin-token-for-tests\"") => run_time_clients_work_and_are_revocable);

// ---------------------------------------------------------------------------------------------
// listing

async fn listing_pages_in_creation_order(app: &TestApp) {
    let r = list(app, A, "").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"ok": true, "data": [], "next_page_token": null})
    );
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(create(app, A).await);
        // Creation order is kept to the millisecond.
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let ids: Vec<String> = created
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    let r: Value = list(app, A, "").await.json().await.unwrap();
    assert!(r["next_page_token"].is_null());
    let page = r["data"].as_array().unwrap();
    assert_eq!(page.len(), 5);
    for (item, d) in page.iter().zip(&created) {
        assert_eq!(item["id"], d["id"]);
        assert_eq!(item["created_at"], d["created_at"]);
        assert_eq!(item["expires_at"], d["expires_at"]);
    }
    for size in [1, 2, 3, 5, 100] {
        assert_eq!(walk(app, A, size).await, ids, "page_size={size}");
    }
    let r: Value = list(app, A, "?page_size=2").await.json().await.unwrap();
    assert_eq!(r["data"].as_array().unwrap().len(), 2);
    let token = r["next_page_token"].as_str().unwrap();
    let r: Value = list(app, A, &format!("?page_size=3&page_token={token}"))
        .await
        .json()
        .await
        .unwrap();
    let rest: Vec<&str> = r["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(rest, ids[2..]);
    assert!(r["next_page_token"].is_null());
    // Empty parameters count as absent.
    let r = list(app, A, "?page_size=&page_token=").await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["data"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}
on_both_stores!(overlay("") => listing_pages_in_creation_order);

async fn bad_page_sizes_and_tokens_answer_422(app: &TestApp) {
    for _ in 0..3 {
        create(app, A).await;
    }
    let path = "/session-storage/sessions";
    for q in [
        "?page_size=0",
        "?page_size=101",
        "?page_size=abc",
        "?page_size=-1",
        "?page_size=1.5",
    ] {
        let e = assert_error(list(app, A, q).await, 422, "VALIDATION_ERROR", path).await;
        assert!(e["detail"].as_str().unwrap().contains("page_size"), "{e}");
        assert!(e["detail"].as_str().unwrap().contains("100"), "{e}");
    }
    let r: Value = list(app, A, "?page_size=1").await.json().await.unwrap();
    let token = r["next_page_token"].as_str().unwrap().to_owned();
    let (payload, tag) = token.rsplit_once('.').unwrap();
    let mut flipped = payload.as_bytes().to_vec();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for bad in [
        format!("{flipped}.{tag}"),
        format!("{payload}.{}", "0".repeat(tag.len())),
        payload.to_owned(),
        "garbage".to_owned(),
        "x".repeat(2000),
    ] {
        let e = assert_error(
            list(app, A, &format!("?page_token={bad}")).await,
            422,
            "INVALID_PAGE_TOKEN",
            path,
        )
        .await;
        assert!(e["detail"].as_str().unwrap().contains("page_token"));
    }
    // Another client's token is refused, even by a client sharing the user part.
    for other in [B, C] {
        assert_error(
            list(app, other, &format!("?page_token={token}")).await,
            422,
            "INVALID_PAGE_TOKEN",
            path,
        )
        .await;
    }
    assert_eq!(
        list(app, A, &format!("?page_token={token}")).await.status(),
        200
    );
    assert_error(
        list(app, A, "?page_size=1&page_size=2").await,
        422,
        "VALIDATION_ERROR",
        path,
    )
    .await;
}
on_both_stores!(overlay("") => bad_page_sizes_and_tokens_answer_422);

/// A page_size=1 walk sees every session that stays live throughout exactly once while others
/// are created and deleted concurrently.
async fn walk_sees_every_live_session_once_under_concurrent_writes(app: &TestApp) {
    const INITIAL: usize = 30;
    const WRITES: usize = 40;
    let initial: Vec<String> = join_all((0..INITIAL).map(|_| create_id(app, BIG))).await;
    // Every third initial session is deleted during the walk; the others stay live.
    let doomed: Vec<String> = initial.iter().step_by(3).cloned().collect();
    let stable: HashSet<String> = initial
        .iter()
        .filter(|id| !doomed.contains(id))
        .cloned()
        .collect();

    let walker = async {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let q = match &token {
                Some(t) => format!("?page_size=1&page_token={t}"),
                None => "?page_size=1".to_owned(),
            };
            let body: Value = list(app, BIG, &q).await.json().await.unwrap();
            for s in body["data"].as_array().unwrap() {
                seen.push(s["id"].as_str().unwrap().to_owned());
            }
            match body["next_page_token"].as_str() {
                Some(t) => token = Some(t.to_owned()),
                None => return seen,
            }
        }
    };
    let writer = async {
        let mut created = Vec::new();
        let mut deleted = Vec::new();
        for i in 0..WRITES {
            created.push(create_id(app, BIG).await);
            if i % 2 == 1 {
                // Delete a session created during the walk...
                let victim = created[i - 1].clone();
                assert_eq!(delete(app, BIG, &victim).await.status(), 204);
                deleted.push(victim);
            }
            if let Some(victim) = doomed.get(i) {
                // ...and one of the initial ones.
                assert_eq!(delete(app, BIG, victim).await.status(), 204);
            }
        }
        (created, deleted)
    };
    let (seen, (created, deleted)) = tokio::join!(walker, writer);

    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in &seen {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    assert!(counts.values().all(|n| *n == 1), "an id was seen twice");
    for id in &stable {
        assert_eq!(counts.get(id.as_str()), Some(&1), "{id} missed");
    }
    let known: HashSet<&String> = initial.iter().chain(&created).collect();
    assert!(seen.iter().all(|id| known.contains(id)));

    // At rest, the listing is exactly what is live.
    let mut expected: Vec<String> = stable.into_iter().collect();
    expected.extend(created.into_iter().filter(|id| !deleted.contains(id)));
    expected.sort();
    let mut now = walk(app, BIG, 7).await;
    now.sort();
    assert_eq!(now.len(), INITIAL - doomed.len() + WRITES / 2);
    assert_eq!(now, expected);
}
on_both_stores!(overlay("") => walk_sees_every_live_session_once_under_concurrent_writes);

// ---------------------------------------------------------------------------------------------
// per-user limit

async fn the_limit_refuses_at_max(app: &TestApp) {
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(create_id(app, A).await);
    }
    let r = create_raw(app, A, json!({"data": {}})).await;
    let e = assert_error(r, 409, "SESSION_LIMIT_REACHED", "/session-storage/session").await;
    assert!(e["detail"].as_str().unwrap().contains('5'));
    // Deleting one makes room for exactly one.
    assert_eq!(delete(app, A, &ids[0]).await.status(), 204);
    create(app, A).await;
    assert_eq!(create_raw(app, A, json!({"data": {}})).await.status(), 409);
    assert_eq!(walk(app, A, 100).await.len(), 5);
}
on_both_stores!(overlay("") => the_limit_refuses_at_max);

async fn the_limit_holds_exactly_under_concurrent_creates(app: &TestApp) {
    let responses = join_all((0..40).map(|_| create_raw(app, CONC, json!({"data": {}})))).await;
    let mut by_status: HashMap<u16, usize> = HashMap::new();
    for r in responses {
        let status = r.status().as_u16();
        *by_status.entry(status).or_default() += 1;
        if status == 409 {
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["errors"][0]["error_code"], "SESSION_LIMIT_REACHED");
        }
    }
    assert_eq!(by_status, HashMap::from([(201, 7), (409, 33)]));
    assert_eq!(walk(app, CONC, 100).await.len(), 7);
}
on_both_stores!(overlay("") => the_limit_holds_exactly_under_concurrent_creates);

async fn evict_oldest_keeps_the_newest(app: &TestApp) {
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(create_id(app, EVICT).await);
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    assert_eq!(walk(app, EVICT, 100).await, ids[2..]);
    assert_eq!(get(app, EVICT, &ids[0]).await.status(), 404);

    let responses = join_all((0..30).map(|_| create_raw(app, EVICT, json!({"data": {}})))).await;
    let mut fresh = HashSet::new();
    for r in responses {
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        fresh.insert(body["data"]["id"].as_str().unwrap().to_owned());
    }
    let live = walk(app, EVICT, 100).await;
    assert_eq!(live.len(), 3);
    assert!(live.iter().all(|id| fresh.contains(id)));
}
on_both_stores!(overlay("") => evict_oldest_keeps_the_newest);

#[tokio::test]
async fn the_limit_status_can_be_429_on_memory() {
    let app = spawn_app(&overlay("limit_status = 429")).await;
    for _ in 0..5 {
        create(&app, A).await;
    }
    let r = create_raw(&app, A, json!({"data": {}})).await;
    assert_error(r, 429, "SESSION_LIMIT_REACHED", "/session-storage/session").await;
}

#[tokio::test]
async fn the_section_policy_can_evict_on_memory() {
    let app = spawn_app(&overlay("limit_policy = \"evict-oldest\"")).await;
    for _ in 0..7 {
        create(&app, A).await;
    }
    assert_eq!(walk(&app, A, 100).await.len(), 5);
}

// ---------------------------------------------------------------------------------------------
// TTL

async fn extend_moves_expiry_by_query_or_body(app: &TestApp) {
    let id = create_id(app, A).await;
    let expires = |v: Value| parse_ts(&v["data"]["expires_at"]);
    let r = extend(app, A, &id, "?ttl_seconds=120").await;
    assert_eq!(r.status(), 204);
    assert!(r.bytes().await.unwrap().is_empty());
    let body: Value = get(app, A, &id).await.json().await.unwrap();
    let delta = (expires(body.clone()) - Utc::now()).num_seconds();
    assert!((117..=121).contains(&delta), "{delta}");
    assert_ne!(body["data"]["updated_at"], Value::Null);

    let path = format!("/session-storage/sessions/{id}");
    let r = with(app.client.post(app.url(&path)), A)
        .json(&json!({"data": {"ttl_seconds": 31_536_000}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let body: Value = get(app, A, &id).await.json().await.unwrap();
    let delta = (expires(body) - Utc::now()).num_seconds();
    assert!((31_535_997..=31_536_001).contains(&delta), "{delta}");

    // Query and body together must agree.
    let r = with(
        app.client.post(app.url(&format!("{path}?ttl_seconds=600"))),
        A,
    )
    .json(&json!({"data": {"ttl_seconds": 600}}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 204);
}
on_both_stores!(overlay("") => extend_moves_expiry_by_query_or_body);

async fn bad_ttls_answer_422(app: &TestApp) {
    let id = create_id(app, A).await;
    let path = format!("/session-storage/sessions/{id}");
    for q in [
        "",
        "?ttl_seconds=",
        "?ttl_seconds=59",
        "?ttl_seconds=31536001",
        "?ttl_seconds=abc",
        "?ttl_seconds=-1",
        "?ttl_seconds=99999999999999999999999",
        "?ttl_seconds=60&ttl_seconds=70",
    ] {
        let e = assert_error(extend(app, A, &id, q).await, 422, "VALIDATION_ERROR", &path).await;
        assert!(
            e["detail"].as_str().unwrap().contains("ttl_seconds"),
            "{q}: {e}"
        );
    }
    let e = assert_error(
        extend(app, A, &id, "?ttl_seconds=1").await,
        422,
        "VALIDATION_ERROR",
        &path,
    )
    .await;
    assert!(
        e["detail"].as_str().unwrap().contains("60 to 31536000"),
        "{e}"
    );
    for body in [
        json!({"data": {"ttl_seconds": "600"}}),
        json!({"data": {"ttl_seconds": 30}}),
        json!({"data": {"ttl_seconds": 600.5}}),
        json!({"data": {}}),
        json!({"data": []}),
        json!([600]),
    ] {
        let r = with(app.client.post(app.url(&path)), A)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_error(r, 422, "VALIDATION_ERROR", &path).await;
    }
    let r = with(
        app.client.post(app.url(&format!("{path}?ttl_seconds=600"))),
        A,
    )
    .json(&json!({"data": {"ttl_seconds": 700}}))
    .send()
    .await
    .unwrap();
    assert_error(r, 422, "VALIDATION_ERROR", &path).await;
    // The bad input changed nothing.
    let body: Value = get(app, A, &id).await.json().await.unwrap();
    assert_eq!(body["data"]["updated_at"], body["data"]["created_at"]);
}
on_both_stores!(overlay("") => bad_ttls_answer_422);

async fn sessions_vanish_at_expiry(app: &TestApp) {
    // min_ttl_seconds = 1 in this scenario's overlay.
    let r = create_raw(app, A, json!({"data": {"ttl_seconds": 1}})).await;
    assert_eq!(r.status(), 201);
    let short: Value = r.json().await.unwrap();
    let short = short["data"]["id"].as_str().unwrap().to_owned();
    let kept = create_id(app, A).await;
    let extended = create_id(app, A).await;
    assert_eq!(
        extend(app, A, &extended, "?ttl_seconds=1").await.status(),
        204
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    for gone in [&short, &extended] {
        assert_eq!(get(app, A, gone).await.status(), 404);
        assert_eq!(delete(app, A, gone).await.status(), 404);
        assert_eq!(extend(app, A, gone, "?ttl_seconds=60").await.status(), 404);
    }
    assert_eq!(walk(app, A, 1).await, [kept]);
}
on_both_stores!(overlay("min_ttl_seconds = 1") => sessions_vanish_at_expiry);

#[tokio::test]
async fn expiry_follows_the_clock_exactly_on_memory() {
    let (app, clock) = spawn_app_with_clock(&overlay("")).await;
    let d = create(&app, A).await;
    let id = d["id"].as_str().unwrap().to_owned();
    let expires = parse_ts(&d["expires_at"]);
    assert_eq!(
        expires - parse_ts(&d["created_at"]),
        chrono::Duration::days(30)
    );

    clock.advance(chrono::Duration::days(30) - chrono::Duration::seconds(2));
    assert_eq!(get(&app, A, &id).await.status(), 200);
    // Extending moves expiry to exactly now + N.
    assert_eq!(extend(&app, A, &id, "?ttl_seconds=600").await.status(), 204);
    let now = clock.now();
    let body: Value = get(&app, A, &id).await.json().await.unwrap();
    assert_eq!(
        body["data"]["expires_at"],
        (now + chrono::Duration::seconds(600)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    assert_eq!(
        body["data"]["updated_at"],
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    clock.advance(chrono::Duration::seconds(599));
    assert_eq!(get(&app, A, &id).await.status(), 200);
    clock.advance(chrono::Duration::seconds(2));
    assert_eq!(get(&app, A, &id).await.status(), 404);
    assert!(walk(&app, A, 10).await.is_empty());

    // Expired sessions no longer count towards the limit.
    for _ in 0..5 {
        create(&app, A).await;
    }
    clock.advance(chrono::Duration::days(31));
    for _ in 0..5 {
        create(&app, A).await;
    }
    assert_eq!(walk(&app, A, 2).await.len(), 5);
}

// ---------------------------------------------------------------------------------------------
// bad bodies and routes

async fn bad_create_bodies_get_clear_errors(app: &TestApp) {
    let path = "/session-storage/session";
    let post = || with(app.client.post(app.url(path)), A);

    let r = post()
        .header("content-type", "application/json")
        .body("{\"data\": ")
        .send()
        .await
        .unwrap();
    let e = assert_error(r, 400, "MALFORMED_JSON", path).await;
    assert!(e["detail"].as_str().unwrap().contains("line 1"), "{e}");

    let r = post()
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "EMPTY_BODY", path).await;

    let r = post()
        .header("content-type", "text/plain")
        .body("{\"data\": {}}")
        .send()
        .await
        .unwrap();
    assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE", path).await;

    let r = post()
        .header("content-type", "application/x-www-form-urlencoded")
        .body("data=1")
        .send()
        .await
        .unwrap();
    assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE", path).await;

    let huge = json!({"data": {}, "pad": "x".repeat(70_000)});
    let r = post().json(&huge).send().await.unwrap();
    let e = assert_error(r, 413, "PAYLOAD_TOO_LARGE", path).await;
    assert!(e["detail"].as_str().unwrap().contains("65536"), "{e}");

    for (body, field) in [
        (
            json!({"data": {"subscriber_count": "3"}}),
            "data.subscriber_count",
        ),
        (
            json!({"data": {"subscriber_count": 11}}),
            "data.subscriber_count",
        ),
        (
            json!({"data": {"subscriber_count": -1}}),
            "data.subscriber_count",
        ),
        (json!({"data": {"intent": "tv"}}), "data.intent"),
        (json!({"data": {"intent": "x".repeat(5000)}}), "data.intent"),
        (
            json!({"data": {"publisher_count": 2}}),
            "data.publisher_count",
        ),
        (
            json!({"data": {"publisher_can_subscribe": "yes"}}),
            "data.publisher_can_subscribe",
        ),
        (json!({"data": {"ttl_seconds": 10}}), "data.ttl_seconds"),
        (json!({"data": "x"}), "data"),
        (json!([1, 2]), "body"),
        (json!("text"), "body"),
    ] {
        let r = post().json(&body).send().await.unwrap();
        let e = assert_error(r, 422, "VALIDATION_ERROR", path).await;
        let detail = e["detail"].as_str().unwrap();
        assert!(detail.starts_with(&format!("{field}:")), "{detail}");
        assert!(detail.len() < 200, "{detail}");
    }
    // Every bad field is reported.
    let r = post()
        .json(&json!({"data": {"subscriber_count": 99, "intent": "tv"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"].as_array().unwrap().len(), 2);

    // Nothing above created a session.
    assert!(walk(app, A, 100).await.is_empty());

    // Lenient: no content type, charset parameters, `{}` and unknown fields are accepted.
    let r = post().body("{\"data\": {}}").send().await.unwrap();
    assert_eq!(r.status(), 201);
    let r = post()
        .header("content-type", "application/json; charset=utf-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = post()
        .json(&json!({"data": {"future_field": 1}, "meta": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}
on_both_stores!(overlay("") => bad_create_bodies_get_clear_errors);

async fn bad_extend_bodies_get_clear_errors(app: &TestApp) {
    let id = create_id(app, A).await;
    let path = format!("/session-storage/sessions/{id}");
    let post = || with(app.client.post(app.url(&path)), A);
    let r = post()
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "MALFORMED_JSON", &path).await;
    let r = post()
        .header("content-type", "text/plain")
        .body("600")
        .send()
        .await
        .unwrap();
    assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE", &path).await;
    let r = post()
        .json(&json!({"data": {"ttl_seconds": 600}, "pad": "x".repeat(70_000)}))
        .send()
        .await
        .unwrap();
    assert_error(r, 413, "PAYLOAD_TOO_LARGE", &path).await;
}
on_both_stores!(overlay("") => bad_extend_bodies_get_clear_errors);

async fn unknown_routes_and_methods_answer_in_the_flavor_format(app: &TestApp) {
    let r = with(app.client.get(app.url("/session-storage/nope")), A)
        .send()
        .await
        .unwrap();
    assert_error(r, 404, "ROUTE_NOT_FOUND", "/session-storage/nope").await;
    let r = with(app.client.get(app.url("/session-storage/session")), A)
        .send()
        .await
        .unwrap();
    assert_error(r, 405, "METHOD_NOT_ALLOWED", "/session-storage/session").await;
    let r = with(app.client.put(app.url("/session-storage/sessions/x")), A)
        .send()
        .await
        .unwrap();
    assert_error(r, 405, "METHOD_NOT_ALLOWED", "/session-storage/sessions/x").await;
    let r = with(app.client.delete(app.url("/session-storage/sessions")), A)
        .send()
        .await
        .unwrap();
    assert_error(r, 405, "METHOD_NOT_ALLOWED", "/session-storage/sessions").await;
}
on_both_stores!(overlay("") => unknown_routes_and_methods_answer_in_the_flavor_format);

/// With Redis unreachable every call answers 503 in the flavor's format, quickly.
#[tokio::test]
async fn an_unreachable_store_answers_503_on_redis() {
    let app = e2e::spawn_app_on_absent_redis(&overlay("")).await;
    let started = std::time::Instant::now();
    let r = create_raw(&app, A, json!({"data": {}})).await;
    assert_error(r, 503, "STORE_UNAVAILABLE", "/session-storage/session").await;
    let r = list(&app, A, "").await;
    assert_error(r, 503, "STORE_UNAVAILABLE", "/session-storage/sessions").await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

// ---------------------------------------------------------------------------------------------
// the official Python client

async fn palabra_ai_client_creates_and_deletes(app: &TestApp) {
    if std::env::var("SG_SKIP_CLIENT_E2E").as_deref() == Ok("1") {
        eprintln!("SKIPPED: palabra-ai client e2e (SG_SKIP_CLIENT_E2E=1)");
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("session-storage-e2e");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.is_file(),
        "the palabra-ai client is not installed; run:\n  python3 -m venv tests/session-storage-e2e/.venv\n  \
         tests/session-storage-e2e/.venv/bin/pip install -r tests/session-storage-e2e/requirements.txt\n\
         (or set SG_SKIP_CLIENT_E2E=1 to skip)"
    );
    let run = tokio::process::Command::new(&python)
        .arg(dir.join("create_delete.py"))
        .arg(&app.address)
        .env("SS_CLIENT_ID", A.0)
        .env("SS_CLIENT_SECRET", A.1)
        .env("SS_WS_URL", WS_URL)
        .env("SS_WEBRTC_URL", WEBRTC_URL)
        .env_remove("PALABRA_CLIENT_ID")
        .env_remove("PALABRA_CLIENT_SECRET")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the client script did not finish in 120 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "client script failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let id = report["created"].as_str().unwrap();
    assert!(is_own_id(id, "test-user"), "{id}");
    assert_eq!(get(app, A, id).await.status(), 404);
    assert!(walk(app, A, 10).await.is_empty());
}
on_both_stores!(overlay("") => palabra_ai_client_creates_and_deletes);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_redis_refuses_creates_whole() {
    let redis = e2e::full_redis();
    let app = e2e::spawn_app_on(&overlay(""), &redis).await;
    let r = create_raw(&app, A, json!({"data": {}})).await;
    assert_error(r, 503, "STORE_UNAVAILABLE", "/session-storage/session").await;
    assert_eq!(
        e2e::key_count(&redis),
        1,
        "nothing of the create was stored"
    );
}

/// The memory store at its bound (`store.memory.max_sessions`) refuses a create whole, with 503
/// in the flavor's format; once sessions expire, the next create drops them and goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_memory_store_refuses_creates_until_sessions_expire() {
    let (app, clock) = spawn_app_with_clock(&overlay("[store.memory]\nmax_sessions = 3\n")).await;
    for _ in 0..3 {
        let r = create_raw(&app, A, json!({"data": {"ttl_seconds": 60}})).await;
        assert_eq!(r.status(), 201);
    }
    let r = create_raw(&app, A, json!({"data": {}})).await;
    assert_error(r, 503, "STORE_UNAVAILABLE", "/session-storage/session").await;
    clock.advance(chrono::Duration::seconds(61));
    let r = create_raw(&app, A, json!({"data": {}})).await;
    assert_eq!(r.status(), 201);
}

/// What the document allows is accepted: a lifetime written `2697.0` (JSON Schema's `integer`)
/// and an extension whose body is `null`; a fractional lifetime is still refused in the flavor's
/// format.
async fn whole_float_lifetimes_and_null_extension_bodies_are_accepted(app: &TestApp) {
    let r = create_raw(app, A, json!({"data": {"ttl_seconds": 2697.0}})).await;
    assert_eq!(r.status(), 201);
    let data = r.json::<Value>().await.unwrap()["data"].clone();
    let lifetime = parse_ts(&data["expires_at"]) - parse_ts(&data["created_at"]);
    assert_eq!(lifetime.num_seconds(), 2697);
    let id = data["id"].as_str().unwrap();
    let path = format!("/session-storage/sessions/{id}");
    let r = with(
        app.client.post(app.url(&format!("{path}?ttl_seconds=600"))),
        A,
    )
    .header("content-type", "application/json")
    .body("null")
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 204);
    let r = create_raw(app, A, json!({"data": {"ttl_seconds": 2697.5}})).await;
    let e = assert_error(r, 422, "VALIDATION_ERROR", "/session-storage/session").await;
    assert!(
        e["detail"].as_str().unwrap().contains("data.ttl_seconds"),
        "{e}"
    );
}

on_both_stores!(overlay("") => whole_float_lifetimes_and_null_extension_bodies_are_accepted);

/// A `ClientID` over 128 characters or a `ClientSecret` over 256 is refused before any lookup,
/// and, since no client can have one, is not counted against the address's throttle; one of
/// exactly 128 characters is looked up and counted like any wrong id (3 a window here).
#[tokio::test]
async fn over_long_credentials_are_refused_without_a_lookup() {
    let app = spawn_app(&overlay(
        "[session_storage.throttle]\nmax_failures_per_client = 3",
    ))
    .await;
    let path = "/session-storage/session";
    let create = |id: String, secret: String| {
        app.client
            .post(app.url(path))
            .header("ClientID", id)
            .header("ClientSecret", secret)
            .json(&json!({"data": {}}))
            .send()
    };
    for _ in 0..4 {
        let r = create("c".repeat(129), A.1.into()).await.unwrap();
        assert_error(r, 401, "INVALID_CREDENTIALS", path).await;
        let r = create(A.0.into(), "s".repeat(257)).await.unwrap();
        assert_error(r, 401, "INVALID_CREDENTIALS", path).await;
    }
    for _ in 0..3 {
        let r = create("c".repeat(128), A.1.into()).await.unwrap();
        assert_error(r, 401, "INVALID_CREDENTIALS", path).await;
    }
    let r = create("c".repeat(128), A.1.into()).await.unwrap();
    assert_error(r, 429, "TOO_MANY_ATTEMPTS", path).await;
}
