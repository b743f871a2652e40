//! QuickBlox: signed session creates and token checks.

use hmac::{Hmac, Mac};
use reqwest::{Response, StatusCode};
use sha1::Sha1;

use super::client::{expect, json_field, Client, Outcome};
use crate::tenants::{QB_APP, QB_KEY, QB_SECRET};

/// A signed `POST /session.json`.
pub async fn create(c: &Client) -> Outcome {
    Outcome::of(
        1,
        post(c)
            .await
            .and_then(|sent| expect(sent, StatusCode::CREATED)),
    )
}

/// The token of a new session.
pub async fn token(c: &Client) -> Result<String, String> {
    json_field(post(c).await?, StatusCode::CREATED, "/session/token").await
}

/// `GET /session.json` with `token`.
pub async fn check(c: &Client, token: &str) -> Outcome {
    let sent = c
        .http
        .get(c.url("/session.json"))
        .header("QB-Token", token)
        .send()
        .await;
    Outcome::of(1, expect(sent, StatusCode::OK))
}

async fn post(c: &Client) -> Result<reqwest::Result<Response>, String> {
    let form = signed_form(c.next() + 1)?;
    Ok(c.http
        .post(c.url("/session.json"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await)
}

/// The form of an application session request with a fresh `nonce`, signed with the secret.
fn signed_form(nonce: u64) -> Result<String, String> {
    let ts = chrono::Utc::now().timestamp();
    let msg = format!("application_id={QB_APP}&auth_key={QB_KEY}&nonce={nonce}&timestamp={ts}");
    let mut mac = Hmac::<Sha1>::new_from_slice(QB_SECRET.as_bytes()).map_err(|e| e.to_string())?;
    mac.update(msg.as_bytes());
    Ok(format!(
        "{msg}&signature={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}
