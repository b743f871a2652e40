//! The error answers several routes document, each with its examples, listed in a route's
//! `responses(...)` next to its own. Their variants are never built: they only describe answers.

use std::collections::BTreeMap;

use utoipa::openapi::response::Response;
use utoipa::openapi::RefOr;
use utoipa::IntoResponses;

use crate::errors::Body as ErrorBody;

/// The answers to a JSON body that cannot be taken: 400, 408, 413 and 415.
#[derive(IntoResponses)]
pub enum BodyErrors {
    #[response(status = 408, description = "The body did not arrive within `server.body_timeout_secs`; the connection is closed.",
        example = json!({"status": "error", "code": 400000, "message": "Request body timed out"}))]
    TimedOut(ErrorBody<'static>),
    #[response(status = 400, description = "A body that is not JSON, is empty, is not a JSON \
        object or could not be read.",
        examples(
            ("malformed" = (value = json!({"status": "error", "code": 400000, "message": "Malformed JSON body: EOF while parsing a value at line 1 column 0"}))),
            ("not an object" = (value = json!({"status": "error", "code": 400000, "message": "The request body must be a JSON object"}))),
        ))]
    Unreadable(ErrorBody<'static>),
    #[response(status = 413, description = "A body over `server.max_body_bytes`.",
        example = json!({"status": "error", "code": 400000, "message": "Request body is too large (limit: 65536 bytes)"}))]
    TooLarge(ErrorBody<'static>),
    #[response(status = 415, description = "A body without `Content-Type: application/json` (or \
        another `+json` type).",
        example = json!({"status": "error", "code": 400000, "message": "Content-Type must be application/json"}))]
    NotJson(ErrorBody<'static>),
}

/// The answers of every route to a fault of the gateway or the store: 500 and 503.
#[derive(IntoResponses)]
pub enum ServerErrors {
    #[response(status = 500, description = "A fault inside the gateway (details only in the log).",
        example = json!({"status": "error", "code": 500000, "message": "Unexpected error"}))]
    Internal(ErrorBody<'static>),
    #[response(status = 503, description = "The store did not answer in time; retry.",
        example = json!({"status": "error", "code": 500000, "message": "Service temporarily unavailable, please retry"}))]
    Unavailable(ErrorBody<'static>),
}

/// The refusal of a credential check after too many failed ones: 429 (code 400311) with
/// `Retry-After`.
#[derive(IntoResponses)]
#[response(status = 429, description = "Too many wrong API keys, server keys or auth tokens \
    from this client address, or wrong auth tokens for this user, within \
    `amity.throttle.window_secs` (code 400311); nothing was checked. Retry after `Retry-After` \
    seconds.",
    headers(("Retry-After" = u64, description = "Seconds until the check may be tried again.")),
    example = json!({"status": "error", "code": 400311, "message": "Too many failed attempts, please retry in 900 s"}))]
pub struct Throttled(pub ErrorBody<'static>);

/// The answer to a globally banned user: 403 (code 400312).
#[derive(IntoResponses)]
#[response(status = 403, description = "The user is globally banned (code 400312).",
    example = json!({"status": "error", "code": 400312, "message": "User is globally banned"}))]
pub struct GlobalBan(pub ErrorBody<'static>);

/// The refusals only a login (`POST /api/v3|v4|v5/sessions`) gives: 401 and 422.
#[derive(IntoResponses)]
pub enum LoginRefusals {
    #[response(status = 401, description = "A missing or unknown `x-api-key`; in secure mode, a \
        missing `authToken` or one that is not live for this `userId`.",
        examples(
            ("missing key" = (value = json!({"status": "error", "code": 400100, "message": "Missing API key (x-api-key header)"}))),
            ("invalid key" = (value = json!({"status": "error", "code": 400100, "message": "Invalid API key"}))),
            ("authToken required" = (value = json!({"status": "error", "code": 400100, "message": "authToken is required: the network is in secure mode"}))),
            ("invalid authToken" = (value = json!({"status": "error", "code": 400100, "message": "Invalid authToken"}))),
        ))]
    Unauthorized(ErrorBody<'static>),
    #[response(status = 422, description = "Fields failed validation: every failing field is \
        listed in `data.detail`.",
        example = json!({"status": "error", "code": 500000, "message": "Parameters validation error!",
            "data": {"detail": [
                {"path": ["userId"], "message": "\"userId\" must not be empty"},
                {"path": ["deviceInfo", "kind"], "message": "\"deviceInfo.kind\" must be one of [ios, android, web, node]"}]}}))]
    Invalid(ErrorBody<'static>),
}

/// Every error answer of a login: [`BodyErrors`], [`LoginRefusals`], [`Throttled`],
/// [`GlobalBan`] and [`ServerErrors`].
pub struct LoginErrors;

impl IntoResponses for LoginErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = BodyErrors::responses();
        all.extend(LoginRefusals::responses());
        all.extend(Throttled::responses());
        all.extend(GlobalBan::responses());
        all.extend(ServerErrors::responses());
        all
    }
}

/// The refusal of an access token (`Authorization: Bearer`): 401.
#[derive(IntoResponses)]
#[response(status = 401, description = "A missing, malformed, forged, expired or revoked access \
    token (logged out, refreshed, evicted).",
    examples(
        ("missing" = (value = json!({"status": "error", "code": 400100, "message": "Missing access token (Authorization: Bearer)"}))),
        ("invalid" = (value = json!({"status": "error", "code": 400100, "message": "Invalid access token"}))),
        ("expired" = (value = json!({"status": "error", "code": 400100, "message": "Access token has expired"}))),
        ("revoked" = (value = json!({"status": "error", "code": 400100, "message": "Access token has been revoked"}))),
    ))]
pub struct BearerRefused(pub ErrorBody<'static>);

/// The refusals of the secure-mode token routes: 401, 403, 422 and 429.
#[derive(IntoResponses)]
pub enum AuthTokenErrors {
    #[response(status = 401, description = "A missing or unknown `x-server-key` (or one that \
        does not match the `x-api-key` sent with it).",
        examples(
            ("missing" = (value = json!({"status": "error", "code": 400100, "message": "Missing server key (x-server-key header)"}))),
            ("invalid" = (value = json!({"status": "error", "code": 400100, "message": "Invalid server key"}))),
        ))]
    Unauthorized(ErrorBody<'static>),
    #[response(status = 403, description = "The network is not in secure mode (code 400300).",
        example = json!({"status": "error", "code": 400300, "message": "Secure mode is off for this network"}))]
    SecureModeOff(ErrorBody<'static>),
    #[response(status = 422, description = "`userId` is missing, not a string or out of length.",
        example = json!({"status": "error", "code": 500000, "message": "Parameters validation error!",
            "data": {"detail": [{"path": ["userId"], "message": "\"userId\" is required"}]}}))]
    Invalid(ErrorBody<'static>),
    #[response(status = 429, description = "Too many wrong server keys from this client address \
        within `amity.throttle.window_secs` (code 400311); nothing was checked. Retry after \
        `Retry-After` seconds.",
        headers(("Retry-After" = u64, description = "Seconds until the check may be tried again.")),
        example = json!({"status": "error", "code": 400311, "message": "Too many failed attempts, please retry in 900 s"}))]
    Throttled(ErrorBody<'static>),
}
