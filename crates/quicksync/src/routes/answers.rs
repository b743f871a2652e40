//! The error answers several routes document, each with its example (its `instance` is the
//! route's `P`), listed in a route's `responses(...)` next to its own. Their variants are never
//! built: they only describe answers.

use std::marker::PhantomData;

use flavor_kit::instances;
use flavor_kit::openapi::Instance;
use utoipa::IntoResponses;

use crate::errors::ProblemDetails;

instances! {
    /// `POST /v1/session`.
    AtSession = "/v1/session";
    /// `POST /v1/session/join`.
    AtJoin = "/v1/session/join";
    /// `GET` and `DELETE /v1/session/current`.
    AtCurrent = "/v1/session/current";
    /// `POST /v1/session/current/kick`.
    AtKick = "/v1/session/current/kick";
    /// `POST /v1/session/disconnect`.
    AtDisconnect = "/v1/session/disconnect";
    /// `GET /v1/wallet-proof/nonce`.
    AtNonce = "/v1/wallet-proof/nonce";
    /// `POST /v1/wallet-proof/verify`.
    AtVerify = "/v1/wallet-proof/verify";
}

/// The answer to a body that could not be read off the connection: 400.
#[derive(IntoResponses)]
#[response(status = 400, description = "The body could not be read off the connection.",
    content_type = "application/problem+json",
    example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "The request body could not be read.", "instance": P::PATH}))]
pub struct Unreadable<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);

/// The answers to a body that is too slow, too large or not JSON: 408, 413 and 415.
#[derive(IntoResponses)]
pub enum BodyErrors<P: Instance> {
    #[response(status = 408, description = "The body did not arrive within `server.body_timeout_secs`; the connection is closed.",
        content_type = "application/problem+json",
        example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.9", "title": "Request Timeout", "status": 408, "detail": "The request body did not arrive in time.", "instance": P::PATH}))]
    TimedOut(ProblemDetails<'static>, PhantomData<P>),
    #[response(status = 413, description = "A body over `server.max_body_bytes` (declared or streamed).",
        content_type = "application/problem+json",
        example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.14", "title": "Content Too Large", "status": 413, "detail": "The request body is larger than 65536 bytes.", "instance": P::PATH}))]
    TooLarge(ProblemDetails<'static>, PhantomData<P>),
    #[response(status = 415, description = "No JSON content type (`application/json`, `text/json` or `application/*+json`).",
        content_type = "application/problem+json",
        example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.16", "title": "Unsupported Media Type", "status": 415, "detail": "Send the body as application/json (text/json and application/*+json are accepted).", "instance": P::PATH}))]
    NotJson(ProblemDetails<'static>, PhantomData<P>),
}

/// The refusal of a credential check after too many failed ones: 429 with `Retry-After`.
#[derive(IntoResponses)]
#[response(status = 429, description = "Too many failed credential checks (API keys, wallet proofs, session passwords) from this client address, or wrong passwords for this session, within `quicksync.throttle.window_secs`; nothing was checked. Retry after `Retry-After` seconds.",
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds until the check may be tried again.")),
    example = json!({"type": "https://tools.ietf.org/html/rfc6585#section-4", "title": "Too Many Requests", "status": 429, "detail": "Too many failed attempts; retry in 900 s.", "instance": P::PATH}))]
pub struct Throttled<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);

/// The refusal of a session bearer: 401.
#[derive(IntoResponses)]
#[response(status = 401, description = "No `Authorization: Bearer`, or a session token that is unknown, forged, kicked, departed, deleted or expired.",
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer`")),
    examples(
        ("no bearer" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.2", "title": "Unauthorized", "status": 401, "detail": "An Authorization: Bearer token is required.", "instance": P::PATH}))),
        ("bad token" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.2", "title": "Unauthorized", "status": 401, "detail": "The session token is not valid, or the session has ended.", "instance": P::PATH}))),
    ))]
pub struct SessionBearerRefused<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);

/// The refusal of a member who is not the host: 403.
#[derive(IntoResponses)]
#[response(status = 403, description = "The caller is not the host.",
    content_type = "application/problem+json",
    example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.4", "title": "Forbidden", "status": 403, "detail": "Only the session host may do this.", "instance": P::PATH}))]
pub struct NotHost<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);

/// The answer to a fault inside the gateway: 500.
#[derive(IntoResponses)]
#[response(status = 500, description = "A fault inside the gateway (logged, not shown).",
    content_type = "application/problem+json",
    example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.6.1", "title": "Internal Server Error", "status": 500, "detail": "An unexpected error occurred.", "instance": P::PATH}))]
pub struct Internal<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);

/// The answer to a store that did not answer in time: 503.
#[derive(IntoResponses)]
#[response(status = 503, description = "The store did not answer in time; retry.",
    content_type = "application/problem+json",
    example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.6.4", "title": "Service Unavailable", "status": 503, "detail": "The session store is unavailable; retry shortly.", "instance": P::PATH}))]
pub struct Unavailable<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);
