//! The admin API's errors and their one body shape.

use actix_web::http::header::RETRY_AFTER;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use flavor_kit::answer::{EdgeError, ErrorBody};
use serde_json::json;

/// The admin API's errors: `{"error": {"code", "message"}}`.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Missing or wrong bearer.
    #[error("a valid admin bearer token is required")]
    Unauthorized,
    /// Nothing at that handle or id.
    #[error("not found")]
    NotFound,
    /// The path exists with other methods (listed in the `Allow` header).
    #[error("method not allowed; see the Allow header")]
    MethodNotAllowed,
    /// A parameter or body is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The change conflicts with what exists (an entry of the configuration).
    #[error("{0}")]
    Conflict(String),
    /// The body did not arrive within `server.body_timeout_secs`.
    #[error("the request body did not arrive in time")]
    TimedOut,
    /// Too many wrong bearers from this client address.
    #[error("too many failed attempts; retry in {0} s")]
    Throttled(u64),
    /// The store did not answer.
    #[error("the store is unavailable")]
    Unavailable,
    /// A fault inside the gateway.
    #[error("internal error")]
    Internal,
}

impl AdminError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Invalid(_) => "invalid_request",
            Self::Conflict(_) => "conflict",
            Self::TimedOut => "request_timeout",
            Self::Throttled(_) => "too_many_attempts",
            Self::Unavailable => "store_unavailable",
            Self::Internal => "internal",
        }
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TimedOut => StatusCode::REQUEST_TIMEOUT,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let Self::Throttled(seconds) = self {
            res.insert_header((RETRY_AFTER, *seconds));
        }
        res.json(json!({"error": {"code": self.code(), "message": self.to_string()}}))
    }
}

/// The admin API's routes are a [`flavor_kit::routes!`] table: its edge errors (another
/// method, a body over the limit, ...) are answered in the admin format.
impl ErrorBody for AdminError {
    fn status(&self) -> StatusCode {
        self.status_code()
    }

    fn render(&self, _path: Option<&str>) -> HttpResponse {
        self.error_response()
    }

    fn edge(e: EdgeError) -> Self {
        match e {
            EdgeError::MethodNotAllowed { .. } => Self::MethodNotAllowed,
            EdgeError::TooLarge { limit } => flavor_kit::BodyError::TooLarge { limit }.into(),
            EdgeError::Unreadable => flavor_kit::BodyError::Unreadable.into(),
            EdgeError::TimedOut => Self::TimedOut,
            EdgeError::Throttled { retry_after } => Self::Throttled(retry_after),
            EdgeError::Unavailable => Self::Unavailable,
            EdgeError::Internal => Self::Internal,
        }
    }
}

impl From<flavor_kit::Refusal> for AdminError {
    fn from(r: flavor_kit::Refusal) -> Self {
        match r {
            flavor_kit::Refusal::Throttled { retry_after } => Self::Throttled(retry_after),
            flavor_kit::Refusal::Store(e) => e.into(),
        }
    }
}

impl From<flavor_kit::BodyError> for AdminError {
    fn from(e: flavor_kit::BodyError) -> Self {
        match e {
            flavor_kit::BodyError::TimedOut => Self::TimedOut,
            flavor_kit::BodyError::TooLarge { limit } => {
                Self::Invalid(format!("body: larger than {limit} bytes"))
            }
            flavor_kit::BodyError::Unreadable => Self::Invalid("body: unreadable".into()),
        }
    }
}

impl From<session_core::Error> for AdminError {
    fn from(e: session_core::Error) -> Self {
        match e {
            session_core::Error::NotFound | session_core::Error::Expired => Self::NotFound,
            session_core::Error::Invalid { field, reason } => {
                Self::Invalid(format!("{field}: {reason}"))
            }
            session_core::Error::StoreUnavailable(_) => Self::Unavailable,
            other => {
                tracing::error!(error = %other, "admin: store fault");
                Self::Internal
            }
        }
    }
}

/// What every admin handler answers.
pub(crate) type AdminResult = Result<HttpResponse, AdminError>;
