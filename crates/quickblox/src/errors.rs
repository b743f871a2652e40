//! Every error answer of the flavor, in one place: the route families' error enums and the table
//! that turns each of them into a status and a QuickBlox `{"errors": ...}` body.
//!
//! | status | body | when |
//! | --- | --- | --- |
//! | 400 | `{"errors":{"base":["Malformed JSON body"]}}` (or `Malformed form body`, `Malformed query string`, `Request is not valid UTF-8`, `Too many parameters`, `Parameter name is too long`, `Request body could not be read`) | a body or query that does not parse |
//! | 400 | `{"errors":{"base":["Request body is empty"]}}` | a POST without a body |
//! | 401 | `{"errors":{"base":["Required session does not exist"]}}` | missing, malformed, unknown, ended or expired `QB-Token` |
//! | 401 | `{"errors":["Unauthorized"]}` | wrong user login/email or password |
//! | 405 | `{"errors":{"base":["Method not allowed"]}}` (+ `Allow`) | a method the resource does not serve |
//! | 413 | `{"errors":{"base":["Request body is too large (limit N bytes)"]}}` | a body over `server.max_body_bytes` |
//! | 415 | `{"errors":{"base":["Unsupported content type: ..."]}}` | neither form nor JSON, or a charset other than UTF-8 |
//! | 408 | `{"errors":{"base":["Request body timed out"]}}` | a body that did not arrive within `server.body_timeout_secs` |
//! | 429 | `{"errors":{"base":["Too many failed login attempts, retry later"]}}` (+ `Retry-After`) | too many wrong user credentials from the user or the client address |
//! | 422 | `{"errors":{"<field>":["is required"]}}` (and the other [`FieldProblem`] messages) | a field missing, repeated, too long, not an integer, out of range, of the wrong type, unsupported |
//! | 422 | `{"errors":{"base":["Unknown application or auth key"]}}` | no such application, or its auth key differs |
//! | 422 | `{"errors":{"base":["Unexpected signature"]}}` | the signature does not match |
//! | 422 | `{"errors":{"base":["Bad timestamp"]}}` | the timestamp is outside the window |
//! | 422 | `{"errors":{"base":["Nonce has already been used"]}}` | a replayed (application, timestamp, nonce) |
//! | 500 | `{"errors":{"base":["Internal server error"]}}` | a fault inside the gateway |
//! | 503 | `{"errors":{"base":["Service temporarily unavailable"]}}` | the store did not answer in time |

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use flavor_kit::{BodyError, EdgeError, ErrorBody, Fault, FlavorError};
use serde::Serialize;
use serde_json::{json, Value};
use session_core::Flavor;
use utoipa::ToSchema;

/// Why a field was refused; the text is the body's message for that field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    /// Absent or empty.
    Required,
    /// Not a decimal integer.
    NotInteger,
    /// An integer beyond what the field takes.
    OutOfRange,
    /// Longer than the field takes.
    TooLong,
    /// Given more than once (also under its camelCase alias).
    Repeated,
    /// An array, a nested object too deep, or another JSON type the field cannot be.
    WrongType,
    /// A feature this gateway does not offer (social providers).
    NotSupported,
}

impl FieldProblem {
    /// The message the body carries.
    pub fn message(self) -> &'static str {
        match self {
            FieldProblem::Required => "is required",
            FieldProblem::NotInteger => "must be an integer",
            FieldProblem::OutOfRange => "is out of range",
            FieldProblem::TooLong => "is too long",
            FieldProblem::Repeated => "is given more than once",
            FieldProblem::WrongType => "must be a string or a number",
            FieldProblem::NotSupported => "is not supported",
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// What cannot be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// A JSON body.
    Json,
    /// A form body.
    Form,
    /// The query string.
    Query,
    /// Bytes that are not UTF-8.
    Utf8,
    /// A body that broke off while being read.
    Unreadable,
    /// More parameters than any request needs.
    TooManyParameters,
    /// A parameter name longer than any field's.
    LongName,
}

impl Malformed {
    fn message(self) -> &'static str {
        match self {
            Malformed::Json => "Malformed JSON body",
            Malformed::Form => "Malformed form body",
            Malformed::Query => "Malformed query string",
            Malformed::Utf8 => "Request is not valid UTF-8",
            Malformed::Unreadable => "Request body could not be read",
            Malformed::TooManyParameters => "Too many parameters",
            Malformed::LongName => "Parameter name is too long",
        }
    }
}

/// Failures any route can have: reading the request, finding the session, reaching the store.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The body does not parse.
    #[error("malformed request: {0:?}")]
    Malformed(Malformed),
    /// A POST without a body.
    #[error("empty body")]
    EmptyBody,
    /// Neither form nor JSON.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// Over the body limit.
    #[error("body over {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A field is missing or unacceptable.
    #[error("field {field}: {problem}")]
    Field {
        /// The field as the client named it.
        field: String,
        /// What is wrong with it.
        problem: FieldProblem,
    },
    /// The body did not arrive within the body timeout.
    #[error("body timed out")]
    TimedOut,
    /// Too many failed logins: retry after the given seconds.
    #[error("throttled for {0} s")]
    Throttled(u64),
    /// The `QB-Token` is missing, unknown, ended or expired.
    #[error("no such session")]
    NoSession,
    /// The resource does not serve the method (the kit adds `Allow`).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The store did not answer in time, or the gateway failed (logged where it happened).
    #[error("fault: {0:?}")]
    Fault(Fault),
}

impl RequestError {
    /// Shorthand for [`RequestError::Field`].
    pub fn field(field: impl Into<String>, problem: FieldProblem) -> Self {
        RequestError::Field {
            field: field.into(),
            problem,
        }
    }
}

impl From<session_core::Error> for RequestError {
    fn from(e: session_core::Error) -> Self {
        match e {
            session_core::Error::NotFound | session_core::Error::Expired => RequestError::NoSession,
            other => RequestError::Fault(Fault::of(Flavor::Quickblox, &other)),
        }
    }
}

impl From<BodyError> for RequestError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { limit } => RequestError::TooLarge { limit },
            BodyError::Unreadable => RequestError::Malformed(Malformed::Unreadable),
            BodyError::TimedOut => RequestError::TimedOut,
        }
    }
}

impl From<flavor_kit::Refusal> for RequestError {
    fn from(r: flavor_kit::Refusal) -> Self {
        match r {
            flavor_kit::Refusal::Throttled { retry_after } => RequestError::Throttled(retry_after),
            flavor_kit::Refusal::Store(e) => e.into(),
        }
    }
}

impl RequestError {
    /// The `Retry-After` of a throttled answer.
    fn retry_after(&self) -> Option<u64> {
        match self {
            RequestError::Throttled(seconds) => Some(*seconds),
            _ => None,
        }
    }
}

/// Failures of `POST/GET/DELETE /session.json`.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No application with that id, or its auth key differs.
    #[error("unknown application or auth key")]
    UnknownApplication,
    /// The signature does not match the parameters.
    #[error("unexpected signature")]
    BadSignature,
    /// The timestamp is outside the window.
    #[error("bad timestamp")]
    BadTimestamp,
    /// The (application, timestamp, nonce) triple was used already.
    #[error("nonce already used")]
    NonceReused,
    /// The user credentials of a user session are wrong.
    #[error("wrong user credentials")]
    Unauthorized,
    /// Anything any route can fail with.
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl From<session_core::Error> for SessionError {
    fn from(e: session_core::Error) -> Self {
        SessionError::Request(e.into())
    }
}

/// Failures of `POST/DELETE /login.json`.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The user credentials are wrong.
    #[error("wrong user credentials")]
    Unauthorized,
    /// Anything any route can fail with.
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl From<session_core::Error> for LoginError {
    fn from(e: session_core::Error) -> Self {
        LoginError::Request(e.into())
    }
}

/// `{"errors":{"base":[message]}}`.
fn base(message: &str) -> Value {
    json!({"errors": {"base": [message]}})
}

/// The table: status and body of every request-level failure.
fn request_answer(e: &RequestError) -> (StatusCode, Value) {
    match e {
        RequestError::Malformed(what) => (StatusCode::BAD_REQUEST, base(what.message())),
        RequestError::EmptyBody => (StatusCode::BAD_REQUEST, base("Request body is empty")),
        RequestError::UnsupportedMediaType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            base("Unsupported content type: send application/x-www-form-urlencoded or application/json (UTF-8)"),
        ),
        RequestError::TooLarge { limit } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            base(&format!("Request body is too large (limit {limit} bytes)")),
        ),
        RequestError::Field { field, problem } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {field.as_str(): [problem.message()]}}),
        ),
        RequestError::TimedOut => (StatusCode::REQUEST_TIMEOUT, base("Request body timed out")),
        RequestError::Throttled(_) => (
            StatusCode::TOO_MANY_REQUESTS,
            base("Too many failed login attempts, retry later"),
        ),
        RequestError::NoSession => (
            StatusCode::UNAUTHORIZED,
            base("Required session does not exist"),
        ),
        RequestError::MethodNotAllowed => {
            (StatusCode::METHOD_NOT_ALLOWED, base("Method not allowed"))
        }
        RequestError::Fault(Fault::Unavailable) => (
            StatusCode::SERVICE_UNAVAILABLE,
            base("Service temporarily unavailable"),
        ),
        RequestError::Fault(Fault::Internal) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            base("Internal server error"),
        ),
    }
}

/// Wrong user credentials, on any route.
fn unauthorized() -> (StatusCode, Value) {
    (
        StatusCode::UNAUTHORIZED,
        json!({"errors": ["Unauthorized"]}),
    )
}

/// The table: status and body of every session failure.
fn session_answer(e: &SessionError) -> (StatusCode, Value) {
    match e {
        SessionError::UnknownApplication => (
            StatusCode::UNPROCESSABLE_ENTITY,
            base("Unknown application or auth key"),
        ),
        SessionError::BadSignature => (
            StatusCode::UNPROCESSABLE_ENTITY,
            base("Unexpected signature"),
        ),
        SessionError::BadTimestamp => (StatusCode::UNPROCESSABLE_ENTITY, base("Bad timestamp")),
        SessionError::NonceReused => (
            StatusCode::UNPROCESSABLE_ENTITY,
            base("Nonce has already been used"),
        ),
        SessionError::Unauthorized => unauthorized(),
        SessionError::Request(e) => request_answer(e),
    }
}

/// The table: status and body of every login failure.
fn login_answer(e: &LoginError) -> (StatusCode, Value) {
    match e {
        LoginError::Unauthorized => unauthorized(),
        LoginError::Request(e) => request_answer(e),
    }
}

/// The answer to an error: its status and `{"errors": ...}` body. The flavor's error body
/// ([`ErrorBody`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer(pub StatusCode, pub Value);

impl ErrorBody for Answer {
    fn status(&self) -> StatusCode {
        self.0
    }

    fn render(&self, _path: Option<&str>) -> HttpResponse {
        HttpResponse::build(self.0).json(&self.1)
    }

    fn edge(e: EdgeError) -> Self {
        let e = match e {
            EdgeError::MethodNotAllowed { .. } => RequestError::MethodNotAllowed,
            EdgeError::TooLarge { limit } => RequestError::TooLarge { limit },
            EdgeError::Unreadable => RequestError::Malformed(Malformed::Unreadable),
            EdgeError::TimedOut => RequestError::TimedOut,
            EdgeError::Throttled { retry_after } => RequestError::Throttled(retry_after),
            EdgeError::Unavailable => RequestError::Fault(Fault::Unavailable),
            EdgeError::Internal => RequestError::Fault(Fault::Internal),
        };
        e.body()
    }

    /// The usual answer of each status of the table whose body the status alone decides (413
    /// names the limit, so it has none).
    fn for_status(status: StatusCode) -> Option<Self> {
        Some(match status {
            StatusCode::BAD_REQUEST => RequestError::Malformed(Malformed::Json).body(),
            StatusCode::UNAUTHORIZED => RequestError::NoSession.body(),
            StatusCode::METHOD_NOT_ALLOWED => RequestError::MethodNotAllowed.body(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => RequestError::UnsupportedMediaType.body(),
            StatusCode::UNPROCESSABLE_ENTITY => SessionError::UnknownApplication.body(),
            StatusCode::INTERNAL_SERVER_ERROR => RequestError::Fault(Fault::Internal).body(),
            StatusCode::SERVICE_UNAVAILABLE => RequestError::Fault(Fault::Unavailable).body(),
            _ => return None,
        })
    }
}

impl FlavorError for RequestError {
    type Body = Answer;

    fn body(&self) -> Answer {
        let (status, body) = request_answer(self);
        Answer(status, body)
    }

    fn retry_after(&self) -> Option<u64> {
        RequestError::retry_after(self)
    }
}

impl FlavorError for SessionError {
    type Body = Answer;

    fn body(&self) -> Answer {
        let (status, body) = session_answer(self);
        Answer(status, body)
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            SessionError::Request(e) => e.retry_after(),
            _ => None,
        }
    }
}

impl FlavorError for LoginError {
    type Body = Answer;

    fn body(&self) -> Answer {
        let (status, body) = login_answer(self);
        Answer(status, body)
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            LoginError::Request(e) => e.retry_after(),
            LoginError::Unauthorized => None,
        }
    }
}

/// What `errors` holds: messages by field (`base` for the request as a whole), or a list of
/// messages (wrong user credentials: `["Unauthorized"]`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[schema(as = QuickbloxErrorList)]
pub enum Errors {
    /// `{"base": ["Required session does not exist"]}`, `{"nonce": ["must be an integer"]}`.
    Fields(std::collections::BTreeMap<String, Vec<String>>),
    /// `["Unauthorized"]`.
    Messages(Vec<String>),
}

// The document's shape of an [`Answer`]'s body.
/// Every error of the flavor: `{"errors": ...}`, never HTML or plain text.
#[derive(ToSchema)]
#[schema(as = QuickbloxErrors)]
pub struct ErrorsBody {
    /// The messages.
    pub errors: Errors,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendor_bodies_are_exact() {
        assert_eq!(
            session_answer(&SessionError::BadSignature),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"errors":{"base":["Unexpected signature"]}})
            )
        );
        assert_eq!(
            session_answer(&SessionError::BadTimestamp).1,
            json!({"errors":{"base":["Bad timestamp"]}})
        );
        assert_eq!(
            login_answer(&LoginError::Unauthorized),
            (StatusCode::UNAUTHORIZED, json!({"errors":["Unauthorized"]}))
        );
        assert_eq!(
            request_answer(&RequestError::NoSession),
            (
                StatusCode::UNAUTHORIZED,
                json!({"errors":{"base":["Required session does not exist"]}})
            )
        );
        assert_eq!(
            request_answer(&RequestError::field("nonce", FieldProblem::NotInteger)).1,
            json!({"errors":{"nonce":["must be an integer"]}})
        );
    }

    #[test]
    fn a_status_alone_answers_with_its_usual_body() {
        assert_eq!(
            Answer::for_status(StatusCode::UNAUTHORIZED).unwrap().1,
            json!({"errors":{"base":["Required session does not exist"]}})
        );
        assert_eq!(
            Answer::for_status(StatusCode::SERVICE_UNAVAILABLE)
                .unwrap()
                .1,
            json!({"errors":{"base":["Service temporarily unavailable"]}})
        );
        assert!(Answer::for_status(StatusCode::PAYLOAD_TOO_LARGE).is_none());
        assert!(Answer::for_status(StatusCode::NOT_FOUND).is_none());
    }

    #[test]
    fn store_outages_are_503() {
        let e: SessionError = session_core::Error::StoreUnavailable("timeout".into()).into();
        assert_eq!(e.body().status(), StatusCode::SERVICE_UNAVAILABLE);
        let e: LoginError = session_core::Error::Internal("x".into()).into();
        assert_eq!(e.body().status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
