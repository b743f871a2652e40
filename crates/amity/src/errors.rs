//! Amity's error body and the one table of error kinds (HTTP status, Amity code, message).
//!
//! Every failure of this flavor answers `{"status": "error", "code": <int>, "message": "<text>"}`,
//! with `data.detail` listing the failing fields of a validation error.

use actix_web::error::QueryPayloadError;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use flavor_kit::{BodyError, EdgeError, ErrorBody, Fault, FlavorError, Rejection};
use serde::Serialize;
use session_core::Flavor;
use utoipa::ToSchema;

/// What went wrong, as Amity classifies it. [`ErrorKind::spec`] is the error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A body or query that does not parse, or is not a JSON object.
    BadRequest,
    /// A body over `server.max_body_bytes`.
    PayloadTooLarge,
    /// A body that is not `application/json`.
    UnsupportedMediaType,
    /// A method the path does not serve.
    MethodNotAllowed,
    /// A path under `/api` that no route serves.
    NotFound,
    /// Missing or wrong API key, server key, access, refresh or auth token.
    Unauthorized,
    /// The network does not allow this (e.g. secure mode is off).
    Forbidden,
    /// The user is globally banned.
    GlobalBan,
    /// A request field failed validation.
    Validation,
    /// The body did not arrive within `server.body_timeout_secs`.
    RequestTimeout,
    /// Too many failed credential checks (with `Retry-After`).
    TooManyRequests,
    /// The store did not answer in time.
    Unavailable,
    /// A fault inside the gateway.
    Internal,
}

impl ErrorKind {
    /// Every kind, in the table's order (the first of a status is its usual answer).
    pub const ALL: [ErrorKind; 11] = [
        Self::BadRequest,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::MethodNotAllowed,
        Self::NotFound,
        Self::Unauthorized,
        Self::Forbidden,
        Self::GlobalBan,
        Self::Validation,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The table: HTTP status, Amity code and default message of each kind.
    pub const fn spec(self) -> (StatusCode, u32, &'static str) {
        match self {
            Self::BadRequest => (StatusCode::BAD_REQUEST, 400_000, "Bad request"),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                400_000,
                "Request body is too large",
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                400_000,
                "Content-Type must be application/json",
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                400_000,
                "Method not allowed",
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, 400_400, "Resource not found"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, 400_100, "Unauthorized"),
            Self::Forbidden => (StatusCode::FORBIDDEN, 400_300, "Forbidden"),
            Self::GlobalBan => (StatusCode::FORBIDDEN, 400_312, "User is globally banned"),
            Self::Validation => (
                StatusCode::UNPROCESSABLE_ENTITY,
                500_000,
                "Parameters validation error!",
            ),
            Self::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                400_000,
                "Request body timed out",
            ),
            Self::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                400_311,
                "Too many failed attempts, please retry later",
            ),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                500_000,
                "Service temporarily unavailable, please retry",
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                500_000,
                "Unexpected error",
            ),
        }
    }

    /// The HTTP status.
    pub const fn status(self) -> StatusCode {
        self.spec().0
    }

    /// The Amity code.
    pub const fn code(self) -> u32 {
        self.spec().1
    }

    /// The default message.
    pub const fn message(self) -> &'static str {
        self.spec().2
    }
}

/// One failing field of a validation error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = AmityFieldError)]
pub struct FieldError {
    /// Where the field is, e.g. `["deviceInfo", "kind"]`.
    #[schema(example = json!(["deviceInfo", "kind"]))]
    pub path: Vec<String>,
    /// What is wrong with it.
    #[schema(example = "\"deviceInfo.kind\" must be one of [ios, android, web, node]")]
    pub message: String,
}

impl FieldError {
    /// A failure of the field at dotted `path`.
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.split('.').map(str::to_owned).collect(),
            message: message.into(),
        }
    }
}

/// The `status` of an error body: always `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = AmityErrorStatus)]
pub enum ErrorStatus {
    /// Every error.
    Error,
}

/// Every error of the flavor: `{"status": "error", "code": ..., "message": ...}`, with
/// `data.detail` listing the failing fields of a validation error.
#[derive(Serialize, ToSchema)]
#[schema(as = AmityError)]
pub struct Body<'a> {
    /// Always `error`.
    #[schema(inline)]
    status: ErrorStatus,
    /// Amity's code: 400000 (bad request, method, size, content type), 400100 (unauthorized),
    /// 400300 (forbidden), 400312 (globally banned user) or 500000 (validation, internal,
    /// unavailable).
    #[schema(example = 400100)]
    code: u32,
    /// What went wrong.
    #[schema(example = "Invalid API key")]
    message: &'a str,
    /// Validation errors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    data: Option<Detail<'a>>,
}

/// The failing fields of a validation error.
#[derive(Serialize, ToSchema)]
#[schema(as = AmityErrorData)]
pub(crate) struct Detail<'a> {
    /// Every failing field, in body order.
    detail: &'a [FieldError],
}

/// The answer to an error: its row, its message and the failing fields of a validation error.
/// The flavor's error body ([`ErrorBody`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The row of the table.
    pub kind: ErrorKind,
    /// The message (shown unless the kind is a fault's).
    pub message: String,
    /// The failing fields of a validation error.
    pub detail: Vec<FieldError>,
}

impl ErrorBody for Answer {
    fn status(&self) -> StatusCode {
        self.kind.status()
    }

    fn render(&self, _path: Option<&str>) -> HttpResponse {
        let shown = match self.kind {
            // Internal details stay in the log.
            ErrorKind::Internal | ErrorKind::Unavailable => self.kind.message(),
            _ => &self.message,
        };
        let detail = &self.detail;
        HttpResponse::build(self.kind.status()).json(Body {
            status: ErrorStatus::Error,
            code: self.kind.code(),
            message: shown,
            data: (!detail.is_empty()).then_some(Detail { detail }),
        })
    }

    fn edge(e: EdgeError) -> Self {
        match e {
            EdgeError::MethodNotAllowed { .. } => RequestError::Method.body(),
            EdgeError::TooLarge { limit } => RequestError::TooLarge(limit).body(),
            EdgeError::Unreadable => RequestError::Payload.body(),
            EdgeError::TimedOut => RequestError::TimedOut.body(),
            EdgeError::Throttled { retry_after } => AuthError::Throttled(retry_after).body(),
            EdgeError::Unavailable => StoreError::from(Fault::Unavailable).body(),
            EdgeError::Internal => StoreError::from(Fault::Internal).body(),
        }
    }

    /// The first row of the table with that status, with its default message.
    fn for_status(status: StatusCode) -> Option<Self> {
        let kind = ErrorKind::ALL.into_iter().find(|k| k.status() == status)?;
        Some(Self {
            kind,
            message: kind.message().to_owned(),
            detail: Vec::new(),
        })
    }
}

/// Implemented by every error enum of the crate: its kind and failing fields decide the answer.
pub trait AmityError: std::fmt::Display {
    /// The row of the error table.
    fn kind(&self) -> ErrorKind;
    /// The failing fields of a validation error.
    fn detail(&self) -> &[FieldError] {
        &[]
    }
    /// The `Retry-After` of a throttled check, in seconds.
    fn retry_after(&self) -> Option<u64> {
        None
    }
}

/// The [`AmityError`] methods of an enum with a `Validation(Vec<FieldError>)` and an
/// `Auth(AuthError)` variant: the failing fields come from the first, `Retry-After` from the second.
macro_rules! validation_detail_and_auth_retry {
    () => {
        fn detail(&self) -> &[FieldError] {
            match self {
                Self::Validation(d) => d,
                _ => &[],
            }
        }

        fn retry_after(&self) -> Option<u64> {
            match self {
                Self::Auth(e) => AmityError::retry_after(e),
                _ => None,
            }
        }
    };
}

/// Makes [`AmityError`] enums the flavor's errors.
macro_rules! flavor_error {
    ($($t:ty),*) => {$(
        impl FlavorError for $t {
            type Body = Answer;

            fn body(&self) -> Answer {
                Answer {
                    kind: self.kind(),
                    message: self.to_string(),
                    detail: self.detail().to_vec(),
                }
            }

            fn retry_after(&self) -> Option<u64> {
                AmityError::retry_after(self)
            }
        }
    )*};
}

/// A store error as Amity answers it: a domain refusal with its row and the store's message,
/// or a fault (logged once, where it is made).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    kind: ErrorKind,
    message: String,
}

impl From<session_core::Error> for StoreError {
    fn from(e: session_core::Error) -> Self {
        use session_core::Error as E;
        let kind = match &e {
            E::StoreUnavailable(_) | E::Internal(_) => {
                return Self {
                    kind: fault_kind(Fault::of(Flavor::Amity, &e)),
                    message: e.to_string(),
                }
            }
            E::Invalid { .. } => ErrorKind::Validation,
            E::Forbidden | E::CapacityReached => ErrorKind::Forbidden,
            E::NotFound | E::Expired | E::Unauthorized | E::Replay | E::Conflict(_) => {
                ErrorKind::Unauthorized
            }
        };
        Self {
            kind,
            message: e.to_string(),
        }
    }
}

impl From<Fault> for StoreError {
    fn from(f: Fault) -> Self {
        let kind = fault_kind(f);
        Self {
            kind,
            message: kind.message().to_owned(),
        }
    }
}

fn fault_kind(f: Fault) -> ErrorKind {
    match f {
        Fault::Unavailable => ErrorKind::Unavailable,
        Fault::Internal => ErrorKind::Internal,
    }
}

impl AmityError for StoreError {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// A request whose body or query could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The body is not JSON.
    #[error("Malformed JSON body: {0}")]
    Malformed(String),
    /// The body is JSON but not an object.
    #[error("The request body must be a JSON object")]
    NotAnObject,
    /// The body is over the limit.
    #[error("Request body is too large (limit: {0} bytes)")]
    TooLarge(usize),
    /// The body is not `application/json`.
    #[error("Content-Type must be application/json")]
    ContentType,
    /// The body could not be read.
    #[error("The request body could not be read")]
    Payload,
    /// The body did not arrive within the body timeout.
    #[error("Request body timed out")]
    TimedOut,
    /// The query string does not parse.
    #[error("Malformed query string: {0}")]
    Query(String),
    /// A method the path does not serve.
    #[error("Method not allowed")]
    Method,
    /// No route under `/api` matches the path.
    #[error("Resource not found")]
    Route,
}

impl AmityError for RequestError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Malformed(_) | Self::NotAnObject | Self::Payload | Self::Query(_) => {
                ErrorKind::BadRequest
            }
            Self::TooLarge(_) => ErrorKind::PayloadTooLarge,
            Self::TimedOut => ErrorKind::RequestTimeout,
            Self::ContentType => ErrorKind::UnsupportedMediaType,
            Self::Method => ErrorKind::MethodNotAllowed,
            Self::Route => ErrorKind::NotFound,
        }
    }
}

impl From<BodyError> for RequestError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { limit } => Self::TooLarge(limit),
            BodyError::Unreadable => Self::Payload,
            BodyError::TimedOut => Self::TimedOut,
        }
    }
}

/// A missing or refused credential.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `x-api-key`.
    #[error("Missing API key (x-api-key header)")]
    MissingApiKey,
    /// An `x-api-key` of no network.
    #[error("Invalid API key")]
    InvalidApiKey,
    /// No `x-server-key`.
    #[error("Missing server key (x-server-key header)")]
    MissingServerKey,
    /// An `x-server-key` of no network.
    #[error("Invalid server key")]
    InvalidServerKey,
    /// No `Authorization: Bearer`.
    #[error("Missing access token (Authorization: Bearer)")]
    MissingBearer,
    /// A bearer that is not a valid access token of a known network.
    #[error("Invalid access token")]
    InvalidToken,
    /// A valid access token past its `exp`.
    #[error("Access token has expired")]
    Expired,
    /// A valid access token whose session is gone (logged out, refreshed, evicted).
    #[error("Access token has been revoked")]
    Revoked,
    /// Too many failed credential checks: retry after the given seconds.
    #[error("Too many failed attempts, please retry in {0} s")]
    Throttled(u64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AmityError for AuthError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Store(e) => e.kind(),
            Self::Throttled(_) => ErrorKind::TooManyRequests,
            _ => ErrorKind::Unauthorized,
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Throttled(s) => Some(*s),
            _ => None,
        }
    }
}

impl From<flavor_kit::Refusal> for AuthError {
    fn from(r: flavor_kit::Refusal) -> Self {
        match r {
            flavor_kit::Refusal::Throttled { retry_after } => Self::Throttled(retry_after),
            flavor_kit::Refusal::Store(e) => Self::Store(e.into()),
        }
    }
}

/// A failure of the session routes.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The body could not be read.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A credential was missing or refused.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Fields failed validation.
    #[error("Parameters validation error!")]
    Validation(Vec<FieldError>),
    /// Secure mode and no `authToken`.
    #[error("authToken is required: the network is in secure mode")]
    AuthTokenRequired,
    /// Secure mode and an `authToken` that is not live for this user.
    #[error("Invalid authToken")]
    InvalidAuthToken,
    /// The user is banned from the network.
    #[error("User is globally banned")]
    GlobalBan,
    /// A refresh token that is unknown, malformed or of a gone session.
    #[error("Invalid refresh token")]
    InvalidRefreshToken,
    /// A refresh token spent before: the session and all its tokens are revoked.
    #[error("Refresh token reuse detected: the session has been revoked")]
    RefreshReused,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AmityError for SessionError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Request(e) => e.kind(),
            Self::Auth(e) => e.kind(),
            Self::Validation(_) => ErrorKind::Validation,
            Self::AuthTokenRequired
            | Self::InvalidAuthToken
            | Self::InvalidRefreshToken
            | Self::RefreshReused => ErrorKind::Unauthorized,
            Self::GlobalBan => ErrorKind::GlobalBan,
            Self::Store(e) => e.kind(),
        }
    }

    validation_detail_and_auth_retry!();
}

/// A failure of the authentication-token routes.
#[derive(Debug, thiserror::Error)]
pub enum AuthTokenError {
    /// The body could not be read.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The server key was missing or refused.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The network is not in secure mode.
    #[error("Secure mode is off for this network")]
    SecureModeOff,
    /// Fields failed validation.
    #[error("Parameters validation error!")]
    Validation(Vec<FieldError>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AmityError for AuthTokenError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Request(e) => e.kind(),
            Self::Auth(e) => e.kind(),
            Self::SecureModeOff => ErrorKind::Forbidden,
            Self::Validation(_) => ErrorKind::Validation,
            Self::Store(e) => e.kind(),
        }
    }

    validation_detail_and_auth_retry!();
}

/// An access token refused before the store was asked: not a JWT of ours (bad shape,
/// algorithm, key id or signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidToken;

/// A store error met by a route: answered through [`StoreError`].
macro_rules! from_store_error {
    ($($t:ty),*) => {$(
        impl From<session_core::Error> for $t {
            fn from(e: session_core::Error) -> Self {
                Self::Store(e.into())
            }
        }
    )*};
}

from_store_error!(AuthError, SessionError, AuthTokenError);
flavor_error!(
    RequestError,
    StoreError,
    AuthError,
    SessionError,
    AuthTokenError
);

/// The query extractor settings of this flavor's routes.
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default().error_handler(|err, _req| {
        let QueryPayloadError::Deserialize(e) = err else {
            return Rejection::from(RequestError::Query("unreadable".into())).into();
        };
        Rejection::from(RequestError::Query(e.to_string())).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_the_wire_notes() {
        assert_eq!(ErrorKind::Unauthorized.code(), 400_100);
        assert_eq!(ErrorKind::Unauthorized.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(ErrorKind::Validation.code(), 500_000);
        assert_eq!(
            ErrorKind::Validation.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            ErrorKind::Validation.message(),
            "Parameters validation error!"
        );
        assert_eq!(ErrorKind::Forbidden.code(), 400_300);
        assert_eq!(ErrorKind::BadRequest.code(), 400_000);
        assert_eq!(ErrorKind::GlobalBan.code(), 400_312);
        let unavailable = session_core::Error::StoreUnavailable("x".into());
        assert_eq!(StoreError::from(unavailable).kind(), ErrorKind::Unavailable);
        let refused = session_core::Error::invalid("userId", "too long");
        assert_eq!(StoreError::from(refused).kind(), ErrorKind::Validation);
        assert_eq!(
            ErrorKind::Unavailable.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn a_status_alone_answers_with_its_first_row() {
        let a = Answer::for_status(StatusCode::SERVICE_UNAVAILABLE).unwrap();
        assert_eq!(a.kind, ErrorKind::Unavailable);
        assert_eq!(a.message, "Service temporarily unavailable, please retry");
        assert_eq!(
            Answer::for_status(StatusCode::FORBIDDEN).unwrap().kind,
            ErrorKind::Forbidden
        );
        assert_eq!(
            Answer::for_status(StatusCode::UNAUTHORIZED)
                .unwrap()
                .kind
                .code(),
            400_100
        );
        assert!(Answer::for_status(StatusCode::IM_A_TEAPOT).is_none());
        for k in ErrorKind::ALL {
            assert!(Answer::for_status(k.status()).is_some(), "{k:?}");
        }
    }
}
