//! Session events end to end: flavor actions and admin changes reach a real HTTP receiver on
//! loopback that verifies every request with the `standardwebhooks` package from PyPI
//! (tests/webhook-e2e), and the pull API pages through the same events. On the memory store
//! and on a real Redis; the replica test on Redis only (the memory store is one process's).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::TestApp;
use futures_util::stream::{self, StreamExt};
use reqwest::RequestBuilder;
use serde_json::{json, Value};
use session_core::SystemClock;
use tokio::io::AsyncBufReadExt;

mod flavors;
mod recovery;

/// One `#[tokio::test]` per store for each scenario: `scenario::memory`, `scenario::redis`, ...
macro_rules! on_stores {
    ($($scenario:ident => $($name:ident = $store:ident),+;)+) => {$(
        mod $scenario {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$scenario(super::Store::$store).await;
                }
            )+
        }
    )+};
}
pub(super) use on_stores;

pub(super) const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub(super) const ADMIN_TOKEN: &str = "admin-token-0123456789";
pub(super) const USER: (&str, &str) = ("client-u", "secret-u");
const EVICT: (&str, &str) = ("client-evict", "secret-evict");
/// Flood clients (one user each).
const FLOOD_CLIENTS: usize = 10;
const FLOOD_PER_CLIENT: usize = 1000;
/// How long the receiver is down in the outage test.
const DOWN_SECS: u64 = 30;

/// A running `receiver.py`, stopped when dropped.
pub(super) struct Receiver {
    port: u16,
    client: reqwest::Client,
    _child: tokio::process::Child,
}

impl Receiver {
    pub(super) async fn start() -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("webhook-e2e");
        let python = dir.join(".venv/bin/python");
        assert!(
            python.is_file(),
            "the standardwebhooks receiver is not installed; run bash scripts/install-client-deps.sh"
        );
        let mut child = tokio::process::Command::new(python)
            .arg(dir.join("receiver.py"))
            .arg(SECRET)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(20),
            tokio::io::BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("the receiver did not start")
        .unwrap();
        Self {
            port: line.trim().parse().unwrap(),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            _child: child,
        }
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every delivery accepted so far, and how many requests failed verification.
    pub(super) async fn received(&self) -> (Vec<(String, Vec<Value>)>, u64) {
        let (_, body) = answer(self.client.get(self.url("/received"))).await;
        let deliveries = body["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["webhook_id"].as_str().unwrap().to_owned(),
                    d["events"].as_array().unwrap().clone(),
                )
            })
            .collect();
        (deliveries, body["rejected"].as_u64().unwrap())
    }

    /// The accepted events in arrival order.
    pub(super) async fn events(&self) -> Vec<Value> {
        self.received()
            .await
            .0
            .into_iter()
            .flat_map(|(_, e)| e)
            .collect()
    }

    /// Waits (up to `within`) until `done` holds for the accepted events.
    pub(super) async fn wait_for(
        &self,
        within: Duration,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let until = Instant::now() + within;
        loop {
            let events = self.events().await;
            if done(&events) {
                return events;
            }
            assert!(
                Instant::now() < until,
                "events did not arrive in time; got {}: {:?}",
                events.len(),
                brief(&events).iter().take(40).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to `within`) for `count` events, then half a second for any extra one; asserts
    /// that every request verified and exactly `count` deliveries arrived. The events.
    pub(super) async fn exactly(&self, count: usize, within: Duration) -> Vec<Value> {
        let events = self.wait_for(within, |e| e.len() >= count).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (deliveries, rejected) = self.received().await;
        assert_eq!(rejected, 0, "every request verifies");
        assert_eq!(deliveries.len(), count, "{:?}", brief(&events));
        events
    }

    /// Makes the next delivery that carries an event of `tenant` fail (503).
    pub(super) async fn fail_next_of(&self, tenant: &str) {
        self.control(&format!("/fail?tenant={tenant}")).await;
    }

    /// Answers 503 to every delivery for the next `secs` seconds.
    pub(super) async fn down_for(&self, secs: u64) {
        self.control(&format!("/down?secs={secs}")).await;
    }

    /// Sends the receiver a control request (`path` with its query).
    async fn control(&self, path: &str) {
        let r = self.client.post(self.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 204);
    }
}

pub(super) fn brief(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let t = e["type"].as_str().unwrap_or("?");
            match e["reason"].as_str() {
                Some(r) => format!("{t}:{r}"),
                None => t.to_owned(),
            }
        })
        .collect()
}

fn count(events: &[Value], kind: &str) -> usize {
    brief(events).iter().filter(|b| *b == kind).count()
}

/// The admin API, events delivered to `hook` (quick retries, short leases), session storage
/// with the client `client-u`: what every events test runs with.
pub(super) fn events_overlay(hook: &str) -> String {
    format!(
        r#"
[admin]
token = "{ADMIN_TOKEN}"

[events]
enabled = true
poll_interval_ms = 50
sweep_interval_ms = 100
lease_ms = 1500

[[events.webhooks]]
name = "hook"
url = "{hook}"
secret = "{SECRET}"
retry_initial_ms = 100
retry_max_ms = 1000

[session_storage]
ws_url = "wss://ws.example.test/ws"
webrtc_url = "https://rtc.example.test"

[[session_storage.clients]]
client_id = "client-u"
client_secret = "secret-u"
max_sessions_per_user = 10
user_id = "event-user"
"#
    )
}

/// Session storage alone, with an evicting client and the flood clients.
pub(super) fn overlay(hook: &str) -> String {
    let mut clients = String::new();
    for i in 0..FLOOD_CLIENTS {
        clients.push_str(&format!(
            "\n[[session_storage.clients]]\nclient_id = \"flood-{i}\"\nclient_secret = \"secret-{i}\"\nmax_sessions_per_user = {FLOOD_PER_CLIENT}\n"
        ));
    }
    format!(
        r#"
[flavors]
enabled = ["session-storage"]
{events}
[[session_storage.clients]]
client_id = "client-evict"
client_secret = "secret-evict"
max_sessions_per_user = 2
limit_policy = "evict-oldest"
{clients}
"#,
        events = events_overlay(hook),
    )
}

#[derive(Clone, Copy)]
pub(super) enum Store {
    Memory,
    Redis,
    Cluster,
}

async fn spawn(store: Store, receiver: &Receiver) -> TestApp {
    spawn_with_overlay(store, &overlay(&receiver.url("/hook"))).await
}

pub(super) async fn spawn_with_overlay(store: Store, overlay: &str) -> TestApp {
    e2e::spawn_with(settings_for(store, overlay), Arc::new(SystemClock)).await
}

/// The test settings of `overlay` on `store` (Redis and the Cluster: keys under a fresh prefix).
pub(super) fn settings_for(store: Store, overlay: &str) -> gateway::configuration::Settings {
    let settings = e2e::test_settings(overlay);
    match store {
        Store::Memory => settings,
        Store::Redis => e2e::on_redis(settings, e2e::shared_redis()),
        Store::Cluster => e2e::on_cluster(settings, e2e::shared_cluster()),
    }
}

fn with(rb: RequestBuilder, (id, secret): (&str, &str)) -> RequestBuilder {
    rb.header("ClientID", id).header("ClientSecret", secret)
}

pub(super) async fn create(app: &TestApp, client: (&str, &str)) -> String {
    create_at(&app.client, &app.url(""), client).await
}

/// [`create`] at the gateway listening at `base`.
pub(super) async fn create_at(http: &reqwest::Client, base: &str, client: (&str, &str)) -> String {
    let r = with(http.post(format!("{base}/session-storage/session")), client)
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    body["data"]["id"].as_str().unwrap().to_owned()
}

pub(super) async fn delete(app: &TestApp, client: (&str, &str), id: &str) {
    let r = with(
        app.client
            .delete(app.url(&format!("/session-storage/sessions/{id}"))),
        client,
    )
    .send()
    .await
    .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

/// The status and JSON body (null when none) of the answer to `rb`.
pub(super) async fn answer(rb: RequestBuilder) -> (u16, Value) {
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(super) fn admin(app: &TestApp, method: reqwest::Method, path: &str) -> RequestBuilder {
    app.client
        .request(method, app.url(path))
        .bearer_auth(ADMIN_TOKEN)
}

/// Every event of the pull API, paging with `limit`.
pub(super) async fn pull_all(app: &TestApp, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/admin/v1/events?limit={limit}&after={a}"),
            None => format!("/admin/v1/events?limit={limit}"),
        };
        let (status, body) = answer(admin(app, reqwest::Method::GET, &path)).await;
        assert_eq!(status, 200, "{body}");
        let page = body["data"].as_array().unwrap().clone();
        assert!(page.len() <= limit);
        if page.is_empty() {
            return out;
        }
        out.extend(page);
        after = Some(body["next"].as_str().unwrap().to_owned());
    }
}

/// Events of each session, in the order they arrived.
fn per_session(events: &[Value]) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for e in events {
        if let Some(s) = e["session"].as_str() {
            out.entry(s.to_owned())
                .or_default()
                .push(brief(std::slice::from_ref(e)).remove(0));
        }
    }
    out
}

pub(super) fn assert_no_token(events: &[Value]) {
    for e in events {
        let text = e.to_string();
        assert!(
            !text.contains("token") && !text.contains("secret"),
            "an event carries a secret: {text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------

/// Sign-in, logout, eviction, an admin revoke and a tenant change each reach the receiver as a
/// signed event it verifies; the pull API pages through the same events.
async fn actions_reach_a_verifying_receiver(store: Store) {
    let receiver = Receiver::start().await;
    let app = spawn(store, &receiver).await;
    let a = create(&app, USER).await;
    delete(&app, USER, &a).await;
    for _ in 0..3 {
        create(&app, EVICT).await;
    }
    let b = create(&app, USER).await;
    let listed = "/admin/v1/sessions?flavor=session-storage&tenant=client-u";
    let (status, listed) = answer(admin(&app, reqwest::Method::GET, listed)).await;
    assert_eq!(status, 200, "{listed}");
    let live = listed["data"].as_array().unwrap();
    assert_eq!(live.len(), 1, "only {b} lives: {listed}");
    let handle = live[0]["handle"].as_str().unwrap().to_owned();
    let revoke = format!("/admin/v1/sessions/{handle}");
    let (status, _) = answer(admin(&app, reqwest::Method::DELETE, &revoke)).await;
    assert_eq!(status, 200);
    let tenants = "/admin/v1/tenants/session-storage-clients";
    let tenant = json!({"client_id": "rt-client", "client_secret": "rt-secret"});
    let (status, _) = answer(admin(&app, reqwest::Method::PUT, tenants).json(&tenant)).await;
    assert_eq!(status, 201);

    let events = receiver
        .wait_for(Duration::from_secs(20), |e| e.len() >= 9)
        .await;
    let mut kinds = brief(&events);
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "session.created",
            "session.created",
            "session.created",
            "session.created",
            "session.created",
            "session.revoked:admin",
            "session.revoked:limit-evicted",
            "session.revoked:logout",
            "tenant.changed",
        ]
    );
    let (deliveries, rejected) = receiver.received().await;
    assert_eq!(rejected, 0);
    let ids: HashSet<&String> = deliveries.iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids.len(),
        deliveries.len(),
        "a webhook-id was delivered twice"
    );
    for (id, events) in &deliveries {
        assert_eq!(events.len(), 1);
        assert_eq!(&events[0]["id"], id, "webhook-id is the event's id");
    }
    assert_no_token(&events);
    let created = events
        .iter()
        .find(|e| e["type"] == "session.created")
        .unwrap();
    assert_eq!(created["flavor"], "session-storage");
    assert!(created["tenant"].is_string());
    assert!(created["session"].is_string());
    assert!(created["time"].is_string());
    // Each session: created, then its end.
    for (session, kinds) in per_session(&events) {
        assert_eq!(kinds[0], "session.created", "{session}: {kinds:?}");
        assert!(kinds.len() <= 2, "{session}: {kinds:?}");
    }
    // The pull API: the same events, whatever the page size.
    let mut delivered: Vec<String> = events.iter().map(|e| e["id"].to_string()).collect();
    delivered.sort();
    for limit in [1, 2, 1000] {
        let pulled = pull_all(&app, limit).await;
        let mut ids: Vec<String> = pulled.iter().map(|e| e["id"].to_string()).collect();
        ids.sort();
        assert_eq!(ids, delivered, "limit {limit}");
    }
    let long_cursor = format!("events?after={}", "1".repeat(65));
    let bad_queries = [
        "events?limit=0",
        "events?limit=1001",
        "events?after=",
        "events?limit=x",
        "events?nope=1",
        long_cursor.as_str(),
        "events/dead-letters?webhook=hook&limit=0",
        "events/dead-letters?webhook=hook&limit=1001",
    ];
    for bad in bad_queries {
        let path = format!("/admin/v1/{bad}");
        let (status, body) = answer(admin(&app, reqwest::Method::GET, &path)).await;
        assert_eq!(status, 422, "{bad}");
        assert_eq!(body["error"]["code"], "invalid_request", "{bad}");
    }
    let r = app
        .client
        .get(app.url("/admin/v1/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let metrics = app.get_text("/metrics").await;
    assert!(metrics.contains("events_written_total"), "{metrics}");
    assert!(metrics.contains("events_delivered_total"), "{metrics}");
}

/// With the receiver down for `DOWN_SECS`, every event written meanwhile arrives once it is
/// back, each session's in order; the retries are counted.
async fn events_survive_a_receiver_outage(store: Store) {
    let receiver = Receiver::start().await;
    receiver.down_for(DOWN_SECS).await;
    let app = spawn(store, &receiver).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(create(&app, USER).await);
    }
    for id in &ids {
        delete(&app, USER, id).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(receiver.events().await.is_empty());
    let events = receiver
        .wait_for(Duration::from_secs(DOWN_SECS + 30), |e| e.len() >= 8)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let events_after = receiver.events().await;
    assert_eq!(events_after.len(), 8, "{:?}", brief(&events_after));
    let sessions = per_session(&events);
    assert_eq!(sessions.len(), 4);
    for (session, kinds) in sessions {
        assert_eq!(
            kinds,
            ["session.created", "session.revoked:logout"],
            "{session}"
        );
    }
    let metrics = app.get_text("/metrics").await;
    let retried = metrics
        .lines()
        .find(|l| l.starts_with("session_gateway_events_retried_total"))
        .unwrap_or_else(|| panic!("no retries counted: {metrics}"));
    assert!(!retried.ends_with(" 0"), "{retried}");
}

/// A flood of creates from many users loses no event: the pull API and the receiver each see
/// every one exactly once.
async fn a_flood_of_creates_loses_nothing(store: Store) {
    let receiver = Receiver::start().await;
    let app = Arc::new(spawn(store, &receiver).await);
    let clients: Vec<(String, String)> = (0..FLOOD_CLIENTS)
        .map(|i| (format!("flood-{i}"), format!("secret-{i}")))
        .collect();
    let jobs = (0..FLOOD_CLIENTS * FLOOD_PER_CLIENT).map(|n| clients[n % FLOOD_CLIENTS].clone());
    let created: Vec<String> = stream::iter(jobs)
        .map(|(id, secret)| {
            let app = app.clone();
            async move { create(&app, (&id, &secret)).await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let total = FLOOD_CLIENTS * FLOOD_PER_CLIENT;
    assert_eq!(created.len(), total);
    let pulled = pull_all(&app, 1000).await;
    assert_eq!(count(&pulled, "session.created"), total);
    let ids: HashSet<String> = pulled.iter().map(|e| e["id"].to_string()).collect();
    assert_eq!(ids.len(), pulled.len(), "the pull API repeated an event");
    let events = receiver
        .wait_for(Duration::from_secs(120), |e| e.len() >= total)
        .await;
    assert_eq!(count(&events, "session.created"), total);
    let ids: HashSet<String> = events.iter().map(|e| e["id"].to_string()).collect();
    assert_eq!(ids.len(), total, "an event was delivered twice");
    if let Store::Redis = store {
        // Delivered events are acknowledged in batches, but they are acknowledged.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut pending = unacknowledged_on_redis(&app);
        while pending != Some(0) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            pending = unacknowledged_on_redis(&app);
        }
        assert_eq!(pending, Some(0), "delivered events left unacknowledged");
    }
}

/// How many events the webhook `hook` read from `app`'s streams on the shared Redis and did not
/// acknowledge (`XPENDING` summed over the streams of its key prefix).
fn unacknowledged_on_redis(app: &TestApp) -> Option<u64> {
    const SUM: &str = "local n = 0 \
        for _, k in ipairs(redis.call('KEYS', ARGV[1])) do \
          if redis.call('TYPE', k).ok == 'stream' then \
            local ok, p = pcall(redis.call, 'XPENDING', k, ARGV[2]) \
            if ok then n = n + p[1] end \
          end \
        end \
        return n";
    let pattern = format!("{}:*", app.settings.store.key_prefix);
    e2e::shared_redis()
        .command(&["EVAL", SUM, "0", &pattern, "hook"])?
        .parse()
        .ok()
}

/// Requests sent together (one partition, different owners) that went through are not sent
/// again when one of them failed. On the memory store's one partition the deliverer usually
/// reads the first create's event alone (it is retried until the receiver's down time ends) and
/// the next three together; the second owner's request then fails once and is the only one sent
/// again. Every event arrives exactly once, on every store.
async fn a_retry_resends_only_the_request_that_failed(store: Store) {
    let receiver = Receiver::start().await;
    receiver.down_for(2).await;
    receiver.fail_next_of("flood-1").await;
    let app = spawn(store, &receiver).await;
    for i in 0..4 {
        create(&app, (&format!("flood-{i}"), &format!("secret-{i}"))).await;
    }
    let events = receiver.exactly(4, Duration::from_secs(30)).await;
    let mut tenants: Vec<&str> = events.iter().filter_map(|e| e["tenant"].as_str()).collect();
    tenants.sort_unstable();
    assert_eq!(tenants, ["flood-0", "flood-1", "flood-2", "flood-3"]);
}

on_stores! {
    a_retry_resends_only_the_request_that_failed => memory = Memory, redis = Redis;
    actions_reach_a_verifying_receiver => memory = Memory, redis = Redis, cluster = Cluster;
    events_survive_a_receiver_outage => memory = Memory, redis = Redis;
    a_flood_of_creates_loses_nothing => memory = Memory, redis = Redis;
}

/// Two replicas on one Redis share delivery: each event arrives once, whichever replica wrote
/// it; when one replica stops, the other delivers what it leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_deliver_each_event_once_on_redis() {
    let receiver = Receiver::start().await;
    let settings = e2e::on_redis(
        e2e::test_settings(&overlay(&receiver.url("/hook"))),
        e2e::shared_redis(),
    );
    let one = e2e::spawn_with(settings.clone(), Arc::new(SystemClock)).await;
    let two = e2e::spawn_with(settings, Arc::new(SystemClock)).await;
    let clients: Vec<(String, String)> = (0..FLOOD_CLIENTS)
        .map(|i| (format!("flood-{i}"), format!("secret-{i}")))
        .collect();
    let per_replica = 150;
    for n in 0..per_replica {
        let (id, secret) = &clients[n % FLOOD_CLIENTS];
        create(&one, (id, secret)).await;
        create(&two, (id, secret)).await;
    }
    let events = receiver
        .wait_for(Duration::from_secs(30), |e| e.len() >= 2 * per_replica)
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (deliveries, rejected) = receiver.received().await;
    assert_eq!(rejected, 0);
    assert_eq!(deliveries.len(), 2 * per_replica, "{:?}", brief(&events));
    let ids: HashSet<&String> = deliveries.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 2 * per_replica, "an event was delivered twice");

    // One replica goes; what is written next still arrives, through the other.
    one.stop().await;
    for n in 0..20 {
        let (id, secret) = &clients[n % FLOOD_CLIENTS];
        create(&two, (id, secret)).await;
    }
    receiver
        .wait_for(Duration::from_secs(30), |e| e.len() >= 2 * per_replica + 20)
        .await;
}
