//! A small closed-loop load generator for `make bench`: N concurrent clients run one scenario
//! against a running gateway for a fixed time and print one markdown table row.
//!
//! `loadgen BASE_URL SCENARIO SECONDS CONCURRENCY LABEL`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};

/// The credentials of config/bench.toml.
const QB_APP: u64 = 4242;
const QB_KEY: &str = "k3yK3yK3y";
const QB_SECRET: &str = "s3cr3tS3cr3t";
const AMITY_KEY: &str = "amity-key";
const QS_KEY: &str = "qs-key";
const QS_WALLET_SECRET: &str = "wallet-secret";
const SS_ID: &str = "client-a";
const SS_SECRET: &str = "secret-a";

struct Ctx {
    base: String,
    client: reqwest::Client,
    counter: AtomicI64,
    token: String,
    extra: String,
}

type Op = fn(Arc<Ctx>) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: loadgen BASE_URL SCENARIO SECONDS CONCURRENCY LABEL");
        std::process::exit(2);
    }
    let (base, scenario, label) = (args[1].clone(), args[2].clone(), args[5].clone());
    let seconds: u64 = args[3].parse().unwrap();
    let concurrency: usize = args[4].parse().unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .no_proxy()
        .build()
        .unwrap();
    let mut ctx = Ctx {
        base,
        client,
        counter: AtomicI64::new(0),
        token: String::new(),
        extra: String::new(),
    };
    let op: Op = match scenario.as_str() {
        "healthz" => |c| Box::pin(healthz(c)),
        "qb-create" => |c| Box::pin(qb_create(c)),
        "qb-get" => {
            ctx.token = qb_token(&ctx).await;
            |c| Box::pin(qb_get(c))
        }
        "amity-register" => |c| Box::pin(amity_register(c)),
        "amity-check" => {
            ctx.token = amity_token(&ctx, "bench-checker").await;
            |c| Box::pin(amity_check(c))
        }
        "qs-create" => {
            ctx.token = wallet_jwt();
            |c| Box::pin(qs_create(c))
        }
        "qs-current" => {
            ctx.extra = wallet_jwt();
            ctx.token = qs_session_token(&ctx).await;
            |c| Box::pin(qs_current(c))
        }
        "ss-create-delete" => |c| Box::pin(ss_create_delete(c)),
        "ss-get" => {
            ctx.extra = ss_create(&ctx)
                .await
                .expect("setup: create a session-storage session");
            |c| Box::pin(ss_get(c))
        }
        other => {
            eprintln!("unknown scenario {other}");
            std::process::exit(2);
        }
    };
    let ctx = Arc::new(ctx);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(1 << 14);
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    if !op(ctx.clone()).await {
                        errors += 1;
                    }
                    lat.push(t.elapsed().as_micros() as u64);
                }
                (lat, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await.unwrap();
        all.extend(lat);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| {
        if all.is_empty() {
            0.0
        } else {
            all[((all.len() - 1) as f64 * p) as usize] as f64 / 1000.0
        }
    };
    println!(
        "| {scenario} | {label} | {concurrency} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {errors} |",
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99),
        pct(0.999),
    );
}

async fn healthz(c: Arc<Ctx>) -> bool {
    ok(
        c.client.get(format!("{}/healthz", c.base)).send().await,
        200,
    )
}

fn ok(r: reqwest::Result<reqwest::Response>, want: u16) -> bool {
    matches!(r, Ok(r) if r.status().as_u16() == want)
}

fn qb_form(c: &Ctx) -> String {
    let nonce = c.counter.fetch_add(1, Ordering::Relaxed) + 1;
    let ts = chrono::Utc::now().timestamp();
    let msg = format!("application_id={QB_APP}&auth_key={QB_KEY}&nonce={nonce}&timestamp={ts}");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(QB_SECRET.as_bytes()).unwrap();
    mac.update(msg.as_bytes());
    format!(
        "{msg}&signature={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

async fn qb_post(c: &Ctx) -> reqwest::Result<reqwest::Response> {
    c.client
        .post(format!("{}/session.json", c.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(qb_form(c))
        .send()
        .await
}

async fn qb_create(c: Arc<Ctx>) -> bool {
    ok(qb_post(&c).await, 201)
}

async fn qb_token(c: &Ctx) -> String {
    let v: Value = qb_post(c).await.unwrap().json().await.unwrap();
    v["session"]["token"]
        .as_str()
        .expect("a QuickBlox token")
        .to_owned()
}

async fn qb_get(c: Arc<Ctx>) -> bool {
    ok(
        c.client
            .get(format!("{}/session.json", c.base))
            .header("QB-Token", &c.token)
            .send()
            .await,
        200,
    )
}

async fn amity_post(c: &Ctx, user: &str) -> reqwest::Result<reqwest::Response> {
    c.client
        .post(format!("{}/api/v5/sessions", c.base))
        .header("x-api-key", AMITY_KEY)
        .json(&json!({"userId": user, "deviceId": "bench-device", "deviceInfo": {"kind": "node"}}))
        .send()
        .await
}

async fn amity_register(c: Arc<Ctx>) -> bool {
    let n = c.counter.fetch_add(1, Ordering::Relaxed) % 1000;
    ok(amity_post(&c, &format!("bench-{n}")).await, 200)
}

async fn amity_token(c: &Ctx, user: &str) -> String {
    let v: Value = amity_post(c, user).await.unwrap().json().await.unwrap();
    v["accessToken"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

async fn amity_check(c: Arc<Ctx>) -> bool {
    ok(
        c.client
            .get(format!("{}/api/v3/sessions", c.base))
            .bearer_auth(&c.token)
            .send()
            .await,
        200,
    )
}

fn wallet_jwt() -> String {
    let exp = chrono::Utc::now().timestamp() + 3600;
    let claims =
        json!({"sub": "0x8ba1f109551bd432803012645ac136ddd64dba72", "exp": exp, "iat": exp - 3600});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(QS_WALLET_SECRET.as_bytes()),
    )
    .unwrap()
}

async fn qs_post(c: &Ctx, wallet: &str) -> reqwest::Result<reqwest::Response> {
    c.client
        .post(format!("{}/v1/session", c.base))
        .header("X-API-KEY", QS_KEY)
        .bearer_auth(wallet)
        .json(&json!({"identity": {"name": "bench"}, "rules": {"userCapacity": 10}}))
        .send()
        .await
}

async fn qs_create(c: Arc<Ctx>) -> bool {
    ok(qs_post(&c, &c.token).await, 200)
}

async fn qs_session_token(c: &Ctx) -> String {
    let v: Value = qs_post(c, &c.extra).await.unwrap().json().await.unwrap();
    v["credentials"]["token"]
        .as_str()
        .expect("a session token")
        .to_owned()
}

async fn qs_current(c: Arc<Ctx>) -> bool {
    ok(
        c.client
            .get(format!("{}/v1/session/current", c.base))
            .bearer_auth(&c.token)
            .send()
            .await,
        200,
    )
}

async fn ss_create(c: &Ctx) -> Option<String> {
    let r = c
        .client
        .post(format!("{}/session-storage/session", c.base))
        .header("ClientID", SS_ID)
        .header("ClientSecret", SS_SECRET)
        .json(&json!({"data": {}}))
        .send()
        .await
        .ok()?;
    if r.status() != 201 {
        return None;
    }
    let v: Value = r.json().await.ok()?;
    v["data"]["id"].as_str().map(str::to_owned)
}

async fn ss_create_delete(c: Arc<Ctx>) -> bool {
    let Some(id) = ss_create(&c).await else {
        return false;
    };
    ok(
        c.client
            .delete(format!("{}/session-storage/sessions/{id}", c.base))
            .header("ClientID", SS_ID)
            .header("ClientSecret", SS_SECRET)
            .send()
            .await,
        204,
    )
}

async fn ss_get(c: Arc<Ctx>) -> bool {
    ok(
        c.client
            .get(format!("{}/session-storage/sessions/{}", c.base, c.extra))
            .header("ClientID", SS_ID)
            .header("ClientSecret", SS_SECRET)
            .send()
            .await,
        200,
    )
}
