//! Per-flavor microservices: two gateway processes (the real binary), each serving one flavor,
//! on one Redis. They share sessions, run-time tenants and the admin view.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

const ADMIN: &str = "admin-token-0123456789";

struct Process {
    child: Child,
    base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(flavor: &str, redis_url: &str, prefix: &str, config: &std::path::Path) -> Process {
    let mut child = Command::new(e2e::process::binary())
        .args(["serve", "--config"])
        .arg(config)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("APP_ENV", "test")
        .env("GATEWAY__SERVER__PORT", "0")
        .env("GATEWAY__SERVER__WORKERS", "1")
        .env("GATEWAY__LOG__FORMAT", "json")
        .env("GATEWAY__LOG__LEVEL", "info")
        .env("GATEWAY__FLAVORS__ENABLED", flavor)
        .env("GATEWAY__STORE__BACKEND", "redis")
        .env("GATEWAY__STORE__URL", redis_url)
        .env("GATEWAY__STORE__KEY_PREFIX", prefix)
        .env("GATEWAY__STORE__TOKEN_SECRET", "shared-secret-0123456789")
        .env("GATEWAY__ADMIN__TOKEN", ADMIN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the gateway exited before listening")
            .unwrap();
        if let Ok(v) = serde_json::from_str::<Value>(&line) {
            if let Some(a) = v["address"].as_str() {
                break a.to_owned();
            }
        }
    };
    // Keep draining stdout so the process never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Process { child, base }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_single_flavor_processes_share_sessions_and_the_admin_view() {
    let redis = e2e::shared_redis();
    let prefix = format!("pf{}", session_core::token::random_hex(4).unwrap());
    let dir = std::env::temp_dir().join(format!("sg-pf-{prefix}"));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("tenants.toml");
    std::fs::write(
        &config,
        r#"
[[session_storage.clients]]
client_id = "client-a"
client_secret = "secret-a"
user_id = "user-a"

[[amity.networks]]
api_key = "amity-key"
server_key = "amity-server-key"
network_id = "net-1"
"#,
    )
    .unwrap();
    let storage = start("session-storage", &redis.url(), &prefix, &config);
    let amity = start("amity", &redis.url(), &prefix, &config);
    let http = reqwest::Client::new();

    // Each process serves its own flavor only.
    let r = http
        .post(format!("{}/api/v5/sessions", storage.base))
        .header("x-api-key", "amity-key")
        .json(&json!({"userId": "u1", "deviceId": "d1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // A session created through the session-storage process...
    let r = http
        .post(format!("{}/session-storage/session", storage.base))
        .header("ClientID", "client-a")
        .header("ClientSecret", "secret-a")
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // ...and one through the Amity process.
    let r = http
        .post(format!("{}/api/v5/sessions", amity.base))
        .header("x-api-key", "amity-key")
        .json(&json!({"userId": "u1", "deviceId": "d1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The Amity process's admin API sees the session-storage session, and revokes it.
    let list: Value = http
        .get(format!("{}/admin/v1/sessions", amity.base))
        .query(&[("tenant", "client-a"), ("subject", "user-a")])
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{list}");
    assert_eq!(data[0]["flavor"], "session-storage");
    let handle = data[0]["handle"].as_str().unwrap();
    let r = http
        .delete(format!("{}/admin/v1/sessions/{handle}", amity.base))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .get(format!("{}/session-storage/sessions/{id}", storage.base))
        .header("ClientID", "client-a")
        .header("ClientSecret", "secret-a")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "revoked through the other process");

    // And the other way round: the storage process's admin view lists the Amity session.
    let list: Value = http
        .get(format!("{}/admin/v1/sessions", storage.base))
        .query(&[("tenant", "net-1"), ("subject", "u1")])
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{list}");
    assert_eq!(data[0]["flavor"], "amity");

    // A tenant added at run time through one process is served by the other.
    let r = http
        .put(format!(
            "{}/admin/v1/tenants/session-storage-clients",
            amity.base
        ))
        .bearer_auth(ADMIN)
        .json(&json!({"client_id": "client-rt", "client_secret": "secret-rt"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .post(format!("{}/session-storage/session", storage.base))
        .header("ClientID", "client-rt")
        .header("ClientSecret", "secret-rt")
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let _ = std::fs::remove_dir_all(dir);
}
