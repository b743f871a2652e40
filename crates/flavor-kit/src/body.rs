//! Reading a request body within the limits: at most `max_bytes` (a declared `Content-Length`
//! over it is refused before anything is read) and, when set, within `timeout`.
//!
//! The body timeout (`server.body_timeout_secs`) cuts slow clients: a body that has not arrived
//! whole within it is [`BodyError::TimedOut`], which every flavor answers 408 in its own format
//! (the connection is then closed, its body unread).

use std::time::Duration;

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::mime::{self, Mime};
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpRequest};
use session_core::CoreDeps;

/// How much of a body, and for how long, the gateway reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// The largest body accepted, in bytes (`server.max_body_bytes`).
    pub max_bytes: usize,
    /// How long the whole body may take to arrive; `None`: no limit.
    pub timeout: Option<Duration>,
}

impl BodyLimits {
    /// The limits of the gateway's deps.
    pub fn of(core: &CoreDeps) -> Self {
        Self {
            max_bytes: core.max_body_bytes,
            timeout: Some(core.body_timeout),
        }
    }
}

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Declared or streamed over the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body broke off while being read.
    Unreadable,
    /// The body did not arrive within [`BodyLimits::timeout`].
    TimedOut,
}

/// The `Content-Length` a request declares, if any.
fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// The whole body, within `limits`.
pub async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    limits: BodyLimits,
) -> Result<Bytes, BodyError> {
    let limit = limits.max_bytes;
    if declared_length(req).is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let read = payload.to_bytes_limited(limit);
    let outcome = match limits.timeout {
        Some(t) => tokio::time::timeout(t, read)
            .await
            .map_err(|_| BodyError::TimedOut)?,
        None => read.await,
    };
    match outcome {
        Err(_) => Err(BodyError::TooLarge { limit }),
        Ok(Err(_)) => Err(BodyError::Unreadable),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

/// The request's media type: `Ok(None)` without a `Content-Type`, `Err(())` when it does not
/// parse.
#[allow(clippy::result_unit_err)]
pub fn media_type(req: &HttpRequest) -> Result<Option<Mime>, ()> {
    req.mime_type().map_err(|_| ())
}

/// `application/json` or `application/*+json`.
pub fn is_json(media: &Mime) -> bool {
    media.type_() == mime::APPLICATION
        && (media.subtype() == mime::JSON || media.suffix() == Some(mime::JSON))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use actix_web::test::TestRequest;

    use super::*;

    async fn read_with(req: TestRequest, limit: usize) -> Result<Bytes, BodyError> {
        let (req, mut payload) = req.to_http_parts();
        let payload = <web::Payload as actix_web::FromRequest>::from_request(&req, &mut payload)
            .await
            .unwrap();
        let limits = BodyLimits {
            max_bytes: limit,
            timeout: Some(Duration::from_secs(5)),
        };
        read(&req, payload, limits).await
    }

    #[actix_web::test]
    async fn bodies_are_read_up_to_the_limit() {
        let ok = read_with(TestRequest::default().set_payload("12345"), 5).await;
        assert_eq!(ok.unwrap(), "12345");
        let over = read_with(TestRequest::default().set_payload("123456"), 5).await;
        assert_eq!(over, Err(BodyError::TooLarge { limit: 5 }));
        let declared = TestRequest::default().insert_header((CONTENT_LENGTH, "900"));
        assert_eq!(
            read_with(declared, 5).await,
            Err(BodyError::TooLarge { limit: 5 })
        );
    }

    #[test]
    fn json_media_types() {
        for (ct, json) in [
            ("application/json", true),
            ("application/vnd.api+json", true),
            ("application/json; charset=utf-8", true),
            ("text/json", false),
            ("text/plain", false),
        ] {
            let req = TestRequest::default()
                .insert_header(("content-type", ct))
                .to_http_request();
            let media = media_type(&req).unwrap().unwrap();
            assert_eq!(is_json(&media), json, "{ct}");
        }
    }
}
