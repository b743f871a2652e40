//! Reading a request body as JSON within the body limit, with every failure in this flavor's
//! error format.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest};
use flavor_kit::body::{self, BodyLimits};
use serde_json::Value;

use crate::errors::ApiError;

/// The body as JSON, or `None` when it is empty (or only white space).
///
/// Refuses a body over the limit (413), one sent with a content type other than JSON (415;
/// a missing content type is accepted), one that does not read to its end (400) and invalid JSON
/// (400).
pub async fn read_json(
    req: &HttpRequest,
    payload: web::Payload,
    limits: BodyLimits,
) -> Result<Option<Value>, ApiError> {
    let body = body::read(req, payload, limits).await?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    check_content_type(req)?;
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| ApiError::MalformedJson(e.to_string()))
}

/// JSON (`application/json`, `application/*+json`) or no content type at all.
fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(CONTENT_TYPE) else {
        return Ok(());
    };
    let shown = || {
        let s = value.to_str().unwrap_or("(unreadable)");
        s.chars().take(100).collect::<String>()
    };
    let raw = value
        .to_str()
        .map_err(|_| ApiError::UnsupportedMediaType(shown()))?;
    let essence = raw
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if json {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(shown()))
    }
}
