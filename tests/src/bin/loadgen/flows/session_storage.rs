//! Session storage: creates, deletes and reads of sessions.

use reqwest::{RequestBuilder, StatusCode};
use serde_json::json;

use super::client::{expect, json_field, Client, Outcome};
use crate::tenants::{SS_ID, SS_POOL, SS_POOL_SECRET, SS_SECRET};

/// A client's credentials (one client is one user).
#[derive(Clone, Copy)]
pub struct Credentials {
    id: &'static str,
    secret: &'static str,
}

/// The client of the one-user scenarios.
pub const ONE: Credentials = Credentials {
    id: SS_ID,
    secret: SS_SECRET,
};

/// The `i`-th client of the pool, in turn.
pub fn pooled(i: u64) -> Credentials {
    let n = SS_POOL.len() as u64;
    Credentials {
        id: SS_POOL[(i % n) as usize],
        secret: SS_POOL_SECRET,
    }
}

/// A create for `who`.
pub async fn create(c: &Client, who: Credentials) -> Outcome {
    Outcome::of(1, expect(post(c, who).await, StatusCode::CREATED))
}

/// The id of a new session of `who`.
pub async fn create_id(c: &Client, who: Credentials) -> Result<String, String> {
    json_field(post(c, who).await, StatusCode::CREATED, "/data/id").await
}

/// A create, then the delete of that session.
pub async fn create_delete(c: &Client) -> Outcome {
    let id = match create_id(c, ONE).await {
        Ok(id) => id,
        Err(e) => return Outcome::of(1, Err(e)),
    };
    let path = format!("/session-storage/sessions/{id}");
    let sent = signed(c.http.delete(c.url(&path)), ONE).send().await;
    Outcome::of(2, expect(sent, StatusCode::NO_CONTENT))
}

/// `GET /session-storage/sessions/{id}` of the one-user client.
pub async fn get(c: &Client, path: &str) -> Outcome {
    let sent = signed(c.http.get(c.url(path)), ONE).send().await;
    Outcome::of(1, expect(sent, StatusCode::OK))
}

async fn post(c: &Client, who: Credentials) -> reqwest::Result<reqwest::Response> {
    signed(c.http.post(c.url("/session-storage/session")), who)
        .json(&json!({"data": {}}))
        .send()
        .await
}

fn signed(request: RequestBuilder, who: Credentials) -> RequestBuilder {
    request
        .header("ClientID", who.id)
        .header("ClientSecret", who.secret)
}
