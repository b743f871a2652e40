//! The edge of the gateway: stalled bodies answered 408 in each flavor's format, wrong
//! credentials of every flavor and of the admin API answered 429 with `Retry-After`, a flood of
//! bad requests that writes no WARN or ERROR line, a cap on connections that keeps `/healthz`
//! answering, and a forced shutdown that exits non-zero. Loopback only, bounded in count and time.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use e2e::process::Gateway;
use e2e::TestApp;
use flavor_kit::EdgeError;
use serde_json::{json, Value};
use session_core::Flavor;

/// Every flavor on, one tenant each, small throttling windows.
const ALL: &str = r#"
[flavors]
enabled = ["quickblox", "amity", "session-storage", "quicksync"]

[admin]
token = "edge-admin-token-0123456789"

[admin.throttle]
max_failures_per_client = 3

[[quickblox.applications]]
application_id = 4242
auth_key = "edge-key"
auth_secret = "edge-secret"

[amity.throttle]
max_failures_per_client = 3

[[amity.networks]]
api_key = "edge-amity-key"
server_key = "edge-amity-server-key"
network_id = "edge-net"

[session_storage]
ws_url = "wss://ws.test.invalid/streaming"
webrtc_url = "wss://rtc.test.invalid"

[session_storage.throttle]
max_failures_per_client = 3

[[session_storage.clients]]
client_id = "edge-client"
client_secret = "edge-client-secret"

[quicksync.throttle]
max_failures_per_client = 3

[[quicksync.api_keys]]
key = "edge-qs-key"

[quicksync.wallet_token]
hs256_secret = "edge-quicksync-wallet-secret-0123456789"
ttl_seconds = 900
"#;

/// One request a flavor reads a body for, with the headers that get it that far.
struct BodyRoute {
    flavor: Flavor,
    path: &'static str,
    headers: &'static str,
}

const BODY_ROUTES: [BodyRoute; 4] = [
    BodyRoute {
        flavor: Flavor::Quickblox,
        path: "/session.json",
        headers: "",
    },
    BodyRoute {
        flavor: Flavor::Amity,
        path: "/api/v3/sessions",
        headers: "x-api-key: edge-amity-key\r\n",
    },
    BodyRoute {
        flavor: Flavor::SessionStorage,
        path: "/session-storage/session",
        headers: "ClientID: edge-client\r\nClientSecret: edge-client-secret\r\n",
    },
    BodyRoute {
        flavor: Flavor::Quicksync,
        path: "/v1/wallet-proof/verify",
        headers: "",
    },
];

/// Opens a connection to `socket` and sends a request for `route` that promises 100 bytes of
/// JSON body and sends one.
fn stall(socket: &str, route: &BodyRoute) -> TcpStream {
    let mut s = TcpStream::connect(socket).unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\n{}Content-Length: 100\r\n\r\n{{",
        route.path, route.headers
    );
    s.write_all(head.as_bytes()).unwrap();
    s
}

/// Reads an answer to its end (the server closes the connection), within `limit`: status, head
/// and body.
fn answer(mut s: TcpStream, limit: Duration) -> (u16, String, String) {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("no answer within {limit:?}: {e}"));
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_owned())
}

/// A stalled body is answered 408 in the flavor's own format once `server.body_timeout_secs`
/// has passed, and its connection is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_bodies_are_answered_408_in_each_flavors_format() {
    let mut settings = e2e::test_settings(ALL);
    settings.server.body_timeout_secs = 1;
    let app = e2e::spawn_with(settings, std::sync::Arc::new(session_core::SystemClock)).await;
    let socket = format!("127.0.0.1:{}", app.port);
    let streams: Vec<_> = BODY_ROUTES
        .iter()
        .map(|r| (r, stall(&socket, r), Instant::now()))
        .collect();
    let checks = streams.into_iter().map(|(route, s, started)| {
        tokio::task::spawn_blocking(move || {
            let (status, head, body) = answer(s, Duration::from_secs(5));
            let elapsed = started.elapsed();
            (route.flavor, route.path, status, head, body, elapsed)
        })
    });
    for done in futures_util::future::join_all(checks).await {
        let (flavor, path, status, head, body, elapsed) = done.unwrap();
        assert_eq!(status, 408, "{flavor:?}: {head}\n{body}");
        assert!(head.contains("connection: close"), "{flavor:?}: {head}");
        let (_, _, expected) = e2e::edge_answer(flavor, EdgeError::TimedOut, path);
        let got: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(got, expected, "{flavor:?}");
        assert!(
            elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
            "{flavor:?} answered after {elapsed:?}"
        );
    }
}

/// A request head that stops halfway is cut once `server.header_timeout_secs` has passed, and
/// an idle keep-alive connection once `server.keep_alive_secs` has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_heads_and_idle_connections_are_closed_in_time() {
    let mut settings = e2e::test_settings(ALL);
    settings.server.header_timeout_secs = 1;
    settings.server.keep_alive_secs = 1;
    let app = e2e::spawn_with(settings, std::sync::Arc::new(session_core::SystemClock)).await;
    let socket = format!("127.0.0.1:{}", app.port);
    let closed_after = |mut s: TcpStream| {
        let started = Instant::now();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest)
            .unwrap_or_else(|e| panic!("not closed within 5 s: {e}"));
        (
            started.elapsed(),
            String::from_utf8_lossy(&rest).into_owned(),
        )
    };
    let mut half = TcpStream::connect(&socket).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: edge\r\n")
        .unwrap();
    let (took, answer) = tokio::task::spawn_blocking(move || closed_after(half))
        .await
        .unwrap();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "a stalled head was cut after {took:?}: {answer}"
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );

    let mut idle = TcpStream::connect(&socket).unwrap();
    let asked = Instant::now();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: edge\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    tokio::task::spawn_blocking(move || closed_after(idle))
        .await
        .unwrap();
    // The server's timers tick coarsely: about a second, not the default five.
    let took = asked.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "an idle connection was closed {took:?} after its request"
    );
}

/// A wallet bearer QuickSync accepts (signed with [`ALL`]'s wallet secret): what gets a
/// request as far as its API key.
fn wallet_token() -> String {
    let now = chrono::Utc::now().timestamp();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": "0x52908400098527886e0f7030069857d2e4169ee7", "exp": now + 600, "iat": now}),
        &jsonwebtoken::EncodingKey::from_secret(b"edge-quicksync-wallet-secret-0123456789"),
    )
    .unwrap()
}

/// Asserts a throttled answer of `flavor` at `path`: 429, `Retry-After` within the window, the
/// flavor's own body.
async fn assert_throttled(r: reqwest::Response, flavor: Flavor, path: &str) {
    assert_eq!(r.status().as_u16(), 429, "{flavor:?}");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=901).contains(&retry), "Retry-After {retry}");
    let (_, _, expected) =
        e2e::edge_answer(flavor, EdgeError::Throttled { retry_after: retry }, path);
    assert_eq!(r.json::<Value>().await.unwrap(), expected, "{flavor:?}");
}

/// Wrong credentials of each flavor from one client: the first 3 (the client window) are
/// checked and refused 401, every one after them is answered 429 in the flavor's format; the
/// admin API does the same with its bearer.
async fn wrong_credentials_of_every_flavor_are_throttled(app: &TestApp) {
    type Send = fn(&TestApp) -> reqwest::RequestBuilder;
    let cases: [(Flavor, &str, Send); 3] = [
        (Flavor::Amity, "/api/v3/sessions", |app| {
            app.client
                .post(app.url("/api/v3/sessions"))
                .header("x-api-key", "wrong-amity-key")
                .json(&json!({"userId": "u1", "deviceId": "d1"}))
        }),
        (Flavor::SessionStorage, "/session-storage/session", |app| {
            app.client
                .post(app.url("/session-storage/session"))
                .header("ClientID", "edge-client")
                .header("ClientSecret", "wrong-secret")
                .json(&json!({"data": {}}))
        }),
        (Flavor::Quicksync, "/v1/session", |app| {
            app.client
                .post(app.url("/v1/session"))
                .header("X-API-KEY", "wrong-qs-key")
                .bearer_auth(wallet_token())
                .json(&json!({}))
        }),
    ];
    for (flavor, path, send) in cases {
        for i in 0..3 {
            let r = send(app).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 401, "{flavor:?} attempt {i}");
        }
        for _ in 0..3 {
            assert_throttled(send(app).send().await.unwrap(), flavor, path).await;
        }
    }
    let admin = |bearer: &str| {
        app.client
            .get(app.url("/admin/v1/sessions"))
            .bearer_auth(bearer)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(admin("wrong").await.unwrap().status().as_u16(), 401);
    }
    for bearer in ["wrong", "edge-admin-token-0123456789"] {
        let r = admin(bearer).await.unwrap();
        assert_eq!(r.status().as_u16(), 429);
        assert!(r.headers().contains_key("retry-after"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_attempts", "{body}");
    }
    // Every worker refuses the address, whichever a new connection lands on.
    for _ in 0..4 {
        let r = reqwest::Client::new()
            .get(app.url("/admin/v1/sessions"))
            .bearer_auth("edge-admin-token-0123456789")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 429);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_attempts", "{body}");
    }
}

on_both_stores!(and_cluster ALL => wrong_credentials_of_every_flavor_are_throttled);

/// A configuration file for a gateway process: [`ALL`].
pub(super) fn config_file(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sg-edge-{tag}-{}",
        session_core::token::random_hex(4).unwrap()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gateway.toml");
    std::fs::write(&path, ALL).unwrap();
    path
}

/// The JSON log lines at `level`.
pub(super) fn at_level(lines: &[String], level: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| v["level"] == level)
                || !l.starts_with('{') && l.contains(level)
        })
        .cloned()
        .collect()
}

/// 1,000 bad requests (wrong credentials of every flavor, unknown paths and methods, malformed
/// bodies, garbage that is not HTTP, connections cut mid-request) write no WARN or ERROR line:
/// one INFO access line per request that reached the gateway, without secrets or colours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bad_requests_writes_no_warn_or_error_line() {
    let config = config_file("flood");
    let gw = Gateway::start(&config, &[], None);
    let http = reqwest::Client::new();
    let mut sent = 0;
    for i in 0..90 {
        let requests = [
            http.post(gw.url("/session.json"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("application_id=4242&auth_key=edge-key&nonce=1&timestamp=1&signature=bad"),
            http.post(gw.url("/api/v3/sessions"))
                .header("x-api-key", "flood-wrong-key")
                .json(&json!({"userId": "u"})),
            http.post(gw.url("/session-storage/session"))
                .header("ClientID", "edge-client")
                .header("ClientSecret", "flood-wrong-secret")
                .json(&json!({"data": {}})),
            http.post(gw.url("/v1/session"))
                .header("X-API-KEY", "flood-wrong-qs-key")
                .json(&json!({})),
            http.post(gw.url("/v1/wallet-proof/verify"))
                .header("Content-Type", "application/json")
                .body("{not json"),
            http.get(gw.url(&format!("/no/such/path/{i}"))),
            http.request(reqwest::Method::TRACE, gw.url("/healthz")),
            http.get(gw.url("/admin/v1/sessions"))
                .bearer_auth("flood-wrong-bearer"),
            http.get(gw.url("/session.json"))
                .header("QB-Token", "flood-not-a-token"),
            http.delete(gw.url("/session-storage/session/xyz")),
        ];
        for r in requests {
            let status = r.send().await.unwrap().status();
            assert!(status.is_client_error(), "{status}");
            sent += 1;
        }
    }
    // Not HTTP at all, and requests cut before their end.
    let socket = gw.socket();
    tokio::task::spawn_blocking(move || {
        for i in 0..50 {
            let mut s = TcpStream::connect(&socket).unwrap();
            s.write_all(b"GARBAGE \x01\x02 NOT HTTP\r\n\r\n").unwrap();
            let _ = answer(s, Duration::from_secs(5));
            let mut s = TcpStream::connect(&socket).unwrap();
            let cut =
                format!("POST /session.json HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{i}");
            s.write_all(cut.as_bytes()).unwrap();
        }
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sent, 900);
    let lines = gw.lines();
    let loud: Vec<_> = ["WARN", "ERROR"]
        .iter()
        .flat_map(|level| at_level(&lines, level))
        .collect();
    assert!(
        loud.is_empty(),
        "{} loud lines, first: {:?}",
        loud.len(),
        loud.first()
    );
    let access: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["target"] == "gateway::access")
        .collect();
    assert!(access.len() >= sent, "{} access lines", access.len());
    let mut ids = std::collections::HashSet::new();
    for v in &access {
        assert_eq!(v["level"], "INFO", "{v}");
        for field in ["method", "route", "status", "latency_us", "request_id"] {
            assert!(!v[field].is_null(), "{field} missing: {v}");
        }
        assert!(ids.insert(v["request_id"].to_string()), "repeated id {v}");
    }
    for line in &lines {
        assert!(!line.contains('\u{1b}'), "colour code in {line}");
        for secret in ["flood-wrong", "edge-client-secret", "/no/such/path"] {
            assert!(!line.contains(secret), "{secret} logged: {line}");
        }
    }
}

/// `/healthz` and a session-storage login, each answered within a second.
pub(super) async fn serves_within_a_second(gw: &Gateway, http: &reqwest::Client) {
    let started = Instant::now();
    let r = http.get(gw.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "/healthz took {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let r = http
        .post(gw.url("/session-storage/session"))
        .header("ClientID", "edge-client")
        .header("ClientSecret", "edge-client-secret")
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the login took {:?}",
        started.elapsed()
    );
}

/// Asks `/healthz` (with `http`, whose timeout is 1 s) until it answers 200, and asserts that it
/// did within a second of the call (of held connections being cut); returns how long it took.
pub(super) async fn healthz_within_a_second_of_the_cut(
    gw: &Gateway,
    http: &reqwest::Client,
) -> Duration {
    let cut = Instant::now();
    loop {
        match http.get(gw.url("/healthz")).send().await {
            Ok(r) if r.status() == 200 => return cut.elapsed(),
            _ => assert!(
                cut.elapsed() < Duration::from_secs(1),
                "no /healthz within 1 s of the cut"
            ),
        }
    }
}

/// With the connections capped below a small open-file limit (`ulimit -n 512`: 256 of them),
/// `/healthz` answers within a second while 100 stalled bodies are held; 400 more (past the cap)
/// do not bring the process down, and once they are cut it answers within a second again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_never_stop_healthz() {
    let config = config_file("stall");
    let gw = Gateway::start(
        &config,
        &[("GATEWAY__SERVER__BODY_TIMEOUT_SECS", "5")],
        Some(512),
    );
    let socket = gw.socket();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let held = {
        let socket = socket.clone();
        tokio::task::spawn_blocking(move || {
            (0..100)
                .map(|i| stall(&socket, &BODY_ROUTES[i % 4]))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap()
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    serves_within_a_second(&gw, &http).await;

    let more = {
        let socket = socket.clone();
        tokio::task::spawn_blocking(move || {
            (0..400)
                .filter_map(|i| {
                    let mut s = TcpStream::connect(&socket).ok()?;
                    s.write_all(
                        b"POST /session.json HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
                    )
                    .ok()?;
                    let _ = i;
                    Some(s)
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap()
    };
    assert!(more.len() >= 300, "only {} connections opened", more.len());
    drop(more);
    drop(held);
    healthz_within_a_second_of_the_cut(&gw, &http).await;
    assert!(
        at_level(&gw.lines(), "ERROR").is_empty(),
        "{:?}",
        at_level(&gw.lines(), "ERROR")
    );
}

/// SIGTERM with a request in flight past `server.shutdown_timeout_secs`: the process exits with
/// status 3 and says it dropped one request; with nothing in flight, status 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_shutdown_exits_non_zero_with_the_dropped_count() {
    let config = config_file("shutdown");
    let env = [
        ("GATEWAY__SERVER__SHUTDOWN_TIMEOUT_SECS", "1"),
        ("GATEWAY__SERVER__BODY_TIMEOUT_SECS", "30"),
        ("GATEWAY__LOG__FORMAT", "text"),
    ];
    let mut gw = Gateway::start(&config, &env, None);
    let stalled = stall(&gw.socket(), &BODY_ROUTES[0]);
    std::thread::sleep(Duration::from_millis(300));
    gw.terminate();
    let status = tokio::task::spawn_blocking(move || {
        let status = gw.wait(Duration::from_secs(10));
        (status, gw.stderr(), gw.lines())
    })
    .await
    .unwrap();
    drop(stalled);
    let (status, stderr, lines) = status;
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("dropped 1 in-flight request"), "{stderr}");
    assert!(
        lines.iter().all(|l| !l.contains('\u{1b}')),
        "colours in a pipe"
    );

    let mut gw = Gateway::start(&config, &env, None);
    gw.terminate();
    let status = tokio::task::spawn_blocking(move || gw.wait(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}
