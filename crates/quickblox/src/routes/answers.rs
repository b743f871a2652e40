//! The error answers several routes document, each with its example, listed in a route's
//! `responses(...)` next to its own. Their variants are never built: they only describe answers.

use utoipa::IntoResponses;

use crate::errors::ErrorsBody;

/// The answers to a body that is too slow, too large or neither form nor JSON: 408, 413 and
/// 415.
#[derive(IntoResponses)]
pub enum BodyErrors {
    #[response(status = 408, description = "The body did not arrive within `server.body_timeout_secs`; the connection is closed.",
        example = json!({"errors": {"base": ["Request body timed out"]}}))]
    TimedOut(ErrorsBody),
    #[response(status = 413, description = "A body over `server.max_body_bytes`.",
        example = json!({"errors": {"base": ["Request body is too large (limit 65536 bytes)"]}}))]
    TooLarge(ErrorsBody),
    #[response(status = 415, description = "Neither form nor JSON, or not UTF-8.",
        example = json!({"errors": {"base": ["Unsupported content type: send application/x-www-form-urlencoded or application/json (UTF-8)"]}}))]
    Unsupported(ErrorsBody),
}

/// The refusal of a user login after too many failed ones: 429 with `Retry-After`.
#[derive(IntoResponses)]
#[response(status = 429, description = "Too many wrong user credentials for this user or from this client address within `quickblox.throttle.window_secs`; nothing was checked. Retry after `Retry-After` seconds.",
    headers(("Retry-After" = u64, description = "Seconds until a login may be tried again.")),
    example = json!({"errors": {"base": ["Too many failed login attempts, retry later"]}}))]
pub struct Throttled(pub ErrorsBody);

/// The refusal of a `QB-Token` that names no live session: 401.
#[derive(IntoResponses)]
#[response(status = 401, description = "Missing, malformed, unknown, ended or expired `QB-Token`.",
    example = json!({"errors": {"base": ["Required session does not exist"]}}))]
pub struct NoSession(pub ErrorsBody);

/// The answers of every route to a fault of the gateway or the store: 500 and 503.
#[derive(IntoResponses)]
pub enum ServerErrors {
    #[response(status = 500, description = "A fault inside the gateway.",
        example = json!({"errors": {"base": ["Internal server error"]}}))]
    Internal(ErrorsBody),
    #[response(status = 503, description = "The store did not answer in time; retry.",
        example = json!({"errors": {"base": ["Service temporarily unavailable"]}}))]
    Unavailable(ErrorsBody),
}
