//! Amity's error body and the one table of error kinds (HTTP status, Amity code, message).
//!
//! Every failure of this flavor answers `{"status": "error", "code": <int>, "message": "<text>"}`,
//! with `data.detail` listing the failing fields of a validation error.

use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
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
    /// The store did not answer in time.
    Unavailable,
    /// A fault inside the gateway.
    Internal,
}

impl ErrorKind {
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

    /// The kind a store failure maps to.
    pub fn of_store(e: &session_core::Error) -> Self {
        use session_core::Error as E;
        match e {
            E::StoreUnavailable(_) => Self::Unavailable,
            E::Internal(_) => Self::Internal,
            E::Invalid { .. } => Self::Validation,
            E::Forbidden | E::CapacityReached => Self::Forbidden,
            E::NotFound | E::Expired | E::Unauthorized | E::Replay | E::Conflict(_) => {
                Self::Unauthorized
            }
        }
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

/// The Amity error response of `kind` with `message` (and the failing fields, if any).
pub fn respond(kind: ErrorKind, message: &str, detail: &[FieldError]) -> HttpResponse {
    if kind == ErrorKind::Internal {
        tracing::error!(message, "amity request failed inside the gateway");
    } else if kind == ErrorKind::Unavailable {
        // The store's own message may name its address; the store layer logs what it needs.
        tracing::warn!("amity request failed: store unavailable");
    }
    let shown = match kind {
        // Internal details stay in the log.
        ErrorKind::Internal | ErrorKind::Unavailable => kind.message(),
        _ => message,
    };
    HttpResponse::build(kind.status()).json(Body {
        status: ErrorStatus::Error,
        code: kind.code(),
        message: shown,
        data: (!detail.is_empty()).then_some(Detail { detail }),
    })
}

/// Implemented by every error enum of the crate: its kind and failing fields decide the answer.
pub trait AmityError: std::fmt::Display {
    /// The row of the error table.
    fn kind(&self) -> ErrorKind;
    /// The failing fields of a validation error.
    fn detail(&self) -> &[FieldError] {
        &[]
    }
}

/// Implements [`ResponseError`] for an [`AmityError`].
macro_rules! amity_response_error {
    ($t:ty) => {
        impl actix_web::ResponseError for $t {
            fn status_code(&self) -> actix_web::http::StatusCode {
                $crate::errors::AmityError::kind(self).status()
            }
            fn error_response(&self) -> actix_web::HttpResponse {
                $crate::errors::respond(
                    $crate::errors::AmityError::kind(self),
                    &self.to_string(),
                    $crate::errors::AmityError::detail(self),
                )
            }
        }
    };
}
pub(crate) use amity_response_error;

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
            Self::ContentType => ErrorKind::UnsupportedMediaType,
            Self::Method => ErrorKind::MethodNotAllowed,
            Self::Route => ErrorKind::NotFound,
        }
    }
}
amity_response_error!(RequestError);

/// The JSON extractor settings of this flavor's routes: the body limit, a required
/// `application/json` (or `+json`) content type, and Amity errors.
pub fn json_config(limit: usize) -> actix_web::web::JsonConfig {
    actix_web::web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req| {
            let e = match err {
                JsonPayloadError::OverflowKnownLength { .. }
                | JsonPayloadError::Overflow { .. } => RequestError::TooLarge(limit),
                JsonPayloadError::ContentType => RequestError::ContentType,
                JsonPayloadError::Deserialize(e) => RequestError::Malformed(e.to_string()),
                _ => RequestError::Payload,
            };
            e.into()
        })
}

/// The query extractor settings of this flavor's routes.
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default().error_handler(|err, _req| {
        let QueryPayloadError::Deserialize(e) = err else {
            return RequestError::Query("unreadable".into()).into();
        };
        RequestError::Query(e.to_string()).into()
    })
}

/// Answers a method a path does not serve, naming those it does in `Allow`.
pub fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut resp = RequestError::Method.error_response();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(allow) {
        resp.headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    resp
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
        assert_eq!(ErrorKind::of_store(&unavailable), ErrorKind::Unavailable);
        assert_eq!(
            ErrorKind::Unavailable.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
