//! The admin API for people who know names, not derived ids: sessions of every flavor listed
//! without filters and found by the tenant names operators know and the user ids apps know;
//! the metadata each session records (address, user agent, device, last use); configured
//! tenants listed beside run-time ones; the overview and a group's members; and nothing at all
//! without the admin token.

use e2e::open::{self, Opened, ADMIN_TOKEN, AMITY_NETWORK, QB_APP, QB_BOB, QS_KEY_NAME, SS_CLIENT};
use e2e::{spawn_app, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use session_core::ManualClock;

fn admin(app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .bearer_auth(ADMIN_TOKEN)
}

/// An admin request with a JSON body, sent.
async fn admin_send(app: &TestApp, method: Method, path: &str, body: &Value) -> reqwest::Response {
    admin(app, method, path).json(body).send().await.unwrap()
}

async fn get(app: &TestApp, path: &str) -> Value {
    let r = admin(app, Method::GET, path).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

/// Every session the listing returns for `query`, page after page (pages of 2).
async fn listed(app: &TestApp, query: &[(&str, &str)]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut q: Vec<(&str, &str)> = query.to_vec();
        q.push(("page_size", "2"));
        if let Some(t) = &token {
            q.push(("page_token", t));
        }
        let r = admin(app, Method::GET, "/admin/v1/sessions")
            .query(&q)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{query:?}");
        let page: Value = r.json().await.unwrap();
        out.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => return out,
        }
    }
}

/// Sessions handed out through each flavor's API, as their clients open them.
struct Everything {
    qb_app: Opened,
    qb_bob: Opened,
    amity: Opened,
    host: Opened,
    member: Opened,
    storage: Opened,
}

/// Two QuickBlox sessions (one an application session), one Amity, a QuickSync group with
/// its host and a member, and one session-storage session.
async fn with_member(app: &TestApp) -> Everything {
    let host = open::quicksync(app, &open::wallet(), "QuickSync host").await;
    Everything {
        qb_app: open::quickblox(app, false, "QuickBlox/JS 2.19 (app)").await,
        qb_bob: open::quickblox(app, true, "QuickBlox/JS 2.19 (bob)").await,
        amity: open::amity(app, "alice", "alice-phone", "AmitySDK/6.0 (alice)").await,
        member: open::quicksync_join(app, &host, &open::wallet(), "QuickSync member").await,
        host,
        storage: open::session_storage(app, "palabra-ai/1.0").await,
    }
}

fn subjects(items: &[Value]) -> Vec<(String, Value)> {
    let mut v: Vec<(String, Value)> = items
        .iter()
        .map(|s| {
            (
                s["flavor"].as_str().unwrap().to_owned(),
                s["subject"].clone(),
            )
        })
        .collect();
    v.sort_by_key(|a| (a.0.clone(), a.1.to_string()));
    v
}

async fn every_flavor_is_listed_without_filters(app: &TestApp) {
    let o = with_member(app).await;
    let all = listed(app, &[]).await;
    let flavors: std::collections::BTreeSet<&str> =
        all.iter().map(|s| s["flavor"].as_str().unwrap()).collect();
    assert_eq!(
        flavors.into_iter().collect::<Vec<_>>(),
        ["amity", "quickblox", "quicksync", "session-storage"]
    );
    // 2 QuickBlox (one an application session), 1 Amity, a QuickSync group with 2 members,
    // 1 session-storage.
    assert_eq!(all.len(), 7, "{all:#?}");
    let app_session = all
        .iter()
        .find(|s| s["flavor"] == "quickblox" && s["subject"].is_null())
        .expect("the QuickBlox application session is listed");
    assert_eq!(app_session["tenant"], QB_APP);
    for s in &all {
        for key in [
            "handle",
            "flavor",
            "tenant",
            "created_at",
            "expires_at",
            "last_seen_at",
        ] {
            assert!(s[key].is_string(), "{key}: {s}");
        }
        assert_eq!(s["ip"], "127.0.0.1", "{s}");
        assert!(!s.to_string().contains("hash"), "no secret material: {s}");
    }
    let amity = all.iter().find(|s| s["flavor"] == "amity").unwrap();
    assert_eq!(amity["device"], "alice-phone");
    assert_eq!(amity["user_agent"], "AmitySDK/6.0 (alice)");
    assert_eq!(amity["tenant_name"], AMITY_NETWORK);
    let group = all
        .iter()
        .find(|s| s["flavor"] == "quicksync" && s["capacity"] == 5)
        .unwrap();
    assert_eq!(group["members"], 2);
    let storage = all
        .iter()
        .find(|s| s["flavor"] == "session-storage")
        .unwrap();
    assert_eq!(storage["user_agent"], "palabra-ai/1.0");
    drop(o);
}

async fn filters_take_the_names_operators_and_apps_know(app: &TestApp) {
    let o = with_member(app).await;
    // Tenants by name: the QuickBlox application id, the Amity network's configured name,
    // the QuickSync key's name, the session-storage client id.
    let qb = listed(app, &[("tenant", QB_APP)]).await;
    assert_eq!(qb.len(), 2);
    assert!(qb.iter().all(|s| s["flavor"] == "quickblox"));
    let amity = listed(app, &[("tenant", AMITY_NETWORK)]).await;
    assert_eq!(subjects(&amity), [("amity".to_owned(), json!("alice"))]);
    // The network's derived id works too.
    let id = amity[0]["tenant"].as_str().unwrap().to_owned();
    assert_eq!(listed(app, &[("tenant", &id)]).await.len(), 1);
    let qs = listed(app, &[("tenant", QS_KEY_NAME)]).await;
    assert_eq!(qs.len(), 3, "a group and its two members");
    let ss = listed(app, &[("tenant", SS_CLIENT)]).await;
    assert_eq!(ss.len(), 1);

    // Users as apps know them, across flavors.
    let alice = listed(app, &[("subject", "alice")]).await;
    assert_eq!(subjects(&alice), [("amity".to_owned(), json!("alice"))]);
    let bob = listed(app, &[("subject", QB_BOB)]).await;
    assert_eq!(subjects(&bob), [("quickblox".to_owned(), json!(QB_BOB))]);
    // A wallet in the case the app shows it.
    let member_wallet = o.member.user.clone().unwrap();
    assert_ne!(member_wallet, member_wallet.to_lowercase());
    let member = listed(app, &[("subject", &member_wallet)]).await;
    assert_eq!(member.len(), 1, "{member:?}");
    assert_eq!(member[0]["role"], "Client");
    assert_eq!(member[0]["subject"], member_wallet.to_lowercase());
    // A session-storage session by the id its app holds (its user is the id's first part).
    let by_id = listed(app, &[("subject", &o.storage.credential)]).await;
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0]["flavor"], "session-storage");
    // Combined, and by creation time.
    assert_eq!(
        listed(
            app,
            &[
                ("flavor", "amity"),
                ("tenant", AMITY_NETWORK),
                ("subject", "alice")
            ]
        )
        .await
        .len(),
        1
    );
    assert!(
        listed(app, &[("flavor", "quickblox"), ("subject", "alice")])
            .await
            .is_empty()
    );
    assert!(listed(app, &[("created_after", "2999-01-01T00:00:00Z")])
        .await
        .is_empty());
    assert_eq!(
        listed(app, &[("created_after", "2000-01-01T00:00:00Z")])
            .await
            .len(),
        7
    );
    let r = admin(app, Method::GET, "/admin/v1/sessions")
        .query(&[("tenant", "x".repeat(300))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "an overlong filter");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 256 characters"),
        "{body}"
    );
    // The bound counts characters, as the document's maxLength does: 256 of four bytes each is
    // a filter, and one no user can have lists nothing (no 422).
    for long in ["\u{1F600}".repeat(256), "é:/".repeat(85)] {
        for filter in ["tenant", "subject"] {
            let mut query = vec![("flavor", "amity"), (filter, long.as_str())];
            if filter == "subject" {
                query.push(("tenant", AMITY_NETWORK));
            }
            let r = admin(app, Method::GET, "/admin/v1/sessions")
                .query(&query)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{filter}={long}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["data"], json!([]), "{filter}={long}");
        }
    }
    let r = admin(app, Method::GET, "/admin/v1/sessions")
        .query(&[("subject", "\u{1F600}".repeat(257))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "257 characters");

    // Revoking a user's sessions by the same names.
    let second = open::amity(app, "alice", "alice-laptop", "AmitySDK/6.0").await;
    let r = admin(app, Method::DELETE, "/admin/v1/sessions")
        .query(&[("tenant", AMITY_NETWORK), ("subject", "alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["revoked"], 2);
    open::assert_refused(app, &o.amity).await;
    open::assert_refused(app, &second).await;
    open::assert_accepted(app, &o.qb_bob).await;
    open::assert_accepted(app, &o.qb_app).await;
    open::assert_accepted(app, &o.host).await;
}

on_both_stores!(open::TENANTS => every_flavor_is_listed_without_filters, filters_take_the_names_operators_and_apps_know);

async fn groups_show_their_members_and_kicks_work(app: &TestApp) {
    let o = with_member(app).await;
    let qs = listed(app, &[("tenant", QS_KEY_NAME)]).await;
    let group = qs.iter().find(|s| s["capacity"].is_u64()).unwrap();
    let handle = group["handle"].as_str().unwrap();
    let view = get(app, &format!("/admin/v1/sessions/{handle}/members")).await;
    let members = view["data"]["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(view["data"]["group"]["capacity"], 5);
    assert_eq!(view["data"]["group"]["members"], 2);
    let roles: Vec<&str> = members
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["Host", "Client"]);
    assert_eq!(members[1]["user_agent"], "QuickSync member");
    // Kick the client: its token stops working; the host stays.
    let r = admin(
        app,
        Method::DELETE,
        &format!(
            "/admin/v1/sessions/{}",
            members[1]["handle"].as_str().unwrap()
        ),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    open::assert_refused(app, &o.member).await;
    open::assert_accepted(app, &o.host).await;
    let view = get(app, &format!("/admin/v1/sessions/{handle}/members")).await;
    assert_eq!(view["data"]["members"].as_array().unwrap().len(), 1);
    // A session that is not a group has no members.
    let r = admin(
        app,
        Method::GET,
        &format!(
            "/admin/v1/sessions/{}/members",
            view["data"]["members"][0]["handle"].as_str().unwrap()
        ),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
}

async fn the_overview_counts_live_sessions_and_the_last_hour(app: &TestApp) {
    let o = with_member(app).await;
    let s = listed(app, &[("tenant", SS_CLIENT)]).await;
    admin(
        app,
        Method::DELETE,
        &format!("/admin/v1/sessions/{}", s[0]["handle"].as_str().unwrap()),
    )
    .send()
    .await
    .unwrap();
    let view = get(app, "/admin/v1/overview").await;
    let data = &view["data"];
    assert_eq!(data["store"]["ok"], true, "{data}");
    assert!(data["store"]["backend"].is_string());
    assert_eq!(data["complete"], true);
    let flavor = |name: &str| {
        data["flavors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["flavor"] == name)
            .unwrap()
            .clone()
    };
    let qb = flavor("quickblox");
    assert_eq!(qb["live"], 2);
    assert_eq!(qb["created"], 2);
    assert_eq!(
        qb["tenants"],
        json!([{"tenant": QB_APP, "name": null, "live": 2}])
    );
    let amity = flavor("amity");
    assert_eq!(amity["live"], 1);
    assert_eq!(amity["tenants"][0]["name"], AMITY_NETWORK);
    let qs = flavor("quicksync");
    assert_eq!(qs["live"], 2, "members");
    assert_eq!(qs["groups"], 1);
    let ss = flavor("session-storage");
    assert_eq!(ss["live"], 0);
    assert_eq!(ss["created"], 1);
    assert_eq!(ss["revoked"], 1);
    drop(o);
}

on_both_stores!(open::TENANTS => groups_show_their_members_and_kicks_work, the_overview_counts_live_sessions_and_the_last_hour);

async fn configured_tenants_are_listed_and_kept_apart(app: &TestApp) {
    let kinds = get(app, "/admin/v1/tenants").await;
    let kinds = kinds["data"].as_array().unwrap();
    assert_eq!(kinds.len(), 5);
    for k in kinds {
        assert!(k["example"].is_object(), "{k}");
    }
    let amity = get(app, "/admin/v1/tenants/amity-networks").await;
    let entry = &amity["data"][0];
    assert_eq!(entry["source"], "config");
    assert_eq!(entry["entry"]["api_key"], "…-key");
    assert_eq!(entry["entry"]["server_key"], "********");
    assert_eq!(entry["names"][1], AMITY_NETWORK);
    let clients = get(app, "/admin/v1/tenants/session-storage-clients").await;
    assert_eq!(clients["data"][0]["source"], "config");
    assert_eq!(clients["data"][0]["entry"]["client_secret"], "********");
    assert!(!clients.to_string().contains("secret-a"));
    let keys = get(app, "/admin/v1/tenants/quicksync-api-keys").await;
    assert_eq!(keys["data"][0]["entry"]["key"], "********");
    assert_eq!(keys["data"][0]["tenant"], QS_KEY_NAME);
    let users = get(app, "/admin/v1/tenants/quickblox-users").await;
    assert_eq!(users["data"][0]["entry"]["password"], "********");
    assert_eq!(users["data"][0]["tenant"], Value::Null);

    // The configuration's entries are changed there, not here.
    let r = admin_send(
        app,
        Method::PUT,
        "/admin/v1/tenants/session-storage-clients",
        &json!({"client_id": SS_CLIENT, "client_secret": "other-secret"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "conflict"
    );
    let r = admin(
        app,
        Method::DELETE,
        &format!("/admin/v1/tenants/session-storage-clients/{SS_CLIENT}"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 409);
    // An invalid entry is a 422 with its reason.
    let r = admin_send(
        app,
        Method::PUT,
        "/admin/v1/tenants/session-storage-clients",
        &json!({"client_id": "c-2", "client_secret": ""}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("client_secret"),
        "{body}"
    );

    // A run-time entry, then edited without knowing its secret: masked values keep theirs.
    let r = admin_send(
        app,
        Method::PUT,
        "/admin/v1/tenants/session-storage-clients",
        &json!({"client_id": "c-2", "client_secret": "secret-c-2", "max_sessions_per_user": 1}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = admin_send(
        app,
        Method::PUT,
        "/admin/v1/tenants/session-storage-clients/c-2",
        &json!({"client_id": "c-2", "client_secret": "********", "max_sessions_per_user": 2}),
    )
    .await;
    assert_eq!(r.status(), 201);
    for _ in 0..2 {
        let r = app
            .client
            .post(app.url("/session-storage/session"))
            .header("ClientID", "c-2")
            .header("ClientSecret", "secret-c-2")
            .json(&json!({"data": {}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "the secret was kept and the limit raised");
    }
    let r = admin_send(
        app,
        Method::PUT,
        "/admin/v1/tenants/session-storage-clients/c-2",
        &json!({"client_id": "c-3", "client_secret": "********"}),
    )
    .await;
    assert_eq!(r.status(), 422, "the id cannot change");
    let r = admin_send(
        app,
        Method::PUT,
        "/admin/v1/tenants/session-storage-clients/nope",
        &json!({"client_id": "nope", "client_secret": "x-secret-1"}),
    )
    .await;
    assert_eq!(r.status(), 404);
    let list = get(app, "/admin/v1/tenants/session-storage-clients").await;
    let sources: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["config", "runtime"]);
    assert!(!list.to_string().contains("secret-c-2"));
}

on_both_stores!(open::TENANTS => configured_tenants_are_listed_and_kept_apart);

#[tokio::test]
async fn without_the_admin_token_nothing_is_listed_or_changed() {
    let app = spawn_app(open::TENANTS).await;
    let storage = open::session_storage(&app, "agent").await;
    let listed_with = |auth: Option<(&'static str, String)>, method: Method, path: &str| {
        let mut req = app.client.request(method, app.url(path));
        if let Some((name, value)) = auth {
            req = req.header(name, value);
        }
        req
    };
    let attempts = [
        (Method::GET, "/admin/v1/overview"),
        (Method::GET, "/admin/v1/sessions"),
        (
            Method::DELETE,
            "/admin/v1/sessions?tenant=client-a&subject=x",
        ),
        (Method::GET, "/admin/v1/tenants"),
        (
            Method::DELETE,
            "/admin/v1/tenants/session-storage-clients/client-a",
        ),
    ];
    for auth in [
        None,
        Some(("authorization", "Bearer wrong".to_owned())),
        Some(("cookie", format!("token={ADMIN_TOKEN}"))),
        Some(("authorization", ADMIN_TOKEN.to_owned())),
    ] {
        for (method, path) in &attempts {
            let r = listed_with(auth.clone(), method.clone(), path)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401, "{method} {path} with {auth:?}");
            assert_eq!(r.headers()["cache-control"], "no-store");
            assert!(r.headers().get("access-control-allow-origin").is_none());
            let body: Value = r.json().await.unwrap();
            assert_eq!(
                body,
                json!({"error": {"code": "unauthorized", "message": "a valid admin bearer token is required"}})
            );
        }
        let r = listed_with(
            auth.clone(),
            Method::PUT,
            "/admin/v1/tenants/session-storage-clients",
        )
        .json(&json!({"client_id": "evil", "client_secret": "evil-secret"}))
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 401);
    }
    // Nothing changed: the session works, no client was added.
    open::assert_accepted(&app, &storage).await;
    let list = get(&app, "/admin/v1/tenants/session-storage-clients").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    // A cross-origin preflight is not granted: only the console's own origin can call.
    let r = app
        .client
        .request(Method::OPTIONS, app.url("/admin/v1/sessions"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // The answers to the console are never cached.
    let r = admin(&app, Method::GET, "/admin/v1/sessions")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn the_console_is_served_with_a_strict_policy_only_with_the_admin_api() {
    let app = spawn_app(open::TENANTS).await;
    for (path, kind) in [
        ("/admin/", "text/html"),
        ("/admin/console.js", "text/javascript"),
        ("/admin/console.css", "text/css"),
        ("/admin/icon.svg", "image/svg+xml"),
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        assert!(
            h["content-type"].to_str().unwrap().starts_with(kind),
            "{path}"
        );
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"));
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(h["cache-control"], "no-store");
        assert_eq!(h["x-frame-options"], "DENY");
        // Nothing is fetched from elsewhere (an SVG names its namespace by URL).
        let body = r
            .text()
            .await
            .unwrap()
            .replace("http://www.w3.org/2000/svg", "");
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{path}"
        );
    }
    let page = app.get_text("/admin/").await;
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "no inline code"
    );
    let r = app.client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/admin/");
    let off = spawn_app("").await;
    let r = off.client.get(off.url("/admin/")).send().await.unwrap();
    assert_eq!(r.status(), 404, "no console without the admin API");
}

const METADATA: &str = "\n[sessions.metadata]\nip = \"truncated\"\nuser_agent_max_bytes = 16\n";
const METADATA_OFF: &str = "\n[sessions.metadata]\nenabled = false\n";

#[tokio::test]
async fn metadata_follows_the_privacy_settings() {
    let app = spawn_app(&format!("{}{METADATA}", open::TENANTS)).await;
    open::amity(&app, "alice", "phone", "AmitySDK/6.0.0 (Linux; Android 14)").await;
    let s = &listed(&app, &[("subject", "alice")]).await[0];
    assert_eq!(s["ip"], "127.0.0.0", "truncated to its /24");
    assert_eq!(s["user_agent"], "AmitySDK/6.0.0 (");
    // X-Forwarded-For from a peer that is no trusted proxy is not believed.
    let r = app
        .client
        .post(app.url("/api/v5/sessions"))
        .header("x-api-key", "amity-key")
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"userId": "mallory", "deviceId": "d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let s = &listed(&app, &[("subject", "mallory")]).await[0];
    assert_eq!(s["ip"], "127.0.0.0");

    let off = spawn_app(&format!("{}{METADATA_OFF}", open::TENANTS)).await;
    let o = open::quicksync(&off, &open::wallet(), "agent").await;
    let s = &listed(&off, &[("tenant", QS_KEY_NAME)]).await;
    assert!(s
        .iter()
        .all(|s| s["ip"].is_null() && s["user_agent"].is_null()));
    open::assert_accepted(&off, &o).await;
}

/// How many store calls the gateway's metrics have counted: of operation `op`, or of all
/// operations with `None`.
async fn store_calls(app: &TestApp, op: Option<&str>) -> u64 {
    let text = app.get_text("/metrics").await;
    let series = "session_gateway_store_operation_duration_seconds_count{operation=\"";
    text.lines()
        .filter_map(|l| l.strip_prefix(series))
        .filter_map(|l| l.split_once("\"} "))
        .filter(|(name, _)| op.is_none_or(|op| op == *name))
        .map(|(_, n)| n.trim().parse::<u64>().unwrap())
        .sum()
}

/// Token checks record a session's last use at most once a minute: within the granularity a
/// check is at most its one store read and writes nothing (no `mark_seen` call at all), past it
/// the next check writes the use once. On the memory store (`watched`) a worker that has checked
/// an Amity token reads nothing for it while the session is unchanged (`HeadWatch`).
async fn token_checks_record_the_last_use_once_a_minute(
    app: &TestApp,
    clock: &ManualClock,
    watched: bool,
) {
    let amity = open::amity(app, "alice", "phone", "agent").await;
    let host = open::quicksync(app, &open::wallet(), "agent").await;
    // Alice's session, and the host's member session (not its group).
    let last_seen = |items: Vec<Value>, flavor: &str| {
        items
            .iter()
            .find(|s| s["flavor"] == flavor && (flavor == "amity" || s["role"] == "Host"))
            .map(|s| s["last_seen_at"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let created_amity = last_seen(listed(app, &[("flavor", "amity")]).await, "amity");
    let created_host = last_seen(listed(app, &[("flavor", "quicksync")]).await, "quicksync");
    // Within the granularity checks write nothing and call the store only to read.
    clock.advance(chrono::Duration::seconds(30));
    let calls = store_calls(app, None).await;
    for _ in 0..5 {
        open::assert_accepted(app, &amity).await;
        open::assert_accepted(app, &host).await;
    }
    let reads = store_calls(app, None).await - calls;
    match watched {
        false => assert_eq!(reads, 10, "one store read per check"),
        // The QuickSync checks read; the Amity ones at most once per worker (2).
        true => assert!((5..=7).contains(&reads), "{reads} store reads"),
    }
    assert_eq!(store_calls(app, Some("mark_seen")).await, 0);
    assert_eq!(
        last_seen(listed(app, &[("flavor", "amity")]).await, "amity"),
        created_amity
    );
    assert_eq!(
        last_seen(listed(app, &[("flavor", "quicksync")]).await, "quicksync"),
        created_host
    );
    // Past it, the next check records the use, once.
    clock.advance(chrono::Duration::seconds(31));
    for _ in 0..3 {
        open::assert_accepted(app, &amity).await;
        open::assert_accepted(app, &host).await;
    }
    assert_eq!(store_calls(app, Some("mark_seen")).await, 2);
    let now = session_core::Clock::now(clock);
    for (flavor, before) in [("amity", created_amity), ("quicksync", created_host)] {
        let seen = last_seen(listed(app, &[("flavor", flavor)]).await, flavor);
        let seen = chrono::DateTime::parse_from_rfc3339(&seen).unwrap();
        let before = chrono::DateTime::parse_from_rfc3339(&before).unwrap();
        assert!(seen > before, "{flavor}");
        assert!(
            (now - seen.with_timezone(&chrono::Utc))
                .num_milliseconds()
                .abs()
                < 1000,
            "{flavor}"
        );
    }
}

mod token_checks_record_the_last_use_once_a_minute {
    use std::sync::Arc;

    use e2e::{on_redis, shared_redis, spawn_with, test_settings};
    use session_core::ManualClock;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memory() {
        let clock = Arc::new(ManualClock::starting_now());
        let app = spawn_with(test_settings(super::open::TENANTS), clock.clone()).await;
        super::token_checks_record_the_last_use_once_a_minute(&app, &clock, true).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis() {
        let clock = Arc::new(ManualClock::starting_now());
        let settings = on_redis(test_settings(super::open::TENANTS), shared_redis());
        let app = spawn_with(settings, clock.clone()).await;
        super::token_checks_record_the_last_use_once_a_minute(&app, &clock, false).await;
    }
}

/// The admin walk-through of docs/operations.md, run as written against a gateway with the
/// demo configuration of `make run` (`config/local.toml`); only `GW` points at it.
#[tokio::test]
async fn the_operations_walk_through_runs_verbatim() {
    let doc = include_str!("../../docs/operations.md");
    let section = doc
        .split("### Walk-through")
        .nth(1)
        .expect("operations.md has an admin walk-through");
    let script = section
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("its shell block");
    let app = spawn_app(include_str!("../../config/local.toml")).await;
    let run = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .env("GW", &app.address)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), run)
        .await
        .expect("the walk-through finishes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the walk-through failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for expected in [
        "\"subject\": \"alice\"",
        "\"device\": \"phone-1\"",
        "{\"revoked\":1}",
        "\"source\": \"config\"",
        "client_secret",
        "true",
        "\"flavor\": \"amity\"",
    ] {
        assert!(stdout.contains(expected), "{expected}\n{stdout}");
    }
}

/// The overview's `complete`, `counted_owners` and Amity `live`.
async fn owners_counted(app: &TestApp) -> (Value, Value, Value) {
    let data = get(app, "/admin/v1/overview").await["data"].clone();
    let flavors = data["flavors"].as_array().unwrap();
    let amity = flavors.iter().find(|f| f["flavor"] == "amity").unwrap();
    (
        data["complete"].clone(),
        data["counted_owners"].clone(),
        amity["live"].clone(),
    )
}

/// The overview reads at most 10,000 users, groups and QuickBlox sessions: 10,000 owners are
/// counted whole, and one more marks the counts incomplete, stopping at the budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_reads_at_most_ten_thousand_owners() {
    use futures_util::StreamExt;
    let app = spawn_app(open::TENANTS).await;
    let sign_in = |user: usize| {
        let request = app
            .client
            .post(app.url("/api/v3/sessions"))
            .header("x-api-key", "amity-key")
            .json(&json!({"userId": format!("u{user}"), "deviceId": "d"}));
        async move { request.send().await.unwrap().status() }
    };
    let statuses: Vec<_> = futures_util::stream::iter(0..10_000)
        .map(sign_in)
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "every sign-in");
    assert_eq!(
        owners_counted(&app).await,
        (json!(true), json!(10_000), json!(10_000))
    );
    assert_eq!(sign_in(10_000).await, 200);
    assert_eq!(
        owners_counted(&app).await,
        (json!(false), json!(10_000), json!(10_000))
    );
}
