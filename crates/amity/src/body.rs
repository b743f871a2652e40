//! Reading a request body: a JSON content type (a `json` subtype or a `+json` suffix; none at
//! all is refused), at most `server.max_body_bytes`, one JSON value. Every failure is a
//! [`RequestError`].

use actix_web::mime;
use actix_web::web;
use actix_web::HttpRequest;
use flavor_kit::body::{self, BodyLimits};
use serde_json::Value;

use crate::errors::RequestError;

/// The body as a JSON value.
pub async fn read_json(
    req: &HttpRequest,
    payload: web::Payload,
    limits: BodyLimits,
) -> Result<Value, RequestError> {
    let json = matches!(body::media_type(req), Ok(Some(m))
        if m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
    if !json {
        return Err(RequestError::ContentType);
    }
    let bytes = body::read(req, payload, limits).await?;
    serde_json::from_slice(&bytes).map_err(|e| RequestError::Malformed(e.to_string()))
}

/// The body as a JSON object.
pub async fn read_object(
    req: &HttpRequest,
    payload: web::Payload,
    limits: BodyLimits,
) -> Result<serde_json::Map<String, Value>, RequestError> {
    match read_json(req, payload, limits).await? {
        Value::Object(m) => Ok(m),
        _ => Err(RequestError::NotAnObject),
    }
}
