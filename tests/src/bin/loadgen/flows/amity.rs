//! Amity: logins of new and returning users, and token checks.

use futures_util::stream::{self, StreamExt};
use reqwest::{Response, StatusCode};
use serde_json::json;

use super::client::{expect, json_field, Client, Outcome};
use crate::tenants::AMITY_KEY;

/// How many returning users `amity-register` takes in turn.
pub const RETURNING_USERS: u64 = 1000;

/// A login of `user` on the bench device.
pub async fn register(c: &Client, user: &str) -> Outcome {
    Outcome::of(1, expect(login(c, user).await, StatusCode::OK))
}

/// The access token of a login of `user`.
pub async fn token(c: &Client, user: &str) -> Result<String, String> {
    json_field(login(c, user).await, StatusCode::OK, "/accessToken").await
}

/// `GET /api/v3/sessions` with `token`.
pub async fn check(c: &Client, token: &str) -> Outcome {
    let sent = c
        .http
        .get(c.url("/api/v3/sessions"))
        .bearer_auth(token)
        .send()
        .await;
    Outcome::of(1, expect(sent, StatusCode::OK))
}

/// The `i`-th returning user.
pub fn returning_user(i: u64) -> String {
    format!("bench-{}", i % RETURNING_USERS)
}

/// A user no earlier login of this process named.
pub fn new_user(c: &Client) -> String {
    format!("new-{}-{}", std::process::id(), c.next())
}

/// Logs every returning user in once, `concurrency` at a time.
pub async fn register_returning_users(c: &Client, concurrency: usize) -> Result<(), String> {
    let failures: Vec<String> = stream::iter(0..RETURNING_USERS)
        .map(|i| async move { register(c, &returning_user(i)).await.failure })
        .buffer_unordered(concurrency.max(1))
        .filter_map(|failure| async move { failure })
        .collect()
        .await;
    match failures.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "{} logins failed in setup: {first}",
            failures.len()
        )),
    }
}

async fn login(c: &Client, user: &str) -> reqwest::Result<Response> {
    c.http
        .post(c.url("/api/v5/sessions"))
        .header("x-api-key", AMITY_KEY)
        .json(&json!({"userId": user, "deviceId": "bench-device", "deviceInfo": {"kind": "node"}}))
        .send()
        .await
}
