//! The error answers several routes document, each with its examples (their `instance` is the
//! route's `P`), listed in a route's `responses(...)` next to its own. Their variants are never
//! built: they only describe answers.

use std::marker::PhantomData;

use flavor_kit::instances;
use flavor_kit::openapi::Instance;
use utoipa::IntoResponses;

use crate::errors::ErrorsBody;

instances! {
    /// `POST /session-storage/session`.
    AtCreate = "/session-storage/session";
    /// `GET /session-storage/sessions`.
    AtList = "/session-storage/sessions";
    /// `/session-storage/sessions/{id}`, with an example id.
    AtSession = "/session-storage/sessions/8a4c2e9e-5b1f-5d0a-9c3e-2f6b7d8e9f01.1a2b3c4d.5e6f7a8b";
}

/// What every route may answer: refused credentials (401), too many of them (429) and faults of
/// the gateway or the store (500, 503).
#[derive(IntoResponses)]
pub enum RouteErrors<P: Instance> {
    #[response(status = 401, description = "Missing `ClientID`/`ClientSecret`, an unknown client or a wrong secret.",
        examples(
            ("missing" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:missing_credentials", "status": 401, "title": "Unauthorized", "detail": "send the ClientID and ClientSecret headers", "instance": P::PATH, "error_code": "MISSING_CREDENTIALS"}]}))),
            ("invalid" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:invalid_credentials", "status": 401, "title": "Unauthorized", "detail": "the ClientID or ClientSecret is not valid", "instance": P::PATH, "error_code": "INVALID_CREDENTIALS"}]}))),
        ))]
    Unauthorized(ErrorsBody, PhantomData<P>),
    #[response(status = 429, description = "Too many wrong credentials from this client address within `session_storage.throttle.window_secs`; nothing was checked. Retry after `Retry-After` seconds.",
        headers(("Retry-After" = u64, description = "Seconds until the credentials may be tried again.")),
        example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:too_many_attempts", "status": 429, "title": "Too Many Requests", "detail": "too many failed attempts; retry in 900 s", "instance": P::PATH, "error_code": "TOO_MANY_ATTEMPTS"}]}))]
    Throttled(ErrorsBody, PhantomData<P>),
    #[response(status = 500, description = "A fault inside the gateway (logged, never detailed).",
        example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:internal_error", "status": 500, "title": "Internal Server Error", "detail": "internal error", "instance": P::PATH, "error_code": "INTERNAL_ERROR"}]}))]
    Internal(ErrorsBody, PhantomData<P>),
    #[response(status = 503, description = "The store did not answer within `store.timeout_ms`; retry later.",
        example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:store_unavailable", "status": 503, "title": "Service Unavailable", "detail": "the session store is unavailable; retry later", "instance": P::PATH, "error_code": "STORE_UNAVAILABLE"}]}))]
    Unavailable(ErrorsBody, PhantomData<P>),
}

/// The answers to a body that is too slow, too large or not JSON: 408, 413 and 415.
#[derive(IntoResponses)]
pub enum BodyErrors<P: Instance> {
    #[response(status = 408, description = "The body did not arrive within `server.body_timeout_secs`; the connection is closed.",
        example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:request_timeout", "status": 408, "title": "Request Timeout", "detail": "the request body did not arrive in time", "instance": P::PATH, "error_code": "REQUEST_TIMEOUT"}]}))]
    TimedOut(ErrorsBody, PhantomData<P>),
    #[response(status = 413, description = "The body is larger than `server.max_body_bytes`.",
        example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:payload_too_large", "status": 413, "title": "Payload Too Large", "detail": "the request body is larger than 65536 bytes", "instance": P::PATH, "error_code": "PAYLOAD_TOO_LARGE"}]}))]
    TooLarge(ErrorsBody, PhantomData<P>),
    #[response(status = 415, description = "A body with a content type other than `application/json` or `application/*+json`.",
        example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:unsupported_media_type", "status": 415, "title": "Unsupported Media Type", "detail": "send the body as application/json, not `text/plain`", "instance": P::PATH, "error_code": "UNSUPPORTED_MEDIA_TYPE"}]}))]
    Unsupported(ErrorsBody, PhantomData<P>),
}

/// The answer to an id that is not one of the client's live sessions: 404.
#[derive(IntoResponses)]
#[response(status = 404, description = "No such session among the client's own (unknown, expired, deleted, malformed or another client's id).",
    example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:session_not_found", "status": 404, "title": "Not Found", "detail": "no session with this id", "instance": AtSession::PATH, "error_code": "SESSION_NOT_FOUND"}]}))]
pub struct NotFound(pub ErrorsBody);
