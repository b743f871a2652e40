//! QuickSync: group creates and the member's view.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Response, StatusCode};
use serde_json::json;

use super::client::{expect, json_field, Client, Outcome};
use crate::tenants::{QS_KEY, QS_WALLET, QS_WALLET_SECRET};

/// A wallet token of the bench wallet, valid for an hour.
pub fn wallet_jwt() -> Result<String, String> {
    let exp = chrono::Utc::now().timestamp() + 3600;
    let claims = json!({"sub": QS_WALLET, "exp": exp, "iat": exp - 3600});
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(QS_WALLET_SECRET.as_bytes()),
    )
    .map_err(|e| format!("cannot sign a wallet token: {e}"))
}

/// `POST /v1/session`: a new group with its host.
pub async fn create(c: &Client, wallet: &str) -> Outcome {
    Outcome::of(1, expect(post(c, wallet).await, StatusCode::OK))
}

/// The host's session token of a new group.
pub async fn token(c: &Client, wallet: &str) -> Result<String, String> {
    json_field(post(c, wallet).await, StatusCode::OK, "/credentials/token").await
}

/// `GET /v1/session/current` with `token`.
pub async fn current(c: &Client, token: &str) -> Outcome {
    let sent = c
        .http
        .get(c.url("/v1/session/current"))
        .bearer_auth(token)
        .send()
        .await;
    Outcome::of(1, expect(sent, StatusCode::OK))
}

async fn post(c: &Client, wallet: &str) -> reqwest::Result<Response> {
    c.http
        .post(c.url("/v1/session"))
        .header("X-API-KEY", QS_KEY)
        .bearer_auth(wallet)
        .json(&json!({"identity": {"name": "bench"}, "rules": {"userCapacity": 10}}))
        .send()
        .await
}
