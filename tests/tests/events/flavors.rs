//! Every event type emitted by its flavor's own action, through the official wire APIs, to the
//! verifying receiver: QuickSync create, join, kick, disconnect and delete; QuickBlox user
//! sign-in and sign-out, and `POST`/`DELETE /login.json` on an application session; Amity sign-in, refresh, reuse of a spent refresh token and sign-out;
//! session storage create and delete; expiry. Changes the flavors refuse (a join of a full
//! group, a wrong password, a refresh token that was never issued) write nothing: each flavor's
//! events are compared whole.

use std::sync::Arc;
use std::time::Duration;

use e2e::TestApp;
use serde_json::{json, Value};
use session_core::ManualClock;

use super::{brief, create, delete, Receiver, Store, USER};
use crate::quicksync::Wallet;

/// All four flavors, events to `hook`, the tenants the flavor helpers sign with.
fn overlay(hook: &str) -> String {
    format!(
        r#"
[flavors]
enabled = ["quicksync", "quickblox", "amity", "session-storage"]
{events}
[quickblox]
applications = [{{ application_id = 4242, auth_key = "k3yK3yK3y", auth_secret = "s3cr3tS3cr3t" }}]
users = [
  {{ application_id = 4242, login = "alice", password = "alice-pass" }},
  {{ application_id = 4242, login = "bob", password = "bob-pass" }},
]
{quicksync}
{amity}
"#,
        events = super::events_overlay(hook),
        quicksync = crate::quicksync::OVERLAY,
        amity = crate::amity::overlay(),
    )
}

async fn spawn(store: Store, receiver: &Receiver) -> (TestApp, Arc<ManualClock>) {
    let settings = super::settings_for(store, &overlay(&receiver.url("/hook")));
    let clock = Arc::new(ManualClock::starting_now());
    (e2e::spawn_with(settings, clock.clone()).await, clock)
}

/// The `type[:reason]` of each event of `flavor`, sorted.
fn of_flavor(events: &[Value], flavor: &str) -> Vec<String> {
    let mine: Vec<Value> = events
        .iter()
        .filter(|e| e["flavor"] == flavor)
        .cloned()
        .collect();
    let mut kinds = brief(&mine);
    kinds.sort();
    kinds
}

fn sorted(kinds: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
    out.sort();
    out
}

/// QuickSync: a host creates a group of 3, two wallets join, a third finds it full; the host
/// kicks one, the other disconnects, the host deletes the group.
async fn quicksync_actions(app: &TestApp) {
    use crate::quicksync::{create_ok, disconnect, join, kick, minted, session_of, token_of};
    let created = create_ok(
        app,
        &minted(&Wallet::new("ev-host")),
        &json!({"rules": {"userCapacity": 3}}),
    )
    .await;
    let sid = session_of(&created);
    let body = json!({"sessionId": sid});
    let mut members = Vec::new();
    for name in ["ev-a", "ev-b"] {
        let r = join(app, &minted(&Wallet::new(name)), &body).await;
        assert_eq!(r.status(), 200);
        members.push(r.json::<Value>().await.unwrap());
    }
    let full = join(app, &minted(&Wallet::new("ev-c")), &body).await;
    assert_eq!(full.status(), 409, "a full group refuses the join");
    let host = token_of(&created);
    let r = kick(app, &host, &crate::quicksync::id_of(&members[0])).await;
    assert_eq!(r.status(), 200);
    assert_eq!(disconnect(app, &token_of(&members[1])).await.status(), 200);
    assert_eq!(
        crate::quicksync::delete(app, &host).await.status(),
        200,
        "the host deletes the group"
    );
}

/// QuickBlox: a user session for alice, a wrong password (refused), alice signs out.
async fn quickblox_actions(app: &TestApp) {
    use crate::quickblox::{base, create, signed};
    let mut wrong = base();
    wrong.push(("user[login]".into(), "alice".into()));
    wrong.push(("user[password]".into(), "not-her-pass".into()));
    assert_eq!(create(app, &signed(wrong)).await.status(), 401);
    let mut p = base();
    p.push(("user[login]".into(), "alice".into()));
    p.push(("user[password]".into(), "alice-pass".into()));
    let r = create(app, &signed(p)).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let token = v["session"]["token"].as_str().unwrap();
    let r = app
        .client
        .delete(app.url("/session.json"))
        .header("QB-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Amity: a sign-in, its refresh, the spent refresh token presented again (the family is
/// revoked), a refresh token never issued (refused), a second sign-in signed out.
async fn amity_actions(app: &TestApp) {
    use crate::amity::{login, refresh, token, API_KEY};
    let first = login(app, 4, "ev-user", "d1").await;
    let r1 = first["refreshToken"].as_str().unwrap().to_owned();
    assert_eq!(refresh(app, API_KEY, &r1).await.0, 200);
    assert_eq!(refresh(app, API_KEY, &r1).await.0, 401, "reuse is refused");
    assert_eq!(refresh(app, API_KEY, "never-issued").await.0, 401);
    let second = login(app, 4, "ev-user", "d2").await;
    let r = app
        .client
        .delete(app.url("/api/v4/sessions"))
        .bearer_auth(token(&second))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn every_flavor_action_writes_its_events(store: Store) {
    let receiver = Receiver::start().await;
    let (app, clock) = spawn(store, &receiver).await;
    quicksync_actions(&app).await;
    quickblox_actions(&app).await;
    amity_actions(&app).await;
    let gone = create(&app, USER).await;
    delete(&app, USER, &gone).await;
    // Nothing else lives now; one more session, then its expiry (30 days by default).
    let expiring = create(&app, USER).await;
    clock.advance(chrono::Duration::days(31));

    let total = 13 + 2 + 5 + 2 + 2;
    let events = receiver.exactly(total, Duration::from_secs(30)).await;
    assert_eq!(
        of_flavor(&events, "quicksync"),
        sorted(&[
            "session.created",
            "session.created",
            "session.created",
            "session.created",
            "group.member_joined",
            "group.member_joined",
            "group.member_joined",
            "session.revoked:kicked",
            "group.member_left",
            "session.revoked:disconnected",
            "group.member_left",
            "session.revoked:logout",
            "session.revoked:group-deleted",
        ])
    );
    assert_eq!(
        of_flavor(&events, "quickblox"),
        sorted(&["session.created", "session.revoked:logout"])
    );
    assert_eq!(
        of_flavor(&events, "amity"),
        sorted(&[
            "session.created",
            "session.refreshed",
            "session.revoked:refresh-reuse-detected",
            "session.created",
            "session.revoked:logout",
        ])
    );
    assert_eq!(
        of_flavor(&events, "session-storage"),
        sorted(&[
            "session.created",
            "session.revoked:logout",
            "session.created",
            "session.expired",
        ])
    );
    let quickblox_user = events
        .iter()
        .find(|e| e["flavor"] == "quickblox" && e["type"] == "session.created")
        .unwrap();
    assert!(quickblox_user["subject"].is_string(), "{quickblox_user}");
    let amity_refresh = events
        .iter()
        .find(|e| e["type"] == "session.refreshed")
        .unwrap();
    assert_eq!(amity_refresh["subject"], "ev-user");
    assert!(amity_refresh["expires_at"].is_string());
    let expired = events
        .iter()
        .find(|e| e["type"] == "session.expired")
        .unwrap();
    assert_eq!(expired["tenant"], "client-u");
    assert!(!expiring.is_empty());
    super::assert_no_token(&events);
}

/// QuickBlox `POST /login.json` on an application session: `session.signed_in` with the user's
/// id as subject; a wrong password: nothing; a login as another user: `session.signed_out` of the
/// first, then `session.signed_in` of the second; the same user again: nothing;
/// `DELETE /login.json`: `session.signed_out`. All of the one session, in order, verified; a
/// second webhook filtered to the two types gets them alone; the pull API lists them (memory,
/// Redis) and the metrics count them.
async fn quickblox_login_signs_in_and_out(store: Store) {
    use crate::quickblox::{base, create, delete, login, signed};
    let receiver = Receiver::start().await;
    let filtered = Receiver::start().await;
    let signs_hook = format!(
        r#"
[[events.webhooks]]
name = "signs"
url = "{url}"
secret = "{secret}"
events = ["session.signed_in", "session.signed_out"]
retry_initial_ms = 100
retry_max_ms = 1000
"#,
        url = filtered.url("/hook"),
        secret = super::SECRET,
    );
    let overlay = overlay(&receiver.url("/hook")) + &signs_hook;
    let app = e2e::spawn_with(
        super::settings_for(store, &overlay),
        Arc::new(ManualClock::starting_now()),
    )
    .await;
    let r = create(&app, &signed(base())).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let token = v["session"]["token"].as_str().unwrap().to_owned();
    let mut users = Vec::new();
    for body in [
        "login=alice&password=alice-pass",
        "login=alice&password=not-her-pass",
        "login=bob&password=bob-pass",
        "login=bob&password=bob-pass",
    ] {
        let r = login(&app, &token, body).await;
        if body.contains("not-her") {
            assert_eq!(r.status(), 401, "a wrong password is refused");
            continue;
        }
        assert_eq!(r.status(), 202);
        let v: Value = r.json().await.unwrap();
        users.push(v["user"]["id"].as_u64().unwrap().to_string());
    }
    let (alice, bob) = (users[0].clone(), users[1].clone());
    assert_ne!(alice, bob);
    assert_eq!(delete(&app, "/login.json", &token).await.status(), 200);

    let total = 5;
    let events = receiver.exactly(total, Duration::from_secs(30)).await;
    let seen: Vec<(String, Value)> = events
        .iter()
        .map(|e| {
            (
                brief(std::slice::from_ref(e)).remove(0),
                e["subject"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("session.created".to_owned(), Value::Null),
            ("session.signed_in".to_owned(), json!(alice)),
            ("session.signed_out".to_owned(), json!(alice)),
            ("session.signed_in".to_owned(), json!(bob)),
            ("session.signed_out".to_owned(), json!(bob)),
        ]
    );
    for e in &events {
        assert_eq!(e["flavor"], "quickblox");
        assert_eq!(e["tenant"], "4242");
        assert_eq!(e["session"], events[0]["session"], "one session throughout");
        assert!(e.get("expires_at").is_none() || e["type"] == "session.created");
    }
    super::assert_no_token(&events);

    // The filtered webhook: the four sign events, in order, and nothing else.
    let signs = filtered.exactly(4, Duration::from_secs(30)).await;
    assert_eq!(brief(&signs), brief(&events[1..]));
    let ids = |es: &[Value]| es.iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&signs), ids(&events[1..]), "the same events, by id");
    // The pull API lists the same events of the session (not on the Cluster: a page there asks
    // each of its 16,384 partitions, and lists only events a second old; the pull API's own
    // test covers it there).
    if !matches!(store, Store::Cluster) {
        let pulled: Vec<Value> = super::pull_all(&app, 1000)
            .await
            .into_iter()
            .filter(|e| e["session"] == events[0]["session"])
            .collect();
        assert_eq!(pulled, events);
    }
    let metrics = app.get_text("/metrics").await;
    for kind in ["session.signed_in", "session.signed_out"] {
        let line = format!("session_gateway_events_written_total{{type=\"{kind}\"}} 2");
        assert!(metrics.contains(&line), "{line} missing");
    }
}

super::on_stores! {
    every_flavor_action_writes_its_events => memory = Memory, redis = Redis, cluster = Cluster;
    quickblox_login_signs_in_and_out => memory = Memory, redis = Redis, cluster = Cluster;
}
