//! Reset (everything, one tenant), snapshots taken and put back, and a seed file at start-up.

use e2e::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

use super::*;

on_both_stores!(overlay() =>
    reset_removes_one_tenant_or_everything,
    snapshots_put_back_answer_the_same_token_checks,
    bad_snapshots_change_nothing,
    a_seed_file_is_loaded_at_start_up,
);

const RT_CLIENT: (&str, &str) = ("rt-client", "rt-secret-0123456789");

async fn reset(app: &TestApp, body: Value) -> Value {
    expect(admin(app, Method::POST, "/reset").json(&body), 200).await
}

/// A session-storage client and a QuickBlox user added through the admin API.
async fn add_run_time_tenants(app: &TestApp) {
    for (kind, doc) in [
        (
            "session-storage-clients",
            json!({"client_id": RT_CLIENT.0, "client_secret": RT_CLIENT.1, "user_id": "u9"}),
        ),
        (
            "quickblox-users",
            json!({"application_id": QB_APP, "login": "rt-user", "password": "rt-pass-0123"}),
        ),
    ] {
        let r = app
            .client
            .put(app.url(&format!("/admin/v1/tenants/{kind}")))
            .bearer_auth(ADMIN_TOKEN)
            .json(&doc)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{kind}");
    }
}

async fn reset_removes_one_tenant_or_everything(app: &TestApp) {
    add_run_time_tenants(app).await;
    let a1 = ss_create(app, SS_A).await;
    let a2 = ss_create(app, SS_A).await;
    let b1 = ss_create(app, SS_B).await;
    let rt = ss_create(app, RT_CLIENT).await;
    let access = am_login(app, "bob").await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let ts = clock_now(app).await.timestamp();
    let form = qb_form(ts, 99);
    assert_eq!(qb_create_raw(app, form.clone()).await.status(), 201);
    let (status, body) = read(qb_create_raw(app, form.clone()).await).await;
    assert_eq!(status, 422, "the nonce is spent: {body}");
    let qb = qb_create(app).await;
    let (group, host) = qs_create(app, 600).await;
    let member = qs_join(app, &group).await;

    // One tenant: its sessions go, the others' stay.
    let c = reset(
        app,
        json!({"flavor": "session-storage", "tenant": "client-a"}),
    )
    .await;
    assert_eq!(
        c,
        json!({"removed": 2, "sessions": 2, "users": 0, "tenants": 0, "nonces": 0})
    );
    for id in [&a1, &a2] {
        assert_eq!(ss_get(app, SS_A, id).await.0, 404);
    }
    assert_eq!(ss_get(app, SS_B, &b1).await.0, 200);
    assert_eq!(ss_get(app, RT_CLIENT, &rt).await.0, 200);
    let c = reset(app, json!({"flavor": "quicksync", "tenant": QS_TENANT})).await;
    assert_eq!(c["sessions"], 3, "the group, its host and the member: {c}");
    assert_eq!(qs_current(app, &host).await.0, 401);
    assert_eq!(qs_current(app, &member).await.0, 401);
    let c = reset(app, json!({"flavor": "amity", "tenant": AM_NETWORK})).await;
    assert_eq!(
        c,
        json!({"removed": 2, "sessions": 1, "users": 1, "tenants": 0, "nonces": 0})
    );
    assert_eq!(am_check(app, &access).await.0, 401);
    let c = reset(app, json!({"flavor": "quickblox", "tenant": "77"})).await;
    assert_eq!(c["removed"], 0, "no such application: {c}");
    assert_eq!(qb_get(app, &qb).await.0, 200);
    for bad in [
        json!({"flavor": "amity"}),
        json!({"tenant": "x"}),
        json!({"flavor": "nope", "tenant": "x"}),
        json!({"flavor": "amity", "tenant": ""}),
        json!({"flavor": "amity", "tenant": "t".repeat(257)}),
        json!({"everything": true}),
        // Only an object is a reset: serde would read `[null, null]` as `{}` (everything).
        json!([null, null]),
        json!(["amity", "x"]),
        json!(null),
    ] {
        let body = expect(admin(app, Method::POST, "/reset").json(&bad), 422).await;
        assert_eq!(body["error"]["code"], "invalid_request", "{bad}");
        assert!(body["error"]["message"].is_string(), "{bad}: {body}");
    }

    // Everything: sessions, users, nonce claims, run-time tenants; the configuration stays.
    let c = reset(app, json!({})).await;
    assert_eq!(c["sessions"], 4, "b1, rt, two QuickBlox sessions: {c}");
    assert_eq!(c["users"], 1, "the run-time QuickBlox user: {c}");
    assert_eq!(c["tenants"], 1, "the run-time client: {c}");
    assert_eq!(c["nonces"], 2, "the two QuickBlox claims: {c}");
    assert_eq!(
        c["removed"].as_u64().unwrap(),
        ["sessions", "users", "tenants", "nonces"]
            .iter()
            .map(|k| c[k].as_u64().unwrap())
            .sum::<u64>()
    );
    let journal = expect(admin(app, Method::GET, "/requests"), 200).await;
    assert_eq!(journal["data"], json!([]), "the journal is emptied too");
    assert_eq!(ss_get(app, SS_B, &b1).await.0, 404);
    assert_eq!(qb_get(app, &qb).await.0, 401);
    let gone = ss(
        app.client.get(app.url("/session-storage/sessions")),
        RT_CLIENT,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(gone.status(), 401, "the run-time client is gone");
    assert_eq!(
        qb_create_raw(app, form).await.status(),
        201,
        "nonce claims are gone"
    );
    ss_create(app, SS_A).await;
    assert_eq!(reset(app, json!({})).await["sessions"], 2);
}

/// What each kind of session answers now: status and a field that names it.
async fn answers(app: &TestApp, tokens: &Tokens) -> Vec<(u16, Value)> {
    let ss_a = ss_get(app, SS_A, &tokens.ss).await;
    let rt = ss_get(app, RT_CLIENT, &tokens.rt).await;
    let am = am_check(app, &tokens.access).await;
    let qb = qb_get(app, &tokens.qb).await;
    let host = qs_current(app, &tokens.host).await;
    let member = qs_current(app, &tokens.member).await;
    vec![
        (ss_a.0, ss_a.1["data"]["id"].clone()),
        (rt.0, rt.1["data"]["id"].clone()),
        (am.0, am.1.clone()),
        (qb.0, qb.1["session"]["user_id"].clone()),
        (host.0, host.1["users"].clone()),
        (member.0, member.1["id"].clone()),
    ]
}

struct Tokens {
    ss: String,
    rt: String,
    access: String,
    refresh: String,
    qb: String,
    host: String,
    member: String,
}

async fn snapshots_put_back_answer_the_same_token_checks(app: &TestApp) {
    add_run_time_tenants(app).await;
    let login = am_login(app, "carol").await;
    // One refresh before the snapshot: the spent token must still revoke after it.
    let spent = login["refreshToken"].as_str().unwrap().to_owned();
    let (status, renewed) = am_refresh(app, &spent).await;
    assert_eq!(status, 200, "{renewed}");
    let qb = qb_create(app).await;
    let r = app
        .client
        .post(app.url("/login.json"))
        .header("QB-Token", &qb)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("login=alice&password=alice-pass")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let (group, host) = qs_create(app, 600).await;
    let tokens = Tokens {
        ss: ss_create(app, SS_A).await,
        rt: ss_create(app, RT_CLIENT).await,
        access: renewed["accessToken"].as_str().unwrap().to_owned(),
        refresh: renewed["refreshToken"].as_str().unwrap().to_owned(),
        qb,
        member: qs_join(app, &group).await,
        host,
    };
    let before = answers(app, &tokens).await;
    assert!(before.iter().all(|(s, _)| *s == 200), "{before:?}");

    let snapshot = expect(admin(app, Method::GET, "/snapshot"), 200).await;
    assert_eq!(snapshot["format"], "session-gateway/snapshot-1");
    let text = snapshot.to_string();
    for secret in [
        &tokens.access,
        &tokens.refresh,
        &spent,
        &tokens.qb,
        &tokens.host,
        &tokens.member,
    ] {
        assert!(
            !text.contains(secret.as_str()),
            "a token is in the snapshot"
        );
    }
    let owners = snapshot["owners"].as_array().unwrap();
    assert_eq!(
        owners.len(),
        5,
        "carol, alice's QuickBlox session, the group, two ss users"
    );
    let hashes: Vec<&str> = owners
        .iter()
        .flat_map(|o| o["sessions"].as_array().unwrap())
        .filter_map(|s| s["token_hash"].as_str())
        .collect();
    assert_eq!(
        hashes.len(),
        6,
        "every session but the group carries its token's hash"
    );
    assert!(hashes.iter().all(|h| h.len() == 32), "{hashes:?}");
    assert_eq!(snapshot["documents"].as_array().unwrap().len(), 2);

    reset(app, json!({})).await;
    let wiped = answers(app, &tokens).await;
    assert!(wiped.iter().all(|(s, _)| *s >= 400), "{wiped:?}");

    let loaded = expect(admin(app, Method::PUT, "/snapshot").json(&snapshot), 200).await;
    assert_eq!(loaded["owners"], 5, "{loaded}");
    assert_eq!(loaded["sessions"], 7, "{loaded}");
    assert_eq!(loaded["documents"], 2, "{loaded}");
    assert_eq!(answers(app, &tokens).await, before);
    // The refresh history came back: replaying the spent token revokes the family.
    assert_eq!(am_refresh(app, &spent).await.0, 401);
    assert_eq!(am_refresh(app, &tokens.refresh).await.0, 401);
    assert_eq!(am_check(app, &tokens.access).await.0, 401);
    // Loading replaces: what was created since is gone.
    let extra = ss_create(app, SS_B).await;
    expect(admin(app, Method::PUT, "/snapshot").json(&snapshot), 200).await;
    assert_eq!(ss_get(app, SS_B, &extra).await.0, 404);
    assert_eq!(ss_get(app, SS_A, &tokens.ss).await.0, 200);
}

async fn bad_snapshots_change_nothing(app: &TestApp) {
    let id = ss_create(app, SS_A).await;
    let good = expect(admin(app, Method::GET, "/snapshot"), 200).await;
    let mut foreign = good.clone();
    foreign["owners"][0]["sessions"][0]["owner"] = json!("ss:client-b:u1");
    let mut twice = good.clone();
    let first = twice["owners"][0].clone();
    twice["owners"].as_array_mut().unwrap().push(first);
    for bad in [
        json!({"format": "something-else"}),
        json!({"format": "session-gateway/snapshot-1", "extra": 1}),
        foreign,
        twice,
        json!({"format": "session-gateway/snapshot-1", "documents": [
            {"collection": "not.a.tenant.kind", "id": "x", "value": {}}]}),
        json!({"format": "session-gateway/snapshot-1", "owners": [{"owner": "bad{owner}"}]}),
    ] {
        let body = expect(admin(app, Method::PUT, "/snapshot").json(&bad), 422).await;
        assert_eq!(body["error"]["code"], "invalid_request", "{body}");
    }
    let r = admin(app, Method::PUT, "/snapshot")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(ss_get(app, SS_A, &id).await.0, 200, "nothing changed");
}

#[tokio::test]
async fn snapshots_over_the_size_limit_are_refused() {
    let app = e2e::spawn_app(&overlay_with("snapshot_max_bytes = 1024")).await;
    let id = ss_create(&app, SS_A).await;
    let documents: Vec<Value> = (0..40)
        .map(|i| {
            json!({"collection": "session_storage.clients", "id": format!("c{i}"),
                   "value": {"client_id": format!("c{i}"), "client_secret": "s-0123456789"}})
        })
        .collect();
    let big = json!({"format": "session-gateway/snapshot-1", "documents": documents});
    assert!(big.to_string().len() > 1024);
    let body = expect(admin(&app, Method::PUT, "/snapshot").json(&big), 422).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than allowed"),
        "{body}"
    );
    assert_eq!(ss_get(&app, SS_A, &id).await.0, 200);
}

/// A snapshot of one gateway, written to `testing.seed_file`, starts another with its state.
async fn a_seed_file_is_loaded_at_start_up(app: &TestApp) {
    let id = ss_create(app, SS_A).await;
    let access = am_login(app, "dave").await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let snapshot = expect(admin(app, Method::GET, "/snapshot"), 200).await;
    let path = seed_path(&snapshot);
    let seeded_overlay = overlay_with(&format!("seed_file = \"{}\"", path.display()));
    // Into the memory store and into Redis, whichever the snapshot came from.
    for seeded in [
        e2e::spawn_app(&seeded_overlay).await,
        e2e::spawn_app_on_redis(&seeded_overlay).await,
    ] {
        assert_eq!(ss_get(&seeded, SS_A, &id).await.0, 200);
        assert_eq!(am_check(&seeded, &access).await.0, 200);
        seeded.stop().await;
    }
    // A seed that is not a snapshot stops the start-up with its reason.
    std::fs::write(&path, "{\"format\": \"nope\"}").unwrap();
    let settings = e2e::test_settings(&seeded_overlay);
    let err = match gateway::startup::Application::build_with_clock(
        settings,
        std::sync::Arc::new(session_core::SystemClock),
    )
    .await
    {
        Ok(_) => panic!("a bad seed file was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("testing.seed_file") && err.contains("format"),
        "{err}"
    );
    let _ = std::fs::remove_file(&path);
}

/// Writes `snapshot` to a file of its own.
pub fn seed_path(snapshot: &Value) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "sg-seed-{}.json",
        session_core::token::random_hex(6).unwrap()
    ));
    std::fs::write(&path, snapshot.to_string()).unwrap();
    path
}

/// On a 3-master Redis Cluster: a snapshot and a reset walk every master, a load puts each
/// owner back in its slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_and_resets_walk_every_cluster_master() {
    let cluster = tokio::task::spawn_blocking(session_redis::testing::RedisCluster::start)
        .await
        .unwrap();
    let mut settings = e2e::test_settings(&overlay());
    settings.store.backend = gateway::configuration::Backend::Redis;
    settings.store.cluster_urls = cluster.urls();
    settings.store.key_prefix = format!("t{}", session_core::token::random_hex(6).unwrap());
    settings.store.timeout_ms = 2000;
    let app = e2e::spawn_with(settings, std::sync::Arc::new(session_core::SystemClock)).await;
    let mut logins = Vec::new();
    for i in 0..12 {
        let body = am_login(&app, &format!("user-{i}")).await;
        logins.push(body["accessToken"].as_str().unwrap().to_owned());
    }
    let qb = qb_create(&app).await;
    let snapshot = expect(admin(&app, Method::GET, "/snapshot"), 200).await;
    assert_eq!(snapshot["owners"].as_array().unwrap().len(), 13);

    let c = reset(&app, json!({})).await;
    assert_eq!(c["sessions"], 13, "{c}");
    assert_eq!(c["users"], 12, "{c}");
    assert_eq!(c["nonces"], 1, "{c}");
    for access in &logins {
        assert_eq!(am_check(&app, access).await.0, 401);
    }
    let loaded = expect(admin(&app, Method::PUT, "/snapshot").json(&snapshot), 200).await;
    assert_eq!(loaded["sessions"], 13, "{loaded}");
    for access in &logins {
        assert_eq!(am_check(&app, access).await.0, 200);
    }
    assert_eq!(qb_get(&app, &qb).await.0, 200);
    app.stop().await;
    drop(cluster);
}
